"""Reading data tables and turning them into network inputs and targets.

Conventions:
- Samples are rows. ``read_table`` returns a pandas DataFrame whose columns are the file's header.
- The format comes from the file's first bytes: ``PK\\x03\\x04`` is an Excel .xlsx workbook (its first
  sheet), ``PAR1`` is Parquet, anything else is delimited text; a name ending in a known extension that
  says otherwise is an error. Text is decoded as UTF-8 (a byte-order mark allowed) and otherwise as GBK;
  the delimiter (comma, tab, semicolon or bar) is the one that splits the first lines into the same
  number of fields, more than one.
- Rows in messages are counted as a spreadsheet shows them: the header is row 1, the first data row row 2.
- Feature encoding: numeric columns pass through; a text column becomes one 0/1 column per category
  (named ``column=category``, categories sorted), in the position of the original column.
- Task detection: classification when a target column is text or holds at most ``MAX_CLASS_LEVELS``
  distinct integer values, regression otherwise.

Every problem with the data raises :class:`DataError`, whose message names the file, column, row and
value where they apply, and the fix.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

Array = np.ndarray

ENCODINGS = ("utf-8-sig", "gbk")  # tried in this order unless an encoding is given
DELIMITERS = (",", "\t", ";", "|")
MAX_CLASS_LEVELS = 10  # an integer target with at most this many distinct values is a class label
SNIFF_LINES = 20
MAGIC = {b"PK\x03\x04": "xlsx", b"PAR1": "parquet", b"\xd0\xcf\x11\xe0": "xls"}
EXTENSIONS = {".xlsx": "xlsx", ".parquet": "parquet", ".xls": "xls", ".csv": "text", ".tsv": "text", ".txt": "text"}
FORMAT_NAMES = {"xlsx": "an Excel .xlsx workbook", "parquet": "Parquet", "xls": "an old Excel .xls workbook",
                "text": "delimited text"}


class DataError(ValueError):
    """The data cannot be used as given; the message says what is wrong and how to fix it."""


def detect_format(path: str | Path) -> str:
    """``"xlsx"``, ``"parquet"`` or ``"text"``, from the file's first four bytes."""
    with open(path, "rb") as file:
        head = file.read(4)
    return MAGIC.get(head, "text")


def decode(raw: bytes, path: str | Path, encoding: str | None = None) -> str:
    """The file's text: in ``encoding`` when given, else the first of ``ENCODINGS`` that decodes it."""
    for name in (encoding,) if encoding else ENCODINGS:
        try:
            return raw.decode(name)
        except UnicodeDecodeError as error:
            if encoding:
                raise DataError(f"{path}: byte {error.start} cannot be decoded as {encoding}; "
                                f"give the file's encoding with --encoding") from None
        except LookupError:
            raise DataError(f"unknown encoding {encoding!r}; give a Python codec name such as utf-8 or gbk") from None
    raise DataError(f"{path}: the text is neither UTF-8 nor GBK; save it as UTF-8 or give its encoding with --encoding")


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into equal numbers of fields (the most fields wins)."""
    lines = [line for line in text.splitlines()[:SNIFF_LINES] if line.strip()]
    best, best_fields = ",", 1
    for delimiter in DELIMITERS:
        counts = {len(row) for row in csv.reader(lines, delimiter=delimiter)}
        if len(counts) == 1 and (fields := counts.pop()) > best_fields:
            best, best_fields = delimiter, fields
    return best


def read_table(path: str | Path, encoding: str | None = None):
    """The file at ``path`` as a DataFrame (see the module docstring for formats and encodings)."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty")
    kind = detect_format(path)
    claimed = EXTENSIONS.get(path.suffix.lower())
    if claimed is not None and claimed != kind:
        raise DataError(f"{path}: the name says {FORMAT_NAMES[claimed]} but the contents are {FORMAT_NAMES[kind]}; "
                        f"rename the file or save it again in the format its name says")
    if kind == "xls":
        raise DataError(f"{path}: old Excel .xls workbooks are not read; save it as .xlsx or CSV")
    if kind == "parquet":
        frame = pd.read_parquet(path)
        header = [str(name) for name in frame.columns]
    elif kind == "xlsx":
        frame = pd.read_excel(path, sheet_name=0)
        first_row = pd.read_excel(path, sheet_name=0, header=None, nrows=1)
        header = [str(name) for name in first_row.iloc[0]] if len(first_row) else []
    else:
        text = decode(path.read_bytes(), path, encoding)
        if not text.strip():
            raise DataError(f"{path}: the file holds no text")
        delimiter = sniff_delimiter(text)
        header = next(csv.reader(io.StringIO(text), delimiter=delimiter))
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, skipinitialspace=True)
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise DataError(f"{path}: duplicated column name(s) {', '.join(map(repr, duplicated))}; give every column a "
                        f"different name")
    frame.columns = [str(name).strip() for name in frame.columns]
    if frame.shape[0] == 0:
        raise DataError(f"{path}: the file has a header but no data rows")
    return frame


def closest(name: str, names: Sequence[str]) -> str:
    """A 'did you mean' hint for an unknown column name."""
    matches = difflib.get_close_matches(name, list(names), n=3, cutoff=0.5)
    return f"; did you mean {' or '.join(map(repr, matches))}?" if matches else ""


def check_columns(requested: Sequence[str], frame, source: str, role: str) -> None:
    columns = [str(c) for c in frame.columns]
    for name in requested:
        if name not in columns:
            raise DataError(f"{source}: no {role} column {name!r}{closest(name, columns)} "
                            f"(columns: {', '.join(columns)})")


def is_numeric(series) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(series.dtype))


def check_values(frame, source: str) -> None:
    """Missing values, non-finite numbers and stray text in a mostly numeric column raise DataError."""
    import pandas as pd

    for name in frame.columns:
        column = frame[name]
        missing = np.flatnonzero(column.isna().to_numpy())
        if missing.size:
            rows = ", ".join(str(i + 2) for i in missing[:5]) + (", …" if missing.size > 5 else "")
            raise DataError(f"{source}: column {name!r} has {missing.size} missing value(s) (row {rows}); fill them "
                            f"in or remove those rows")
        if is_numeric(column):
            bad = np.flatnonzero(~np.isfinite(column.to_numpy(dtype=float)))
            if bad.size:
                raise DataError(f"{source}: column {name!r} row {bad[0] + 2} holds {float(column.iloc[bad[0]])}; "
                                f"replace non-finite numbers with finite ones")
            continue
        text = np.flatnonzero(pd.to_numeric(column, errors="coerce").isna().to_numpy())
        if 0 < text.size <= len(column) / 2:  # mostly numbers: the text is a stray, not a category
            row = int(text[0])
            raise DataError(f"{source}: column {name!r} is numeric but row {row + 2} holds the text "
                            f"{column.iloc[row]!r}; correct or remove that value")


@dataclass
class FeatureEncoder:
    """Maps the chosen feature columns of a table to the network's numeric input matrix.

    ``columns`` lists ``(name, categories)`` pairs: ``categories`` is None for a numeric column and the
    sorted list of text values for a one-hot encoded one. JSON-able through ``to_dict``/``from_dict``.
    """

    columns: list = field(default_factory=list)

    @classmethod
    def fit(cls, frame, names: Sequence[str]) -> FeatureEncoder:
        encoder = cls()
        for name in names:
            column = frame[name]
            categories = None if is_numeric(column) else sorted(column.astype(str).unique().tolist())
            encoder.columns.append((name, categories))
        return encoder

    @property
    def feature_names(self) -> list[str]:
        return [name for name, _ in self.columns]

    @property
    def input_names(self) -> list[str]:
        """The network's input columns: numeric names as they are, ``name=category`` for one-hot ones."""
        names = []
        for name, categories in self.columns:
            names.extend([name] if categories is None else [f"{name}={c}" for c in categories])
        return names

    def transform(self, frame, source: str = "data") -> Array:
        check_columns(self.feature_names, frame, source, "feature")
        blocks = []
        for name, categories in self.columns:
            column = frame[name]
            if categories is None:
                if not is_numeric(column):
                    raise DataError(f"{source}: feature column {name!r} was numeric at training but holds text here "
                                    f"(row 2: {column.iloc[0]!r}); give numbers in that column")
                blocks.append(column.to_numpy(dtype=np.float64)[:, None])
                continue
            values = column.astype(str).to_numpy()
            unseen = np.flatnonzero(~np.isin(values, categories))
            if unseen.size:
                row = int(unseen[0])
                raise DataError(f"{source}: column {name!r} row {row + 2} holds {values[row]!r}, a value not seen at "
                                f"training (known: {', '.join(categories)}); use one of those")
            blocks.append((values[:, None] == np.asarray(categories)[None, :]).astype(np.float64))  # one-hot
        return np.hstack(blocks) if blocks else np.empty((frame.shape[0], 0))

    def to_dict(self) -> dict:
        return {"columns": [{"name": name, "categories": categories} for name, categories in self.columns]}

    @classmethod
    def from_dict(cls, data: dict) -> FeatureEncoder:
        return cls([(column["name"], column["categories"]) for column in data["columns"]])


@dataclass
class Dataset:
    """Inputs, targets and what is needed to encode new rows the same way."""

    X: Array  # (m, n_inputs) float64
    y: Array  # (m,) class labels, or (m,) / (m, k) float64 values for one or k regression targets
    task: str  # "classification" or "regression"
    encoder: FeatureEncoder
    target_names: list[str]
    source: str


def detect_task(targets) -> str:
    """Classification for text targets or a few integer levels (see the module docstring), else regression."""
    for name in targets.columns:
        column = targets[name]
        if not is_numeric(column) or column.dtype == bool:
            return "classification"
    values = targets.to_numpy(dtype=np.float64)
    levels = max(len(np.unique(values[:, j])) for j in range(values.shape[1]))
    return "classification" if np.all(values == np.round(values)) and levels <= MAX_CLASS_LEVELS else "regression"


def prepare(frame, target: Sequence[str], features: Sequence[str] | None = None, task: str | None = None,
            source: str = "data") -> Dataset:
    """Select targets and features (default: every other column), check values, encode, detect the task."""
    target = list(target)
    if not target:
        raise DataError("no target column given; name it with --target")
    check_columns(target, frame, source, "target")
    features = [str(c) for c in frame.columns if str(c) not in target] if features is None else list(features)
    check_columns(features, frame, source, "feature")
    overlap = sorted(set(features) & set(target))
    if overlap:
        raise DataError(f"{source}: column(s) {', '.join(map(repr, overlap))} are both feature and target; "
                        f"choose one role each")
    if not features:
        raise DataError(f"{source}: no feature columns left besides the target; the table needs at least one more column")
    used = frame[features + target]
    check_values(used, source)
    task = task or detect_task(frame[target])
    if task not in ("classification", "regression"):
        raise DataError(f"unknown task {task!r}; choose classification or regression")
    encoder = FeatureEncoder.fit(frame, features)
    return Dataset(encoder.transform(frame, source), target_values(frame, target, task, source), task, encoder,
                   target, source)


def target_values(frame, target: Sequence[str], task: str, source: str) -> Array:
    """The target column(s) as the estimators take them (see :class:`Dataset`)."""
    columns = frame[list(target)]
    if task == "regression":
        if not all(is_numeric(columns[name]) for name in target):
            text = next(name for name in target if not is_numeric(columns[name]))
            raise DataError(f"{source}: target column {text!r} holds text, so it cannot be a regression target; "
                            f"use --task classification")
        values = columns.to_numpy(dtype=np.float64)
        return values[:, 0] if len(target) == 1 else values
    if len(target) > 1:
        raise DataError(f"{source}: {len(target)} target columns make a classification task with several targets, "
                        f"which bpnn train does not take; give one target column, or use --task regression")
    column = columns[target[0]]
    return column.to_numpy() if is_numeric(column) else column.astype(str).to_numpy().astype(str)
