"""scikit-learn estimators on the bpnn core: :class:`BPClassifier` and :class:`BPRegressor`.

Conventions:
- Samples are rows, as in the core. ``X`` is ``(n_samples, n_features)``; ``y`` is ``(n_samples,)`` or
  ``(n_samples, n_outputs)``. Each estimator owns one core :class:`~bpnn.core.network.Network`
  (``network_``) and the :class:`~bpnn.core.training.History` of its training (``history_``).
- Targets become network outputs through ``TASKS``: binary → one sigmoid unit with binary cross-entropy
  (the seed's output); multiclass → softmax with categorical cross-entropy; multilabel → one sigmoid unit
  per label; regression (one or several outputs) → identity with squared error.
- ``coefs_[i]`` is W[i+1] of shape ``(n_in, n_out)`` and ``intercepts_[i]`` is b[i+1]: scikit-learn's
  orientation, which the core uses too, so both are the network's own views (writing to them changes the
  model).
- The cost is the core's J = Σ_i w_i L_i + α/(2S) Σ‖W‖², w_i = s_i/S: sample weights (times class weights)
  are normalised, so integer weights equal repeated rows.
- dtype: float32 ``X`` trains and predicts in float32, anything else in float64, unless ``dtype`` is given.
- Every step that turns user data into network arrays happens in ``_prepare_training_data`` (fit) and
  ``_prepare_inputs`` (predict): validation, target encoding, the data division or validation split,
  sample and class weights, scaling, dtype.
- Scaling (``scaling=``) is part of the model: ``x_scaler_`` (constant columns removed, then mapminmax or
  standardisation) maps user inputs to network inputs and, for regression, ``y_scaler_`` maps targets to
  network outputs and back, so ``predict`` and ``score`` work in the user's units. Losses, the training
  record and ``coefs_`` belong to the network, so they are in scaled units (``coefs_[0]`` has one row per
  kept input column).
- Stepwise solvers (sgd, adam, rmsprop) train through :func:`bpnn.core.training.train`; every name in
  :data:`bpnn.core.solvers.FULL_BATCH_SOLVERS` through :func:`bpnn.core.solvers.get_solver`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from scipy.special import expit, log_expit, log_softmax
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, column_or_1d, validate_data

from bpnn.core.network import Network
from bpnn.core.optimizers import SCHEDULE_ALIASES, GradientDescent, make_optimizer, make_schedule
from bpnn.core.solvers import FULL_BATCH_SOLVERS, get_solver
from bpnn.core.training import EarlyStopping, History, train
from bpnn.estimators._support import (
    accuracy,
    check_interval,
    plain,
    r2,
    random_streams,
    refuse_dask,
    solver_options,
    solver_parameters,
    training_record,
)
from bpnn.files.checkpoint import Checkpointing
from bpnn.preprocessing import Chain, Division, RemoveConstant, divide, make_scaler, scaler_from_dict

Array = np.ndarray

# target type -> (output activation, loss)
TASKS: dict[str, tuple[str, str]] = {
    "binary": ("sigmoid", "binary_cross_entropy"),
    "multiclass": ("softmax", "categorical_cross_entropy"),
    "multilabel": ("sigmoid", "binary_cross_entropy"),
    "continuous": ("identity", "squared_error"),
}

# stepwise solver -> the core optimizer built from the estimator's parameters
STEPWISE_SOLVERS: dict[str, Callable[[BaseEstimator], GradientDescent]] = {
    "sgd": lambda est: (make_optimizer("nesterov" if est.nesterovs_momentum else "momentum",
                                       learning_rate=est.learning_rate_init, momentum=est.momentum)
                        if est.momentum > 0 else make_optimizer("gd", learning_rate=est.learning_rate_init)),
    "adam": lambda est: make_optimizer("adam", learning_rate=est.learning_rate_init, beta_1=est.beta_1,
                                       beta_2=est.beta_2, epsilon=est.epsilon),
    "rmsprop": lambda est: make_optimizer("rmsprop", learning_rate=est.learning_rate_init, epsilon=est.epsilon),
}
# full-batch solver -> the options it takes from the estimator's parameters (beyond alpha and max_iter)
FULL_BATCH_OPTIONS: dict[str, Callable[[BaseEstimator], dict]] = {
    "lbfgs": lambda est: {"tol": est.tol, "max_fun": est.max_fun},
    "br": lambda est: {"alpha": 0.0},  # Bayesian regularization estimates its own penalty: alpha is not used
}
# division -> the bpnn.preprocessing (MATLAB) function making it; the MATLAB names are accepted too
DIVISIONS: dict[str, str] = {"random": "dividerand", "block": "divideblock", "interleaved": "divideint",
                             "indices": "divideind"}
SCALINGS = ("mapminmax", "standard")
DEFAULT_MAX_FAIL = 6  # MATLAB's max_fail, for the solvers that have no default of their own
MIN_LEARNING_RATE = 1e-6  # the "adaptive" schedule stops training once the rate has fallen this low
UNCONVERGED = ("maximum epochs", "maximum function evaluations")  # stop reasons that warn ConvergenceWarning
FLOATS = (np.float64, np.float32)
HISTORY_SERIES = ("loss", "val_loss", "val_score", "learning_rate", "seconds")  # History lists saved by _to_state


@dataclass
class TrainingData:
    """What fit hands the solver: network arrays (scaled, in the network's dtype, targets encoded; see the
    module docstring), and what fit reports afterwards."""

    X: Array  # (m, n_inputs)
    Y: Array  # (m, n_outputs)
    sample_weight: Array | None  # (m,) sample weights times class weights, or None
    validation: tuple | None  # (X_val, Y_val, sample_weight_val) or None
    test: tuple | None = None  # (X_test, Y_test, sample_weight_test): measured, never trained on
    y_test: Array | None = None  # the test rows' targets as the user gave them
    division: Division | None = None  # the rows of each set, when a division made them


class _BPBase(BaseEstimator):
    """Fitting, prediction and state shared by BPClassifier and BPRegressor."""

    _validation_score: Callable = staticmethod(accuracy)

    # ---- parameters ---------------------------------------------------------------------------------
    def _check_params(self) -> None:
        solvers = (*STEPWISE_SOLVERS, *FULL_BATCH_SOLVERS)
        if self.solver not in solvers:
            raise ValueError(f"unknown solver {self.solver!r}; valid solvers are {', '.join(solvers)}")
        for name in ("alpha", "learning_rate_init", "power_t", "max_iter", "tol", "momentum", "validation_fraction",
                     "beta_1", "beta_2", "epsilon", "n_iter_no_change", "max_fun"):
            check_interval(name, getattr(self, name))
        batch_size = self.batch_size
        if not (batch_size == "auto" or (isinstance(batch_size, Integral) and not isinstance(batch_size, bool)
                                         and batch_size >= 1)):
            raise ValueError(f"batch_size must be 'auto' or a positive integer; got {self.batch_size!r}")
        if self.monitor not in ("val_loss", "val_score"):
            raise ValueError(f"unknown monitor {self.monitor!r}; valid monitors are val_loss, val_score")
        if self.dtype is not None and str(self.dtype) not in ("float32", "float64", str(np.float32), str(np.float64)):
            raise ValueError(f"dtype must be None, 'float32' or 'float64'; got {self.dtype!r}")
        if self.callbacks is not None and not all(callable(callback) for callback in self.callbacks):
            raise ValueError("callbacks must be a list of callables callback(epoch, history, network)")
        make_schedule(self.learning_rate, self.learning_rate_init)  # raises on an unknown schedule name
        if self.solver in FULL_BATCH_SOLVERS:
            solver_options(self.solver, self.solver_options)  # raises on a bad option name
        elif self.solver_options:
            raise ValueError(f"solver_options apply to the full-batch solvers ({', '.join(FULL_BATCH_SOLVERS)}); "
                             f"solver {self.solver!r} takes its options as estimator parameters")
        if self.max_fail is not None:
            check_interval("max_fail", self.max_fail)
        self._check_scaling()
        self._check_division()

    def _check_scaling(self) -> None:
        if self.scaling is not None and self.scaling not in SCALINGS:
            raise ValueError(f"unknown scaling {self.scaling!r}; valid scalings are None, {', '.join(SCALINGS)}")
        bounds = self.scaling_range
        if not (isinstance(bounds, (tuple, list)) and len(bounds) == 2
                and all(isinstance(b, Real) and not isinstance(b, bool) and math.isfinite(b) for b in bounds)
                and bounds[0] < bounds[1]):
            raise ValueError(f"scaling_range must be two finite numbers (ymin, ymax) with ymin < ymax, such as "
                             f"(-1, 1); got {bounds!r}")

    def _check_division(self) -> None:
        division = self.division
        if division is not None and division not in DIVISIONS and division not in DIVISIONS.values():
            raise ValueError(f"unknown division {division!r}; valid divisions are None, {', '.join(DIVISIONS)} "
                             f"(or MATLAB's {', '.join(DIVISIONS.values())})")
        ratios = self.division_ratios
        if not (isinstance(ratios, (tuple, list)) and len(ratios) == 3
                and all(isinstance(r, Real) and not isinstance(r, bool) and 0 <= r < math.inf for r in ratios)
                and ratios[0] > 0):
            raise ValueError(f"division_ratios must be three non-negative numbers (train, validation, test) with "
                             f"train > 0, such as (0.7, 0.15, 0.15); got {ratios!r}")
        by_indices = DIVISIONS.get(division, division) == "divideind"
        if by_indices != (self.division_indices is not None):
            raise ValueError("division='indices' takes its rows from division_indices=(train, val, test), and "
                             "division_indices apply to division='indices' only; "
                             f"got division={division!r} with division_indices "
                             f"{'None' if self.division_indices is None else 'given'}")
        if by_indices and not (isinstance(self.division_indices, (tuple, list)) and len(self.division_indices) in (2, 3)):
            raise ValueError("division_indices must be (train, val) or (train, val, test): sequences of row numbers")

    def _hidden_sizes(self) -> list[int]:
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, Integral) else list(sizes)
        if not all(isinstance(n, Integral) and not isinstance(n, bool) and n >= 1 for n in sizes):
            raise ValueError(f"hidden_layer_sizes must be positive integers, one per hidden layer; "
                             f"got {self.hidden_layer_sizes!r}")
        return [int(n) for n in sizes]

    def _make_schedule(self) -> object:
        name = SCHEDULE_ALIASES.get(self.learning_rate, self.learning_rate)
        options = {"invscaling": {"power_t": self.power_t},
                   "plateau": {"patience": self.n_iter_no_change, "tol": self.tol, "min_learning_rate": MIN_LEARNING_RATE}}
        return make_schedule(name, self.learning_rate_init, **options.get(name, {}))

    # ---- input preparation (the one place where user data becomes network arrays) ------------------
    def _prepare_training_data(self, X: object, y: object, sample_weight: object, validation_data: tuple | None, *,
                               classes: object, reset: bool, incremental: bool, split_rng: np.random.Generator) -> TrainingData:
        X, y = validate_data(self, X, y, reset=reset, dtype=FLOATS, multi_output=True, y_numeric=self._numeric_target)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        self._check_incremental(incremental, reset)
        dtype = self.network_.dtype if not reset else np.dtype(self.dtype or X.dtype)
        Y, labels = self._encode_targets(y, classes=classes, reset=reset, incremental=incremental, dtype=dtype)
        if reset:
            self.n_outputs_ = Y.shape[1]
        division = None if incremental or self.division is None else self._divide(len(X), labels, split_rng)
        if division is not None and validation_data is not None:
            raise ValueError(f"division={self.division!r} holds out its own validation rows; pass validation_data "
                             f"or set a division, not both")
        self._fit_class_weights(labels if division is None or labels is None else labels[division.train], incremental)
        weights = self._weights(sample_weight, X, self._row_class_weights(labels))
        if weights is not None and not weights.any():
            raise ValueError("sample_weight (times class_weight) is zero for every row; nothing to train on")
        # the rows (into X) of the training, validation and test sets; zero-weight rows add nothing to J: left out
        weighed = np.arange(len(X)) if weights is None else np.flatnonzero(weights > 0)
        if division is not None:
            train, val, test = (np.intersect1d(part, weighed) for part in (division.train, division.val, division.test))
            if not train.size:
                raise ValueError("every training row of the division has sample_weight (times class_weight) zero")
        elif validation_data is None and self.early_stopping and not incremental:
            (train, val), test = self._split_validation(weighed, Y, split_rng), weighed[:0]
        else:
            train, val, test = weighed, weighed[:0], weighed[:0]
        if reset:
            self._fit_scaling(X[train], Y[train], None if weights is None else weights[train])

        def network_arrays(rows: Array) -> tuple | None:
            """(X, Y, sample_weight) of ``rows`` as the network sees them: scaled, in ``dtype``; None without rows."""
            if not rows.size:
                return None
            return (self._network_inputs(X[rows], dtype), self._network_targets(Y[rows], dtype),
                    None if weights is None else weights[rows])

        validation = network_arrays(val) if validation_data is None else self._prepare_validation(validation_data, dtype)
        return TrainingData(*network_arrays(train), validation, test=network_arrays(test),
                            y_test=y[test] if test.size else None, division=division)

    def _check_incremental(self, incremental: bool, reset: bool) -> None:
        """partial_fit makes no division, and a model it starts has no training set to fit a scaling on."""
        if incremental and self.division is not None:
            raise ValueError(f"division={self.division!r} is made by fit; partial_fit trains on every row it is "
                             f"given. Set division=None to train incrementally")
        if incremental and reset and self.scaling is not None:
            raise ValueError(f"scaling={self.scaling!r} is fitted on the training rows by fit, and a first "
                             f"partial_fit sees one batch only; call fit first, or scale the data beforehand (e.g. "
                             f"a Pipeline with MinMaxScaler((-1, 1))) and set scaling=None")

    def _prepare_inputs(self, X: object) -> Array:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=FLOATS)
        return self._network_inputs(X, self.network_.dtype)

    def _prepare_validation(self, validation_data: tuple, dtype: np.dtype) -> tuple:
        """(X_val, Y_val, weights_val) as network arrays; class weights are those fitted on the training rows."""
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise ValueError("validation_data must be (X_val, y_val) or (X_val, y_val, sample_weight_val)")
        X_val, y_val = validate_data(self, validation_data[0], validation_data[1], reset=False, dtype=FLOATS,
                                     multi_output=True, y_numeric=self._numeric_target)
        if y_val.ndim == 2 and y_val.shape[1] == 1:
            y_val = column_or_1d(y_val, warn=True)
        Y_val, labels = self._encode_targets(y_val, classes=None, reset=False, incremental=False, dtype=dtype)
        sample_weight = validation_data[2] if len(validation_data) == 3 else None
        weights = self._weights(sample_weight, X_val, self._row_class_weights(labels))
        return self._network_inputs(X_val, dtype), self._network_targets(Y_val, dtype), weights

    @staticmethod
    def _weights(sample_weight: object, X: Array, class_factor: Array | None) -> Array | None:
        """Sample weights times class weights, or None when both are absent (the core's fast path)."""
        if sample_weight is None:
            return class_factor
        weights = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        return weights if class_factor is None else weights * class_factor

    def _split_validation(self, rows: Array, Y: Array, rng: np.random.Generator) -> tuple[Array, Array]:
        """(training rows, validation rows): ceil(validation_fraction·n) of ``rows`` held out, stratified by class
        when every class can be split."""
        n = len(rows)
        n_val = math.ceil(self.validation_fraction * n)
        if n - n_val < 1:
            raise ValueError(f"early_stopping holds out validation_fraction={self.validation_fraction} of the "
                             f"n_samples={n} rows and leaves none to train on; pass more rows, a smaller "
                             f"validation_fraction or validation_data")
        strata = self._strata(Y[rows])
        if strata is not None:
            counts = np.unique(strata, return_counts=True)[1]
            if counts.min() < 2 or n_val < len(counts) or n - n_val < len(counts):
                strata = None  # too few rows of some class to stratify: a plain random split
        return train_test_split(rows, test_size=n_val, stratify=strata,
                                random_state=int(rng.integers(np.iinfo(np.int32).max)))

    def _divide(self, n: int, labels: Array | None, rng: np.random.Generator) -> Division:
        """The rows of the training, validation and test sets (MATLAB's divide functions)."""
        name = DIVISIONS.get(self.division, self.division)
        if getattr(self, "_saved_division", None) is not None:  # resumed: the checkpoint's rows
            division = self._saved_division
        elif name == "divideind":
            division = divide(name, n, **dict(zip(("train", "val", "test"), self.division_indices)))
        else:
            options = {"random_state": rng} if name == "dividerand" else {}
            train, val, test = self.division_ratios
            division = divide(name, n, train_ratio=train, val_ratio=val, test_ratio=test, **options)
        if labels is not None:  # single-label classes: each must be learnt from some training row
            missing = np.setdiff1d(labels, labels[division.train])
            if missing.size:
                label = plain(self.classes_[missing[0]])
                raise ValueError(f"class {label!r} has {np.sum(labels == missing[0])} row(s) and none fell into the "
                                 f"training rows of division={self.division!r}; add rows of that class or give "
                                 f"training a larger share in division_ratios")
        return division

    # ---- scaling (part of the model) ------------------------------------------------------------------
    def _scaler(self) -> object:
        low, high = self.scaling_range
        return make_scaler("mapminmax", ymin=low, ymax=high) if self.scaling == "mapminmax" else make_scaler("standard")

    def _fit_scaling(self, X: Array, Y: Array, sample_weight: Array | None) -> None:
        """``x_scaler_`` and ``y_scaler_`` (regression) from the training rows and their weights; None without scaling."""
        if self.scaling is not None and len(X) < 2:
            raise ValueError(f"scaling={self.scaling!r} is fitted on the training rows, and one row leaves every column "
                             f"constant; got n_samples={len(X)} training rows. Pass more rows or set scaling=None")
        self.x_scaler_ = None if self.scaling is None else Chain([RemoveConstant(), self._scaler()]).fit(X, sample_weight)
        self.y_scaler_ = self._scaler().fit(Y, sample_weight) if self.scaling is not None and self._numeric_target else None

    def _network_inputs(self, X: Array, dtype: np.dtype) -> Array:
        X = X if self.x_scaler_ is None else self.x_scaler_.transform(X)
        return X.astype(dtype, copy=False)

    def _network_targets(self, Y: Array, dtype: np.dtype) -> Array:
        return Y if self.y_scaler_ is None else self.y_scaler_.transform(Y).astype(dtype, copy=False)

    def _original_units(self, Y: Array) -> Array:
        """Network outputs ``(m, n_outputs)`` in the target's units (the reverse of the target scaling)."""
        return Y if self.y_scaler_ is None else self.y_scaler_.inverse_transform(Y).astype(Y.dtype, copy=False)

    # ---- fitting ------------------------------------------------------------------------------------
    def _fit(self, X: object, y: object, sample_weight: object, validation_data: tuple | None, *,
             incremental: bool, classes: object = None, run: Checkpointing | None = None) -> _BPBase:
        refuse_dask(type(self).__name__, X, y)
        self._check_params()
        run = Checkpointing() if run is None else run
        saved = run.load(self)
        reset = not hasattr(self, "network_") or not (incremental or self.warm_start) or saved is not None
        init_rng, split_rng, shuffle_rng = random_streams(self.random_state)
        self._saved_division = None if saved is None or saved["division"] is None else Division(**saved["division"])
        data = self._prepare_training_data(X, y, sample_weight, validation_data, classes=classes, reset=reset,
                                           incremental=incremental, split_rng=split_rng)
        options = run.training_options(self, data, saved)
        if reset:
            self._start_network(data.X.shape[1], data.Y.shape[1], data.X.dtype, init_rng)
        else:
            self._check_architecture()
        epochs_before = self.history_.epochs
        self.history_.stop_reason = self.history_.message = ""  # they describe the latest run
        if self.solver in FULL_BATCH_SOLVERS:
            self._train_full_batch(data, options)
        else:
            self._train_stepwise(data, shuffle_rng, incremental, options)
        self.t_ += (self.history_.epochs - epochs_before) * data.X.shape[0]
        if not incremental:
            self.division_ = data.division
            self.test_scores_ = None if data.test is None else self._test_scores(data.test, data.y_test)
        if not incremental and self.history_.stop_reason in UNCONVERGED:
            warnings.warn(f"{self.solver}: maximum iterations ({self.max_iter}) reached and the optimization hasn't "
                          f"converged yet ({self.history_.message or self.history_.stop_reason}); raise max_iter "
                          f"or tol", ConvergenceWarning, stacklevel=3)
        return self

    def _start_network(self, n_features: int, n_outputs: int, dtype: np.dtype, rng: np.random.Generator) -> None:
        """A new ``network_`` for the fitted target type, with an empty ``history_`` and no division."""
        sizes = [n_features, *self._hidden_sizes(), n_outputs]
        self.network_ = Network(sizes, self.activation, TASKS[self._target_type][0], dtype=dtype, init=self.init,
                                random_state=rng)
        self.history_ = History()
        self.t_ = 0
        self.division_ = self.test_scores_ = None

    def _check_architecture(self) -> None:
        sizes, network = self._hidden_sizes(), self.network_
        if network.layer_sizes[1:-1] != sizes:
            raise ValueError(f"warm_start and partial_fit continue the fitted network of hidden sizes "
                             f"{network.layer_sizes[1:-1]}; got hidden_layer_sizes={self.hidden_layer_sizes!r}. "
                             f"Set warm_start=False to start a new network.")
        fitted = None if self.x_scaler_ is None else self.x_scaler_.steps[-1]
        kind = None if fitted is None else fitted.kind
        if kind != self.scaling or (kind == "mapminmax" and [fitted.ymin, fitted.ymax] != list(self.scaling_range)):
            raise ValueError(f"warm_start and partial_fit continue with the fitted scaling {kind!r}"
                             f"{f' to [{fitted.ymin:g}, {fitted.ymax:g}]' if kind == 'mapminmax' else ''}; got "
                             f"scaling={self.scaling!r}, scaling_range={self.scaling_range!r}. Set warm_start=False "
                             f"to start a new network.")

    def _stopping(self, data: TrainingData) -> EarlyStopping | None:
        """The validation stop rule the estimator builds (see "Validation and stopping" in the class docstring);
        None leaves stopping to the solver (the MATLAB solvers apply max_fail themselves)."""
        if data.validation is None:
            return None
        if self.early_stopping:
            return EarlyStopping(self.monitor, patience=self.n_iter_no_change, min_delta=self.tol)
        takes_max_fail = self.solver in FULL_BATCH_SOLVERS and "max_fail" in solver_parameters(self.solver)
        if self.division is not None and not takes_max_fail and self._max_fail() > 0:
            return EarlyStopping("val_loss", patience=self._max_fail(), min_delta=0.0)  # MATLAB's rule
        return None

    def _max_fail(self) -> int:
        """max_fail, or when None the solver's own default (MATLAB's: 6, and 0 for br)."""
        if self.max_fail is not None:
            return int(self.max_fail)
        defaults = solver_parameters(self.solver) if self.solver in FULL_BATCH_SOLVERS else {}
        return int(defaults.get("max_fail", DEFAULT_MAX_FAIL))

    def _callbacks(self, extra: Sequence[Callable] = ()) -> list[Callable]:
        callbacks = [*(self.callbacks or ()), *extra]
        if self.verbose:
            callbacks.insert(0, _print_epoch)
        return callbacks

    def _full_batch_options(self) -> dict:
        """Keyword arguments of the full-batch solver beyond the data: alpha, its own options, solver_options,
        max_fail for the solvers that apply it themselves."""
        from_params = FULL_BATCH_OPTIONS.get(self.solver, lambda est: {})(self)
        options = {"alpha": self.alpha, **from_params, **solver_options(self.solver, self.solver_options)}
        if "max_fail" in solver_parameters(self.solver):
            options["max_fail"] = self._max_fail()
        return options

    def _train_full_batch(self, data: TrainingData, checkpointing: dict) -> None:
        options = {**self._full_batch_options(), **checkpointing}
        max_iter = options.pop("epochs", self.max_iter)
        if data.test is not None and "test" in solver_parameters(self.solver):
            options["test"] = data.test
        solve = get_solver(self.solver)
        solve(self.network_, data.X, data.Y, TASKS[self._target_type][1], sample_weight=data.sample_weight,
              max_iter=max_iter, validation=data.validation,
              score=self._validation_score if data.validation is not None else None,
              early_stopping=self._stopping(data), callbacks=self._callbacks(), history=self.history_, **options)

    def _train_stepwise(self, data: TrainingData, rng: np.random.Generator, incremental: bool, checkpointing: dict) -> None:
        if not incremental or not hasattr(self, "_optimizer"):
            self._optimizer = STEPWISE_SOLVERS[self.solver](self)
            self._schedule = self._make_schedule()
        n = data.X.shape[0]
        batch_size = min(200, n) if self.batch_size == "auto" else self.batch_size
        if batch_size > n:
            warnings.warn(f"batch_size={batch_size} is larger than n_samples={n}; it is clipped to {n}", stacklevel=4)
        stopping, extra = self._stopping(data), []
        adaptive = SCHEDULE_ALIASES.get(self.learning_rate, self.learning_rate) == "plateau"
        if incremental:
            stopping = None
        elif stopping is None and not adaptive:  # scikit-learn's rule: stop when the training loss stalls
            stopping = EarlyStopping("loss", patience=self.n_iter_no_change, min_delta=self.tol, restore_best=False)
        elif stopping is None:  # "adaptive": the schedule lowers the rate on plateaus; stop once it is tiny
            extra.append(self._rate_bottomed_out)
        checkpointing = dict(checkpointing)
        train(self.network_, data.X, data.Y, TASKS[self._target_type][1], self._optimizer,
              epochs=1 if incremental else checkpointing.pop("epochs", self.max_iter), batch_size=min(batch_size, n),
              shuffle=self.shuffle,
              rng=rng, sample_weight=data.sample_weight, alpha=self.alpha, validation=data.validation,
              score=self._validation_score if data.validation is not None else None,
              schedule=None if incremental else self._schedule, early_stopping=stopping,
              callbacks=self._callbacks(extra), history=self.history_, test=data.test, **checkpointing)
        if stopping is None or not stopping.restore_best:
            self.history_.best_epoch = self.history_.epochs - 1  # the weights kept are the last epoch's

    def _rate_bottomed_out(self, epoch: int, history: History, network: Network) -> bool:
        """The adaptive schedule's end: the rate fell below MIN_LEARNING_RATE after plateau after plateau."""
        if self._optimizer.learning_rate > MIN_LEARNING_RATE:
            return False
        history.message = (f"learning rate {self._optimizer.learning_rate:.3g} < {MIN_LEARNING_RATE:g}: the training loss "
                           f"stopped improving by tol={self.tol:g} at every rate the adaptive schedule tried")
        return True

    # ---- fitted attributes, all read from network_ and history_ ------------------------------------
    @property
    def coefs_(self) -> list[Array]:
        return self.network_.weights

    @property
    def intercepts_(self) -> list[Array]:
        return self.network_.biases

    @property
    def n_iter_(self) -> int:
        return self.history_.epochs

    @property
    def loss_curve_(self) -> list[float]:
        return self.history_.loss

    @property
    def validation_loss_curve_(self) -> list[float] | None:
        return self.history_.val_loss or None

    @property
    def validation_scores_(self) -> list[float] | None:
        return self.history_.val_score or None

    @property
    def best_loss_(self) -> float | None:
        return min(self.history_.loss, default=None)

    @property
    def best_validation_score_(self) -> float | None:
        return max(self.history_.val_score, default=None)

    @property
    def n_layers_(self) -> int:
        return len(self.network_.layer_sizes)

    @property
    def training_record_(self) -> dict:
        """MATLAB's training record ``tr``, per epoch of ``history_``: see the class docstring."""
        check_is_fitted(self)
        return training_record(self.history_, TASKS[self._target_type][1], self.n_outputs_)

    @property
    def out_activation_(self) -> str:
        return self.network_.activations[-1].name

    # ---- prediction ---------------------------------------------------------------------------------
    def _output_logits(self, X: object) -> Array:
        """Z[L], the output layer's pre-activation, for X."""
        X = self._prepare_inputs(X)
        return self.network_.forward(X).Z[-1]

    def hidden_activations(self, X: object, layer: int = -1) -> Array:
        """A[layer] for X: the learned features of a hidden layer, ``(n_samples, hidden_layer_sizes[layer])``.

        ``layer`` counts hidden layers as the core numbers layers, from 1 (the first hidden layer); negative
        values count from the last hidden layer (-1, the default).
        """
        X = self._prepare_inputs(X)
        n_hidden = self.n_layers_ - 2
        number = layer + n_hidden + 1 if isinstance(layer, Integral) and layer < 0 else layer
        if not (isinstance(layer, Integral) and 1 <= number <= n_hidden):
            raise ValueError(f"layer must be a hidden layer number 1..{n_hidden} or -{n_hidden}..-1; got {layer!r}")
        return self.network_.forward(X).A[number]

    # ---- state for model files ----------------------------------------------------------------------
    def _to_state(self) -> tuple[dict, dict[str, Array]]:
        """(meta, arrays): JSON-able values and NumPy arrays holding everything to predict and inspect."""
        check_is_fitted(self)
        network, history = self.network_, self.history_
        params = {name: value for name, value in self.get_params().items() if name != "callbacks"}
        if isinstance(params.get("class_weight"), dict):
            params["class_weight"] = [[plain(key), plain(value)] for key, value in params["class_weight"].items()]
        if not (params["random_state"] is None or isinstance(params["random_state"], Integral)):
            params["random_state"] = None  # a RandomState or Generator has no JSON form
        meta = {
            "params": {name: plain(value) for name, value in params.items()},
            "layer_sizes": network.layer_sizes,
            "activations": [g.name for g in network.activations[:-1]],
            "output_activation": network.activations[-1].name,
            "loss": TASKS[self._target_type][1],
            "dtype": network.dtype.name,
            "target_type": self._target_type,
            "n_features_in": int(self.n_features_in_),
            "feature_names_in": self.feature_names_in_.tolist() if hasattr(self, "feature_names_in_") else None,
            "n_iter": self.n_iter_,
            "t": int(self.t_),
            "best_loss": self.best_loss_,
            "history": {"best_epoch": history.best_epoch, "stop_reason": history.stop_reason,
                        "message": history.message, "extra": list(history.extra)},
            "x_scaling": None if self.x_scaler_ is None else self.x_scaler_.to_dict(),
            "y_scaling": None if self.y_scaler_ is None else self.y_scaler_.to_dict(),
            "test_scores": self.test_scores_,
        }
        arrays = {"params": network.params, **{f"history/{name}": np.asarray(getattr(history, name), dtype=np.float64)
                                               for name in HISTORY_SERIES}}
        if self.division_ is not None:
            arrays.update({f"division/{name}": rows for name, rows in vars(self.division_).items()})
        arrays.update({f"history/extra/{name}": np.asarray(values, dtype=np.float64) for name, values in history.extra.items()})
        optimizer = getattr(self, "_optimizer", None)
        if optimizer is not None:
            state = optimizer.state()
            meta["optimizer"] = {key: value for key, value in state.items()
                                 if value is not None and not isinstance(value, np.ndarray)}
            arrays.update({f"optimizer/{key}": value for key, value in state.items() if isinstance(value, np.ndarray)})
        self._classes_to_state(meta, arrays)
        return meta, arrays

    @classmethod
    def _from_state(cls, meta: dict, arrays: dict[str, Array]) -> _BPBase:
        """The fitted estimator that ``_to_state`` described."""
        params = dict(meta["params"])
        if isinstance(params.get("class_weight"), list):
            params["class_weight"] = {key: value for key, value in params["class_weight"]}
        for name in ("hidden_layer_sizes", "scaling_range", "division_ratios"):  # JSON gave lists for tuples
            if isinstance(params.get(name), list):
                params[name] = tuple(params[name])
        est = cls(**params)
        est.network_ = Network(meta["layer_sizes"], meta["activations"], meta["output_activation"], dtype=meta["dtype"])
        est.network_.unpack(arrays["params"])
        est.n_outputs_ = meta["layer_sizes"][-1]
        est.x_scaler_, est.y_scaler_ = (None if meta[name] is None else scaler_from_dict(meta[name])
                                        for name in ("x_scaling", "y_scaling"))
        est.test_scores_ = meta["test_scores"]
        est.division_ = Division(*(arrays[f"division/{name}"] for name in ("train", "val", "test"))) \
            if "division/train" in arrays else None
        history = meta["history"]
        est.history_ = History(**{name: arrays[f"history/{name}"].tolist() for name in HISTORY_SERIES},
                               extra={name: arrays[f"history/extra/{name}"].tolist() for name in history["extra"]},
                               best_epoch=history["best_epoch"], stop_reason=history["stop_reason"],
                               message=history["message"])
        est._target_type = meta["target_type"]
        est.n_features_in_ = meta["n_features_in"]
        if meta["feature_names_in"] is not None:
            est.feature_names_in_ = np.asarray(meta["feature_names_in"], dtype=object)
        est.t_ = meta["t"]
        if "optimizer" in meta:
            prefix = "optimizer/"
            est._optimizer = STEPWISE_SOLVERS[est.solver](est)
            est._optimizer.set_state({**meta["optimizer"], **{key[len(prefix):]: value for key, value in arrays.items()
                                                              if key.startswith(prefix)}})
            est._schedule = est._make_schedule()
        est._classes_from_state(meta, arrays)
        return est

    def _classes_to_state(self, meta: dict, arrays: dict) -> None:
        """Regressors have no classes; BPClassifier stores its classes_."""

    def _classes_from_state(self, meta: dict, arrays: dict) -> None:
        """Regressors have no classes; BPClassifier restores its classes_."""



SPLIT_BREAKS_REPEATS = ("early stopping holds out a fraction of the rows, so n rows with integer weights and the same rows "
                        "repeated are split differently and the fits differ; scikit-learn's MLP with early_stopping=True "
                        "fails this check too (MLPRegressor on dense data, MLPClassifier on sparse)")
SATURATED_PROBABILITIES = ("a network trained to convergence on separable data gives probabilities that round to exactly "
                           "1.0; scikit-learn's MLPClassifier(solver='lbfgs') fails this check the same way")


def expected_failed_checks(estimator: BaseEstimator) -> dict[str, str]:
    """scikit-learn's estimator checks that ``estimator``'s configuration is expected to fail, with the reason: pass
    it to ``check_estimator(est, expected_failed_checks=expected_failed_checks(est))`` or to
    ``parametrize_with_checks(..., expected_failed_checks=expected_failed_checks)``, as scikit-learn does for its
    own estimators."""
    expected = {}
    if getattr(estimator, "early_stopping", False):
        expected["check_sample_weight_equivalence_on_dense_data"] = SPLIT_BREAKS_REPEATS
    if isinstance(estimator, ClassifierMixin) and getattr(estimator, "solver", None) == "lbfgs":
        expected["check_classifiers_multilabel_output_format_predict_proba"] = SATURATED_PROBABILITIES
    return expected


def _print_epoch(epoch: int, history: History, network: Network) -> None:
    line = f"Iteration {epoch + 1}, loss = {history.loss[-1]:.8f}"
    if history.val_loss:
        line += f", validation loss = {history.val_loss[-1]:.8f}"
    if history.val_score:
        line += f", validation score = {history.val_score[-1]:.6f}"
    print(line)


def _keep_arguments(estimator: BaseEstimator, arguments: dict) -> None:
    """scikit-learn's rule for __init__: store every argument unchanged under its own name, nothing else."""
    for name, value in arguments.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)


_DEFAULTS = """
    Parameters shared with scikit-learn's MLP keep its names and meanings. Four defaults differ from
    scikit-learn's, chosen on bench/bench_estimators.py (breast cancer, digits, iris, wine, diabetes; equal
    hidden sizes, epochs and batch size) and bench/bench_default_budget.py (max_iter 200 against 1000):
    learning_rate="adaptive" with learning_rate_init=0.02 (Adam starts 20 times faster; on a plateau of the
    training loss the rate is divided by 5 instead of training stopping, so a larger max_iter is used rather
    than wasted, and training ends once the rate is below 1e-6), alpha=1e-3 and init="glorot_uniform".
    ``learning_rate="constant", learning_rate_init=1e-3, alpha=1e-4`` trains as scikit-learn does.

    MATLAB's workflow is a few arguments away; the defaults stay scikit-learn's (no scaling, no division).
    fitnet(10) with trainlm, mapminmax, dividerand 70/15/15 and max_fail 6, and patternnet(10) with trainscg::

        BPRegressor(hidden_layer_sizes=10, activation="tanh", solver="lm", max_iter=1000, alpha=0.0,
                    scaling="mapminmax", division="random", random_state=0)
        BPClassifier(hidden_layer_sizes=10, activation="tanh", solver="scg", max_iter=1000, alpha=0.0,
                     scaling="mapminmax", division="random", random_state=0)

    Then ``predict`` takes and returns the user's units, ``training_record_`` is MATLAB's ``tr`` and
    ``test_scores_`` the test set's figures.

    Validation and stopping. Validation rows come from one source: fit's ``validation_data``, a
    ``division`` (its validation share), or ``early_stopping=True`` with ``validation_fraction`` (scikit-learn's
    split, made only when neither of the others is given; a division with validation_data is an error).
    The rule that watches them:

    - ``early_stopping=True``: scikit-learn's rule, for every solver: stop when ``monitor`` has not
      improved by ``tol`` for ``n_iter_no_change`` epochs.
    - otherwise MATLAB's rule, "validation stop": ``max_fail`` epochs in a row without a lower validation
      loss. The MATLAB solvers (lm, br, rprop, scg) apply it whenever there are validation rows; the others
      when the rows come from a ``division`` (with only ``validation_data`` they just score it, as
      scikit-learn's MLP does). ``max_fail=0`` turns it off.

    Either rule restores the weights of the best validation epoch. The test rows of a division are only
    measured (``training_record_["tperf"]`` per epoch, ``test_scores_`` at the end), never trained on and
    never used to stop. The stepwise solvers' rule that stops on a stalled training loss (scikit-learn's)
    applies when no validation rule does.

    Checkpoints. ``fit(X, y, checkpoint=PATH, checkpoint_every=N)`` writes the complete training state
    every N epochs (atomically; see :mod:`bpnn.files.checkpoint`): weights, optimizer state, generator state,
    history, best weights and the division's rows. ``fit(X, y, resume=PATH)``, on an estimator with the
    same parameters and the same data, continues from it and ends with the weights an uninterrupted fit
    gives, bit for bit. ``stop`` (e.g. a ``threading.Event``) set during fit ends it after the current batch
    (stop reason "interrupted"), writing a last checkpoint. The stepwise solvers, lm, br, rprop and scg take
    checkpoints; lbfgs refuses them (SciPy's memory cannot be saved).
"""

_PARAMETERS = """
    hidden_layer_sizes : int or sequence of int, default=(100,)
        Units of each hidden layer; an empty sequence gives a network without hidden layers.
    activation : str or list of str, default="relu"
        Hidden activation: one name for every hidden layer or a list with one per hidden layer. Names:
        sigmoid (alias logistic), tanh, relu, leaky_relu, elu, softplus, identity.
    solver : str, default="adam"
        "sgd", "adam" and "rmsprop" take mini-batch steps; "lbfgs" (SciPy's L-BFGS-B) and MATLAB's
        full-batch training functions work on the whole training set: "lm" (trainlm, Levenberg–Marquardt),
        "br" (trainbr, Bayesian regularization), "rprop" (trainrp), "scg" (trainscg). "lm" and "br" need
        the squared error, so they train regressors only.
    alpha : float, default=1e-3
        L2 penalty α in J = Σ w_i L_i + α/(2S) Σ‖W‖² (weights only, not biases). Solver "br" estimates
        its own penalty and does not use alpha.
    batch_size : int or "auto", default="auto"
        Rows per mini-batch; "auto" is min(200, n_samples).
    learning_rate : str, default="adaptive"
        Schedule of the step size of the stepwise solvers (all three, not only sgd), per epoch of fit:
        "adaptive" (divide by 5 after n_iter_no_change epochs without a tol drop of the training loss;
        stop below 1e-6), "constant", "exponential" (η0 · 0.95^epoch), "invscaling" (η0 / (epoch + 1)^power_t),
        "step" (halve every 10 epochs). partial_fit keeps the current rate.
    learning_rate_init : float, default=0.02
        Initial step size η0 of the stepwise solvers.
    power_t : float, default=0.5
        Exponent of "invscaling".
    max_iter : int, default=200
        Epochs (stepwise solvers) or iterations (full-batch solvers; MATLAB's ``epochs``, 1000 there).
    shuffle : bool, default=True
        Shuffle the rows every epoch (stepwise solvers).
    random_state : None, int, numpy RandomState or Generator, default=None
        Seeds weight initialisation, the validation split and shuffling; the same int gives bit-identical fits.
    tol : float, default=1e-4
        Improvement that counts: of the training loss (stepwise solvers, when not early stopping), of the
        monitored validation value (early stopping), or the projected-gradient tolerance of "lbfgs".
    verbose : bool, default=False
        Print the loss (and validation values) after every epoch.
    warm_start : bool, default=False
        Continue from the fitted network on the next fit instead of starting afresh.
    momentum : float, default=0.9
        Momentum of "sgd"; 0 gives plain gradient descent.
    nesterovs_momentum : bool, default=True
        Nesterov's look-ahead form of the momentum step.
    early_stopping : bool, default=False
        Hold out validation_fraction of the rows (stratified by class where possible), or use the
        ``validation_data`` given to fit or the division's validation rows; stop when ``monitor`` has not
        improved by tol for n_iter_no_change epochs and restore the best weights (see "Validation and
        stopping" above).
    validation_fraction : float, default=0.1
        Share of the rows held out for early stopping when no validation_data is given.
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Adam's moment decay rates and its (and RMSprop's) ε. RMSprop's decay rate ρ is 0.9.
    n_iter_no_change : int, default=10
        Patience, in epochs, of the stop rules above.
    max_fun : int, default=15000
        Most loss evaluations of "lbfgs".
    monitor : {"val_loss", "val_score"}, default="val_loss"
        What early stopping watches: the validation loss (lower is better) or the validation score
        (SCORE; higher is better). scikit-learn's MLP always watches the score.
    init : str, default="glorot_uniform"
        Weight initialiser: "glorot_uniform" (U(±√(6/(n_in+n_out))), scikit-learn's scale), "glorot_normal",
        "he_uniform", "he_normal", "small_normal" (the seed's 0.01·randn) or "auto" (He for the relu
        family, Glorot otherwise). Biases start at zero.
    dtype : None, "float32" or "float64", default=None
        Compute dtype; None keeps float32 input in float32 and uses float64 for everything else.
    callbacks : list of callables, default=None
        ``callback(epoch, history, network)`` after every epoch; a truthy return stops training.
    solver_options : dict, default=None
        Options of a full-batch solver under MATLAB's trainParam names: "lm" and "br" take goal, mu,
        mu_dec, mu_inc, mu_max, min_grad, time (seconds) and chunk_rows (rows per Jacobian block); "rprop"
        goal, min_grad, time, delta0, delt_inc, delt_dec, deltamax; "scg" goal, min_grad, time, sigma,
        lambda; "lbfgs" tol, ftol, max_fun, memory. Defaults are MATLAB's (see :mod:`bpnn.core.solvers`);
        ``goal`` compares with the training performance (the mean squared error, in scaled units when
        scaling). max_iter, alpha and max_fail are estimator parameters; an unknown name raises ValueError
        listing the valid ones.
    max_fail : int or None, default=None
        MATLAB's validation stop: epochs in a row without a lower validation loss before training stops
        (see "Validation and stopping" above); None takes the solver's MATLAB default, 6, and 0 (off) for
        "br".
    scaling : None, "mapminmax" or "standard", default=None
        Scaling kept in the model (MATLAB's processFcns): constant input columns are removed, then every
        input column is mapped linearly onto scaling_range ("mapminmax": y = (ymax - ymin)(x - xmin)/(xmax -
        xmin) + ymin) or to mean 0 and standard deviation 1 ("standard", mapstd); regression targets are
        scaled the same way. Fitted on the training rows only (``x_scaler_``, ``y_scaler_``) and reversed by
        predict, so inputs and predictions are in the user's units.
    scaling_range : (float, float), default=(-1, 1)
        The (ymin, ymax) of "mapminmax".
    division : None, "random", "block", "interleaved" or "indices", default=None
        MATLAB's data division of the rows given to fit into training, validation and test sets:
        "random" (dividerand, drawn from random_state), "block" (divideblock: contiguous blocks in that
        order), "interleaved" (divideint), "indices" (divideind: the rows of division_indices). The MATLAB
        names are accepted too. The sets are in ``division_``; see "Validation and stopping" above.
    division_ratios : (float, float, float), default=(0.7, 0.15, 0.15)
        Shares of training, validation and test rows (normalised to sum 1; validation and test get
        round(share·n) rows, training the rest); a zero share leaves that set out.
    division_indices : (train, val) or (train, val, test) sequences of row numbers, default=None
        The sets of division="indices".
"""

_ATTRIBUTES = """
    network_ : bpnn.core.Network
        The trained network (samples are rows; W[l] is (n_in, n_out)).
    history_ : bpnn.core.training.History
        Per-epoch loss, validation loss and score, learning rate, seconds, solver series, stop reason.
    coefs_, intercepts_ : list of ndarray
        W[l] ``(n_in, n_out)`` and b[l] ``(n_out,)``, views into ``network_.params``.
    n_iter_, t_ : int
        Epochs run (over all fits) and training rows seen.
    loss_curve_, validation_loss_curve_, validation_scores_ : list of float
        Per epoch; the validation ones are None without validation data.
    best_loss_, best_validation_score_ : float
        Lowest training loss and highest validation score.
    n_features_in_, feature_names_in_, n_layers_, n_outputs_, out_activation_
        As in scikit-learn (out_activation_ uses bpnn's names: sigmoid, softmax, identity).
    x_scaler_, y_scaler_ : bpnn.preprocessing scaler or None
        The fitted scaling of inputs (a Chain: RemoveConstant, whose ``removed`` lists the constant columns
        dropped, then mapminmax or standard) and of regression targets; None without scaling.
    division_ : bpnn.preprocessing.Division or None
        Row numbers (into the X given to fit) of the ``train``, ``val`` and ``test`` sets of the division.
    test_scores_ : dict or None
        Figures on the division's test rows at the end of fit, in the user's units: "mse" (mean over
        samples and outputs) and "r2" for regression, "accuracy" and "cross_entropy" for classification.
    training_record_ : dict
        MATLAB's training record ``tr``, one entry per epoch of ``history_``: "epoch" (1, 2, …), "perf",
        "vperf", "tperf" (training, validation, test performance: the mean squared error over samples and
        outputs for regression, in scaled units when scaling; the cost J for classification; None without
        the set), "time" (seconds since the start), "val_fail" (epochs in a row without a lower validation
        loss), and, when the solver reports them, "gradient" (its norm), "mu", and br's "gamma" (the
        effective number of parameters γ, MATLAB's gamk), "alpha", "beta" and "ssw" (E_W, MATLAB's ssX);
        "learning_rate" for the stepwise solvers. Then "num_epochs", "best_epoch" (the epoch whose weights
        the model holds, counted from 1), "best_perf", "best_vperf", "best_tperf" (at that epoch), "stop"
        (the stop reason: goal met, maximum epochs, minimum gradient, maximum mu, validation stop, time
        limit, …) and "message".
"""


class BPClassifier(ClassifierMixin, _BPBase):
    __doc__ = f"""A backpropagation network classifier with scikit-learn's MLPClassifier API and more.

    Binary targets train one sigmoid output with binary cross-entropy, multiclass targets a softmax output
    with categorical cross-entropy, multilabel indicator targets one sigmoid output per label. The seed's
    network (sigmoid hidden layer, one sigmoid output, cross-entropy) is ``BPClassifier(activation="sigmoid")``
    on a binary target.
    {_DEFAULTS}
    Parameters
    ----------
    {_PARAMETERS.strip().replace("SCORE", "accuracy")}
    class_weight : None, "balanced" or dict, default=None
        Weights per class, multiplied into the sample weights: a dict {{label: weight}} (labels left out
        weigh 1) or "balanced", n_samples / (n_classes · count of the class). Binary and multiclass targets.

    Attributes
    ----------
    {_ATTRIBUTES.strip()}
    classes_ : ndarray
        The class labels (for multilabel targets, the label indices 0..n_labels-1).
    class_weight_ : ndarray
        The weight of each class, from class_weight and the training rows (ones without class_weight).
    """

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=1e-3, batch_size="auto",
                 learning_rate="adaptive", learning_rate_init=0.02, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9, nesterovs_momentum=True,
                 early_stopping=False, validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, monitor="val_loss", class_weight=None, init="glorot_uniform", dtype=None,
                 callbacks=None, solver_options=None, max_fail=None, scaling=None, scaling_range=(-1.0, 1.0),
                 division=None, division_ratios=(0.7, 0.15, 0.15), division_indices=None):
        _keep_arguments(self, locals())

    _numeric_target = False

    def fit(self, X: object, y: object, sample_weight: object = None, validation_data: tuple | None = None, *,
            checkpoint: str | None = None, checkpoint_every: int = 1, resume: str | None = None,
            stop: object = None, checkpoint_info: dict | None = None) -> BPClassifier:
        """Train on (X, y); ``validation_data`` = (X_val, y_val[, sample_weight_val]) is scored every epoch
        (``validation_loss_curve_``, ``validation_scores_``) and used by early stopping. ``checkpoint``,
        ``checkpoint_every``, ``resume``, ``stop`` and ``checkpoint_info`` (JSON kept beside the state; bpnn train keeps
        its settings there): see "Checkpoints" in the class docstring."""
        return self._fit(X, y, sample_weight, validation_data, incremental=False,
                         run=Checkpointing(checkpoint, checkpoint_every, resume, stop, checkpoint_info))

    @available_if(lambda est: est.solver in STEPWISE_SOLVERS)
    def partial_fit(self, X: object, y: object, classes: object = None, sample_weight: object = None) -> BPClassifier:
        """One epoch over (X, y); ``classes`` (every label) is required on the first call unless y is multilabel.
        No validation split and no stop rule apply, and the learning rate stays where it is: the schedule
        advances with fit's epochs only, so a long stream of calls keeps learning."""
        return self._fit(X, y, sample_weight, None, incremental=True, classes=classes)

    def predict_proba(self, X: object) -> Array:
        """Class probabilities ``(n_samples, n_classes)``; for multilabel targets, each label's probability.

        A probability too small for the dtype is given as its smallest normal number (2.2e-308 in float64), never
        as exactly 0, so that its log is finite and equals :meth:`predict_log_proba`."""
        z = self._output_logits(X)
        if self._target_type == "binary":
            p = np.hstack([expit(-z), expit(z)])  # [1 - σ(z), σ(z)], each accurate even when tiny
        else:
            p = expit(z) if self._target_type == "multilabel" else self.network_.activations[-1].f(z)
        return np.maximum(p, np.finfo(p.dtype).tiny, out=p)

    def predict_log_proba(self, X: object) -> Array:
        """log of predict_proba, computed from the output pre-activation (no cancellation, no -inf); floored, like
        predict_proba, at the log of the dtype's smallest normal number (-708 in float64)."""
        z = self._output_logits(X)
        if self._target_type == "binary":
            log_p = np.hstack([log_expit(-z), log_expit(z)])  # log σ(z) = -softplus(-z)
        else:
            log_p = log_expit(z) if self._target_type == "multilabel" else log_softmax(z, axis=1)
        return np.maximum(log_p, np.log(np.finfo(log_p.dtype).tiny), out=log_p)

    def predict(self, X: object) -> Array:
        """Class labels ``(n_samples,)``; for multilabel targets, the 0/1 indicator ``(n_samples, n_labels)``."""
        return self._labels(self._output_logits(X))

    def _labels(self, z: Array) -> Array:
        """The predicted labels from the output pre-activation Z[L]."""
        if self._target_type == "multilabel":
            return (z > 0).astype(int)  # σ(z) > 0.5  ⟺  z > 0
        if self._target_type == "binary":
            return self.classes_[(z[:, 0] > 0).astype(int)]
        return self.classes_[z.argmax(axis=1)]

    def _test_scores(self, test: tuple, y_test: Array) -> dict:
        """Accuracy and cross-entropy (without the L2 penalty) on the test rows of the division."""
        X, Y, weights = test
        cache = self.network_.forward(X)
        hit = self._labels(cache.Z[-1]) == y_test
        hit = hit.all(axis=1) if hit.ndim == 2 else hit  # multilabel: every label right (subset accuracy)
        return {"accuracy": float(np.average(hit, weights=weights)),
                "cross_entropy": float(self.network_.cost(cache, Y, TASKS[self._target_type][1], weights))}

    def _encode_targets(self, y: Array, *, classes: object, reset: bool, incremental: bool,
                        dtype: np.dtype) -> tuple[Array, Array | None]:
        """(Y, labels): y as network targets in ``dtype`` and each row's class index (None for multilabel)."""
        check_classification_targets(y)
        kind = type_of_target(y, input_name="y")
        if kind not in ("binary", "multiclass", "multilabel-indicator"):
            raise ValueError(f"BPClassifier takes binary, multiclass or multilabel-indicator targets; got {kind}")
        if reset:
            if kind == "multilabel-indicator":
                labels = np.arange(y.shape[1])
            elif classes is None and incremental:
                raise ValueError("classes must be passed on the first call to partial_fit: every label y will ever hold")
            else:
                labels = np.unique(y if classes is None else np.asarray(classes))
            if len(labels) < 2:
                raise ValueError(f"BPClassifier needs at least 2 classes to learn; y holds one class: {labels.tolist()}")
            self.classes_ = labels
            self._target_type = "multilabel" if kind == "multilabel-indicator" else "binary" if len(labels) == 2 else "multiclass"
        elif classes is not None and not np.array_equal(np.unique(np.asarray(classes)), self.classes_):
            raise ValueError(f"classes={np.asarray(classes).tolist()} differ from the first partial_fit call's "
                             f"{self.classes_.tolist()}")
        if (kind == "multilabel-indicator") != (self._target_type == "multilabel"):
            raise ValueError(f"y is {kind} but the model was fitted on {self._target_type} targets")
        if self._target_type == "multilabel":
            if y.shape[1] != len(self.classes_):
                raise ValueError(f"y has {y.shape[1]} labels; the model was fitted on {len(self.classes_)}")
            return y.astype(dtype), None
        index = np.searchsorted(self.classes_, y)
        unseen = (index >= len(self.classes_)) | (self.classes_[np.minimum(index, len(self.classes_) - 1)] != y)
        if unseen.any():
            raise ValueError(f"y holds labels {np.unique(y[unseen]).tolist()} that are not among the model's "
                             f"classes {self.classes_.tolist()}")
        if self._target_type == "binary":
            Y = index[:, None].astype(dtype)
        else:
            Y = np.zeros((len(y), len(self.classes_)), dtype=dtype)
            Y[np.arange(len(y)), index] = 1  # one-hot rows
        return Y, index

    def _row_class_weights(self, labels: Array | None) -> Array | None:
        """Each row's class weight, or None without class_weight (the core's unweighted fast path)."""
        return None if self.class_weight is None else self.class_weight_[labels]

    def _fit_class_weights(self, labels: Array | None, incremental: bool) -> None:
        """``class_weight_``, the weight of each class, from class_weight and the training rows' class indices."""
        k = len(self.classes_)
        if self.class_weight is None:
            self.class_weight_ = np.ones(k)
            return
        if labels is None:
            raise ValueError("class_weight applies to binary and multiclass targets; weight multilabel rows with sample_weight")
        if isinstance(self.class_weight, str) and self.class_weight == "balanced":
            if incremental:
                raise ValueError("class_weight='balanced' needs the class counts of the whole training set, which "
                                 "partial_fit does not see; pass a dict, e.g. from "
                                 "sklearn.utils.class_weight.compute_class_weight")
            counts = np.bincount(labels, minlength=k)
            self.class_weight_ = len(labels) / (k * np.maximum(counts, 1))  # n_samples / (n_classes · n_c)
        elif isinstance(self.class_weight, dict):
            known = set(self.classes_.tolist())
            unknown = [label for label in self.class_weight if label not in known]
            if unknown:
                raise ValueError(f"class_weight names labels {unknown} that are not among the classes {sorted(known)}")
            self.class_weight_ = np.array([float(self.class_weight.get(label, 1.0)) for label in self.classes_.tolist()])
        else:
            raise ValueError(f"class_weight must be None, 'balanced' or a dict {{label: weight}}; got {self.class_weight!r}")

    def _strata(self, Y: Array) -> Array | None:
        """Class index of each row for a stratified split; None for multilabel targets."""
        if self._target_type == "multilabel":
            return None
        return Y[:, 0] if self._target_type == "binary" else Y.argmax(axis=1)

    def _classes_to_state(self, meta: dict, arrays: dict) -> None:
        arrays["class_weight"] = self.class_weight_
        if self.classes_.dtype.kind in "biuf":
            arrays["classes"] = self.classes_
        else:
            meta["classes"] = self.classes_.tolist()  # strings and other labels travel in JSON

    def _classes_from_state(self, meta: dict, arrays: dict) -> None:
        self.classes_ = arrays["classes"] if "classes" in arrays else np.asarray(meta["classes"], dtype=object)
        self.class_weight_ = arrays["class_weight"]

    def __sklearn_tags__(self):  # noqa: ANN204 - scikit-learn's Tags
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class BPRegressor(RegressorMixin, _BPBase):
    __doc__ = f"""A backpropagation network regressor with scikit-learn's MLPRegressor API and more.

    One or several outputs; an identity output layer trained on the squared error
    L = 1/2 Σ_k (ŷ_k - y_k)² averaged over (weighted) samples.
    {_DEFAULTS}
    Parameters
    ----------
    loss : "squared_error", default="squared_error"
        The only loss; accepted so that MLPRegressor's first positional argument carries over.
    {_PARAMETERS.strip().replace("SCORE", "R²")}

    Attributes
    ----------
    {_ATTRIBUTES.strip()}
    """

    def __init__(self, loss="squared_error", hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=1e-3, batch_size="auto", learning_rate="adaptive", learning_rate_init=0.02, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1, beta_1=0.9,
                 beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000, monitor="val_loss", init="glorot_uniform",
                 dtype=None, callbacks=None, solver_options=None, max_fail=None, scaling=None, scaling_range=(-1.0, 1.0),
                 division=None, division_ratios=(0.7, 0.15, 0.15), division_indices=None):
        _keep_arguments(self, locals())

    _numeric_target = True
    _validation_score = staticmethod(r2)

    def _check_params(self) -> None:
        if self.loss != "squared_error":
            raise ValueError(f"unknown loss {self.loss!r}; BPRegressor's only loss is squared_error")
        super()._check_params()

    def fit(self, X: object, y: object, sample_weight: object = None, validation_data: tuple | None = None, *,
            checkpoint: str | None = None, checkpoint_every: int = 1, resume: str | None = None,
            stop: object = None, checkpoint_info: dict | None = None) -> BPRegressor:
        """Train on (X, y); ``validation_data`` = (X_val, y_val[, sample_weight_val]) is scored every epoch
        (``validation_loss_curve_``, ``validation_scores_`` as R²) and used by early stopping. ``checkpoint``,
        ``checkpoint_every``, ``resume``, ``stop`` and ``checkpoint_info``: see "Checkpoints" in BPClassifier's
        docstring and fit there."""
        return self._fit(X, y, sample_weight, validation_data, incremental=False,
                         run=Checkpointing(checkpoint, checkpoint_every, resume, stop, checkpoint_info))

    @available_if(lambda est: est.solver in STEPWISE_SOLVERS)
    def partial_fit(self, X: object, y: object, sample_weight: object = None) -> BPRegressor:
        """One epoch over (X, y), without validation split or stop rule, at the current learning rate (the
        schedule advances with fit's epochs only)."""
        return self._fit(X, y, sample_weight, None, incremental=True)

    def predict(self, X: object) -> Array:
        """Predictions ``(n_samples,)`` for one output, ``(n_samples, n_outputs)`` for several."""
        X = self._prepare_inputs(X)
        out = self._original_units(self.network_.predict(X))
        return out[:, 0] if out.shape[1] == 1 else out

    def _test_scores(self, test: tuple, y_test: Array) -> dict:
        """The mean squared error over samples and outputs (MATLAB's mse) and R², in the target's units, on the
        test rows of the division."""
        X, _, weights = test
        predicted = self._original_units(self.network_.predict(X)).astype(np.float64)
        y_test = y_test.reshape(predicted.shape)
        return {"mse": float(np.average(np.mean((predicted - y_test) ** 2, axis=1), weights=weights)),
                "r2": float(r2_score(y_test, predicted, sample_weight=weights))}

    def _encode_targets(self, y: Array, *, classes: object, reset: bool, incremental: bool,
                        dtype: np.dtype) -> tuple[Array, None]:
        Y = y.reshape(len(y), -1).astype(dtype)
        if reset:
            self._target_type = "continuous"
        elif Y.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {Y.shape[1]} outputs; the model was fitted on {self.n_outputs_}")
        return Y, None

    def _fit_class_weights(self, labels: None, incremental: bool) -> None:
        """Regressors have no classes."""

    def _row_class_weights(self, labels: None) -> None:
        return None

    def _strata(self, Y: Array) -> None:
        return None

    def __sklearn_tags__(self):  # noqa: ANN204 - scikit-learn's Tags
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
