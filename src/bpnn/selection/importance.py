"""Which inputs matter: MIV, permutation, Garson and Olden importance, and partial dependence (with ICE).

:func:`importance` ranks the input columns of a fitted bpnn estimator (or of an ensemble: a list of them, or
one fitted with ``ensemble=True``) by one of four methods and returns a pandas DataFrame indexed by feature
name, most important first:

``importance``
    the method's value (below), never negative for MIV, Garson and Olden; for permutation, the mean drop
    of the score, which is negative when shuffling a column happened to help.
``percent``
    the share of the importance in percent: 100·importance / Σ|importance|.
``sign``
    +1 or -1 where the method has a direction (MIV and Olden on one output: do larger inputs raise the
    output or lower it?), NaN otherwise (permutation, Garson, text columns, several outputs at once).
``spread``
    the standard deviation over the permutation repeats (permutation) or over the ensemble's members
    (every method on an ensemble; for permutation on an ensemble, over every member's every repeat); NaN
    for one model and a method without repeats.
``<method>[<output>]``
    with several outputs (several regression targets, three or more classes), the signed value for each
    output; ``importance`` is then the mean of their magnitudes. ``target=`` picks one output instead.

The methods
-----------
``"miv"`` (mean impact value; Dombi et al. 1995; Jiang et al. 2008)
    Each numeric input x_j is moved to x_j·(1+δ) and to x_j·(1-δ) in its original units, every other input
    kept, and the model's output difference is averaged over the rows:
    MIV_j = 1/m Σ_i [f(x_i with x_ij·(1+δ)) - f(x_i with x_ij·(1-δ))]. The output f is ``predict`` for a
    regressor (in the target's units) and ``predict_proba`` for a classifier (the positive class's
    probability for two classes, each class's otherwise). importance = |MIV|, sign = sign(MIV). δ is
    ``delta`` (default 0.10). ``perturb="range"`` moves x_j by ±δ·(max - min of column j in X) instead,
    which does not depend on where the column's zero lies. MIV needs no labels.

    A text column has no x·(1±δ). Its value is the mean change of the output when a row's category is
    switched: 1/m Σ_i mean_{c ≠ c_i} |f(x_i with category c) - f(x_i)|, over the categories the model knows,
    with no sign. That is the effect of a full change of the column, not of a 10 % nudge, so it tends to
    exceed a numeric column's MIV: compare text columns by permutation importance.
``"permutation"`` (Breiman 2001), through :func:`sklearn.inspection.permutation_importance`
    The drop of the model's score (``scoring``; default the estimator's own: R² or accuracy) when one
    column's values are shuffled among the rows, ``n_repeats`` times. It needs the labels ``y``: a score
    compares predictions with true values. Text columns are shuffled whole, before the encoding.
``"garson"`` (Garson 1991; Goh 1995), for one hidden layer
    From the weights alone: c_ij = |w_ij|·|v_j|, each hidden unit's c_ij divided by its sum over the inputs,
    summed over hidden units and normalised to sum 1 over the inputs. The values are fractions, no sign.
``"olden"`` (Olden & Jackson 2002; Olden, Joy & Death 2004), any depth
    The signed product of the weight matrices, W1·W2·…·WL: for one hidden layer Σ_j w_ij·v_j.
    importance = |value|, sign = its sign.

Garson and Olden read ``coefs_``, which are in the network's scaled units (after ``scaling=``'s mapminmax
or standardisation, and with the constant input columns it removed, which get 0 here); they ignore the
biases and the shape of the activation functions. A text column's one-hot inputs are summed back into
the column (Garson: their shares; Olden: their magnitudes, so no sign).

Table models
------------
``encoder=`` (a :class:`bpnn.tables.FeatureEncoder`, what ``bpnn train`` keeps in a model file) makes ``X`` a
table of the original columns, text ones included: predictions encode it first, and every method reports
per table column. Without an encoder, ``X`` is what the estimator takes (an array, or a DataFrame if it
was fitted on one); names come from ``feature_names``, then ``feature_names_in_``, then ``x0, x1, …``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.metaestimators import available_if

from bpnn.files.fitted import ExtrapolationWarning

Array = np.ndarray

METHODS = ("miv", "permutation", "garson", "olden")
PERTURB = ("value", "range")
DEFAULT_DELTA = 0.10
DEFAULT_REPEATS = 10
DESCRIPTIONS = {
    "miv": "mean impact value: mean output change between x·(1+δ) and x·(1−δ), δ = {delta:g}",
    "miv-range": "mean impact value: mean output change between x ± δ·range, δ = {delta:g}",
    "permutation": "permutation importance: mean drop of the {scoring} when a column is shuffled ({n_repeats} repeats)",
    "garson": "Garson's relative importance from the weights (scaled units), one hidden layer",
    "olden": "Olden's connection weights W1·W2·…·WL (scaled units), signed",
}


# ---- the model as a function of the table's columns ------------------------------------------------
class TableModel(BaseEstimator):
    """A fitted estimator seen from the original table: ``predict``/``predict_proba``/``score`` take a DataFrame
    of the table's columns (text included), encode it with ``encoder`` (a :class:`bpnn.tables.FeatureEncoder`)
    when there is one, and pass it on. scikit-learn's inspection tools then shuffle or vary whole table
    columns, so a text column's one-hot inputs move together. Fitted only: ``fit`` refuses."""

    def __init__(self, estimator: object, encoder: object = None) -> None:
        self.estimator = estimator
        self.encoder = encoder

    def __sklearn_tags__(self):  # noqa: ANN204 - scikit-learn's Tags: those of the wrapped estimator
        return self.estimator.__sklearn_tags__()

    def __sklearn_is_fitted__(self) -> bool:
        return True

    @property
    def classes_(self) -> Array:
        return self.estimator.classes_

    def inputs(self, X: object) -> object:
        """What the estimator takes for the table rows ``X``."""
        if self.encoder is not None:
            return self.encoder.transform(X)
        if hasattr(self.estimator, "feature_names_in_") or not hasattr(X, "iloc"):
            return X
        return X.to_numpy()

    def fit(self, X: object, y: object = None) -> TableModel:
        raise TypeError("TableModel wraps a fitted estimator for inspection; fit the estimator itself")

    def predict(self, X: object) -> Array:
        return self.estimator.predict(self.inputs(X))

    @available_if(lambda self: hasattr(self.estimator, "predict_proba"))
    def predict_proba(self, X: object) -> Array:
        return self.estimator.predict_proba(self.inputs(X))

    def score(self, X: object, y: object, sample_weight: object = None) -> float:
        return self.estimator.score(self.inputs(X), y, sample_weight=sample_weight)


def is_classifier_model(estimator: object) -> bool:
    return hasattr(estimator, "predict_proba") and hasattr(estimator, "classes_")


def output_names(estimator: object, target_names: Sequence[str] | None = None) -> list[str]:
    """The outputs MIV, Garson and Olden report: the classes (the positive one only for two classes) or the
    regression targets (``target_names``, else ``y0, y1, …`` for several and ``y`` for one)."""
    if is_classifier_model(estimator):
        classes = [str(c) for c in estimator.classes_]
        return classes[1:] if len(classes) == 2 else classes
    k = getattr(estimator, "n_outputs_", 1)
    if target_names is not None:
        if len(target_names) != k:
            raise ValueError(f"target_names has {len(target_names)} names for a model of {k} output(s)")
        return [str(name) for name in target_names]
    return ["y"] if k == 1 else [f"y{i}" for i in range(k)]


def outputs(model: TableModel, frame: object) -> Array:
    """The outputs MIV differentiates, ``(m, k)``: regression predictions in the target's units, or class
    probabilities (the positive class's alone for two classes). x·(1±δ) steps past the training range at its ends
    by design, so no ExtrapolationWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExtrapolationWarning)
        if is_classifier_model(model.estimator):
            proba = np.asarray(model.predict_proba(frame), dtype=float)
            return proba[:, 1:] if proba.shape[1] == 2 else proba
        return np.asarray(model.predict(frame), dtype=float).reshape(len(frame), -1)


# ---- inputs -------------------------------------------------------------------------------------------
def feature_names_of(estimator: object, X: object, encoder: object, feature_names: Sequence[str] | None) -> list[str]:
    if encoder is not None:
        return list(encoder.feature_names)
    if feature_names is not None:
        return [str(name) for name in feature_names]
    if hasattr(X, "columns"):
        return [str(name) for name in X.columns]
    if hasattr(estimator, "feature_names_in_"):
        return [str(name) for name in estimator.feature_names_in_]
    n = X.shape[1] if X is not None else estimator.coefs_[0].shape[0] if hasattr(estimator, "coefs_") else None
    if n is None:
        raise ValueError("give X or feature_names: the model does not say how many inputs it has")
    n = getattr(estimator, "n_features_in_", n)
    return [f"x{i}" for i in range(n)]


def as_frame(X: object, names: list[str]) -> object:
    """``X`` as a DataFrame with the feature names as columns (a copy; rows renumbered from 0)."""
    import pandas as pd

    if hasattr(X, "iloc"):
        if [str(c) for c in X.columns] != names:
            missing = [name for name in names if name not in {str(c) for c in X.columns}]
            if missing:
                raise ValueError(f"X has no column {missing[0]!r}; the model's features are {', '.join(names)}")
            X = X[[c for c in X.columns if str(c) in names]]
            X = X[sorted(X.columns, key=lambda c: names.index(str(c)))]
        frame = X.reset_index(drop=True).copy()
        frame.columns = names
        return frame
    array = np.asarray(X)
    if array.ndim != 2 or array.shape[1] != len(names):
        raise ValueError(f"X must be a table of {len(names)} columns ({', '.join(names)}); got shape {array.shape}")
    return pd.DataFrame(array, columns=names)


def categories_of(frame: object, encoder: object) -> dict[str, list]:
    """The text columns and their categories: the encoder's, else the values found in ``frame``."""
    import pandas as pd

    if encoder is not None:
        return {name: list(categories) for name, categories in encoder.columns if categories is not None}
    return {name: sorted(frame[name].dropna().unique().tolist(), key=str) for name in frame.columns
            if not pd.api.types.is_numeric_dtype(frame[name].dtype) or frame[name].dtype == bool}


# ---- the methods, per model: values (n_features, n_outputs) or repeats (n_features, n_repeats) -----------
def miv_values(model: TableModel, frame: object, delta: float, perturb: str, categories: dict) -> tuple[Array, Array]:
    """(values (n_features, k), signed (n_features,) bool): MIV per numeric column and output; for a text
    column the mean |output change| of switching each row's category (see the module docstring)."""
    n_outputs = outputs(model, frame.iloc[:1]).shape[1]
    values = np.empty((frame.shape[1], n_outputs))
    signed = np.ones(frame.shape[1], dtype=bool)
    for j, name in enumerate(frame.columns):
        if name in categories:
            values[j] = switch_effect(model, frame, name, categories[name])
            signed[j] = False
            continue
        x = frame[name].to_numpy(dtype=float)
        up, down = frame.copy(), frame.copy()
        if perturb == "value":  # the papers' MIV: x·(1+δ) and x·(1-δ)
            up[name], down[name] = x * (1 + delta), x * (1 - delta)
        else:  # ±δ·range, the same step for every row
            step = delta * (x.max() - x.min())
            up[name], down[name] = x + step, x - step
        values[j] = np.mean(outputs(model, up) - outputs(model, down), axis=0)
    return values, signed


def switch_effect(model: TableModel, frame: object, name: str, categories: list) -> Array:
    """1/m Σ_i mean_{c ≠ c_i} |f(x_i with category c) - f(x_i)|, per output."""
    base = outputs(model, frame)
    current = frame[name].astype(str).to_numpy()
    total = np.zeros_like(base)
    others = np.zeros(len(frame))
    for category in categories:
        switched = frame.copy()
        switched[name] = category
        differs = current != str(category)  # a row already in this category does not count
        total += np.abs(outputs(model, switched) - base) * differs[:, None]
        others += differs
    return np.mean(total / np.maximum(others, 1)[:, None], axis=0)


def permutation_values(model: TableModel, frame: object, y: object, scoring: object, n_repeats: int,
                       random_state: object, n_jobs: int | None) -> Array:
    """The score drops ``(n_features, n_repeats)`` of :func:`sklearn.inspection.permutation_importance`."""
    from sklearn.inspection import permutation_importance

    result = permutation_importance(model, frame, y, scoring=scoring, n_repeats=n_repeats, random_state=random_state,
                                    n_jobs=n_jobs)
    return np.asarray(result.importances, dtype=float)


def network_weights(estimator: object) -> list[Array]:
    if not hasattr(estimator, "coefs_"):
        raise ValueError(f"Garson and Olden importance read a network's weights (coefs_), which "
                         f"{type(estimator).__name__} does not have; use method='miv' or 'permutation'")
    return [np.asarray(W, dtype=float) for W in estimator.coefs_]


def garson_weights(weights: Sequence[Array]) -> Array:
    """Garson's relative importance ``(n_inputs, n_outputs)`` of a one-hidden-layer network: per output k,
    c_ijk = |w_ij|·|v_jk|, r_ijk = c_ijk / Σ_i c_ijk, S_ik = Σ_j r_ijk, RI_ik = S_ik / Σ_i S_ik."""
    if len(weights) != 2:
        raise ValueError(f"Garson's algorithm is defined for one hidden layer; this network has {len(weights) - 1}; "
                         f"use method='olden', which takes any depth")
    W, V = np.abs(weights[0]), np.abs(weights[1])  # (n_in, n_hidden), (n_hidden, n_out)
    c = W[:, :, None] * V[None, :, :]  # (n_in, n_hidden, n_out)
    column = c.sum(axis=0, keepdims=True)
    r = np.divide(c, column, out=np.zeros_like(c), where=column > 0)  # a dead hidden unit shares nothing
    S = r.sum(axis=1)  # (n_in, n_out)
    total = S.sum(axis=0, keepdims=True)
    return np.divide(S, total, out=np.zeros_like(S), where=total > 0)


def olden_weights(weights: Sequence[Array]) -> Array:
    """Olden's connection weights ``(n_inputs, n_outputs)``: the product W1·W2·…·WL (signed)."""
    product = weights[0]
    for W in weights[1:]:
        product = product @ W
    return product


def kept_inputs(estimator: object, n_inputs: int) -> Array:
    """Indices of the estimator's inputs that reach the network (``x_scaler_`` removes constant columns)."""
    scaler = getattr(estimator, "x_scaler_", None)
    steps = getattr(scaler, "steps", [])
    keep = getattr(steps[0], "keep", None) if steps else None
    return np.arange(n_inputs) if keep is None else np.flatnonzero(keep)


def weight_values(estimator: object, method: str, names: list[str], encoder: object) -> tuple[Array, Array]:
    """(values (n_features, k), signed (n_features,)) of Garson or Olden per table column: the network's
    rows put back in the estimator's input positions (removed constant inputs 0), one-hot inputs summed."""
    weights = network_weights(estimator)
    per_input = garson_weights(weights) if method == "garson" else olden_weights(weights)
    n_inputs = len(encoder.input_names) if encoder is not None else getattr(estimator, "n_features_in_", len(names))
    full = np.zeros((n_inputs, per_input.shape[1]))
    full[kept_inputs(estimator, n_inputs)] = per_input
    if encoder is None:
        return full, np.full(len(names), method == "olden")
    values, signed, start = np.empty((len(names), full.shape[1])), np.zeros(len(names), dtype=bool), 0
    for j, (_, categories) in enumerate(encoder.columns):
        width = 1 if categories is None else len(categories)
        block = full[start:start + width]
        values[j] = block[0] if categories is None else np.abs(block).sum(axis=0)
        signed[j] = method == "olden" and categories is None
        start += width
    return values, signed


# ---- the function ---------------------------------------------------------------------------------------
def importance(model: object, X: object = None, y: object = None, method: str = "miv", *, delta: float = DEFAULT_DELTA,
               perturb: str = "value", n_repeats: int = DEFAULT_REPEATS, scoring: object = None, random_state: object = 0,
               n_jobs: int | None = None, target: object = None, target_names: Sequence[str] | None = None,
               feature_names: Sequence[str] | None = None, encoder: object = None):
    """How much each input of ``model`` matters, by ``method`` (``"miv"``, ``"permutation"``, ``"garson"``,
    ``"olden"``): a DataFrame indexed by feature name, most important first, with ``importance``,
    ``percent``, ``sign`` and ``spread`` (see the module docstring for each method and column).

    ``model`` is a fitted bpnn estimator (any fitted scikit-learn estimator for MIV and permutation), or an
    ensemble: a list or tuple of them, or a bpnn estimator fitted with ``ensemble=True`` (its ``estimators_``).
    Each member is judged on its own, ``importance`` is the members' mean and ``spread`` their standard
    deviation. ``X`` holds the rows to judge on, in original units
    (not needed by Garson and Olden); ``y`` their targets, which permutation needs. ``target`` keeps one
    output (a class label, a target name or an output index) of a model with several. ``encoder`` (a
    :class:`bpnn.tables.FeatureEncoder`) makes ``X`` the original table, text columns included.
    """
    import pandas as pd

    members = ensemble_members(model)
    if not members:
        raise ValueError("an ensemble needs at least one fitted model; got an empty list")
    if method not in METHODS:
        raise ValueError(f"unknown importance method {method!r}; choose one of {', '.join(METHODS)}")
    if perturb not in PERTURB:
        raise ValueError(f"unknown perturb {perturb!r}; choose one of {', '.join(PERTURB)}")
    if method == "miv" and not (0 < delta < 1):
        raise ValueError(f"delta is the relative change of MIV, between 0 and 1 (0.1 moves x to x·1.1 and x·0.9); got {delta!r}")
    if method == "permutation" and (not isinstance(n_repeats, Integral) or n_repeats < 1):
        raise ValueError(f"n_repeats must be a positive whole number; got {n_repeats!r}")
    if method in ("miv", "permutation") and X is None:
        raise ValueError(f"{method} importance predicts for rows: give X")
    if method == "permutation" and y is None:
        raise ValueError("permutation importance needs labelled data: it measures how much the score drops when a "
                         "column is shuffled, and a score compares predictions with the true targets y; give y, or use "
                         "method='miv' (no labels needed)")
    first = members[0]
    names = feature_names_of(first, X, encoder, feature_names)
    frame = None if X is None else as_frame(X, names)
    outs = output_names(first, target_names)
    if any(output_names(member, target_names) != outs for member in members[1:]):
        raise ValueError("the models of an ensemble must have the same outputs (classes or targets)")
    keep = select_output(outs, target) if method != "permutation" else None
    categories = categories_of(frame, encoder) if frame is not None else {}

    per_member = []  # values (n_features, k) or score drops (n_features, n_repeats)
    for member in members:
        wrapped = TableModel(member, encoder)
        if method == "miv":
            values, signed = miv_values(wrapped, frame, delta, perturb, categories)
        elif method == "permutation":
            values, signed = permutation_values(wrapped, frame, y, scoring, n_repeats, random_state, n_jobs), None
        else:
            values, signed = weight_values(member, method, names, encoder)
        per_member.append(values)
    stack = np.stack(per_member)  # (members, n_features, k or repeats)

    columns: dict[str, object] = {}
    if method == "permutation":
        importance_ = stack.mean(axis=(0, 2))
        pooled = stack.transpose(1, 0, 2).reshape(len(names), -1)
        spread = pooled.std(axis=1, ddof=1) if pooled.shape[1] > 1 else np.full(len(names), np.nan)
        sign = np.full(len(names), np.nan)
    else:
        if keep is not None:
            stack, shown = stack[:, :, [keep]], [outs[keep]]
        else:
            shown = outs
        magnitude = np.abs(stack).mean(axis=2)  # (members, n_features)
        importance_ = magnitude.mean(axis=0)
        spread = magnitude.std(axis=0, ddof=1) if len(members) > 1 else np.full(len(names), np.nan)
        mean_values = stack.mean(axis=0)  # (n_features, k)
        sign = np.where(signed & (mean_values.shape[1] == 1), np.sign(mean_values[:, 0]), np.nan)
        if len(shown) > 1:
            columns = {f"{method}[{name}]": mean_values[:, i] for i, name in enumerate(shown)}
    total = np.sum(np.abs(importance_))
    percent = 100 * importance_ / total if total > 0 else np.zeros(len(names))
    table = pd.DataFrame({"importance": importance_, "percent": percent, "sign": sign, "spread": spread, **columns},
                         index=pd.Index(names, name="feature"))
    table = table.iloc[np.argsort(-table["importance"].to_numpy(), kind="stable")]
    if scoring is None:  # the estimator's own score
        scoring_name = "accuracy" if is_classifier_model(first) else "R²"
    else:
        scoring_name = scoring if isinstance(scoring, str) else "score"
    key = "miv-range" if method == "miv" and perturb == "range" else method
    table.attrs.update({
        "method": method, "description": DESCRIPTIONS[key].format(delta=delta, scoring=scoring_name, n_repeats=n_repeats),
        "outputs": outs if keep is None else [outs[keep]], "members": len(members), "rows": 0 if frame is None else len(frame),
    })
    return table


def ensemble_members(model: object) -> list:
    """The models to judge one by one: a list or tuple's items, a bpnn estimator fitted with ``ensemble=True``'s
    members (``estimators_``), else the model alone."""
    if isinstance(model, (list, tuple)):
        return list(model)
    if getattr(model, "ensemble", False) is True and getattr(model, "estimators_", None):
        return list(model.estimators_)
    return [model]


def select_output(outs: list[str], target: object) -> int | None:
    """The index of the output ``target`` names (a name, class label or index), None for every output."""
    if target is None:
        return None if len(outs) > 1 else 0
    if str(target) in outs:
        return outs.index(str(target))
    if isinstance(target, Integral) and not isinstance(target, bool) and -len(outs) <= target < len(outs):
        return int(target) % len(outs)
    raise ValueError(f"unknown target {target!r}; the model's outputs are {', '.join(outs)}"
                     + (" (for two classes, the positive class's probability)" if len(outs) == 1 else ""))


# ---- partial dependence and ICE ---------------------------------------------------------------------------
def partial_dependence(model: object, X: object, features: Sequence[object] | None = None, *, kind: str = "both",
                       grid_resolution: int = 50, encoder: object = None, feature_names: Sequence[str] | None = None,
                       target_names: Sequence[str] | None = None) -> list[dict]:
    """Partial dependence (and, with ``kind="both"`` or ``"individual"``, ICE curves) of ``model`` on each of
    ``features`` (names or positions; default every feature), through
    :func:`sklearn.inspection.partial_dependence` on the original table (text columns as categories).

    Returns one dict per feature: ``feature``, ``grid`` (the values, in original units), ``categorical``,
    ``outputs`` (names), ``average`` ``(k, n_grid)`` and ``individual`` ``(k, m, n_grid)`` or None; for a
    classifier the outputs are class probabilities (the positive class's alone for two classes). Plot them
    with :func:`bpnn.reports.importance_plots.plot_partial_dependence`.
    """
    from sklearn.inspection import partial_dependence as sklearn_partial_dependence

    if kind not in ("average", "individual", "both"):
        raise ValueError(f"unknown kind {kind!r}; choose average, individual or both")
    names = feature_names_of(model, X, encoder, feature_names)
    frame = as_frame(X, names)
    categories = categories_of(frame, encoder)
    chosen = names if features is None else [names[f] if isinstance(f, Integral) else str(f) for f in features]
    unknown = [name for name in chosen if name not in names]
    if unknown:
        raise ValueError(f"no feature {unknown[0]!r}; the features are {', '.join(names)}")
    wrapped = TableModel(model, encoder)
    outs = output_names(model, target_names)
    curves = []
    for name in chosen:
        categorical = name in categories
        column = frame if not categorical else frame.astype({name: object})
        result = sklearn_partial_dependence(
            wrapped, column, [name], kind=kind, grid_resolution=grid_resolution,
            categorical_features=[name] if categorical else None,
            custom_values={name: list(categories[name])} if categorical else None)
        grid = np.asarray(result["grid_values"][0])
        average = np.asarray(result["average"]) if "average" in result else None
        individual = np.asarray(result["individual"]) if "individual" in result else None
        if average is None:
            average = individual.mean(axis=1)
        curves.append({"feature": name, "grid": grid, "categorical": categorical, "outputs": outs,
                       "average": average.reshape(len(outs), -1),
                       "individual": None if individual is None else individual.reshape(len(outs), len(frame), -1)})
    return curves
