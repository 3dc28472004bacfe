"""MATLAB-style data preprocessing and division, NumPy only.

Conventions: samples are rows, features are columns (MATLAB puts samples in columns; the formulas are the
same per feature). Every scaler has ``fit(X, sample_weight=None)``, ``transform(X)``, ``inverse_transform(X)``,
``fit_transform(X, sample_weight=None)`` and ``to_dict()``; :func:`scaler_from_dict` rebuilds any of them from that dict of
plain JSON-able values (``"kind"`` names the class), so model files can store the scaling.

- :class:`MapMinMax` (mapminmax): y = (ymax - ymin)(x - xmin)/(xmax - xmin) + ymin per column, default range
  [-1, 1]. A constant column (xmax = xmin) gets gain 1 and its constant maps to the middle of the range, (ymin + ymax)/2.
- :class:`Standardize` (mapstd): y = (x - mean)/std per column; a constant column maps to 0.

Sample weights ``(m,)`` (non-negative, as in :mod:`bpnn.core.network`) make an integer weight k count as the
row repeated k times: Standardize takes the weighted mean and population std; the min/max-based scalers
(MapMinMax, RemoveConstant) use the rows of positive weight.
- :class:`RemoveConstant` (removeconstantrows): drops the columns whose range is <= ``max_range`` at fit,
  the same columns at transform (whatever their values then); the inverse puts the fitted constants back.
- :class:`Chain`: steps applied in order and reversed in reverse order, e.g. RemoveConstant then MapMinMax.

Division returns a :class:`Division` of sorted row indices (train, val, test): :func:`dividerand` (random,
MATLAB's default 0.70/0.15/0.15), :func:`divideblock` (contiguous blocks in that order), :func:`divideint`
(interleaved), :func:`divideind` (given indices). The validation and test sizes are round(ratio·n) with the
ratios normalised to sum 1; training gets the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Array = np.ndarray


def _as_2d(X: Array, name: str = "X") -> Array:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array of samples (rows) by features (columns); got {X.ndim} dimensions")
    return X


def _weights(X: Array, sample_weight: Array | None) -> Array | None:
    """``sample_weight`` as a checked ``(m,)`` float array (None stays None)."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.shape != (X.shape[0],) or not np.all(np.isfinite(w)) or np.any(w < 0) or not np.any(w > 0):
        raise ValueError(f"sample_weight must hold {X.shape[0]} finite non-negative numbers, one per row of X, not all "
                         f"zero; got shape {w.shape}")
    return w


def _weighted_rows(X: Array, sample_weight: Array | None) -> Array:
    """The rows of ``X`` that count: those of positive weight (every row without weights)."""
    w = _weights(X, sample_weight)
    return X if w is None else X[w > 0]


class _Scaler:
    """fit / transform / inverse_transform with a column-count check; subclasses define the maths."""

    kind = ""
    n_features: int | None = None

    def fit_transform(self, X: Array, sample_weight: Array | None = None) -> Array:
        return self.fit(X, sample_weight).transform(X)

    def _check(self, X: Array, n_features: int | None) -> Array:
        if self.n_features is None:
            raise ValueError(f"this {type(self).__name__} is not fitted yet; call fit(X) first")
        X = _as_2d(X)
        if X.shape[1] != n_features:
            raise ValueError(f"{type(self).__name__} expects {n_features} columns; got {X.shape[1]}")
        return X


class MapMinMax(_Scaler):
    """Map each column linearly from [xmin, xmax] (seen at fit) onto [ymin, ymax]."""

    kind = "mapminmax"

    def __init__(self, ymin: float = -1.0, ymax: float = 1.0) -> None:
        if not ymin < ymax:
            raise ValueError(f"mapminmax needs ymin < ymax; got ymin={ymin}, ymax={ymax}")
        self.ymin, self.ymax = float(ymin), float(ymax)

    def fit(self, X: Array, sample_weight: Array | None = None) -> MapMinMax:
        X = _weighted_rows(_as_2d(X), sample_weight)
        if X.shape[0] == 0 or not np.all(np.isfinite(X)):
            raise ValueError("mapminmax needs at least one sample and only finite values")
        self.xmin, self.xmax = X.min(axis=0), X.max(axis=0)
        self.n_features = X.shape[1]
        return self

    def _gain_offset(self) -> tuple[Array, Array]:
        xrange = self.xmax - self.xmin
        constant = xrange == 0
        gain = np.where(constant, 1.0, (self.ymax - self.ymin) / np.where(constant, 1.0, xrange))  # (ymax - ymin)/(xmax - xmin)
        offset = np.where(constant, (self.ymin + self.ymax) / 2, self.ymin)  # a constant column: gain 1, centred
        return gain, offset

    def transform(self, X: Array) -> Array:
        X = self._check(X, self.n_features)
        gain, offset = self._gain_offset()
        return gain * (X - self.xmin) + offset  # y = (ymax - ymin)(x - xmin)/(xmax - xmin) + ymin

    def inverse_transform(self, Y: Array) -> Array:
        Y = self._check(Y, self.n_features)
        gain, offset = self._gain_offset()
        return (Y - offset) / gain + self.xmin  # x = (y - ymin)(xmax - xmin)/(ymax - ymin) + xmin

    def to_dict(self) -> dict:
        return {"kind": self.kind, "ymin": self.ymin, "ymax": self.ymax,
                "xmin": self.xmin.tolist(), "xmax": self.xmax.tolist()}

    @classmethod
    def from_dict(cls, data: dict) -> MapMinMax:
        scaler = cls(data["ymin"], data["ymax"])
        scaler.xmin, scaler.xmax = np.asarray(data["xmin"], dtype=float), np.asarray(data["xmax"], dtype=float)
        scaler.n_features = scaler.xmin.shape[0]
        return scaler


class Standardize(_Scaler):
    """Map each column to mean 0 and standard deviation 1 (population std, as MATLAB's mapstd)."""

    kind = "standard"

    def fit(self, X: Array, sample_weight: Array | None = None) -> Standardize:
        X = _as_2d(X)
        if X.shape[0] == 0 or not np.all(np.isfinite(X)):
            raise ValueError("standardisation needs at least one sample and only finite values")
        w = _weights(X, sample_weight)
        self.mean = np.average(X, axis=0, weights=w)  # mean = Σ w_i x_i / Σ w_i
        std = np.sqrt(np.average((X - self.mean) ** 2, axis=0, weights=w))  # std = √(Σ w_i (x_i - mean)² / Σ w_i)
        self.std = np.where(std == 0, 1.0, std)  # a constant column maps to 0
        self.n_features = X.shape[1]
        return self

    def transform(self, X: Array) -> Array:
        return (self._check(X, self.n_features) - self.mean) / self.std  # y = (x - mean)/std

    def inverse_transform(self, Y: Array) -> Array:
        return self._check(Y, self.n_features) * self.std + self.mean  # x = y·std + mean

    def to_dict(self) -> dict:
        return {"kind": self.kind, "mean": self.mean.tolist(), "std": self.std.tolist()}

    @classmethod
    def from_dict(cls, data: dict) -> Standardize:
        scaler = cls()
        scaler.mean, scaler.std = np.asarray(data["mean"], dtype=float), np.asarray(data["std"], dtype=float)
        scaler.n_features = scaler.mean.shape[0]
        return scaler


class RemoveConstant(_Scaler):
    """Drop the columns whose range (max - min) at fit is <= ``max_range``; the inverse restores them."""

    kind = "removeconstant"

    def __init__(self, max_range: float = 0.0) -> None:
        self.max_range = float(max_range)

    def fit(self, X: Array, sample_weight: Array | None = None) -> RemoveConstant:
        X = _weighted_rows(_as_2d(X), sample_weight)
        if X.shape[0] == 0:
            raise ValueError("removing constant columns needs at least one sample")
        self.keep = (X.max(axis=0) - X.min(axis=0)) > self.max_range
        if not self.keep.any():
            raise ValueError(f"every one of the {X.shape[1]} columns is constant (range <= {self.max_range:g}); "
                             f"there is nothing to learn from")
        self.values = X[0].copy()  # the constants put back by inverse_transform (kept columns unused)
        self.n_features = X.shape[1]
        return self

    @property
    def removed(self) -> Array:
        """Indices of the removed columns."""
        return np.flatnonzero(~self.keep)

    def transform(self, X: Array) -> Array:
        return self._check(X, self.n_features)[:, self.keep]

    def inverse_transform(self, Y: Array) -> Array:
        Y = self._check(Y, int(self.keep.sum()))
        X = np.tile(self.values, (Y.shape[0], 1))
        X[:, self.keep] = Y
        return X

    def to_dict(self) -> dict:
        return {"kind": self.kind, "max_range": self.max_range, "keep": self.keep.tolist(), "values": self.values.tolist()}

    @classmethod
    def from_dict(cls, data: dict) -> RemoveConstant:
        scaler = cls(data["max_range"])
        scaler.keep = np.asarray(data["keep"], dtype=bool)
        scaler.values = np.asarray(data["values"], dtype=float)
        scaler.n_features = scaler.keep.shape[0]
        return scaler


class Chain(_Scaler):
    """Steps fitted and applied in order, reversed in reverse order."""

    kind = "chain"

    def __init__(self, steps: Sequence[_Scaler]) -> None:
        self.steps = list(steps)

    def fit(self, X: Array, sample_weight: Array | None = None) -> Chain:
        X = _as_2d(X)
        self.n_features = X.shape[1]
        for step in self.steps:
            X = step.fit_transform(X, sample_weight)
        return self

    def transform(self, X: Array) -> Array:
        X = self._check(X, self.n_features)
        for step in self.steps:
            X = step.transform(X)
        return X

    def inverse_transform(self, Y: Array) -> Array:
        if self.n_features is None:
            raise ValueError("this Chain is not fitted yet; call fit(X) first")
        for step in reversed(self.steps):
            Y = step.inverse_transform(Y)
        return Y

    def to_dict(self) -> dict:
        return {"kind": self.kind, "n_features": self.n_features, "steps": [step.to_dict() for step in self.steps]}

    @classmethod
    def from_dict(cls, data: dict) -> Chain:
        chain = cls([scaler_from_dict(step) for step in data["steps"]])
        chain.n_features = data["n_features"]
        return chain


SCALERS: dict[str, type] = {cls.kind: cls for cls in (MapMinMax, Standardize, RemoveConstant, Chain)}
ALIASES = {"mapstd": "standard", "standardize": "standard", "removeconstantrows": "removeconstant"}


def make_scaler(name: str, **params: float) -> _Scaler:
    """A scaler by public name or alias (``make_scaler("mapminmax", ymin=0, ymax=1)``)."""
    key = ALIASES.get(name, name)
    if key not in SCALERS or key == "chain":
        valid = [kind for kind in SCALERS if kind != "chain"]
        raise ValueError(f"unknown scaler {name!r}; valid scalers are {', '.join(valid)} (aliases: {', '.join(ALIASES)})")
    return SCALERS[key](**params)


def scaler_from_dict(data: dict) -> _Scaler:
    """Rebuild a fitted scaler from its ``to_dict()``."""
    kind = data.get("kind")
    if kind not in SCALERS:
        raise ValueError(f"unknown scaler kind {kind!r}; valid kinds are {', '.join(SCALERS)}")
    return SCALERS[kind].from_dict(data)


# ---- data division ----------------------------------------------------------------------------------
@dataclass
class Division:
    """Sorted row indices of the training, validation and test sets."""

    train: Array
    val: Array
    test: Array

    def to_dict(self) -> dict:
        return {"train": self.train.tolist(), "val": self.val.tolist(), "test": self.test.tolist()}


def division_sizes(n: int, train_ratio: float, val_ratio: float, test_ratio: float) -> tuple[int, int, int]:
    """(n_train, n_val, n_test): validation and test get round(share·n), training the rest (MATLAB's rule)."""
    ratios = np.array([train_ratio, val_ratio, test_ratio], dtype=float)
    if n < 1 or np.any(ratios < 0) or ratios.sum() <= 0 or not np.all(np.isfinite(ratios)):
        raise ValueError(f"division needs n >= 1 and non-negative ratios with a positive sum; got n={n}, "
                         f"ratios {train_ratio}, {val_ratio}, {test_ratio}")
    share = ratios / ratios.sum()
    n_val, n_test = int(round(share[1] * n)), int(round(share[2] * n))
    n_train = n - n_val - n_test
    if n_train < 1:
        raise ValueError(f"{n} samples leave no training sample with ratios {train_ratio}, {val_ratio}, {test_ratio}")
    return n_train, n_val, n_test


def _from_labels(labels: Array) -> Division:
    return Division(*(np.flatnonzero(labels == part) for part in range(3)))


def dividerand(n: int, train_ratio: float = 0.70, val_ratio: float = 0.15, test_ratio: float = 0.15,
               random_state: int | np.random.Generator | None = None) -> Division:
    """Random division; the same ``random_state`` gives the same division."""
    sizes = division_sizes(n, train_ratio, val_ratio, test_ratio)
    labels = np.repeat([0, 1, 2], sizes)
    return _from_labels(np.random.default_rng(random_state).permutation(labels))


def divideblock(n: int, train_ratio: float = 0.70, val_ratio: float = 0.15, test_ratio: float = 0.15) -> Division:
    """Contiguous blocks: the first rows train, the next validate, the last test."""
    return _from_labels(np.repeat([0, 1, 2], division_sizes(n, train_ratio, val_ratio, test_ratio)))


def divideint(n: int, train_ratio: float = 0.70, val_ratio: float = 0.15, test_ratio: float = 0.15) -> Division:
    """Interleaved: each set's rows spread evenly through the data (set sizes as in dividerand)."""
    sizes = division_sizes(n, train_ratio, val_ratio, test_ratio)
    # the j-th member of a set of size c sits at relative position (j + ½)/c; sort all positions
    positions = np.concatenate([(np.arange(size) + 0.5) / size for size in sizes])
    labels = np.repeat([0, 1, 2], sizes)
    return _from_labels(labels[np.argsort(positions, kind="stable")])


def divideind(n: int, train: Sequence[int], val: Sequence[int] = (), test: Sequence[int] = ()) -> Division:
    """Explicit indices; they must lie in [0, n), be disjoint and leave training non-empty."""
    parts = [np.unique(np.asarray(part, dtype=np.int64).reshape(-1)) for part in (train, val, test)]
    for name, part, given in zip(("train", "val", "test"), parts, (train, val, test)):
        if part.size and (part[0] < 0 or part[-1] >= n):
            raise ValueError(f"divideind: {name} indices must lie in [0, {n}); got {part[0]}..{part[-1]}")
        if part.size != len(np.asarray(given).reshape(-1)):
            raise ValueError(f"divideind: {name} indices repeat a row")
    overlap = np.intersect1d(parts[0], parts[1]).size + np.intersect1d(parts[0], parts[2]).size + \
        np.intersect1d(parts[1], parts[2]).size
    if overlap:
        raise ValueError("divideind: the train, val and test indices must be disjoint")
    if not parts[0].size:
        raise ValueError("divideind: the training set is empty")
    return Division(*parts)


DIVISIONS = {"dividerand": dividerand, "divideblock": divideblock, "divideint": divideint, "divideind": divideind}


def divide(name: str, n: int, **options: object) -> Division:
    """Division by MATLAB name: ``divide("dividerand", 100, random_state=0)``."""
    if name not in DIVISIONS:
        raise ValueError(f"unknown division {name!r}; valid divisions are {', '.join(DIVISIONS)}")
    return DIVISIONS[name](n, **options)
