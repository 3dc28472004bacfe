"""``bpnn predict``, ``bpnn evaluate`` and ``bpnn info``: using a saved model on a table, and describing one."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bpnn.cli._common import (
    STDIN,
    add_missing_options,
    add_table_options,
    check_outputs,
    missing_option,
    note_dropped,
    print_notes,
    write_table,
)
from bpnn.cli.fitted import Fitted
from bpnn.cli.outputs import add_font_option, describe_evaluation, print_metrics, split_metrics, use_font, write_outputs
from bpnn.cli.restarts import predict_with_spread, print_info_trials


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``predict``, ``evaluate`` and ``info`` to the ``bpnn`` command's sub-parsers."""
    predict = commands.add_parser("predict", help="append predictions to the rows of a table",
                                  description="Predict for every row of DATA: the input rows with the predicted "
                                              "label and per-class probabilities, or values in original units.")
    predict.add_argument("model", help="a model file from bpnn train")
    predict.add_argument("data", help="the data file (the feature columns of training); - reads CSV from standard input")
    predict.add_argument("-o", "--output", help="output file: .csv, .tsv, .xlsx or .parquet; - or none: CSV on stdout "
                                                  "(a CSV file is UTF-8, with a BOM for Excel when it holds non-ASCII text)")
    predict.add_argument("--encoding", help="text encoding of the data file")
    add_table_options(predict)
    add_missing_options(predict)
    predict.set_defaults(handler=run_predict)

    evaluate = commands.add_parser("evaluate", help="metrics of a model on a labelled table")
    evaluate.add_argument("model", help="a model file from bpnn train")
    evaluate.add_argument("data", help="the data file, with the target column(s)")
    evaluate.add_argument("--target", nargs="+", metavar="COL", help="target column(s) (default: those of training)")
    evaluate.add_argument("--encoding", help="text encoding of the data file")
    add_table_options(evaluate)
    add_missing_options(evaluate)
    evaluate.add_argument("--report", metavar="FILE.html", help="write a self-contained HTML report of the metrics and "
                                                                "figures on this data")
    evaluate.add_argument("--plots", metavar="DIR", help="write the figures (regression per target, errors, "
                                                         "confusion, ROC) as PNG files into DIR")
    add_font_option(evaluate)
    evaluate.set_defaults(handler=run_evaluate)

    info = commands.add_parser("info", help="architecture, scaling, classes, training record and metrics of a model")
    info.add_argument("model", help="a model file")
    info.set_defaults(handler=run_info)


def complete_rows(frame, fitted: Fitted, targets: Sequence[str], args: argparse.Namespace, source: str,
                  notes: list | None = None):
    """``frame`` with missing values in the model's feature columns (and ``targets``) handled as --impute or
    --drop-missing say; without either, as the training's --impute did (with a note, appended to ``notes`` for
    the caller to print once the rows were accepted, else printed), else they stay, for the value checks to
    report."""
    from bpnn.tables import check_columns, drop_missing

    check_columns(fitted.encoder.feature_names, frame, source, "feature", "the model")
    missing = missing_option(args)
    blanks = frame[fitted.encoder.feature_names].isna().sum()
    if missing == "error" and fitted.impute and blanks.any():
        missing = fitted.impute
        cells = ", ".join(f"{count} in {name!r}" for name, count in blanks.items() if count)
        note = (f"{source}: filled the missing feature values ({cells}) with the training data's "
                f"{missing.replace('_', ' ')}, as bpnn train --impute {missing} did; give --drop-missing to leave "
                f"those rows out")
        print_notes([note]) if notes is None else notes.append(note)
    if missing == "drop":
        frame, dropped = drop_missing(frame, [*fitted.encoder.feature_names, *targets], source)
        note_dropped(dropped, source)
    elif missing != "error":
        frame = fitted.encoder.impute(frame, missing, source)
    return frame


def run_predict(args: argparse.Namespace) -> int:
    from bpnn.cli.staging import check_not_inputs
    from bpnn.tables import as_written, notes_of, read_table

    output = None if args.output == STDIN else args.output
    check_not_inputs({"-o": output}, {"data file": args.data, "model": args.model})
    check_outputs({"-o": output}, {})
    fitted = Fitted.from_file(args.model)
    data = Path(args.data)
    source = source_name(args.data)
    frame = read_table(data, args.encoding, sheet=args.sheet, header_row=args.header_row)
    notes = notes_of(frame, fitted.encoder.feature_names)
    read = frame
    frame = complete_rows(frame, fitted, [], args, source, notes)  # notes printed once the rows were accepted
    X = fitted.inputs(frame, source)
    out = as_written(read).loc[frame.index]  # the rows kept, their columns as the file wrote them (a filled blank
    # stays blank: the fill is the model's input, not the user's data), then the predictions
    if fitted.task == "classification":
        target = fitted.target_names[0]
        out[f"{target}_predicted"] = fitted.estimator.predict(X)
        for label, column in zip(fitted.estimator.classes_, fitted.estimator.predict_proba(X).T):
            out[f"P({target}={label})"] = column
    else:
        values, spread = predict_with_spread(fitted.estimator, X)
        values = values.reshape(len(frame), -1)
        for target, column in zip(fitted.target_names, values.T):
            out[f"{target}_predicted"] = column
        if spread is not None:  # an ensemble: the standard deviation over its members
            for target, column in zip(fitted.target_names, spread.reshape(len(frame), -1).T):
                out[f"{target}_std"] = column
    print_notes(notes)
    warn_outside_range(fitted, frame, source)
    write_table(out, output)
    if output:
        print(f"wrote {len(out)} rows with predictions to {output}", file=sys.stderr)
    return 0


def warn_outside_range(fitted: Fitted, frame, source: str) -> None:
    """One warning line per numeric feature column of ``frame`` holding values beyond the model's training range
    (none for models saved before the ranges were kept): predict and evaluate alike."""
    for warning in fitted.encoder.outside_range(frame, source):
        print(f"bpnn: warning: {warning}", file=sys.stderr)


def source_name(data: str) -> str:
    """How messages name the data: the file's name, or stdin for -."""
    return "stdin" if data == STDIN else Path(data).name


def run_evaluate(args: argparse.Namespace) -> int:
    from bpnn.cli.staging import check_not_inputs, staged
    from bpnn.reports.progress import print_table
    from bpnn.tables import IMPUTE, check_columns, check_values, imputed_cells, read_table, understanding

    data = Path(args.data)
    source = source_name(args.data)  # stdin for -
    check_not_inputs({"--report": args.report, "--plots": args.plots}, {"data file": data, "model": args.model})
    check_outputs({"--report": args.report}, {"--plots": args.plots})
    use_font(args.font)
    fitted = Fitted.from_file(args.model)
    frame = read_table(data, args.encoding, sheet=args.sheet, header_row=args.header_row)
    targets = args.target or fitted.target_names
    check_columns(targets, frame, source, "target")
    missing = missing_option(args)
    if missing == "error" and fitted.impute:  # complete_rows fills blanks as the training's --impute did
        missing = fitted.impute
    imputed = imputed_cells(frame, fitted.encoder, missing) if missing in IMPUTE else {}
    read = frame
    used = {*fitted.encoder.feature_names, *targets}  # what reading converted in them, as bpnn predict notes it
    notes = [note for column, note in frame.attrs.get("notes") or [] if column is None or column in used]
    frame = complete_rows(frame, fitted, targets, args, source, notes)
    check_values(frame[targets], source)
    X = fitted.inputs(frame, source)
    y = fitted.labels(frame, targets, source, use="evaluate on")
    print_notes(notes)  # once the rows were accepted: a refused run says one line
    warn_outside_range(fitted, frame, source)
    if fitted.task == "classification":
        classes = fitted.estimator.classes_
        results = {"All": (y, fitted.estimator.predict(X), fitted.estimator.predict_proba(X))}
    else:
        results = {"All": (y, fitted.estimator.predict(X))}
    metrics = split_metrics(fitted.task, results, classes.tolist() if fitted.task == "classification" else None)
    title = f"Metrics of {Path(args.model).name} on {source}"
    print_metrics(metrics, {"All": len(y)}, list(targets), title + (", per target" if len(targets) > 1 else ""))
    if fitted.task == "classification":
        names = list(map(str, classes))
        print_table(["true \\ predicted", *names], [[name, *row] for name, row in zip(names, metrics["All"]["confusion"])],
                    title="Confusion matrix")
    if args.report or args.plots:  # every file under a temporary name, renamed into place once all are written
        dropped = len(read) - len(frame)
        record = understanding(read, [*fitted.encoder.feature_names, *targets], (), imputed, range(dropped))
        run = describe_evaluation(fitted, results, metrics, {"title": f"bpnn evaluate {Path(args.model).name} on "
                                                                      f"{source}", "source": source, "rows": len(y),
                                                             "targets": ", ".join(targets), "model": str(args.model)},
                                  targets, fitted.source, record, X)
        with staged({"--report": args.report}, {"--plots": args.plots}) as stage, stage.writing("--report", "--plots"):
            written = [stage.final_path(path) for path in write_outputs(run, stage["--report"], stage["--plots"])]
        print("wrote " + ", ".join(map(str, written)))
    return 0


def run_info(args: argparse.Namespace) -> int:
    from bpnn.files.fitted import fitted_of
    from bpnn.files.modelfile import read
    from bpnn.reports.html import understanding_rows
    from bpnn.reports.metrics import table
    from bpnn.reports.progress import print_table

    contents = read(args.model)
    with contents.checked():  # a hand-edited header with a valid checksum is the file's fault, exit 2
        fitted_of(contents)  # builds the model (its light view: no scikit-learn), so an inconsistent one is refused
        header, info, meta = contents.header, contents.info, contents.meta
        rows = [("file", args.model), ("model", contents.kind), ("format version", header["format_version"]),
                ("written by bpnn", header["bpnn_version"]), ("created", header["created"]),
                ("layers", " → ".join(map(str, meta["layer_sizes"]))),
                ("activations", ", ".join([*meta["activations"], meta["output_activation"]])), ("dtype", meta["dtype"])]
        if "task" in info:
            rows += [("task", info["task"]), ("data", info.get("source", "")), ("targets", ", ".join(info["targets"])),
                     ("features", ", ".join(column["name"] + ("" if column["categories"] is None else
                                                              f" (text: {', '.join(column['categories'])})")
                                            for column in info["features"]["columns"]))]
        if "x_scaling" in meta:  # an estimator: its scaling
            rows += [("input scaling", scaling_summary(meta["x_scaling"])),
                     ("target scaling", scaling_summary(meta["y_scaling"]))]
        if "classes" in meta or "classes" in contents.arrays:
            classes = meta["classes"] if "classes" in meta else contents.arrays["classes"].tolist()
            rows.append(("classes", ", ".join(map(str, classes))))
        training = info.get("training", {})
        if training:
            rows += [("epochs", training["epochs"]), ("best epoch", training["best_epoch"]),
                     ("stop reason", training["stop_reason"])]
        rows += [(name, value) for name, value in info.get("settings", {}).items() if name in ("solver", "division", "seed")]
        rows += understanding_rows(info.get("understanding") or {})  # converted, excluded, imputed at training
        if "series" in info:  # bpnn train --delays (bpnn.cli.series)
            rows += series_rows(info["series"])
        metrics = None
        if info.get("metrics"):
            counts = {name: info["data"].get(f"{name} rows") for name in info["metrics"]}
            counts["All"] = info["data"].get("rows")
            metrics = table(info["metrics"], counts, info.get("targets", []))
    print_table(["", "value"], rows, title=f"bpnn model {Path(args.model).name}")
    if metrics:
        print_table(*metrics, title="Metrics at training" + (", per target" if "target" in metrics[0] else ""))
    print_info_trials(meta, info.get("task"))
    return 0


def series_rows(series: dict) -> list[tuple[str, str]]:
    from bpnn.cli.series import lags_in_words

    rows = [("data", series["source"]), ("targets", ", ".join(series["targets"])),
            ("delays", lags_in_words(tuple(series["delays"])))]
    if series["exog"]:
        rows += [("exogenous", ", ".join(series["exog"])), ("exogenous delays", lags_in_words(tuple(series["exog_delays"])))]
    return rows + ([("time", series["time"])] if series["time"] else [])


def scaling_summary(scaling: dict | None) -> str:
    from bpnn.exporters.python import steps_of

    if scaling is None:
        return "none"
    parts = []
    for step in steps_of(scaling):
        if step["kind"] == "removeconstant":
            removed = [i for i, keep in enumerate(step["keep"]) if not keep]
            parts.append(f"removeconstant ({len(removed)} removed)" if removed else "removeconstant (none removed)")
        elif step["kind"] == "mapminmax":
            parts.append(f"mapminmax to [{step['ymin']:g}, {step['ymax']:g}]")
        else:
            parts.append(step["kind"])
    return " → ".join(parts)
