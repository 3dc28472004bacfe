"""The playground's data: the built-in 2-D sets (bpnn.datasets, as ``bpnn demo`` draws them) and an own table.

Every set is two numeric feature columns and 0/1 labels: the page draws a decision boundary in the plane.
An own file is read by :func:`bpnn.tables.read_table`, so a bad file gets the command line's message (the
temporary path in it replaced by the name the user chose); by default its features are the first two numeric
columns and its label the last column, which must hold exactly two values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bpnn.datasets import GENERATED
from bpnn.tables import DataError, read_table

Array = np.ndarray

BUILT_IN = ("flower", "xor", "circles", "moons", "spiral")  # flower first: the demo's
POINTS = 400
MAX_ROWS = 20_000  # an own table's rows the page trains on (and draws)
SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".parquet")


@dataclass
class Data:
    """Points (rows, two features) and their 0/1 labels, with what the page shows about them."""

    name: str
    X: Array
    y: Array
    features: tuple[str, str] = ("x1", "x2")
    label: str = "y"
    classes: tuple[str, str] = ("0", "1")
    columns: list[str] = field(default_factory=list)  # an own table's columns, for the page's choosers
    numeric: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def built_in(name: str, noise: float = 0.2, seed: int = 0) -> Data:
    """A generated set by name; ``noise`` is the generator's noise (XOR: 0.75 × it, around its corners)."""
    if name not in BUILT_IN:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(BUILT_IN)}")
    if name == "xor":
        X, y = GENERATED["xor"](n_samples=200, noise=0.75 * noise, random_state=seed)
    elif name == "spiral":
        X, y = GENERATED["spiral"](n_samples=POINTS, noise=noise, random_state=seed, n_classes=2)
    else:
        X, y = GENERATED[name](n_samples=POINTS, noise=noise, random_state=seed)
    return Data(name, np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64))


def read_own(path: Path, shown_name: str, features: list[str] | None = None, label: str | None = None) -> Data:
    """An own table: two feature columns and a label column (defaults: the first two numeric columns, the last
    column). Raises DataError with the command line's message, naming ``shown_name`` instead of ``path``."""
    try:
        frame = read_table(path)
    except DataError as error:
        raise DataError(str(error).replace(str(path), shown_name)) from None
    import pandas as pd

    columns = [str(c) for c in frame.columns]
    frame.columns = columns
    problems = frame.attrs.get("problems", {})
    numeric = [c for c in columns if pd.api.types.is_numeric_dtype(frame[c]) and c not in problems]
    label = label or columns[-1]
    if label not in columns:
        raise DataError(f"{shown_name}: no column {label!r}; the columns are {', '.join(columns)}")
    if features is None:
        features = [c for c in numeric if c != label][:2]
        if len(features) < 2:
            raise DataError(f"{shown_name}: the playground needs two numeric feature columns besides the label "
                            f"{label!r}; numeric columns: {', '.join(numeric) or 'none'}")
    if len(features) != 2 or len(set(features)) != 2 or label in features:
        raise DataError(f"{shown_name}: choose two different feature columns and a label column that is neither")
    for column in features:
        if column not in columns:
            raise DataError(f"{shown_name}: no column {column!r}; the columns are {', '.join(columns)}")
        if column not in numeric:
            reason = problems.get(column, "it holds text")
            raise DataError(f"{shown_name}: column {column!r} cannot be a feature of the plane: {reason}")
    notes = [note for _, note in frame.attrs.get("notes", [])]
    used = frame[[*features, label]]
    complete = used.notna().all(axis=1)
    if not complete.all():
        notes.append(f"{int((~complete).sum())} row(s) with a missing value left out")
        used = used[complete]
    if len(used) > MAX_ROWS:
        notes.append(f"the first {MAX_ROWS} of {len(used)} rows used")
        used = used.iloc[:MAX_ROWS]
    values = used[label]
    classes = sorted(values.unique().tolist(), key=str)
    if len(classes) != 2:
        shown = ", ".join(map(str, classes[:6])) + (" …" if len(classes) > 6 else "")
        raise DataError(f"{shown_name}: the label column {label!r} holds {len(classes)} value(s) ({shown}); the "
                        f"playground draws one decision boundary between two classes: choose a label column with "
                        f"exactly two values")
    y = (values.to_numpy() == classes[1]).astype(np.int64)
    X = used[features].to_numpy(dtype=np.float64)
    return Data(shown_name, X, y, (features[0], features[1]), label, (str(classes[0]), str(classes[1])), columns,
                numeric, notes)
