"""The validation scores the training loop calls each epoch: ``score(network, X, Y, sample_weight) -> float``,
higher is better, on network arrays (see :mod:`bpnn.estimators.data`); nan where the network's outputs are not
finite (scikit-learn's MLP scores a diverged network so)."""

from __future__ import annotations

import math

import numpy as np

from bpnn.core.network import Network

Array = np.ndarray


def accuracy(network: Network, X: Array, Y: Array, sample_weight: Array | None = None) -> float:
    """Share of rows predicted right: argmax for softmax outputs, every unit's 0.5 threshold otherwise
    (so multilabel rows count only when all labels are right, as in scikit-learn's subset accuracy)."""
    out = network.predict(X)
    if not np.isfinite(out).all():
        return math.nan  # a diverged network scores nan, as in scikit-learn
    if network.activations[-1].name == "softmax":
        hit = out.argmax(axis=1) == Y.argmax(axis=1)
    else:
        hit = ((out > 0.5) == (Y > 0.5)).all(axis=1)
    return float(np.average(hit, weights=sample_weight))


def r2(network: Network, X: Array, Y: Array, sample_weight: Array | None = None) -> float:
    """Coefficient of determination, averaged over outputs (scikit-learn's r2_score, uniform average)."""
    out = network.predict(X).astype(np.float64)
    if not np.isfinite(out).all():
        return math.nan  # a diverged network scores nan, as in scikit-learn
    w = np.ones(len(Y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    w = w[:, None]
    mean = (w * Y).sum(axis=0) / w.sum()  # ȳ = Σ w_i y_i / Σ w_i
    residual = (w * (Y - out) ** 2).sum(axis=0)  # SS_res = Σ w_i (y_i - ŷ_i)²
    total = (w * (Y - mean) ** 2).sum(axis=0)  # SS_tot = Σ w_i (y_i - ȳ)²
    if not np.isfinite(residual).all():
        return math.nan  # errors beyond the float range: a diverging network, scored nan like scikit-learn's
    safe_total = np.where(total > 0, total, 1.0)
    scores = np.where(total > 0, 1 - residual / safe_total, np.where(residual == 0, 1.0, 0.0))  # R² = 1 - SS_res/SS_tot
    return float(scores.mean())
