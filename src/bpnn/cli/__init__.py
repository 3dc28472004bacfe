"""The ``bpnn`` command. Sub-commands import what they need when they run, so ``bpnn --help`` stays fast
(no scikit-learn, pandas, matplotlib or rich).

Exit codes: 0 success, 2 bad input or usage (one line, no traceback), 1 internal error (one line; the
traceback with ``bpnn --traceback ...``).

``train`` runs MATLAB's workflow on a table: encode the features (text columns one-hot), then let the
estimator remove constant input columns and scale inputs and, for regression, targets (mapminmax by
default), divide the rows at random 70/15/15 into training, validation and test sets and train with
validation stopping (``scaling=``, ``division=``, ``max_fail=`` of :mod:`bpnn.estimators`); then report
metrics per split and save the model file. The scaling is part of the estimator, fitted on the training
rows and saved with it; the feature encoding goes in the model file's ``info``, so ``predict`` takes rows
in the original units.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from bpnn.cli import explain as cli_explain

SPLITS = ("Training", "Validation", "Test")
TASKS = ("classification", "regression")
SCALINGS = ("mapminmax", "standard", "none")
DEFAULT_HIDDEN = "10"  # MATLAB's fitnet/patternnet: one hidden layer of 10 tansig units
DEFAULT_ACTIVATION = "tanh"
DEFAULT_DIVISION = "0.7,0.15,0.15"  # MATLAB's dividerand
DEFAULT_LEARNING_RATE = 0.01  # Adam on mapminmax-scaled inputs: 200 epochs of small tables converge at 0.01, not at 0.001
MATLAB_SOLVERS = ("lm", "br", "rprop", "scg")  # full-batch solvers with MATLAB's max_fail validation stop
FULL_BATCH = (*MATLAB_SOLVERS, "lbfgs")  # the others (adam, sgd, rmsprop) step through mini-batches
STEPWISE_EPOCHS, FULL_BATCH_EPOCHS = 200, 1000
# The options of bpnn train its checkpoints keep (info["train"]), so `bpnn train --resume FILE` needs no other:
# those that decide the result must match when given again; the outputs may be given anew.
RESUME_FIXED = ("data", "target", "features", "task", "encoding", "impute", "drop_missing", "hidden", "activation", "solver",
                "epochs", "learning_rate", "batch_size", "alpha", "division", "scaling", "max_fail", "seed", "init")
RESUME_OUTPUTS = ("out", "report", "plots", "checkpoint", "checkpoint_every")
PATH_OPTIONS = ("data", "out", "report", "plots", "checkpoint")  # kept absolute: a resume works from any folder


class UsageError(Exception):
    """Bad input or usage: reported in one line, exit code 2."""


# ---- built-in data sets ----------------------------------------------------------------------------
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


def sklearn_frame(name: str):
    """A scikit-learn bundled data set as a DataFrame with a ``target`` column (class names as text)."""
    from sklearn import datasets

    bunch = getattr(datasets, f"load_{name}")(as_frame=True)
    frame = bunch.frame.copy()
    if "target_names" in bunch and DEMOS[name].task == "classification":
        frame["target"] = [str(bunch.target_names[i]) for i in bunch.target]
    return frame


# ---- option parsing helpers ------------------------------------------------------------------------
def parse_sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 1:
        raise UsageError(f"--hidden takes positive layer sizes separated by commas, such as 10 or 20,10; got {text!r}")
    return sizes


def parse_division(text: str) -> tuple[float, float, float]:
    try:
        ratios = tuple(float(part) for part in text.split(","))
    except ValueError:
        ratios = ()
    if len(ratios) != 3 or min(ratios) < 0 or ratios[0] <= 0:
        raise UsageError(f"--division takes three non-negative ratios train,validation,test with train > 0, such as "
                         f"{DEFAULT_DIVISION}; got {text!r}")
    return ratios


def check_choice(value: str, valid: Sequence[str], option: str) -> str:
    if value not in valid:
        raise UsageError(f"unknown {option} {value!r}; choose one of {', '.join(valid)}")
    return value


# ---- training on a table ---------------------------------------------------------------------------
@dataclass
class Settings:
    hidden: tuple[int, ...]
    activation: str
    solver: str | None
    epochs: int | None
    learning_rate: float
    batch_size: int | None
    alpha: float
    division: tuple[float, float, float]
    scaling: str
    max_fail: int
    seed: int
    init: str | None = None


def settings_of(args: argparse.Namespace) -> Settings:
    from bpnn.core.activations import HIDDEN_ACTIVATIONS, get_activation
    from bpnn.core.initializers import INITIALIZER_NAMES

    try:
        activation = get_activation(args.activation, hidden=True).name
    except ValueError:
        raise UsageError(f"unknown --activation {args.activation!r}; choose one of {', '.join(HIDDEN_ACTIVATIONS)}") from None
    if args.epochs is not None and args.epochs < 1:
        raise UsageError(f"--epochs must be at least 1; got {args.epochs}")
    init = getattr(args, "init", None)
    if init is not None:
        init = check_choice(init, INITIALIZER_NAMES, "--init")
    return Settings(parse_sizes(args.hidden), activation, args.solver, args.epochs, args.learning_rate, args.batch_size,
                    args.alpha, parse_division(args.division), check_choice(args.scaling, SCALINGS, "--scaling"),
                    args.max_fail, args.seed, init)


def choose_init(settings: Settings, solver: str) -> str:
    """The initialiser asked for, else MATLAB's where the command follows MATLAB: Nguyen–Widrow (initnw, the default
    of fitnet and patternnet) for its solvers on mapminmax-scaled inputs, Glorot-uniform otherwise."""
    if settings.init is not None:
        return settings.init
    return "nguyen_widrow" if solver in MATLAB_SOLVERS and settings.scaling == "mapminmax" else "glorot_uniform"


def choose_solver(settings: Settings, task: str, n_inputs: int, n_outputs: int) -> str:
    """The solver asked for, else MATLAB's: LM for a small regression network (fitnet's trainlm), scaled conjugate
    gradient otherwise (patternnet's trainscg, and what LM's size warning recommends)."""
    from bpnn.core.solvers import FULL_BATCH_SOLVERS
    from bpnn.core.solvers.lm import LM_MAX_PARAMS
    from bpnn.estimators import STEPWISE_SOLVERS

    solvers = (*STEPWISE_SOLVERS, *FULL_BATCH_SOLVERS)
    if settings.solver is not None:
        solver = check_choice(settings.solver, solvers, "--solver")
        if solver in ("lm", "br") and task == "classification":
            raise UsageError(f"solver {solver!r} minimises squared errors, which suits regression; for classification "
                             f"use scg, rprop, lbfgs or adam")
        return solver
    sizes = [n_inputs, *settings.hidden, n_outputs]
    n_params = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
    return "lm" if task == "regression" and n_params <= LM_MAX_PARAMS else "scg"


@dataclass
class Fitted:
    """A trained table model: the estimator (which keeps its scaling) and the table encoding around it."""

    estimator: object
    encoder: object  # bpnn.tables.FeatureEncoder
    task: str
    target_names: list
    source: str

    def inputs(self, frame, source: str):
        """The estimator's inputs for the rows of ``frame``: checked and encoded as at training (the estimator
        scales them)."""
        from bpnn.tables import check_columns, check_values

        check_columns(self.encoder.feature_names, frame, source, "feature")
        check_values(frame[self.encoder.feature_names], source)
        return self.encoder.transform(frame, source)

    def info(self, extra: dict) -> dict:
        return {"task": self.task, "source": self.source, "targets": self.target_names, "features": self.encoder.to_dict(),
                **extra}

    @classmethod
    def from_file(cls, path: str | Path) -> Fitted:
        from bpnn.files.modelfile import read
        from bpnn.tables import FeatureEncoder

        contents = read(path)
        info = contents.info
        if "features" not in info:
            raise UsageError(f"{path} holds a model saved without its table encoding ({contents.kind}); "
                             f"bpnn predict and evaluate need a model from bpnn train")
        refuse_outside_scaling(info, path)
        with contents.checked():
            fitted = cls(contents.build(), FeatureEncoder.from_dict(info["features"]), info["task"], info["targets"],
                         info.get("source", ""))
            fitted.check()
        return fitted

    def check(self) -> None:
        """Predict for one made-up row (numbers 0, each text column's first category), so that an encoding,
        scaling and network that do not fit together (a hand-edited model file) fail before the user's data
        is read, inside ``ModelFile.checked``."""
        import pandas as pd

        names = self.target_names
        if self.task not in TASKS or not (isinstance(names, list) and names and all(isinstance(n, str) for n in names)):
            raise ValueError(f"task {self.task!r} and targets {self.target_names!r} are not a bpnn train record")
        row = pd.DataFrame({name: [0.0 if categories is None else str(categories[0])]
                            for name, categories in self.encoder.columns})
        X = self.encoder.transform(row)
        self.estimator.predict(X)
        if self.task == "classification" and self.estimator.predict_proba(X).shape != (1, len(self.estimator.classes_)):
            raise ValueError(f"the network's outputs do not match the classes {self.estimator.classes_.tolist()}")


def refuse_outside_scaling(info: dict, path: str | Path) -> None:
    """Model files of an earlier bpnn kept the table's scaling in ``info``, beside the model; this bpnn would skip it."""
    from bpnn.files.modelfile import ModelFileError

    if "x_scaling" in info:
        raise ModelFileError(f"{path} was saved by an earlier bpnn that kept the scaling outside the model; "
                             f"train it again with this bpnn")


def make_estimator(task: str, settings: Settings, solver: str, epochs: int, callbacks: list):
    """The estimator of MATLAB's workflow: scaling, random division and max_fail validation stop are its own."""
    from bpnn.estimators import BPClassifier, BPRegressor

    params = {"hidden_layer_sizes": settings.hidden, "activation": settings.activation, "solver": solver,
              "alpha": settings.alpha, "max_iter": epochs, "random_state": settings.seed, "callbacks": callbacks,
              "learning_rate_init": settings.learning_rate,
              "batch_size": "auto" if settings.batch_size is None else settings.batch_size,
              "scaling": None if settings.scaling == "none" else settings.scaling, "division": "random",
              "division_ratios": settings.division, "max_fail": settings.max_fail, "init": choose_init(settings, solver)}
    return (BPClassifier if task == "classification" else BPRegressor)(**params)


def fit_dataset(dataset, settings: Settings, quiet: bool, title: str, checkpointing: dict | None = None):
    """Train on a :class:`bpnn.tables.Dataset`; returns the :class:`Fitted` model and the :class:`bpnn.reports.html.Run`.
    ``checkpointing`` holds fit's checkpoint, checkpoint_every and resume; a first Ctrl-C then ends training
    after the current batch (stop reason "interrupted"), a second one at once."""
    import warnings

    import numpy as np

    from bpnn.core.solvers import FULL_BATCH_SOLVERS
    from bpnn.estimators._support import solver_parameters
    from bpnn.reports.progress import TrainingProgress

    if dataset.task == "regression":
        n_outputs = dataset.y.shape[1] if dataset.y.ndim == 2 else 1
    else:
        n_classes = len(np.unique(dataset.y))
        n_outputs = 1 if n_classes == 2 else n_classes  # one sigmoid unit for two classes, softmax otherwise
    solver = choose_solver(settings, dataset.task, dataset.X.shape[1], n_outputs)
    epochs = settings.epochs or (FULL_BATCH_EPOCHS if solver in FULL_BATCH else STEPWISE_EPOCHS)
    measure, to_measure = performance_measure(dataset.task, n_outputs, settings.scaling != "none")
    progress = TrainingProgress(epochs, f"{solver} on {dataset.source}", quiet=quiet,
                                max_fail=settings.max_fail if settings.division[1] > 0 else None, measure=measure,
                                to_measure=to_measure)
    estimator = make_estimator(dataset.task, settings, solver, epochs, [progress.callback])
    checkpointing = dict(checkpointing or {})
    if checkpointing.pop("only_on_interrupt", False) and solver in FULL_BATCH_SOLVERS and \
            "resume" not in solver_parameters(solver):
        del checkpointing["checkpoint"]  # a solver that saves no state leaves Ctrl-C to stop it without one
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught, progress:
        warnings.simplefilter("always")
        try:
            with stop_on_interrupt() as stop:
                estimator.fit(dataset.X, dataset.y, stop=stop, **checkpointing)
        except ValueError as error:
            raise UsageError(f"{dataset.source}: {error}") from None
        progress.callback(estimator.history_.epochs - 1, estimator.history_, None)  # the epoch a stop rule ended
    seconds = time.perf_counter() - started
    for message in dict.fromkeys(str(w.message) for w in caught):
        print(f"bpnn: note: {message}", file=sys.stderr)
    estimator.set_params(callbacks=None)  # callbacks hold the progress display; the model file keeps none
    fitted = Fitted(estimator, dataset.encoder, dataset.task, dataset.target_names, dataset.source)
    division = estimator.division_
    rows = {name: part for name, part in zip(SPLITS, (division.train, division.val, division.test)) if part.size}
    return fitted, describe_run(fitted, dataset, rows, settings, solver, seconds, title)


@contextmanager
def stop_on_interrupt() -> Iterator[threading.Event]:
    """An event the first Ctrl-C sets (training stops after the current batch); a second one interrupts at once."""
    stop = threading.Event()

    def handler(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        print("\nbpnn: stopping after the current batch (Ctrl-C again to abort at once)", file=sys.stderr)

    if threading.current_thread() is not threading.main_thread():  # signals reach the main thread only
        yield stop
        return
    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)


def performance_measure(task: str, n_outputs: int, scaled: bool) -> tuple[str, Callable[[float], float]]:
    """What the performance curves show, and the map from the trainer's cost J to it (J without penalty)."""
    if task == "classification":
        return "Cross-entropy", float
    # squared error: J = 1/m Σ_i ½‖e_i‖² = (K/2)·MSE, so MSE = 2J/K
    return "Mean squared error" + (" (scaled targets)" if scaled else ""), lambda J: 2 * J / n_outputs


def split_results(fitted: Fitted, dataset, rows: dict) -> dict:
    """Per split (and "All" when there are several): (targets, outputs) for regression, (labels, predicted,
    probabilities) otherwise."""
    import numpy as np

    X, estimator = dataset.X, fitted.estimator
    every = {**rows, "All": np.arange(len(X))} if len(rows) > 1 else rows
    if fitted.task == "regression":
        return {name: (dataset.y[index], estimator.predict(X[index])) for name, index in every.items()}
    return {name: (dataset.y[index], estimator.predict(X[index]), estimator.predict_proba(X[index]))
            for name, index in every.items()}


def split_metrics(task: str, results: dict, classes) -> dict:
    from bpnn.reports.metrics import classification_metrics, regression_metrics

    if task == "regression":
        return {name: regression_metrics(t, y) for name, (t, y) in results.items()}
    return {name: classification_metrics(labels, predicted, classes, proba[:, 1] if len(classes) == 2 else None)
            for name, (labels, predicted, proba) in results.items()}


def layer_labels(network) -> list[str]:
    names = [g.name for g in network.activations]
    return ["Input", *(f"Hidden {i + 1}\n{name}" for i, name in enumerate(names[:-1])), f"Output\n{names[-1]}"]


def describe_run(fitted: Fitted, dataset, rows: dict, settings: Settings, solver: str, seconds: float, title: str):
    import numpy as np

    from bpnn.reports.html import Run

    estimator = fitted.estimator
    history, network, record = estimator.history_, estimator.network_, estimator.training_record_
    results = split_results(fitted, dataset, rows)
    classes = estimator.classes_.tolist() if fitted.task == "classification" else None
    measure, _ = performance_measure(fitted.task, network.layer_sizes[-1], estimator.y_scaler_ is not None)
    curves = {"Training": record["perf"], "Validation": record["vperf"], "Test": record["tperf"]}
    state = {name: record[name].tolist() for name in ("gradient", "mu", "val_fail", "gamma") if record.get(name) is not None}
    if len(set(history.learning_rate)) > 1:
        state["learning_rate"] = history.learning_rate
    removed = [] if estimator.x_scaler_ is None else [fitted.encoder.input_names[i] for i in estimator.x_scaler_.steps[0].removed]
    boundary = None
    if fitted.task == "classification" and len(fitted.encoder.input_names) == 2:
        boundary = (estimator.predict_proba, dataset.X, dataset.y)
    return Run(
        title=title, task=fitted.task,
        data={"source": dataset.source, "rows": len(dataset.X), "feature columns": len(fitted.encoder.columns),
              "network inputs": len(fitted.encoder.input_names), "targets": ", ".join(map(str, fitted.target_names)),
              **({"classes": ", ".join(map(str, classes))} if classes else {}),
              **{f"{name} rows": len(index) for name, index in rows.items()}},
        settings={"solver": solver, "hidden layers": ",".join(map(str, settings.hidden)), "activation": settings.activation,
                  "epochs (maximum)": estimator.max_iter, "division": ",".join(f"{r:g}" for r in settings.division),
                  "scaling": settings.scaling, "validation checks (max_fail)": settings.max_fail, "alpha": settings.alpha,
                  **({"learning rate": settings.learning_rate} if solver not in FULL_BATCH else {}),
                  "seed": settings.seed, "training time (s)": round(seconds, 3)},
        model={"layers": " → ".join(map(str, network.layer_sizes)), "parameters": network.n_params,
               "activations": ", ".join(g.name for g in network.activations), "dtype": network.dtype.name,
               "inputs": ", ".join(fitted.encoder.input_names),
               **({"constant inputs removed": ", ".join(removed)} if removed else {})},
        layer_sizes=network.layer_sizes, layer_labels=layer_labels(network),
        curves={name: values.tolist() for name, values in curves.items() if values is not None}, measure=measure,
        best_epoch=history.best_epoch, stop_reason=history.stop_reason,
        metrics=split_metrics(fitted.task, results, classes), counts={name: len(r[0]) for name, r in results.items()},
        results=results, state=state, classes=classes, feature_names=fitted.encoder.input_names,
        target_names=fitted.target_names, boundary=boundary and (boundary[0], np.asarray(boundary[1]), boundary[2]))


def print_run(run, quiet: bool) -> None:
    """The stop reason and the metrics table on standard output (nothing when quiet)."""
    if quiet:
        return
    from bpnn.reports.metrics import table
    from bpnn.reports.progress import print_table

    epochs = max((len(values) for values in run.curves.values()), default=0)
    best = f", best epoch {run.best_epoch + 1}" if run.best_epoch is not None else ""
    print(f"{run.title}: {epochs} epochs, stopped by {run.stop_reason or 'the epoch limit'}{best}")
    print_table(*table(run.metrics, run.counts), title="Metrics")


def write_outputs(run, report: str | None, plots: str | None) -> list[Path]:
    """Figures into ``plots`` (a temporary folder when only a report is asked for) and the HTML report."""
    from bpnn.reports.html import run_report
    from bpnn.reports.plots import draw_run

    written: list[Path] = []
    if not (report or plots):
        return written
    with tempfile.TemporaryDirectory() as scratch:
        figures = draw_run(run, plots or scratch)
        if plots:
            written += [path for path, _ in figures]
        if report:
            written.append(run_report(run, figures).write(report))
    return written


def option_value(name: str, value: object) -> object:
    """An option of bpnn train as a checkpoint keeps it: paths absolute, so a resume works from any folder."""
    return str(Path(value).absolute()) if name in PATH_OPTIONS and value is not None else value


def same_option(name: str, first: object, second: object) -> bool:
    """Whether two values of an option (as kept) ask for the same; layer sizes and ratios are compared parsed."""
    parse = {"hidden": parse_sizes, "division": parse_division}.get(name)
    if parse is None or first is None or second is None:
        return first == second
    return parse(first) == parse(second)


def train_options(args: argparse.Namespace) -> dict:
    """What a checkpoint of this bpnn train run keeps of its command line."""
    return {name: option_value(name, getattr(args, name)) for name in RESUME_FIXED + RESUME_OUTPUTS}


def resumed_options(args: argparse.Namespace) -> argparse.Namespace:
    """``args`` completed from the checkpoint given to --resume: an option left at its default takes the
    checkpoint's value; one given that decides the result must equal it."""
    from bpnn.files.checkpoint import load_checkpoint

    _, info = load_checkpoint(args.resume)
    saved = (info or {}).get("train")
    if saved is None:  # written by fit(checkpoint=...), not by bpnn train: the command line must say it all
        if args.data is None or args.target is None:
            raise UsageError(f"--resume {args.resume} keeps no data file or options (it was not written by bpnn train); "
                             f"give DATA and --target with it")
        return args
    defaults = vars(build_parser().parse_args(["train"]))
    merged = vars(args).copy()
    for name in RESUME_FIXED + RESUME_OUTPUTS:
        given = option_value(name, getattr(args, name))
        if same_option(name, given, option_value(name, defaults[name])):
            merged[name] = saved.get(name)
        elif name in RESUME_FIXED and not same_option(name, given, saved.get(name)):
            option = "DATA" if name == "data" else "--" + name.replace("_", "-")
            raise UsageError(f"--resume {args.resume} was trained with {option} {saved.get(name)!r}, and this command gives "
                             f"{given!r}; leave {option} out to continue with the checkpoint's, or train anew without --resume")
    return argparse.Namespace(**merged)


def run_train(args: argparse.Namespace) -> int:
    if args.resume is not None:
        args = resumed_options(args)
    if args.data is None or args.target is None:
        raise UsageError("bpnn train needs DATA and --target COL (or --resume FILE, a checkpoint of bpnn train)")
    if args.scheduler is not None:
        from bpnn.cli.cluster import run_train_on_cluster

        return run_train_on_cluster(args)
    from bpnn.files.modelfile import save
    from bpnn.tables import check_division, large_input_warning, prepare, read_table

    settings = settings_of(args)
    data = Path(args.data)
    out = Path(args.out) if args.out else Path(data.stem + ".bpnn")
    check_outputs({"--out": out, "--report": args.report, "--checkpoint": args.checkpoint}, {"--plots": args.plots})
    frame = read_table(data, args.encoding)
    dataset = prepare(frame, args.target, args.features, args.task, source=data.name, missing=missing_option(args))
    note_dropped(dataset.dropped, data.name)
    check_division(len(dataset.X), settings.division, data.name)
    if settings.scaling == "none" and (warning := large_input_warning(dataset.X, dataset.encoder.input_names, data.name)):
        print(f"bpnn: warning: {warning}", file=sys.stderr)
    checkpoint = Path(args.checkpoint) if args.checkpoint else out.with_name(out.name + ".ckpt")
    checkpointing = {"checkpoint": checkpoint, "resume": args.resume, "only_on_interrupt": not args.checkpoint,
                     # without --checkpoint only an interrupted run writes one
                     "checkpoint_every": args.checkpoint_every if args.checkpoint else sys.maxsize,
                     "checkpoint_info": {"train": {**train_options(args), "out": option_value("out", out)}}}
    fitted, run = fit_dataset(dataset, settings, args.quiet, f"bpnn train {data.name}", checkpointing)
    save(fitted.estimator, out, fitted.info({"metrics": run.metrics, "settings": run.settings, "data": run.data,
                                             "training": training_record(run)}))
    if fitted.estimator.history_.stop_reason == "interrupted":
        saved = f"the checkpoint {checkpoint} and " if checkpoint.exists() else ""
        print(f"bpnn: interrupted after {fitted.estimator.n_iter_} epochs; wrote {saved}the best model so far to {out}"
              + (f"; continue with bpnn train --resume {checkpoint}" if saved else ""), file=sys.stderr)
        return 130
    written = [out, *write_outputs(run, args.report, args.plots)]
    print_run(run, args.quiet)
    if not args.quiet:
        print("wrote " + ", ".join(map(str, written)))
    return 0


def training_record(run) -> dict:
    epochs = max((len(values) for values in run.curves.values()), default=0)
    return {"epochs": epochs, "best_epoch": None if run.best_epoch is None else run.best_epoch + 1,
            "stop_reason": run.stop_reason, "curves": run.curves}


def check_outputs(files: dict, folders: dict) -> None:
    """Before any work: each output file (by option) can be created in an existing folder, and each output
    folder is not a file, so a finished run is never lost to a mistyped path."""
    for option, path in files.items():
        if path is None:
            continue
        path = Path(path)
        if path.is_dir():
            raise UsageError(f"{option} {path} is a folder; give a file name")
        if not path.absolute().parent.is_dir():
            raise UsageError(f"{option} {path}: the folder {path.parent} does not exist; create it or write elsewhere")
    for option, path in folders.items():
        if path is not None and Path(path).exists() and not Path(path).is_dir():
            raise UsageError(f"{option} {path} is a file, not a folder; give a folder name")


def missing_option(args: argparse.Namespace) -> str:
    """What --impute and --drop-missing ask for: one of bpnn.tables.MISSING."""
    return "drop" if args.drop_missing else args.impute or "error"


def note_dropped(dropped: list[int], source: str) -> None:
    if dropped:
        rows = ", ".join(map(str, dropped[:10])) + (", …" if len(dropped) > 10 else "")
        print(f"bpnn: note: {source}: left out {len(dropped)} row(s) with missing values (row {rows})", file=sys.stderr)


def complete_rows(frame, fitted: Fitted, targets: Sequence[str], args: argparse.Namespace, source: str):
    """``frame`` with missing values in the model's feature columns (and ``targets``) handled as --impute or
    --drop-missing say; without either they stay, for the value checks to report."""
    from bpnn.tables import check_columns, drop_missing

    check_columns(fitted.encoder.feature_names, frame, source, "feature", "the model")
    missing = missing_option(args)
    if missing == "drop":
        frame, dropped = drop_missing(frame, [*fitted.encoder.feature_names, *targets], source)
        note_dropped(dropped, source)
    elif missing != "error":
        frame = fitted.encoder.impute(frame, missing, source)
    return frame


# ---- using a saved model ---------------------------------------------------------------------------
def write_table(frame, path: str | None) -> None:
    """A DataFrame to ``path`` (CSV, TSV, .xlsx or .parquet by its extension) or, without one, CSV on stdout."""
    import io

    from bpnn.files.modelfile import atomic_write

    if path is None:
        frame.to_csv(sys.stdout, index=False)
        return
    suffix = Path(path).suffix.lower()
    buffer = io.BytesIO()
    if suffix == ".xlsx":
        frame.to_excel(buffer, index=False)
    elif suffix == ".parquet":
        frame.to_parquet(buffer, index=False)
    elif suffix in (".csv", ".tsv", ".txt"):
        buffer.write(frame.to_csv(index=False, sep="\t" if suffix == ".tsv" else ",").encode("utf-8"))
    else:
        raise UsageError(f"cannot tell the format of {path!r} from its extension; use .csv, .tsv, .xlsx or .parquet")
    atomic_write(path, buffer.getvalue())


def run_predict(args: argparse.Namespace) -> int:
    from bpnn.tables import read_table

    check_outputs({"-o": args.output}, {})
    fitted = Fitted.from_file(args.model)
    data = Path(args.data)
    frame = complete_rows(read_table(data, args.encoding), fitted, [], args, data.name)
    X = fitted.inputs(frame, data.name)
    out = frame.copy()
    if fitted.task == "classification":
        target = fitted.target_names[0]
        out[f"{target}_predicted"] = fitted.estimator.predict(X)
        for label, column in zip(fitted.estimator.classes_, fitted.estimator.predict_proba(X).T):
            out[f"P({target}={label})"] = column
    else:
        values = fitted.estimator.predict(X).reshape(len(frame), -1)
        for target, column in zip(fitted.target_names, values.T):
            out[f"{target}_predicted"] = column
    write_table(out, args.output)
    if args.output:
        print(f"wrote {len(out)} rows with predictions to {args.output}", file=sys.stderr)
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    import numpy as np

    from bpnn.reports.metrics import table
    from bpnn.reports.progress import print_table
    from bpnn.tables import DataError, check_columns, check_values, read_table, target_values

    fitted = Fitted.from_file(args.model)
    data = Path(args.data)
    frame = read_table(data, args.encoding)
    targets = args.target or fitted.target_names
    check_columns(targets, frame, data.name, "target")
    frame = complete_rows(frame, fitted, targets, args, data.name)
    check_values(frame[targets], data.name)
    X = fitted.inputs(frame, data.name)
    y = target_values(frame, targets, fitted.task, data.name)
    if fitted.task == "classification":
        classes = fitted.estimator.classes_
        unseen = np.setdiff1d(y, classes.astype(y.dtype) if y.dtype.kind == "U" else classes)
        if unseen.size:
            raise DataError(f"{data.name}: class label {unseen[0].item()!r} was not seen at training (known: "
                            f"{', '.join(map(str, classes))}); evaluate on rows of those classes only")
        results = {"All": (y, fitted.estimator.predict(X), fitted.estimator.predict_proba(X))}
    else:
        results = {"All": (y, fitted.estimator.predict(X))}
    metrics = split_metrics(fitted.task, results, classes.tolist() if fitted.task == "classification" else None)
    print_table(*table(metrics, {"All": len(y)}), title=f"Metrics of {Path(args.model).name} on {data.name}")
    if fitted.task == "classification":
        names = list(map(str, classes))
        print_table(["true \\ predicted", *names], [[name, *row] for name, row in zip(names, metrics["All"]["confusion"])],
                    title="Confusion matrix")
    return 0


def run_info(args: argparse.Namespace) -> int:
    from bpnn.files.modelfile import read
    from bpnn.reports.metrics import table
    from bpnn.reports.progress import print_table

    contents = read(args.model)
    with contents.checked():  # a hand-edited header with a valid checksum is the file's fault, exit 2
        contents.build()
        header, info, meta = contents.header, contents.info, contents.meta
        rows = [("file", args.model), ("model", contents.kind), ("format version", header["format_version"]),
                ("written by bpnn", header["bpnn_version"]), ("created", header["created"]),
                ("layers", " → ".join(map(str, meta["layer_sizes"]))),
                ("activations", ", ".join([*meta["activations"], meta["output_activation"]])), ("dtype", meta["dtype"])]
        if "task" in info:
            rows += [("task", info["task"]), ("data", info.get("source", "")), ("targets", ", ".join(info["targets"])),
                     ("features", ", ".join(column["name"] + ("" if column["categories"] is None else
                                                              f" (text: {', '.join(column['categories'])})")
                                            for column in info["features"]["columns"]))]
        if "x_scaling" in meta:  # an estimator: its scaling
            rows += [("input scaling", scaling_summary(meta["x_scaling"])),
                     ("target scaling", scaling_summary(meta["y_scaling"]))]
        if "classes" in meta or "classes" in contents.arrays:
            classes = meta["classes"] if "classes" in meta else contents.arrays["classes"].tolist()
            rows.append(("classes", ", ".join(map(str, classes))))
        training = info.get("training", {})
        if training:
            rows += [("epochs", training["epochs"]), ("best epoch", training["best_epoch"]),
                     ("stop reason", training["stop_reason"])]
        rows += [(name, value) for name, value in info.get("settings", {}).items() if name in ("solver", "division", "seed")]
        metrics = None
        if info.get("metrics"):
            counts = {name: info["data"].get(f"{name} rows") for name in info["metrics"]}
            counts["All"] = info["data"].get("rows")
            metrics = table(info["metrics"], counts)
    print_table(["", "value"], rows, title=f"bpnn model {Path(args.model).name}")
    if metrics:
        print_table(*metrics, title="Metrics at training")
    return 0


def scaling_summary(scaling: dict | None) -> str:
    from bpnn.exporters.python import steps_of

    if scaling is None:
        return "none"
    parts = []
    for step in steps_of(scaling):
        if step["kind"] == "removeconstant":
            removed = [i for i, keep in enumerate(step["keep"]) if not keep]
            parts.append(f"removeconstant ({len(removed)} removed)" if removed else "removeconstant (none removed)")
        elif step["kind"] == "mapminmax":
            parts.append(f"mapminmax to [{step['ymin']:g}, {step['ymax']:g}]")
        else:
            parts.append(step["kind"])
    return " → ".join(parts)


def run_export(args: argparse.Namespace) -> int:
    from bpnn.exporters.python import export_python, predictor_of
    from bpnn.files.modelfile import read
    from bpnn.tables import FeatureEncoder

    contents = read(args.model)
    refuse_outside_scaling(contents.info, args.model)
    with contents.checked():
        model, info = contents.build(), contents.info
        features = FeatureEncoder.from_dict(info["features"]).columns if "features" in info else []
        predictor = predictor_of(model, features, Path(args.model).name, info.get("classes"))
    try:
        path = export_python(predictor, args.file)
    except ValueError as error:
        raise UsageError(str(error)) from None
    print(f"wrote {path}: predict(X){' and predict_proba(X)' if predictor.classes is not None else ''}, NumPy only")
    return 0


# ---- demos -------------------------------------------------------------------------------------------
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
                            args.learning_rate or DEFAULT_LEARNING_RATE, None, 0.0, parse_division(DEFAULT_DIVISION),
                            "mapminmax", 6, args.seed)
        fitted, run = fit_dataset(dataset, settings, args.quiet, f"bpnn demo {demo.name}")
        save(fitted.estimator, out / f"{demo.name}.bpnn", fitted.info({"metrics": run.metrics, "settings": run.settings,
                                                                        "data": run.data, "training": training_record(run)}))
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
    curves: dict[str, list] = {name: [] for name in rows}
    gradient, val_fail = [], []
    best = (np.inf, None, 0)  # (validation cost, weights, epoch)
    monitored = "Validation" if "Validation" in rows else "Training"
    with TrainingProgress(epochs, f"seed network on {demo.name}", quiet=args.quiet, measure="Cross-entropy") as progress:
        for epoch in range(epochs):
            cache = net.forward(x_of["Training"])
            curves["Training"].append(net.cost(cache.a2, y_of["Training"]))  # J (8-11)
            for name in rows.keys() - {"Training"}:
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
               "kept weights": f"epoch {best[2] + 1}, lowest {monitored.lower()} cost"},
        layer_sizes=[2, hidden, Y.shape[0]], layer_labels=labels, curves=curves, measure="Cross-entropy",
        best_epoch=best[2], stop_reason="maximum epochs", metrics=metrics,
        counts={name: len(r[0]) for name, r in results.items()}, results=results,
        state={"gradient": gradient, **({"val_fail": val_fail} if "Validation" in rows else {})},
        classes=classes.tolist(), feature_names=["x1", "x2"], boundary=(predict_proba, X, y))


# ---- the parser --------------------------------------------------------------------------------------
def add_training_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("network and training")
    group.add_argument("--hidden", default=DEFAULT_HIDDEN,
                       help=f"hidden layer sizes, e.g. 10 or 20,10 (default {DEFAULT_HIDDEN})")
    group.add_argument("--activation", default=DEFAULT_ACTIVATION,
                       help=f"hidden activation: tanh (tansig), sigmoid (logsig), relu, … (default {DEFAULT_ACTIVATION})")
    group.add_argument("--solver", help="lm, br, rprop, scg, lbfgs, adam, sgd, rmsprop (default: lm for a small "
                                        "regression network, like fitnet; scg otherwise, like patternnet)")
    group.add_argument("--epochs", type=int, help=f"maximum epochs (default {FULL_BATCH_EPOCHS} for full-batch solvers, "
                                                  f"{STEPWISE_EPOCHS} for adam, sgd, rmsprop)")
    group.add_argument("--learning-rate", type=float, default=DEFAULT_LEARNING_RATE,
                       help=f"learning rate of adam, sgd, rmsprop (default {DEFAULT_LEARNING_RATE})")
    group.add_argument("--batch-size", type=int, help="mini-batch size of adam, sgd, rmsprop (default min(200, rows))")
    group.add_argument("--alpha", type=float, default=0.0, help="L2 penalty α (default 0)")
    group.add_argument("--division", default=DEFAULT_DIVISION,
                       help=f"random train,validation,test ratios (default {DEFAULT_DIVISION}; 1,0,0 trains on every row)")
    group.add_argument("--scaling", default="mapminmax", help="mapminmax (to [-1, 1]) or standard, after removing constant "
                                                              "input columns, or none (default mapminmax)")
    group.add_argument("--max-fail", type=int, default=6, help="validation checks: epochs without a lower validation "
                                                               "loss before stopping, 0 for none (default 6)")
    group.add_argument("--seed", type=int, default=0, help="random seed of initialisation, division and shuffling (default 0)")
    group.add_argument("--init", help="weight initialisation: nguyen_widrow (MATLAB's initnw), glorot_uniform, he_uniform, "
                                      "… (default nguyen_widrow for lm, br, rprop, scg with mapminmax, else glorot_uniform)")


def add_missing_options(parser: argparse.ArgumentParser) -> None:
    from bpnn.tables import IMPUTE

    group = parser.add_argument_group("missing values (default: an error naming the rows)")
    choice = group.add_mutually_exclusive_group()
    choice.add_argument("--impute", choices=IMPUTE, help="fill missing feature values with the training file's column "
                                                         "mean, median or most frequent value (text: most frequent)")
    choice.add_argument("--drop-missing", action="store_true", help="leave out rows with a missing value")


class Parser(argparse.ArgumentParser):
    """argparse reporting a usage error in one line, like every other bad input (the usage is in --help)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}; see {self.prog} --help\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="bpnn", description="Backpropagation neural networks: train on a table, "
                                     "predict, evaluate, export; demos and the seed's derivation.")
    parser.add_argument("--version", action="version", version=_version())
    parser.add_argument("--traceback", action="store_true", help="show the full traceback of an internal error")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = commands.add_parser("train", help="train a network on a CSV, TSV, Excel or Parquet table",
                                description="Train a network on a table (CSV, TSV, .xlsx or Parquet, UTF-8 or GBK) "
                                            "and save it with its metrics; optionally write plots and an HTML report.")
    train.add_argument("data", nargs="?", help="the data file (with --resume: the checkpoint's)")
    train.add_argument("--target", nargs="+", metavar="COL", help="target column(s) (required; with --resume: the checkpoint's)")
    train.add_argument("--features", nargs="+", metavar="COL", help="feature columns (default: all other columns)")
    train.add_argument("--task", choices=TASKS, help="override the detected task")
    train.add_argument("--encoding", help="text encoding of the file (default: UTF-8, else GBK)")
    add_missing_options(train)
    add_training_options(train)
    train.add_argument("--out", metavar="MODEL", help="model file (default: the data file's name with .bpnn, here)")
    train.add_argument("--report", metavar="FILE.html", help="write a self-contained HTML report")
    train.add_argument("--plots", metavar="DIR", help="write the figures as PNG files into DIR")
    train.add_argument("--quiet", action="store_true", help="no progress display and no tables")
    resume = train.add_argument_group("checkpoints (Ctrl-C stops after the current batch and writes one, and the model)")
    resume.add_argument("--checkpoint", metavar="FILE", help="write the complete training state to FILE (default on "
                                                             "Ctrl-C: the model file's name with .ckpt)")
    resume.add_argument("--checkpoint-every", type=int, default=1, metavar="N", help="epochs between checkpoints (default 1)")
    resume.add_argument("--resume", metavar="FILE", help="continue the run of this checkpoint with its data and options "
                                                         "(options given again must match; outputs may change); every "
                                                         "solver but lbfgs")
    cluster = train.add_argument_group("on a Dask cluster (every row trains; no division, scaling or report)")
    cluster.add_argument("--scheduler", metavar="local:N|tcp://HOST:PORT",
                         help="train with bpnn.distributed: local:N starts N single-threaded local workers, "
                              "tcp://HOST:PORT joins a running scheduler; the CSV or Parquet file is read partition by partition")
    cluster.add_argument("--partitions", type=int, metavar="K", help="split the data into K partitions (default: "
                                                                     "64 MB blocks of CSV, Parquet's own)")
    train.set_defaults(handler=run_train)

    predict = commands.add_parser("predict", help="append predictions to the rows of a table",
                                  description="Predict for every row of DATA: the input rows with the predicted "
                                              "label and per-class probabilities, or values in original units.")
    predict.add_argument("model", help="a model file from bpnn train")
    predict.add_argument("data", help="the data file (the feature columns of training)")
    predict.add_argument("-o", "--output", help="output file: .csv, .tsv, .xlsx or .parquet (default: CSV on stdout)")
    predict.add_argument("--encoding", help="text encoding of the data file")
    add_missing_options(predict)
    predict.set_defaults(handler=run_predict)

    evaluate = commands.add_parser("evaluate", help="metrics of a model on a labelled table")
    evaluate.add_argument("model", help="a model file from bpnn train")
    evaluate.add_argument("data", help="the data file, with the target column(s)")
    evaluate.add_argument("--target", nargs="+", metavar="COL", help="target column(s) (default: those of training)")
    evaluate.add_argument("--encoding", help="text encoding of the data file")
    add_missing_options(evaluate)
    evaluate.set_defaults(handler=run_evaluate)

    info = commands.add_parser("info", help="architecture, scaling, classes, training record and metrics of a model")
    info.add_argument("model", help="a model file")
    info.set_defaults(handler=run_info)

    export = commands.add_parser("export", help="write a standalone NumPy-only Python module that predicts")
    export.add_argument("model", help="a model file")
    export.add_argument("--to", choices=("python",), required=True, help="the target language (python)")
    export.add_argument("file", metavar="FILE.py", help="the module to write")
    export.set_defaults(handler=run_export)

    demo = commands.add_parser("demo", help="train on built-in data and write a report (bpnn datasets lists them)",
                               description="Train on a built-in data set and write a report into --out. The 2-D "
                                           "sets train the seed's two-layer sigmoid network by gradient descent; "
                                           "the scikit-learn sets train like bpnn train.")
    demo.add_argument("name", nargs="?", default="flower", help="data set (default: flower)")
    demo.add_argument("--hidden", help="hidden units (seed network) or layer sizes (default: per data set)")
    demo.add_argument("--epochs", type=int, help="epochs (default: per data set)")
    demo.add_argument("--learning-rate", type=float, help="learning rate α (default: per data set)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    demo.add_argument("--out", default="bpnn-demo", help="output folder (default bpnn-demo)")
    demo.add_argument("--quiet", action="store_true", help="no progress display and no tables")
    demo.set_defaults(handler=run_demo)

    datasets = commands.add_parser("datasets", help="list the built-in data sets")
    datasets.set_defaults(handler=run_datasets)

    cli_explain.register(commands)
    return parser


def _version() -> str:
    from bpnn import __version__

    return f"bpnn {__version__}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if args.command is None:
        parser.print_help()
        return 2
    from bpnn.files.modelfile import ModelFileError
    from bpnn.tables import DataError

    try:
        return args.handler(args)
    except (UsageError, DataError, ModelFileError) as error:
        print(f"bpnn: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bpnn: interrupted", file=sys.stderr)
        return 130
    except OSError as error:  # the file system refused: no permission, a full disk, a name too long
        if args.traceback:
            raise
        print(f"bpnn: error: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # an internal error: one line, the traceback on request
        if args.traceback:
            raise
        print(f"bpnn: internal error: {type(error).__name__}: {error} (run again with bpnn --traceback to see where)",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
