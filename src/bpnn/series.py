"""Time series as regression rows: the lag matrix of NAR and NARX networks (MATLAB's ``preparets``), NumPy only.

A NARX model predicts y_t from the target's own past, y_{t-d} for d in ``delays`` (each d >= 1), and from the
exogenous inputs' present and past, x_{t-e} for e in ``exog_delays`` (each e >= 0). :func:`lag_matrix` turns
series of ``n`` time steps into the rows t = max_lag .. n-1, the first times whose every lag exists:

- columns: for each target series j and each d in ``delays`` (ascending), y[t-d, j]; then for each exogenous
  column c and each e in ``exog_delays`` (ascending), X[t-e, c];
- targets: y[t, :].

:func:`closed_loop` runs a fitted model closed-loop (MATLAB's ``closeloop``): each forecast becomes the next step's lag.

Gaps in the delays (``[1, 2, 12]``) are simply the lags listed. Nothing here looks at the future of a row: its
inputs are values at times before t (and X at t when 0 is among ``exog_delays``), so any split of the rows by
time trains on the past only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Integral

import numpy as np

Array = np.ndarray


def as_lags(value: object, name: str, *, first: int) -> tuple[int, ...]:
    """``value`` as sorted, distinct lags: an int P is the lags 1..P (MATLAB's ``1:P``), a sequence its own
    members; ValueError naming ``name`` unless integers >= ``first`` (0 only in a list: ``[0, 1, 2]``)."""
    if isinstance(value, Integral) and not isinstance(value, bool):
        if value < 1:
            raise ValueError(f"{name} must be a positive number of lags P (the lags 1..P) or a list of lags >= "
                             f"{first}; got {value!r}")
        return tuple(range(1, int(value) + 1))
    try:
        lags = list(value)
    except TypeError:
        lags = None
    if not lags or not all(isinstance(d, Integral) and not isinstance(d, bool) and d >= first for d in lags):
        raise ValueError(f"{name} must be a positive number of lags P (the lags 1..P) or a non-empty list of integer "
                         f"lags >= {first}, such as [1, 2, 12]; got {value!r}")
    return tuple(sorted({int(d) for d in lags}))


def as_series(values: object, name: str) -> Array:
    """``values`` as a float array ``(n_times, n_columns)`` (a 1-D series is one column)."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2:
        raise ValueError(f"{name} must be a series (n_times,) or several series (n_times, n_columns); got an array of "
                         f"shape {array.shape}")
    return array


@dataclass(frozen=True)
class Lags:
    """The lags of a NARX model and the names of its input columns."""

    delays: tuple[int, ...]
    exog_delays: tuple[int, ...] = ()

    @property
    def max_lag(self) -> int:
        return max((*self.delays, *self.exog_delays))

    def columns(self, targets: Sequence[str], exog: Sequence[str] = ()) -> list[str]:
        """The lag matrix's column names, such as ``y[t-1]`` and ``x[t]``."""
        def at(lag: int) -> str:
            return "[t]" if lag == 0 else f"[t-{lag}]"
        return ([f"{name}{at(d)}" for name in targets for d in self.delays]
                + [f"{name}{at(e)}" for name in exog for e in self.exog_delays])

    def row(self, y: Array, X: Array | None, t: int) -> Array:
        """The inputs of the row for time ``t`` (y and X indexed by time; ``t`` may be one past y's end)."""
        parts = [y[t - d] for d in self.delays]
        own = np.stack(parts, axis=1).ravel()  # per target series, its lags in order
        if X is None or not self.exog_delays:
            return own
        return np.concatenate([own, np.stack([X[t - e] for e in self.exog_delays], axis=1).ravel()])


def lag_matrix(y: object, delays: object, X: object = None, exog_delays: object = ()) -> tuple[Array, Array]:
    """(inputs, targets) of the rows t = max_lag .. n-1 (see the module docstring): inputs
    ``(n - max_lag, n_targets·len(delays) + n_exog·len(exog_delays))``, targets ``(n - max_lag, n_targets)``."""
    y = as_series(y, "y")
    X = None if X is None else as_series(X, "X")
    lags = Lags(as_lags(delays, "delays", first=1), as_lags(exog_delays, "exog_delays", first=0) if X is not None else ())
    if X is not None and len(X) != len(y):
        raise ValueError(f"X has {len(X)} time steps and y {len(y)}; give both for the same times")
    start = lags.max_lag
    if len(y) <= start:
        raise ValueError(f"y has {len(y)} time steps; the largest lag is {start}, so there is no row to learn from; "
                         f"give a longer series or smaller delays")
    times = np.arange(start, len(y))
    blocks = [y[times - d] for d in lags.delays]  # each (rows, n_targets)
    inputs = np.stack(blocks, axis=2).reshape(len(times), -1)  # target j's lags together
    if X is not None and lags.exog_delays:
        exog = np.stack([X[times - e] for e in lags.exog_delays], axis=2).reshape(len(times), -1)
        inputs = np.hstack([inputs, exog])
    return inputs, y[times]


def closed_loop(predict: Callable[[Array], Array], lags: Lags, y: Array, X: Array | None, steps: int) -> Array:
    """Closed-loop forecasts ``(steps, n_targets)`` of the times after the history ``y`` ``(n, n_targets)``: each
    step's prediction (``predict`` of one row of lags) becomes the y lag of the next; ``X`` holds the exogenous
    values of the history and the forecast times (None for NAR)."""
    series = np.vstack([y, np.full((steps, y.shape[1]), np.nan)])
    start = len(y)
    for t in range(start, start + steps):
        row = lags.row(series, X, t)
        series[t] = np.asarray(predict(row[None, :]), dtype=np.float64).reshape(-1)  # ŷ_t, fed back as y_t
    return series[start:]
