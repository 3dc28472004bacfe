"""``bpnn demo`` and ``bpnn datasets``: the built-in data sets and training on one of them.

The generated 2-D sets train the seed's :class:`bpnn.seed.TwoLayerNet` by its own gradient-descent steps
(formulas 8-11 … 8-19), or with ``--activation`` other than sigmoid the same two-layer network computed by the
core (:class:`CoreTwoLayer`); the scikit-learn sets train like ``bpnn train`` (:mod:`bpnn.cli.fitting`).

The report ends with the derivation behind the training (``--lang`` en or zh): for a two-class generated set,
the first gradient-descent step traced by ``bpnn explain`` on 8 training samples from the demo's own start
weights, both written next to the report (``derivation.csv``, ``start-weights.json``) with the command that
prints the same trace; otherwise the ``bpnn explain`` command for the same layers on XOR.
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
from bpnn.cli.outputs import add_font_option, model_info, print_run, split_metrics, use_font, write_outputs


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
    demo.add_argument("--activation",
                      help="hidden activation: of the seed's two-layer network on a generated set (default sigmoid, "
                           "the textbook's), or of the layers on a scikit-learn set (default tanh)")
    demo.add_argument("--lang", choices=("en", "zh"), default="en",
                      help="language of the report's derivation section (bpnn explain's trace; default en)")
    demo.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    demo.add_argument("--out", default="bpnn-demo", help="output folder (default bpnn-demo)")
    demo.add_argument("--quiet", action="store_true", help="no progress display and no tables")
    add_font_option(demo)
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
    from bpnn.core.activations import get_activation

    try:
        activation = get_activation(args.activation or ("sigmoid" if demo.source == "generated" else DEFAULT_ACTIVATION),
                                    hidden=True).name
    except ValueError as error:
        raise UsageError(f"--activation: {error}") from None
    use_font(args.font)
    started = time.perf_counter()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if demo.source == "generated":
        run, command = seed_demo(demo, args, activation, out)
    else:
        from bpnn.files.modelfile import save
        from bpnn.tables import prepare

        dataset = prepare(sklearn_frame(demo.name), ["target"], source=demo.name)
        settings = Settings(parse_sizes(args.hidden or DEFAULT_HIDDEN), activation, None, args.epochs,
                            args.learning_rate or DEFAULT_LEARNING_RATE, None, DEFAULT_ALPHA,
                            parse_division(DEFAULT_DIVISION), DEFAULT_SCALING, DEFAULT_MAX_FAIL, args.seed)
        fitted, run = fit_dataset(dataset, settings, args.quiet, f"bpnn demo {demo.name}")
        save(fitted.estimator, out / f"{demo.name}.bpnn", model_info(fitted, run))
        command = derivation_section(run, settings.hidden, activation, args.lang)
    report = write_outputs(run, str(out / "report.html"), str(out))[-1]
    print_run(run, args.quiet)
    print(f"report: {report} ({time.perf_counter() - started:.1f} s in all)")
    print(f"derivation: {command}")
    return 0


def derivation_section(run, hidden, activation: str, lang: str, trace=None, command: str | None = None) -> str:
    """Add to ``run`` the report's section on the derivation behind its training, in ``lang``: the ``trace`` of
    the first step and the ``command`` that prints it, or, without a trace, the command that traces the same
    hidden layers on XOR. Returns the command."""
    from bpnn.derivation import WORDS, render
    from bpnn.reports.html import Section

    words = WORDS[lang]
    if trace is None:
        general = " --general" if activation != "sigmoid" and len(hidden) == 1 else ""  # the textbook's form is sigmoid
        command = (f"bpnn explain --hidden {','.join(map(str, hidden))} --activation {activation}{general} "
                   f"--layout columns --lang {lang}")
        run.sections.append(Section(words["demo_title"], words["demo_other"].format(command=command)))
        return command
    run.sections.append(Section(words["demo_title"], words["demo_trace"].format(command=command,
                                                                               m=trace.settings["samples"]),
                                preformatted=render(trace, "text", lang)))
    return command


class CoreTwoLayer:
    """The seed's two-layer network with another hidden activation g: the core :class:`bpnn.core.Network`
    [n_x, n_h, n_y] (g hidden, sigmoid outputs, cross-entropy 8-11) behind TwoLayerNet's interface, samples as
    columns, starting from ``seed_net``'s weights. w1 … b2 are views of the core's arrays in the seed's layout
    (w_l = W[l]ᵀ), so the demo's loop reads and restores them as it does TwoLayerNet's."""

    def __init__(self, seed_net, activation: str) -> None:
        from bpnn.core import Network

        self.net = Network([seed_net.w1.shape[1], seed_net.w1.shape[0], seed_net.w2.shape[0]], activation, "sigmoid")
        (W1, W2), (b1, b2) = self.net.weights, self.net.biases
        self.w1, self.b1, self.w2, self.b2 = W1.T, b1[:, None], W2.T, b2[:, None]
        for name, value in seed_net.params.items():
            getattr(self, name)[...] = value

    @property
    def params(self) -> dict:
        return {"w1": self.w1, "b1": self.b1, "w2": self.w2, "b2": self.b2}

    def forward(self, x):
        from bpnn.seed import Record

        cache = self.net.forward(x.T)
        return Record(z1=cache.Z[1].T, a1=cache.A[1].T, z2=cache.Z[2].T, a2=cache.A[2].T)

    @staticmethod
    def cost(a2, y) -> float:
        from bpnn.seed import TwoLayerNet

        return TwoLayerNet.cost(a2, y)  # J = (1/m) Σ_i L(y_i, a2_i)   (8-11)

    def backward(self, x, y, cache) -> dict:
        _, flat = self.net.loss_and_grad(x.T, y.T, "binary_cross_entropy")  # 8-12 … 8-19, g′ in 8-17
        (dW1, dW2), (db1, db2) = self.net.split(flat)
        return {"dw1": dW1.T, "db1": db1[:, None], "dw2": dW2.T, "db2": db2[:, None]}

    def update(self, grads: dict, learning_rate: float) -> None:
        for name, value in self.params.items():
            value -= learning_rate * grads["d" + name]  # w ← w - α dw, b ← b - α db

    def predict_proba(self, x):
        return self.net.forward(x.T).A[-1].T


def seed_demo(demo: Demo, args: argparse.Namespace, activation: str = "sigmoid", out: Path | None = None):
    """Train the seed's TwoLayerNet by its own gradient-descent steps (8-11 … 8-19) on a generated set (with
    another hidden ``activation``, :class:`CoreTwoLayer`), keeping the weights of the epoch with the lowest
    validation cost. Returns the run, with the derivation section in ``args.lang``, and the explain command."""
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
    if activation != "sigmoid":
        net = CoreTwoLayer(net, activation)
    start = {name: value.copy() for name, value in net.params.items()}
    if not args.quiet:
        print(f"bpnn demo: the seed's two-layer network ({hidden} {activation} hidden units, {Y.shape[0]} sigmoid "
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
    labels = ["Input\nx", f"Hidden\n{activation}", "Output\nsigmoid"]
    network = ("the seed's TwoLayerNet (formulas 8-11 … 8-19)" if activation == "sigmoid" else
               f"the seed's two-layer network with {activation} hidden units (bpnn.core.Network; 8-11 … 8-19, "
               f"{activation}′ in 8-17)")
    run = Run(
        title=f"bpnn demo {demo.name}", task="classification",
        data={"source": f"{demo.name} (generated)", "rows": len(y), "features": 2, "classes": ", ".join(map(str, classes)),
              **{f"{name} rows": len(index) for name, index in rows.items()}},
        settings={"network": network, "hidden units": hidden, "hidden activation": activation,
                  "learning rate α": learning_rate, "epochs": epochs, "division": "0.7,0.15,0.15" if division else "none",
                  "seed": args.seed},
        model={"layers": f"2 → {hidden} → {Y.shape[0]}", "parameters": 3 * hidden + (hidden + 1) * Y.shape[0],
               "activations": f"{activation}, sigmoid", "loss": "cross-entropy (8-11)",
               "kept weights": f"epoch {best_epoch + 1}, lowest {monitored.lower()} cost"},
        layer_sizes=[2, hidden, Y.shape[0]], layer_labels=labels, curves=curves, measure="Cross-entropy",
        best_epoch=best_epoch, stop_reason="maximum epochs", metrics=metrics,
        counts={name: len(r[0]) for name, r in results.items()}, results=results,
        state=state, classes=classes.tolist(), feature_names=["x1", "x2"], boundary=(predict_proba, X, y))
    if Y.shape[0] > 1 or out is None:  # explain traces one sigmoid output: the command for the same layers on XOR
        return run, derivation_section(run, (hidden,), activation, args.lang)
    return run, first_step(run, out, X[rows["Training"][:8]], y[rows["Training"][:8]] == classes[1], start, activation,
                           learning_rate, args.lang)


def first_step(run, out: Path, X, y, start: dict, activation: str, learning_rate: float, lang: str) -> str:
    """The report's derivation: ``bpnn explain`` of the first gradient-descent step on these training samples
    (X rows, 0/1 labels y) from the demo's ``start`` weights (seed layout), both written into ``out`` as the
    command's files: derivation.csv (x1, x2, label) and start-weights.json. Returns the command."""
    import json

    import numpy as np

    from bpnn.derivation import explain
    from bpnn.files.modelfile import atomic_write

    rows = "".join(f"{a!r},{b!r},{int(label)}\n" for (a, b), label in zip(X.tolist(), y))  # repr: read back exactly
    atomic_write(out / "derivation.csv", ("x1,x2,label\n" + rows).encode("utf-8"))
    record = {name: value.tolist() for name, value in start.items()}  # w_l (n_out, n_in), b_l a column
    atomic_write(out / "start-weights.json", json.dumps(record).encode("utf-8"))
    general = activation != "sigmoid"  # the textbook's form is sigmoid; the layered form, in its layout, else
    trace = explain(str(out / "derivation.csv"), X=X, y=np.asarray(y, dtype=int), hidden=start["w1"].shape[0],
                    activation=activation,
                    general=general, layout="columns" if general else None, learning_rate=learning_rate,
                    weights=[(start["w1"].T, start["b1"].ravel()), (start["w2"].T, start["b2"].ravel())])
    command = (f"bpnn explain {out / 'derivation.csv'} --weights {out / 'start-weights.json'} --learning-rate "
               f"{learning_rate:g}" + (f" --general --activation {activation} --layout columns" if general else "")
               + f" --lang {lang}")
    return derivation_section(run, (), activation, lang, trace, command)


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
