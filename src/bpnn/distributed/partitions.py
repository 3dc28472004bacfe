"""The data on the workers: a Dask collection split by rows into partitions, each persisted once as a *block*
``(X, Y, s)`` and never moved again, and the tree of additions that reduces per-block sums.

A block holds ``X`` ``(m_p, n_0)`` and ``Y`` ``(m_p, n_L)`` in the network's dtype and the raw sample weights
``s`` ``(m_p,)`` or None, all C-contiguous and aligned (``np.require(..., requirements="CA")``: arrays
arriving over Dask's comms can be unaligned, and BLAS runs several times slower on them). Each task on a
worker starts from a copy of the network's template at one flat parameter vector (:func:`network_at`).
"""

from __future__ import annotations

import copy
import functools
import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Integral
from pathlib import Path
from typing import NamedTuple

import dask.array as da
import numpy as np
from dask.delayed import Delayed, delayed

from bpnn.core.network import Network
from bpnn.distributed.cluster import compute, default_client, persist

Array = np.ndarray


def read_partitioned(path: str | Path, target: Sequence[str], features: Sequence[str] | None = None, *,
                     blocksize: str | int = "64MB", partitions: int | None = None) -> tuple[object, object]:
    """(X, y) as Dask DataFrames read partition by partition from a CSV or Parquet file (or a folder of
    Parquet files), for data larger than memory. ``y`` is a Series for one target column. CSV is cut into
    blocks of ``blocksize`` bytes; ``partitions`` (the command line's ``--partitions``) repartitions to
    that many.

    Features must be numeric: text columns need categories known in advance, which a partitioned read
    cannot see; encode them first (or train in memory, where :mod:`bpnn.tables` encodes them).
    """
    import dask.dataframe as dd
    import pandas as pd

    from bpnn.tables import detect_format, sniff_delimiter

    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path}: no such file or folder")
    kind = "parquet" if path.is_dir() else detect_format(path)
    if kind == "parquet":
        frame = dd.read_parquet(path)
    elif kind == "text":
        with open(path, encoding="utf-8-sig", errors="replace") as file:
            head = "".join(file.readline() for _ in range(20))
        frame = dd.read_csv(path, sep=sniff_delimiter(head), blocksize=blocksize, encoding="utf-8-sig")
    else:
        raise ValueError(f"{path}: a {kind} file cannot be read partition by partition; save it as CSV or Parquet")
    if partitions is not None:
        if not (isinstance(partitions, Integral) and partitions >= 1):
            raise ValueError(f"--partitions must be an integer >= 1; got {partitions!r}")
        frame = frame.repartition(npartitions=partitions)
    columns = list(frame.columns)
    target = list(target)
    features = [name for name in columns if name not in target] if features is None else list(features)
    missing = [name for name in target + features if name not in columns]
    if missing:
        raise ValueError(f"{path}: no column {', '.join(map(repr, missing))}; the columns are {', '.join(columns)}")
    text = [name for name in features if not pd.api.types.is_numeric_dtype(frame[name].dtype)]  # pandas' string dtypes too
    if text:
        raise ValueError(f"{path}: feature column(s) {', '.join(map(repr, text))} are not numeric; encode them as "
                         f"numbers before a partitioned read, or train without --scheduler")
    return frame[features], frame[target[0]] if len(target) == 1 else frame[target]



# ---- blocks -----------------------------------------------------------------------------------------
class Block(NamedTuple):
    """One partition's data, ready for BLAS: contiguous, aligned, in the network's dtype."""

    X: Array
    Y: Array
    s: Array | None


def array_block(X: object, y: object, s: object, dtype: object = np.float64) -> Block:
    """A block from plain arrays: ``y`` as an ``(m, n_L)`` matrix, everything in ``dtype``, contiguous, aligned."""
    Y = np.asarray(y)
    return Block(np.require(X, dtype, "CA"), np.require(Y.reshape(len(Y), -1), dtype, "CA"),
                 None if s is None else np.require(np.reshape(s, -1), dtype, "CA"))


def block_size(block: Block) -> tuple[int, float]:
    """(m_p, S_p): rows and total weight of a block."""
    return len(block.X), float(len(block.X)) if block.s is None else float(block.s.sum())


def is_frame(value: object) -> bool:
    return hasattr(value, "to_dask_array")  # a Dask DataFrame or Series


def as_dask_rows(X: object, n_partitions: int | None = None) -> da.Array:
    """A Dask array split by rows only, from a Dask array, DataFrame or Series, or in-memory data, which is
    cut into ``n_partitions`` row blocks (one when None)."""
    if isinstance(X, da.Array):
        array = X
    elif is_frame(X):
        array = X.to_dask_array(lengths=True)
    else:
        array = np.asarray(X)
        rows = max(1, math.ceil(len(array) / (n_partitions or 1)))
        array = da.from_array(array, chunks=(rows,) + array.shape[1:])
    if any(math.isnan(size) for size in array.chunks[0]):
        array = array.compute_chunk_sizes()
    return array.rechunk({axis: -1 for axis in range(1, array.ndim)})


def row_partitions(X: object, others: dict, n_partitions: int | None = None) -> list[list]:
    """Delayed row blocks of ``X`` and of each named entry of ``others`` (None stays None), aligned: block p of
    each holds the same rows. A Dask DataFrame keeps its own partitions (pandas blocks, column names intact),
    and so do frames split like it; everything else is cut along X's row chunks."""
    if is_frame(X):
        parts, lengths = [X.to_delayed()], None
    else:
        X = as_dask_rows(X, n_partitions)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D (samples are rows); got a {X.ndim}-D array")
        parts, lengths = [X.to_delayed().ravel()], X.chunks[0]
    for name, data in others.items():
        if data is None:
            parts.append([None] * len(parts[0]))
        elif is_frame(X) and is_frame(data) and data.npartitions == X.npartitions and data.divisions == X.divisions:
            parts.append(data.to_delayed())
        else:
            lengths = lengths or tuple(X.map_partitions(len).compute())
            piece = as_dask_rows(data, n_partitions)
            if piece.shape[0] != sum(lengths):
                raise ValueError(f"X has {sum(lengths)} rows but {name} has {piece.shape[0]}; give one value per row")
            parts.append(piece.rechunk({0: lengths}).to_delayed().ravel())
    return parts


@dataclass
class Partitions:
    """Persisted blocks (Dask Delayed objects held on the workers), their rows m_p and weights S_p, and the
    client they live on (None: Dask's own scheduler)."""

    blocks: list
    rows: list
    weights: list
    client: object | None = None
    split_every: int = 8  # parts added per node of the reduction tree

    @property
    def total_weight(self) -> float:
        """S = Σ_p S_p."""
        return float(sum(self.weights))

    def reduce(self, function: Callable, *args: object) -> tuple:
        """Σ_p function(block_p, *args), each term a tuple: run per block, added as a tree on the workers."""
        return compute(self.client, tree_sum([delayed(function)(block, *args) for block in self.blocks],
                                              self.split_every))[0]


def persist_blocks(X: object, Y: object, sample_weight: object = None, *, prepare: Callable | None = None,
                   dtype: object = np.float64, n_partitions: int | None = None, client: object | None = None,
                   split_every: int = 8) -> Partitions:
    """Persist (X, Y, s) as blocks on the workers, once, and drop the partitions without weight.

    ``prepare(X_p, y_p, s_p) -> Block`` turns one partition into a block on its worker (default:
    :func:`array_block` in ``dtype``); the estimators pass their own input preparation.
    """
    client = default_client(client)
    prepare = prepare or functools.partial(array_block, dtype=np.dtype(dtype))
    parts = row_partitions(X, {"y": Y, "sample_weight": sample_weight}, n_partitions)
    blocks = list(persist(client, *[delayed(prepare)(x, y, s) for x, y, s in zip(*parts)]))
    sizes = compute(client, *[delayed(block_size)(block) for block in blocks])
    kept = [(block, rows, weight) for block, (rows, weight) in zip(blocks, sizes) if weight > 0]
    if not kept:
        raise ValueError("the data has no rows with positive weight; nothing to train on")
    blocks, rows, weights = (list(column) for column in zip(*kept))
    return Partitions(blocks, rows, weights, client, split_every)



def network_at(template: Network, params: Array) -> Network:
    """A private copy of ``template`` holding its own copy of ``params`` (tasks never change their inputs):
    the architecture is shared, and the weight and bias views are rebuilt on the new vector."""
    network = copy.copy(template)
    network.attach(np.array(params, dtype=template.dtype))
    return network


def _add(*parts: tuple) -> tuple:
    """Field-wise sum of equal-length tuples of numbers and arrays."""
    return tuple(functools.reduce(operator.add, field) for field in zip(*parts))


def tree_sum(parts: Sequence[Delayed], split_every: int = 8) -> Delayed:
    """Σ parts as a tree of additions run on the workers, ``split_every`` parts per node, in a fixed order
    (so the same inputs give bit-identical sums)."""
    parts = list(parts)
    while len(parts) > 1:
        parts = [delayed(_add)(*parts[i:i + split_every]) for i in range(0, len(parts), split_every)]
    return parts[0]
