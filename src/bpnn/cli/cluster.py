"""``bpnn train DATA --scheduler local:N|tcp://HOST:PORT [--partitions K]``: training on a Dask cluster.

The table is read partition by partition (:func:`bpnn.distributed.read_partitioned`: CSV or Parquet through
Dask's readers, numeric feature columns), so it never has to fit in the client's memory. Training uses
:class:`bpnn.distributed.DaskBPClassifier` / :class:`~bpnn.distributed.DaskBPRegressor` on every row: a
cluster makes no random division and fits no scaling, so ``--division``, ``--scaling``, ``--max-fail``,
the missing-value options, ``--report`` and ``--plots`` are refused when given (exit 2, one line). The
model file is the same as in-memory training writes (``to_local()`` and the table encoding in ``info``), so
``bpnn predict``, ``evaluate``, ``info`` and ``export`` take it.

Metrics are computed on every row: the workers predict block by block and only the targets, predictions
and (for classes) probabilities come to the client — m × (2 + classes) numbers, far fewer than the features.
The task is detected (as in memory, :func:`bpnn.tables.detect_task`) on the first ``TASK_ROWS`` rows; ``--task``
overrides it.

Dask, pandas and scikit-learn are imported inside :func:`run_train_on_cluster` only.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bpnn.cli._common import (
    DEFAULT_DIVISION,
    DEFAULT_MAX_FAIL,
    DEFAULT_SCALING,
    UsageError,
    check_outputs,
    parse_sizes,
)
from bpnn.cli.fitted import Fitted
from bpnn.cli.fitting import Settings, choose_solver, default_epochs, solver_flags_of, solver_options_for
from bpnn.cli.outputs import performance_measure, split_metrics

TASK_ROWS = 1000  # rows the task is detected on
REFUSED = {  # option -> (its default, why a cluster run cannot honour it)
    "division": (DEFAULT_DIVISION, "a cluster trains on every row and makes no random division; pass a separate "
                                   "validation file to bpnn evaluate instead"),
    "scaling": (DEFAULT_SCALING, "a cluster fits no scaling (it would need every row at once); scale the columns beforehand"),
    "max_fail": (DEFAULT_MAX_FAIL, "validation stopping needs a division, which a cluster does not make"),
    "impute": (None, "missing values cannot be filled partition by partition; fill them beforehand"),
    "drop_missing": (False, "rows with missing values cannot be dropped partition by partition; drop them beforehand"),
    "report": (None, "a cluster run writes no report; run bpnn evaluate on the saved model"),
    "plots": (None, "a cluster run draws no figures; run bpnn evaluate on the saved model"),
    "encoding": (None, "partitioned reads take UTF-8 only; convert the file to UTF-8"),
    "exclude": (None, "partitioned reads take the columns --features names; list the inputs with --features"),
    "sheet": (None, "a cluster reads CSV or Parquet, not workbooks; save the sheet as CSV"),
    "header_row": (None, "partitioned reads take the column names from row 1; remove the rows above the header"),
    "importance": (None, "a cluster run writes no report; run bpnn importance on the saved model"),
}


def refuse_local_options(args: argparse.Namespace) -> None:
    """One-line UsageError for the first option a cluster run cannot honour."""
    for name, (default, why) in REFUSED.items():
        if getattr(args, name) != default:
            raise UsageError(f"--{name.replace('_', '-')} cannot be used with --scheduler: {why}")


def run_train_on_cluster(args: argparse.Namespace) -> int:
    import logging
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from bpnn.core.training import DivergenceWarning
    from bpnn.distributed import DaskBPClassifier, DaskBPRegressor, client_from_scheduler, read_partitioned
    from bpnn.estimators.parameters import in_cli_words
    from bpnn.files.modelfile import save
    from bpnn.reports.metrics import table
    from bpnn.reports.progress import print_table
    from bpnn.tables import FeatureEncoder, detect_task, is_numeric

    refuse_local_options(args)
    if args.partitions is not None and args.partitions < 1:
        raise UsageError(f"--partitions must be at least 1; got {args.partitions}")
    if args.epochs is not None and args.epochs < 1:
        raise UsageError(f"--epochs must be at least 1; got {args.epochs}")
    data = Path(args.data)
    out = Path(args.out) if args.out else Path(data.stem + ".bpnn")
    check_outputs({"--out": out}, {})
    try:
        X, y = read_partitioned(data, args.target, args.features, partitions=args.partitions)
    except ValueError as error:
        raise UsageError(str(error)) from None
    head = y.head(TASK_ROWS, npartitions=-1)
    head = head.to_frame() if head.ndim == 1 else head
    task = args.task or detect_task(head)
    if task == "classification" and len(args.target) > 1:
        raise UsageError(f"{data.name}: {len(args.target)} target columns make a classification task with several "
                         f"targets, which bpnn train does not take; give one target column, or use --task regression")
    if task == "regression" and not all(is_numeric(head[name]) for name in head.columns):
        raise UsageError(f"{data.name}: a target column holds text, so it cannot be a regression target; "
                         f"use --task classification")
    settings = Settings(parse_sizes(args.hidden), args.activation, args.solver, args.epochs, args.learning_rate,
                        args.batch_size, args.alpha, (1.0, 0.0, 0.0), "none", 0, args.seed,
                        solver_options=solver_flags_of(args))
    n_outputs = len(args.target) if task == "regression" else 2  # the solver choice only asks classification or not
    solver = choose_solver(settings, task, len(X.columns), n_outputs)
    epochs = settings.epochs or default_epochs(solver)
    try:
        client = client_from_scheduler(args.scheduler)
    except ValueError as error:
        raise UsageError(str(error)) from None
    except OSError as error:
        raise UsageError(f"--scheduler {args.scheduler!r}: cannot reach the scheduler ({error})") from None
    logging.getLogger("distributed.shuffle").setLevel(logging.ERROR)  # the label count's shuffle logs each run
    with client, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimator = (DaskBPClassifier if task == "classification" else DaskBPRegressor)(
            hidden_layer_sizes=settings.hidden, activation=settings.activation, solver=solver, alpha=settings.alpha,
            max_iter=epochs, random_state=settings.seed, learning_rate_init=settings.learning_rate,
            batch_size="auto" if settings.batch_size is None else settings.batch_size, client=client,
            solver_options=solver_options_for(settings, solver, goal=True))  # no scaling: MSE in the targets' units
        inputs = X.to_dask_array(lengths=True)  # no column names: the saved model takes the encoder's matrix
        if not args.quiet:
            print(f"bpnn train: {solver} on {data.name} over {len(client.scheduler_info()['workers'])} worker(s), "
                  f"{inputs.numblocks[0]} partition(s), {inputs.shape[0]} rows")
        started = time.perf_counter()
        try:
            estimator.fit(inputs, y)
        except ValueError as error:
            raise UsageError(f"{data.name}: {in_cli_words(str(error))}") from None
        seconds = time.perf_counter() - started
        targets = y.to_dask_array(lengths=True)
        if task == "classification":
            labels, predicted, proba = client.compute([targets, estimator.predict(inputs), estimator.predict_proba(inputs)],
                                                      sync=True)
            results = {"Training": (labels, predicted, proba)}
        else:
            values, predicted = client.compute([targets, estimator.predict(inputs)], sync=True)
            results = {"Training": (values, predicted)}
        local = estimator.to_local()
    ours = (ConvergenceWarning, DivergenceWarning)  # Dask's own warnings on conversions are not the user's concern
    for message in dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, ours)):
        print(f"bpnn: note: {message}", file=sys.stderr)
    classes = local.classes_.tolist() if task == "classification" else None
    metrics = split_metrics(task, results, classes)
    rows = len(results["Training"][0])
    history = local.history_
    measure, to_measure = performance_measure(task, local.network_.layer_sizes[-1], False)
    encoder = FeatureEncoder([(name, None) for name in X.columns], {})
    fitted = Fitted(local, encoder, task, list(args.target), data.name)
    run_settings = {"solver": solver, "hidden layers": ",".join(map(str, settings.hidden)), "activation": settings.activation,
                    "epochs (maximum)": epochs, "division": "1,0,0", "scaling": "none", "alpha": settings.alpha,
                    "scheduler": args.scheduler, "seed": settings.seed, "training time (s)": round(seconds, 3)}
    run_data = {"source": data.name, "rows": rows, "feature columns": len(X.columns), "network inputs": len(X.columns),
                "targets": ", ".join(args.target), "Training rows": rows}
    training = {"epochs": history.epochs, "best_epoch": None if history.best_epoch is None else history.best_epoch + 1,
                "stop_reason": history.stop_reason, "curves": {"Training": [to_measure(J) for J in history.loss]}}
    save(local, out, fitted.info({"metrics": metrics, "settings": run_settings, "data": run_data, "training": training}))
    if not args.quiet:
        print(f"bpnn train {data.name}: {history.epochs} epochs, stopped by {history.stop_reason or 'the epoch limit'} "
              f"({measure.lower()} {training['curves']['Training'][-1]:.6g}, {seconds:.1f} s)")
        print_table(*table(metrics, {"Training": rows}, list(args.target)),
                    title="Metrics (every row; a cluster run trains on all of them)")
        print(f"wrote {out}")
    return 0
