"""``bpnn train``: MATLAB's workflow on a table. Encode the features (text columns one-hot), then let the
estimator remove constant input columns and scale inputs and, for regression, targets (mapminmax by default),
divide the rows at random 70/15/15 into training, validation and test sets and train with validation stopping
(``scaling=``, ``division=``, ``max_fail=`` of :mod:`bpnn.estimators`); then report metrics per split and save
the model file. The scaling is part of the estimator, fitted on the training rows and saved with it; the feature
encoding goes in the model file's ``info``, so ``predict`` takes rows in the original units.

``--resume`` continues a checkpoint (:mod:`bpnn.cli.resume`); ``--scheduler`` trains on a Dask cluster
(:mod:`bpnn.cli.cluster`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bpnn.cli._common import (
    DEFAULT_ACTIVATION,
    DEFAULT_ALPHA,
    DEFAULT_DIVISION,
    DEFAULT_HIDDEN,
    DEFAULT_LEARNING_RATE,
    DEFAULT_MAX_FAIL,
    DEFAULT_SCALING,
    DEFAULT_SEED,
    FULL_BATCH_EPOCHS,
    STEPWISE_EPOCHS,
    TASKS,
    UsageError,
    add_missing_options,
    add_table_options,
    check_outputs,
    missing_option,
    note_dropped,
    print_notes,
)
from bpnn.cli.fitting import add_solver_flags, fit_dataset, settings_of
from bpnn.cli.outputs import add_font_option, model_info, print_run, use_font, write_outputs
from bpnn.cli.restarts import add_restart_options, check_restart_options, print_trials
from bpnn.cli.resume import option_value, relative_to, resumed_options, train_options
from bpnn.cli.series import add_series_options, check_series_options
from bpnn.cli.staging import check_not_inputs, staged
from bpnn.core.solvers import FULL_BATCH_SOLVERS, SOLVERS, STEPWISE_SOLVERS

# what the help says of the solvers, from their records
MATLAB = tuple(name for name in FULL_BATCH_SOLVERS if SOLVERS[name].validation_stop)  # MATLAB's, with its max_fail
OTHER_FULL_BATCH = tuple(name for name in FULL_BATCH_SOLVERS if name not in MATLAB)
STEPWISE = ", ".join(STEPWISE_SOLVERS)
NOT_RESUMABLE = tuple(name for name, record in SOLVERS.items() if not record.resumable)


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``train`` to the ``bpnn`` command's sub-parsers."""
    train = commands.add_parser("train", help="train a network on a CSV, TSV, Excel or Parquet table",
                                description="Train a network on a table (CSV, TSV, .xlsx or Parquet, UTF-8 or GBK) "
                                            "and save it with its metrics; optionally write plots and an HTML report.")
    add_arguments(train)
    train.set_defaults(handler=run_train)


def add_arguments(train: argparse.ArgumentParser) -> None:
    train.add_argument("data", nargs="?", help="the data file (with --resume: the checkpoint's)")
    train.add_argument("--target", nargs="+", metavar="COL", help="target column(s) (required; with --resume: the checkpoint's)")
    train.add_argument("--features", nargs="+", metavar="COL", help="feature columns (default: all other columns)")
    train.add_argument("--exclude", nargs="+", metavar="COL", help="columns that are no input (identifiers, dates, "
                                                                   "comments, other targets)")
    train.add_argument("--task", choices=TASKS, help="override the detected task")
    train.add_argument("--encoding", help="text encoding of the file (default: UTF-8, else GBK)")
    add_table_options(train)
    add_missing_options(train)
    add_training_options(train)
    add_series_options(train)
    train.add_argument("--out", metavar="MODEL", help="model file (default: the data file's name with .bpnn, here)")
    train.add_argument("--report", metavar="FILE.html", help="write a self-contained HTML report")
    train.add_argument("--plots", metavar="DIR", help="write the figures as PNG files into DIR")
    add_font_option(train)
    train.add_argument("--importance", nargs="?", const="miv", choices=("miv", "permutation", "garson", "olden"),
                       metavar="METHOD", help="add the input importance table and chart (miv, permutation, garson or olden; "
                                              "default miv) to the report and the terminal (docs/importance.md)")
    train.add_argument("--quiet", action="store_true", help="no progress display and no tables")
    resume = train.add_argument_group("checkpoints (Ctrl-C stops after the current batch and writes one, and the model)")
    resume.add_argument("--checkpoint", metavar="FILE", help="write the complete training state to FILE (default on "
                                                             "Ctrl-C: the model file's name with .ckpt)")
    resume.add_argument("--checkpoint-every", type=int, default=1, metavar="N", help="epochs between checkpoints (default 1)")
    resume.add_argument("--resume", metavar="FILE", help="continue the run of this checkpoint with its data and options "
                                                         "(options given again must match; outputs may change); every "
                                                         f"solver but {', '.join(NOT_RESUMABLE)}")
    cluster = train.add_argument_group("on a Dask cluster (every row trains; no division, scaling or report)")
    cluster.add_argument("--scheduler", metavar="local:N|tcp://HOST:PORT",
                         help="train with bpnn.distributed: local:N starts N single-threaded local workers, "
                              "tcp://HOST:PORT joins a running scheduler; the CSV or Parquet file is read partition by partition")
    cluster.add_argument("--partitions", type=int, metavar="K", help="split the data into K partitions (default: "
                                                                     "64 MB blocks of CSV, Parquet's own)")


def add_training_options(parser: argparse.ArgumentParser, goal: bool = True) -> None:
    """The network and training options bpnn train and bpnn tune share; --goal only with ``goal`` (bpnn train)."""
    group = parser.add_argument_group("network and training")
    group.add_argument("--hidden", default=DEFAULT_HIDDEN,
                       help=f"hidden layer sizes, e.g. 10 or 20,10 (default {DEFAULT_HIDDEN})")
    group.add_argument("--activation", default=DEFAULT_ACTIVATION,
                       help=f"hidden activation: tanh (tansig), sigmoid (logsig), relu, … (default {DEFAULT_ACTIVATION})")
    group.add_argument("--solver", help=f"{', '.join((*MATLAB, *OTHER_FULL_BATCH, *STEPWISE_SOLVERS))} (default: lm for a "
                                        f"small regression network, like fitnet; scg otherwise, like patternnet)")
    group.add_argument("--epochs", type=int, help=f"maximum epochs (default {FULL_BATCH_EPOCHS} for full-batch solvers, "
                                                  f"{STEPWISE_EPOCHS} for {STEPWISE})")
    group.add_argument("--learning-rate", type=float, default=DEFAULT_LEARNING_RATE,
                       help=f"learning rate of {STEPWISE} (default {DEFAULT_LEARNING_RATE})")
    group.add_argument("--batch-size", type=int, help=f"mini-batch size of {STEPWISE} (default min(200, rows))")
    group.add_argument("--alpha", type=float, default=DEFAULT_ALPHA, help=f"L2 penalty α (default {DEFAULT_ALPHA:g})")
    group.add_argument("--division", default=DEFAULT_DIVISION,
                       help=f"random train,validation,test ratios (default {DEFAULT_DIVISION}; 1,0,0 trains on every row)")
    group.add_argument("--scaling", default=DEFAULT_SCALING, help=f"mapminmax (to [-1, 1]) or standard, after removing "
                                                                  f"constant input columns, or none (default {DEFAULT_SCALING})")
    group.add_argument("--max-fail", type=int, default=DEFAULT_MAX_FAIL,
                       help="validation checks: epochs without a lower validation loss before stopping, 0 for none "
                            "(default 6; 0 for br, as MATLAB's trainbr)")
    group.add_argument("--seed", type=int, default=DEFAULT_SEED,
                       help=f"random seed of initialisation, division and shuffling (default {DEFAULT_SEED})")
    group.add_argument("--init", help=f"weight initialisation: nguyen_widrow (MATLAB's initnw), glorot_uniform, he_uniform, "
                                      f"… (default nguyen_widrow for {', '.join(MATLAB)} with mapminmax, else glorot_uniform)")
    add_restart_options(group)
    add_solver_flags(parser.add_argument_group(f"MATLAB's trainParam of lm, br, rprop and scg ({'--goal, ' * goal}"
                                               f"--min-grad) and of lm and br (--mu ...)"), goal)


def defaults() -> dict:
    """Every option of ``bpnn train`` at its default, by name."""
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return vars(parser.parse_args([]))


def run_train(args: argparse.Namespace) -> int:
    if args.resume is not None:
        args = resumed_options(args, defaults())
    if args.data is None or args.target is None:
        raise UsageError("bpnn train needs DATA and --target COL (or --resume FILE, a checkpoint of bpnn train)")
    check_restart_options(args)
    check_series_options(args)
    if getattr(args, "delays", None) is not None:  # a NAR/NARX network on the series (bpnn.cli.series)
        from bpnn.cli.series import run_train_series

        return run_train_series(args)
    if args.scheduler is not None:
        from bpnn.cli.cluster import run_train_on_cluster

        return run_train_on_cluster(args)
    from bpnn.files.modelfile import save
    from bpnn.tables import check_division, large_input_warning, prepare, read_table

    settings = settings_of(args)
    data = Path(args.data)
    if args.data == "-" and not args.out:
        raise UsageError("bpnn train - reads the table from standard input; name the model file with --out")
    source = "stdin" if args.data == "-" else data.name  # how messages name the data
    out = Path(args.out) if args.out else Path(data.stem + ".bpnn")
    if args.checkpoint_every < 1:
        raise UsageError(f"--checkpoint-every takes a number of epochs from 1; got {args.checkpoint_every}")
    outputs = {"--out": out, "--report": args.report, "--checkpoint": args.checkpoint}
    check_not_inputs({**outputs, "--plots": args.plots}, {"data file": data})
    check_not_inputs({"--out": out, "--report": args.report, "--plots": args.plots}, {"checkpoint": args.resume})
    check_outputs(outputs, {"--plots": args.plots})
    use_font(args.font)
    frame = read_table(data, args.encoding, sheet=args.sheet, header_row=args.header_row)
    dataset = prepare(frame, args.target, args.features, args.task, source=source, missing=missing_option(args),
                      exclude=args.exclude)
    note_dropped(dataset.dropped, source)
    check_division(len(dataset.X), settings.division, source)
    if settings.scaling == "none" and (warning := large_input_warning(dataset.X, dataset.encoder.input_names, source)):
        print(f"bpnn: warning: {warning}", file=sys.stderr)
    checkpoint = Path(args.checkpoint) if args.checkpoint else out.with_name(out.name + ".ckpt")
    kept = relative_to(checkpoint, {**train_options(args), "out": option_value("out", out)})  # a copy resumes where it is
    checkpointing = {"checkpoint": checkpoint, "resume": args.resume, "only_on_interrupt": not args.checkpoint,
                     # without --checkpoint only an interrupted run writes one
                     "checkpoint_every": args.checkpoint_every if args.checkpoint else sys.maxsize,
                     "checkpoint_info": {"train": kept}}
    # every output under a temporary name, renamed into place once all are written
    with staged({"--out": out, "--report": args.report}, {"--plots": args.plots}) as stage:
        fitted, run = fit_dataset(dataset, settings, args.quiet, f"bpnn train {source}", checkpointing,
                                  figures=bool(args.plots or args.report))
        if args.impute:  # the fill of missing values, which predict and the exports repeat
            run.settings["impute"] = args.impute
        print_notes(dataset.notes)  # after the options were accepted: a refused run says one line
        with stage.writing("--out"):
            save(fitted.estimator, stage["--out"], model_info(fitted, run))
        interrupted = fitted.estimator.history_.stop_reason == "interrupted"
        if not interrupted:
            if args.importance:
                from bpnn.cli.importance import add_to_run

                add_to_run(run, fitted, dataset, args.importance, args.quiet)
            with stage.writing("--report", "--plots"):
                written = [out, *map(stage.final_path, write_outputs(run, stage["--report"], stage["--plots"]))]
    if interrupted:
        saved = f"the checkpoint {checkpoint} and " if checkpoint.exists() else ""
        print(f"bpnn: interrupted after {fitted.estimator.n_iter_} epochs; wrote {saved}the best model so far to {out}"
              + (f"; continue with bpnn train --resume {checkpoint}" if saved else ""), file=sys.stderr)
        return 130
    print_run(run, args.quiet)
    print_trials(fitted.estimator, fitted.task, args.quiet)
    if not args.quiet:
        print("wrote " + ", ".join(map(str, written)))
    return 0
