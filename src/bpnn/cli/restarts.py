"""Several trainings on the command line (``bpnn train --restarts N [--ensemble] [--division-seed S]``, and
``bpnn tune``): the options, their checks, the live display's trial counter, the trials table with its spread
(printed, in the report, in ``bpnn info``) and the standard-deviation columns of ``bpnn predict`` on an ensemble.
The estimators' ``n_init``, ``ensemble`` and ``division_random_state`` (:mod:`bpnn.estimators.trials`) do the work.
"""

from __future__ import annotations

import argparse
import math

from bpnn.cli._common import DEFAULT_RESTARTS, UsageError

TEST_FIGURES = {"mse": "test MSE", "r2": "test R", "accuracy": "test accuracy"}  # R from R² as the report shows R


def add_restart_options(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--restarts", type=int, default=DEFAULT_RESTARTS, metavar="N",
                       help="train N times from different start weights on the same division and keep the network "
                            f"with the lowest validation error (default {DEFAULT_RESTARTS})")
    group.add_argument("--ensemble", action="store_true",
                       help="keep all --restarts networks and predict their mean (regression: with a standard "
                            "deviation column in bpnn predict)")
    group.add_argument("--division-seed", type=int, metavar="S",
                       help="random seed of the division alone (default: --seed), so --seed varies the start weights "
                            "on the same rows")


def check_restart_options(args: argparse.Namespace) -> tuple[int, bool, int | None]:
    """(restarts, ensemble, division seed) from the options, or a UsageError in their words."""
    restarts, ensemble = getattr(args, "restarts", DEFAULT_RESTARTS), getattr(args, "ensemble", False)
    division_seed = getattr(args, "division_seed", None)
    if restarts < 1:
        raise UsageError(f"--restarts must be at least 1; got {restarts}")
    if division_seed is not None and division_seed < 0:
        raise UsageError(f"--division-seed must be a non-negative integer; got {division_seed}")
    several = restarts > 1 or ensemble
    if several and getattr(args, "scheduler", None) is not None:
        raise UsageError("--restarts and --ensemble train on this machine; leave them out with --scheduler")
    if several and getattr(args, "resume", None) is not None:
        raise UsageError("--resume continues one training; leave out --restarts and --ensemble")
    if several and getattr(args, "checkpoint", None) is not None:
        raise UsageError("--checkpoint saves one training's state; --restarts and --ensemble train several, so leave "
                         "one of them out")
    return restarts, ensemble, division_seed


def counting_trials(progress: object, restarts: int) -> object:
    """A training callback that shows "trial k/N" in the live display's title and then calls ``progress``'s."""
    title, trial = progress.title, [0]

    def callback(epoch: int, history: object, network: object) -> None:
        if epoch == 0 and network is not None:
            trial[0] += 1
            progress.title = f"{title} · trial {trial[0]}/{restarts}"
        progress.callback(epoch, history, network)
    return callback


def trials_table(trials: list, to_measure: object, measure: str) -> tuple[list[str], list[list]]:
    """(header, rows) of the trials: seed, epochs, stop reason, the training and validation error (``measure``)
    at the weights kept, the test figures, and whether it was kept."""
    tests = [name for name in TEST_FIGURES if any(name in (t.get("test") or {}) for t in trials)]
    header = ["trial", "seed", "epochs", "stop reason", f"training {measure}", f"validation {measure}",
              *(TEST_FIGURES[name] for name in tests), "kept"]
    rows = []
    for t in trials:
        test = t.get("test") or {}
        rows.append([t["trial"], t["seed"], t["epochs"], t["stop_reason"], figure(t["loss"], to_measure),
                     figure(t["val_loss"], to_measure),
                     *(figure(test.get(name), test_figure(name)) for name in tests), "yes" if t.get("kept") else ""])
    return header, rows


def test_figure(name: str) -> object:
    return (lambda r2: math.copysign(math.sqrt(abs(r2)), r2)) if name == "r2" else float


def figure(value: float | None, to_measure: object) -> float | None:
    return None if value is None else float(f"{to_measure(value):.6g}")


def spread_text(header: list, rows: list) -> str:
    """One line per figure column: mean ± standard deviation, best and worst over the trials."""
    parts = []
    for column, name in enumerate(header):
        if column < 4 or name == "kept":
            continue
        values = [row[column] for row in rows if isinstance(row[column], float) and math.isfinite(row[column])]
        if len(values) > 1:
            mean = sum(values) / len(values)
            std = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
            parts.append(f"{name} {mean:.4g} ± {std:.2g} (from {min(values):.4g} to {max(values):.4g})")
    return "; ".join(parts)


def measure_of(estimator: object, task: str) -> tuple[str, object]:
    from bpnn.cli.outputs import performance_measure

    measure, to_measure = performance_measure(task, estimator.network_.layer_sizes[-1], estimator.y_scaler_ is not None)
    short = "cross-entropy" if task == "classification" else "MSE" + (" (scaled)" if estimator.y_scaler_ is not None else "")
    return short, to_measure


def add_to_run(run: object, estimator: object, task: str) -> None:
    """The trials of a fit with several in the report's settings and as a section with their table and spread."""
    from bpnn.reports.html import Section

    trials = getattr(estimator, "trials_", None) or []
    if len(trials) < 2 and not getattr(estimator, "ensemble", False):
        return
    run.settings.update({"restarts (n_init)": estimator.n_init, "ensemble": bool(estimator.ensemble),
                         "division seed": trials[0]["division_seed"]})
    measure, to_measure = measure_of(estimator, task)
    header, rows = trials_table(trials, to_measure, measure)
    kept = ("every trial is kept and the model predicts their mean" if estimator.ensemble
            else f"trial {estimator.best_trial_} (the lowest validation error) is kept")
    run.sections.append(Section(f"Trials ({len(trials)})", f"{len(trials)} trainings from different start weights on "
                                f"the same division; {kept}. Spread: {spread_text(header, rows) or 'one trial'}.",
                                header, rows))


def print_trials(estimator: object, task: str, quiet: bool) -> None:
    trials = getattr(estimator, "trials_", None) or []
    if quiet or (len(trials) < 2 and not getattr(estimator, "ensemble", False)):
        return
    from bpnn.reports.progress import print_table

    measure, to_measure = measure_of(estimator, task)
    header, rows = trials_table(trials, to_measure, measure)
    print_table(header, rows, title=f"Trials ({'ensemble of ' if estimator.ensemble else ''}{len(trials)})")
    if spread := spread_text(header, rows):
        print(f"spread over trials: {spread}")


def print_info_trials(meta: dict, task: str | None) -> None:
    """``bpnn info``: the trials table a model file keeps (with its spread), when it was trained several times."""
    trials = meta.get("trials") or []
    if len(trials) < 2 and not meta.get("members"):
        return
    from bpnn.reports.progress import print_table

    loss = meta.get("loss")
    mse = loss == "squared_error"
    measure = "MSE" if mse else "loss"
    to_measure = (lambda j: 2 * j / meta["layer_sizes"][-1]) if mse else float
    if mse and meta.get("y_scaling") is not None:
        measure = "MSE (scaled)"
    header, rows = trials_table(trials, to_measure, measure)
    members = len(meta.get("members") or [])
    print_table(header, rows, title=f"Trials ({f'ensemble of {members}' if members else len(trials)})")
    if spread := spread_text(header, rows):
        print(f"spread over trials: {spread}")


def predict_with_spread(estimator: object, X: object) -> tuple[object, object | None]:
    """A regressor's predictions and, for an ensemble, the standard deviation over its members (else None)."""
    if getattr(estimator, "estimators_", None):
        return estimator.predict(X, return_std=True)
    return estimator.predict(X), None
