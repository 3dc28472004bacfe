"""What the modules of :mod:`bpnn.tables` share: the constants, :class:`DataError` and the helpers that name
rows, columns and cells."""

from __future__ import annotations

import datetime
import difflib
import re
import unicodedata
from collections.abc import Sequence

import numpy as np

Array = np.ndarray

ENCODINGS = ("utf-8-sig", "gbk")  # tried in this order unless an encoding is given or a UTF-16 mark starts the file
UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")
DELIMITERS = (",", "\t", ";", "|")
DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "bar"}
MAX_CLASS_LEVELS = 10  # an integer target with at most this many distinct values is a class label
SNIFF_LINES = 20
SNIFF_BYTES = 64  # enough for every signature in MAGIC and for a model file of format 2 (MODEL_FILE_2)
# first bytes -> format; a pickle starts with the PROTO opcode 0x80 and protocol 2 to 5
MAGIC = {b"PK\x03\x04": "zip", b"PAR1": "parquet", b"\xd0\xcf\x11\xe0": "xls", b"\x89BPNN": "bpnn",
         b"\x89PNG": "png", b"%PDF": "pdf", b"\x1f\x8b": "gzip", b"\xff\xd8\xff": "jpeg",
         **{bytes([0x80, protocol]): "pickle" for protocol in range(2, 6)}}
# a bpnn model file of format 2 (a safetensors file) holds this after its 8-byte header length
MODEL_FILE_2 = b'{"__metadata__":{"format":"bpnn-model"'  # bpnn.files.modelfile.PREFIX
EXTENSIONS = {".xlsx": "xlsx", ".parquet": "parquet", ".xls": "xls", ".csv": "text", ".tsv": "text", ".txt": "text"}
FORMAT_NAMES = {"xlsx": "an Excel .xlsx workbook", "zip": "a zip archive", "parquet": "Parquet",
                "xls": "an old Excel .xls workbook", "text": "delimited text", "bpnn": "a bpnn model file",
                "png": "a PNG image", "pdf": "a PDF document", "gzip": "gzip-compressed data", "jpeg": "a JPEG image",
                "pickle": "a Python pickle"}
TABLES = ("text", "xlsx", "parquet")  # the formats read_table reads
IMPUTE = ("mean", "median", "most_frequent")
MISSING = ("error", "drop", *IMPUTE)  # what prepare does with missing values
LARGE_INPUT = 1e3  # |x| above this, unscaled, pushes Glorot-initialised tanh/sigmoid units deep into saturation
MIN_TRAINING_ROWS = 2
MAX_MAGNITUDE = 1e100  # |x| beyond this overflows the squares and sums of scaling and training in float64
CONTROL_BYTES = frozenset([*range(0, 9), *range(14, 26), *range(27, 32)])  # no text file holds these (tab, line
# breaks, form feed and the DOS end-of-file mark 0x1a excepted)
BINARY_SAMPLE, BINARY_SHARE = 4096, 0.01
NEAR_UNIQUE = 10  # a text feature with at least this many different values, in more than half the rows, is no category
SPREADSHEET_ERRORS = ("#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#NULL!", "#SPILL!", "#CALC!")
MISSING_MARKS = ("-", "--", "---", "—", "–", "?", "??", ".", "/", "n.a.", "N.A.", "na", "none", "missing", "无", "空")
EPOCH = datetime.datetime(1970, 1, 1)


class DataError(ValueError):
    """The data cannot be used as given; the message says what is wrong and how to fix it."""


def row_number(frame, position: int) -> int:
    """The row a spreadsheet shows for the ``position``-th row of ``frame`` (see the module docstring)."""
    label = frame.index[position]
    return int(label) + 2 if isinstance(label, (int, np.integer)) else position + 2


def closest(name: str, names: Sequence[str]) -> str:
    """A 'did you mean' hint for an unknown column name."""
    names = list(names)
    bare = [other for other in names if re.sub(r"\s*[(\[（【][^)\]）】]*[)\]）】]\s*$", "", other).strip() == name]
    matches = list(dict.fromkeys([*bare, *difflib.get_close_matches(name, names, n=3, cutoff=0.5)]))[:3]
    return f"; did you mean {' or '.join(map(repr, matches))}?" if matches else ""


def is_numeric(series) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(series.dtype))


def is_missing(value) -> bool:
    import pandas as pd

    return value is None or (not isinstance(value, str) and bool(pd.isna(value))) or (isinstance(value, str)
                                                                                       and not value.strip())


def normal_text(value) -> str:
    """A cell as text, full-width digits and signs made ASCII (NFKC), spaces stripped."""
    return unicodedata.normalize("NFKC", str(value)).strip()


def cell_text(value) -> str:
    """A cell of a workbook as the text of a header: numbers without a needless '.0', dates as ISO dates."""
    import datetime

    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    return str(value).strip()


def filled(row: Sequence) -> int:
    """The number of non-empty cells of ``row`` (cells of a workbook or fields of a text file)."""
    return sum(1 for value in row if cell_text(value) != "")
