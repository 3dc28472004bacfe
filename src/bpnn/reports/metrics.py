"""Classification and regression metrics, NumPy only.

Conventions: ``y_true`` and ``y_pred`` hold one sample per row. Classification labels are any sortable
values (text or integers); macro averages run over the labels present in ``y_true`` or ``y_pred`` and
count an undefined precision or recall (no predicted / no true samples of a class) as 0, as scikit-learn
does with ``zero_division=0``. Regression targets are ``(m,)`` or ``(m, k)``; every
regression metric is of one target at a time (targets of different ranges pooled give figures that describe none
of them: a pooled R of 0.98 beside per-target R of -0.5, -0.4 and 0.8), so with ``k`` targets each metric is a list
of ``k`` values, one per target in order. MAPE is in percent (5.0 = 5 %) over the rows whose target is not 0 (a
percentage of 0 is undefined); ``mape_zero_rows`` counts the rows left out. R² and R of a constant target are nan
(both divide by the target's spread, which is 0), where scikit-learn's ``r2_score`` says 0 (or 1 for an exact fit):
a 0 reads as "as good as predicting the mean" beside any error; ``constant_target`` says which targets were constant.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

Array = np.ndarray

CLASSIFICATION = ("accuracy", "precision", "recall", "f1", "roc_auc")
REGRESSION = ("mse", "rmse", "mae", "mape_percent", "r2", "r")


def confusion_matrix(y_true: Array, y_pred: Array, labels: Array) -> Array:
    """C[i, j] = number of samples of true class labels[i] predicted as labels[j]."""
    labels, y_true, y_pred = np.asarray(labels), np.asarray(y_true), np.asarray(y_pred)
    unknown = np.setdiff1d(np.r_[y_true, y_pred], labels)
    if unknown.size:
        raise ValueError(f"label(s) {', '.join(map(str, unknown[:5]))} are not among the classes {', '.join(map(str, labels))}")
    order = np.argsort(labels)
    index = {name: order[np.searchsorted(labels, y, sorter=order)] for name, y in (("true", y_true), ("pred", y_pred))}
    counts = np.zeros((labels.size, labels.size), dtype=np.int64)
    np.add.at(counts, (index["true"], index["pred"]), 1)
    return counts


def roc_curve(y_true: Array, score: Array) -> tuple[Array, Array, Array]:
    """(false positive rate, true positive rate, thresholds) of a binary 0/1 target, one point per
    distinct score, starting at (0, 0) with threshold +inf."""
    y_true = np.asarray(y_true).astype(bool)
    score = np.asarray(score, dtype=np.float64)
    order = np.argsort(-score, kind="mergesort")
    score, y_true = score[order], y_true[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(score)), score.size - 1]
    true_positives = np.cumsum(y_true)[last_of_tie]
    false_positives = (last_of_tie + 1) - true_positives
    tpr = np.r_[0, true_positives] / max(y_true.sum(), 1)  # TPR = TP / P
    fpr = np.r_[0, false_positives] / max((~y_true).sum(), 1)  # FPR = FP / N
    return fpr, tpr, np.r_[np.inf, score[last_of_tie]]


def roc_auc(y_true: Array, score: Array) -> float:
    """Area under the ROC curve (trapezoids); nan when ``y_true`` holds one class only."""
    y_true = np.asarray(y_true).astype(bool)
    if y_true.all() or not y_true.any():
        return float("nan")
    fpr, tpr, _ = roc_curve(y_true, score)
    return float(np.trapezoid(tpr, fpr))


def classification_metrics(y_true: Array, y_pred: Array, classes: Array, positive_score: Array | None = None) -> dict:
    """Accuracy, macro precision / recall / F1, the confusion matrix over ``classes`` and, with two classes
    and the predicted probability of ``classes[1]``, the ROC AUC."""
    y_true, y_pred, classes = np.asarray(y_true), np.asarray(y_pred), np.asarray(classes)
    counts = confusion_matrix(y_true, y_pred, classes)
    present = np.isin(classes, y_true) | np.isin(classes, y_pred)
    true_positives = np.diag(counts)[present].astype(np.float64)
    predicted = counts.sum(axis=0)[present]
    actual = counts.sum(axis=1)[present]
    precision = np.divide(true_positives, predicted, out=np.zeros_like(true_positives), where=predicted > 0)  # TP/(TP+FP)
    recall = np.divide(true_positives, actual, out=np.zeros_like(true_positives), where=actual > 0)  # TP/(TP+FN)
    both = precision + recall
    f1 = np.divide(2 * precision * recall, both, out=np.zeros_like(both), where=both > 0)  # F1 = 2PR/(P+R)
    result = {
        "accuracy": float(np.mean(y_true == y_pred)),
        "precision": float(precision.mean()),
        "recall": float(recall.mean()),
        "f1": float(f1.mean()),
        "confusion": counts.tolist(),
    }
    if classes.size == 2 and positive_score is not None:
        result["roc_auc"] = roc_auc(y_true == classes[1], positive_score)
    return result


def regression_metrics(y_true: Array, y_pred: Array) -> dict:
    """MSE, RMSE, MAE, MAPE (%), R² and R of each target (see the module docstring): floats for one target,
    lists of one value per target for several."""
    y_true = np.asarray(y_true, dtype=np.float64).reshape(len(y_true), -1)
    y_pred = np.asarray(y_pred, dtype=np.float64).reshape(y_true.shape)
    error = y_true - y_pred
    mse = np.mean(error**2, axis=0)  # MSE = 1/m Σ (y - ŷ)²
    residual = np.sum(error**2, axis=0)  # SSres = Σ (y - ŷ)²
    t, p = y_true - y_true.mean(axis=0), y_pred - y_pred.mean(axis=0)  # deviations from the means
    total = np.sum(t * t, axis=0)  # SStot = Σ (y - ȳ)²
    r2 = 1 - np.divide(residual, total, out=np.full(total.shape, np.nan), where=total > 0)  # R² = 1 - SSres/SStot
    spread = np.sqrt(total * np.sum(p * p, axis=0))
    r = np.divide(np.sum(t * p, axis=0), spread, out=np.full(spread.shape, np.nan), where=spread > 0)  # Pearson R
    counted = y_true != 0  # MAPE leaves out the rows whose target is 0
    n_counted = counted.sum(axis=0)
    relative = np.abs(error) / np.where(counted, np.abs(y_true), 1.0)  # |y - ŷ| / |y|
    mape = np.divide(100 * np.sum(relative, axis=0, where=counted), n_counted, out=np.full(n_counted.shape, np.nan),
                     where=n_counted > 0)  # MAPE = 100/m' Σ |y - ŷ|/|y| over the m' rows with y ≠ 0, in %
    figures = {"mse": mse, "rmse": np.sqrt(mse), "mae": np.mean(np.abs(error), axis=0),  # RMSE = √MSE, MAE = 1/m Σ |y - ŷ|
               "mape_percent": mape, "r2": r2, "r": r, "mape_zero_rows": len(y_true) - n_counted,
               "constant_target": total == 0}
    one = y_true.shape[1] == 1
    return {name: (values[0].item() if one else values.tolist()) for name, values in figures.items()}


def metric_notes(by_split: dict[str, dict], targets: Sequence[str] = ()) -> list[str]:
    """One note per split and target whose target was constant (R² and R undefined), then one per split and target
    whose MAPE left out rows with a target of 0."""
    return [*_per_target_notes(by_split, targets, "constant_target", lambda name, split, _: (
                f"R² and R{name}, {split}: undefined (shown as –), the target is the same in every row and both "
                f"divide by its spread; MSE, RMSE and MAE measure the error")),
            *_per_target_notes(by_split, targets, "mape_zero_rows", lambda name, split, count: (
                f"MAPE (%){name}, {split}: left out the {count} row(s) whose target is 0 (a percentage of 0 is "
                f"undefined)"))]


def _per_target_notes(by_split: dict[str, dict], targets: Sequence[str], key: str,
                      say: Callable[[str, str, object], str]) -> list[str]:
    """``say(" of <target>", split, value)`` for each split and target whose ``key`` entry is set (one value, or a
    list of one per target)."""
    notes = []
    for split, metrics in by_split.items():
        values = metrics.get(key)
        for j, value in enumerate(values if isinstance(values, list) else [values]):
            if value:
                notes.append(say(f" of {targets[j]}" if j < len(targets) else "", split, value))
    return notes


COLUMN_TITLES = {"accuracy": "accuracy", "precision": "precision", "recall": "recall", "f1": "F1", "roc_auc": "ROC AUC",
                 "mse": "MSE", "rmse": "RMSE", "mae": "MAE", "mape_percent": "MAPE (%)", "r2": "R²", "r": "R"}


def in_percent(metrics: dict) -> dict:
    """``metrics`` with MAPE in percent: model files of an earlier bpnn kept it as a fraction, under "mape"."""
    if "mape" in metrics and "mape_percent" not in metrics:
        old = metrics["mape"]
        return {**metrics, "mape_percent": [100 * v for v in old] if isinstance(old, list) else 100 * old}
    return metrics


def table(by_split: dict[str, dict], counts: dict[str, int] | None = None,
          targets: Sequence[str] = ()) -> tuple[list[str], list[list]]:
    """(header, rows) of a metrics table: one row per split, one column per metric the splits have; with several
    regression targets one row per split and target, named in a "target" column (``targets``, else output 1, 2, …)."""
    by_split = {split: in_percent(metrics) for split, metrics in by_split.items()}
    names = [name for name in (*CLASSIFICATION, *REGRESSION) if any(name in m for m in by_split.values())]
    k = max((len(m[name]) for m in by_split.values() for name in names if isinstance(m.get(name), list)), default=0)
    labels = [targets[j] if j < len(targets) else f"output {j + 1}" for j in range(k)]
    header = ["split", *(["target"] if k else []), *(["samples"] if counts else []), *(COLUMN_TITLES[n] for n in names)]
    rows = []
    for split, metrics in by_split.items():
        count = [counts.get(split)] if counts else []
        if not k:
            rows.append([split, *count, *(defined(metrics.get(name)) for name in names)])
            continue
        for j, label in enumerate(labels):
            values = [metrics.get(name) for name in names]
            rows.append([split, label, *count, *(defined(v[j] if isinstance(v, list) else v) for v in values)])
    return header, rows


def defined(value: object) -> object:
    """A table's cell: an undefined figure (nan: R of a constant target, MAPE with no nonzero target) as None, a dash."""
    return None if isinstance(value, float) and np.isnan(value) else value
