"""``bpnn tune DATA --target Y --hidden 2:20 …``: choose the hidden size by k-fold cross-validation (``--folds K``,
``--block`` for time-ordered rows) or on the usual division's validation rows, each candidate trained
``--restarts`` times; a table per candidate, a figure of error against hidden size with the √(n+m)+a rule's range,
and the best candidate trained again as ``bpnn train`` would and saved (the measuring is
:mod:`bpnn.selection.tune`).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

from bpnn.cli._common import DEFAULT_HIDDEN, TASKS, UsageError, add_missing_options, check_outputs, missing_option, note_dropped


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``tune`` to the ``bpnn`` command's sub-parsers."""
    from bpnn.cli.train import add_training_options

    tune = commands.add_parser(
        "tune", help="choose the hidden size by cross-validation, with restarts", conflict_handler="resolve",
        description="Train every candidate hidden size on k folds (or on the division's validation rows), several "
                    "times from different start weights, report the error of each with its spread, and train and "
                    "save the best one.")
    tune.add_argument("data", help="the data file")
    tune.add_argument("--target", nargs="+", metavar="COL", required=True, help="target column(s)")
    tune.add_argument("--features", nargs="+", metavar="COL", help="feature columns (default: all other columns)")
    tune.add_argument("--task", choices=TASKS, help="override the detected task")
    tune.add_argument("--encoding", help="text encoding of the file (default: UTF-8, else GBK)")
    add_missing_options(tune)
    add_training_options(tune)
    tune.add_argument("--hidden", nargs="+", metavar="SIZES",
                      help="candidates, separated by spaces: A:B[:STEP] (every one-layer size from A to B), 10 (one "
                           "layer), 20,10 (two layers) (default: the rule √(n+m)+a's range, a = 1…10)")
    search = tune.add_argument_group("how candidates are judged")
    search.add_argument("--folds", type=int, metavar="K", help="k-fold cross-validation (default: the division's "
                                                               "validation rows)")
    search.add_argument("--block", action="store_true", help="folds of contiguous rows, for time-ordered data")
    search.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), metavar="N",
                        help="processes, each with one BLAS thread (default: 2, or 1 on one core)")
    tune.add_argument("--out", metavar="MODEL", help="model file of the best candidate (default: the data file's name "
                                                     "with .bpnn, here)")
    tune.add_argument("--report", metavar="FILE.html", help="write a self-contained HTML report")
    tune.add_argument("--plots", metavar="DIR", help="write the figures as PNG files into DIR")
    tune.add_argument("--quiet", action="store_true", help="no progress lines and no tables")
    tune.set_defaults(handler=run_tune)


def run_tune(args: argparse.Namespace) -> int:
    import numpy as np

    from bpnn.cli.fitting import choose_solver, default_epochs, fit_dataset, make_estimator, settings_of
    from bpnn.cli.outputs import model_info, print_run, write_outputs
    from bpnn.cli.restarts import print_trials
    from bpnn.estimators.parameters import in_cli_words
    from bpnn.files.modelfile import save
    from bpnn.reports.progress import print_table
    from bpnn.reports.tune_plots import tuning_section
    from bpnn.selection.tune import TuneError, best_of, parse_candidates, rule_of_thumb, tune
    from bpnn.tables import check_division, prepare, read_table

    if args.block and args.folds is None:
        raise UsageError("--block makes the folds of --folds K contiguous; give --folds K too")
    if args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1; got {args.jobs}")
    settings = settings_of(argparse.Namespace(**{**vars(args), "hidden": DEFAULT_HIDDEN}))
    data = Path(args.data)
    out = Path(args.out) if args.out else Path(data.stem + ".bpnn")
    check_outputs({"--out": out, "--report": args.report}, {"--plots": args.plots})
    frame = read_table(data, args.encoding)
    dataset = prepare(frame, args.target, args.features, args.task, source=data.name, missing=missing_option(args))
    note_dropped(dataset.dropped, data.name)
    check_division(len(dataset.X), settings.division, data.name)
    if dataset.task == "regression":
        n_outputs = dataset.y.shape[1] if dataset.y.ndim == 2 else 1
    else:
        n_outputs = len(np.unique(dataset.y))
    n_inputs = dataset.X.shape[1]
    rule = rule_of_thumb(n_inputs, n_outputs if dataset.task == "regression" else (1 if n_outputs == 2 else n_outputs))
    try:
        hidden = parse_candidates(args.hidden or [f"{rule[0]}:{rule[1]}"])
    except TuneError as error:
        raise UsageError(str(error)) from None
    division = settings.division
    if args.folds is not None:  # the held-out fold judges; the division keeps validation rows for the stop rule
        division = (division[0], division[1], 0.0)
    candidates = []
    for sizes in hidden:
        candidate = dataclasses.replace(settings, hidden=sizes, division=division)
        solver = choose_solver(candidate, dataset.task, n_inputs, n_outputs)
        estimator = make_estimator(dataset.task, candidate, solver, candidate.epochs or default_epochs(solver), None)
        candidates.append((sizes, estimator.get_params()))
    measure = "mean squared error" if dataset.task == "regression" else "error rate"
    held_out = f"{args.folds}-fold cross-validation" if args.folds else "validation"
    if not args.quiet:
        print(f"bpnn tune {data.name}: {len(candidates)} candidates × {args.folds or 1} fold(s) × {settings.restarts} "
              f"restart(s) on {args.jobs} process(es)", file=sys.stderr)

    def report(candidate: object) -> None:
        if not args.quiet:
            s = candidate.summary()
            print(f"  hidden {s['hidden']}: kept model's {measure} {s['kept']:.4g}; over {s['fits']} trainings "
                  f"{s['mean']:.4g} ± {s['std']:.2g} ({s['best']:.4g} to {s['worst']:.4g}), {s['seconds']:.1f} s",
                  file=sys.stderr)

    try:
        results = tune(dataset.task, candidates, dataset.X, dataset.y, folds=args.folds, block=args.block,
                       seed=settings.seed if settings.division_seed is None else settings.division_seed,
                       jobs=args.jobs, report=report)
    except TuneError as error:
        raise UsageError(str(error)) from None
    except ValueError as error:
        raise UsageError(f"{data.name}: {in_cli_words(str(error))}") from None
    best = best_of(results)
    summaries = [c.summary() for c in results]
    kept = "the ensemble mean" if settings.ensemble else "the one with the lowest validation error"
    text = (f"{len(results)} candidates judged by {held_out}: each fold's model trained {settings.restarts} time(s) from "
            f"different start weights, the kept model {kept}; "
            f"the kept model's error chooses (± its standard deviation over folds); mean, ± std, best and worst are over "
            f"every training. The rule √(n+m)+a with "
            f"n = {n_inputs} inputs gives {rule[0]}…{rule[1]}. Chosen: {best.label}, trained again below on "
            f"the division {','.join(f'{r:g}' for r in settings.division)}.")
    fitted, run = fit_dataset(dataset, dataclasses.replace(settings, hidden=best.hidden), args.quiet,
                              f"bpnn tune {data.name}: hidden {best.label}")
    run.settings["tuned over"] = " ".join(args.hidden or [f"{rule[0]}:{rule[1]}"])
    run.settings["judged by"] = held_out
    run.sections.insert(0, tuning_section(summaries, measure, best.label, rule, held_out, text))
    save(fitted.estimator, out, model_info(fitted, run))
    written = [out, *write_outputs(run, args.report, args.plots)]
    if not args.quiet:
        section = run.sections[0]
        print_table(section.header, section.rows, title=f"Candidates ({measure}, {held_out})")
        print(f"chosen: hidden {best.label}")
        print_run(run, args.quiet)
        print_trials(fitted.estimator, fitted.task, args.quiet)
        print("wrote " + ", ".join(map(str, written)))
    return 0
