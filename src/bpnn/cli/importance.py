"""``bpnn importance``: which inputs of a trained table model matter, by MIV, permutation, Garson or Olden
(:mod:`bpnn.selection.importance`); the table in the terminal, optionally as a file, a bar chart and the
partial dependence (with ICE) of the most important columns. Also what ``bpnn train --importance`` adds to its
run: :func:`run_importance_table` for the rows it trained on.

Bad input (a file, column or value the model cannot use, permutation without the target column, a method the
network cannot take) is one line and exit 2; the outputs are checked before any work and written only when
everything is computed, each atomically.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bpnn.cli._common import UsageError, add_missing_options, check_outputs
from bpnn.cli.outputs import add_font_option, use_font

METHODS = ("miv", "permutation", "garson", "olden")
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".parquet")
PARTIAL_DEPENDENCE_FEATURES = 6  # the most important columns drawn by --partial-dependence


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``importance`` to the ``bpnn`` command's sub-parsers."""
    parser = commands.add_parser(
        "importance", help="which inputs matter: MIV, permutation, Garson or Olden importance of a model",
        description="Rank the feature columns of a model from bpnn train on the rows of DATA: miv (mean impact value, "
                    "the mean output change between x·(1+δ) and x·(1−δ); no labels needed), permutation (the drop of "
                    "the score when a column is shuffled; needs the target column), garson (one hidden layer) or olden "
                    "(any depth), both from the weights alone. Text columns are ranked as one column.")
    parser.add_argument("model", help="a model file from bpnn train")
    parser.add_argument("data", help="the data file (the feature columns of training; permutation: the target too)")
    parser.add_argument("--method", choices=METHODS, default="miv", help="miv, permutation, garson or olden (default miv)")
    parser.add_argument("--target", nargs="+", metavar="COL",
                        help="target column(s) in DATA, for permutation (default: those of training)")
    parser.add_argument("--output-of", metavar="NAME", help="rank for one output of the model: a class (its probability) "
                                                            "or a target (default: every output)")
    parser.add_argument("--delta", type=float, default=0.1, help="miv: the relative change δ (default 0.1, ±10 %%)")
    parser.add_argument("--perturb", choices=("value", "range"), default="value",
                        help="miv: move x to x·(1±δ) (value, the papers' MIV) or by ±δ·its range in DATA (default value)")
    parser.add_argument("--repeats", type=int, default=10, help="permutation: shuffles per column (default 10)")
    parser.add_argument("--seed", type=int, default=0, help="permutation: random seed of the shuffles (default 0)")
    parser.add_argument("-o", "--output", metavar="TABLE.csv", help="also write the table: .csv, .tsv, .xlsx or .parquet")
    parser.add_argument("--plot", metavar="FIG.png", help="write a bar chart of the importance")
    parser.add_argument("--partial-dependence", metavar="FIG.png",
                        help=f"write the partial dependence and ICE curves of the {PARTIAL_DEPENDENCE_FEATURES} most "
                             f"important columns")
    parser.add_argument("--encoding", help="text encoding of the data file")
    parser.add_argument("--quiet", action="store_true", help="no table in the terminal")
    add_missing_options(parser)
    add_font_option(parser)
    parser.set_defaults(handler=run_importance)


def check_files(args: argparse.Namespace) -> None:
    check_outputs({"-o": args.output, "--plot": args.plot, "--partial-dependence": args.partial_dependence}, {})
    if args.output is not None and Path(args.output).suffix.lower() not in TABLE_SUFFIXES:
        raise UsageError(f"-o {args.output}: cannot tell the format from its extension; use .csv, .tsv, .xlsx or .parquet")
    for option, path in (("--plot", args.plot), ("--partial-dependence", args.partial_dependence)):
        if path is not None and Path(path).suffix.lower() != ".png":
            raise UsageError(f"{option} {path}: figures are written as PNG; give a name ending in .png")
    if not 0 < args.delta < 1:
        raise UsageError(f"--delta is the relative change of MIV, between 0 and 1 (0.1 moves x to x·1.1 and x·0.9); "
                         f"got {args.delta:g}")
    if args.repeats < 1:
        raise UsageError(f"--repeats must be at least 1; got {args.repeats}")
    use_font(args.font)


def run_importance(args: argparse.Namespace) -> int:
    from bpnn.cli.fitted import Fitted
    from bpnn.cli.predict import complete_rows
    from bpnn.tables import check_columns, check_values, read_table

    check_files(args)
    fitted = Fitted.from_file(args.model, estimator=True)  # importance takes the estimator's API
    data = Path(args.data)
    frame = read_table(data, args.encoding)
    labelled = args.method == "permutation"
    targets = (args.target or fitted.target_names) if labelled else []
    if labelled:
        try:
            check_columns(targets, frame, data.name, "target")
        except ValueError as error:
            raise UsageError(f"{error}; permutation importance needs labelled data (it compares predictions with the "
                             f"true targets): give a file with the target column(s), or use --method miv") from None
    frame = complete_rows(frame, fitted, targets, args, data.name)
    if targets:
        check_values(frame[targets], data.name)
    fitted.inputs(frame, data.name)  # the feature columns checked as predict checks them: names, missing values, text
    y = fitted.labels(frame, targets, data.name) if labelled else None
    table = importance_table(fitted, frame[fitted.encoder.feature_names], y, args.method, str(args.model),
                             delta=args.delta, perturb=args.perturb, n_repeats=args.repeats, random_state=args.seed,
                             target=args.output_of)
    curves = None
    if args.partial_dependence:
        curves = partial_dependence_curves(fitted, frame[fitted.encoder.feature_names], table)
    write_outputs(table, args.output, args.plot, args.partial_dependence, curves,
                  f"Input importance of {Path(args.model).name} on {data.name}")
    if not args.quiet:
        print_importance(table, f"Input importance of {Path(args.model).name} on {data.name} ({len(frame)} rows)")
        written = [path for path in (args.output, args.plot, args.partial_dependence) if path]
        if written:
            print("wrote " + ", ".join(written))
    return 0


def importance_table(fitted, features, y, method: str, source: str, **options):
    """:func:`bpnn.selection.importance.importance` of a table model; a method the model cannot take is a UsageError."""
    from bpnn.selection.importance import importance, output_names

    target_names = fitted.target_names if fitted.task == "regression" else None
    hidden = len(fitted.estimator.coefs_) - 1
    if method == "garson" and hidden != 1:
        raise UsageError(f"{source}: Garson's algorithm is defined for one hidden layer and this network has {hidden}; "
                         f"use --method olden, which takes any depth")
    outputs = output_names(fitted.estimator, target_names)
    chosen = options.get("target")
    if chosen is not None and chosen not in outputs:
        raise UsageError(f"{source}: unknown --output-of {chosen!r}; the model's outputs are {', '.join(outputs)}"
                         + (" (two classes: the probability of the second)" if fitted.task == "classification"
                            and len(outputs) == 1 else ""))
    try:
        return importance(fitted.estimator, features, y, method=method, encoder=fitted.encoder,
                          target_names=target_names, **options)
    except ValueError as error:
        raise UsageError(f"{source}: {error}") from None


def partial_dependence_curves(fitted, features, table):
    from bpnn.selection.importance import partial_dependence

    target_names = fitted.target_names if fitted.task == "regression" else None
    top = list(table.index[:PARTIAL_DEPENDENCE_FEATURES])
    return partial_dependence(fitted.estimator, features, top, encoder=fitted.encoder, grid_resolution=30,
                              target_names=target_names)


def write_outputs(table, output: str | None, plot: str | None, partial: str | None, curves, title: str) -> None:
    """The figures, then the table; each written atomically (through a temporary file renamed into place), and
    only after everything is computed."""
    if plot:
        from bpnn.reports.importance_plots import plot_importance

        plot_importance(table, plot, title)
    if partial:
        from bpnn.reports.importance_plots import plot_partial_dependence

        plot_partial_dependence(curves, partial)
    if output:
        from bpnn.cli._common import write_table

        write_table(table.reset_index(), output)


def print_importance(table, title: str, file=None) -> None:
    """The title, the table (numbers right-aligned; plain text when not a terminal) and what the method measures."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from bpnn.reports.importance_plots import importance_rows

    stream = file or sys.stdout
    header, rows = importance_rows(table)
    grid = Table(header_style="bold")
    for i, name in enumerate(header):  # Text: names such as miv[setosa] are not markup
        grid.add_column(Text(name), justify="left" if i == 0 or name == "sign" else "right")
    for row in rows:
        grid.add_row(*map(Text, row))
    console = Console(file=stream, width=None if stream.isatty() else 200)
    console.print(title, markup=False, highlight=False)
    console.print(grid)
    console.print(table.attrs.get("description", ""), markup=False, highlight=False)


# ---- bpnn train --importance -------------------------------------------------------------------------------
def decoded_features(encoder, X):
    """The table columns of the encoded inputs ``X``: numbers as they are, each one-hot block back to its category."""
    import numpy as np
    import pandas as pd

    columns, start = {}, 0
    for name, categories in encoder.columns:
        if categories is None:
            columns[name] = X[:, start]
            start += 1
        else:
            block = X[:, start:start + len(categories)]
            columns[name] = np.asarray(categories, dtype=object)[block.argmax(axis=1)]
            start += len(categories)
    return pd.DataFrame(columns)


def run_importance_table(fitted, dataset, method: str):
    """The importance table of a model just trained by ``bpnn train``, on every row of its data set (the table's
    columns rebuilt from the encoded rows, so the rows dropped or filled for missing values are as at training)."""
    features = decoded_features(fitted.encoder, dataset.X)
    y = dataset.y if method == "permutation" else None
    table = importance_table(fitted, features, y, method, dataset.source)
    table.attrs["rows"] = len(features)
    return table


def add_to_run(run, fitted, dataset, method: str, quiet: bool):
    """``bpnn train --importance METHOD``: the table of :func:`run_importance_table` as a section of the run's
    report (its bar chart among the figures of --plots), and in the terminal unless ``quiet``."""
    from bpnn.reports.importance_plots import importance_section

    table = run_importance_table(fitted, dataset, method)
    run.sections.append(importance_section(table, f"Input importance ({method})"))
    if not quiet:
        print_importance(table, f"Input importance ({method}) on {dataset.source} ({len(dataset.X)} rows)")
    return table
