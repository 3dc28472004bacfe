"""NARXRegressor: NAR and NARX time-series networks (MATLAB's narnet, narxnet, preparets and closeloop) on a
:class:`~bpnn.estimators.BPRegressor`.

The model predicts y_t from y_{t-d}, d in ``delays``, and (NARX) from x_{t-e}, e in ``exog_delays``. ``fit(y, X)``
builds those lagged inputs itself (:func:`bpnn.series.lag_matrix`: the rows t = max_lag .. n-1) and trains one
BPRegressor (``regressor_``) on them open-loop ("teacher forcing": the inputs are the measured past, never the
network's own outputs). Its division is time-ordered by default (``division="block"``: the first 70 % of the rows
train, the next 15 % validate, the last 15 % test), and the scaling is fitted on the training rows only, so nothing
of the validation or test period reaches training. ``predict`` is the one-step-ahead prediction (every input
measured); ``forecast`` runs closed-loop: each prediction is fed back as the next step's y lag.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_is_fitted

from bpnn.estimators.base import keep_arguments
from bpnn.estimators.regressor import BPRegressor
from bpnn.files.fitted import ExtrapolationWarning, series_state
from bpnn.series import Lags, as_lags, as_series, closed_loop, lag_matrix

Array = np.ndarray
OWN_PARAMETERS = ("delays", "exog_delays")


def names_of(values: object, prefix: str, n: int) -> list[str]:
    """Column names: a DataFrame's (or a named Series'), else ``prefix`` (one column) or ``prefix1..prefixN``."""
    columns = getattr(values, "columns", None)
    if columns is not None:
        return [str(name) for name in columns]
    name = getattr(values, "name", None)
    if name is not None and n == 1:
        return [str(name)]
    return [prefix] if n == 1 else [f"{prefix}{j + 1}" for j in range(n)]


def first_missing(array: Array) -> tuple[int, int] | None:
    """(row, column) of the first non-finite value, None when all are finite."""
    bad = np.argwhere(~np.isfinite(array))
    return None if not len(bad) else (int(bad[0][0]), int(bad[0][1]))


class NARXRegressor(RegressorMixin, BaseEstimator):
    """A NAR (no exogenous input) or NARX network for one or several time series, trained open-loop and
    forecasting closed-loop; MATLAB's ``narxnet(1:2, 1:2, 10)`` with ``preparets`` and ``closeloop``.

    Parameters
    ----------
    delays : int or list of int, default=2
        The target's own lags d >= 1 that feed y_t: P means 1..P (MATLAB's ``1:P``), a list the lags listed,
        gaps allowed (``[1, 2, 12]``).
    exog_delays : int or list of int, default=2
        The exogenous inputs' lags e >= 0 (0 is x_t itself): Q means 1..Q, a list the lags listed
        (``[0, 1, 2]``). Unused without X (NAR).
    hidden_layer_sizes, activation, solver, alpha, max_iter, scaling, division, ... :
        BPRegressor's parameters, passed to ``regressor_``. The defaults are MATLAB's narxnet: 10 tanh units,
        Levenberg–Marquardt (``solver="lm"``) for up to 1000 epochs, no weight penalty, mapminmax scaling and
        a time-ordered division (``division="block"``, 70/15/15) with validation stop after 6 failures.

    Attributes
    ----------
    regressor_ : BPRegressor
        The network trained on the lag matrix; its fitted attributes (``history_``, ``division_``,
        ``test_scores_``, ``network_``, ...) read through this estimator too. ``division_`` numbers the rows of
        the lag matrix: row i is time ``i + lags_.max_lag``.
    lags_ : bpnn.series.Lags
        The lags used (sorted; no exog_delays for NAR).
    n_targets_, n_exog_ : int
        The number of target series and of exogenous columns (0 for NAR).
    target_names_, exog_names_ : list of str
        Their names (a DataFrame's columns, else y, y1.., x, x1..).
    y_history_, X_history_ : ndarray
        The last ``max_lag`` time steps of the training series (X_history_ None for NAR): where ``forecast``
        starts when it is given no history.
    """

    def __init__(self, delays=2, exog_delays=2, hidden_layer_sizes=(10,), activation="tanh", *, solver="lm",
                 loss="squared_error", alpha=0.0, batch_size="auto", learning_rate="adaptive", learning_rate_init=0.02,
                 power_t=0.5, max_iter=1000, shuffle=True, random_state=None, tol=1e-4, verbose=False,
                 warm_start=False, momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 monitor="val_loss", init="glorot_uniform", dtype=None, callbacks=None, solver_options=None,
                 max_fail=None, scaling="mapminmax", scaling_range=(-1.0, 1.0), division="block",
                 division_ratios=(0.7, 0.15, 0.15), division_indices=None, n_init=1, ensemble=False,
                 division_random_state=None):
        keep_arguments(self, locals())

    # ---- the network's parameters, the lags ----------------------------------------------------------
    def _regressor_params(self) -> dict:
        own = self.get_params(deep=False)
        return {name: own[name] for name in BPRegressor().get_params(deep=False) if name in own}

    def _lags(self, exogenous: bool) -> Lags:
        return Lags(as_lags(self.delays, "delays", first=1),
                    as_lags(self.exog_delays, "exog_delays", first=0) if exogenous else ())

    def __getattr__(self, name: str) -> object:
        """The fitted attributes of ``regressor_`` (history_, division_, network_, ...) read through."""
        if name.endswith("_") and not name.startswith("__") and name != "regressor_":
            regressor = self.__dict__.get("regressor_")
            if regressor is not None:
                return getattr(regressor, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    # ---- series checks ---------------------------------------------------------------------------------
    def _series(self, y: object, X: object, *, fitting: bool) -> tuple[Array, Array | None]:
        """y ``(n, n_targets)`` and X ``(n, n_exog)`` or None, complete, checked against the fitted shapes."""
        Y = as_series(y, "y")
        Xa = None if X is None else as_series(X, "X")
        if Xa is not None and len(Xa) != len(Y):
            raise ValueError(f"X has {len(Xa)} time steps and y {len(Y)}; give X and y for the same times")
        if not fitting:
            if Y.shape[1] != self.n_targets_:
                raise ValueError(f"y has {Y.shape[1]} series; the model was fitted on {self.n_targets_}")
            if self.n_exog_ and Xa is None:
                raise ValueError(f"the model was fitted with {self.n_exog_} exogenous column(s) X; give X for the same "
                                 f"times as y")
            if Xa is not None and Xa.shape[1] != self.n_exog_:
                raise ValueError(f"X has {Xa.shape[1]} columns; the model was fitted on {self.n_exog_} "
                                 f"({', '.join(self.exog_names_) or 'none: a NAR model takes no X'})")
        for array, name in ((Y, "y"), (Xa, "X")):
            spot = None if array is None else first_missing(array)
            if spot is not None:
                raise ValueError(f"{name} has a missing or infinite value at time step {spot[0]} (column {spot[1]}); "
                                 f"the lags need a complete series: fill the gap or start after it")
        return Y, Xa

    # ---- fit, predict, forecast ---------------------------------------------------------------------
    def fit(self, y: object, X: object = None) -> NARXRegressor:
        """Train open-loop on the series y ``(n_times,)`` or ``(n_times, n_targets)`` and, for NARX, the
        exogenous inputs X ``(n_times, n_exog)`` at the same times."""
        Y, Xa = self._series(y, X, fitting=True)
        lags = self._lags(Xa is not None)
        inputs, targets = lag_matrix(Y, lags.delays, Xa, lags.exog_delays or ())
        regressor = BPRegressor(**self._regressor_params())
        regressor.fit(inputs, targets[:, 0] if targets.shape[1] == 1 else targets)
        self.regressor_ = regressor
        self.lags_ = lags
        self.n_targets_, self.n_exog_ = Y.shape[1], 0 if Xa is None else Xa.shape[1]
        self.target_names_ = names_of(y, "y", self.n_targets_)
        self.exog_names_ = [] if Xa is None else names_of(X, "x", self.n_exog_)
        self.y_history_ = Y[-lags.max_lag:].copy()
        self.X_history_ = None if Xa is None else Xa[-lags.max_lag:].copy()
        return self

    def lag_matrix(self, y: object, X: object = None) -> tuple[Array, Array]:
        """(inputs, targets) of the series as the fitted model sees them (:func:`bpnn.series.lag_matrix`)."""
        check_is_fitted(self)
        Y, Xa = self._series(y, X, fitting=False)
        return lag_matrix(Y, self.lags_.delays, Xa, self.lags_.exog_delays or ())

    def predict(self, y: object, X: object = None) -> Array:
        """One-step-ahead predictions for every time of the series (every input measured): ``(n_times,)`` for one
        target series, ``(n_times, n_targets)`` for several; the first ``lags_.max_lag`` times, which lack
        lags, are NaN."""
        inputs, _ = self.lag_matrix(y, X)
        out = np.full((len(inputs) + self.lags_.max_lag, self.n_targets_), np.nan)
        out[self.lags_.max_lag:] = self.regressor_.predict(inputs).reshape(len(inputs), -1)
        return out[:, 0] if self.n_targets_ == 1 else out

    def score(self, y: object, X: object = None) -> float:
        """R² of the one-step-ahead predictions over the times that have them."""
        inputs, targets = self.lag_matrix(y, X)
        return float(r2_score(targets, self.regressor_.predict(inputs).reshape(targets.shape)))

    def forecast(self, steps: int, y: object = None, X_future: object = None, *, X: object = None,
                 return_std: bool = False) -> Array | tuple[Array, Array]:
        """Closed-loop forecasts of the ``steps`` times after the history: each step's prediction becomes the
        y lag of the next. The history is ``y`` (with its exogenous ``X`` for NARX), else the end of the training
        series. ``X_future`` holds the exogenous values of the forecast times (row k: step k+1); the rows the
        lags reach must be complete (with lags >= 1 the last ones are not needed).

        Returns ``(steps,)`` for one target series, ``(steps, n_targets)`` for several; ``return_std=True`` (an
        ensemble) adds the standard deviation of the members' own closed-loop forecasts.
        """
        check_is_fitted(self)
        if not (isinstance(steps, (int, np.integer)) and not isinstance(steps, bool) and steps >= 1):
            raise ValueError(f"steps must be a positive integer, the number of times to forecast; got {steps!r}")
        lags = self.lags_
        if y is None:
            if X is not None:
                raise ValueError("X is the exogenous history that goes with y; give y too, or neither to start "
                                 "from the end of the training series")
            Y, Xa = self.y_history_, self.X_history_
        else:
            Y, Xa = self._series(y, X, fitting=False)
            if len(Y) < lags.max_lag:
                raise ValueError(f"y has {len(Y)} time steps; the largest lag is {lags.max_lag}, so the forecast needs "
                                 f"at least {lags.max_lag}")
        X_all = None if Xa is None else np.vstack([Xa, self._future(X_future, steps)])
        if Xa is None and X_future is not None:
            raise ValueError("X_future is for a NARX model's exogenous inputs; this model was fitted without X (NAR)")
        members = getattr(self.regressor_, "estimators_", None) or []
        with warnings.catch_warnings():  # the lags fed back are the model's own forecasts, not inputs to judge
            warnings.simplefilter("ignore", ExtrapolationWarning)
            mean = closed_loop(self.regressor_.predict, lags, Y, X_all, steps)
            if return_std and members:
                paths = np.stack([closed_loop(member.predict, lags, Y, X_all, steps) for member in members])
        if not return_std:
            return mean[:, 0] if self.n_targets_ == 1 else mean
        if not members:
            raise ValueError("return_std needs an ensemble (ensemble=True): the spread of its members' forecasts")
        std = paths.std(axis=0)
        return (mean[:, 0], std[:, 0]) if self.n_targets_ == 1 else (mean, std)

    def _future(self, X_future: object, steps: int) -> Array:
        """X_future as ``(steps, n_exog)`` (rows past the last needed one may be absent: NaN); ValueError naming
        the first needed row that is missing or incomplete."""
        needed = steps - min(self.lags_.exog_delays)  # rows 0..needed-1 are reached by the lags
        if X_future is None:
            if needed > 0:
                raise ValueError(f"this NARX model needs the exogenous inputs of the forecast times: give X_future with "
                                 f"{needed} row(s) ({', '.join(self.exog_names_)}), row k for step k+1")
            return np.full((steps, self.n_exog_), np.nan)
        future = as_series(X_future, "X_future")
        if future.shape[1] != self.n_exog_:
            raise ValueError(f"X_future has {future.shape[1]} columns; the model was fitted on {self.n_exog_} "
                             f"({', '.join(self.exog_names_)})")
        if len(future) < needed:
            raise ValueError(f"X_future has {len(future)} rows but forecasting {steps} steps needs {needed}: row "
                             f"{len(future)} (step {len(future) + 1}) is missing; give the exogenous values of every "
                             f"forecast time")
        spot = first_missing(future[:needed])
        if spot is not None:
            raise ValueError(f"X_future row {spot[0]} (step {spot[0] + 1}) has no value in column "
                             f"{self.exog_names_[spot[1]]!r}; the forecast needs it: give the exogenous value of "
                             f"that time or forecast fewer steps")
        padded = np.full((steps, self.n_exog_), np.nan)
        padded[:min(steps, len(future))] = future[:steps]
        return padded

    # ---- model files ----------------------------------------------------------------------------------
    def _to_state(self) -> tuple[dict, dict[str, Array]]:
        """The regressor's state (:mod:`bpnn.estimators.state`) with the series' own under ``narx``."""
        check_is_fitted(self)
        meta, arrays = self.regressor_._to_state()
        meta["narx"] = {"delays": list(self.lags_.delays), "exog_delays": list(self.lags_.exog_delays),
                        "params": {name: _plain(getattr(self, name)) for name in OWN_PARAMETERS},
                        "n_targets": self.n_targets_, "n_exog": self.n_exog_, "target_names": self.target_names_,
                        "exog_names": self.exog_names_}
        arrays["narx/y_history"] = self.y_history_
        if self.X_history_ is not None:
            arrays["narx/X_history"] = self.X_history_
        return meta, arrays

    @classmethod
    def _from_state(cls, meta: dict, arrays: dict[str, Array]) -> NARXRegressor:
        own = meta["narx"]
        regressor = BPRegressor._from_state(*series_state(meta, arrays))
        params = {name: value for name, value in regressor.get_params(deep=False).items()
                  if name in cls().get_params(deep=False)}
        est = cls(**params, **own["params"])
        est.regressor_ = regressor
        est.lags_ = Lags(tuple(own["delays"]), tuple(own["exog_delays"]))
        est.n_targets_, est.n_exog_ = int(own["n_targets"]), int(own["n_exog"])
        est.target_names_, est.exog_names_ = list(own["target_names"]), list(own["exog_names"])
        est.y_history_ = np.asarray(arrays["narx/y_history"], dtype=np.float64)
        est.X_history_ = arrays.get("narx/X_history")
        if est.n_exog_ and est.X_history_ is None:
            raise ValueError("a NARX model file without its exogenous history")
        return est


def _plain(value: object) -> object:
    return list(value) if isinstance(value, (tuple, list, range)) else int(value) if isinstance(value, np.integer) \
        else value
