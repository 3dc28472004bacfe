"""``bpnn export MODEL --to python|onnx|c|matlab|excel FILE``: the model as a standalone predictor for another runtime.

Every target gets the whole predictor (missing values filled with the training statistic ``--impute`` names,
text one-hot encoded, input scaling, the network, inverse target scaling or class labels) and a header with bpnn's
version, the features, the targets and the model file's SHA-256; :mod:`bpnn.exporters` has one module per target.
"""

from __future__ import annotations

import argparse
from importlib import import_module

from bpnn.cli._common import UsageError

# --to -> (module of bpnn.exporters, its export function, the file name's ending, what the file offers)
TARGETS = {
    "python": ("python", "export_python", ".py", "a NumPy-only module: predict(X){proba}"),
    "onnx": ("onnx", "export_onnx", ".onnx",
             "an ONNX graph (opset {opset}): one input per feature, outputs prediction{proba_onnx}"),
    "c": ("c", "export_c", ".c", "C99 with libm: bpnn_predict(inputs, outputs); -DBPNN_MAIN reads CSV on stdin"),
    "matlab": ("matlab", "export_matlab", ".m", "a MATLAB/Octave function Y = {name}(X)"),
    "excel": ("excel", "export_excel", ".xlsx", "a workbook: type inputs on sheet predict, the targets compute"),
}


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``export`` to the ``bpnn`` command's sub-parsers."""
    from bpnn.exporters.model import IMPUTE

    export = commands.add_parser(
        "export", help="write the model as a standalone predictor: Python, ONNX, C, MATLAB/Octave or an Excel workbook",
        description="Write the whole predictor of a model (imputation, text encoding, scaling, network, inverse "
                    "scaling, class labels) for another runtime: a NumPy-only Python module, an ONNX graph, C99, a "
                    "MATLAB/Octave function or an Excel workbook with formulas.")
    export.add_argument("model", help="a model file")
    export.add_argument("--to", choices=tuple(TARGETS), required=True, help="the target: " + ", ".join(
        f"{name} ({ending})" for name, (_, _, ending, _) in TARGETS.items()))
    export.add_argument("file", metavar="FILE", help="the file to write (.py, .onnx, .c, .m or .xlsx)")
    export.add_argument("--impute", choices=IMPUTE, help="the training statistic that fills a missing value in the "
                                                         "export (text: the most frequent category; default mean)")
    export.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace) -> int:
    from bpnn.exporters.model import read_predictor
    from bpnn.files.modelfile import ModelFileError

    module, function, ending, offers = TARGETS[args.to]
    if not args.file.lower().endswith(ending):
        raise UsageError(f"--to {args.to} writes a {ending} file; give FILE a name ending in {ending}")
    predictor = read_predictor(args.model, args.impute)
    try:
        exporter = getattr(import_module(f"bpnn.exporters.{module}"), function)
    except ImportError as error:  # onnx for --to onnx, openpyxl for --to excel
        raise UsageError(f"--to {args.to} needs the package {error.name}: pip install 'bpnn[export]'") from None
    try:
        path = exporter(predictor, args.file)
    except ModelFileError:
        raise
    except ValueError as error:
        raise UsageError(str(error)) from None
    classification = predictor.classes is not None
    opset = getattr(import_module(f"bpnn.exporters.{module}"), "OPSET", None)
    print(f"wrote {path}: " + offers.format(proba=" and predict_proba(X)" if classification else "", opset=opset,
                                            proba_onnx=" and probabilities" if classification else "",
                                            name=path.stem))
    return 0
