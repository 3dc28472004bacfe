"""Choosing the hidden size: every candidate architecture trained on k folds (or on the usual division's
validation rows), several times from different start weights, and judged by its error on rows it did not train
on; what ``bpnn tune`` runs.

For each candidate and each fold, one estimator with ``n_init=restarts`` and ``ensemble=True`` is fitted on the
training folds (its own division, when it has one, takes validation rows for its stop rule out of them); each
member's error on the held-out fold is one trial's error, and the kept model's error (the trial with the lowest
validation loss, or the ensemble mean with ``ensemble=True``) the candidate's error on that fold. Without folds the
held-out rows are the division's validation rows (the test rows stay unused for the final report). The candidate
with the lowest mean kept error wins; ties go to the smaller network.

Errors: the mean squared error over rows and outputs in the target's units (regression), the share of rows
misclassified (classification; subset error for multilabel). Candidates and folds run as independent tasks on
``jobs`` processes, each with one BLAS thread, or on a Dask cluster's workers (``client``;
:mod:`bpnn.selection.tasks`): the same results, bit for bit.

The rule of thumb quoted with BP networks, h = √(n + m) + a with a = 1…10 (n inputs, m outputs), is
:func:`rule_of_thumb`; the report marks its range beside the measured errors.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field

import numpy as np

Array = np.ndarray
RANGE = re.compile(r"^(\d+):(\d+)(?::(\d+))?$")


class TuneError(ValueError):
    """A candidate list or a fold count that cannot be used; the message names the option."""


def parse_candidates(values: list[str], option: str = "--hidden") -> list[tuple[int, ...]]:
    """Candidate hidden layer sizes from ``values``: "A:B[:STEP]" is every one-layer size from A to B (inclusive)
    by STEP (default 1), "20,10" one candidate of two layers, "8" one candidate of one layer."""
    candidates: list[tuple[int, ...]] = []
    for value in values:
        match = RANGE.match(value.strip())
        if match:
            low, high, step = int(match[1]), int(match[2]), int(match[3] or 1)
            if low < 1 or high < low or step < 1:
                raise TuneError(f"{option} range {value!r} needs 1 <= A <= B and STEP >= 1, such as 2:20 or 2:20:2")
            candidates += [(size,) for size in range(low, high + 1, step)]
            continue
        try:
            sizes = tuple(int(part) for part in value.split(","))
        except ValueError:
            sizes = ()
        if not sizes or min(sizes) < 1:
            raise TuneError(f"{option} takes ranges A:B[:STEP] and layer sizes such as 10 or 20,10 (one candidate "
                            f"each, separated by spaces); got {value!r}")
        candidates.append(sizes)
    unique = list(dict.fromkeys(candidates))
    if not unique:
        raise TuneError(f"{option} needs at least one candidate")
    return unique


def rule_of_thumb(n_inputs: int, n_outputs: int) -> tuple[int, int]:
    """The hidden sizes h = √(n + m) + a, a = 1…10, rounded: (smallest, largest)."""
    root = math.sqrt(n_inputs + n_outputs)
    return round(root + 1), round(root + 10)


def error_of(task: str, y_true: Array, y_pred: Array) -> float:
    """Mean squared error over rows and outputs (regression) or the share of rows misclassified."""
    if task == "regression":
        return float(np.mean((np.asarray(y_pred, dtype=np.float64).reshape(len(y_true), -1)
                              - np.asarray(y_true, dtype=np.float64).reshape(len(y_true), -1)) ** 2))
    hit = np.asarray(y_pred) == np.asarray(y_true)
    return float(1 - np.mean(hit.all(axis=1) if hit.ndim == 2 else hit))


def folds_of(n: int, y: Array, task: str, folds: int | None, block: bool, seed: int) -> list[tuple[Array, Array]]:
    """(training rows, held-out rows) of each fold; [(all rows, None)] without folds (the division decides)."""
    if folds is None:
        return [(np.arange(n), None)]
    from sklearn.model_selection import KFold, StratifiedKFold

    if folds < 2 or folds > n:
        raise TuneError(f"--folds must be between 2 and the number of rows ({n}); got {folds}")
    if block:
        splitter = KFold(folds, shuffle=False)  # contiguous blocks: time-ordered rows stay in order
    elif task == "classification" and np.ndim(y) == 1 and np.unique(y, return_counts=True)[1].min() >= folds:
        splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    else:
        splitter = KFold(folds, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros((n, 1)), y if task == "classification" and np.ndim(y) == 1 else None))


@dataclass
class Candidate:
    """One candidate's results: per fold the kept model's error and each trial's error. Its summary: "kept" (the
    mean over folds of the kept model's error: what chooses) with "kept_std" over folds, and "mean", "std",
    "best", "worst" over every training (folds × restarts: the spread of the start weights)."""

    hidden: tuple[int, ...]
    params: dict
    kept: list[float] = field(default_factory=list)  # per fold
    trials: list[list[float]] = field(default_factory=list)  # per fold, per trial
    seconds: float = 0.0

    @property
    def n_units(self) -> int:
        return sum(self.hidden)

    @property
    def label(self) -> str:
        return ",".join(map(str, self.hidden))

    def summary(self) -> dict:
        kept, every = np.asarray(self.kept), np.concatenate([np.asarray(t, dtype=float) for t in self.trials])
        return {"hidden": self.label, "kept": float(kept.mean()), "kept_std": float(kept.std()),
                "mean": float(every.mean()), "std": float(every.std()), "best": float(every.min()),
                "worst": float(every.max()), "fits": len(every), "seconds": self.seconds}


def evaluate(X: Array, y: Array, task: str, params: dict, train: Array, held: Array | None) -> tuple[float, list, float]:
    """(kept error, trial errors, seconds) of one candidate on one fold (see the module docstring)."""
    import warnings

    from threadpoolctl import threadpool_limits

    from bpnn.estimators import BPClassifier, BPRegressor

    started = time.perf_counter()
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = (BPClassifier if task == "classification" else BPRegressor)(**{**params, "ensemble": True})
        est.fit(X[train], y[train])
        if held is None:  # the division's validation rows judge
            if est.division_ is None or not len(est.division_.val):
                raise TuneError("without --folds the candidates are judged on the division's validation rows, and "
                                "the --division gives none; give it a validation share or use --folds K")
            held = train[est.division_.val]
        X_held, y_held = X[held], y[held]
        trials = [error_of(task, y_held, member.predict(X_held)) for member in est.estimators_]
        kept = (error_of(task, y_held, est.predict(X_held)) if params.get("ensemble")
                else trials[est.best_trial_ - 1])
    return kept, trials, time.perf_counter() - started


def tune(task: str, candidates: list[tuple[tuple[int, ...], dict]], X: Array, y: Array, *, folds: int | None = None,
         block: bool = False, seed: int = 0, jobs: int = 2, client: object | None = None,
         report: object = None) -> list[Candidate]:
    """Every candidate (hidden sizes, estimator parameters) on every fold, on ``jobs`` processes or as tasks on
    the Dask ``client``; ``report(candidate)`` is called as each candidate finishes. Returns the candidates with
    their results, in the order given."""
    from bpnn.selection.tasks import map_tasks

    X, y = np.asarray(X), np.asarray(y)
    splits = folds_of(len(X), y, task, folds, block, seed)
    results = [Candidate(hidden, params) for hidden, params in candidates]
    tasks = [(c, f) for c in range(len(results)) for f in range(len(splits))]
    outcomes = map_tasks(evaluate, (X, y), [(task, results[c].params, *splits[f]) for c, f in tasks], jobs, client)
    done: dict[int, int] = {}
    for (c, _), (kept, trials, seconds) in zip(tasks, outcomes):
        candidate = results[c]
        candidate.kept.append(kept)
        candidate.trials.append(trials)
        candidate.seconds += seconds
        done[c] = done.get(c, 0) + 1
        if done[c] == len(splits) and report is not None:
            report(candidate)
    return results


def best_of(results: list[Candidate]) -> Candidate:
    """The candidate with the lowest mean kept error; on a tie, the one with fewer hidden units."""
    return min(results, key=lambda c: (round(float(np.mean(c.kept)), 12), c.n_units, len(c.hidden)))
