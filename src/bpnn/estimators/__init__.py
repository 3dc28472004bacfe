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
- Every step that turns user data into network arrays happens in :mod:`bpnn.estimators.data`
  (:func:`prepare_training_data` for fit, :func:`prepare_inputs` for predict): validation, target encoding,
  the data division or validation split, sample and class weights, scaling, dtype.
- Scaling (``scaling=``) is part of the model: ``x_scaler_`` (constant columns removed, then mapminmax or
  standardisation) maps user inputs to network inputs and, for regression, ``y_scaler_`` maps targets to
  network outputs and back, so ``predict`` and ``score`` work in the user's units. Losses, the training
  record and ``coefs_`` belong to the network, so they are in scaled units (``coefs_[0]`` has one row per
  kept input column).
- Stepwise solvers (sgd, adam, rmsprop) train through :func:`bpnn.core.training.train`; every name in
  :data:`bpnn.core.solvers.FULL_BATCH_SOLVERS` through :func:`bpnn.core.solvers.get_solver`
  (:mod:`bpnn.estimators.solving`); what a solver supports is its record in :data:`bpnn.core.solvers.SOLVERS`.

The package, one module per job: ``parameters`` (the parameter table: defaults, checks, docs, CLI flags), ``data``,
``solving``, ``record`` (fitted attributes, MATLAB's ``tr``), ``metrics``, ``state`` (model files), ``base``
(fit orchestration), ``classifier``, ``regressor``, ``checks`` (scikit-learn's expected check failures), ``docs``.
"""

from bpnn.estimators.base import BPEstimator
from bpnn.estimators.checks import expected_failed_checks
from bpnn.estimators.classifier import BPClassifier
from bpnn.estimators.data import (
    FLOATS,
    TASKS,
    TrainingData,
    prepare_inputs,
    prepare_training_data,
    prepare_validation,
    random_streams,
)
from bpnn.estimators.narx import NARXRegressor
from bpnn.estimators.parameters import DIVISIONS, PARAMETERS, SCALINGS, Parameter, in_cli_words
from bpnn.estimators.regressor import BPRegressor
from bpnn.estimators.solving import (
    DEFAULT_MAX_FAIL,
    FULL_BATCH_OPTIONS,
    MIN_LEARNING_RATE,
    OPTIMIZERS,
    UNCONVERGED,
    make_rate_schedule,
    make_stepwise_optimizer,
)
from bpnn.estimators.state import HISTORY_SERIES

STEPWISE_SOLVERS = OPTIMIZERS  # stepwise solver -> its optimizer factory (the name bpnn.cli and bpnn.distributed use)

__all__ = [
    "DEFAULT_MAX_FAIL", "DIVISIONS", "FLOATS", "FULL_BATCH_OPTIONS", "HISTORY_SERIES", "MIN_LEARNING_RATE", "OPTIMIZERS",
    "PARAMETERS", "SCALINGS", "STEPWISE_SOLVERS", "TASKS", "UNCONVERGED", "BPClassifier", "BPEstimator", "BPRegressor",
    "NARXRegressor",
    "Parameter", "TrainingData", "expected_failed_checks", "in_cli_words", "make_rate_schedule",
    "make_stepwise_optimizer", "prepare_inputs", "prepare_training_data", "prepare_validation", "random_streams",
]
