"""BPRegressor: one or several continuous outputs on a backpropagation network (see :mod:`bpnn.estimators`)."""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score

from bpnn.estimators import trials
from bpnn.estimators.base import BPEstimator, keep_arguments, partial_fit_method
from bpnn.estimators.docs import ATTRIBUTES, DEFAULTS
from bpnn.estimators.metrics import r2
from bpnn.estimators.parameters import SHARED_PARAMETERS, parameter_docs
from bpnn.files.checkpoint import Checkpointing
from bpnn.files.fitted import as_prediction

Array = np.ndarray


class BPRegressor(RegressorMixin, BPEstimator):
    __doc__ = f"""A backpropagation network regressor with scikit-learn's MLPRegressor API and more.

    One or several outputs; an identity output layer trained on the squared error
    L = 1/2 Σ_k (ŷ_k - y_k)² averaged over (weighted) samples.
    {DEFAULTS}
    Parameters
    ----------
    {parameter_docs(("loss", *SHARED_PARAMETERS), "R²")}

    Attributes
    ----------
    {ATTRIBUTES.strip()}
    """

    def __init__(self, loss="squared_error", hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=1e-3, batch_size="auto", learning_rate="adaptive", learning_rate_init=0.01, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping="refit", validation_fraction=0.1, beta_1=0.9,
                 beta_2=0.999, epsilon=1e-8, n_iter_no_change=20, max_fun=15000, monitor="val_loss", init="glorot_uniform",
                 dtype=None, callbacks=None, solver_options=None, max_fail=None, scaling=None, scaling_range=(-1.0, 1.0),
                 division=None, division_ratios=(0.7, 0.15, 0.15), division_indices=None, n_init=1,
                 ensemble=False, division_random_state=None):
        keep_arguments(self, locals())

    _numeric_target = True
    _validation_score = staticmethod(r2)

    def fit(self, X: object, y: object, sample_weight: object = None, validation_data: tuple | None = None, *,
            checkpoint: str | None = None, checkpoint_every: int = 1, resume: str | None = None,
            stop: object = None, checkpoint_info: dict | None = None) -> BPRegressor:
        """Train on (X, y); ``validation_data`` = (X_val, y_val[, sample_weight_val]) is scored every epoch
        (``validation_loss_curve_``, ``validation_scores_`` as R²) and used by early stopping. ``checkpoint``,
        ``checkpoint_every``, ``resume``, ``stop`` and ``checkpoint_info``: see "Checkpoints" in BPClassifier's
        docstring and fit there."""
        return self._fit(X, y, sample_weight, validation_data, incremental=False,
                         run=Checkpointing(checkpoint, checkpoint_every, resume, stop, checkpoint_info))

    @partial_fit_method
    def partial_fit(self, X: object, y: object, sample_weight: object = None) -> BPRegressor:
        """One epoch over (X, y), without validation split or stop rule, at the current learning rate (the
        schedule advances with fit's epochs only)."""
        return self._fit(X, y, sample_weight, None, incremental=True)

    def predict(self, X: object, return_std: bool = False) -> Array | tuple[Array, Array]:
        """Predictions ``(n_samples,)`` for one output, ``(n_samples, n_outputs)`` for several; an ensemble's are
        its members' mean, and ``return_std=True`` gives ``(mean, std)`` over the members (ensembles only)."""
        if return_std or trials.has_members(self):
            return trials.ensemble_predict(self, X, return_std)
        X = self._prepare_inputs(X)
        return as_prediction(self._original_units(self.network_.predict(X)))

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
            self._target_type = "poisson" if self.loss == "poisson" else "continuous"
        elif Y.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {Y.shape[1]} outputs; the model was fitted on {self.n_outputs_}")
        if self._target_type == "poisson":
            if np.any(Y < 0):
                raise ValueError("loss='poisson' needs targets y >= 0 (counts or rates); y has negative values")
            if self.scaling is not None:
                raise ValueError(f"loss='poisson' trains on the targets as they are (y >= 0) and scaling="
                                 f"{self.scaling!r} would scale them; set scaling=None")
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
        tags.input_tags.sparse = True  # scipy.sparse X is taken (made dense), as by scikit-learn's MLP
        return tags
