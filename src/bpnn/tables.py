"""Reading data tables and turning them into network inputs and targets.

Conventions:
- Samples are rows. ``read_table`` returns a pandas DataFrame whose columns are the file's header and whose
  index is the row number minus 2, so ``index + 2`` is the row a spreadsheet shows (the header is row 1,
  the first data row row 2; a text file's line). Blank lines are skipped and keep their numbers.
- The format comes from the file's first bytes: ``PK\\x03\\x04`` is an Excel .xlsx workbook (its first
  sheet), ``PAR1`` is Parquet, a few other signatures (PNG, PDF, gzip, pickle, bpnn model files, old
  .xls) name a file that is no table, anything else is delimited text; a name ending in a known extension
  that says otherwise is an error. Text is decoded as UTF-16 when it starts with a UTF-16 byte-order mark,
  else as UTF-8 (a byte-order mark allowed) and otherwise as GBK; the delimiter (comma, tab, semicolon or
  bar) is the one that splits the header into more than one field and most of the first lines into as
  many. Every row must have as many fields as the header.
- Missing values are an error unless ``prepare`` is told to drop their rows (``missing="drop"``) or to fill
  feature cells (``"mean"``, ``"median"``, ``"most_frequent"``) with a statistic of the training file's
  column; a text column is filled with its most frequent category for every strategy. The statistics are
  stored in the :class:`FeatureEncoder`, so new rows are filled with the training values. Targets are
  never filled.
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
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

Array = np.ndarray

ENCODINGS = ("utf-8-sig", "gbk")  # tried in this order unless an encoding is given or a UTF-16 mark starts the file
UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")
DELIMITERS = (",", "\t", ";", "|")
DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "bar"}
MAX_CLASS_LEVELS = 10  # an integer target with at most this many distinct values is a class label
SNIFF_LINES = 20
SNIFF_BYTES = 8
# first bytes -> format; a pickle starts with the PROTO opcode 0x80 and protocol 2 to 5
MAGIC = {b"PK\x03\x04": "zip", b"PAR1": "parquet", b"\xd0\xcf\x11\xe0": "xls", b"\x89BPNN": "bpnn",
         b"\x89PNG": "png", b"%PDF": "pdf", b"\x1f\x8b": "gzip", b"\xff\xd8\xff": "jpeg",
         **{bytes([0x80, protocol]): "pickle" for protocol in range(2, 6)}}
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


class DataError(ValueError):
    """The data cannot be used as given; the message says what is wrong and how to fix it."""


# ---- reading a file ------------------------------------------------------------------------------
def format_of(head: bytes) -> str:
    """The format the first bytes ``head`` announce (a key of ``FORMAT_NAMES``); ``"text"`` when none does."""
    return next((kind for magic, kind in MAGIC.items() if head.startswith(magic)), "text")


def detect_format(path: str | Path) -> str:
    """The format of the file at ``path`` from its first bytes; a zip archive is ``"xlsx"`` unless it opens
    and holds no ``xl/`` folder (a damaged one may be a workbook, whose reading says what is wrong)."""
    with open(path, "rb") as file:
        kind = format_of(file.read(SNIFF_BYTES))
    if kind == "zip":
        try:
            with zipfile.ZipFile(path) as archive:
                kind = "xlsx" if any(name.startswith("xl/") for name in archive.namelist()) else "zip"
        except zipfile.BadZipFile:
            kind = "xlsx"
    return kind


def decode(raw: bytes, path: str | Path, encoding: str | None = None) -> str:
    """The file's text: in ``encoding`` when given, else UTF-16 after its mark, else the first of ``ENCODINGS``
    that decodes it."""
    names = (encoding,) if encoding else ("utf-16",) if raw.startswith(UTF16_MARKS) else ENCODINGS
    for name in names[:-1]:
        try:
            return raw.decode(name)
        except UnicodeDecodeError:
            continue
    try:
        return raw.decode(names[-1])
    except UnicodeDecodeError as error:
        row = raw[:error.start].count(b"\n") + 1
        tried = encoding or ("UTF-16" if names == ("utf-16",) else "UTF-8 or GBK")
        raise DataError(f"{path}: byte {error.start} (row {row}: {raw[error.start:error.end]!r}) cannot be decoded as "
                        f"{tried}; save the file as UTF-8 or give its encoding with --encoding, such as --encoding "
                        f"latin-1") from None
    except LookupError:
        raise DataError(f"unknown encoding {encoding!r}; give a Python codec name such as utf-8 or gbk") from None


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the header into several fields and the most of the first lines into as many
    (ties: the most fields); a comma when none splits the header."""
    lines = [line for line in text.splitlines()[:SNIFF_LINES] if line.strip()]
    best, best_score = ",", (0, 1)
    for delimiter in DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        score = (counts.count(counts[0]), counts[0]) if counts else (0, 1)
        if counts and counts[0] > 1 and score > best_score:
            best, best_score = delimiter, score
    return best


def read_table(path: str | Path, encoding: str | None = None):
    """The file at ``path`` as a DataFrame (see the module docstring for formats, encodings and rows)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file" if not path.exists() else f"{path} is a folder, not a data file")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty; give a table with a header row and data rows")
    kind = detect_format(path)
    claimed = EXTENSIONS.get(path.suffix.lower())
    if kind not in TABLES and kind != "xls":
        raise DataError(f"{path}: the contents are {FORMAT_NAMES[kind]}, not a data table; give a CSV, TSV, .xlsx or "
                        f"Parquet file")
    if claimed is not None and claimed != kind:
        raise DataError(f"{path}: the name says {FORMAT_NAMES[claimed]} but the contents are {FORMAT_NAMES[kind]}; "
                        f"rename the file or save it again in the format its name says")
    if kind == "xls":
        raise DataError(f"{path}: old Excel .xls workbooks are not read; save it as .xlsx or CSV")
    frame, header = read_binary(path, kind) if kind != "text" else read_text(path, encoding)
    check_header(header, path)
    frame.columns = [str(name).strip() for name in frame.columns]
    if frame.shape[0] == 0:
        raise DataError(f"{path}: the file has a header but no data rows; add rows below the header")
    return frame


def read_binary(path: Path, kind: str):
    """(frame, header) of an .xlsx workbook's first sheet or a Parquet file."""
    import pandas as pd

    try:
        if kind == "parquet":
            frame = pd.read_parquet(path).reset_index(drop=True)
            return frame, [str(name) for name in frame.columns]
        frame = pd.read_excel(path, sheet_name=0)
        first_row = pd.read_excel(path, sheet_name=0, header=None, nrows=1)
    except Exception as error:  # the readers raise many types (zip, XML, Arrow errors) for one cause: a damaged file
        reason = " ".join(str(error).split()) or type(error).__name__
        raise DataError(f"{path}: cannot be read as {FORMAT_NAMES[kind]} ({reason}); open it in the program that "
                        f"wrote it and save it again") from None
    header = ["" if pd.isna(name) else str(name) for name in first_row.iloc[0]] if len(first_row) else []
    return frame, header


def read_text(path: Path, encoding: str | None):
    """(frame, header) of a delimited text file, rows numbered by their lines (see the module docstring)."""
    import pandas as pd

    text = decode(path.read_bytes(), path, encoding)
    if "\0" in text:
        row = text[:text.index("\0")].count("\n") + 1
        raise DataError(f"{path}: row {row} holds a zero byte, so the file is binary data, not delimited text; give a "
                        f"CSV, TSV, .xlsx or Parquet file")
    if not text.strip():
        raise DataError(f"{path}: the file holds no text; give a table with a header row and data rows")
    delimiter = sniff_delimiter(text)
    rows = field_rows(text, delimiter, path)
    header = rows.pop(0)[1] if rows else []
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, skipinitialspace=True, index_col=False)
    except (pd.errors.ParserError, csv.Error) as error:
        reason = " ".join(str(error).split())
        raise DataError(f"{path}: cannot be read as {DELIMITER_NAMES[delimiter]}-separated text ({reason}); check its "
                        f"quotes: a value holding the delimiter or a line break must be quoted, and every quote "
                        f"closed") from None
    if len(frame) == len(rows):
        frame.index = pd.Index([line - 2 for line, _ in rows])
    return frame, header


def field_rows(text: str, delimiter: str, path: Path) -> list[tuple[int, list[str]]]:
    """(first line, fields) of every non-blank record; a record whose field count differs from the header's
    raises DataError."""
    reader = csv.reader(io.StringIO(text, newline=None), delimiter=delimiter, skipinitialspace=True)  # any line ending
    rows, last_line, line = [], {}, 1
    try:
        for fields in reader:
            blank = all(not value.strip() for value in fields) and (len(fields) <= 1 or delimiter.isspace())
            if not blank:
                rows.append((line, fields))
                last_line[line] = reader.line_num
            line = reader.line_num + 1
    except csv.Error as error:
        raise DataError(f"{path}: row {line} cannot be read as {DELIMITER_NAMES[delimiter]}-separated text ({error}); "
                        f"correct that row") from None
    for line, fields in rows[1:]:
        if len(fields) != len(rows[0][1]) and last_line[line] > line and line == rows[-1][0]:
            raise DataError(f"{path}: a quote opened in row {line} is never closed, so rows {line} to {last_line[line]} "
                            f"read as one value; close that quote")
        if len(fields) != len(rows[0][1]):
            raise DataError(f"{path}: row {line} has {len(fields)} {DELIMITER_NAMES[delimiter]}-separated fields where "
                            f"the header has {len(rows[0][1])}; give every row one value per column (quote values that "
                            f"hold a {DELIMITER_NAMES[delimiter]})")
    return rows


def check_header(header: Sequence[str], path: Path) -> None:
    """Every column has a name, and a name of its own."""
    names = [str(name).strip() for name in header]
    unnamed = [i + 1 for i, name in enumerate(names) if not name]
    if unnamed:
        raise DataError(f"{path}: column {unnamed[0]} has no name in the header row (row 1); give every column a name")
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise DataError(f"{path}: duplicated column name(s) {', '.join(map(repr, duplicated))}; give every column a "
                        f"different name")


# ---- checking columns and values -----------------------------------------------------------------
def row_number(frame, position: int) -> int:
    """The row a spreadsheet shows for the ``position``-th row of ``frame`` (see the module docstring)."""
    label = frame.index[position]
    return int(label) + 2 if isinstance(label, (int, np.integer)) else position + 2


def closest(name: str, names: Sequence[str]) -> str:
    """A 'did you mean' hint for an unknown column name."""
    matches = difflib.get_close_matches(name, list(names), n=3, cutoff=0.5)
    return f"; did you mean {' or '.join(map(repr, matches))}?" if matches else ""


def check_columns(requested: Sequence[str], frame, source: str, role: str, needed_by: str | None = None) -> None:
    """Every requested column is in ``frame``; else DataError naming the first missing one and the closest names
    (and, with ``needed_by``, who needs which columns: "the model")."""
    columns = [str(c) for c in frame.columns]
    missing = [name for name in requested if name not in columns]
    if not missing:
        return
    name, others = missing[0], missing[1:]
    also = f", nor {', '.join(map(repr, others))}" if others else ""
    single = ""
    if len(columns) == 1 and any(mark in columns[0] for mark in " :/"):
        single = (f"; the file reads as one column, {columns[0]!r}: separate its fields by comma, tab, semicolon or "
                  f"bar")
    needs = f"; {needed_by} needs the {role} columns {', '.join(requested)}" if needed_by else ""
    raise DataError(f"{source}: no {role} column {name!r}{also}{closest(name, columns)} (columns: {', '.join(columns)})"
                    f"{needs}{single}")


def is_numeric(series) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(series.dtype))


def check_values(frame, source: str) -> None:
    """Missing values, non-finite numbers and text in a numeric column raise DataError."""
    import pandas as pd

    for name in frame.columns:
        column = frame[name]
        missing = np.flatnonzero(column.isna().to_numpy())
        if missing.size:
            rows = ", ".join(str(row_number(frame, i)) for i in missing[:5]) + (", …" if missing.size > 5 else "")
            raise DataError(f"{source}: column {name!r} has {missing.size} missing value(s) (row {rows}); fill them in "
                            f"or remove those rows (--drop-missing removes them, --impute mean|median|most_frequent "
                            f"fills feature columns)")
        if is_numeric(column):
            bad = np.flatnonzero(~np.isfinite(column.to_numpy(dtype=float)))
            if bad.size:
                raise DataError(f"{source}: column {name!r} row {row_number(frame, bad[0])} holds "
                                f"{float(column.iloc[bad[0]])}; replace non-finite numbers with finite ones")
            continue
        text = pd.to_numeric(column, errors="coerce").isna().to_numpy()
        commas = pd.to_numeric(column.astype(str).str.replace(",", ".", regex=False), errors="coerce").notna().to_numpy()
        if len(column) and np.all(text & commas):  # every value a number once its comma is a point: decimal commas
            raise DataError(f"{source}: column {name!r} holds numbers written with a comma (row {row_number(frame, 0)}: "
                            f"{column.iloc[0]!r}); write them with a decimal point and no thousands separator")
        stray = np.flatnonzero(text)
        if 0 < stray.size <= len(column) / 2:  # mostly numbers: the text is a stray, not a category
            row = int(stray[0])
            raise DataError(f"{source}: column {name!r} is numeric but row {row_number(frame, row)} holds the text "
                            f"{column.iloc[row]!r}; correct or remove that value")


# ---- missing values ------------------------------------------------------------------------------
def fill_values(column) -> dict:
    """The values a missing cell of ``column`` may be filled with: mean, median and most frequent of a numeric
    column (finite values only), the most frequent category of a text one (for every strategy)."""
    present = column.dropna()
    if is_numeric(column):
        values = present.to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        if not values.size:
            return {}
        counts = np.unique(values, return_counts=True)
        return {"mean": float(np.mean(values)), "median": float(np.median(values)),
                "most_frequent": float(counts[0][np.argmax(counts[1])])}  # the smallest of the most frequent
    if not len(present):
        return {}
    categories, counts = np.unique(present.astype(str).to_numpy(), return_counts=True)
    mode = str(categories[np.argmax(counts)])
    return dict.fromkeys(IMPUTE, mode)


def drop_missing(frame, columns: Sequence[str], source: str):
    """(frame without the rows missing a value in ``columns``, the dropped rows' numbers)."""
    incomplete = frame[list(columns)].isna().any(axis=1).to_numpy()
    if incomplete.all():
        raise DataError(f"{source}: every row misses a value in column(s) {', '.join(map(repr, columns))}, so "
                        f"--drop-missing leaves no row; fill the values in or use --impute")
    dropped = [row_number(frame, i) for i in np.flatnonzero(incomplete)]
    return frame[~incomplete], dropped


def check_missing_option(missing: str) -> None:
    if missing not in MISSING:
        raise DataError(f"unknown handling of missing values {missing!r}; choose one of {', '.join(MISSING)}")


# ---- encoding ------------------------------------------------------------------------------------
@dataclass
class FeatureEncoder:
    """Maps the chosen feature columns of a table to the network's numeric input matrix.

    ``columns`` lists ``(name, categories)`` pairs: ``categories`` is None for a numeric column and the
    sorted list of text values for a one-hot encoded one. ``fill`` maps each column to the values its
    missing cells take (see :func:`fill_values`). JSON-able through ``to_dict``/``from_dict``.
    """

    columns: list = field(default_factory=list)
    fill: dict = field(default_factory=dict)

    @classmethod
    def fit(cls, frame, names: Sequence[str]) -> FeatureEncoder:
        encoder = cls()
        for name in names:
            column = frame[name]
            categories = None if is_numeric(column) else sorted(column.dropna().astype(str).unique().tolist())
            encoder.columns.append((name, categories))
            encoder.fill[name] = fill_values(column)
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

    def impute(self, frame, strategy: str, source: str = "data"):
        """``frame`` with the missing cells of the feature columns filled by ``strategy`` (one of ``IMPUTE``)."""
        if strategy not in IMPUTE:
            raise DataError(f"unknown --impute {strategy!r}; choose one of {', '.join(IMPUTE)}")
        check_columns(self.feature_names, frame, source, "feature", "the model")
        filled = frame.copy()
        for name in self.feature_names:
            if not filled[name].isna().any():
                continue
            if name not in self.fill:
                raise DataError(f"{source}: the model holds no values to fill column {name!r} with (it was saved by an "
                                f"older bpnn); fill the missing values in or use --drop-missing")
            if not self.fill[name]:
                raise DataError(f"{source}: column {name!r} had no values at training to fill missing ones with; "
                                f"fill them in or use --drop-missing")
            filled[name] = filled[name].fillna(self.fill[name][strategy])
        return filled

    def transform(self, frame, source: str = "data") -> Array:
        import pandas as pd

        check_columns(self.feature_names, frame, source, "feature", "the model")
        blocks = []
        for name, categories in self.columns:
            column = frame[name]
            if categories is None:
                if not is_numeric(column):
                    text = np.flatnonzero(pd.to_numeric(column, errors="coerce").isna().to_numpy())
                    row = int(text[0]) if text.size else 0
                    raise DataError(f"{source}: feature column {name!r} was numeric at training but row "
                                    f"{row_number(frame, row)} holds the text {column.iloc[row]!r}; give numbers in "
                                    f"that column")
                blocks.append(column.to_numpy(dtype=np.float64)[:, None])
                continue
            values = column.astype(str).to_numpy()
            unseen = np.flatnonzero(~np.isin(values, categories))
            if unseen.size:
                row = int(unseen[0])
                raise DataError(f"{source}: column {name!r} row {row_number(frame, row)} holds {values[row]!r}, a value "
                                f"not seen at training (known: {', '.join(categories)}); use one of those")
            blocks.append((values[:, None] == np.asarray(categories)[None, :]).astype(np.float64))  # one-hot
        return np.hstack(blocks) if blocks else np.empty((frame.shape[0], 0))

    def to_dict(self) -> dict:
        return {"columns": [{"name": name, "categories": categories} for name, categories in self.columns],
                "fill": self.fill}

    @classmethod
    def from_dict(cls, data: dict) -> FeatureEncoder:
        """The encoder ``to_dict`` described; ValueError when ``data`` is no such description."""
        columns = [(column["name"], column["categories"]) for column in data["columns"]]
        for name, categories in columns:
            if not (isinstance(name, str) and (categories is None or isinstance(categories, list)
                                               and all(isinstance(c, str) for c in categories))):
                raise ValueError(f"column {name!r} with categories {categories!r} is no feature encoding")
        return cls(columns, dict(data.get("fill", {})))


@dataclass
class Dataset:
    """Inputs, targets and what is needed to encode new rows the same way."""

    X: Array  # (m, n_inputs) float64
    y: Array  # (m,) class labels, or (m,) / (m, k) float64 values for one or k regression targets
    task: str  # "classification" or "regression"
    encoder: FeatureEncoder
    target_names: list[str]
    source: str
    dropped: list[int] = field(default_factory=list)  # rows left out for missing values (missing="drop")


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
            source: str = "data", missing: str = "error") -> Dataset:
    """Select targets and features (default: every other column), handle missing values as ``missing`` says
    (one of ``MISSING``), check values, encode, detect the task."""
    target = list(target)
    check_missing_option(missing)
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
    dropped: list[int] = []
    if missing == "drop":
        frame, dropped = drop_missing(frame, features + target, source)
    encoder = FeatureEncoder.fit(frame, features)
    if missing in IMPUTE:
        frame = encoder.impute(frame, missing, source)
    check_values(frame[features + target], source)
    task = task or detect_task(frame[target])
    if task not in ("classification", "regression"):
        raise DataError(f"unknown task {task!r}; choose classification or regression")
    check_variation(frame, features, source)
    y = target_values(frame, target, task, source)
    if task == "classification" and len(np.unique(y)) < 2:
        raise DataError(f"{source}: target column {target[0]!r} holds one class, {y[0].item()!r}, in all {len(y)} rows; "
                        f"a classifier needs at least two classes: add rows of another class")
    return Dataset(encoder.transform(frame, source), y, task, encoder, target, source, dropped)


def check_variation(frame, features: Sequence[str], source: str) -> None:
    """At least one feature column holds more than one value; else there is nothing to learn from."""
    if all(frame[name].nunique() <= 1 for name in features):
        raise DataError(f"{source}: no feature column varies: {', '.join(map(repr, features))} hold one value each "
                        f"throughout the {len(frame)} row(s), so there is nothing to learn from; add rows that differ")


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


# ---- checks before training ----------------------------------------------------------------------
def check_division(n_rows: int, ratios: Sequence[float], source: str) -> None:
    """``n_rows`` rows give every set with a positive ratio at least one row and training ``MIN_TRAINING_ROWS``."""
    from bpnn.preprocessing import division_sizes

    asked = ",".join(f"{ratio:g}" for ratio in ratios)
    try:
        sizes = division_sizes(n_rows, *ratios)
    except ValueError:
        sizes = (0, 0, 0)
    names = ("training", "validation", "test")
    empty = [name for name, size, ratio in zip(names, sizes, ratios) if ratio > 0 and size == 0]
    if empty or sizes[0] < MIN_TRAINING_ROWS:
        problem = f"the {empty[0]} set would get no row" if empty else f"the training set would get {sizes[0]} row"
        raise DataError(f"{source}: {n_rows} rows are too few for --division {asked}: {problem}; add rows, or train "
                        f"on every row with --division 1,0,0")


def large_input_warning(X: Array, input_names: Sequence[str], source: str) -> str | None:
    """A warning when an input reaches magnitudes (above ``LARGE_INPUT``) that want scaling, else None."""
    if X.size == 0:
        return None
    magnitude = np.max(np.abs(X), axis=0)
    worst = int(np.argmax(magnitude))
    if magnitude[worst] <= LARGE_INPUT:
        return None
    return (f"{source}: input {input_names[worst]!r} reaches {magnitude[worst]:.3g} in magnitude; unscaled inputs that "
            f"large saturate tanh and sigmoid units and can make training diverge; scale them with --scaling mapminmax "
            f"or --scaling standard")
