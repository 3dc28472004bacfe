"""MATLAB's time-series figures for a NAR/NARX network (``bpnn train --delays ... --plots DIR``): the response
(targets and one-step outputs over time by split, the errors below), the error autocorrelation, the input–error
cross-correlation (NARX) and the closed-loop forecast of the last period against what happened.

Like :mod:`bpnn.reports.plots`: each function draws on its own ``matplotlib.figure.Figure``, writes ``path``
atomically as PNG and returns it. Correlations are the sample ones, normalised by the lag-0 values; the band is
MATLAB's approximate 95 % confidence limit ±2/√n of a white error.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from bpnn.reports.plots import save, with_fonts

COLORS = {"Training": "tab:blue", "Validation": "tab:green", "Test": "tab:red"}
MAX_LAG = 20


def correlation(a: np.ndarray, b: np.ndarray, max_lag: int) -> tuple[np.ndarray, np.ndarray]:
    """(lags -max_lag..max_lag, corr(a_t, b_{t+lag})) of the demeaned series, normalised by √(Σa²·Σb²)."""
    a, b = a - a.mean(), b - b.mean()
    scale = np.sqrt(np.sum(a * a) * np.sum(b * b)) or 1.0
    lags = np.arange(-max_lag, max_lag + 1)
    values = [np.sum(a[max(0, -k):len(a) - max(0, k)] * b[max(0, k):len(b) - max(0, -k)]) / scale for k in lags]
    return lags, np.array(values)


@with_fonts
def plot_response(times: np.ndarray, targets: np.ndarray, outputs: np.ndarray, parts: dict, name: str,
                  path: str | Path) -> Path:
    """Targets and one-step outputs over time, coloured by split, with the errors in a panel below."""
    figure = Figure(figsize=(9, 5.5), layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(3, 1.4))
    top.plot(times, targets, color="0.6", lw=1, label="targets")
    for split, rows in parts.items():
        top.plot(times[rows], outputs[rows], ".", ms=3, color=COLORS.get(split), label=f"outputs ({split.lower()})")
        bottom.plot(times[rows], targets[rows] - outputs[rows], ".", ms=3, color=COLORS.get(split))
    bottom.axhline(0, color="0.3", lw=0.8)
    top.set(title=f"Response of {name} (one step ahead)", ylabel=name)
    bottom.set(xlabel="time step", ylabel="error")
    top.legend(fontsize="small")
    return save(figure, path)


@with_fonts
def plot_error_autocorrelation(errors: np.ndarray, path: str | Path) -> Path:
    """The training errors' autocorrelation at lags -20..20 with the ±2/√n band."""
    figure = Figure(figsize=(7, 4), layout="constrained")
    axes = figure.add_subplot()
    lags, values = correlation(errors, errors, min(MAX_LAG, len(errors) - 1))
    axes.bar(lags, values, width=0.6, color="tab:blue")
    band = 2 / np.sqrt(len(errors))
    axes.axhspan(-band, band, color="tab:red", alpha=0.12, label="±2/√n (white error)")
    axes.set(title="Autocorrelation of the errors (training rows)", xlabel="lag", ylabel="correlation")
    axes.legend(fontsize="small")
    return save(figure, path)


@with_fonts
def plot_input_error_correlation(inputs: dict[str, np.ndarray], errors: np.ndarray, path: str | Path) -> Path:
    """Cross-correlation of each exogenous input with the errors, lags -20..20 (x_t against e_{t+lag})."""
    figure = Figure(figsize=(7, 4), layout="constrained")
    axes = figure.add_subplot()
    for name, values in inputs.items():
        lags, corr = correlation(values, errors, min(MAX_LAG, len(errors) - 1))
        axes.plot(lags, corr, "o-", ms=3, label=name)
    band = 2 / np.sqrt(len(errors))
    axes.axhspan(-band, band, color="tab:red", alpha=0.12, label="±2/√n")
    axes.set(title="Correlation between the inputs and the errors (training rows)", xlabel="lag", ylabel="correlation")
    axes.legend(fontsize="small")
    return save(figure, path)


@with_fonts
def plot_closed_loop(times: np.ndarray, history: np.ndarray, truth: np.ndarray, forecasts: dict[str, np.ndarray],
                     name: str, path: str | Path, context: int = 60) -> Path:
    """The last ``context`` steps before a period, then what happened in it and each model's closed-loop forecast."""
    figure = Figure(figsize=(9, 4.5), layout="constrained")
    axes = figure.add_subplot()
    start = len(history)
    shown = slice(max(0, start - context), start)
    axes.plot(times[shown], history[shown], color="0.4", lw=1, label="history")
    period = times[start:start + len(truth)]
    axes.plot(period, truth, color="black", lw=1.5, label="actual")
    for label, values in forecasts.items():
        axes.plot(period, values, lw=1.2, label=label)
    axes.axvline(times[start] - 0.5, color="0.5", ls=":")
    axes.set(title=f"Closed-loop forecast of {name} over the last period", xlabel="time step", ylabel=name)
    axes.legend(fontsize="small")
    return save(figure, path)


def write_series_plots(folder: str | Path, *, target: str, times: Sequence, targets: np.ndarray, outputs: np.ndarray,
                       parts: dict, exog: dict[str, np.ndarray], closed: dict | None) -> list[Path]:
    """Every figure into ``folder`` (created): response, error autocorrelation, input–error correlation (NARX) and
    the closed-loop forecast (``closed``: start, truth, forecasts by model)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    times = np.asarray(times, dtype=float)
    train = parts["Training"]
    errors = targets[train] - outputs[train]
    written = [plot_response(times, targets, outputs, parts, target, folder / "response.png"),
               plot_error_autocorrelation(errors, folder / "error_autocorrelation.png")]
    if exog:
        written.append(plot_input_error_correlation({name: values[train] for name, values in exog.items()}, errors,
                                                    folder / "input_error_correlation.png"))
    if closed is not None:
        written.append(plot_closed_loop(np.arange(len(closed["series"]), dtype=float), closed["series"][:closed["start"]],
                                        closed["truth"], closed["forecasts"], target, folder / "closed_loop.png"))
    return written
