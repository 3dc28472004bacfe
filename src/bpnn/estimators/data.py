"""Turning user data into network arrays: the one place where that happens, for fit (:func:`prepare_training_data`)
and predict (:func:`prepare_inputs`).

Validation, target encoding (through ``TASKS`` and the estimator's ``_encode_targets``), the data division or
validation split, sample and class weights, scaling and dtype. Conventions as in :mod:`bpnn.core.network`: samples
are rows; ``Y`` is the encoded target ``(m, n_outputs)`` in the network's dtype; sample weights are ``(m,)`` or None.
The functions take the estimator for its parameters and its fitted attributes, set the fitted attributes that
describe the data (``n_features_in_``, ``n_outputs_``, ``classes_``, ``class_weight_``, ``x_scaler_``,
``y_scaler_``) and return everything else.
"""

from __future__ import annotations

import math
import sys
import warnings
from dataclasses import dataclass
from numbers import Integral

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, column_or_1d, validate_data

from bpnn.estimators.parameters import DIVISIONS, holds_out_validation
from bpnn.files import fitted
from bpnn.preprocessing import Chain, Division, RemoveConstant, divide, make_scaler

Array = np.ndarray

# target type -> (output activation, loss)
TASKS: dict[str, tuple[str, str]] = {
    "binary": ("sigmoid", "binary_cross_entropy"),
    "multiclass": ("softmax", "categorical_cross_entropy"),
    "multilabel": ("sigmoid", "binary_cross_entropy"),
    "continuous": ("identity", "squared_error"),
    "poisson": ("exp", "poisson"),  # BPRegressor(loss="poisson"): counts or rates y >= 0
}
FLOATS = (np.float64, np.float32)
MIN_VALIDATION_ROWS = 2  # early stopping's split holds out at least 2 rows (scikit-learn refuses fewer)
SPARSE = ("csr", "csc", "coo")  # scipy.sparse inputs taken (as scikit-learn's MLP does), made dense for the network


def dense(X: object) -> Array:
    """X as a dense array: scipy.sparse matrices and arrays are expanded (the network's products are dense)."""
    return X.toarray() if hasattr(X, "toarray") else X


@dataclass
class TrainingData:
    """What fit hands the solver: network arrays (scaled, in the network's dtype, targets encoded), and what fit
    reports afterwards."""

    X: Array  # (m, n_inputs)
    Y: Array  # (m, n_outputs)
    sample_weight: Array | None  # (m,) sample weights times class weights, or None
    validation: tuple | None  # (X_val, Y_val, sample_weight_val) or None
    test: tuple | None = None  # (X_test, Y_test, sample_weight_test): measured, never trained on
    y_test: Array | None = None  # the test rows' targets as the user gave them
    division: Division | None = None  # the rows of each set, when a division made them


def random_streams(random_state: object, n: int = 3) -> list[np.random.Generator]:
    """``n`` independent generators from ``random_state`` (None, an int >= 0, a RandomState or a Generator): the
    estimators use (initialisation, validation split or division, shuffling).

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


def prepare_training_data(est: object, X: object, y: object, sample_weight: object, validation_data: tuple | None, *,
                          classes: object, reset: bool, incremental: bool, split_rng: np.random.Generator | None,
                          saved_division: Division | None = None) -> TrainingData:
    """(X, y, sample_weight, validation_data) as the network arrays of ``est`` (a BPClassifier or BPRegressor).

    ``reset``: a new model (fits the scaling, sets ``n_outputs_``; the dtype is ``est.dtype`` or X's), else
    the fitted network's. ``incremental``: partial_fit's batch (no division, no split). ``split_rng`` draws the
    random division or the early-stopping split; ``saved_division`` (a resumed checkpoint's rows) replaces the
    division fit would draw.
    """
    X, y = validate_data(est, X, y, reset=reset, dtype=FLOATS, multi_output=True, y_numeric=est._numeric_target,
                         accept_sparse=SPARSE)
    X = dense(X)
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    check_incremental(est, incremental, reset)
    if reset or getattr(est, "feature_range_", None) is not None:  # None: unknown (an older model file), stays so
        est.feature_range_ = training_range(X, None if reset else est.feature_range_)
    if not reset and not incremental and not est._numeric_target and y.ndim == 1:
        seen = np.unique(y)
        if not np.array_equal(seen, est.classes_):
            raise ValueError(f"warm_start can only be used where `y` has the same classes as in the previous call to "
                             f"fit. Previously got {est.classes_}, `y` has {seen}. Set warm_start=False to train a "
                             f"new network on these classes")
    dtype = est.network_.dtype if not reset else np.dtype(est.dtype or X.dtype)
    Y, labels = est._encode_targets(y, classes=classes, reset=reset, incremental=incremental, dtype=dtype)
    if reset:
        est.n_outputs_ = Y.shape[1]
    division = None if incremental or est.division is None else divide_rows(est, len(X), labels, split_rng, saved_division)
    if division is not None and validation_data is not None:
        raise ValueError(f"division={est.division!r} holds out its own validation rows; pass validation_data "
                         f"or set a division, not both")
    est._fit_class_weights(labels if division is None or labels is None else labels[division.train], incremental)
    weights = sample_weights(sample_weight, X, est._row_class_weights(labels))
    if weights is not None and not weights.any():
        raise ValueError("sample_weight (times class_weight) is zero for every row; nothing to train on")
    # the rows (into X) of the training, validation and test sets; zero-weight rows add nothing to J: left out
    weighed = np.arange(len(X)) if weights is None else np.flatnonzero(weights > 0)
    if division is not None:
        train, val, test = (np.intersect1d(part, weighed) for part in (division.train, division.val, division.test))
        if not train.size:
            raise ValueError("every training row of the division has sample_weight (times class_weight) zero")
    elif validation_data is None and holds_out_validation(est) and not incremental:
        (train, val), test = split_validation(est, weighed, Y, split_rng), weighed[:0]
    else:
        train, val, test = weighed, weighed[:0], weighed[:0]
    if reset:
        est.x_scaler_, est.y_scaler_ = fit_scaling(est, X[train], Y[train], None if weights is None else weights[train])

    def network_arrays(rows: Array) -> tuple | None:
        """(X, Y, sample_weight) of ``rows`` as the network sees them: scaled, in ``dtype``; None without rows."""
        if not rows.size:
            return None
        return (network_inputs(est, X[rows], dtype), network_targets(est, Y[rows], dtype),
                None if weights is None else weights[rows])

    validation = network_arrays(val) if validation_data is None else prepare_validation(est, validation_data, dtype)
    return TrainingData(*network_arrays(train), validation, test=network_arrays(test),
                        y_test=y[test] if test.size else None, division=division)


def check_incremental(est: object, incremental: bool, reset: bool) -> None:
    """partial_fit makes no division, and a model it starts has no training set to fit a scaling on."""
    if incremental and est.division is not None:
        raise ValueError(f"division={est.division!r} is made by fit; partial_fit trains on every row it is "
                         f"given. Set division=None to train incrementally")
    if incremental and reset and est.scaling is not None:
        raise ValueError(f"scaling={est.scaling!r} is fitted on the training rows by fit, and a first "
                         f"partial_fit sees one batch only; call fit first, or scale the data beforehand (e.g. "
                         f"a Pipeline with MinMaxScaler((-1, 1))) and set scaling=None")


def prepare_inputs(est: object, X: object) -> Array:
    """X as the fitted network's inputs (validated, scaled, in its dtype); an :class:`ExtrapolationWarning` when
    it holds values outside the training range."""
    check_is_fitted(est)
    X = dense(validate_data(est, X, reset=False, dtype=FLOATS, accept_sparse=SPARSE))
    warn_outside_range(est, X)
    return network_inputs(est, X, est.network_.dtype)


def training_range(X: Array, before: Array | None) -> Array:
    """(2, n_features): each feature's lowest and highest value in X, widened to hold ``before`` (the range of
    earlier fits a warm start or partial_fit continues)."""
    bounds = np.stack([X.min(axis=0), X.max(axis=0)]).astype(np.float64)
    if before is not None:
        bounds = np.stack([np.minimum(bounds[0], before[0]), np.maximum(bounds[1], before[1])])
    return bounds


def warn_outside_range(est: object, X: Array) -> None:
    """An :class:`ExtrapolationWarning` naming the features of X beyond ``feature_range_`` (none for models
    fitted before it existed), pointing at the first caller outside bpnn."""
    feature_range = getattr(est, "feature_range_", None)
    if feature_range is None or X.size == 0:
        return
    message = fitted.outside_training_range(X, feature_range, getattr(est, "feature_names_in_", None))
    if message is None:
        return
    frame, level = sys._getframe(1), 2  # this function's caller is stacklevel 2
    while frame is not None and frame.f_globals.get("__name__", "").startswith("bpnn."):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, fitted.ExtrapolationWarning, stacklevel=level)


def prepare_validation(est: object, validation_data: tuple, dtype: np.dtype) -> tuple:
    """(X_val, Y_val, weights_val) as network arrays; class weights are those fitted on the training rows."""
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise ValueError("validation_data must be (X_val, y_val) or (X_val, y_val, sample_weight_val)")
    X_val, y_val = validate_data(est, validation_data[0], validation_data[1], reset=False, dtype=FLOATS,
                                 multi_output=True, y_numeric=est._numeric_target, accept_sparse=SPARSE)
    X_val = dense(X_val)
    if y_val.ndim == 2 and y_val.shape[1] == 1:
        y_val = column_or_1d(y_val, warn=True)
    Y_val, labels = est._encode_targets(y_val, classes=None, reset=False, incremental=False, dtype=dtype)
    sample_weight = validation_data[2] if len(validation_data) == 3 else None
    weights = sample_weights(sample_weight, X_val, est._row_class_weights(labels))
    return network_inputs(est, X_val, dtype), network_targets(est, Y_val, dtype), weights


def sample_weights(sample_weight: object, X: Array, class_factor: Array | None) -> Array | None:
    """Sample weights times class weights, or None when both are absent (the core's fast path)."""
    if sample_weight is None:
        return class_factor
    weights = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
    return weights if class_factor is None else weights * class_factor


def split_validation(est: object, rows: Array, Y: Array, rng: np.random.Generator) -> tuple[Array, Array]:
    """(training rows, validation rows): ceil(validation_fraction·n) of ``rows``, at least MIN_VALIDATION_ROWS,
    held out, stratified by class when every class can be split (a class of one row raises scikit-learn's error)."""
    n = len(rows)
    n_val = max(math.ceil(est.validation_fraction * n), MIN_VALIDATION_ROWS)
    if n - n_val < 1:
        raise ValueError(f"The validation set is too small: early_stopping holds out validation_fraction="
                         f"{est.validation_fraction} of the n_samples={n} rows, at least {MIN_VALIDATION_ROWS}, "
                         f"and leaves none to train on. Increase the size of your dataset, or pass validation_data")
    strata = est._strata(Y[rows])
    if strata is not None:
        labels, counts = np.unique(strata, return_counts=True)
        if counts.min() < 2:  # scikit-learn's error: a class of one row can be in one part only
            single = labels[counts < 2].astype(int)
            # scikit-learn stratifies on its binarized target, whose binary classes are named 'True' and 'False'
            names = [str(bool(k)) if len(est.classes_) == 2 else str(est.classes_[k]) for k in single]
            raise ValueError(f"early_stopping holds out a validation set stratified by class, and class(es) "
                             f"{est.classes_[single].tolist()} have a single row. The least populated classes in y "
                             f"have only 1 member, which is too few. Pass more rows of these classes, or "
                             f"validation_data. Classes with too few members are: {names}")
        if n_val < len(counts) or n - n_val < len(counts):
            strata = None  # too few rows to hold every class on both sides: a plain random split
    return train_test_split(rows, test_size=n_val, stratify=strata,
                            random_state=int(rng.integers(np.iinfo(np.int32).max)))


def divide_rows(est: object, n: int, labels: Array | None, rng: np.random.Generator,
                saved: Division | None = None) -> Division:
    """The rows of the training, validation and test sets (MATLAB's divide functions); ``saved`` when resuming."""
    name = DIVISIONS.get(est.division, est.division)
    if saved is not None:  # resumed: the checkpoint's rows
        division = saved
    elif name == "divideind":
        division = divide(name, n, **dict(zip(("train", "val", "test"), est.division_indices)))
    else:
        options = {"random_state": rng} if name == "dividerand" else {}
        train, val, test = est.division_ratios
        division = divide(name, n, train_ratio=train, val_ratio=val, test_ratio=test, **options)
    if labels is not None:  # single-label classes: each must be learnt from some training row
        missing = np.setdiff1d(labels, labels[division.train])
        if missing.size:
            label = est.classes_[missing[0]]
            label = label.item() if isinstance(label, np.generic) else label
            raise ValueError(f"class {label!r} has {np.sum(labels == missing[0])} row(s) and none fell into the "
                             f"training rows of division={est.division!r}; add rows of that class or give "
                             f"training a larger share in division_ratios")
    return division


# ---- scaling (part of the model) ------------------------------------------------------------------
def make_scaling(est: object) -> object:
    """A new scaler of ``est.scaling`` ("mapminmax" onto scaling_range, or "standard")."""
    low, high = est.scaling_range
    return make_scaler("mapminmax", ymin=low, ymax=high) if est.scaling == "mapminmax" else make_scaler("standard")


def fit_scaling(est: object, X: Array, Y: Array, sample_weight: Array | None) -> tuple[object, object]:
    """(x_scaler, y_scaler) fitted on the training rows and their weights; None without scaling (and y_scaler for
    classification)."""
    if est.scaling is None:
        return None, None
    if len(X) < 2:
        raise ValueError(f"scaling={est.scaling!r} is fitted on the training rows, and one row leaves every column "
                         f"constant; got n_samples={len(X)} training rows. Pass more rows or set scaling=None")
    x_scaler = Chain([RemoveConstant(), make_scaling(est)]).fit(X, sample_weight)
    return x_scaler, make_scaling(est).fit(Y, sample_weight) if est._numeric_target else None


def network_inputs(est: object, X: Array, dtype: np.dtype) -> Array:
    return fitted.network_inputs(est.x_scaler_, X, dtype)


def network_targets(est: object, Y: Array, dtype: np.dtype) -> Array:
    return Y if est.y_scaler_ is None else est.y_scaler_.transform(Y).astype(dtype, copy=False)


def original_units(est: object, Y: Array) -> Array:
    """Network outputs ``(m, n_outputs)`` in the target's units (the reverse of the target scaling)."""
    return fitted.original_units(est.y_scaler_, Y)
