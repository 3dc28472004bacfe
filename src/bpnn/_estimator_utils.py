"""Helpers of :mod:`bpnn.estimators` that know nothing of scikit-learn: parameter ranges, random streams,
the validation scores the training loop calls each epoch, and JSON-able parameter values.

Conventions as in :mod:`bpnn.core.network`: samples are rows; ``Y`` is the encoded target ``(m, n_outputs)``
in the network's dtype; sample weights are ``(m,)`` or None.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np

from bpnn.core.network import Network

Array = np.ndarray

# parameter -> (lowest, highest, lowest allowed, highest allowed, must be an integer)
INTERVALS: dict[str, tuple[float, float, bool, bool, bool]] = {
    "alpha": (0.0, math.inf, True, False, False),
    "learning_rate_init": (0.0, math.inf, False, False, False),
    "power_t": (0.0, math.inf, True, False, False),
    "max_iter": (1, math.inf, True, False, True),
    "tol": (0.0, math.inf, True, False, False),
    "momentum": (0.0, 1.0, True, True, False),
    "validation_fraction": (0.0, 1.0, False, False, False),
    "beta_1": (0.0, 1.0, True, False, False),
    "beta_2": (0.0, 1.0, True, False, False),
    "epsilon": (0.0, math.inf, False, False, False),
    "n_iter_no_change": (1, math.inf, True, False, True),
    "max_fun": (1, math.inf, True, False, True),
}


def check_interval(name: str, value: object) -> None:
    """Raise ValueError naming ``name``'s allowed interval when ``value`` lies outside it."""
    low, high, low_ok, high_ok, integer = INTERVALS[name]
    kind = Integral if integer else Real
    inside = (isinstance(value, kind) and not isinstance(value, bool)
              and (low < value or (low_ok and value == low)) and (value < high or (high_ok and value == high)))
    if not inside:
        interval = f"{'[' if low_ok else '('}{low:g}, {high:g}{']' if high_ok else ')'}"
        raise ValueError(f"{name} must be {'an integer' if integer else 'a number'} in {interval}; got {value!r}")


def random_streams(random_state: object, n: int = 3) -> list[np.random.Generator]:
    """``n`` independent generators from ``random_state`` (None, an int >= 0, a RandomState or a Generator).

    The same int gives the same streams on every call, so one random_state gives bit-identical fits.
    """
    if isinstance(random_state, np.random.Generator):
        return random_state.spawn(n)
    if isinstance(random_state, np.random.RandomState):
        random_state = int(random_state.randint(np.iinfo(np.int32).max))
    if random_state is not None and not (isinstance(random_state, Integral) and random_state >= 0):
        raise ValueError(f"random_state must be None, an int >= 0, a numpy RandomState or Generator; got {random_state!r}")
    return [np.random.default_rng(seed) for seed in np.random.SeedSequence(random_state).spawn(n)]


def refuse_dask(owner: str, *data: object) -> None:
    """Plain fit needs in-memory data: refuse Dask collections (found by module name, dask is never imported)."""
    for value in data:
        module = type(value).__module__ or ""
        if module == "dask" or module.startswith(("dask.", "dask_expr")):
            raise TypeError(f"{owner}.fit got a Dask collection ({type(value).__module__}.{type(value).__name__}); "
                            f"plain fit trains on in-memory NumPy/pandas data. Train on a Dask cluster with "
                            f"bpnn.distributed, or call .compute() first when the data fits in memory.")


# ---- validation scores: score(network, X, Y, sample_weight) -> float, higher is better --------------
def accuracy(network: Network, X: Array, Y: Array, sample_weight: Array | None = None) -> float:
    """Share of rows predicted right: argmax for softmax outputs, every unit's 0.5 threshold otherwise
    (so multilabel rows count only when all labels are right, as in scikit-learn's subset accuracy)."""
    out = network.predict(X)
    if network.activations[-1].name == "softmax":
        hit = out.argmax(axis=1) == Y.argmax(axis=1)
    else:
        hit = ((out > 0.5) == (Y > 0.5)).all(axis=1)
    return float(np.average(hit, weights=sample_weight))


def r2(network: Network, X: Array, Y: Array, sample_weight: Array | None = None) -> float:
    """Coefficient of determination, averaged over outputs (scikit-learn's r2_score, uniform average)."""
    out = network.predict(X).astype(np.float64)
    w = np.ones(len(Y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    w = w[:, None]
    mean = (w * Y).sum(axis=0) / w.sum()  # ȳ = Σ w_i y_i / Σ w_i
    residual = (w * (Y - out) ** 2).sum(axis=0)  # SS_res = Σ w_i (y_i - ŷ_i)²
    total = (w * (Y - mean) ** 2).sum(axis=0)  # SS_tot = Σ w_i (y_i - ȳ)²
    safe_total = np.where(total > 0, total, 1.0)
    scores = np.where(total > 0, 1 - residual / safe_total, np.where(residual == 0, 1.0, 0.0))  # R² = 1 - SS_res/SS_tot
    return float(scores.mean())


# ---- JSON-able values for model files ----------------------------------------------------------------
def plain(value: object) -> object:
    """``value`` with tuples as lists and NumPy scalars and dtypes as Python values."""
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (np.dtype, type)):
        return np.dtype(value).name
    return value
