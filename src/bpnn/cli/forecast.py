"""``bpnn forecast MODEL DATA --steps N [-o OUT]``: a series model of ``bpnn train --delays`` forecasts, closed
loop, the N time steps after the last row of DATA with a target value; the output is DATA's rows (in time order)
with a ``TARGET_forecast`` column (and, for an ensemble, ``TARGET_std``: the spread of its members' forecasts),
rows added at the end where N reaches past the file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bpnn.cli._common import UsageError, check_outputs, write_table


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``forecast`` to the ``bpnn`` command's sub-parsers."""
    forecast = commands.add_parser("forecast", help="forecast a series with a model of bpnn train --delays",
                                   description="Forecast the N time steps after the last row of DATA that has a "
                                               "target value, closed loop (each forecast feeds the next step's "
                                               "lags); the exogenous columns of a NARX model must be filled in for "
                                               "those steps (rows with a blank target at the end of DATA).")
    forecast.add_argument("model", help="a model file from bpnn train --delays")
    forecast.add_argument("data", help="the series: the columns of training, rows in file order (or by the "
                                       "model's --time column)")
    forecast.add_argument("--steps", type=int, required=True, metavar="N", help="time steps to forecast")
    forecast.add_argument("-o", "--output", help="output file: .csv, .tsv, .xlsx or .parquet (default: CSV on stdout)")
    forecast.add_argument("--encoding", help="text encoding of the data file")
    forecast.set_defaults(handler=run_forecast)


def load_series_model(path: str):
    """(the NARXRegressor's light view :class:`bpnn.files.fitted.FittedSeries`, its model file's ``info``) or
    UsageError naming what the file holds instead."""
    from bpnn.files.fitted import fitted_of
    from bpnn.files.modelfile import read

    contents = read(path)
    if contents.kind != "NARXRegressor":
        raise UsageError(f"{path} holds a {contents.kind}, not a series model; bpnn forecast needs a model from "
                         f"bpnn train --delays (bpnn predict takes the others)")
    with contents.checked():
        return fitted_of(contents), contents.info


def run_forecast(args: argparse.Namespace) -> int:
    import numpy as np
    import pandas as pd

    from bpnn.cli.series import read_series
    from bpnn.cli.staging import check_not_inputs
    from bpnn.tables import DataError, as_written, read_table

    output = None if args.output == "-" else args.output
    check_not_inputs({"-o": output}, {"data file": None if args.data == "-" else args.data, "model": args.model})
    check_outputs({"-o": args.output}, {})
    if args.steps < 1:
        raise UsageError(f"--steps must be a positive number of time steps; got {args.steps}")
    model, info = load_series_model(args.model)
    record = info.get("series", {})
    data = Path(args.data)
    frame = read_table(data, args.encoding)
    series = read_series(frame, list(model.target_names_), list(model.exog_names_), record.get("time"), data.name)
    lags = model.lags_
    if series.n_history < lags.max_lag:
        raise DataError(f"{data.name}: {series.n_history} time step(s) with a target value; the model's largest lag is "
                        f"{lags.max_lag}, so the forecast needs at least {lags.max_lag}")
    X_future = None
    if series.exog:
        X_future = future_inputs(series, lags, args.steps)
    kwargs = {"X": series.X} if series.exog else {}
    ensemble = bool(getattr(model.regressor_, "estimators_", None))
    result = model.forecast(args.steps, series.y, X_future, return_std=ensemble, **kwargs)
    mean, std = result if ensemble else (result, None)
    mean = np.asarray(mean).reshape(args.steps, -1)
    out = as_written(series.frame)
    extra = args.steps - len(series.future)
    if extra > 0:  # the forecast reaches past the file: rows added, their other cells blank
        added = pd.DataFrame(index=pd.RangeIndex(len(frame) + 10**9, len(frame) + 10**9 + extra), columns=out.columns)
        out = pd.concat([out, added])
    start = series.n_history
    for j, name in enumerate(series.targets):
        column = np.full(len(out), np.nan)
        column[start:start + args.steps] = mean[:, j]
        out[f"{name}_forecast"] = column
        if std is not None:
            spread = np.full(len(out), np.nan)
            spread[start:start + args.steps] = np.asarray(std).reshape(args.steps, -1)[:, j]
            out[f"{name}_std"] = spread
    write_table(out.reset_index(drop=True), args.output)
    if args.output:
        print(f"wrote {len(out)} rows with {args.steps} forecast step(s) to {args.output}", file=sys.stderr)
    return 0


def future_inputs(series, lags, steps: int):
    """The exogenous values of the forecast times the lags reach, from the rows after the history; DataError naming
    the row and column that lack one."""
    import numpy as np

    from bpnn.tables import DataError

    needed = steps - min(lags.exog_delays)  # rows the lags reach (lag 0 reaches the forecast time itself)
    future = series.future
    last = series.row(series.n_history - 1)
    if needed > len(future):
        fewer = len(future) + min(lags.exog_delays)
        raise DataError(f"{series.source}: --steps {steps} needs the exogenous column(s) {', '.join(series.exog)} in "
                        f"{needed} row(s) after the last target value (row {last}); the file has {len(future)}: add "
                        f"rows with a blank target and their exogenous values" + (f", or lower --steps to {fewer}"
                                                                                  if fewer else ""))
    values = future[series.exog].iloc[:max(needed, 0)]
    for name in series.exog:
        column = values[name]
        if len(column) and not np.issubdtype(column.dtype, np.number):
            column = column.astype(float)
        gaps = np.flatnonzero(column.isna().to_numpy())
        if gaps.size:
            row = series.row(series.n_history + int(gaps[0]))
            fewer = int(gaps[0]) + min(lags.exog_delays)
            raise DataError(f"{series.source}: column {name!r} row {row} is blank; forecasting --steps {steps} needs the "
                            f"exogenous values of every forecast time the lags reach: fill it in"
                            + (f", or lower --steps to {fewer}" if fewer else ""))
    padded = np.full((steps, len(series.exog)), np.nan)
    padded[:len(values)] = values.to_numpy(dtype=float)
    return padded
