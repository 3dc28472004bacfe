"""A fitted model as its model file holds it, predicting without an estimator class: the network, its input and
target scaling, its classes and (an ensemble) its members, rebuilt from the file's JSON state and arrays.

``bpnn info``, ``predict``, ``evaluate`` and ``forecast`` load models through :func:`fitted_of`, so they never
import scikit-learn (the estimators need it for their base classes and input checks): the core, the scalers of
:mod:`bpnn.preprocessing` and :mod:`bpnn.series` are enough. ``bpnn.load`` still builds the estimator.

One source of truth. The steps from user inputs to predictions are functions here, and the estimators
(:mod:`bpnn.estimators.data`, ``classifier``, ``regressor``, ``trials``, ``narx``) call the same functions, so a
model predicts bit-identically through either; the forward pass is the core's :meth:`Network.forward`:

1. ``X`` is a 2-D float array (float32 kept, anything else float64, as the estimators take it), scaled by the
   fitted input scaling and cast to the network's dtype (:func:`network_inputs`);
2. the network gives the output layer's pre-activation Z[L] and activation A[L];
3. a classifier's probabilities come from Z[L] (:func:`probabilities`) and its labels from Z[L]
   (:func:`labels_of_logits`), an ensemble's labels from its members' mean probabilities
   (:func:`labels_of_proba`); a regressor's predictions are A[L] in the target's units (:func:`original_units`),
   an ensemble's the mean over its members and their standard deviation (:func:`mean_and_spread`).

:class:`FittedModel` and :class:`FittedSeries` name their parts as the estimators name their fitted attributes
(``classes_``, ``n_outputs_``, ``estimators_``, ``lags_``, ...), so code that reads those from an estimator reads
them from a model loaded here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from bpnn.core.activations import sigmoid
from bpnn.core.network import Network
from bpnn.files.modelfile import ModelFile, check_network, network_from_state
from bpnn.preprocessing import scaler_from_dict
from bpnn.series import Lags, closed_loop

Array = np.ndarray
FLOATS = (np.float64, np.float32)  # input dtypes kept as they are; any other becomes float64 (bpnn.estimators.data)
CLASSIFIER_TYPES = ("binary", "multiclass", "multilabel")
REGRESSOR_TYPES = ("continuous", "poisson")


class ExtrapolationWarning(UserWarning):
    """Inputs outside the range of the data a model was fitted on: the network extrapolates there, where nothing
    it learned constrains it. Silence it with ``warnings.simplefilter("ignore", bpnn.ExtrapolationWarning)``."""


def outside_training_range(X: Array, feature_range: Array, names: object = None) -> str | None:
    """None when every value of ``X`` (m, n) lies within ``feature_range`` (2, n: each feature's lowest and highest
    training value, bounds included; NaN counts as inside), else one sentence naming each feature beyond it: its
    index (and name), how many rows, the value farthest outside, its row, the range. Two vectorised comparisons
    when nothing is outside."""
    low, high = feature_range
    below, above = X < low, X > high  # NaN compares False: never outside
    if not (below.any() or above.any()):
        return None
    beyond = np.where(below, low - X, 0.0) + np.where(above, X - high, 0.0)  # how far outside, 0 inside
    features = np.flatnonzero((below | above).any(axis=0))
    parts = []
    for j in features[:3]:
        row = int(np.argmax(beyond[:, j]))
        count = int((below[:, j] | above[:, j]).sum())
        name = f"feature {j}" + ("" if names is None else f" ({names[j]!r})")
        parts.append(f"{name}: {count} row(s), farthest X[{row}, {j}] = {X[row, j]:.6g}, training range "
                     f"{low[j]:.6g} to {high[j]:.6g}")
    more = f"; and {features.size - 3} more feature(s)" if features.size > 3 else ""
    return (f"X has values outside the training range in {features.size} of {X.shape[1]} feature(s): "
            f"{'; '.join(parts)}{more}. The network extrapolates there; treat those predictions with care")


# ---- the steps, shared with the estimators ---------------------------------------------------------------
def network_inputs(x_scaler: object | None, X: Array, dtype: np.dtype) -> Array:
    """Checked user inputs as the network's inputs: the fitted input scaling, then the network's dtype."""
    X = X if x_scaler is None else x_scaler.transform(X)
    return X.astype(dtype, copy=False)


def original_units(y_scaler: object | None, Y: Array) -> Array:
    """Network outputs ``(m, n_outputs)`` in the target's units (the reverse of the target scaling)."""
    return Y if y_scaler is None else y_scaler.inverse_transform(Y).astype(Y.dtype, copy=False)


def probabilities(z: Array, target_type: str, network: Network) -> Array:
    """Class probabilities from the output pre-activation ``z`` = Z[L]: ``(m, n_classes)``, for multilabel
    targets each label's. A probability too small for the dtype is its smallest normal number, never 0."""
    if target_type == "binary":
        p = np.hstack([sigmoid(-z), sigmoid(z)])  # [1 - σ(z), σ(z)] = [σ(-z), σ(z)], each accurate even when tiny
    elif target_type == "multilabel":
        p = sigmoid(z)  # σ(z) per label
    else:
        p = network.activations[-1].f(z)  # softmax(z)
    return np.maximum(p, np.finfo(p.dtype).tiny, out=p)


def labels_of_logits(z: Array, target_type: str, classes: Array) -> Array:
    """The predicted labels from the output pre-activation ``z`` = Z[L] of one network."""
    if target_type == "multilabel":
        return (z > 0).astype(int)  # σ(z) > 0.5  ⟺  z > 0
    if target_type == "binary":
        return classes[(z[:, 0] > 0).astype(int) if len(classes) == 2 else np.zeros(len(z), int)]
    return classes[z.argmax(axis=1)]


def labels_of_proba(proba: Array, target_type: str, classes: Array) -> Array:
    """An ensemble's labels from its members' mean probabilities: the class of the largest, p > 0.5 per label."""
    if target_type == "multilabel":
        return (proba > 0.5).astype(int)
    if target_type == "binary":
        return classes[(proba[:, 1] > 0.5).astype(int)]
    return classes[proba.argmax(axis=1)]


def as_prediction(out: Array) -> Array:
    """A regressor's outputs ``(m, n_outputs)`` as it returns them: ``(m,)`` for one output."""
    return out[:, 0] if out.shape[1] == 1 else out


def mean_and_spread(predictions: list[Array]) -> tuple[Array, Array]:
    """An ensemble's prediction, the mean over its members, and their standard deviation (population, ddof=0)."""
    stacked = np.stack(predictions)
    return stacked.mean(axis=0), stacked.std(axis=0)


def classes_from_state(meta: dict, arrays: dict[str, Array]) -> Array:
    """A classifier's labels as its state holds them: numbers in the array ``classes``, other labels in JSON as a
    flat list of distinct strings or numbers; ValueError otherwise."""
    if "classes" in arrays:
        return arrays["classes"]
    labels = meta["classes"]
    if not (isinstance(labels, list) and labels and all(isinstance(label, (str, int, float)) for label in labels)
            and len(set(labels)) == len(labels)):
        raise ValueError(f"classes {labels!r} are not a list of distinct labels")
    return np.asarray(labels, dtype=object)


def member_states(meta: dict, arrays: dict[str, Array]) -> Iterator[tuple[dict, dict[str, Array]]]:
    """(meta, arrays) of each member of an ensemble's state, its arrays under ``members/K/``."""
    for k, member in enumerate(meta.get("members") or ()):
        prefix = f"members/{k}/"
        yield member, {name[len(prefix):]: array for name, array in arrays.items() if name.startswith(prefix)}


def series_state(meta: dict, arrays: dict[str, Array]) -> tuple[dict, dict[str, Array]]:
    """The regressor's (meta, arrays) inside a NARXRegressor's state: all but the series' own ``narx`` parts."""
    return ({key: value for key, value in meta.items() if key != "narx"},
            {key: value for key, value in arrays.items() if not key.startswith("narx/")})


# ---- the models -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FittedModel:
    """A fitted BPClassifier or BPRegressor as its model file holds it; predicts as the estimator does."""

    kind: str  # BPClassifier or BPRegressor
    network: Network
    target_type: str  # binary, multiclass, multilabel (classifiers); continuous, poisson (regressors)
    x_scaler: object | None = None
    y_scaler: object | None = None
    classes_: Array | None = None
    n_features_in_: int = 0
    estimators_: tuple = field(default=())  # an ensemble's members, each a FittedModel; empty for one network

    @classmethod
    def from_state(cls, kind: str, meta: dict, arrays: dict[str, Array], source: str = "model file") -> FittedModel:
        """The model that ``BPClassifier._to_state`` or ``BPRegressor._to_state`` described."""
        check_network(meta, arrays, source)
        target_type = meta["target_type"]
        if target_type not in (CLASSIFIER_TYPES if kind == "BPClassifier" else REGRESSOR_TYPES):
            raise ValueError(f"target type {target_type!r} is not one of a {kind}")
        x_scaler, y_scaler = (None if meta[name] is None else scaler_from_dict(meta[name])
                              for name in ("x_scaling", "y_scaling"))
        n_features = meta["n_features_in"]
        if not (isinstance(n_features, int) and n_features >= 1):
            raise ValueError(f"n_features_in {n_features!r} is not a number of columns")
        members = tuple(cls.from_state(kind, *member, source) for member in member_states(meta, arrays))
        return cls(kind, network_from_state(meta, arrays), target_type, x_scaler, y_scaler,
                   classes_from_state(meta, arrays) if kind == "BPClassifier" else None, n_features, members)

    @property
    def n_outputs_(self) -> int:
        return self.network.layer_sizes[-1]

    def inputs(self, X: object) -> Array:
        """``X`` as the network's inputs (checked, scaled, in its dtype), as the estimators' ``prepare_inputs``."""
        X = np.asarray(X)
        if X.dtype not in FLOATS:
            X = X.astype(np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has shape {X.shape}; the model takes (n_samples, {self.n_features_in_})")
        if not np.isfinite(X).all():
            raise ValueError("X holds NaN or infinite values; fill or leave out those rows")
        return network_inputs(self.x_scaler, X, self.network.dtype)

    def logits(self, X: object) -> Array:
        """Z[L], the output layer's pre-activation, for ``X``."""
        return self.network.forward(self.inputs(X)).Z[-1]

    def predict_proba(self, X: object) -> Array:
        """A classifier's probabilities (an ensemble's: its members' mean), as ``BPClassifier.predict_proba``."""
        if self.classes_ is None:
            raise AttributeError(f"a {self.kind} has no predict_proba")
        if self.estimators_:
            return np.mean([member.predict_proba(X) for member in self.estimators_], axis=0)
        return probabilities(self.logits(X), self.target_type, self.network)

    def predict(self, X: object, return_std: bool = False) -> Array | tuple[Array, Array]:
        """Labels or values as the estimator's ``predict``; ``return_std`` (a regressor ensemble) adds the standard
        deviation over its members."""
        if self.classes_ is not None:
            if self.estimators_:
                return labels_of_proba(self.predict_proba(X), self.target_type, self.classes_)
            return labels_of_logits(self.logits(X), self.target_type, self.classes_)
        if return_std or self.estimators_:
            if not self.estimators_:
                raise ValueError("return_std=True gives the spread over the members of an ensemble")
            mean, std = mean_and_spread([member.predict(X) for member in self.estimators_])
            return (mean, std) if return_std else mean
        return as_prediction(original_units(self.y_scaler, self.network.predict(self.inputs(X))))


@dataclass(frozen=True)
class FittedSeries:
    """A fitted NARXRegressor as its model file holds it: the regressor on the lag matrix and the series' lags,
    names and last training steps; forecasts closed-loop as ``NARXRegressor.forecast``."""

    regressor_: FittedModel
    lags_: Lags
    target_names_: list
    exog_names_: list
    y_history_: Array
    X_history_: Array | None = None

    kind = "NARXRegressor"

    @classmethod
    def from_state(cls, meta: dict, arrays: dict[str, Array], source: str = "model file") -> FittedSeries:
        own = meta["narx"]
        regressor = FittedModel.from_state("BPRegressor", *series_state(meta, arrays), source)
        series = cls(regressor, Lags(tuple(own["delays"]), tuple(own["exog_delays"])), list(own["target_names"]),
                     list(own["exog_names"]), np.asarray(arrays["narx/y_history"], dtype=np.float64),
                     arrays.get("narx/X_history"))
        if int(own["n_targets"]) != series.n_targets_ or int(own["n_exog"]) != series.n_exog_:
            raise ValueError(f"{own['n_targets']} target(s) and {own['n_exog']} exogenous column(s) do not match "
                             f"their names {series.target_names_} and {series.exog_names_}")
        if series.n_exog_ and series.X_history_ is None:
            raise ValueError("a NARX model file without its exogenous history")
        return series

    @property
    def n_targets_(self) -> int:
        return len(self.target_names_)

    @property
    def n_exog_(self) -> int:
        return len(self.exog_names_)

    def forecast(self, steps: int, y: Array, X_future: Array | None = None, *, X: Array | None = None,
                 return_std: bool = False) -> Array | tuple[Array, Array]:
        """Closed-loop forecasts of the ``steps`` times after the history ``y`` (with its exogenous ``X``), each
        step's prediction the y lag of the next; ``X_future`` ``(steps, n_exog)`` the exogenous values of the
        forecast times, complete where the lags reach them (``bpnn forecast`` checks both). As
        ``NARXRegressor.forecast``: ``(steps,)`` or ``(steps, n_targets)``, and with ``return_std`` (an ensemble)
        the standard deviation of the members' own closed-loop forecasts."""
        Y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        X_all = None
        if X is not None:  # NARX: the history's exogenous values, then the forecast times' (NaN where none is given)
            future = np.full((steps, self.n_exog_), np.nan) if X_future is None else X_future
            X_all = np.vstack([np.asarray(X, dtype=np.float64).reshape(len(X), -1),
                               np.asarray(future, dtype=np.float64).reshape(steps, -1)])
        mean = closed_loop(self.regressor_.predict, self.lags_, Y, X_all, steps)
        one = self.n_targets_ == 1
        if not return_std:
            return mean[:, 0] if one else mean
        if not self.regressor_.estimators_:
            raise ValueError("return_std needs an ensemble (ensemble=True): the spread of its members' forecasts")
        std = np.stack([closed_loop(member.predict, self.lags_, Y, X_all, steps)
                        for member in self.regressor_.estimators_]).std(axis=0)
        return (mean[:, 0], std[:, 0]) if one else (mean, std)


BUILDERS: dict[str, Callable[[dict, dict, str], object]] = {  # model kind -> its light view from (meta, arrays)
    "BPClassifier": lambda meta, arrays, source: FittedModel.from_state("BPClassifier", meta, arrays, source),
    "BPRegressor": lambda meta, arrays, source: FittedModel.from_state("BPRegressor", meta, arrays, source),
    "NARXRegressor": FittedSeries.from_state,
    "Network": lambda meta, arrays, source: (check_network(meta, arrays, source), network_from_state(meta, arrays))[1],
}


def fitted_of(contents: ModelFile) -> FittedModel | FittedSeries | Network:
    """The model a checked model file holds, as a :class:`FittedModel`, a :class:`FittedSeries` or a core Network,
    without importing an estimator class; an inconsistent file raises ModelFileError naming it."""
    with contents.checked():
        if contents.kind not in BUILDERS:
            raise ValueError(f"no light view of a {contents.kind}; this bpnn has one for {', '.join(BUILDERS)}")
        return BUILDERS[contents.kind](contents.meta, contents.arrays, contents.source)
