"""Reading data tables and turning them into network inputs and targets.

Conventions:
- Samples are rows. ``read_table`` returns a pandas DataFrame whose columns are the file's header and whose
  index is the row number minus 2, so ``index + 2`` is the row a spreadsheet shows (the header is row 1,
  the first data row row 2; a text file's line; below title rows, the header keeps its own row's number).
  Blank lines are skipped and keep their numbers.
- The format comes from the file's first bytes: ``PK\\x03\\x04`` is an Excel .xlsx workbook (its first
  sheet, or the one ``sheet`` names), ``PAR1`` is Parquet, a few other signatures (PNG, PDF, gzip, pickle, bpnn model files, old
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

- Understanding (:mod:`bpnn.tables.text`): numbers written as text (thousands separators, decimal commas,
  percent signs, units, currency, full-width digits) become numbers, dates days since 1970-01-01 and times of
  day hours, each with a note (``frame.attrs["notes"]``); a column whose cells cannot be read one way gets its
  reason in ``frame.attrs["problems"]``, raised when the column is used. Title rows above the header and a
  units row below it are skipped with a note; text inputs with (nearly) one value per row and columns empty
  in every row are refused, naming ``--exclude``.

Every problem with the data raises :class:`DataError`, whose message names the file, column, row and
value where they apply, and the fix.

The modules: :mod:`~bpnn.tables.common` (constants, DataError, naming rows and cells),
:mod:`~bpnn.tables.text` (numbers and dates written as text), :mod:`~bpnn.tables.reading` (files into
DataFrames), :mod:`~bpnn.tables.dataset` (checks, missing values, encoding, :func:`prepare`). This face only
hands on their names.
"""

from __future__ import annotations

from bpnn.tables.common import (
    CONTROL_BYTES,
    DELIMITER_NAMES,
    DELIMITERS,
    ENCODINGS,
    EPOCH,
    EXTENSIONS,
    FORMAT_NAMES,
    IMPUTE,
    LARGE_INPUT,
    MAGIC,
    MAX_CLASS_LEVELS,
    MAX_MAGNITUDE,
    MIN_TRAINING_ROWS,
    MISSING,
    MISSING_MARKS,
    NEAR_UNIQUE,
    SNIFF_BYTES,
    SNIFF_LINES,
    SPREADSHEET_ERRORS,
    TABLES,
    UTF16_MARKS,
    Array,
    DataError,
    cell_text,
    closest,
    filled,
    is_missing,
    is_numeric,
    normal_text,
    row_number,
)
from bpnn.tables.dataset import (
    Dataset,
    FeatureEncoder,
    check_columns,
    check_division,
    check_magnitudes,
    check_missing_option,
    check_problems,
    check_roles,
    check_text_in_numbers,
    check_values,
    check_variation,
    detect_task,
    drop_missing,
    fill_values,
    imputed_cells,
    large_input_warning,
    notes_of,
    prepare,
    target_values,
    understanding,
)
from bpnn.tables.reading import (
    Fields,
    check_binary,
    check_field_counts,
    check_header,
    choose_sheet,
    decode,
    detect_format,
    field_rows,
    find_formulas,
    format_of,
    frame_of,
    header_index,
    holds_table,
    read_parquet,
    read_table,
    read_text,
    read_workbook,
    skip_units_row,
    sniff_delimiter,
    text_records,
)
from bpnn.tables.text import (
    CHINESE_DATE,
    CONVENTIONS,
    DMY_DATE,
    ISO_DATE,
    NUMBER,
    TIME,
    Originals,
    TextNumbers,
    as_written,
    convert_numbers,
    date_note,
    date_values,
    fill_in,
    looks_numeric,
    number_readings,
    text_numbers,
    understand,
)

__all__ = [
    "Originals",
    "as_written",
    "CONTROL_BYTES",
    "DELIMITERS",
    "DELIMITER_NAMES",
    "ENCODINGS",
    "EPOCH",
    "EXTENSIONS",
    "FORMAT_NAMES",
    "IMPUTE",
    "LARGE_INPUT",
    "MAGIC",
    "MAX_CLASS_LEVELS",
    "MAX_MAGNITUDE",
    "MIN_TRAINING_ROWS",
    "MISSING",
    "MISSING_MARKS",
    "NEAR_UNIQUE",
    "SNIFF_BYTES",
    "SNIFF_LINES",
    "SPREADSHEET_ERRORS",
    "TABLES",
    "UTF16_MARKS",
    "Array",
    "DataError",
    "cell_text",
    "closest",
    "filled",
    "is_missing",
    "is_numeric",
    "normal_text",
    "row_number",
    "CHINESE_DATE",
    "CONVENTIONS",
    "DMY_DATE",
    "ISO_DATE",
    "NUMBER",
    "TIME",
    "TextNumbers",
    "convert_numbers",
    "date_note",
    "date_values",
    "fill_in",
    "looks_numeric",
    "number_readings",
    "text_numbers",
    "understand",
    "Fields",
    "check_binary",
    "check_field_counts",
    "check_header",
    "choose_sheet",
    "decode",
    "detect_format",
    "field_rows",
    "find_formulas",
    "format_of",
    "frame_of",
    "header_index",
    "holds_table",
    "read_parquet",
    "read_table",
    "read_text",
    "read_workbook",
    "skip_units_row",
    "sniff_delimiter",
    "text_records",
    "Dataset",
    "FeatureEncoder",
    "check_columns",
    "check_division",
    "check_magnitudes",
    "check_missing_option",
    "check_problems",
    "check_roles",
    "check_text_in_numbers",
    "check_values",
    "check_variation",
    "detect_task",
    "drop_missing",
    "fill_values",
    "imputed_cells",
    "large_input_warning",
    "notes_of",
    "prepare",
    "target_values",
    "understanding",
]
