"""NAR/NARX networks (bpnn.NARXRegressor) against baselines and statsmodels on series that ship with statsmodels,
and on a nonlinear NARX plant of our own: closed-loop multi-step forecasts from one origin, RMSE.

    pip install statsmodels          # the real series and the AutoReg/ARIMA/ETS fits
    python bench/bench_narx.py       # about a minute; prints the tables (bench/narx.md keeps one run)

Protocol. Each series is cut at an origin: everything before trains (the network's own block division takes its
validation and test rows from the end of that part), the next H steps are forecast closed loop and scored by
RMSE. Every model sees the same training part and the same lags:

- naive: the last value repeated; seasonal naive: the value one season before;
- linear AR on the same lags: least squares on the lag matrix (bpnn.series.lag_matrix), run closed loop;
- statsmodels AutoReg on the same lags, an ARIMA/SARIMA of a textbook order and additive Holt-Winters (ETS);
- the network: NARXRegressor with MATLAB's defaults (lm, tanh, mapminmax, block division 70/15/15) and a small
  hidden layer, over 5 seeds (mean ± standard deviation of the RMSE), and the ensemble of those 5 (ensemble=True).

The series: sunspots (yearly, 1700–2008, season 11, H = 20), Mauna Loa CO2 (weekly resampled to monthly means,
season 12, H = 24), El Niño sea-surface temperatures (monthly 1950–2010, season 12, H = 24), and the nonlinear
plant y_t = y_{t-1} y_{t-2} (y_{t-1} + 2.5) / (1 + y_{t-1}² + y_{t-2}²) + x_{t-1} (Narendra and Parthasarathy; x
uniform on [-2, 2], known in the future; H = 100) with a linear ARX and AutoReg with the exogenous input.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from bpnn.datasets import narendra_plant
from bpnn.estimators import NARXRegressor
from bpnn.series import Lags, lag_matrix

SEEDS = range(5)


def rmse(forecast, truth) -> float:
    return float(np.sqrt(np.mean((np.asarray(forecast, dtype=float) - np.asarray(truth, dtype=float)) ** 2)))


def linear_closed_loop(y, lags, steps, X=None, exog_lags=(), X_future=None):
    from sklearn.linear_model import LinearRegression

    inputs, targets = lag_matrix(y, lags, X, exog_lags if X is not None else ())
    model = LinearRegression().fit(inputs, targets[:, 0])
    spec = Lags(tuple(sorted(lags)), tuple(sorted(exog_lags)) if X is not None else ())
    path = np.concatenate([y, np.full(steps, np.nan)])[:, None]
    X_all = None if X is None else np.concatenate([X, X_future])[:, None]
    for t in range(len(y), len(y) + steps):
        path[t] = model.predict(spec.row(path, X_all, t)[None])[0]
    return path[len(y):, 0]


def networks(y, lags, steps, hidden, X=None, exog_lags=(), X_future=None):
    """(RMSE-ready forecasts of each seed, the ensemble's forecast)."""
    params = dict(delays=list(lags), exog_delays=list(exog_lags) or 2, hidden_layer_sizes=hidden, max_iter=300)
    singles = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in SEEDS:
            model = NARXRegressor(**params, random_state=seed).fit(y, X)
            singles.append(model.forecast(steps, X_future=X_future))
        ensemble = NARXRegressor(**params, ensemble=True, n_init=len(SEEDS), random_state=0).fit(y, X)
    return singles, ensemble.forecast(steps, X_future=X_future)


def real_series() -> list[tuple[str, np.ndarray, int, int, list[int], tuple, dict]]:
    """(name, series, season, horizon, lags, hidden, ARIMA keyword arguments)."""
    import statsmodels.api as sm

    sunspots = sm.datasets.sunspots.load_pandas().data["SUNACTIVITY"].to_numpy(dtype=float)
    co2 = sm.datasets.co2.load_pandas().data["co2"].resample("MS").mean().ffill().to_numpy(dtype=float)
    elnino = sm.datasets.elnino.load_pandas().data.drop(columns="YEAR").to_numpy(dtype=float).ravel()
    return [
        ("sunspots (yearly)", sunspots, 11, 20, list(range(1, 10)), (5,), {"order": (2, 0, 1)}),
        ("CO2 Mauna Loa (monthly)", co2, 12, 24, [1, 2, 3, 12, 13], (5,),
         {"order": (1, 1, 1), "seasonal_order": (0, 1, 1, 12)}),
        ("El Niño SST (monthly)", elnino, 12, 24, [1, 2, 3, 12, 13], (5,),
         {"order": (1, 0, 0), "seasonal_order": (1, 0, 1, 12)}),
    ]


def statsmodels_forecasts(train, steps, lags, season, arima) -> dict:
    from statsmodels.tsa.ar_model import AutoReg
    from statsmodels.tsa.arima.model import ARIMA
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out["statsmodels AutoReg (same lags)"] = AutoReg(train, lags=lags, trend="c").fit().predict(
            len(train), len(train) + steps - 1)
        order = ", ".join(f"{k}={v}" for k, v in arima.items())
        out[f"statsmodels ARIMA ({order})"] = ARIMA(train, **arima).fit().forecast(steps)
        out["statsmodels ETS (additive trend and season)"] = ExponentialSmoothing(
            train, trend="add", seasonal="add", seasonal_periods=season).fit().forecast(steps)
    return out


def table(title: str, rows: list[tuple[str, str]]) -> str:
    lines = [f"### {title}", "", "| model | RMSE |", "| --- | ---: |"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    return "\n".join(lines) + "\n"


def bench_real() -> list[str]:
    tables = []
    for name, series, season, steps, lags, hidden, arima in real_series():
        started = time.perf_counter()
        train, truth = series[:-steps], series[-steps:]
        forecasts = {
            "naive (last value)": np.repeat(train[-1], steps),
            f"seasonal naive (season {season})": np.array([train[len(train) - season + (h % season)] for h in range(steps)]),
            "linear AR on the same lags": linear_closed_loop(train, lags, steps),
            **statsmodels_forecasts(train, steps, lags, season, arima),
        }
        singles, ensemble = networks(train, lags, steps, hidden)
        rows = [(label, f"{rmse(values, truth):.4g}") for label, values in forecasts.items()]
        scores = [rmse(values, truth) for values in singles]
        rows.append((f"bpnn NAR, hidden {hidden[0]}, one network (5 seeds)", f"{np.mean(scores):.4g} ± {np.std(scores):.2g}"))
        rows.append(("bpnn NAR, ensemble of 5", f"{rmse(ensemble, truth):.4g}"))
        tables.append(table(f"{name}: {len(train)} steps train, {steps} forecast, lags {lags} "
                            f"({time.perf_counter() - started:.0f} s)", rows))
        print(tables[-1])
    return tables


def bench_plant() -> str:
    y, x = narendra_plant(1100)
    n, steps = 1000, 100
    truth, future = y[n:n + steps], x[n:n + steps]
    forecasts = {"naive (last value)": np.repeat(y[n - 1], steps),
                 "linear ARX on the same lags": linear_closed_loop(y[:n], [1, 2], steps, x[:n], [1], future)}
    try:
        from statsmodels.tsa.ar_model import AutoReg

        exog = np.concatenate([[0.0], x[:-1]])  # x_{t-1} as the exogenous column of time t
        fit = AutoReg(y[:n], lags=2, trend="c", exog=exog[:n, None]).fit()
        forecasts["statsmodels AutoReg with x_{t-1}"] = fit.predict(n, n + steps - 1, exog_oos=exog[n:n + steps, None])
    except ImportError:
        pass
    singles, ensemble = networks(y[:n], [1, 2], steps, (10,), x[:n], [1], future)
    rows = [(label, f"{rmse(values, truth):.4g}") for label, values in forecasts.items()]
    scores = [rmse(values, truth) for values in singles]
    linear = rmse(forecasts["linear ARX on the same lags"], truth)
    rows.append(("bpnn NARX, hidden 10, one network (5 seeds)",
                 f"{np.mean(scores):.4g} ± {np.std(scores):.2g} (ratio to linear ARX {np.mean(scores) / linear:.3f})"))
    rows.append(("bpnn NARX, ensemble of 5", f"{rmse(ensemble, truth):.4g} (ratio {rmse(ensemble, truth) / linear:.3f})"))
    text = table("Nonlinear NARX plant: 1000 steps train, 100 forecast closed loop with the future x known", rows)
    print(text)
    return text


if __name__ == "__main__":
    bench_plant()
    bench_real()
