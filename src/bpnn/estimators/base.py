"""The estimator BPClassifier and BPRegressor share: fit orchestration, prediction helpers and model-file state
(see :mod:`bpnn.estimators` for the conventions). The jobs themselves live beside it: parameters
(:mod:`~bpnn.estimators.parameters`), user data to network arrays (:mod:`~bpnn.estimators.data`), training
(:mod:`~bpnn.estimators.solving`), fitted attributes and MATLAB's record (:mod:`~bpnn.estimators.record`), model
files (:mod:`~bpnn.estimators.state`). The private methods kept here delegate to them; subclasses (the
classifier, the regressor, :mod:`bpnn.distributed`) call or override them.
"""

from __future__ import annotations

import functools
import math
import types
import warnings
from collections.abc import Callable, Sequence
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import _num_samples

from bpnn.core.network import Network
from bpnn.core.optimizers import GradientDescent
from bpnn.core.solvers import solver_name, solver_record
from bpnn.core.training import EarlyStopping, History
from bpnn.estimators import data as _data
from bpnn.estimators import solving, state, trials
from bpnn.estimators.data import TASKS, TrainingData, refuse_dask
from bpnn.estimators.metrics import accuracy
from bpnn.estimators.parameters import MIN_REFIT_ROWS, check_params, hidden_sizes, refits
from bpnn.estimators.record import FittedAttributes
from bpnn.files.checkpoint import Checkpointing
from bpnn.preprocessing import Division

Array = np.ndarray


class BPEstimator(FittedAttributes, BaseEstimator):
    """Fitting, prediction and state shared by BPClassifier and BPRegressor."""

    _validation_score: Callable = staticmethod(accuracy)
    _numeric_target = False

    # ---- parameters ---------------------------------------------------------------------------------
    def _check_params(self) -> None:
        check_params(self.get_params(deep=False))

    def _hidden_sizes(self) -> list[int]:
        return hidden_sizes(self.hidden_layer_sizes)

    def _make_schedule(self) -> object:
        return solving.make_rate_schedule(self)

    def _new_optimizer(self) -> GradientDescent:
        return solving.make_stepwise_optimizer(self)

    # ---- input preparation (bpnn.estimators.data) -----------------------------------------------------
    def _prepare_training_data(self, X: object, y: object, sample_weight: object, validation_data: tuple | None, *,
                               classes: object, reset: bool, incremental: bool, split_rng: np.random.Generator | None,
                               saved_division: Division | None = None) -> TrainingData:
        return _data.prepare_training_data(self, X, y, sample_weight, validation_data, classes=classes, reset=reset,
                                           incremental=incremental, split_rng=split_rng, saved_division=saved_division)

    def _prepare_inputs(self, X: object) -> Array:
        return _data.prepare_inputs(self, X)

    def _prepare_validation(self, validation_data: tuple, dtype: np.dtype) -> tuple:
        return _data.prepare_validation(self, validation_data, dtype)

    def _network_inputs(self, X: Array, dtype: np.dtype) -> Array:
        return _data.network_inputs(self, X, dtype)

    def _original_units(self, Y: Array) -> Array:
        return _data.original_units(self, Y)

    # ---- fitting ------------------------------------------------------------------------------------
    def _fit(self, X: object, y: object, sample_weight: object, validation_data: tuple | None, *,
             incremental: bool, classes: object = None, run: Checkpointing | None = None) -> BPEstimator:
        refuse_dask(type(self).__name__, X, y)
        self._check_params()
        run = Checkpointing() if run is None else run
        if not incremental and trials.several(self):  # n_init trials or an ensemble (bpnn.estimators.trials)
            return trials.fit_trials(self, X, y, sample_weight, validation_data, run)
        if not incremental and refits(self, validation_data):
            return self._fit_and_refit(X, y, sample_weight, classes, run)
        saved = run.load(self)
        reset = not hasattr(self, "network_") or not (incremental or self.warm_start) or saved is not None
        init_rng, split_rng, shuffle_rng = trials.streams(self)
        data = self._prepare_training_data(
            X, y, sample_weight, validation_data, classes=classes, reset=reset, incremental=incremental,
            split_rng=split_rng,
            saved_division=None if saved is None or saved["division"] is None else Division(**saved["division"]))
        options = run.training_options(self, data, saved)
        if reset:
            self._start_network(data.X.shape[1], data.Y.shape[1], data.X.dtype, init_rng)
        else:
            self._check_architecture()
        epochs_before = self._epochs_before_fit = self.history_.epochs
        self.history_.stop_reason = self.history_.message = ""  # they describe the latest run
        if solver_record(self.solver).full_batch:
            solving.train_full_batch(self, data, options)
        else:
            solving.train_stepwise(self, data, shuffle_rng, incremental, options)
        self.t_ += (self.history_.epochs - epochs_before) * data.X.shape[0]
        if not np.isfinite(self.network_.params).all() or (
                self.history_.stop_reason == "diverged" and self.history_.epochs == epochs_before):
            raise ValueError("Solver produced non-finite parameter weights. The input data may contain large values "
                             "and need to be preprocessed (e.g. StandardScaler, or scaling='standard'); "
                             f"{self.history_.message or 'not one epoch trained'}")
        if not incremental:
            self.division_ = data.division
            self.test_scores_ = None if data.test is None else self._test_scores(data.test, data.y_test)
            trials.record_single_fit(self)
        if not incremental and self.history_.stop_reason in solving.UNCONVERGED:
            warnings.warn(f"{self.solver}: maximum iterations ({self.max_iter}) reached and the optimization hasn't "
                          f"converged yet ({self.history_.message or self.history_.stop_reason}); raise max_iter "
                          f"or tol", ConvergenceWarning, stacklevel=3)
        return self

    def _fit_and_refit(self, X: object, y: object, sample_weight: object, classes: object,
                       run: Checkpointing) -> BPEstimator:
        """early_stopping="refit": train with validation_fraction held out and scikit-learn's stop rule to find
        the best epoch E, then train again from the same start weights (the same random_state) on every row for
        E epochs without a validation split. ``validation_history_`` keeps the held-out run's history (None when
        too few rows would be held out to choose E: then the one training uses every row, as with False)."""
        max_iter, early_stopping = self.max_iter, self.early_stopping
        held_out_rows = math.ceil(self.validation_fraction * _num_samples(X))
        holds_out, held_out = held_out_rows >= MIN_REFIT_ROWS, None
        if holds_out and (run.path is not None or run.resume is not None):
            raise ValueError('early_stopping="refit" trains twice (a held-out run chooses the epochs, then every row '
                             "trains), and a checkpoint holds one training: set early_stopping=True (stop on the "
                             "held-out rows) or False to fit with checkpoint or resume")
        try:
            if holds_out:
                self.early_stopping = True
                self._fit(X, y, sample_weight, None, incremental=False, classes=classes)
                held_out = self.history_
                self.max_iter = held_out.epochs if held_out.best_epoch is None else held_out.best_epoch + 1
            self.early_stopping = False
            with warnings.catch_warnings():
                if holds_out:  # stopping at max_iter is the point of this run, not a failure
                    warnings.simplefilter("ignore", ConvergenceWarning)
                self._fit(X, y, sample_weight, None, incremental=False, classes=classes, run=None if holds_out else run)
        finally:
            self.max_iter, self.early_stopping = max_iter, early_stopping
        self.validation_history_ = held_out
        if not holds_out:
            self.history_.message = (f"{self.history_.message}; " if self.history_.message else "") + (
                f'early_stopping="refit" held out no rows: validation_fraction={self.validation_fraction:g} of '
                f"{_num_samples(X)} rows is {held_out_rows}, fewer than the {MIN_REFIT_ROWS} that choose an epoch count")
        elif self.history_.stop_reason == "maximum epochs":
            self.history_.stop_reason = "refit"
            self.history_.message = (f"trained {self.history_.epochs} epochs on every row: the best validation epoch "
                                     f"of a run with validation_fraction={self.validation_fraction:g} held out")
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

    # ---- training pieces (bpnn.estimators.solving), methods so that subclasses can use them ------------
    def _stopping(self, data: TrainingData) -> EarlyStopping | None:
        return solving.stopping(self, data)

    def _max_fail(self) -> int:
        return solving.max_fail(self)

    def _callbacks(self, extra: Sequence[Callable] = ()) -> list[Callable]:
        return solving.epoch_callbacks(self, extra)

    def _full_batch_options(self) -> dict:
        return solving.full_batch_options(self)

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

    # ---- state for model files (bpnn.estimators.state) ----------------------------------------------
    def _to_state(self) -> tuple[dict, dict[str, Array]]:
        """(meta, arrays): JSON-able values and NumPy arrays holding everything to predict and inspect."""
        return state.to_state(self)

    @classmethod
    def _from_state(cls, meta: dict, arrays: dict[str, Array]) -> BPEstimator:
        """The fitted estimator that ``_to_state`` described."""
        return state.from_state(cls, meta, arrays)

    def _classes_to_state(self, meta: dict, arrays: dict) -> None:
        """Regressors have no classes; BPClassifier stores its classes_."""

    def _classes_from_state(self, meta: dict, arrays: dict) -> None:
        """Regressors have no classes; BPClassifier restores its classes_."""


class PartialFitRefused(AttributeError, ValueError):
    """partial_fit refused for the estimator's settings: a ValueError to whoever calls it (scikit-learn's error),
    and to ``hasattr`` an absent method, so that code probing for partial_fit (scikit-learn's checks) skips it."""


class partial_fit_method:  # noqa: N801 - used as a decorator, like available_if
    """The partial_fit of BPClassifier and BPRegressor, there only where it can run: stepwise solvers, one network
    (:func:`bpnn.estimators.trials.partial_fit_available`) and not early_stopping=True (scikit-learn refuses it with
    ValueError; early stopping needs a validation split that one batch cannot give). early_stopping="refit"
    chooses the epochs of fit only; partial_fit trains on each batch as given."""

    def __init__(self, method: Callable) -> None:
        self.method = method
        functools.update_wrapper(self, method)

    def __get__(self, est: object, owner: type | None = None) -> Callable:
        if est is None:
            return self.method
        if not trials.partial_fit_available(est):
            raise AttributeError(f"This {type(est).__name__!r} has no attribute 'partial_fit' (solver={est.solver!r}"
                                 f"{', n_init or ensemble' if solver_name(est.solver) in solving.OPTIMIZERS else ''})")
        if est.early_stopping and not isinstance(est.early_stopping, str):  # "refit" only shapes fit
            raise PartialFitRefused("partial_fit does not support early_stopping=True: it trains on each batch as "
                                    "given, without a validation split. Set early_stopping=False to train "
                                    "incrementally")
        return types.MethodType(self.method, est)




def keep_arguments(estimator: BaseEstimator, arguments: dict) -> None:
    """scikit-learn's rule for __init__: store every argument unchanged under its own name, nothing else."""
    for name, value in arguments.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)
