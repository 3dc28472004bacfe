"""Reading a file into a DataFrame: the format from its first bytes, the encoding, the delimiter, the sheet, the
header row (below title rows), a units row; numbers written as text and dates understood (:mod:`bpnn.tables.text`)."""

from __future__ import annotations

import csv
import io
import shlex
import zipfile
from collections.abc import Sequence
from pathlib import Path

from bpnn.tables.common import (
    BINARY_SAMPLE,
    BINARY_SHARE,
    CONTROL_BYTES,
    DELIMITER_NAMES,
    DELIMITERS,
    ENCODINGS,
    EXTENSIONS,
    FORMAT_NAMES,
    MAGIC,
    MODEL_FILE_2,
    SNIFF_BYTES,
    SNIFF_LINES,
    TABLES,
    UTF16_MARKS,
    DataError,
    cell_text,
    closest,
    filled,
)
from bpnn.tables.text import looks_numeric, understand

STDIN = "-"  # the name that reads standard input


# ---- reading a file ------------------------------------------------------------------------------
def format_of(head: bytes) -> str:
    """The format the first bytes ``head`` announce (a key of ``FORMAT_NAMES``); ``"text"`` when none does."""
    if head[8:8 + len(MODEL_FILE_2)] == MODEL_FILE_2:
        return "bpnn"
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
        # UTF-8 that decodes is UTF-8 (GBK decodes most bytes, so its success says little)
        fix = ("it reads as utf-8: leave --encoding out, or give --encoding utf-8" if encoding and readable(raw, "utf-8")
               else "save the file as UTF-8 or give its encoding with --encoding, such as --encoding gbk (Chinese) or "
                    "--encoding latin-1 (Western European)")
        raise DataError(f"{path}: byte {error.start} (row {row}: {raw[error.start:error.end]!r}) cannot be decoded as "
                        f"{tried}; {fix}") from None
    except LookupError:
        raise DataError(f"unknown encoding {encoding!r}; give a Python codec name such as utf-8 or gbk") from None


def readable(raw: bytes, encoding: str) -> bool:
    """Whether ``raw`` decodes as ``encoding``."""
    try:
        raw.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the header into several fields and the most of the first lines into as many
    (ties: the most fields); a comma when none splits the header."""
    lines = [line for line in text.splitlines()[:SNIFF_LINES] if line.strip()]
    splits = [any(len(next(csv.reader([line], delimiter=d), [])) > 1 for d in DELIMITERS) for line in lines]
    lines = lines[next((i for i, split in enumerate(splits) if split), 0):]  # title lines above the header: skipped
    best, best_score = ",", (0, 1)
    for delimiter in DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        score = (counts.count(counts[0]), counts[0]) if counts else (0, 1)
        if counts and counts[0] > 1 and score > best_score:
            best, best_score = delimiter, score
    return best


def read_table(path: str | Path, encoding: str | None = None, sheet: str | int | None = None,
               header_row: int | None = None):
    """The file at ``path`` as a DataFrame (see the module docstring for formats, encodings and rows).

    ``sheet`` (a name, or a number from 1) chooses a workbook's sheet, ``header_row`` (a row number from 1) the
    row that holds the column names; without it the header is the first row, or the first row below title rows.
    Numbers written as text, dates and times are converted (see :func:`understand`); ``frame.attrs["notes"]``
    lists ``(column or None, note)`` saying what was converted, ``frame.attrs["problems"]`` maps a column to the
    reason its values cannot be used (raised when the column is used: :func:`check_columns`).

    ``path`` ``-`` reads the table from standard input (any of the formats; messages name it stdin).
    """
    if str(path) == STDIN:
        return read_stdin(encoding, sheet, header_row)
    path = Path(path)
    if header_row is not None and header_row < 1:
        raise DataError(f"--header-row {header_row}: rows count from 1 (the first row of the file); give the number "
                        f"of the row that holds the column names")
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
    if sheet is not None and kind != "xlsx":
        raise DataError(f"--sheet {sheet}: {path.name} is {FORMAT_NAMES[kind]}, not an Excel workbook; leave --sheet out")
    notes: list = []
    problems: dict = {}
    delimiter = None
    if kind == "xlsx":
        frame = read_workbook(path, sheet, header_row, notes, problems)
    elif kind == "parquet":
        frame = read_parquet(path)
        if header_row is not None and header_row != 1:
            raise DataError(f"--header-row {header_row}: a Parquet file's column names are its own; leave --header-row out")
    else:
        frame, delimiter = read_text(path, encoding, header_row, notes)
    if frame.shape[0] == 0:
        raise DataError(f"{path}: the file has a header but no data rows; add rows below the header")
    understand(frame, path.name, delimiter, notes, problems)
    frame.attrs["notes"] = notes
    frame.attrs["problems"] = problems
    return frame


def read_stdin(encoding: str | None, sheet: str | int | None, header_row: int | None):
    """The table piped into standard input, read as a file named stdin would be."""
    import sys
    import tempfile

    if sys.stdin is None or sys.stdin.isatty():
        raise DataError("- reads the table from standard input, but nothing is piped in; give a file name, or pipe "
                        "a table in: bpnn predict MODEL - < data.csv")
    raw = sys.stdin.buffer.read()
    with tempfile.TemporaryDirectory(prefix="bpnn-stdin-") as folder:
        spooled = Path(folder) / "stdin"
        spooled.write_bytes(raw)
        try:
            return read_table(spooled, encoding, sheet, header_row)
        except DataError as error:  # named as the user knows it, never by the temporary file
            raise DataError(str(error).replace(str(spooled), "stdin")) from None


def read_parquet(path: Path):
    import pandas as pd

    try:
        frame = pd.read_parquet(path).reset_index(drop=True)
    except Exception as error:  # the reader raises many types (Arrow errors) for one cause: a damaged file
        reason = " ".join(str(error).split()) or type(error).__name__
        raise DataError(f"{path}: cannot be read as Parquet ({reason}); open it in the program that wrote it and "
                        f"save it again") from None
    check_header([str(name) for name in frame.columns], path)
    frame.columns = [str(name).strip() for name in frame.columns]
    return frame


# ---- workbooks -----------------------------------------------------------------------------------
def holds_table(rows: list) -> bool:
    """Whether rows hold a table: a row of at least two cells with at least one more row below it."""
    first = next((i for i, row in enumerate(rows) if filled(row) >= 2), None)
    return first is not None and any(filled(row) for row in rows[first + 1:])


def choose_sheet(names: list, sheet: str | int | None, path: Path) -> str:
    """The sheet ``sheet`` names (a name, else a number from 1), or the first."""
    if sheet is None:
        return names[0]
    text = str(sheet).strip()
    if text in names:
        return text
    if text.isdigit():
        number = int(text)
        if 1 <= number <= len(names):
            return names[number - 1]
        raise DataError(f"--sheet {text}: {path.name} has {len(names)} sheet{'s' if len(names) != 1 else ''} "
                        f"({', '.join(names)}); give a name or a number from 1 to {len(names)}")
    raise DataError(f"--sheet {text!r}: {path.name} has no such sheet{closest(text, names)} (sheets: {', '.join(names)})")


def read_workbook(path: Path, sheet, header_row: int | None, notes: list, problems: dict):
    """An .xlsx workbook's sheet as a DataFrame: the header found (or given), rows numbered as Excel shows them,
    empty rows and unnamed empty columns left out; cells holding a formula without a saved value are named in
    ``problems``."""
    try:
        from openpyxl import load_workbook

        with open(path, "rb") as handle:  # a file object: openpyxl refuses a name without .xlsx (stdin's spool)
            book = load_workbook(handle, read_only=True, data_only=True)
            names = list(book.sheetnames)
            name = choose_sheet(names, sheet, path)
            worksheet = book[name]
            worksheet.reset_dimensions()
            rows = [list(row) for row in worksheet.iter_rows(values_only=True)]
            book.close()
    except DataError:
        raise
    except Exception as error:  # the reader raises many types (zip, XML errors) for one cause: a damaged file
        reason = " ".join(str(error).split()) or type(error).__name__
        raise DataError(f"{path}: cannot be read as {FORMAT_NAMES['xlsx']} ({reason}); open it in the program that "
                        f"wrote it and save it again") from None
    width = max((len(row) for row in rows), default=0)
    rows = [row + [None] * (width - len(row)) for row in rows]
    others = [other for other in names if other != name]
    if sheet is None and others and header_row is None and not holds_table(rows):
        raise DataError(f"{path.name}: the first sheet, {name!r}, holds no table (sheets: {', '.join(names)}); "
                        f"choose the sheet with --sheet, such as --sheet {shlex.quote(others[0])}")
    if not any(filled(row) for row in rows):
        raise DataError(f"{path.name}: sheet {name!r} is empty; "
                        + (f"choose another with --sheet (sheets: {', '.join(names)})" if others else
                           "give a workbook whose sheet holds the table"))
    if sheet is None and len(names) > 1:
        notes.append((None, f"{path.name}: read the first sheet, {name!r}, of {len(names)} ({', '.join(names)}); "
                            f"choose another with --sheet NAME"))
    records = [(number, row) for number, row in enumerate(rows, 1) if filled(row)]
    header_at = header_index(records, header_row, path, notes)
    header_line, header = records[header_at][0], [cell_text(value) for value in records[header_at][1]]
    body = records[header_at + 1:]
    body = skip_units_row(header, body, path, notes)
    keep = [j for j, title in enumerate(header) if title or any(cell_text(row[j]) for _, row in body)]
    check_header([header[j] for j in keep], path, header_line)
    frame = frame_of([header[j] for j in keep], [[row[j] for j in keep] for _, row in body],
                     [line for line, _ in body])
    if frame.isna().to_numpy().any():
        find_formulas(path, name, header_line, [header[j] for j in keep], keep, problems)
    return frame


def frame_of(header: list, rows: list, lines: list):
    """A DataFrame of cell values, each column's type inferred from its cells, indexed by row number minus 2."""
    import pandas as pd

    columns = {}
    for j, name in enumerate(header):
        values = [row[j] for row in rows]
        values = [None if isinstance(value, str) and not value.strip() else value for value in values]
        columns[name] = pd.Series(values, dtype=None if any(v is not None for v in values) else float)
    frame = pd.DataFrame(columns) if columns else pd.DataFrame(index=range(len(rows)))
    frame.index = pd.Index([line - 2 for line in lines])
    return frame


def find_formulas(path: Path, sheet: str, header_line: int, header: list, keep: list, problems: dict) -> None:
    """Names in ``problems`` the first cell of each column that holds a formula whose value was never saved (a
    file written by a program that does not calculate, such as openpyxl or a script)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=False)
        worksheet = book[sheet]
        worksheet.reset_dimensions()
        for number, row in enumerate(worksheet.iter_rows(values_only=True), 1):
            if number <= header_line:
                continue
            for name, j in zip(header, keep):
                value = row[j] if j < len(row) else None
                formula = getattr(value, "text", value)
                if name not in problems and isinstance(formula, str) and formula.startswith("="):
                    problems[name] = (f"{path.name}: column {name!r} row {number} holds the formula {formula} without a "
                                      f"saved value (the program that wrote the file did not calculate it); open the file "
                                      f"in Excel or LibreOffice and save it, so that the values are stored")
        book.close()
    except Exception:  # the values were read; a second reading that fails only loses the formulas' names
        return


# ---- delimited text ------------------------------------------------------------------------------
def read_text(path: Path, encoding: str | None, header_row: int | None = None, notes: list | None = None):
    """(frame, delimiter) of a delimited text file, rows numbered by their lines (see the module docstring)."""
    import pandas as pd

    raw = path.read_bytes()
    check_binary(raw, path)
    text = decode(raw, path, encoding)
    if "\0" in text:
        row = text[:text.index("\0")].count("\n") + 1
        raise DataError(f"{path}: row {row} holds a zero byte, so the file is binary data, not delimited text; give a "
                        f"CSV, TSV, .xlsx or Parquet file")
    if not text.strip():
        raise DataError(f"{path}: the file holds no text; give a table with a header row and data rows")
    delimiter = sniff_delimiter(text)
    records = text_records(text, delimiter, path)
    header_at = header_index(records, header_row, path, notes if notes is not None else [])
    header_line, header = records[header_at]
    body = records[header_at + 1:]
    check_field_counts(header_line, header, body, delimiter, path)
    body = skip_units_row(header, body, path, notes if notes is not None else [])
    lines = io.StringIO(text, newline=None).readlines()
    skipped = set(range(header_line - 1)) | ({records[header_at + 1][0] - 1} if len(body) < len(records) - header_at - 1
                                             else set())
    kept = "".join(line for number, line in enumerate(lines) if number not in skipped)
    try:
        frame = pd.read_csv(io.StringIO(kept), sep=delimiter, skipinitialspace=True, index_col=False, dtype=None)
    except (pd.errors.ParserError, csv.Error) as error:
        reason = " ".join(str(error).split())
        raise DataError(f"{path}: cannot be read as {DELIMITER_NAMES[delimiter]}-separated text ({reason}); check its "
                        f"quotes: a value holding the delimiter or a line break must be quoted, and every quote "
                        f"closed") from None
    if len(frame) == len(body):
        frame.index = pd.Index([line - 2 for line, _ in body])
    names = [str(name).strip() for name in header]
    empty = [j for j, name in enumerate(names) if not name and frame.iloc[:, j].isna().all()]
    check_header([name for j, name in enumerate(names) if j not in empty], path, header_line)
    frame = frame.iloc[:, [j for j in range(len(names)) if j not in empty]]
    frame.columns = [name for j, name in enumerate(names) if j not in empty]
    return frame, delimiter


def check_binary(raw: bytes, path: Path) -> None:
    """Bytes no text file holds (control characters) in more than ``BINARY_SHARE`` of the first ones: binary data,
    whatever the encoding."""
    if raw.startswith(UTF16_MARKS):
        return
    sample = raw[:BINARY_SAMPLE]
    if b"\0" in sample:
        row = sample[:sample.index(b"\0")].count(b"\n") + 1
        raise DataError(f"{path}: row {row} holds a zero byte, so the file is binary data, not delimited text; give a "
                        f"CSV, TSV, .xlsx or Parquet file")
    controls = sum(sample.count(bytes([byte])) for byte in CONTROL_BYTES)
    if controls > BINARY_SHARE * len(sample):
        first = next(i for i, byte in enumerate(sample) if byte in CONTROL_BYTES)
        row = sample[:first].count(b"\n") + 1
        raise DataError(f"{path}: the file is binary data, not delimited text (row {row} holds the control byte "
                        f"0x{sample[first]:02x}, one of {controls} in its first {len(sample)} bytes); give a CSV, TSV, "
                        f".xlsx or Parquet file")


class Fields(list):
    """The fields of a record of a text file, with the line it ends on."""

    def __init__(self, fields: list, end: int) -> None:
        super().__init__(fields)
        self.end = end


def text_records(text: str, delimiter: str, path: Path) -> list[tuple[int, list[str]]]:
    """(first line, fields) of every non-blank record."""
    reader = csv.reader(io.StringIO(text, newline=None), delimiter=delimiter, skipinitialspace=True)  # any line ending
    rows, line = [], 1
    try:
        for fields in reader:
            blank = all(not value.strip() for value in fields) and (len(fields) <= 1 or delimiter.isspace())
            if not blank:
                rows.append((line, Fields(fields, reader.line_num)))
            line = reader.line_num + 1
    except csv.Error as error:
        raise DataError(f"{path}: row {line} cannot be read as {DELIMITER_NAMES[delimiter]}-separated text ({error}); "
                        f"correct that row") from None
    return rows


def field_rows(text: str, delimiter: str, path: Path) -> list[tuple[int, list[str]]]:
    """(first line, fields) of every non-blank record; a record whose field count differs from the header's
    (the first record's) raises DataError."""
    rows = text_records(text, delimiter, path)
    if rows:
        check_field_counts(rows[0][0], rows[0][1], rows[1:], delimiter, path)
    return rows


def check_field_counts(header_line: int, header: list, body: list, delimiter: str, path: Path) -> None:
    """Every record below the header has as many fields as the header."""
    for position, (line, fields) in enumerate(body):
        if len(fields) == len(header):
            continue
        end = getattr(fields, "end", line)
        if position == len(body) - 1 and end > line:  # the last record runs over several lines to the end of the file
            raise DataError(f"{path}: a quote opened in row {line} is never closed, so rows {line} to {end} read as one "
                            f"value; close that quote")
        raise DataError(f"{path}: row {line} has {len(fields)} {DELIMITER_NAMES[delimiter]}-separated fields where "
                        f"the header{f' (row {header_line})' if header_line != 1 else ''} has {len(header)}; give every "
                        f"row one value per column (quote values that hold a {DELIMITER_NAMES[delimiter]})")


# ---- the header ----------------------------------------------------------------------------------
def header_index(records: list, header_row: int | None, path: Path, notes: list) -> int:
    """The position in ``records`` ((row, cells) of the non-empty rows) of the header: the row ``header_row``
    when given, else the first row below the title rows (rows of fewer than half the table's cells, above it)."""
    if not records:
        raise DataError(f"{path}: the file holds no rows; give a table with a header row and data rows")
    if header_row is not None:
        last = records[-1][0]
        at = next((i for i, (line, _) in enumerate(records) if line == header_row), None)
        if at is None:
            where = (f"{path.name} has {last} rows" if header_row > last else f"row {header_row} of {path.name} is empty")
            raise DataError(f"--header-row {header_row}, but {where}; give the number of the row that holds the "
                            f"column names")
        return at
    counts = [filled(cells) for _, cells in records[:SNIFF_LINES]]
    width = max(set(counts), key=lambda count: (counts.count(count), count))
    at = 0
    while at < len(counts) - 1 and counts[at] <= max(1, width // 2) < width:
        at += 1
    if at and (at == len(records) - 1 or all(looks_numeric(cell_text(cell)) for cell in records[at][1] if cell_text(cell))):
        at = 0  # what follows the short rows is no header: no title rows to skip
    if at:
        title = next(cell_text(cell) for cell in records[0][1] if cell_text(cell))
        above = f"row {records[0][0]}" if at == 1 else f"rows {records[0][0]} to {records[at - 1][0]}"
        notes.append((None, f"{path.name}: the header is row {records[at][0]}, below the title {above} ({title!r}); "
                            f"if another row holds the column names, give it with --header-row N"))
    header = [cell_text(cell) for cell in records[at][1]]
    named = [name for name in header if name]
    if named and all(looks_numeric(name) for name in named) and len(records) > at + 1:
        raise DataError(f"{path}: the header row (row {records[at][0]}) holds numbers "
                        f"({', '.join(map(repr, named[:3]))}{', …' if len(named) > 3 else ''}), not column names; add a "
                        f"row naming the columns above the data")
    return at


def skip_units_row(header: list, body: list, path: Path, notes: list) -> list:
    """``body`` without its first row when that row holds units (text over columns of numbers): 'kg', '°C'."""
    if len(body) < 3:
        return body
    first = [cell_text(cell) for cell in body[0][1]]
    below = body[1:1 + SNIFF_LINES]
    numeric = [j for j in range(len(header))
               if all(looks_numeric(cell_text(row[j])) for _, row in below if j < len(row) and cell_text(row[j]))
               and any(j < len(row) and cell_text(row[j]) for _, row in below)]
    units = {j: first[j] for j in range(min(len(first), len(header))) if first[j]}
    if not units or not numeric or any(j not in numeric or looks_numeric(unit) or len(unit) > 12
                                       for j, unit in units.items()):
        return body
    if len(units) * 2 < len(numeric):
        return body
    listed = ", ".join(f"{header[j]}: {unit}" for j, unit in units.items())
    notes.append((None, f"{path.name}: row {body[0][0]} holds units ({listed}), not data; it is left out"))
    return body[1:]


def check_header(header: Sequence[str], path: Path, row: int = 1) -> None:
    """Every column has a name, and a name of its own."""
    names = [str(name).strip() for name in header]
    unnamed = [i + 1 for i, name in enumerate(names) if not name]
    if unnamed:
        raise DataError(f"{path}: column {unnamed[0]} has no name in the header row (row {row}); give every column a "
                        f"name")
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise DataError(f"{path}: duplicated column name(s) {', '.join(map(repr, duplicated))}; give every column a "
                        f"different name")
