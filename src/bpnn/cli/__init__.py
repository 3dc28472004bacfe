"""The ``bpnn`` command: one module per sub-command, each adding its parser with ``register(commands)``; what they
share is in :mod:`bpnn.cli._common`. Sub-commands import what they need when they run, so ``bpnn --help`` stays
fast (no scikit-learn, pandas, matplotlib or rich).

Exit codes: 0 success, 2 bad input or usage (one line, no traceback), 1 internal error (one line; the
traceback with ``bpnn --traceback ...``), 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence

from bpnn.cli import demo, explain, export, forecast, importance, playground, predict, train, tune
from bpnn.cli._common import Parser, UsageError

__all__ = ["UsageError", "build_parser", "main"]

COMMANDS = (train, tune, predict, forecast, importance, export, demo, explain, playground)  # in the order of bpnn --help


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="bpnn", description="Backpropagation neural networks: train on a table, "
                                     "predict, evaluate, export; demos and the seed's derivation.")
    parser.add_argument("--version", action="version", version=_version())
    parser.add_argument("--traceback", action="store_true", help="show the full traceback of an internal error")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(commands)
    return parser


def _version() -> str:
    from bpnn._version import __version__

    return f"bpnn {__version__}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if args.command is None:
        parser.print_help()
        return 2
    from bpnn.files.fitted import ExtrapolationWarning
    from bpnn.files.modelfile import ModelFileError
    from bpnn.tables import DataError

    try:
        with warnings.catch_warnings():  # predict and evaluate name the columns beyond training themselves
            warnings.simplefilter("ignore", ExtrapolationWarning)
            code = args.handler(args)
        font_note()
        return code
    except (UsageError, DataError, ModelFileError) as error:
        print(f"bpnn: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bpnn: interrupted", file=sys.stderr)
        return 130
    except MemoryError:
        if args.traceback:
            raise
        print("bpnn: error: out of memory; use a smaller --hidden, fewer rows, or --solver scg (memory in proportion "
              "to the parameters)", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader of standard output stopped early (bpnn predict … | head): stop quietly
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes
        except (OSError, ValueError):
            pass
        return 0
    except OSError as error:  # the file system refused: no permission, a full disk, a name too long
        if args.traceback:
            raise
        from bpnn.cli.staging import REASONS

        where = f"{error.filename}: " if error.filename else ""
        print(f"bpnn: error: {where}{REASONS.get(error.errno, error.strerror or str(error))}", file=sys.stderr)
        return 2
    except Exception as error:  # an internal error: one line, the traceback on request
        if args.traceback:
            raise
        print(f"bpnn: internal error: {type(error).__name__}: {error} (run again with bpnn --traceback to see where)",
              file=sys.stderr)
        return 1


def font_note() -> None:
    """After a command that drew figures: one note naming the characters no font had (they show as boxes), one
    naming a font drawn in another weight than asked (a bold-only --font)."""
    plots = sys.modules.get("bpnn.reports.plots")  # loaded only by a command that drew
    for note in (plots.font_note(), plots.weight_note()) if plots is not None else ():
        if note:
            print(f"bpnn: note: {note}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
