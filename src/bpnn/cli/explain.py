"""The ``explain`` and ``gradcheck`` sub-commands.

``register(commands)`` adds both to the CLI's sub-parsers. Each handler takes the parsed arguments and
returns the exit code: 0 on success, 1 when ``gradcheck``'s analytic and numerical gradients disagree;
bad input raises :class:`bpnn.cli._common.UsageError` (one line, exit 2). NumPy, pandas and the trace load
only when a handler runs, so ``bpnn --help`` stays fast.

Data files are comma-separated text with a header row, samples as rows. For ``explain`` every column
but the last is a feature and the last holds 0/1 labels. For ``gradcheck MODEL DATA`` the first n_in
columns (the network's input size) are features and the rest are targets: one label column for a
classifier (encoded with the estimator's ``classes_``), or the target columns of a regressor.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bpnn.cli._common import UsageError, parse_sizes

DEFAULT_MODEL_ROWS = 32  # central differences take 2 forward passes per parameter over these rows


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``explain`` and ``gradcheck`` to the ``bpnn`` command's sub-parsers."""
    explain = commands.add_parser(
        "explain", help="the textbook's backpropagation derivation carried out on real numbers",
        description="Trace the textbook's derivation (formulas 8-11 to 8-19) on a tiny example: every quantity with "
                    "its formula, the textbook's slips corrected, its shape and values; each parameter gradient beside "
                    "its central-difference estimate; then the gradient-descent updates.")
    explain.add_argument("data", nargs="?", default="xor",
                         help="built-in data set (xor, moons, circles, flower) or a CSV file whose last column "
                              "holds 0/1 labels (default: xor)")
    explain.add_argument("--samples", type=int, help="number of samples (default 4 for a built-in set, every row of a file)")
    explain.add_argument("--hidden", default="3", help="hidden-layer size, or sizes such as 4,3 (default 3)")
    explain.add_argument("--depth", type=int, help="number of hidden layers, each of the --hidden size")
    explain.add_argument("--general", action="store_true",
                         help="the layer-indexed form (dZ[l], dW[l], db[l]) even for one hidden layer")
    explain.add_argument("--activation", default="sigmoid", help="hidden activation, layered form only (default sigmoid)")
    explain.add_argument("--layout", choices=("rows", "columns"),
                         help="the layered form's orientation: rows (samples as rows, W[l] of shape (n_in, n_out), "
                              "the core's; the default) or columns (the textbook's: samples as columns, w_l of shape "
                              "(n_out, n_in)); the textbook's two-layer form is in columns always")
    explain.add_argument("--seed", type=int, default=0, help="random seed for the weights and data (default 0)")
    explain.add_argument("--scale", type=float, default=1.0,
                         help="weights are scale·N(0, 1); the seed uses 0.01; 0 shows that equal weights keep the "
                              "hidden units equal (default 1)")
    explain.add_argument("--weights", metavar="FILE",
                         help="start weights from a JSON file in the textbook's layout: {\"w1\": [[...]], \"b1\": [...], "
                              "\"w2\": [[...]], \"b2\": [...]} with w_l of shape (n_out, n_in); more layers add w3, "
                              "b3, ...; the hidden sizes follow from it")
    explain.add_argument("--learning-rate", type=float, default=1.0, help="learning rate α (default 1)")
    explain.add_argument("--steps", type=int, default=1, help="gradient-descent steps to show (default 1)")
    explain.add_argument("--slip", choices=("no-1/m", "no-transpose", "z2-from-x", "no-sum"),
                         help="also compute the gradient one of the textbook's slips gives, beside the batch form, "
                              "and show the gradient check catching it (seed form only)")
    explain.add_argument("--sample", type=int, metavar="K",
                         help="walk sample K (1 … m) through the chain rule, each product of 8-12 … 8-19 in numbers, "
                              "then the batch average (seed form only)")
    explain.add_argument("--digits", type=int, default=6,
                         help="significant digits of the computed numbers, 1 to 17 (default 6; 3 fits a blackboard)")
    explain.add_argument("--worksheet", metavar="NAMES",
                         help="a worksheet: leave these quantities blank (names as printed, comma-separated, such as "
                              "dz2,dw2,db1) and add an answer key at the end")
    explain.add_argument("--lang", choices=("en", "zh"), default="en", help="language (default en)")
    explain.add_argument("--format", choices=("text", "markdown", "latex"), default="text",
                         help="text, markdown (matrices as tables) or latex (a complete document); default text")
    explain.add_argument("-o", "--output", help="write to this file instead of standard output")
    explain.set_defaults(handler=run_explain)

    check = commands.add_parser(
        "gradcheck", help="compare backpropagation's gradient with central differences, per layer",
        description="Relative error of the analytic gradient against central differences for every W[l] and b[l], "
                    "with a verdict line (exit 1 when it fails). Give MODEL and DATA to check a saved model on "
                    "its data, or neither to check a fresh network built from the options.")
    check.add_argument("model", nargs="?", help="a saved model file (bpnn.save)")
    check.add_argument("data", nargs="?", help="a CSV file: the model's inputs, then its targets")
    check.add_argument("--hidden", default="4", help="fresh network: hidden sizes such as 4,3 (default 4)")
    check.add_argument("--activation", "--activations", dest="activations", default="sigmoid",
                       help="fresh network: one hidden activation, or one per layer such as relu,tanh (default sigmoid)")
    check.add_argument("--loss", default="binary_cross_entropy", help="fresh network: the loss (default binary_cross_entropy)")
    check.add_argument("--output-activation", help="fresh network: output activation (default: the loss's natural one)")
    check.add_argument("--inputs", type=int, default=3, help="fresh network: input size (default 3)")
    check.add_argument("--outputs", type=int, default=1, help="fresh network: output size (default 1)")
    check.add_argument("--samples", type=int,
                       help=f"samples: random ones for a fresh network (default 8), the first rows of DATA "
                            f"(default {DEFAULT_MODEL_ROWS})")
    check.add_argument("--seed", type=int, default=0, help="fresh network: random seed (default 0)")
    check.add_argument("--step", type=float,
                       help="relative step h0: each parameter's step is h0 times its scale, 1/rms of the input a "
                            "weight multiplies (1 for a bias) (default ε^(1/5) ≈ 7.4e-4)")
    check.add_argument("--tolerance", type=float,
                       help="a fixed largest relative error that passes, instead of the one the check derives from "
                            "its own error estimate (truncation between steps h and 2h, plus the cost's rounding over h)")
    check.add_argument("--layout", choices=("rows", "columns"), default="rows",
                       help="name and shape the arrays as the core holds them (rows: W[l] of shape (n_in, n_out), "
                            "b[l]) or as the textbook writes them (columns: w_l of shape (n_out, n_in), b_l a "
                            "column); the same errors either way (default rows)")
    check.add_argument("--lang", choices=("en", "zh"), default="en", help="language (default en)")
    check.set_defaults(handler=run_gradcheck)


def run_explain(args: argparse.Namespace) -> int:
    from bpnn.cli.staging import check_not_inputs
    from bpnn.datasets import GENERATED
    from bpnn.derivation import explain

    check_not_inputs({"-o": args.output}, {"data file": None if args.data in GENERATED else args.data,
                                           "weights file": args.weights})  # never written over
    hidden = parse_sizes(args.hidden, "--hidden", "4,3")
    if args.depth is not None:
        if args.depth < 1:
            raise UsageError(f"--depth must be at least 1; got {args.depth}")
        if len(hidden) > 1 and len(hidden) != args.depth:
            raise UsageError(f"--hidden gives {len(hidden)} sizes but --depth asks for {args.depth} layers; give one "
                             f"size with --depth, or the sizes alone")
        hidden = hidden * args.depth if len(hidden) == 1 else hidden
    weights = None
    if args.weights is not None:
        weights = read_weights(args.weights)
        hidden = [W.shape[1] for W, _ in weights[:-1]]
    X = y = None
    if args.data not in GENERATED:
        if not Path(args.data).is_file():
            raise UsageError(f"unknown data set {args.data!r}; give one of {', '.join(GENERATED)} or a CSV file")
        X, y = read_labelled_csv(args.data)
    try:
        trace = explain(args.data, X=X, y=y, hidden=hidden, activation=args.activation, samples=args.samples,
                        seed=args.seed, scale=args.scale, learning_rate=args.learning_rate, steps=args.steps,
                        general=args.general, slip=args.slip, sample=args.sample, weights=weights,
                        layout=args.layout)
    except ValueError as error:
        raise UsageError(in_flags(str(error))) from None
    try:
        blanks = [name.strip() for name in args.worksheet.split(",") if name.strip()] if args.worksheet else ()
        text = trace.render(args.format, args.lang, args.digits, blanks)
    except ValueError as error:
        raise UsageError(in_flags(str(error))) from None
    write(text, args.output)
    return 0


FLAG_WORDS = {"(general=True, --general)": "(--general)", "(set samples=)": "(set --samples)",
              "sample must be between": "--sample must be between", "digits must be": "--digits must be",
              "the weight scale must be": "--scale must be", "steps must be between": "--steps must be between",
              "samples must be between": "--samples must be between", "the learning rate must be": "--learning-rate must be"}


def in_flags(message: str) -> str:
    """A message of bpnn.explain in the command line's words: its flags instead of the function's arguments."""
    for words, flags in FLAG_WORDS.items():
        message = message.replace(words, flags)
    return message


def read_weights(path: str) -> list:
    """[(W[l], b[l])] in the core's rows layout from a JSON file in the textbook's: w_l is (n_out, n_in), b_l has
    n_out values (a column or a flat list). JSON numbers are read back exactly as Python writes them."""
    import json

    import numpy as np

    if not Path(path).is_file():
        raise UsageError(f"--weights {path}: no such file")
    try:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise UsageError(f"--weights {path}: not a JSON file ({error})") from None
    layers = 0
    while isinstance(record, dict) and f"w{layers + 1}" in record:
        layers += 1
    if layers < 2 or set(record) != {f"{k}{l}" for l in range(1, layers + 1) for k in "wb"}:
        raise UsageError(f"--weights {path}: needs the keys w1, b1, w2, b2 (and w3, b3, ... for more layers), "
                         f"nothing else; got {', '.join(record) if isinstance(record, dict) else type(record).__name__}")
    weights = []
    for l in range(1, layers + 1):
        try:
            w = np.array(record[f"w{l}"], dtype=np.float64)
            b = np.array(record[f"b{l}"], dtype=np.float64).reshape(-1)
        except (ValueError, TypeError):
            raise UsageError(f"--weights {path}: w{l} and b{l} must hold numbers") from None
        if w.ndim != 2 or b.shape != (w.shape[0],) or not (np.isfinite(w).all() and np.isfinite(b).all()):
            raise UsageError(f"--weights {path}: w{l} must be a finite (n_out, n_in) matrix and b{l} hold its n_out "
                             f"values; got w{l} {w.shape}, b{l} {b.shape}")
        if weights and w.shape[1] != weights[-1][0].shape[1]:
            raise UsageError(f"--weights {path}: w{l} takes {w.shape[1]} inputs but w{l - 1} gives "
                             f"{weights[-1][0].shape[1]} outputs")
        weights.append((w.T, b))
    if weights[-1][0].shape[1] != 1:
        raise UsageError(f"--weights {path}: the output layer w{layers} must have 1 row (one sigmoid output)")
    return weights


def run_gradcheck(args: argparse.Namespace) -> int:
    from bpnn.derivation import check_gradients, random_problem, render_gradcheck

    if (args.model is None) != (args.data is None):
        raise UsageError("gradcheck takes a MODEL file and a DATA file together, or neither to check a fresh network")
    if args.samples is not None and args.samples < 1:
        raise UsageError(f"--samples must be at least 1; got {args.samples}")
    for option, value in (("--step", args.step), ("--tolerance", args.tolerance)):
        if value is not None and not value > 0:
            raise UsageError(f"{option} must be positive; got {value}")
    try:
        if args.model is not None:
            network, X, Y, loss, alpha = model_problem(args.model, args.data, args.samples or DEFAULT_MODEL_ROWS)
        else:
            activations = args.activations.split(",") if "," in args.activations else args.activations
            network, X, Y = random_problem(parse_sizes(args.hidden, "--hidden", "4,3"), activations, args.loss,
                                           args.output_activation, args.inputs, args.outputs, args.samples or 8, args.seed)
            loss, alpha = args.loss, 0.0
        check = check_gradients(network, X, Y, loss, alpha, args.step)
    except ValueError as error:
        raise UsageError(str(error)) from None
    sys.stdout.write(render_gradcheck(check, network, loss, X.shape[0], args.lang, args.tolerance, args.step, alpha,
                                      args.layout))
    return 0 if check.passed(args.tolerance) else 1


def read_csv(path: str):
    import pandas as pd

    if not Path(path).is_file():
        raise UsageError(f"{path}: no such file")
    try:
        frame = pd.read_csv(path, skipinitialspace=True)
    except (ValueError, UnicodeDecodeError) as error:
        raise UsageError(f"{path}: cannot be read as CSV ({error}); save it as comma-separated UTF-8 text with a "
                         f"header row") from None
    if frame.shape[0] == 0 or frame.shape[1] < 2:
        raise UsageError(f"{path}: needs a header row, at least one data row and at least two columns")
    return frame


def numeric_columns(frame, path: str):
    import numpy as np

    try:
        values = frame.to_numpy(dtype=np.float64)
    except ValueError:
        raise UsageError(f"{path}: the columns {', '.join(map(str, frame.columns))} must hold numbers") from None
    if not np.isfinite(values).all():
        raise UsageError(f"{path}: missing or non-finite values; fill them in or remove those rows")
    return values


def read_labelled_csv(path: str):
    """(X, y) from a CSV file: every column but the last is a feature, the last holds the labels."""
    frame = read_csv(path)
    return numeric_columns(frame.iloc[:, :-1], path), numeric_columns(frame.iloc[:, -1:], path).ravel()


def model_problem(model: str, data: str, rows: int):
    """(network, X, Y, loss, alpha) for checking a saved model on the first ``rows`` rows of its data."""
    import numpy as np

    from bpnn.core import Network
    from bpnn.derivation import loss_for

    try:
        from bpnn.files.modelfile import load
    except ModuleNotFoundError:
        raise UsageError("reading a MODEL file needs bpnn.files.modelfile, which this installation lacks; check a fresh "
                         "network from the options instead") from None
    try:
        estimator = load(model)
    except (OSError, ValueError) as error:
        raise UsageError(f"{model}: {error}") from None
    network = getattr(estimator, "network_", None)
    if not isinstance(network, Network):
        raise UsageError(f"{model}: holds no fitted network (no network_ attribute); fit and save the model first")
    frame = read_csv(data).iloc[:rows]
    n_in, n_out = network.layer_sizes[0], network.layer_sizes[-1]
    if frame.shape[1] <= n_in:
        raise UsageError(f"{data}: the model takes {n_in} inputs, so the file needs {n_in} input columns followed by "
                         f"the targets; it has {frame.shape[1]} columns")
    X = numeric_columns(frame.iloc[:, :n_in], data)
    targets, loss = frame.iloc[:, n_in:], loss_for(network)
    classes = getattr(estimator, "classes_", None)
    if classes is not None and targets.shape[1] == 1:
        labels, classes = targets.iloc[:, 0].to_numpy(), np.asarray(classes)
        if loss == "categorical_cross_entropy":
            Y = (labels[:, None] == classes[None, :]).astype(np.float64)  # one-hot over the estimator's classes
        else:
            Y = (labels == classes[-1]).astype(np.float64)[:, None]  # 1 for the positive class
    else:
        Y = numeric_columns(targets, data)
    if Y.shape[1] != n_out:
        raise UsageError(f"{data}: the model has {n_out} outputs but the target columns give {Y.shape[1]}")
    return network, X, Y, loss, float(getattr(estimator, "alpha", 0.0) or 0.0)


def write(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    Path(output).write_text(text, encoding="utf-8")
    print(f"wrote {output}", file=sys.stderr)
