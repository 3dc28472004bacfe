"""Helpers of :mod:`bpnn.estimators` that know nothing of scikit-learn: parameter ranges, random streams,
the validation scores the training loop calls each epoch, the full-batch solvers' options, the MATLAB-style
training record, and JSON-able parameter values.

Conventions as in :mod:`bpnn.core.network`: samples are rows; ``Y`` is the encoded target ``(m, n_outputs)``
in the network's dtype; sample weights are ``(m,)`` or None.
"""

from __future__ import annotations

import functools
import inspect
import math
from numbers import Integral, Real

import numpy as np

from bpnn.core.network import Network
from bpnn.core.solvers import get_solver
from bpnn.core.training import History

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
    "max_fail": (0, math.inf, True, False, True),
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


# ---- options of the full-batch solvers -----------------------------------------------------------
# solver keyword -> the estimator parameter (or fit argument) that sets it, so solver_options may not
ESTIMATOR_OWNED: dict[str, str] = {
    "alpha": "the parameter alpha",
    "max_iter": "the parameter max_iter",
    "epochs": "the parameter max_iter (MATLAB's epochs)",
    "max_fail": "the parameter max_fail",
    "sample_weight": "fit's sample_weight",
    "validation": "fit's validation_data or the parameter division",
    "test": "the parameter division",
    "score": "the estimator (R² or accuracy)",
    "early_stopping": "the parameters early_stopping and max_fail",
    "callbacks": "the parameter callbacks",
    "history": "the estimator (history_)",
    "objective": "bpnn.distributed",
}
OPTION_ALIASES = {"time": "time_limit", "lambda": "lambda_"}  # MATLAB trainParam names that are no Python names


@functools.cache
def solver_parameters(solver: str) -> dict[str, object]:
    """The keyword-only parameters of the full-batch solver ``solver`` with their defaults."""
    signature = inspect.signature(get_solver(solver))
    return {p.name: p.default for p in signature.parameters.values() if p.kind is inspect.Parameter.KEYWORD_ONLY}


def solver_options(solver: str, given: dict | None) -> dict:
    """``given`` (MATLAB's trainParam names, e.g. mu, mu_dec, goal, min_grad, time) as keyword arguments of
    the full-batch solver; a name the solver lacks, or one an estimator parameter sets, raises ValueError."""
    if given is None:
        return {}
    if not isinstance(given, dict):
        raise ValueError(f"solver_options must be a dict of option names and values, such as {{'mu': 0.01}}; got {given!r}")
    valid = [name for name in solver_parameters(solver) if name not in ESTIMATOR_OWNED]
    aliases = {python: matlab for matlab, python in OPTION_ALIASES.items()}
    options = {}
    for key, value in given.items():
        if key in ESTIMATOR_OWNED:
            raise ValueError(f"solver_options[{key!r}] is set by {ESTIMATOR_OWNED[key]}, not by solver_options")
        name = OPTION_ALIASES.get(key, key)
        if name not in valid:
            names = ", ".join(f"{name} (or {aliases[name]})" if name in aliases else name for name in valid)
            raise ValueError(f"unknown solver_options key {key!r} for solver {solver!r}; valid keys are {names}")
        options[name] = value
    return options


# ---- the training record -----------------------------------------------------------------------------
def validation_failures(val_loss: list) -> list[int]:
    """For each epoch, the epochs in a row without a lower validation loss than all before (MATLAB's val_fail)."""
    failures, best, count = [], math.inf, 0
    for value in val_loss:
        count = 0 if value < best else count + 1
        best = min(best, value)
        failures.append(count)
    return failures


def training_record(history: History, loss: str, n_outputs: int) -> dict:
    """MATLAB's training record ``tr`` from a :class:`History`: see ``training_record_`` in the estimators.

    perf = 2J/K for the squared_error loss (the mean squared error over samples and outputs, MATLAB's mse),
    J otherwise; the same for the validation and test sets.
    """
    scale = 2.0 / n_outputs if loss == "squared_error" else 1.0  # perf = 2J/K = mean squared error
    extra = history.extra

    def series(values: list | None, factor: float = 1.0) -> Array | None:
        return None if not values else factor * np.asarray(values, dtype=np.float64)

    record = {
        "epoch": np.arange(1, history.epochs + 1),
        "perf": series(history.loss, scale),
        "vperf": series(history.val_loss, scale),
        "tperf": series(extra["test_perf"]) if "test_perf" in extra else series(extra.get("test_loss"), scale),
        "time": np.cumsum(history.seconds),
        "val_fail": (np.asarray(extra["val_fail"] if "val_fail" in extra else validation_failures(history.val_loss))
                     if history.val_loss else None),
        **{name: series(extra[name]) for name in ("gradient", "mu", "gamma", "alpha", "beta", "ssw") if name in extra},
        **({"learning_rate": series(history.learning_rate)} if history.learning_rate else {}),
    }
    best = history.best_epoch
    for name in ("perf", "vperf", "tperf"):
        values = record[name]
        record[f"best_{name}"] = None if best is None or values is None or best >= len(values) else float(values[best])
    record.update(num_epochs=history.epochs, best_epoch=None if best is None else best + 1, stop=history.stop_reason,
                  message=history.message)
    return record


# ---- JSON-able values for model files ----------------------------------------------------------------
def plain(value: object) -> object:
    """``value`` with tuples, ranges and arrays as lists and NumPy scalars and dtypes as Python values."""
    if isinstance(value, (list, tuple, range, np.ndarray)):
        return [plain(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (np.dtype, type)):
        return np.dtype(value).name
    return value
