"""Checking the columns and values of a table, handling missing values, encoding features and preparing a
:class:`Dataset` of inputs and targets."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from bpnn.tables.common import (
    IMPUTE,
    LARGE_INPUT,
    MAX_CLASS_LEVELS,
    MAX_MAGNITUDE,
    MIN_TRAINING_ROWS,
    MISSING,
    MISSING_MARKS,
    NEAR_UNIQUE,
    SPREADSHEET_ERRORS,
    Array,
    DataError,
    closest,
    is_numeric,
    row_number,
)
from bpnn.tables.text import looks_numeric


# ---- checking columns and values -----------------------------------------------------------------
def check_columns(requested: Sequence[str], frame, source: str, role: str, needed_by: str | None = None) -> None:
    """Every requested column is in ``frame``; else DataError naming the first missing one and the closest names
    (and, with ``needed_by``, who needs which columns: "the model")."""
    columns = [str(c) for c in frame.columns]
    missing = [name for name in requested if name not in columns]
    if not missing:
        check_problems(frame, requested)
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


def check_problems(frame, columns: Sequence[str]) -> None:
    """The first reason (``frame.attrs["problems"]``, found when the file was read) one of ``columns`` cannot be used."""
    problems = frame.attrs.get("problems") or {}
    for name in columns:
        if name in problems:
            raise DataError(problems[name])


def notes_of(frame, columns: Sequence[str] | None = None) -> list[str]:
    """The notes of reading ``frame`` (``frame.attrs["notes"]``) about the whole file or one of ``columns``."""
    return [note for column, note in frame.attrs.get("notes") or [] if column is None or columns is None
            or column in columns]


def understanding(frame, columns: Sequence[str], excluded: Sequence[str] = (), imputed: dict | None = None,
                  dropped: Sequence[int] = ()) -> dict:
    """What was done to the table before the network saw it, for the model file, ``bpnn info`` and the report:
    "converted" maps each of ``columns`` read from text (numbers written as text, dates, times) to what reading
    did, "file" lists what reading decided for the whole file (sheet, header row, units row), "excluded" the
    columns left out by --exclude, "imputed" (see :func:`imputed_cells`), "dropped_rows" the rows left out for
    missing values. Empty entries are left out."""
    converted, whole = {}, []
    for column, note in frame.attrs.get("notes") or []:
        if column is None:
            whole.append(note)
        elif column in columns:
            converted[str(column)] = note.split(f"column {column!r} ", 1)[-1]  # "holds dates, used as …"
    record = {"converted": converted, "file": whole, "excluded": list(excluded), "imputed": imputed or {},
              "dropped_rows": len(dropped)}
    return {name: value for name, value in record.items() if value}


def imputed_cells(frame, encoder: FeatureEncoder, strategy: str) -> dict:
    """For each feature column with missing cells in ``frame``: the --impute strategy, the value that fills
    them and how many cells it fills."""
    record = {}
    for name in encoder.feature_names:
        count = int(frame[name].isna().sum()) if name in frame.columns else 0
        if count and encoder.fill.get(name):
            record[name] = {"strategy": strategy, "value": encoder.fill[name][strategy], "cells": count}
    return record


def imputed_note(imputed: dict, source: str) -> str:
    """One note on what --impute filled (an :func:`imputed_cells` record, not empty): per column the cells and
    the value they took."""
    strategy = next(iter(imputed.values()))["strategy"]
    cells = ", ".join(f"{fill['cells']} in {name!r} with " + (f"{fill['value']:.6g}" if isinstance(fill["value"], (
        int, float, np.number)) else repr(fill["value"])) for name, fill in imputed.items())
    what = {"mean": "mean", "median": "median"}.get(strategy, "most frequent value")
    return f"{source}: filled the missing feature values ({cells}): the column's {what} (--impute {strategy})"


def check_values(frame, source: str) -> None:
    """Empty columns, missing values, non-finite or huge numbers and text in a numeric column raise DataError."""
    check_problems(frame, [str(name) for name in frame.columns])
    for name in frame.columns:
        column = frame[name]
        missing = np.flatnonzero(column.isna().to_numpy())
        if missing.size and missing.size == len(column):
            raise DataError(f"{source}: column {name!r} is empty in every row ({len(column)} rows); fill it in")
        if missing.size:
            rows = ", ".join(str(row_number(frame, i)) for i in missing[:5]) + (", …" if missing.size > 5 else "")
            raise DataError(f"{source}: column {name!r} has {missing.size} missing value(s) (row {rows}); fill them in "
                            f"or remove those rows (--drop-missing removes them, --impute mean|median|most_frequent "
                            f"fills feature columns)")
        if is_numeric(column):
            check_magnitudes(column, frame, name, source)
            continue
        check_text_in_numbers(column, frame, name, source)


def check_magnitudes(column, frame, name: str, source: str) -> None:
    """Non-finite numbers and numbers beyond ``MAX_MAGNITUDE`` raise DataError naming the first one's row."""
    values = column.to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise DataError(f"{source}: column {name!r} row {row_number(frame, bad[0])} holds {float(values[bad[0]])}; "
                        f"replace non-finite numbers with finite ones")
    huge = np.flatnonzero(np.abs(values) > MAX_MAGNITUDE)
    if huge.size:
        raise DataError(f"{source}: column {name!r} row {row_number(frame, huge[0])} holds {values[huge[0]]:g}, beyond "
                        f"±{MAX_MAGNITUDE:g}, where training's squares and sums overflow; correct that value or remove "
                        f"the row")


def check_text_in_numbers(column, frame, name: str, source: str) -> None:
    """A text column that is mostly numbers (or numbers and spreadsheet errors) holds a stray: DataError naming it."""
    import pandas as pd

    texts = column.astype(str).str.strip().to_numpy()
    errors = np.isin(texts, SPREADSHEET_ERRORS)
    numeric = np.array([looks_numeric(text) for text in texts]) & ~errors
    if errors.any() and numeric.sum() + errors.sum() == len(texts):
        row = int(np.flatnonzero(errors)[0])
        raise DataError(f"{source}: column {name!r} row {row_number(frame, row)} holds the spreadsheet error "
                        f"{texts[row]!r}; correct the formula that gave it in the spreadsheet, or leave the cell empty")
    commas = pd.to_numeric(column.astype(str).str.replace(",", ".", regex=False), errors="coerce").notna().to_numpy()
    plain = pd.to_numeric(column, errors="coerce").notna().to_numpy()
    if len(column) and np.all(~plain & commas):  # every value a number once its comma is a point: decimal commas
        raise DataError(f"{source}: column {name!r} holds numbers written with a comma (row {row_number(frame, 0)}: "
                        f"{column.iloc[0]!r}); write them with a decimal point and no thousands separator")
    stray = np.flatnonzero(~numeric)
    if 0 < stray.size <= len(column) / 2:  # mostly numbers: the text is a stray, not a category
        row = int(stray[0])
        value = texts[row]
        if value in SPREADSHEET_ERRORS:
            fix = "correct the formula that gave it in the spreadsheet, or leave the cell empty"
        elif value in MISSING_MARKS:
            fix = "if it marks a missing value, leave the cell empty (then --drop-missing or --impute handles it)"
        else:
            fix = "correct or remove that value"
        raise DataError(f"{source}: column {name!r} is numeric but row {row_number(frame, row)} holds the text "
                        f"{column.iloc[row]!r}; {fix}")


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
    missing cells take (see :func:`fill_values`); ``ranges`` each numeric column to the [lowest, highest] value it
    held at training (:meth:`outside_range` names values beyond them). JSON-able through ``to_dict``/``from_dict``;
    files written before ``ranges`` existed read with none.
    """

    columns: list = field(default_factory=list)
    fill: dict = field(default_factory=dict)
    ranges: dict = field(default_factory=dict)

    @classmethod
    def fit(cls, frame, names: Sequence[str]) -> FeatureEncoder:
        encoder = cls()
        for name in names:
            column = frame[name]
            categories = None if is_numeric(column) else sorted(column.dropna().astype(str).unique().tolist())
            encoder.columns.append((name, categories))
            encoder.fill[name] = fill_values(column)
            if categories is None:
                values = column.to_numpy(dtype=float)
                values = values[np.isfinite(values)]
                if values.size:
                    encoder.ranges[name] = [float(values.min()), float(values.max())]
        return encoder

    def outside_range(self, frame, source: str = "data") -> list[str]:
        """One line per numeric feature column of ``frame`` holding values outside the range seen at training:
        the column, how many rows, the first rows and their values, the training range."""
        lines = []
        for name, (low, high) in self.ranges.items():
            if name not in frame.columns:
                continue
            values = frame[name].to_numpy(dtype=float)
            outside = np.flatnonzero((values < low) | (values > high))  # NaN is neither
            if not outside.size:
                continue
            shown = ", ".join(f"row {row_number(frame, i)}: {values[i]:.6g}" for i in outside[:3])
            more = f", and {outside.size - 3} more" if outside.size > 3 else ""
            lines.append(f"{source}: column {name!r} holds {outside.size} value(s) outside the training range "
                         f"{low:.6g} to {high:.6g} ({shown}{more}); the network extrapolates there, so treat those "
                         f"predictions with care")
        return lines

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
                "fill": self.fill, "ranges": self.ranges}

    @classmethod
    def from_dict(cls, data: dict) -> FeatureEncoder:
        """The encoder ``to_dict`` described; ValueError when ``data`` is no such description."""
        columns = [(column["name"], column["categories"]) for column in data["columns"]]
        for name, categories in columns:
            if not (isinstance(name, str) and (categories is None or isinstance(categories, list)
                                               and all(isinstance(c, str) for c in categories))):
                raise ValueError(f"column {name!r} with categories {categories!r} is no feature encoding")
        ranges = dict(data.get("ranges", {}))
        for name, bounds in ranges.items():
            if not (isinstance(bounds, list) and len(bounds) == 2 and all(
                    isinstance(b, (int, float)) and not isinstance(b, bool) and np.isfinite(b) for b in bounds)
                    and bounds[0] <= bounds[1]):
                raise ValueError(f"the training range {bounds!r} of column {name!r} is not two numbers, low <= high")
        return cls(columns, dict(data.get("fill", {})), ranges)


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
    notes: list[str] = field(default_factory=list)  # what reading and preparing decided: conversions, the inputs used
    understanding: dict = field(default_factory=dict)  # what was converted, excluded, imputed: see understanding()


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
            source: str = "data", missing: str = "error", exclude: Sequence[str] | None = None) -> Dataset:
    """Select targets and features (default: every other column but those in ``exclude``), handle missing values
    as ``missing`` says (one of ``MISSING``), check values, encode, detect the task."""
    target = list(target)
    check_missing_option(missing)
    if not target:
        raise DataError("no target column given; name it with --target")
    check_columns(target, frame, source, "target")
    columns = [str(c) for c in frame.columns]
    excluded = list(exclude or [])
    for name in excluded:
        if name in target:
            raise DataError(f"--exclude {name!r} names a target column; leave it out of --exclude")
        if name not in columns:
            raise DataError(f"--exclude {name!r}: no such column{closest(name, columns)} (columns: {', '.join(columns)})")
    given = features is not None
    features = [c for c in columns if c not in target] if features is None else list(features)
    features = [name for name in features if name not in excluded]
    check_columns(features, frame, source, "feature")
    overlap = sorted(set(features) & set(target))
    if overlap:
        raise DataError(f"{source}: column(s) {', '.join(map(repr, overlap))} are both feature and target; "
                        f"choose one role each")
    if not features and excluded:
        raise DataError(f"--exclude {' '.join(map(shlex.quote, excluded))} leaves no feature columns; keep at least one "
                        f"column besides the target")
    if not features:
        raise DataError(f"{source}: no feature columns left besides the target; the table needs at least one more column")
    check_roles(frame, features, target, source, given)
    notes = [note + (f"; leave it out with --exclude {shlex.quote(column)} if it is no input" if column in features
                     and not given and (" holds dates, " in note or " holds times of day, " in note) else "")
             for column, note in frame.attrs.get("notes") or [] if column is None or column in features + target]
    if not given:
        but = "the target" + ("s" if len(target) > 1 else "") + (" and those excluded" if excluded else "")
        notes.append(f"{source}: inputs: {', '.join(features)} (every column but {but}; choose them with --features, or "
                     f"leave some out with --exclude)")
    dropped: list[int] = []
    if missing == "drop":
        frame, dropped = drop_missing(frame, features + target, source)
    encoder = FeatureEncoder.fit(frame, features)
    imputed = imputed_cells(frame, encoder, missing) if missing in IMPUTE else {}
    if imputed:  # said when it happens, as --drop-missing's rows are, not only in bpnn info
        notes.append(imputed_note(imputed, source))
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
    return Dataset(encoder.transform(frame, source), y, task, encoder, target, source, dropped, notes,
                   understanding(frame, features + target, excluded, imputed, dropped))


def check_roles(frame, features: Sequence[str], target: Sequence[str], source: str, given: bool) -> None:
    """No column is empty in every row, and no text input or target holds (nearly) one value per row, such as
    names, identifiers or comments: each would be one input per row that new rows never match."""
    leave_out = "leave it out of --features" if given else "leave it out with --exclude {}"
    for name in [*target, *features]:
        column = frame[name]
        if len(column) and column.isna().all():
            if name in target:
                raise DataError(f"{source}: target column {name!r} is empty in every row ({len(column)} rows); fill it "
                                f"in, or choose another target")
            raise DataError(f"{source}: column {name!r} is empty in every row ({len(column)} rows); "
                            f"{leave_out.format(shlex.quote(name))}")
        if is_numeric(column) or column.dtype == bool:
            continue
        present = column.dropna().astype(str)
        distinct = present.nunique()
        if distinct < NEAR_UNIQUE or distinct * 2 <= len(present) or \
                sum(looks_numeric(text) for text in present) * 2 > len(present):  # numbers with a stray: check_values
            continue
        first = int(np.flatnonzero(column.notna().to_numpy())[0])
        example = f"row {row_number(frame, first)}: {str(column.iloc[first])!r}"
        if name in target:
            raise DataError(f"{source}: target column {name!r} holds text with {distinct} different values in "
                            f"{len(present)} rows ({example}), too many classes to learn: a classifier needs several "
                            f"rows of each class; choose another target")
        raise DataError(f"{source}: column {name!r} holds text with {distinct} different values in {len(present)} rows "
                        f"({example}), so as an input it would become {distinct} inputs that new rows rarely match; "
                        f"{leave_out.format(shlex.quote(name))}, or choose the inputs with --features")


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
