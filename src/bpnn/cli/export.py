"""``bpnn export``: a standalone NumPy-only Python module that predicts like the model file."""

from __future__ import annotations

import argparse
from pathlib import Path

from bpnn.cli._common import UsageError
from bpnn.cli.fitted import refuse_outside_scaling


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``export`` to the ``bpnn`` command's sub-parsers."""
    export = commands.add_parser("export", help="write a standalone NumPy-only Python module that predicts")
    export.add_argument("model", help="a model file")
    export.add_argument("--to", choices=("python",), required=True, help="the target language (python)")
    export.add_argument("file", metavar="FILE.py", help="the module to write")
    export.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace) -> int:
    from bpnn.exporters.python import export_python, predictor_of
    from bpnn.files.modelfile import read
    from bpnn.tables import FeatureEncoder

    contents = read(args.model)
    refuse_outside_scaling(contents.info, args.model)
    with contents.checked():
        model, info = contents.build(), contents.info
        features = FeatureEncoder.from_dict(info["features"]).columns if "features" in info else []
        predictor = predictor_of(model, features, Path(args.model).name, info.get("classes"))
    try:
        path = export_python(predictor, args.file)
    except ValueError as error:
        raise UsageError(str(error)) from None
    print(f"wrote {path}: predict(X){' and predict_proba(X)' if predictor.classes is not None else ''}, NumPy only")
    return 0
