"""Hostile files and option values through the command line, one case a row: the tables engineers really have
(numbers written as text, units, dates, title rows, several sheets, formulas without values, Chinese headers in
GBK, binary junk) and option values a MATLAB user types. Each case runs ``bpnn.cli.main([...])`` in ``tmp_path``
and asserts

- the exit code (0: the file is understood, with a note saying what was converted; 2: refused),
- no traceback, and on exit 2 exactly one line on standard error (on exit 0 only notes and warnings),
- the words of that line: the column, row, value, option or fix named, and never a Python or library name
  (``max_iter``, ``random_state``, ``ndarray``, ``numpy``, pandas' ``Unnamed: 0``, an option error blamed on
  the data file),
- every file that was there before byte-identical afterwards, and on exit 2 no new file (whole or partial).

Rows are counted as a spreadsheet shows them: the header is row 1, the first data row row 2 (below title rows,
the header's own row).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field

import numpy as np
import pytest

from bpnn.cli import main

N = 30
_rng = np.random.default_rng(7)
TEMPERATURE = [f"{v:.2f}" for v in _rng.uniform(20, 80, N)]
PRESSURE = [f"{v:.3f}" for v in _rng.uniform(1, 5, N)]
MATERIAL = [("steel", "brass", "copper")[i % 3] for i in range(N)]
YIELD = [f"{v:.4f}" for v in _rng.uniform(0.1, 0.9, N)]
GRADE = [("A", "B")[i % 2] for i in range(N)]
BASE = {"temperature": TEMPERATURE, "pressure": PRESSURE, "material": MATERIAL, "yield": YIELD}

# words no message of the command line may hold: Python's and the libraries' names, pandas' made-up headers
FORBIDDEN = ("Traceback", "max_iter", "random_state", "RandomState", "ndarray", "numpy", "NumPy", "Unnamed:",
             "learning_rate_init", "division_ratios", "hidden_layer_sizes", "batch_size", "samples=", "dtype",
             "pandas", "sklearn", "scikit", "Errno", "internal error", "KeyError", "TypeError", "ValueError",
             "NoneType", "float64", "int64", "object of type")


# ---- building files ----------------------------------------------------------------------------------------
def table(columns: dict | None = None, drop: tuple = (), **changes) -> dict:
    """The base columns (as text cells) with columns replaced or added by ``changes`` (name=cells) and
    ``columns`` (for names that are no Python identifiers), less ``drop``."""
    result = {name: list(cells) for name, cells in BASE.items() if name not in drop}
    for name, cells in {**changes, **(columns or {})}.items():
        result[name] = list(cells)
    return result


def at(cells: list, row: int, value: str) -> list:
    """``cells`` with the cell of spreadsheet row ``row`` (the first data row is 2) set to ``value``."""
    cells = list(cells)
    cells[row - 2] = value
    return cells


def csv_bytes(columns: dict, sep: str = ",", encoding: str = "utf-8", above: tuple = (), eol: str = "\n") -> bytes:
    """``columns`` as delimited text, quoted where needed, with the lines ``above`` before the header."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator=eol)
    for line in above:
        writer.writerow(line)
    writer.writerow(list(columns))
    for row in zip(*columns.values()):
        writer.writerow(row)
    return buffer.getvalue().encode(encoding)


def numbers(columns: dict) -> dict:
    """``columns`` with every cell that reads as a number turned into one (for workbooks)."""
    def value(cell):
        try:
            return float(cell)
        except (TypeError, ValueError):
            return cell
    return {name: [value(cell) for cell in cells] for name, cells in columns.items()}


def xlsx_bytes(sheets: dict, above: tuple = ()) -> bytes:
    """A workbook of ``{sheet name: columns or a list of rows}``; the first sheet gets the rows ``above`` its
    header. A cell starting with '=' is written as a formula (without a saved value, as openpyxl writes it)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for index, (name, content) in enumerate(sheets.items()):
        sheet = book.create_sheet(name)
        if index == 0:
            for line in above:
                sheet.append(list(line))
        if isinstance(content, dict):
            sheet.append(list(content))
            for row in zip(*content.values()):
                sheet.append(list(row))
        else:
            for row in content:
                sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def dates(start: str = "2024-01-05", fmt: str = "%Y-%m-%d", step_hours: int = 24) -> list[str]:
    import datetime

    first = datetime.datetime.fromisoformat(start)
    return [(first + datetime.timedelta(hours=step_hours * i)).strftime(fmt) for i in range(N)]


def datetimes() -> list:
    import datetime

    return [datetime.datetime(2024, 1, 5) + datetime.timedelta(days=3 * i) for i in range(N)]


BINARY = bytes((i * 73 + 11) % 256 for i in range(3000)).replace(b"\0", b"\x01")  # no zero byte, nor a known signature
GZIP = b"\x1f\x8b\x08\x00" + bytes(range(1, 200))


# ---- the cases -------------------------------------------------------------------------------------------
@dataclass
class Case:
    id: str
    files: dict
    argv: list
    code: int
    words: list = field(default_factory=list)
    absent: list = field(default_factory=list)  # words the message must not hold (beyond FORBIDDEN)
    model: dict = field(default_factory=dict)  # on exit 0 from train: {"numeric": [...], "task": ...} to check


def train(data: str = "d.csv", target: str = "yield", *options: str) -> list:
    return ["train", data, "--target", target, *options]


def csv_case(id, columns, code, words, *options, target="yield", absent=(), model=None, **csv_options):
    return Case(id, {"d.csv": csv_bytes(columns, **csv_options)}, train("d.csv", target, *options), code, list(words),
                list(absent), model or {})


def xlsx_case(id, sheets, code, words, *options, target="yield", absent=(), model=None, above=()):
    return Case(id, {"d.xlsx": xlsx_bytes(sheets, above)}, train("d.xlsx", target, *options), code, list(words),
                list(absent), model or {})


def option_case(id, options, code, words, absent=()):
    """An option value of bpnn train on a good table: a refusal names the option, not the data file."""
    return Case(id, {"d.csv": csv_bytes(table())}, train("d.csv", "yield", *options), code, list(words),
                [*absent, *(["d.csv"] if code == 2 else [])], {})


THOUSANDS = [f"{v:,.1f}" for v in np.linspace(1200, 48000, N)]
THOUSANDS_INT = [f"{int(v):,}" for v in np.linspace(1200, 9800, N)]
MILLIONS = [f"{int(v):,}" for v in np.linspace(1_200_000, 9_800_000, N)]
SPACED = [f"{int(v):,}".replace(",", " ") for v in np.linspace(1200, 9800, N)]
PERCENT = [f"{v:.1f}%" for v in np.linspace(5, 95, N)]
DECIMAL_COMMA = [p.replace(".", ",") for p in PRESSURE]
EUROPEAN = [f"{v:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".") for v in np.linspace(1200, 48000, N)]
KG = [f"{v:.2f} kg" for v in np.linspace(1, 9, N)]
MIXED_UNITS = at(at(KG, 5, "300 g"), 9, "450 g")
CNY = [f"¥{v:,.2f}" for v in np.linspace(1200, 48000, N)]
DOLLARS = [f"${v:,.2f}" for v in np.linspace(1200, 48000, N)]
FULL_WIDTH = [p.translate(str.maketrans("0123456789.", "０１２３４５６７８９．")) for p in PRESSURE]
JIN = [f"{v:.1f}公斤" for v in np.linspace(1, 9, N)]
IDS = [f"S{i:03d}" for i in range(1, N + 1)]
NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄勇", "周杰", "吴昊"] * 3
COMMENTS = [f"sample {i} looked fine after {i % 7} hours" for i in range(N)]
NAMES = [f"{name}{i}" for i, name in enumerate(NAMES)]
EMPTY = [""] * N

CASES = [
    # -- numbers written as text: understood, with a note saying what was converted
    csv_case("thousands separators", table(pressure=THOUSANDS), 0, ["'pressure'", "thousands separator"],
             model={"numeric": ["pressure"]}),
    csv_case("thousands separators, whole numbers", table(pressure=THOUSANDS_INT), 0, ["'pressure'", "thousands"],
             model={"numeric": ["pressure"]}),
    csv_case("thousands separators in the target", table(**{"yield": THOUSANDS}), 0, ["'yield'", "thousands"],
             model={"task": "regression"}),
    csv_case("millions", table(pressure=MILLIONS), 0, ["'pressure'", "thousands"], model={"numeric": ["pressure"]}),
    csv_case("thousands separated by spaces", table(pressure=SPACED), 0, ["'pressure'", "thousands"],
             model={"numeric": ["pressure"]}),
    csv_case("percent", table(rate=PERCENT), 0, ["'rate'", "percent"], model={"numeric": ["rate"]}),
    csv_case("percent target", table(**{"yield": PERCENT}), 0, ["'yield'", "percent"], model={"task": "regression"}),
    csv_case("percent with plain numbers", table(rate=at(PERCENT, 6, "0.5")), 2, ["'rate'", "row 6", "'0.5'", "%"]),
    csv_case("decimal commas", table(pressure=DECIMAL_COMMA), 0, ["'pressure'", "decimal comma"], sep=";",
             model={"numeric": ["pressure"]}),
    csv_case("decimal commas with thousands points", table(pressure=EUROPEAN), 0, ["'pressure'", "decimal comma"],
             sep=";", model={"numeric": ["pressure"]}),
    csv_case("decimal commas in every column", {name: [c.replace(".", ",") for c in cells]
                                                for name, cells in table().items()}, 0, ["decimal comma"], sep=";",
             model={"numeric": ["temperature", "pressure"], "task": "regression"}),
    csv_case("commas that are both", table(pressure=at(THOUSANDS, 4, "3,5")), 2, ["'pressure'", "row 4", "'3,5'"]),
    csv_case("unit in the cells", table(mass=KG), 0, ["'mass'", "'kg'"], model={"numeric": ["mass"]}),
    csv_case("unit in the target's cells", table(**{"yield": KG}), 0, ["'yield'", "'kg'"], model={"task": "regression"},
             absent=["class"]),
    csv_case("two units in a column", table(mass=MIXED_UNITS), 2, ["'mass'", "'kg'", "'g'", "row 5", "one unit"]),
    csv_case("unit in the header", table({"mass (kg)": [k[:-3] for k in KG]}), 0, [], model={"numeric": ["mass (kg)"]}),
    csv_case("unit in the header, target named without it", table({"yield (%)": YIELD}, drop=("yield",)), 2,
             ["no target column 'yield'", "did you mean 'yield (%)'"], target="yield"),
    csv_case("a units row under the header", {name: [unit, *cells] for (name, cells), unit in
                                              zip(table().items(), ["°C", "MPa", "", "%"])}, 0, ["row 2", "units"],
             model={"numeric": ["temperature", "pressure"]}),
    csv_case("currency", table(cost=DOLLARS), 0, ["'cost'", "'$'"], model={"numeric": ["cost"]}),
    csv_case("yuan", table(cost=CNY), 0, ["'cost'", "'¥'"], model={"numeric": ["cost"]}),
    csv_case("full-width digits", table(pressure=FULL_WIDTH), 0, ["'pressure'", "full-width"],
             model={"numeric": ["pressure"]}),
    csv_case("Chinese unit in the cells", table({"质量": JIN}), 0, ["'质量'", "'公斤'"], model={"numeric": ["质量"]}),
    csv_case("a dash for a missing number", table(pressure=at(PRESSURE, 5, "-")), 2, ["'pressure'", "row 5", "'-'",
                                                                                        "empty"]),
    csv_case("a question mark for a missing number", table(pressure=at(PRESSURE, 8, "?")), 2,
             ["'pressure'", "row 8", "'?'", "empty"]),
    csv_case("a spreadsheet error", table(pressure=at(PRESSURE, 5, "#DIV/0!")), 2,
             ["'pressure'", "row 5", "'#DIV/0!'", "formula"]),
    csv_case("#VALUE! in the target", table(**{"yield": at(YIELD, 12, "#VALUE!")}), 2,
             ["'yield'", "row 12", "'#VALUE!'"], absent=["class"]),
    csv_case("a stray word in numbers", table(pressure=at(PRESSURE, 6, "high")), 2, ["'pressure'", "row 6", "'high'"]),
    # -- dates and times: a number with a note, or refused naming the fix
    csv_case("ISO dates", table(date=dates()), 0, ["'date'", "days since 1970-01-01", "--exclude"],
             model={"numeric": ["date"]}),
    csv_case("dates with times", table(date=dates(fmt="%Y-%m-%d %H:%M", step_hours=7)), 0, ["'date'", "days since"],
             model={"numeric": ["date"]}),
    csv_case("day-first dates", table(date=dates(start="2024-01-10", fmt="%d/%m/%Y")), 0, ["'date'", "days since"],
             model={"numeric": ["date"]}),
    csv_case("month-first dates", table(date=dates(start="2024-01-10", fmt="%m/%d/%Y")), 0, ["'date'", "days since"],
             model={"numeric": ["date"]}),
    csv_case("dates that could be either", table(date=[f"{1 + i % 12:02d}/{1 + i % 12:02d}/2024" for i in range(N)]), 2,
             ["'date'", "day", "month", "YYYY-MM-DD"]),
    csv_case("slashed ISO dates", table(date=dates(fmt="%Y/%m/%d")), 0, ["'date'", "days since"],
             model={"numeric": ["date"]}),
    csv_case("times of day", table(time=dates(fmt="%H:%M", step_hours=1)[:24] + ["06:30"] * 6), 0,
             ["'time'", "hours"], model={"numeric": ["time"]}),
    csv_case("a date column with a word", table(date=at(dates(), 9, "unknown")), 2, ["'date'", "row 9", "'unknown'"]),
    csv_case("dates as the target", table(**{"yield": dates()}), 0, ["'yield'", "days since"],
             model={"task": "regression"}),
    xlsx_case("dates in a workbook", {"Data": {**numbers(table()), "date": datetimes()}}, 0, ["'date'", "days since"],
              model={"numeric": ["date"]}),
    # -- text that is no category
    csv_case("an identifier column", table(id=IDS), 2, ["'id'", "30 different values", "--exclude", "--features"]),
    csv_case("a comments column", table(comment=COMMENTS), 2, ["'comment'", "different values", "--exclude"]),
    csv_case("Chinese names", table({"姓名": NAMES}), 2, ["'姓名'", "different values", "--exclude"]),
    csv_case("an identifier column left out by --features", table(id=IDS), 0, [], "--features", "temperature",
             "pressure", "material", model={"numeric": ["temperature", "pressure"]}),
    csv_case("an identifier column left out by --exclude", table(id=IDS), 0, [], "--exclude", "id"),
    csv_case("an identifier as the target", table(id=IDS), 2, ["'id'", "30 different values"], target="id"),
    csv_case("few categories", table(), 0, [], model={"numeric": ["temperature", "pressure"], "task": "regression"}),
    csv_case("Chinese categories", table(material=[("钢", "黄铜", "铜")[i % 3] for i in range(N)]), 0, []),
    # -- values too large to compute with, non-finite values
    csv_case("1e308", table(pressure=at(PRESSURE, 7, "1e308")), 2, ["'pressure'", "row 7", "1e+308"]),
    csv_case("-1e308 in the target", table(**{"yield": at(YIELD, 3, "-1e308")}), 2, ["'yield'", "row 3", "-1e+308"]),
    csv_case("1e200", table(pressure=at(PRESSURE, 11, "1e200")), 2, ["'pressure'", "row 11", "1e+200"]),
    csv_case("1e400 overflows", table(pressure=at(PRESSURE, 10, "1e400")), 2, ["'pressure'", "row 10"]),
    csv_case("inf", table(pressure=at(PRESSURE, 7, "inf")), 2, ["'pressure'", "row 7", "inf"]),
    csv_case("-inf in the target", table(**{"yield": at(YIELD, 4, "-inf")}), 2, ["'yield'", "row 4", "-inf"]),
    csv_case("Infinity", table(temperature=at(TEMPERATURE, 20, "Infinity")), 2, ["'temperature'", "row 20"]),
    csv_case("a huge integer", table(pressure=at(PRESSURE, 9, "9" * 400)), 2, ["'pressure'", "row 9"]),
    csv_case("1e30 is large but can be scaled", table(pressure=at(PRESSURE, 7, "1e30")), 0, []),
    csv_case("NaN written out", table(pressure=at(PRESSURE, 13, "NaN")), 2, ["'pressure'", "row 13", "--impute"]),
    xlsx_case("1e308 in a workbook", {"Data": numbers(table(pressure=at(PRESSURE, 7, "1e308")))}, 2,
              ["'pressure'", "row 7", "1e+308"]),
    # -- title rows above the header
    csv_case("a title line", table(), 0, ["header", "row 3"], above=(["Experiment 3: yield of the press"], []),
             model={"numeric": ["temperature", "pressure"]}),
    csv_case("two title lines", table(), 0, ["header", "row 3"], above=(["Plant 2"], ["2024-05-01"]),
             model={"numeric": ["temperature", "pressure"]}),
    csv_case("an exported title row with empty cells", table(), 0, ["header", "row 2"],
             above=(["Experiment 3", "", "", ""],), model={"numeric": ["temperature", "pressure"]}),
    xlsx_case("a workbook with a title row", {"Data": numbers(table())}, 0, ["header", "row 3"],
              above=(["Experiment 3"], []), model={"numeric": ["temperature", "pressure"]}),
    xlsx_case("a workbook with a title and a date", {"Data": numbers(table())}, 0, ["header", "row 4"],
              above=(["Experiment 3"], ["Operator: Li", None, "2024-05-01"], []),
              model={"numeric": ["temperature", "pressure"]}),
    Case("a given header row", {"d.csv": csv_bytes(table(), above=(["Experiment 3"], ["x", "y"]))},
         train("d.csv", "yield", "--header-row", "3"), 0, [], model={"numeric": ["temperature", "pressure"]}),
    Case("header row 0", {"d.csv": csv_bytes(table())}, train("d.csv", "yield", "--header-row", "0"), 2,
         ["--header-row", "0"], ["d.csv:"]),
    Case("header row past the end", {"d.csv": csv_bytes(table())}, train("d.csv", "yield", "--header-row", "99"), 2,
         ["--header-row 99", "31 rows"]),
    Case("no header: numbers in row 1", {"d.csv": b"\n".join(csv_bytes(table(drop=("material",))).split(b"\n")[1:])},
         train(), 2, ["row 1", "numbers", "header"]),
    csv_case("a row-number column without a name", {"": [str(i) for i in range(N)], **table()}, 2,
             ["column 1 has no name"]),
    # -- empty columns
    csv_case("an empty column", table(notes=EMPTY), 2, ["'notes'", "empty in every row", "--exclude"],
             absent=["--impute", "--drop-missing"]),
    csv_case("an empty target", table(**{"yield": EMPTY}), 2, ["'yield'", "empty in every row"],
             absent=["--impute", "--drop-missing"]),
    csv_case("an empty column left out", table(notes=EMPTY), 0, [], "--features", "temperature", "pressure"),
    xlsx_case("an empty column in a workbook", {"Data": {**numbers(table()), "notes": [None] * N}}, 2,
              ["'notes'", "empty in every row"], absent=["--impute", "--drop-missing"]),
    csv_case("a trailing delimiter on every line", table(), 0, [], eol=",\n"),
    csv_case("blank cells", table(pressure=at(at(PRESSURE, 3, ""), 9, "")), 2,
             ["'pressure'", "2 missing", "row 3, 9", "--impute"]),
    # -- workbooks: formulas, sheets
    xlsx_case("formulas without saved values", {"Data": {**numbers(table()),
                                                         "total": [f"=A{r}*B{r}" for r in range(2, N + 2)]}}, 2,
              ["'total'", "row 2", "formula", "=A2*B2", "save"], absent=["missing value"]),
    xlsx_case("a formula target without values", {"Data": {**numbers(table(drop=("yield",))),
                                                           "yield": [f"=B{r}/100" for r in range(2, N + 2)]}}, 2,
              ["'yield'", "formula", "=B2/100"], absent=["missing value"]),
    xlsx_case("one formula without a value", {"Data": numbers(table(pressure=at(PRESSURE, 6, "=A6/20")))}, 2,
              ["'pressure'", "row 6", "formula", "=A6/20"], absent=["missing value"]),
    xlsx_case("formulas in a column left out", {"Data": {**numbers(table()), "total": [f"=A{r}*B{r}"
                                                                                     for r in range(2, N + 2)]}},
              0, [], "--features", "temperature", "pressure", "material"),
    xlsx_case("several sheets", {"Data": numbers(table()), "Notes": [["measured by Li"]],
                                 "Chart": [["x"]]}, 0, ["'Data'", "--sheet"]),
    xlsx_case("an empty first sheet", {"Cover": [], "Data": numbers(table())}, 2, ["'Cover'", "--sheet"]),
    xlsx_case("a cover sheet of text", {"Cover": [["Yield study"], ["Plant 2, 2024"]], "Data": numbers(table())}, 2,
              ["'Cover'", "--sheet"]),
    Case("--sheet by name", {"d.xlsx": xlsx_bytes({"Cover": [["Yield study"]], "Data": numbers(table())})},
         train("d.xlsx", "yield", "--sheet", "Data"), 0, []),
    Case("--sheet by number", {"d.xlsx": xlsx_bytes({"Cover": [["Yield study"]], "Data": numbers(table())})},
         train("d.xlsx", "yield", "--sheet", "2"), 0, []),
    Case("--sheet unknown", {"d.xlsx": xlsx_bytes({"Cover": [["Yield study"]], "Data": numbers(table())})},
         train("d.xlsx", "yield", "--sheet", "Daten"), 2, ["--sheet", "'Daten'", "Cover, Data"]),
    Case("--sheet past the last", {"d.xlsx": xlsx_bytes({"Data": numbers(table())})},
         train("d.xlsx", "yield", "--sheet", "3"), 2, ["--sheet 3", "1 sheet"]),
    Case("--sheet with a CSV file", {"d.csv": csv_bytes(table())}, train("d.csv", "yield", "--sheet", "Data"), 2,
         ["--sheet", "workbook"]),
    xlsx_case("Chinese sheet and headers", {"数据": numbers(table({"温度": TEMPERATURE, "压力": PRESSURE},
                                                                 drop=("temperature", "pressure")))}, 0, []),
    # -- encodings, line endings, delimiters, junk
    csv_case("Chinese headers", table({"温度": TEMPERATURE, "产率": YIELD}, drop=("yield",)), 0, [], target="产率"),
    csv_case("Chinese headers in GBK", table({"温度": TEMPERATURE, "产率": YIELD}, drop=("yield",)), 0, [],
             target="产率", encoding="gbk"),
    csv_case("Chinese text in GBK", table(material=[("钢", "黄铜", "铜")[i % 3] for i in range(N)]), 0, [],
             encoding="gbk"),
    csv_case("UTF-8 with a byte-order mark", table({"温度": TEMPERATURE}), 0, [], encoding="utf-8-sig"),
    csv_case("UTF-16", table({"温度": TEMPERATURE}), 0, [], encoding="utf-16", sep="\t"),
    csv_case("Windows line endings", table(), 0, [], eol="\r\n"),
    csv_case("old Mac line endings", table(), 0, [], eol="\r"),
    csv_case("semicolons", table(), 0, [], sep=";"),
    csv_case("tabs", table(), 0, [], sep="\t"),
    csv_case("bars", table(), 0, [], sep="|"),
    Case("blank lines between rows", {"d.csv": csv_bytes(table()).replace(b"\n", b"\n\n", 5)}, train(), 0, []),
    Case("binary junk named .csv", {"d.csv": BINARY}, train(), 2, ["d.csv", "binary"],
         ["--encoding", "decoded"]),
    Case("binary junk with zero bytes", {"d.csv": BINARY[:100] + b"\0" + BINARY[100:]}, train(), 2, ["binary"],
         ["--encoding"]),
    Case("gzip named .csv", {"d.csv": GZIP}, train(), 2, ["gzip", "not a data table"]),
    Case("latin-1 without --encoding", {"d.csv": csv_bytes(table(material=["blå"] * N), encoding="latin-1")}, train(),
         2, ["d.csv", "--encoding"]),
    Case("an empty file", {"d.csv": b""}, train(), 2, ["d.csv", "empty"]),
    Case("a header only", {"d.csv": b"temperature,pressure,material,yield\n"}, train(), 2, ["no data rows"]),
    Case("no such file", {}, train("nosuch.csv"), 2, ["nosuch.csv", "no such file"]),
    # -- option values of bpnn train
    option_case("--division 0.5,0.5,0.5", ["--division", "0.5,0.5,0.5"], 2, ["--division", "0.5,0.5,0.5", "add up to 1"]),
    option_case("--division 70,15,15", ["--division", "70,15,15"], 2, ["--division", "70,15,15", "add up to 1"]),
    option_case("--division with two ratios", ["--division", "0.7,0.3"], 2, ["--division", "'0.7,0.3'"]),
    option_case("--division words", ["--division", "a,b,c"], 2, ["--division", "'a,b,c'"]),
    option_case("--division without training", ["--division", "0,0.5,0.5"], 2, ["--division"]),
    option_case("--division negative", ["--division", "-0.1,0.6,0.5"], 2, ["--division"]),
    option_case("--division 1,0,0", ["--division", "1,0,0"], 0, []),
    option_case("--epochs 0", ["--epochs", "0"], 2, ["--epochs", "0"]),
    option_case("--epochs -5", ["--epochs", "-5"], 2, ["--epochs", "-5"]),
    option_case("--epochs words", ["--epochs", "many"], 2, ["--epochs", "'many'"]),
    option_case("--epochs 1.5", ["--epochs", "1.5"], 2, ["--epochs", "'1.5'"]),
    option_case("--hidden 0", ["--hidden", "0"], 2, ["--hidden", "'0'"]),
    option_case("--hidden 10,0", ["--hidden", "10,0"], 2, ["--hidden", "'10,0'"]),
    option_case("--hidden -3", ["--hidden=-3"], 2, ["--hidden", "'-3'"]),
    option_case("--hidden words", ["--hidden", "ten"], 2, ["--hidden", "'ten'"]),
    option_case("--hidden empty", ["--hidden", ""], 2, ["--hidden"]),
    option_case("--hidden MATLAB brackets", ["--hidden", "[10 5]"], 2, ["--hidden", "'[10 5]'"]),
    option_case("--seed -1", ["--seed=-1"], 2, ["--seed", "-1"]),
    option_case("--seed 2**32", ["--seed", str(2**32)], 2, ["--seed", str(2**32)]),
    option_case("--seed 1.5", ["--seed", "1.5"], 2, ["--seed", "'1.5'"]),
    option_case("--solver unknown", ["--solver", "newton"], 2, ["--solver", "'newton'", "lm"]),
    option_case("--solver trainlm", ["--solver", "trainlm"], 0, []),
    option_case("--solver trainbr", ["--solver", "trainbr"], 0, []),
    option_case("--solver trainscg", ["--solver", "trainscg"], 0, []),
    option_case("--solver trainrp", ["--solver", "trainrp"], 0, []),
    option_case("--solver LM in capitals", ["--solver", "LM"], 0, []),
    option_case("--activation unknown", ["--activation", "swish2"], 2, ["--activation", "'swish2'"]),
    option_case("--activation logsig", ["--activation", "logsig"], 0, []),
    option_case("--learning-rate 0", ["--learning-rate", "0", "--solver", "adam"], 2, ["--learning-rate", "0"]),
    option_case("--learning-rate -1", ["--learning-rate=-1", "--solver", "adam"], 2, ["--learning-rate", "-1"]),
    option_case("--learning-rate nan", ["--learning-rate", "nan", "--solver", "adam"], 2, ["--learning-rate", "nan"]),
    option_case("--batch-size 0", ["--batch-size", "0", "--solver", "adam"], 2, ["--batch-size", "0"]),
    option_case("--alpha -1", ["--alpha=-1"], 2, ["--alpha", "-1"]),
    option_case("--alpha inf", ["--alpha", "inf"], 2, ["--alpha", "inf"]),
    option_case("--max-fail -1", ["--max-fail=-1"], 2, ["--max-fail", "-1"]),
    option_case("--goal -1", ["--goal=-1"], 2, ["--goal", "-1"]),
    option_case("--goal nan", ["--goal", "nan"], 2, ["--goal", "nan"]),
    option_case("--goal text", ["--goal", "low"], 2, ["--goal", "'low'"]),
    option_case("--min-grad -1", ["--min-grad=-1"], 2, ["--min-grad", "-1"]),
    option_case("--mu 0", ["--mu", "0"], 2, ["--mu", "0"]),
    option_case("--mu-dec 2", ["--mu-dec", "2"], 2, ["--mu-dec", "(0, 1)", "2"]),
    option_case("--mu-inc 0.5", ["--mu-inc", "0.5"], 2, ["--mu-inc", "0.5"]),
    option_case("--mu-max inf", ["--mu-max", "inf"], 2, ["--mu-max", "inf"]),
    option_case("--mu with adam", ["--mu", "0.01", "--solver", "adam"], 2, ["--mu", "lm, br", "adam"]),
    option_case("--goal with lbfgs", ["--goal", "0.01", "--solver", "lbfgs"], 2, ["--goal", "lm, br, rprop, scg", "lbfgs"]),
    option_case("--goal with trainscg", ["--goal", "0.001", "--solver", "trainscg"], 0, []),
    option_case("--mu-max with trainbr", ["--mu-max", "1e8", "--solver", "trainbr"], 0, []),
    option_case("--checkpoint-every 0", ["--checkpoint-every", "0", "--checkpoint", "c.ckpt"], 2,
                ["--checkpoint-every", "0"]),
    option_case("--scaling unknown", ["--scaling", "zscore"], 2, ["--scaling", "'zscore'"]),
    option_case("--init unknown", ["--init", "random"], 2, ["--init", "'random'"]),
    option_case("--task unknown", ["--task", "clustering"], 2, ["--task", "'clustering'"]),
    option_case("--impute unknown", ["--impute", "zero"], 2, ["--impute", "'zero'"]),
    option_case("--features one column", ["--features", "temperature"], 0, []),
    option_case("--exclude the target", ["--exclude", "yield"], 2, ["--exclude", "'yield'", "target"]),
    option_case("--exclude an unknown column", ["--exclude", "presure"], 2, ["--exclude", "'presure'", "'pressure'"]),
    option_case("--exclude everything", ["--exclude", "temperature", "pressure", "material"], 2,
                ["no feature columns"]),
    Case("lm for classification", {"d.csv": csv_bytes(table(grade=GRADE))}, train("d.csv", "grade", "--solver", "lm"), 2,
         ["'lm'", "classification"]),
    # -- outputs that must not destroy
    Case("--out onto the data file", {"d.csv": csv_bytes(table())}, train("d.csv", "yield", "--out", "d.csv"), 2,
         ["--out d.csv", "input"]),
    Case("--report onto the data file", {"d.csv": csv_bytes(table())}, train("d.csv", "yield", "--report", "d.csv"), 2,
         ["--report d.csv", "input"]),
    Case("--out and --report the same file", {"d.csv": csv_bytes(table())},
         train("d.csv", "yield", "--out", "r.html", "--report", "r.html"), 2, ["--out", "--report", "r.html"]),
    Case("predict -o onto its input", {"m.bpnn": "MODEL", "d.csv": csv_bytes(table())},
         ["predict", "m.bpnn", "d.csv", "-o", "d.csv"], 2, ["-o d.csv", "input"]),
    Case("predict -o onto its input workbook", {"m.bpnn": "MODEL", "d.xlsx": xlsx_bytes(
        {"Data": numbers(table()), "Notes": [["keep me"]]})}, ["predict", "m.bpnn", "d.xlsx", "-o", "d.xlsx"], 2,
         ["-o d.xlsx", "input"]),
    Case("predict -o onto the model", {"m.bpnn": "MODEL", "d.csv": csv_bytes(table())},
         ["predict", "m.bpnn", "d.csv", "-o", "m.bpnn"], 2, ["-o m.bpnn", "model"]),
    Case("predict with thousands separators", {"m.bpnn": "MODEL", "d.csv": csv_bytes(
        table(temperature=[f"{float(t):,.2f}" for t in TEMPERATURE]))}, ["predict", "m.bpnn", "d.csv", "-o", "p.csv"], 0,
         []),
    Case("predict far outside the training range", {"m.bpnn": "MODEL", "d.csv": csv_bytes(
        table(temperature=at(TEMPERATURE, 4, "500")))}, ["predict", "m.bpnn", "d.csv", "-o", "p.csv"], 0,
         ["bpnn: warning:", "'temperature'", "row 4: 500", "training range"]),
    Case("predict -o - writes to stdout", {"m.bpnn": "MODEL", "d.csv": csv_bytes(table())},
         ["predict", "m.bpnn", "d.csv", "-o", "-"], 0, [], ["warning"]),
    Case("predict with an extreme value", {"m.bpnn": "MODEL", "d.csv": csv_bytes(table(pressure=at(PRESSURE, 4, "1e308")))},
         ["predict", "m.bpnn", "d.csv", "-o", "p.csv"], 2, ["'pressure'", "row 4", "1e+308"]),
    Case("predict with a title row", {"m.bpnn": "MODEL", "d.csv": csv_bytes(table(), above=(["New batch"], []))},
         ["predict", "m.bpnn", "d.csv", "-o", "p.csv"], 0, []),
    Case("evaluate with a percent target", {"m.bpnn": "MODEL", "d.csv": csv_bytes(
        table(**{"yield": [f"{float(v) * 100:.2f}%" for v in YIELD]}))}, ["evaluate", "m.bpnn", "d.csv"], 0, []),
    Case("evaluate with an empty target", {"m.bpnn": "MODEL", "d.csv": csv_bytes(table(**{"yield": EMPTY}))},
         ["evaluate", "m.bpnn", "d.csv"], 2, ["'yield'", "empty in every row"], ["--impute"]),
]


# ---- running them ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def model(tmp_path_factory) -> bytes:
    folder = tmp_path_factory.mktemp("model")
    data = folder / "train.csv"
    data.write_bytes(csv_bytes(table()))
    out = folder / "m.bpnn"
    assert main(["train", str(data), "--target", "yield", "--epochs", "3", "--quiet", "--out", str(out)]) == 0
    return out.read_bytes()


def completed(argv: list) -> list:
    """``argv`` with a short, quiet run and a model file named, where the case says nothing else."""
    if argv[0] != "train":
        return argv
    extra = [*(["--epochs", "2"] if "--epochs" not in argv else []),
             *(["--out", "out.bpnn"] if "--out" not in argv else []), "--quiet"]
    return [*argv, *extra]


def snapshot(folder) -> dict:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in folder.rglob("*") if path.is_file()}


def run_case(case: Case, folder, capsys, model_bytes: bytes) -> tuple[int, str, str]:
    for name, content in case.files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(model_bytes if content == "MODEL" else content)
    capsys.readouterr()
    code = main(completed(case.argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_there_are_more_than_a_hundred_cases():
    ids = [case.id for case in CASES]
    assert len(ids) >= 100 and len(set(ids)) == len(ids), [i for i in ids if ids.count(i) > 1]


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in CASES])
def test_hostile_input(case, tmp_path, monkeypatch, capsys, model):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_case(case, tmp_path, capsys, model)
    before = {name: hashlib.sha256(model if content == "MODEL" else content).hexdigest()
              for name, content in case.files.items()}
    assert "Traceback" not in out + err
    for word in FORBIDDEN:
        assert word not in err, (word, err)
    assert code == case.code, err
    lines = err.splitlines()
    if case.code == 2:
        assert len(lines) == 1 and err.endswith("\n"), err
        assert re.match(r"bpnn( \w+)?: error: ", err), err
    else:
        assert all(line.startswith(("bpnn: note: ", "bpnn: warning: ", "wrote ")) for line in lines), err
    for word in case.words:
        assert word in err, (word, err)
    for word in case.absent:
        assert word not in err, (word, err)
    after = snapshot(tmp_path)
    assert {name: after.get(name) for name in before} == before  # the files given are byte-identical
    if case.code == 2:
        assert set(after) == set(before), set(after) - set(before)  # nothing written, whole or partial
    elif case.argv[0] == "train":
        from bpnn.files.modelfile import read

        info = read(tmp_path / "out.bpnn").info
        kinds = {column["name"]: column["categories"] for column in info["features"]["columns"]}
        for name in case.model.get("numeric", []):
            assert kinds[name] is None, (name, kinds[name])
        if "task" in case.model:
            assert info["task"] == case.model["task"]


# ---- the readings of single columns, through read_table ------------------------------------------------------
@pytest.mark.parametrize(("cells", "sep", "expected"), [
    (["1,234", "12,345", "999"], ",", [1234, 12345, 999]),  # a comma file: thousands
    (["1,234", "12,345", "999"], ";", [1.234, 12.345, 999]),  # a semicolon file: decimal commas
    (["1.234.567", "2.000,5", "3,25"], ";", [1234567, 2000.5, 3.25]),
    (["0,5", "1,75", "2"], ";", [0.5, 1.75, 2]),
    (["\u22125", "+3", "-2.5"], ",", [-5, 3, -2.5]),  # a Unicode minus sign
    (["1e3 kg", "2.5e-1 kg", "3 kg"], ",", [1000, 0.25, 3]),
    (["50%", "12.5%", "0%"], ",", [0.5, 0.125, 0]),
    (["1 234,5", "2 000", "3,25"], ";", [1234.5, 2000, 3.25]),
    (["1st", "2nd", "3rd"], ",", None),  # words after numbers, not units: a text column
    (["5 stars", "4 stars", "3 star"], ",", None),
    (["A1", "B2", "C3"], ",", None),
])
def test_numbers_written_as_text_read_as_people_mean_them(tmp_path, cells, sep, expected):
    path = tmp_path / "t.csv"
    path.write_bytes(csv_bytes({"x": cells, "y": ["a", "b", "a"]}, sep=sep))
    from bpnn.tables import read_table

    frame = read_table(path)
    if expected is None:
        assert frame["x"].astype(str).tolist() == cells and not frame.attrs["problems"]
    else:
        np.testing.assert_allclose(frame["x"].to_numpy(dtype=float), expected, rtol=1e-15)


def test_outputs_show_converted_columns_as_the_file_wrote_them(tmp_path):
    from bpnn.tables import as_written, read_table

    path = tmp_path / "t.csv"
    path.write_bytes(csv_bytes({"when": ["2024-01-05", "2024-01-06", ""], "cost": ["$1,200", "$3", "$4"],
                                "n": ["1", "2", "3"]}))
    frame = read_table(path)
    assert frame["when"].tolist()[:2] == [19727.0, 19728.0] and frame["cost"].tolist() == [1200.0, 3.0, 4.0]
    shown = as_written(frame.iloc[[2, 0]])
    assert shown["cost"].tolist() == ["$4", "$1,200"] and shown["when"].tolist()[1] == "2024-01-05"
    assert shown["n"].tolist() == [3, 1]
