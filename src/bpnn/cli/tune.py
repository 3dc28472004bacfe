"""``bpnn tune DATA --target Y --hidden 2:20 …``: choose the hidden size by k-fold cross-validation (``--folds K``,
``--block`` for time-ordered rows) or on the usual division's validation rows, each candidate trained
``--restarts`` times; a table per candidate, a figure of error against hidden size with the √(n+m)+a rule's range,
and the best candidate trained again as ``bpnn train`` would and saved (the measuring is
:mod:`bpnn.selection.tune`).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import os
import sys
from pathlib import Path

from bpnn.cli._common import DEFAULT_HIDDEN, TASKS, UsageError, add_missing_options, check_outputs, missing_option, note_dropped
from bpnn.cli.outputs import add_font_option, use_font


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
    tune.add_argument("--exclude", nargs="+", metavar="COL", help="columns that are no input (identifiers, dates, "
                                                                  "comments, other targets)")
    tune.add_argument("--encoding", help="text encoding of the file (default: UTF-8, else GBK)")
    from bpnn.cli._common import add_table_options

    add_table_options(tune)  # --sheet, --header-row: as bpnn train reads the file
    add_missing_options(tune)
    add_training_options(tune, goal=False)  # each candidate is judged by its validation error, not stopped at a goal
    tune.add_argument("--hidden", nargs="+", metavar="SIZES",
                      help="candidates, separated by spaces: A:B[:STEP] (every one-layer size from A to B), 10 (one "
                           "layer), 20,10 (two layers) (default: the rule √(n+m)+a's range, a = 1…10)")
    search = tune.add_argument_group("how candidates are judged")
    search.add_argument("--folds", type=int, metavar="K", help="k-fold cross-validation (default: the division's "
                                                               "validation rows)")
    search.add_argument("--block", action="store_true", help="folds of contiguous rows, for time-ordered data")
    search.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), metavar="N",
                        help="processes, each with one BLAS thread (default: 2, or 1 on one core)")
    search.add_argument("--scheduler", metavar="local:N|tcp://HOST:PORT",
                        help="run the trainings (candidates × folds, start vectors) as tasks on a Dask cluster: "
                             "local:N starts N local worker processes, an address joins a running scheduler")
    starts = tune.add_argument_group("searching the start weights of the chosen size, every method at the same "
                                     "budget of epochs")
    starts.add_argument("--init-search", metavar="METHODS",
                        help="ga (SciPy's differential evolution), pso (pymoo's particle swarm), restarts and/or full, "
                             "separated by commas: each screens --population × --generations start vectors for "
                             "--screen-epochs epochs and trains the best fully (full: trains random starts fully until "
                             "the same budget of epochs is spent); the table compares them and the network of the "
                             "method with the lowest validation error is saved")
    starts.add_argument("--population", type=int, default=10, metavar="P", help="start vectors per generation "
                                                                                "(default 10)")
    starts.add_argument("--generations", type=int, default=5, metavar="G", help="generations (default 5)")
    starts.add_argument("--screen-epochs", type=int, default=10, metavar="K",
                        help="epochs each start vector is trained before it is scored (default 10)")
    tune.add_argument("--out", metavar="MODEL", help="model file of the best candidate (default: the data file's name "
                                                     "with .bpnn, here)")
    tune.add_argument("--report", metavar="FILE.html", help="write a self-contained HTML report")
    tune.add_argument("--plots", metavar="DIR", help="write the figures as PNG files into DIR")
    add_font_option(tune)
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
    methods = check_init_search(args)
    settings = settings_of(argparse.Namespace(**{**vars(args), "hidden": DEFAULT_HIDDEN, "scheduler": None}))
    data = Path(args.data)
    out = Path(args.out) if args.out else Path(data.stem + ".bpnn")
    from bpnn.cli.staging import check_not_inputs, staged

    check_not_inputs({"--out": out, "--report": args.report, "--plots": args.plots}, {"data file": data})
    check_outputs({"--out": out, "--report": args.report}, {"--plots": args.plots})
    use_font(args.font)
    frame = read_table(data, args.encoding, sheet=args.sheet, header_row=args.header_row)
    dataset = prepare(frame, args.target, args.features, args.task, source=data.name, missing=missing_option(args),
                      exclude=args.exclude)
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
    client = None if args.scheduler is None else connect(args.scheduler)
    if not args.quiet:
        where = f"{args.jobs} process(es)" if client is None else f"the Dask cluster at {args.scheduler}"
        print(f"bpnn tune {data.name}: {len(candidates)} candidates × {args.folds or 1} fold(s) × {settings.restarts} "
              f"restart(s) on {where}", file=sys.stderr)

    def report(candidate: object) -> None:
        if not args.quiet:
            s = candidate.summary()
            print(f"  hidden {s['hidden']}: kept model's {measure} {s['kept']:.4g}; over {s['fits']} trainings "
                  f"{s['mean']:.4g} ± {s['std']:.2g} ({s['best']:.4g} to {s['worst']:.4g}), {s['seconds']:.1f} s",
                  file=sys.stderr)

    try:
        results = tune(dataset.task, candidates, dataset.X, dataset.y, folds=args.folds, block=args.block,
                       seed=settings.seed if settings.division_seed is None else settings.division_seed,
                       jobs=args.jobs, client=client, report=report)
        best = best_of(results)
        searched = None if methods is None else search(args, dataset, settings, best.hidden, methods, client)
    except TuneError as error:
        raise UsageError(str(error)) from None
    except ValueError as error:
        raise UsageError(f"{data.name}: {in_cli_words(str(error))}") from None
    finally:
        if client is not None:
            client.close()
    from bpnn.cli._common import print_notes

    print_notes(dataset.notes)  # what reading converted and filled, and the inputs, once the options were accepted
    summaries = [c.summary() for c in results]
    kept = "the ensemble mean" if settings.ensemble else "the one with the lowest validation error"
    text = (f"{len(results)} candidates judged by {held_out}: each fold's model trained {settings.restarts} time(s) from "
            f"different start weights, the kept model {kept}; "
            f"the kept model's error chooses (± its standard deviation over folds); mean, ± std, best and worst are over "
            f"every training. The rule √(n+m)+a with "
            f"n = {n_inputs} inputs gives {rule[0]}…{rule[1]}. Chosen: {best.label}, trained again below on "
            f"the division {','.join(f'{r:g}' for r in settings.division)}.")
    title = f"bpnn tune {data.name}: hidden {best.label}"
    if searched is None:
        fitted, run = fit_dataset(dataset, dataclasses.replace(settings, hidden=best.hidden), args.quiet, title)
    else:
        fitted, run = searched_run(dataset, dataclasses.replace(settings, hidden=best.hidden, restarts=1), searched,
                                   title)
    run.settings["tuned over"] = " ".join(args.hidden or [f"{rule[0]}:{rule[1]}"])
    run.settings["judged by"] = held_out
    if args.impute:  # the fill of missing values, which predict and the exports repeat (as bpnn train records it)
        run.settings["impute"] = args.impute
    run.sections.insert(0, tuning_section(summaries, measure, best.label, rule, held_out, text))
    # every output under a temporary name, renamed into place once all are written (as bpnn train writes them)
    with staged({"--out": out, "--report": args.report}, {"--plots": args.plots}) as stage:
        with stage.writing("--out"):
            save(fitted.estimator, stage["--out"], model_info(fitted, run))
        with stage.writing("--report", "--plots"):
            written = [out, *map(stage.final_path, write_outputs(run, stage["--report"], stage["--plots"]))]
    if not args.quiet:
        section = run.sections[0]
        print_table(section.header, section.rows, title=f"Candidates ({measure}, {held_out})")
        print(f"chosen: hidden {best.label}")
        if searched is not None:
            section = run.sections[1]
            print_table(section.header, section.rows, title=section.title)
            print(f"kept: the network of {run.settings['start weights'].split()[0]} (the lowest validation error)")
        print_run(run, args.quiet)
        print_trials(fitted.estimator, fitted.task, args.quiet)
        print("wrote " + ", ".join(map(str, written)))
    return 0


def check_init_search(args: argparse.Namespace) -> list[str] | None:
    """The methods of --init-search (None without it), its options checked in their words."""
    from bpnn.selection.init_search import SearchError, parse_methods

    if args.init_search is None:
        return None
    try:
        methods = parse_methods(args.init_search)
    except SearchError as error:
        raise UsageError(str(error)) from None
    if args.ensemble:
        raise UsageError("--init-search trains one network from the best start weights; leave out --ensemble")
    if "pso" in methods and importlib.util.find_spec("pymoo") is None:
        raise UsageError("--init-search pso uses pymoo's particle swarm, which is not installed; "
                         "pip install 'bpnn[search]' (or pymoo), or leave out pso")
    low = 5 if "ga" in methods else 1  # differential evolution mixes three other members into each
    if args.population < low:
        raise UsageError(f"--population must be at least {low}{' with ga' if low > 1 else ''}; got {args.population}")
    for option, value in (("--generations", args.generations), ("--screen-epochs", args.screen_epochs)):
        if value < 1:
            raise UsageError(f"{option} must be at least 1; got {value}")
    return methods


def connect(scheduler: str) -> object:
    """The Dask client of --scheduler, or a UsageError in its words."""
    from bpnn.distributed import client_from_scheduler

    try:
        return client_from_scheduler(scheduler)
    except ValueError as error:
        raise UsageError(str(error)) from None
    except OSError as error:
        raise UsageError(f"--scheduler {scheduler!r}: cannot reach the scheduler ({error})") from None


def search(args: argparse.Namespace, dataset: object, settings: object, hidden: tuple, methods: list[str],
           client: object) -> list:
    """Every --init-search method on the chosen hidden size, on the usual division, at the same budget."""
    import numpy as np

    from bpnn.cli.fitting import choose_solver, default_epochs, make_estimator
    from bpnn.selection.init_search import search_starts

    chosen = dataclasses.replace(settings, hidden=hidden, restarts=1, ensemble=False)
    n_outputs = dataset.y.shape[1] if dataset.task == "regression" and dataset.y.ndim == 2 else \
        1 if dataset.task == "regression" else len(np.unique(dataset.y))
    solver = choose_solver(chosen, dataset.task, dataset.X.shape[1], n_outputs)
    params = make_estimator(dataset.task, chosen, solver, chosen.epochs or default_epochs(solver), None).get_params()
    if not args.quiet:
        print(f"bpnn tune: start weights of hidden {','.join(map(str, hidden))} by {', '.join(methods)}: "
              f"{args.population} × {args.generations} start vectors × {args.screen_epochs} epochs each, then the best "
              f"for up to {params['max_iter']} epochs", file=sys.stderr)

    def report(result: object) -> None:
        if not args.quiet:
            s = result.summary()
            print(f"  {s['method']}: {s['candidates']} start vectors, {s['epochs']} of {s['budget']} epochs, "
                  f"{s['seconds']:.1f} s", file=sys.stderr)

    return search_starts(dataset.task, params, dataset.X, dataset.y, methods, population=args.population,
                         generations=args.generations, screen_epochs=args.screen_epochs, jobs=args.jobs,
                         client=client, report=report)


def searched_run(dataset: object, settings: object, results: list, title: str) -> tuple:
    """The Fitted model and report of the --init-search method whose network has the lowest validation error, with
    the comparison as the report's section."""
    from bpnn.cli._common import SPLITS
    from bpnn.cli.fitted import Fitted
    from bpnn.cli.outputs import describe_run
    from bpnn.reports.html import Section
    from bpnn.selection.init_search import INIT_SEARCHES, best_of

    winner = best_of(results)
    estimator = winner.estimator
    fitted = Fitted(estimator, dataset.encoder, dataset.task, dataset.target_names, dataset.source)
    division = estimator.division_
    rows = {name: part for name, part in zip(SPLITS, (division.train, division.val, division.test)) if part.size}
    from bpnn.cli.fitting import resolved_max_fail

    settings = dataclasses.replace(settings, max_fail=resolved_max_fail(settings, estimator.solver))  # a number, as train
    run = describe_run(fitted, dataset, rows, settings, estimator.solver, winner.seconds, title)
    header, table = comparison(results, dataset.task)
    run.settings["start weights"] = f"{winner.method} (--init-search {','.join(r.method for r in results)})"
    budget = results[0].budget
    screened = [r for r in results if r.retrained]
    text = (f"A budget of {budget} epochs for every method, the epochs each really ran in the table. "
            + (f"{', '.join(r.method for r in screened)} screened {screened[0].summary()['candidates']} start vectors "
               f"each (proposed by {'; '.join(f'{r.method}: {INIT_SEARCHES[r.method].library}' for r in screened)}), "
               f"trained {screened[0].screen_epochs} epochs at most and scored by the validation error, and trained "
               f"the best one again for up to {winner.max_iter} epochs. " if screened else "")
            + "".join(f"full trained {r.summary()['candidates']} networks from the initialiser's draws for up to "
                      f"{r.max_iter} epochs each until the budget was spent (the last cut to the epochs left), and "
                      f"kept the one with the lowest "
                      f"validation error. " for r in results if not r.retrained)
            + f"Kept: the network of {winner.method}, the lowest validation error.")
    run.sections.insert(0, Section("Start weights: search against restarts at equal epochs", text, header, table))
    return fitted, run


def comparison(results: list, task: str) -> tuple[list[str], list[list]]:
    """(header, rows) comparing the methods: start vectors, epochs, the best screened and the final network's
    validation error, its test figures."""
    from bpnn.cli.restarts import TEST_FIGURES, figure, measure_of, test_figure
    from bpnn.selection.init_search import best_of

    measure, to_measure = measure_of(results[0].estimator, task)
    tests = [name for name in TEST_FIGURES if name in (results[0].estimator.test_scores_ or {})]
    header = ["method", "start vectors", "candidates' epochs", "final epochs", "epochs (budget)",
              f"best screened {measure}", f"validation {measure}", *(TEST_FIGURES[name] for name in tests), "kept"]
    winner, rows = best_of(results), []
    for result in results:
        s = result.summary()
        rows.append([s["method"], s["candidates"], s["screening_epochs"], s["final_epochs"],
                     f"{s['epochs']} ({s['budget']})", figure(s["best_screened"], to_measure),
                     figure(s["val_loss"], to_measure), *(figure(s["test"].get(name), test_figure(name)) for name in tests),
                     "yes" if result is winner else ""])
    return header, rows
