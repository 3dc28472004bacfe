"""``bpnn demo`` and ``bpnn datasets``: the built-in data sets and training on one of them.

The generated 2-D sets train the seed's :class:`bpnn.seed.TwoLayerNet` by its own gradient-descent steps
(formulas 8-11 … 8-19); the scikit-learn sets train like ``bpnn train`` (:mod:`bpnn.cli.fitting`).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

from bpnn.cli._common import (
    DEFAULT_ACTIVATION,
    DEFAULT_ALPHA,
    DEFAULT_DIVISION,
    DEFAULT_HIDDEN,
    DEFAULT_LEARNING_RATE,
    DEFAULT_MAX_FAIL,
    DEFAULT_SCALING,
    DEFAULT_SEED,
    UsageError,
    parse_division,
    parse_sizes,
)
from bpnn.cli.fitting import Settings, fit_dataset
from bpnn.cli.outputs import model_info, print_run, split_metrics, write_outputs


@dataclass(frozen=True)
class Demo:
    """A built-in data set: generated 2-D points (trained with the seed's network) or a scikit-learn set."""

    name: str
    source: str  # "generated" or "scikit-learn"
    task: str
    description: str
    hidden: int = 4  # seed network: hidden units
    epochs: int = 5000  # seed network: gradient-descent epochs
    learning_rate: float = 2.0  # seed network: learning rate α


DEMOS: dict[str, Demo] = {demo.name: demo for demo in (
    Demo("flower", "generated", "classification", "two classes on the petals of a rose curve (400 points)"),
    Demo("moons", "generated", "classification", "two interleaving half circles (400 points)"),
    Demo("circles", "generated", "classification", "a small circle inside a large one (400 points)"),
    Demo("spiral", "generated", "classification", "three interleaved spiral arms (400 points)", hidden=24,
         epochs=8000, learning_rate=3.0),
    Demo("xor", "generated", "classification", "the four XOR corners", epochs=3000, learning_rate=5.0),
    Demo("breast_cancer", "scikit-learn", "classification", "Wisconsin breast cancer: 569 tumours, 30 features, 2 classes"),
    Demo("iris", "scikit-learn", "classification", "Fisher's iris: 150 flowers, 4 features, 3 species"),
    Demo("wine", "scikit-learn", "classification", "wine recognition: 178 wines, 13 features, 3 cultivars"),
    Demo("digits", "scikit-learn", "classification", "8×8 handwritten digits: 1797 images, 64 features, 10 classes"),
    Demo("diabetes", "scikit-learn", "regression", "diabetes progression: 442 patients, 10 features"),
)}


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``demo`` and ``datasets`` to the ``bpnn`` command's sub-parsers."""
    demo = commands.add_parser("demo", help="train on built-in data and write a report (bpnn datasets lists them)",
                               description="Train on a built-in data set and write a report into --out. The 2-D "
                                           "sets train the seed's two-layer sigmoid network by gradient descent; "
                                           "the scikit-learn sets train like bpnn train.")
    demo.add_argument("name", nargs="?", default="flower", help="data set (default: flower)")
    demo.add_argument("--hidden", help="hidden units (seed network) or layer sizes (default: per data set)")
    demo.add_argument("--epochs", type=int, help="epochs (default: per data set)")
    demo.add_argument("--learning-rate", type=float, help="learning rate α (default: per data set)")
    demo.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    demo.add_argument("--out", default="bpnn-demo", help="output folder (default bpnn-demo)")
    demo.add_argument("--quiet", action="store_true", help="no progress display and no tables")
    demo.set_defaults(handler=run_demo)

    datasets = commands.add_parser("datasets", help="list the built-in data sets")
    datasets.set_defaults(handler=run_datasets)


def sklearn_frame(name: str):
    """A scikit-learn bundled data set as a DataFrame with a ``target`` column (class names as text)."""
    from sklearn import datasets

    bunch = getattr(datasets, f"load_{name}")(as_frame=True)
    frame = bunch.frame.copy()
    if "target_names" in bunch and DEMOS[name].task == "classification":
        frame["target"] = [str(bunch.target_names[i]) for i in bunch.target]
    return frame


def run_datasets(args: argparse.Namespace) -> int:
    for demo in DEMOS.values():
        print(f"{demo.name:<14} {demo.source:<13} {demo.task:<15} {demo.description}")
    return 0


def run_demo(args: argparse.Namespace) -> int:
    demo = DEMOS.get(args.name)
    if demo is None:
        raise UsageError(f"unknown data set {args.name!r}; choose one of {', '.join(DEMOS)}")
    started = time.perf_counter()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if demo.source == "generated":
        run = seed_demo(demo, args)
    else:
        from bpnn.files.modelfile import save
        from bpnn.tables import prepare

        dataset = prepare(sklearn_frame(demo.name), ["target"], source=demo.name)
        settings = Settings(parse_sizes(args.hidden or DEFAULT_HIDDEN), DEFAULT_ACTIVATION, None, args.epochs,
                            args.learning_rate or DEFAULT_LEARNING_RATE, None, DEFAULT_ALPHA,
                            parse_division(DEFAULT_DIVISION), DEFAULT_SCALING, DEFAULT_MAX_FAIL, args.seed)
        fitted, run = fit_dataset(dataset, settings, args.quiet, f"bpnn demo {demo.name}")
        save(fitted.estimator, out / f"{demo.name}.bpnn", model_info(fitted, run))
    report = write_outputs(run, str(out / "report.html"), str(out))[-1]
    print_run(run, args.quiet)
    print(f"report: {report} ({time.perf_counter() - started:.1f} s in all)")
    return 0


def seed_demo(demo: Demo, args: argparse.Namespace):
    """Train the seed's TwoLayerNet by its own gradient-descent steps (8-11 … 8-19) on a generated set,
    keeping the weights of the epoch with the lowest validation cost."""
    import numpy as np

    from bpnn.datasets import GENERATED
    from bpnn.preprocessing import dividerand
    from bpnn.reports.html import Run
    from bpnn.reports.progress import TrainingProgress
    from bpnn.seed import TwoLayerNet

    hidden, epochs = int(args.hidden or demo.hidden), args.epochs or demo.epochs
    learning_rate = args.learning_rate or demo.learning_rate
    X, y = GENERATED[demo.name](random_state=args.seed)
    classes = np.unique(y)
    Y = (y[None, :] == classes[1]).astype(float) if len(classes) == 2 else (y[None, :] == classes[:, None]).astype(float)
    division = dividerand(len(y), 0.7, 0.15, 0.15, random_state=args.seed) if len(y) >= 20 else None
    rows = {"Training": np.arange(len(y))} if division is None else \
        {"Training": division.train, "Validation": division.val, "Test": division.test}
    net = TwoLayerNet(2, hidden, Y.shape[0], seed=args.seed)
    if not args.quiet:
        print(f"bpnn demo: the seed's two-layer network ({hidden} sigmoid hidden units, {Y.shape[0]} sigmoid "
              f"output{'s' if Y.shape[0] > 1 else ''}, cross-entropy 8-11, gradient descent α = {learning_rate:g}) on "
              f"{demo.name!r}: {len(y)} samples, 2 features, {len(classes)} classes")
    x_of = {name: X[index].T for name, index in rows.items()}  # the seed's samples are columns
    y_of = {name: Y[:, index] for name, index in rows.items()}
    with TrainingProgress(epochs, f"seed network on {demo.name}", quiet=args.quiet, measure="Cross-entropy") as progress:
        curves, state, best_epoch, monitored = seed_descent(net, x_of, y_of, epochs, learning_rate, progress)

    def predict_proba(G):
        a2 = net.predict_proba(np.asarray(G, dtype=float).T).T
        return np.hstack([1 - a2, a2]) if len(classes) == 2 else a2 / a2.sum(axis=1, keepdims=True)

    results = {}
    for name, index in {**rows, "All": np.arange(len(y))}.items():
        proba = predict_proba(X[index])
        results[name] = (y[index], classes[proba.argmax(axis=1)], proba)
    if division is None:
        del results["All"]
    metrics = split_metrics("classification", results, classes.tolist())
    labels = ["Input\nx", "Hidden\nsigmoid", "Output\nsigmoid"]
    return Run(
        title=f"bpnn demo {demo.name}", task="classification",
        data={"source": f"{demo.name} (generated)", "rows": len(y), "features": 2, "classes": ", ".join(map(str, classes)),
              **{f"{name} rows": len(index) for name, index in rows.items()}},
        settings={"network": "the seed's TwoLayerNet (formulas 8-11 … 8-19)", "hidden units": hidden,
                  "learning rate α": learning_rate, "epochs": epochs, "division": "0.7,0.15,0.15" if division else "none",
                  "seed": args.seed},
        model={"layers": f"2 → {hidden} → {Y.shape[0]}", "parameters": 3 * hidden + (hidden + 1) * Y.shape[0],
               "activations": "sigmoid, sigmoid", "loss": "cross-entropy (8-11)",
               "kept weights": f"epoch {best_epoch + 1}, lowest {monitored.lower()} cost"},
        layer_sizes=[2, hidden, Y.shape[0]], layer_labels=labels, curves=curves, measure="Cross-entropy",
        best_epoch=best_epoch, stop_reason="maximum epochs", metrics=metrics,
        counts={name: len(r[0]) for name, r in results.items()}, results=results,
        state=state, classes=classes.tolist(), feature_names=["x1", "x2"], boundary=(predict_proba, X, y))


def seed_descent(net, x_of: dict, y_of: dict, epochs: int, learning_rate: float, progress):
    """The seed's gradient descent (8-11 … 8-19) on ``x_of["Training"]``, recording per epoch the cost of every split
    (samples as columns, by split name), the gradient norm and the validation checks, and ending with the weights
    of the epoch of lowest validation cost (training cost without a validation split). Returns the curves, the
    state series, that epoch and the split it was judged on.

    Its own loop rather than ``TwoLayerNet.fit``: fit's ``callback(epoch, cost)`` comes after the update and
    without the gradients, while each epoch's record here is of the weights before it."""
    import numpy as np

    curves: dict[str, list] = {name: [] for name in x_of}
    gradient, val_fail = [], []
    best = (np.inf, None, 0)  # (validation cost, weights, epoch)
    monitored = "Validation" if "Validation" in x_of else "Training"
    for epoch in range(epochs):
        cache = net.forward(x_of["Training"])
        curves["Training"].append(net.cost(cache.a2, y_of["Training"]))  # J (8-11)
        for name in x_of.keys() - {"Training"}:
            curves[name].append(net.cost(net.forward(x_of[name]).a2, y_of[name]))
        with np.errstate(divide="ignore", invalid="ignore"):  # da2 (8-12) is 0/0 where a2 saturates; dz2 is not
            grads = net.backward(x_of["Training"], y_of["Training"], cache)  # 8-12 … 8-19
        gradient.append(float(np.sqrt(sum(np.sum(grads[g] ** 2) for g in ("dw1", "db1", "dw2", "db2")))))
        if curves[monitored][-1] < best[0]:
            best = (curves[monitored][-1], {k: v.copy() for k, v in net.params.items()}, epoch)
        val_fail.append(epoch - best[2])
        net.update(grads, learning_rate)  # w ← w - α dw, b ← b - α db
        progress.update(epoch, loss=curves["Training"][-1], val_loss=curves.get("Validation", [None])[-1],
                        gradient=gradient[-1], val_fail=val_fail[-1])
    for name, value in best[1].items():
        getattr(net, name)[...] = value
    state = {"gradient": gradient, **({"val_fail": val_fail} if "Validation" in x_of else {})}
    return curves, state, best[2], monitored
