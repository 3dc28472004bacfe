"""``bpnn train DATA --target Y --delays 1:P [--exog COLS --exog-delays 0:Q] [--time COL]``: a NAR or NARX network
(:class:`bpnn.estimators.NARXRegressor`) on the series of a table, and what ``bpnn forecast`` shares with it.

The rows are the time steps, in file order or sorted by ``--time``. The inputs are the target's lags and the
``--exog`` columns' lags; every other column is left out (a note names them). Rows at the end whose target is
blank are the future: training stops before them, ``bpnn forecast`` fills them in. The division is time-ordered
(MATLAB's divideblock: training, then validation, then test), so the figures are those of later times.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from bpnn.cli._common import SPLITS, UsageError, check_choice, check_outputs
from bpnn.core.solvers import SOLVERS, solver_name

REFUSED_WITH_DELAYS = {  # option -> why it does not go with --delays
    "features": "the inputs of a series model are the lags of --target and of the --exog columns; name inputs with "
                "--exog",
    "impute": "a series needs every time step; fill the gaps in the file",
    "drop_missing": "a series needs every time step; fill the gaps in the file",
    "scheduler": "series models train on this machine",
    "resume": "series models train in one run",
    "checkpoint": "series models train in one run",
    "importance": "the importance of lags is not available yet",
    "report": "the time-series HTML report is not available yet; --plots DIR writes its figures",
}


def add_series_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("time series (NAR/NARX network: the inputs are lags; rows in file order or "
                                      "by --time, trailing rows with a blank target are the future for bpnn forecast)")
    group.add_argument("--delays", metavar="1:P", help="train on the target's own lags: 1:P, a list such as 1,2,12, "
                                                      "or P (the lags 1..P)")
    group.add_argument("--exog", nargs="+", metavar="COL", help="exogenous input columns (NARX; default none: NAR)")
    group.add_argument("--exog-delays", metavar="0:Q", help="lags of the --exog columns, 0 being the same time: 0:Q, "
                                                           "a list such as 0,1,4, or Q (the lags 1..Q) (default 1:2)")
    group.add_argument("--season", type=int, metavar="S", help="add the seasonal naive forecast (the value S steps "
                                                               "before) to the baselines, e.g. 12 for monthly data")
    group.add_argument("--time", metavar="COL", help="sort the rows by this column (numbers or dates) instead of "
                                                    "taking them in file order")


def parse_lags(text: str, option: str, first: int) -> list[int]:
    """'1:3,12' → [1, 2, 3, 12]; 'P' → 1..P; UsageError in ``option``'s words."""
    example = "1:4, 1,2,12 or 4 (the lags 1..4)" if first else "0:2, 0,1,4 or 2 (the lags 1..2)"
    lags: list[int] = []
    try:
        parts = [part.strip() for part in text.split(",")]
        if len(parts) == 1 and ":" not in parts[0]:
            lags = list(range(1, int(parts[0]) + 1))
        else:
            for part in parts:
                low, _, high = part.partition(":")
                lags += list(range(int(low), int(high or low) + 1))
    except ValueError:
        lags = []
    if not lags:
        raise UsageError(f"{option} takes lags such as {example}; got {text!r}")
    if min(lags) < first:
        raise UsageError(f"{option} takes lags >= {first}{' (lag 0 is the value being predicted)' if first else ''}; "
                         f"got {text!r}")
    return sorted(set(lags))


def check_series_options(args: argparse.Namespace) -> None:
    """--exog and --exog-delays need --delays; options of table training that do not go with it are refused."""
    if getattr(args, "delays", None) is None:
        for option in ("exog", "exog_delays", "time", "season"):
            if getattr(args, option, None) is not None:
                raise UsageError(f"--{option.replace('_', '-')} belongs to a series model; add --delays 1:P")
        return
    for option, why in REFUSED_WITH_DELAYS.items():
        value = getattr(args, option, None)
        if value not in (None, False):
            raise UsageError(f"--{option.replace('_', '-')} does not go with --delays: {why}")
    if args.exog_delays is not None and not args.exog:
        raise UsageError("--exog-delays are the lags of the --exog columns; name them with --exog COL ...")
    if args.season is not None and args.season < 2:
        raise UsageError(f"--season is the number of time steps in a season, at least 2; got {args.season}")
    if args.task == "classification":
        raise UsageError("--delays trains a regression network on numeric series; leave out --task classification")


# ---- a table as series ---------------------------------------------------------------------------------------
@dataclass
class Series:
    """The rows of a table as time steps: ``frame`` in time order; the first ``n_history`` rows have every target
    (the history), the rest are the future."""

    frame: object  # pandas DataFrame, in time order (index: the file's, for row numbers)
    targets: list
    exog: list
    time: str | None
    n_history: int
    source: str

    @property
    def y(self):
        return self.frame[self.targets].iloc[:self.n_history].to_numpy(dtype=float)

    @property
    def X(self):
        return None if not self.exog else self.frame[self.exog].iloc[:self.n_history].to_numpy(dtype=float)

    @property
    def future(self):
        return self.frame.iloc[self.n_history:]

    def row(self, position: int) -> int:
        from bpnn.tables.common import row_number

        return row_number(self.frame, position)


def read_series(frame, targets: list, exog: list, time: str | None, source: str) -> Series:
    """The table's rows as a :class:`Series`; DataError naming the column, row and fix for a gap in the history,
    text in a numeric column or a repeated time."""
    import numpy as np

    from bpnn.tables import DataError, check_columns, check_values
    from bpnn.tables.common import is_numeric, row_number

    check_columns(targets, frame, source, "target")
    check_columns(exog, frame, source, "exogenous (--exog)")
    overlap = sorted(set(targets) & set(exog))
    if overlap:
        raise DataError(f"{source}: column {overlap[0]!r} is both --target and --exog; its lags are inputs already "
                        f"(--delays), so leave it out of --exog")
    if time is not None:
        check_columns([time], frame, source, "time (--time)")
        check_values(frame[[time]], source)
        if not is_numeric(frame[time]):
            raise DataError(f"{source}: --time column {time!r} holds text (row {row_number(frame, 0)}: "
                            f"{frame[time].iloc[0]!r}); give a column of numbers or dates")
        order = np.argsort(frame[time].to_numpy(dtype=float), kind="stable")
        frame = frame.iloc[order]
        values = frame[time].to_numpy(dtype=float)
        repeated = np.flatnonzero(np.diff(values) == 0)
        if repeated.size:
            i = int(repeated[0])
            raise DataError(f"{source}: --time column {time!r} has the same time in rows {row_number(frame, i)} and "
                            f"{row_number(frame, i + 1)}; a series has one row per time step")
    for name in [*targets, *exog]:
        column = frame[name]
        if not is_numeric(column) and column.notna().any():
            first = int(np.flatnonzero(column.notna().to_numpy())[0])
            raise DataError(f"{source}: column {name!r} holds text (row {row_number(frame, first)}: "
                            f"{column.iloc[first]!r}); the series of --target and --exog are numbers")
    blank = frame[targets].isna().to_numpy().any(axis=1)
    filled = np.flatnonzero(~blank)
    if not filled.size:
        raise DataError(f"{source}: the target column(s) {', '.join(targets)} are blank in every row; give the series")
    n_history = int(filled[-1]) + 1
    for name in [*targets, *exog]:
        gaps = np.flatnonzero(frame[name].iloc[:n_history].isna().to_numpy())
        if gaps.size:
            raise DataError(f"{source}: column {name!r} row {row_number(frame, int(gaps[0]))} is blank inside the series "
                            f"(its last target value is in row {row_number(frame, n_history - 1)}); the lags need every "
                            f"time step: fill it in (only rows at the end with a blank target are the future)")
    check_values(frame[[*targets, *exog]].iloc[:n_history], source)
    return Series(frame, list(targets), list(exog), time, n_history, source)


def lags_in_words(lags: tuple) -> str:
    """(1, 2, 3, 12) → '1:3,12'."""
    runs, start = [], None
    for i, lag in enumerate(lags):
        start = lag if start is None else start
        if i + 1 == len(lags) or lags[i + 1] != lag + 1:
            runs.append(str(lag) if start == lag else f"{start}:{lag}")
            start = None
    return ",".join(runs)


# ---- training ------------------------------------------------------------------------------------------------
def run_train_series(args: argparse.Namespace) -> int:
    """``bpnn train ... --delays``: read the series, train, show the figures and baselines, save the model."""
    import warnings

    import numpy as np

    from bpnn.cli.fitting import choose_init, default_epochs, resolved_max_fail, settings_of, solver_options_for
    from bpnn.cli.outputs import use_font
    from bpnn.cli.restarts import counting_trials
    from bpnn.estimators import NARXRegressor
    from bpnn.estimators.parameters import in_cli_words
    from bpnn.files.modelfile import save
    from bpnn.reports.metrics import regression_metrics, table
    from bpnn.reports.progress import TrainingProgress, print_table
    from bpnn.tables import check_division, read_table

    check_series_options(args)
    settings = settings_of(args)
    data = Path(args.data)
    out = Path(args.out) if args.out else Path(data.stem + ".bpnn")
    check_outputs({"--out": out}, {"--plots": args.plots})
    use_font(args.font)
    delays = parse_lags(args.delays, "--delays", 1)
    exog_delays = parse_lags(args.exog_delays or "1:2", "--exog-delays", 0) if args.exog else []
    frame = read_table(data, args.encoding)
    series = read_series(frame, args.target, args.exog or [], args.time, data.name)
    used = {*args.target, *(args.exog or []), *([args.time] if args.time else [])}
    left_out = [str(name) for name in frame.columns if name not in used]
    if left_out and not args.quiet:
        print(f"bpnn: note: {data.name}: the inputs are the lags of {', '.join([*args.target, *(args.exog or [])])}; "
              f"left out the column(s) {', '.join(left_out)}", file=sys.stderr)
    max_lag = max([*delays, *exog_delays])
    n_rows = series.n_history - max_lag
    if n_rows < 2:
        raise UsageError(f"{data.name}: {series.n_history} time steps with a target and lags up to {max_lag} leave "
                         f"{max(n_rows, 0)} rows to learn from; give a longer series or smaller --delays/--exog-delays")
    check_division(n_rows, settings.division, data.name)
    solver = check_choice(solver_name(settings.solver or "lm"), tuple(SOLVERS), "--solver")
    settings = replace(settings, max_fail=resolved_max_fail(settings, solver))
    if "goal" in settings.solver_options:
        raise UsageError("--goal applies to bpnn train without --delays; stop a series network by --epochs or "
                         "--max-fail")
    epochs = settings.epochs or default_epochs(solver)
    progress = TrainingProgress(epochs, f"{solver} on {data.name} (delays {lags_in_words(tuple(delays))})",
                                quiet=args.quiet, max_fail=settings.max_fail if settings.division[1] > 0 else None)
    several = settings.restarts > 1 or settings.ensemble
    model = NARXRegressor(
        delays=delays, exog_delays=exog_delays or 2, hidden_layer_sizes=settings.hidden, activation=settings.activation,
        solver=solver, alpha=settings.alpha, max_iter=epochs, random_state=settings.seed,
        learning_rate_init=settings.learning_rate, batch_size=settings.batch_size or "auto",
        scaling=None if settings.scaling == "none" else settings.scaling, division="block",
        division_ratios=settings.division, max_fail=settings.max_fail, init=choose_init(settings, solver),
        n_init=settings.restarts, ensemble=settings.ensemble, division_random_state=settings.division_seed,
        solver_options=solver_options_for(settings, solver),
        callbacks=[counting_trials(progress, settings.restarts) if several else progress.callback])
    y_frame = series.frame[series.targets].iloc[:series.n_history].astype(float)
    X_frame = series.frame[series.exog].iloc[:series.n_history].astype(float) if series.exog else None
    with warnings.catch_warnings(record=True) as caught, progress:
        warnings.simplefilter("always")
        try:
            model.fit(y_frame, X_frame)
        except ValueError as error:
            raise UsageError(f"{data.name}: {series_words(in_cli_words(str(error)))}") from None
    for message in dict.fromkeys(str(w.message) for w in caught):
        if not args.quiet:
            print(f"bpnn: note: {message}", file=sys.stderr)
    model.set_params(callbacks=None)
    model.regressor_.set_params(callbacks=None)
    for member in getattr(model.regressor_, "estimators_", None) or ():
        member.set_params(callbacks=None)
    inputs, targets = model.lag_matrix(y_frame, X_frame)
    predicted = model.regressor_.predict(inputs).reshape(targets.shape)
    division = model.division_
    parts = {name: rows for name, rows in zip(SPLITS, (division.train, division.val, division.test)) if rows.size}
    metrics = {name: regression_metrics(targets[rows], predicted[rows]) for name, rows in parts.items()}
    baselines = baseline_table(model, series, inputs, targets, parts, args.season)
    closed = baselines.pop("closed", None)
    info = {"series": {"source": data.name, "targets": series.targets, "exog": series.exog, "time": series.time,
                       "delays": delays, "exog_delays": exog_delays, "history_rows": series.n_history,
                       "future_rows": len(series.future), "metrics": metrics, "baselines": baselines},
            "training": {"epochs": model.n_iter_, "best_epoch": model.history_.best_epoch,
                         "stop_reason": model.history_.stop_reason},
            "settings": {"solver": solver, "division": "block " + ",".join(f"{r:g}" for r in settings.division),
                         "seed": settings.seed}}
    save(model, out, info)
    if not args.quiet:
        print_table(*table(metrics, {name: int(rows.size) for name, rows in parts.items()}, series.targets),
                    title=f"One-step-ahead (open-loop) figures of {', '.join(series.targets)} on {data.name}, by "
                          f"time-ordered split")
        if baselines:
            print_table(baselines["header"], baselines["rows"], title=baselines["title"])
        if len(series.future):
            print(f"{data.name} has {len(series.future)} row(s) after the last target value: forecast them with "
                  f"bpnn forecast {out} {data} --steps {len(series.future)}")
    written = [out]
    if args.plots:
        from bpnn.reports.series_plots import write_series_plots

        first = series.targets[0]
        written += write_series_plots(
            args.plots, target=first, times=np.arange(len(targets)) + model.lags_.max_lag, targets=targets[:, 0],
            outputs=predicted[:, 0], parts=parts,
            exog={name: X_frame[name].to_numpy()[model.lags_.max_lag:] for name in series.exog}, closed=closed)
    if not args.quiet:
        print("wrote " + ", ".join(map(str, written)))
    return 0


def series_words(message: str) -> str:
    """A NARXRegressor message in the command line's words."""
    return message.replace("exog_delays", "--exog-delays").replace("delays must", "--delays must")


def baseline_table(model, series: Series, inputs, targets, parts: dict, season: int | None = None) -> dict:
    """The network against the naive forecast (last value) and a linear AR/ARX on the same lags (least squares
    on the training rows) on the last split with rows (test, else validation): one step ahead, and closed loop
    over that whole period from its start."""
    import numpy as np
    from sklearn.linear_model import LinearRegression

    from bpnn.series import Lags

    name = next((split for split in ("Test", "Validation") if split in parts), None)
    if name is None:
        return {}
    rows, train = parts[name], parts["Training"]
    lags = model.lags_
    linear = LinearRegression().fit(inputs[train], targets[train])
    y, X = series.y, series.X
    start = int(rows[0]) + lags.max_lag  # the time of the period's first row
    steps = len(rows)
    truth = y[start:start + steps]

    def closed(predict) -> np.ndarray:
        path = np.vstack([y[:start], np.full((steps, y.shape[1]), np.nan)])
        for t in range(start, start + steps):
            path[t] = np.asarray(predict(Lags.row(lags, path, X, t)[None, :]), dtype=float).reshape(-1)
        return path[start:]

    naive_one = y[start - 1:start - 1 + steps]
    naive_closed = np.repeat(y[start - 1:start], steps, axis=0)
    one_step = {"network": model.regressor_.predict(inputs[rows]).reshape(truth.shape),
                "naive (last value)": naive_one, f"linear {'ARX' if series.exog else 'AR'} on the same lags":
                linear.predict(inputs[rows]).reshape(truth.shape)}
    looped = {"network": closed(model.regressor_.predict), "naive (last value)": naive_closed,
              f"linear {'ARX' if series.exog else 'AR'} on the same lags": closed(linear.predict)}
    if season is not None and start >= season:  # the value one season before; closed loop: the last season repeated
        label = f"seasonal naive (season {season})"
        one_step[label] = y[start - season:start - season + steps]
        looped[label] = y[[start - season + (h % season) for h in range(steps)]]

    def rmse(values: np.ndarray) -> float:
        return float(np.sqrt(np.mean((values - truth) ** 2)))

    closed = {"series": y[:start + steps, 0], "start": start, "truth": truth[:, 0],
              "forecasts": {label: values[:, 0] for label, values in looped.items() if not label.startswith("naive")}}
    return {"closed": closed, "title": f"Against baselines on the {name.lower()} period ({steps} steps, rows {series.row(start)}–"
                     f"{series.row(start + steps - 1)}): RMSE",
            "header": ["model", "one step ahead", f"closed loop, {steps} steps"],
            "rows": [[label, rmse(one_step[label]), rmse(looped[label])] for label in one_step]}
