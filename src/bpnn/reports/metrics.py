"""Classification and regression metrics, NumPy only.

Conventions: ``y_true`` and ``y_pred`` hold one sample per row. Classification labels are any sortable
values (text or integers); macro averages run over the labels present in ``y_true`` or ``y_pred`` and
count an undefined precision or recall (no predicted / no true samples of a class) as 0, as scikit-learn
does with ``zero_division=0``. Regression targets are ``(m,)`` or ``(m, k)``; with several outputs MSE,
MAE and MAPE average over every value, R² averages over outputs and R correlates all values at once (as
MATLAB's plotregression does). MAPE is a fraction (0.05 = 5 %), with |y| floored at machine epsilon.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray

CLASSIFICATION = ("accuracy", "precision", "recall", "f1", "roc_auc")
REGRESSION = ("mse", "rmse", "mae", "mape", "r2", "r")


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
    """MSE, RMSE, MAE, MAPE, R² and R (see the module docstring for several outputs)."""
    y_true = np.asarray(y_true, dtype=np.float64).reshape(len(y_true), -1)
    y_pred = np.asarray(y_pred, dtype=np.float64).reshape(y_true.shape)
    error = y_true - y_pred
    mse = float(np.mean(error**2))  # MSE = 1/m Σ (y - ŷ)²
    residual = np.sum(error**2, axis=0)  # Σ (y - ŷ)² per output
    total = np.sum((y_true - y_true.mean(axis=0)) ** 2, axis=0)  # Σ (y - ȳ)² per output
    constant_r2 = np.where(residual > 0, 0.0, 1.0)  # a constant target: 1 when fitted exactly, else 0 (as scikit-learn)
    r2 = np.where(total > 0, 1 - residual / np.where(total > 0, total, 1), constant_r2)  # R² = 1 - SSres/SStot
    t, p = y_true.ravel() - y_true.mean(), y_pred.ravel() - y_pred.mean()
    spread = np.sqrt(np.sum(t * t) * np.sum(p * p))
    return {
        "mse": mse,
        "rmse": float(np.sqrt(mse)),  # RMSE = √MSE
        "mae": float(np.mean(np.abs(error))),  # MAE = 1/m Σ |y - ŷ|
        "mape": float(np.mean(np.abs(error) / np.maximum(np.abs(y_true), np.finfo(np.float64).eps))),  # 1/m Σ |y - ŷ|/|y|
        "r2": float(np.mean(r2)),
        "r": float(np.sum(t * p) / spread) if spread > 0 else float("nan"),  # Pearson R
    }


COLUMN_TITLES = {"accuracy": "accuracy", "precision": "precision", "recall": "recall", "f1": "F1", "roc_auc": "ROC AUC",
                 "mse": "MSE", "rmse": "RMSE", "mae": "MAE", "mape": "MAPE", "r2": "R²", "r": "R"}


def table(by_split: dict[str, dict], counts: dict[str, int] | None = None) -> tuple[list[str], list[list]]:
    """(header, rows) of a metrics table: one row per split, one column per metric the splits have."""
    names = [name for name in (*CLASSIFICATION, *REGRESSION) if any(name in m for m in by_split.values())]
    header = ["split", *(["samples"] if counts else []), *(COLUMN_TITLES[name] for name in names)]
    rows = [[split, *([counts[split]] if counts else []), *(metrics.get(name) for name in names)]
            for split, metrics in by_split.items()]
    return header, rows
