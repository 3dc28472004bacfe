"""Numbers written as text (thousands separators, decimal commas, percent signs, units, currency, full-width
digits), dates and times of day, read as numbers with a note saying what was converted, or refused naming the
column, the row and the value."""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from bpnn.tables.common import (
    EPOCH,
    Array,
    cell_text,
    is_missing,
    is_numeric,
    normal_text,
    row_number,
)

# ---- numbers written as text, dates and times -----------------------------------------------------
# A number as people write it: a sign, a currency sign, digits with thousands separators and a decimal point or
# comma, an exponent, a percent sign, a unit ("5.23 kg", "¥1,200", "12.3%", "1 234,5", "5.2公斤").
NUMBER = re.compile(r"""^(?P<sign>[-+\u2212]?)\s*(?P<prefix>[$€£¥₹₩]|US\$|RMB|CNY)?\s*(?P<sign2>[-+\u2212]?)
    (?P<core>\d(?:[\d,.'\u00a0\u202f ]*\d)?)(?P<exp>[eE][-+]?\d+)?\s*(?P<pct>%)?\s*
    (?P<unit>[^\d\s%+\-\u2212.,'"#=(\[][^\s]{0,15}?)?$""", re.X)
ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$")
CHINESE_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$")
DMY_DATE = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$")
CONVENTIONS = {"point": "a decimal point", "comma": "a decimal comma"}
# units a column may mix by mistake ('5 kg' above '300 g'): refused; other words after numbers make a text column
KNOWN_UNITS = frozenset(
    "kg g mg t lb oz m cm mm km µm μm um nm in ft s ms min h hr d °C ℃ °F K Pa kPa MPa GPa bar mbar psi atm N kN J kJ "
    "W kW MW V mV kV A mA Hz kHz MHz L l ml mL rpm $ € £ ¥ 公斤 千克 克 吨 米 厘米 毫米 千米 秒 分钟 小时 元".split())


def looks_numeric(text: str) -> bool:
    """Whether ``text`` reads as a number the way people write them (see ``NUMBER``)."""
    match = NUMBER.match(normal_text(text))
    return bool(match) and number_readings(match["core"]) is not None


def number_readings(core: str) -> dict | None:
    """The readings of digits with separators: {"point": '1234.5'} for '1,234.5', {"comma": '3.5'} for '3,5',
    both for '1,234' (1234 with a thousands comma, 1.234 with a decimal comma); None when no grouping fits."""
    spaced = re.sub(r"[ '\u00a0\u202f]", "_", core)
    if "_" in spaced:  # spaces and apostrophes only group thousands
        match = re.fullmatch(r"(\d{1,3}(?:_\d{3})+)(?:([.,])(\d+))?", spaced)
        if not match:
            return None
        whole = match[1].replace("_", "")
        if match[2] is None:
            return {"point": whole, "comma": whole}
        return {"point" if match[2] == "." else "comma": f"{whole}.{match[3]}"}
    commas, points = core.count(","), core.count(".")
    if not commas and not points:
        return {"point": core, "comma": core}
    if commas and points:
        last = max(core.rfind(","), core.rfind("."))
        decimal = core[last]
        thousands = "," if decimal == "." else "."
        head, tail = core[:last], core[last + 1:]
        if not re.fullmatch(rf"\d{{1,3}}(?:{re.escape(thousands)}\d{{3}})*", head):
            return None
        return {"point" if decimal == "." else "comma": head.replace(thousands, "") + "." + tail}
    separator = "," if commas else "."
    as_decimal, as_thousands = ("point", "comma") if separator == "." else ("comma", "point")
    if commas + points > 1:
        if re.fullmatch(rf"\d{{1,3}}(?:{re.escape(separator)}\d{{3}})+", core):
            return {as_thousands: core.replace(separator, "")}
        return None
    head, tail = core.split(separator)
    readings = {as_decimal: f"{head}.{tail}"}
    if len(tail) == 3 and len(head) <= 3 and not head.startswith("0"):
        readings[as_thousands] = head + tail
    return readings


@dataclass
class TextNumbers:
    """What the cells of a text column say as numbers: each cell's match and readings."""

    rows: list  # spreadsheet rows of the cells
    texts: list  # the cells as written
    matches: list  # NUMBER matches
    readings: list  # number_readings of each

    @property
    def conventions(self) -> set:
        common = {"point", "comma"}
        for reading in self.readings:
            common &= set(reading)
        return common

    def decided(self) -> str | None:
        """The decimal convention the cells prove (one fits all, and some cell needs it), else None."""
        common = self.conventions
        if len(common) == 1 and any(len(reading) == 1 for reading in self.readings):
            return next(iter(common))
        return None


def text_numbers(column, frame) -> TextNumbers | None:
    """The cells of a text column as numbers, or None when some cell reads as no number."""
    rows, texts, matches, readings = [], [], [], []
    for position, value in enumerate(column):
        if is_missing(value):
            continue
        text = normal_text(value)
        match = NUMBER.match(text)
        reading = number_readings(match["core"]) if match else None
        if reading is None:
            return None
        rows.append(row_number(frame, position))
        texts.append(str(value).strip())
        matches.append(match)
        readings.append(reading)
    return TextNumbers(rows, texts, matches, readings) if texts else None


def convert_numbers(name: str, cells: TextNumbers, convention: str, guessed: bool, source: str):
    """(values, note) of a column of numbers written as text, (None, problem) when its cells disagree, or
    (None, None) when the words after its numbers are no units (a text column)."""
    units = {}
    for row, text, match in zip(cells.rows, cells.texts, cells.matches):
        unit = match["prefix"] or match["unit"]
        if unit:
            units.setdefault(unit, (row, text))
    if len(units) > 1:
        if not set(units) <= KNOWN_UNITS:  # '1st', '2nd', '3 stars': words after numbers, not units: text
            return None, None
        (first, (row1, text1)), (second, (row2, text2)) = list(units.items())[:2]
        return None, (f"{source}: column {name!r} mixes units: {first!r} (row {row1}: {text1!r}) and {second!r} (row "
                      f"{row2}: {text2!r}); convert the column to one unit and leave the unit out of the cells")
    percent = [match["pct"] is not None for match in cells.matches]
    if any(percent) and not all(percent):
        row, text = next((r, t) for r, t, p in zip(cells.rows, cells.texts, percent) if not p)
        first = next(t for t, p in zip(cells.texts, percent) if p)
        return None, (f"{source}: column {name!r} holds percentages ({first!r}) and plain numbers (row {row}: {text!r}); "
                      f"write every value of the column with % or none")
    if not cells.conventions:
        point = next(i for i, reading in enumerate(cells.readings) if set(reading) == {"point"})
        comma = next(i for i, reading in enumerate(cells.readings) if set(reading) == {"comma"})
        return None, (f"{source}: column {name!r} mixes the ways numbers are written: row {cells.rows[point]} "
                      f"{cells.texts[point]!r} has a decimal point, row {cells.rows[comma]} {cells.texts[comma]!r} a "
                      f"decimal comma; write every number of the column one way")
    values = []
    for match, reading in zip(cells.matches, cells.readings):
        value = float(reading[convention] + (match["exp"] or ""))
        negative = (match["sign"] or match["sign2"]) in ("-", "\u2212")
        values.append((-value if negative else value) / (100 if match["pct"] else 1))
    kinds = []
    changed = [i for i, (m, r) in enumerate(zip(cells.matches, cells.readings)) if m["pct"] or m["prefix"] or m["unit"]
               or r[convention] != m["core"] or cells.texts[i] != m.string]
    grouping = r"[ '\u00a0\u202f,]" if convention == "point" else r"[ '\u00a0\u202f.]"
    if any(re.search(grouping, m["core"]) for m in cells.matches):
        kinds.append("thousands separators")
    if convention == "comma" and any("," in m["core"] and "." in r["comma"] for m, r in zip(cells.matches, cells.readings)):
        kinds.append("decimal commas")
    if any(percent):
        kinds.append("percent signs")
    if units:
        kinds.append(f"the unit {next(iter(units))!r}")
    if any(text != unicodedata.normalize("NFKC", text) for text in cells.texts):
        kinds.append("full-width digits")
    if not changed and not kinds:
        kinds.append("text cells")
    example = changed[0] if changed else 0
    listed = " and ".join(kinds) if len(kinds) < 3 else ", ".join(kinds[:-1]) + " and " + kinds[-1]
    note = (f"{source}: column {name!r} holds numbers written with {listed} "
            f"(row {cells.rows[example]}: {cells.texts[example]!r} → {values[example]:.10g}); read as numbers"
            + (", percentages as fractions" if any(percent) else ""))
    if guessed:
        other = "comma" if convention == "point" else "point"
        ambiguous = next(i for i, (match, reading) in enumerate(zip(cells.matches, cells.readings))
                         if len(set(reading.values())) > 1 and "," in match["core"])
        note += (f"; {cells.texts[ambiguous]!r} could also read as {float(cells.readings[ambiguous][other]):.10g} with "
                 f"{CONVENTIONS[other]}: write the numbers without thousands separators if that is meant")
    return values, note


def date_values(name: str, column, frame, source: str):
    """(values, note) of a column of dates or times written as text, (None, problem) when they cannot be read
    as one, or None when it holds no dates."""
    cells = [(row_number(frame, i), normal_text(value)) for i, value in enumerate(column) if not is_missing(value)]
    if not cells:
        return None
    families = {"iso": ISO_DATE, "chinese": CHINESE_DATE, "dmy": DMY_DATE, "time": TIME}
    matched = {family: [pattern.match(text) for _, text in cells] for family, pattern in families.items()}
    family = max(matched, key=lambda f: sum(m is not None for m in matched[f]))
    count = sum(m is not None for m in matched[family])
    if count * 2 <= len(cells):
        return None
    if count < len(cells):
        row, text = next(cell for cell, m in zip(cells, matched[family]) if m is None)
        kind = "times of day" if family == "time" else "dates"
        return None, (f"{source}: column {name!r} holds {kind}, but row {row} holds {text!r}; correct that value or "
                      f"leave the cell empty")
    groups = [m.groups() for m in matched[family]]
    if family == "time":
        values = [int(h) + int(m) / 60 + int(s or 0) / 3600 for h, m, s in groups]
        bad = next((cell for cell, (h, m, s) in zip(cells, groups) if int(h) > 24 or int(m) > 59 or int(s or 0) > 60), None)
        if bad:
            return None, (f"{source}: column {name!r} row {bad[0]} holds {bad[1]!r}, which is no time of day; correct it")
        return values, (f"{source}: column {name!r} holds times of day, used as hours since midnight (row {cells[0][0]}: "
                        f"{cells[0][1]!r} → {values[0]:.6g})")
    if family == "dmy":
        firsts = [int(g[0]) for g in groups]
        seconds = [int(g[2]) for g in groups]
        day_first = groups[0][1] == "." or max(firsts) > 12
        if max(firsts) > 12 and max(seconds) > 12:
            return None, (f"{source}: column {name!r} holds dates written day first and month first ({cells[0][1]!r}); "
                          f"write them all as YYYY-MM-DD")
        if not day_first and max(seconds) <= 12:
            return None, (f"{source}: column {name!r} holds dates such as {cells[0][1]!r} (row {cells[0][0]}) whose day and "
                          f"month cannot be told apart; write them as YYYY-MM-DD")
        parts = [(g[3], g[2], g[0]) if day_first else (g[3], g[0], g[2]) for g in groups]
        times = [g[4:] for g in groups]
    else:
        parts = [g[:3] for g in groups]
        times = [g[3:] if family == "iso" else (None, None, None) for g in groups]
    values = []
    for (row, text), (year, month, day), (hour, minute, second) in zip(cells, parts, times):
        try:
            moment = datetime.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                                       int(second or 0))
        except ValueError:
            return None, f"{source}: column {name!r} row {row} holds {text!r}, which is no date; correct it"
        values.append((moment - EPOCH).total_seconds() / 86400)
    return values, date_note(name, source, cells[0][0], cells[0][1], values[0])


def date_note(name: str, source: str, row: int, text: str, value: float) -> str:
    return f"{source}: column {name!r} holds dates, used as days since 1970-01-01 (row {row}: {text!r} → {value:.10g})"


def understand(frame, source: str, delimiter: str | None, notes: list, problems: dict) -> None:
    """Convert in place the columns that hold numbers written as text (thousands separators, decimal commas,
    percent signs, units, currency, full-width digits), dates (days since 1970-01-01) and times of day (hours),
    noting each in ``notes``; a column whose cells cannot be read one way gets its reason in ``problems``. The
    cells as written stay in ``frame.attrs["original"]`` (by column), for outputs that show the input as it was."""
    import pandas as pd

    originals = frame.attrs.setdefault("original", Originals())
    texts = {}
    for position, name in enumerate(frame.columns):
        column = frame.iloc[:, position]
        if name in problems:
            continue
        if pd.api.types.is_datetime64_any_dtype(column.dtype):
            stamps = column.dt.tz_convert(None) if getattr(column.dt, "tz", None) is not None else column
            values = ((stamps - pd.Timestamp(EPOCH)) / pd.Timedelta(days=1)).astype(float)
            first = int(np.flatnonzero(values.notna().to_numpy())[0]) if values.notna().any() else None
            if first is not None:
                notes.append((name, date_note(name, source, row_number(frame, first),
                                              cell_text(column.iloc[first].to_pydatetime()), float(values.iloc[first]))))
            originals[name] = column.copy()
            frame[name] = values.to_numpy()
            continue
        if is_numeric(column) or column.dtype == bool:
            continue
        present = [value for value in column if not is_missing(value)]
        if present and all(isinstance(value, datetime.time) for value in present):
            values = [np.nan if is_missing(v) else v.hour + v.minute / 60 + v.second / 3600 for v in column]
            notes.append((name, f"{source}: column {name!r} holds times of day, used as hours since midnight"))
            originals[name] = column.copy()
            frame[name] = np.asarray(values, dtype=float)
            continue
        if present and all(isinstance(value, (datetime.datetime, datetime.date)) for value in present):
            column = column.astype(str)
        dates = date_values(name, column.map(lambda v: v.isoformat(sep=" ") if isinstance(v, datetime.datetime)
                                             else v), frame, source)
        if dates is not None:
            values, message = dates
            if values is None:
                problems[name] = message
            else:
                originals[name] = column.copy()
                frame[name] = np.asarray(values, dtype=float) if len(values) == len(column) else \
                    fill_in(column, values)
                notes.append((name, message))
            continue
        cells = text_numbers(column, frame)
        if cells is not None:
            texts[name] = cells
    decided = {cells.decided() for cells in texts.values()} - {None}
    for name, cells in texts.items():
        common = cells.conventions
        commas = any("," in match["core"] for match in cells.matches)
        preferred = next(iter(decided)) if len(decided) == 1 else "comma" if delimiter == ";" and commas else "point"
        convention = next(iter(common)) if len(common) == 1 else preferred
        guessed = len(common) == 2 and commas and any(len(set(reading.values())) > 1 for reading in cells.readings)
        values, message = convert_numbers(name, cells, convention, guessed, source)
        if values is None:
            if message:
                problems[name] = message
            continue
        originals[name] = frame[name].copy()
        frame[name] = fill_in(frame[name], values)
        notes.append((name, message))


class Originals(dict):
    """The cells of converted columns as written, by column name; shared, not copied, by the frames derived from
    the one read (pandas deep-copies ``attrs`` on each operation)."""

    def __deepcopy__(self, memo: dict) -> Originals:
        return self


def as_written(frame):
    """``frame`` with the columns :func:`understand` converted shown as the file wrote them (for outputs)."""
    shown = frame.copy()
    for name, cells in (frame.attrs.get("original") or {}).items():
        if name in shown.columns:
            shown[name] = cells.reindex(shown.index).to_numpy()
    return shown


def fill_in(column, values: list) -> Array:
    """``column``'s present cells replaced by ``values`` in order, its missing ones NaN."""
    result = np.full(len(column), np.nan)
    result[[i for i, value in enumerate(column) if not is_missing(value)]] = values
    return result
