"""What every ``bpnn`` command shares: the usage error, the parser class, the defaults of the training options,
option parsing and checks, and writing a table. Command modules import this module, never :mod:`bpnn.cli`,
so the package has no import cycle. Only the standard library at import time, so ``bpnn --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

SPLITS = ("Training", "Validation", "Test")
TASKS = ("classification", "regression")
SCALINGS = ("mapminmax", "standard", "none")
# The defaults of the training options: the parsers of train and demo and the refusals of a cluster run read them here.
DEFAULT_HIDDEN = "10"  # MATLAB's fitnet/patternnet: one hidden layer of 10 tansig units
DEFAULT_ACTIVATION = "tanh"
DEFAULT_DIVISION = "0.7,0.15,0.15"  # MATLAB's dividerand
DEFAULT_LEARNING_RATE = 0.01  # Adam on mapminmax-scaled inputs: 200 epochs of small tables converge at 0.01, not at 0.001
DEFAULT_SCALING = "mapminmax"
DEFAULT_MAX_FAIL = None  # the solver's, as MATLAB: max_fail 6, and 0 (no validation stop) for trainbr
DEFAULT_ALPHA = 0.0
DEFAULT_SEED = 0
DEFAULT_RESTARTS = 1  # trainings from different start weights (n_init)
STEPWISE_EPOCHS, FULL_BATCH_EPOCHS = 200, 1000
STDIN = "-"  # a data file named - is read from standard input, an output named - written to standard output
BOM = "\ufeff"  # UTF-8's byte order mark: Excel reads a CSV file as UTF-8 (not the system's code page) after it


class UsageError(Exception):
    """Bad input or usage: reported in one line, exit code 2."""


class Parser(argparse.ArgumentParser):
    """argparse reporting a usage error in one line, like every other bad input (the usage is in --help)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}; see {self.prog} --help\n")


# ---- option parsing --------------------------------------------------------------------------------
def parse_sizes(text: str, option: str = "--hidden", example: str = "10 or 20,10") -> tuple[int, ...]:
    """'20,10' → (20, 10); anything else raises UsageError naming ``option``."""
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 1:
        raise UsageError(f"{option} takes positive layer sizes separated by commas, such as {example}; got {text!r}")
    return sizes


def parse_division(text: str) -> tuple[float, float, float]:
    try:
        ratios = tuple(float(part) for part in text.split(","))
    except ValueError:
        ratios = ()
    if len(ratios) != 3 or min(ratios) < 0 or ratios[0] <= 0:
        raise UsageError(f"--division takes three non-negative ratios train,validation,test with train > 0, such as "
                         f"{DEFAULT_DIVISION}; got {text!r}")
    if abs(sum(ratios) - 1) > 1e-6:
        raise UsageError(f"--division {text} adds up to {sum(ratios):g}; give ratios train,validation,test that add up "
                         f"to 1, such as {DEFAULT_DIVISION}")
    return ratios


def check_choice(value: str, valid: Sequence[str], option: str) -> str:
    if value not in valid:
        raise UsageError(f"unknown {option} {value!r}; choose one of {', '.join(valid)}")
    return value


def check_outputs(files: dict, folders: dict) -> None:
    """Before any work: each output file (by option) can be created in an existing folder, and each output
    folder is not a file, so a finished run is never lost to a mistyped path."""
    for option, path in files.items():
        if path is None:
            continue
        path = Path(path)
        if path.is_dir():
            raise UsageError(f"{option} {path} is a folder; give a file name")
        if not path.absolute().parent.is_dir():
            raise UsageError(f"{option} {path}: the folder {path.parent} does not exist; create it or write elsewhere")
    for option, path in folders.items():
        if path is not None and Path(path).exists() and not Path(path).is_dir():
            raise UsageError(f"{option} {path} is a file, not a folder; give a folder name")


# ---- which table, and what reading it decided ---------------------------------------------------------
def add_table_options(parser: argparse.ArgumentParser) -> None:
    """--sheet and --header-row: where in the file the table is."""
    parser.add_argument("--sheet", metavar="NAME|N", help="the sheet of an .xlsx workbook, by name or number from 1 "
                                                          "(default: the first)")
    parser.add_argument("--header-row", type=int, metavar="N", help="the row holding the column names, from 1 "
                                                                    "(default: the first, or the first below title rows)")


def print_notes(notes: Sequence[str]) -> None:
    """What reading and preparing a table decided (conversions, the header row, the inputs), one line each."""
    for note in notes:
        print(f"bpnn: note: {note}", file=sys.stderr)


# ---- missing values --------------------------------------------------------------------------------
def add_missing_options(parser: argparse.ArgumentParser) -> None:
    from bpnn.tables import IMPUTE

    group = parser.add_argument_group("missing values (default: an error naming the rows)")
    choice = group.add_mutually_exclusive_group()
    choice.add_argument("--impute", choices=IMPUTE, help="fill missing feature values with the training file's column "
                                                         "mean, median or most frequent value (text: most frequent)")
    choice.add_argument("--drop-missing", action="store_true", help="leave out rows with a missing value")


def missing_option(args: argparse.Namespace) -> str:
    """What --impute and --drop-missing ask for: one of bpnn.tables.MISSING."""
    return "drop" if args.drop_missing else args.impute or "error"


def note_dropped(dropped: list[int], source: str) -> None:
    if dropped:
        rows = ", ".join(map(str, dropped[:10])) + (", …" if len(dropped) > 10 else "")
        print(f"bpnn: note: {source}: left out {len(dropped)} row(s) with missing values (row {rows})", file=sys.stderr)


# ---- writing a table -------------------------------------------------------------------------------
def excel_text(text: str) -> str:
    """CSV text as Excel reads it right: with a BOM when it holds anything but ASCII (Chinese headers or values
    would otherwise show garbled in Excel set to a code page such as GBK), as it is otherwise."""
    return text if text.isascii() else BOM + text


def stdout_is_file() -> bool:
    """Whether standard output goes into a file (``> out.csv``), not to a terminal or a pipe."""
    import os
    import stat

    try:
        return stat.S_ISREG(os.fstat(sys.stdout.fileno()).st_mode)
    except (AttributeError, OSError, ValueError):  # no real file behind it (a test's capture)
        return False


def write_table(frame, path: str | None) -> None:
    """A DataFrame to ``path`` (CSV, TSV, .xlsx or .parquet by its extension, written atomically) or, without
    one or with -, CSV on stdout. CSV and TSV are UTF-8, with a BOM where the text is not plain ASCII
    (:func:`excel_text`; on stdout only when it is redirected into a file)."""
    import io

    from bpnn.files.modelfile import atomic_write

    if path is None or path == STDIN:
        text = frame.to_csv(index=False)
        sys.stdout.write(excel_text(text) if stdout_is_file() else text)
        return
    suffix = Path(path).suffix.lower()
    buffer = io.BytesIO()
    if suffix == ".xlsx":
        frame.to_excel(buffer, index=False)
    elif suffix == ".parquet":
        frame.to_parquet(buffer, index=False)
    elif suffix in (".csv", ".tsv", ".txt"):
        buffer.write(excel_text(frame.to_csv(index=False, sep="\t" if suffix == ".tsv" else ",")).encode("utf-8"))
    else:
        raise UsageError(f"cannot tell the format of {path!r} from its extension; use .csv, .tsv, .xlsx or .parquet")
    atomic_write(path, buffer.getvalue())
