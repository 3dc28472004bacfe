"""What a training command shows and writes: the run's description (:class:`bpnn.reports.html.Run`), its
metrics per split, the table on standard output, the figures and the HTML report, and the training record a
model file keeps."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from bpnn.core.solvers import SOLVERS


def performance_measure(task: str, n_outputs: int, scaled: bool) -> tuple[str, Callable[[float], float]]:
    """What the performance curves show, and the map from the trainer's cost J to it (J without penalty)."""
    if task == "classification":
        return "Cross-entropy", float
    # squared error: J = 1/m Σ_i ½‖e_i‖² = (K/2)·MSE, so MSE = 2J/K
    return "Mean squared error" + (" (scaled targets)" if scaled else ""), lambda J: 2 * J / n_outputs


def curves_in_units(fitted, record: dict) -> tuple[str, dict]:
    """What the performance curves measure and the curves by split, in the table's units where the scaling allows.

    Regression's perf is the mean squared error of the scaled targets. Scaling is affine per target,
    y' = a·y + c, so an error scales by a and a squared error by a²: MSE = MSE' / a². With one target (or
    every target scaled alike) the curves are divided by a²; targets scaled by different factors pool into
    one per-epoch figure that cannot be undone, and those curves stay in scaled units, said so."""
    import numpy as np

    curves = {name: record[key] for name, key in (("Training", "perf"), ("Validation", "vperf"), ("Test", "tperf"))
              if record[key] is not None}
    if fitted.task == "classification":
        return "Cross-entropy", {name: values.tolist() for name, values in curves.items()}
    names, scaler = fitted.target_names, fitted.estimator.y_scaler_
    k = len(names)
    slope = np.ones(k) if scaler is None else (scaler.transform(np.ones((1, k))) - scaler.transform(np.zeros((1, k)))).ravel()
    if np.all(slope == slope[0]) and slope[0] != 0:
        factor = 1 / slope[0] ** 2  # MSE = MSE' / a²
        measure = (f"Mean squared error of {names[0]} (its units²)" if k == 1
                   else f"Mean squared error over {', '.join(names)} (their units²)")
        return measure, {name: (values * factor).tolist() for name, values in curves.items()}
    return "Mean squared error of the scaled targets", {name: values.tolist() for name, values in curves.items()}


class WeightsPerEpoch:
    """A training callback that keeps a copy of the weights at the end of every epoch (from epoch 0 of each fit, so
    early_stopping="refit"'s second training replaces the first): what :func:`curves_per_target` needs to give
    several targets' performance each in its own units. A stop rule ends its epoch before the callbacks run, so
    that epoch's weights are missing unless the model kept them."""

    BUDGET = 64 * 2**20  # bytes of weights kept at most: epochs × parameters × 8

    def __init__(self) -> None:
        self.params: list = []

    def __call__(self, epoch: int, history: object, network: object) -> None:
        if epoch == 0:
            self.params.clear()
        self.params.append(network.params.copy())


def curves_per_target(fitted, dataset, rows: dict, weights: WeightsPerEpoch | None) -> dict:
    """target -> split -> the mean squared error at each epoch's weights, in the target's units (one forward pass
    of every row per epoch); {} without the weights of the run's epochs (a resumed run, several trials)."""
    import copy

    import numpy as np

    estimator, history = fitted.estimator, fitted.estimator.history_
    params = [] if weights is None else list(weights.params)
    if len(params) == history.epochs - 1 and history.best_epoch == history.epochs - 1:
        params.append(estimator.network_.params)  # the epoch a stop rule ended: the weights the model keeps
    if not params or len(params) not in (history.epochs - 1, history.epochs):
        return {}
    network = copy.deepcopy(estimator.network_)
    X = estimator._prepare_inputs(dataset.X)  # scaled, in the network's dtype, once
    Y = np.asarray(dataset.y, dtype=np.float64).reshape(len(X), -1)
    mse = {name: [] for name in rows}
    for epoch_params in params:
        network.unpack(epoch_params)
        squared = (estimator._original_units(network.predict(X)).astype(np.float64) - Y) ** 2
        for name, index in rows.items():
            mse[name].append(squared[index].mean(axis=0))  # (k,): each target's mean squared error
    return {target: {name: [float(row[j]) for row in values] for name, values in mse.items()}
            for j, target in enumerate(fitted.target_names)}


def split_results(fitted, dataset, rows: dict) -> dict:
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


def describe_run(fitted, dataset, rows: dict, settings, solver: str, seconds: float, title: str,
                 weights: WeightsPerEpoch | None = None):
    """The :class:`bpnn.reports.html.Run` of a fit: ``fitted`` a :class:`bpnn.cli.fitted.Fitted`, ``settings``
    the :class:`bpnn.cli.fitting.Settings` it was trained with; ``weights`` those of each epoch, which give
    several targets scaled by different factors a performance curve each in its own units."""
    import numpy as np

    from bpnn.reports.html import Run

    estimator = fitted.estimator
    history, network, record = estimator.history_, estimator.network_, estimator.training_record_
    results = split_results(fitted, dataset, rows)
    classes = estimator.classes_.tolist() if fitted.task == "classification" else None
    measure, curves = curves_in_units(fitted, record)
    by_target = curves_per_target(fitted, dataset, rows, weights) if measure.endswith("scaled targets") else {}
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
                  **({"learning rate": settings.learning_rate} if not SOLVERS[solver].full_batch else {}),
                  # MATLAB's trainParam given (--goal, --min-grad, --mu, ...): they change where training stops
                  **{f"{name} (--{name.replace('_', '-')})": value for name, value in settings.solver_options.items()},
                  "seed": settings.seed, "training time (s)": round(seconds, 3)},
        model={"layers": " → ".join(map(str, network.layer_sizes)), "parameters": network.n_params,
               "activations": ", ".join(g.name for g in network.activations), "dtype": network.dtype.name,
               "inputs": ", ".join(fitted.encoder.input_names),
               **({"constant inputs removed": ", ".join(removed)} if removed else {})},
        layer_sizes=network.layer_sizes, layer_labels=layer_labels(network),
        curves=curves, measure=measure,
        best_epoch=history.best_epoch, stop_reason=history.stop_reason,
        metrics=split_metrics(fitted.task, results, classes), counts={name: len(r[0]) for name, r in results.items()},
        results=results, state=state, classes=classes, feature_names=fitted.encoder.input_names,
        target_names=fitted.target_names, boundary=boundary and (boundary[0], np.asarray(boundary[1]), boundary[2]),
        understanding=getattr(dataset, "understanding", {}), target_curves=by_target)


def print_run(run, quiet: bool) -> None:
    """The stop reason and the metrics table on standard output (nothing when quiet)."""
    if quiet:
        return
    epochs = max((len(values) for values in run.curves.values()), default=0)
    best = f", best epoch {run.best_epoch + 1}" if run.best_epoch is not None else ""
    print(f"{run.title}: {epochs} epochs, {stop_words(run.stop_reason)}{best}")
    print_metrics(run.metrics, run.counts, run.target_names, "Metrics" + (" per target" if len(run.target_names) > 1 else ""))


def print_metrics(metrics: dict, counts: dict, targets: list, title: str) -> None:
    """The metrics table, one row per split (and target, with several), in the table's units; then a note for
    each constant target (R² and R undefined) and each MAPE that left out rows whose target is 0."""
    import sys

    from bpnn.reports.metrics import metric_notes, table
    from bpnn.reports.progress import print_table

    print_table(*table(metrics, counts, targets), title=title)
    for note in metric_notes(metrics, targets):
        print(f"bpnn: note: {note}", file=sys.stderr)


def stop_words(reason: str) -> str:
    """Why training stopped, in MATLAB's words where MATLAB has the rule ("Performance goal met (goal met)")."""
    from bpnn.core.record import MATLAB_STOP_WORDS

    if reason in MATLAB_STOP_WORDS:  # bpnn's own name beside MATLAB's where they differ ("Validation stop" once)
        words = MATLAB_STOP_WORDS[reason]
        return words if words.lower() == reason else f"{words} ({reason})"
    return f"stopped by {reason or 'the epoch limit'}"


def write_outputs(run, report: str | None, plots: str | None) -> list[Path]:
    """Figures into ``plots`` (a temporary folder when only a report is asked for) and the HTML report (characters
    no font had are noted once the command ends: bpnn.cli.font_note)."""
    written: list[Path] = []
    if not (report or plots):
        return written  # before importing the plots: matplotlib only when figures are asked for
    from bpnn.reports.html import run_report
    from bpnn.reports.plots import draw_run

    with tempfile.TemporaryDirectory() as scratch:
        figures = draw_run(run, plots or scratch)
        if plots:
            written += [path for path, _ in figures]
        if report:
            written.append(run_report(run, figures).write(report))
    return written


def add_font_option(parser) -> None:
    parser.add_argument("--font", metavar="FILE|NAME", help="draw the plots' text with this font first: a .ttf, .otf or "
                                                            ".ttc file, or an installed font's name (for characters "
                                                            "the fonts found do not have)")


def use_font(font: str | None) -> None:
    """--font, checked before any work (a wrong one is one line naming it)."""
    if font is None:
        return
    from bpnn.cli._common import UsageError
    from bpnn.reports.plots import use_font as draw_with

    try:
        draw_with(font)
    except ValueError as error:
        raise UsageError(f"--font {font}: {error}") from None


def describe_evaluation(fitted, results: dict, metrics: dict, data: dict, targets: list, trained_on: str,
                        understanding: dict, X=None):
    """The :class:`bpnn.reports.html.Run` of ``bpnn evaluate``: the rows of one table as the split "All", the
    model's network, no training curves; a classifier of two inputs ``X`` gets its decision boundary."""
    from bpnn.reports.html import Run

    network = getattr(fitted.estimator, "network_", None) or fitted.estimator.network
    classes = fitted.estimator.classes_.tolist() if fitted.task == "classification" else None
    two_inputs = classes is not None and X is not None and len(fitted.encoder.input_names) == 2
    model = {"layers": " → ".join(map(str, network.layer_sizes)), "parameters": network.n_params,
             "activations": ", ".join(g.name for g in network.activations), "trained on": trained_on,
             "inputs": ", ".join(fitted.encoder.input_names)}
    return Run(title=data.pop("title"), task=fitted.task, data=data, settings={}, model=model,
               layer_sizes=network.layer_sizes, layer_labels=layer_labels(network), curves={}, measure="",
               best_epoch=None, stop_reason="", metrics=metrics, counts={name: len(r[0]) for name, r in results.items()},
               results=results, classes=classes, feature_names=fitted.encoder.input_names,
               target_names=list(targets), understanding=understanding,
               boundary=(fitted.estimator.predict_proba, X, results["All"][0]) if two_inputs else None)


def training_record(run) -> dict:
    """What a model file keeps of the run: epochs, best epoch (from 1), stop reason and the curves."""
    epochs = max((len(values) for values in run.curves.values()), default=0)
    return {"epochs": epochs, "best_epoch": None if run.best_epoch is None else run.best_epoch + 1,
            "stop_reason": run.stop_reason, "curves": run.curves}


def model_info(fitted, run) -> dict:
    """The ``info`` a model file of ``train`` or ``demo`` keeps: the table encoding and the run's record."""
    return fitted.info({"metrics": run.metrics, "settings": run.settings, "data": run.data,
                        "training": training_record(run), **({"understanding": run.understanding} if run.understanding else {})})
