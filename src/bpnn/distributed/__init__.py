"""Data-parallel training of bpnn networks on a Dask cluster (the optional extra ``dask[distributed]``).

Conventions:
- Samples are rows, as in :mod:`bpnn.core.network`. A Dask collection is split by rows into partitions;
  each partition becomes one *block* ``(X, Y, s)``: ``X`` ``(m_p, n_0)`` and ``Y`` ``(m_p, n_L)`` in the
  network's dtype and the raw sample weights ``s`` ``(m_p,)`` or None, all C-contiguous and aligned
  (``np.require(..., requirements="CA")``: arrays arriving over Dask's comms can be unaligned, and BLAS runs
  several times slower on them). Blocks are persisted once on the workers and never move again.
- The cost is the core's J = Σ_i s_i L_i / S + α/(2S) Σ_l ‖W[l]‖² with S = Σ_i s_i over *all* partitions.
  Each partition p returns sums, never means — (Σ_{i∈p} s_i L_i, Σ_{i∈p} s_i ∇L_i, S_p), and for
  Levenberg–Marquardt also its JᵀJ and Jᵀe — and a tree of additions on the workers reduces them; only the
  total comes back to the client, which adds the penalty and divides by S. So the distributed loss and
  gradient equal the single-machine ones up to summation order.
- Full-batch solvers see the cluster through :class:`DaskObjective`, which answers the calls of
  :class:`bpnn.core.objective.LocalObjective` (``loss_and_grad``, ``cost``, ``gauss_newton``,
  ``sum_squared_errors`` at a flat θ, and ``total_weight``): one flat parameter vector goes out per call and
  one reduced result comes back; the step is taken on the client by the unchanged solver.
- Mini-batch solvers (sgd, adam, rmsprop) run *local SGD*: each round every partition trains from the same
  weights for one local epoch (or ``local_steps`` mini-batches), then the client sets the weights to the
  partitions' mean weighted by S_p. A per-batch all-reduce would cost a Dask round trip (about 10 ms) per
  step of tens of microseconds. Each partition keeps its own optimizer state and its own random stream,
  spawned from the seed with ``SeedSequence.spawn``, so a run is reproducible.
- Work is expressed as Dask graphs of delayed calls and run on ``client`` when given, on the default client
  when one exists, and on Dask's configured scheduler otherwise (the synchronous one in tests).
- :class:`DaskBPClassifier` and :class:`DaskBPRegressor` are the scikit-learn estimators on top: each
  partition goes through the plain estimator's own input preparation on its worker, training uses the
  two routes above, and every fitted attribute is the plain estimator's (``to_local()`` returns one).
"""

from __future__ import annotations

import copy
import functools
import inspect
import math
import operator
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Integral
from pathlib import Path
from typing import NamedTuple

import dask
import dask.array as da
import numpy as np
from dask.delayed import Delayed, delayed
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from bpnn.core.jacobian import GaussNewton, gauss_newton, sum_squared_errors
from bpnn.core.network import Network, sample_weights
from bpnn.core.optimizers import SCHEDULE_ALIASES, Constant, GradientDescent
from bpnn.core.solvers import FULL_BATCH_SOLVERS, get_solver
from bpnn.core.training import Callback, DivergenceWarning, EarlyStopping, History, Score, record_epoch, restore_best, train
from bpnn.estimators import (
    MIN_LEARNING_RATE,
    STEPWISE_SOLVERS,
    TASKS,
    UNCONVERGED,
    BPClassifier,
    BPRegressor,
    TrainingData,
    _BPBase,
)
from bpnn.estimators._support import random_streams

Array = np.ndarray


# ---- where the work runs ---------------------------------------------------------------------------
def default_client(client: object | None = None) -> object | None:
    """``client`` itself, else the default Dask client if one exists, else None (Dask's own scheduler)."""
    if client is not None:
        return client
    try:
        from distributed import default_client as current
    except ImportError:
        return None
    try:
        return current()
    except ValueError:
        return None


def _persist(client: object | None, *collections: object) -> tuple:
    return tuple(client.persist(list(collections))) if client is not None else dask.persist(*collections)


def _compute(client: object | None, *collections: object) -> tuple:
    return tuple(client.compute(list(collections), sync=True)) if client is not None else dask.compute(*collections)


def client_from_scheduler(spec: str) -> object:
    """A Dask client from the command line's ``--scheduler``: ``local:N`` starts a LocalCluster of N
    single-threaded worker processes (closed with the client); ``tcp://HOST:PORT`` (or any Dask address
    with a protocol) connects to a running scheduler."""
    from distributed import Client

    kind, _, value = spec.partition(":")
    if kind == "local":
        if not value.isdigit() or int(value) < 1:
            raise ValueError(f"--scheduler {spec!r}: give the number of workers as local:N with N >= 1, e.g. local:4")
        return Client(n_workers=int(value), threads_per_worker=1, processes=True, dashboard_address=":0")
    if "://" in spec:
        return Client(spec)
    raise ValueError(f"--scheduler {spec!r} is neither local:N nor a scheduler address; "
                     f"use local:4 to start 4 local workers or tcp://HOST:PORT to join a running cluster")


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


def limit_blas_threads(client: object | None) -> None:
    """One BLAS thread per worker. Worker nannies already set this through the environment; in-process
    (threaded) clusters do not, and their threads would oversubscribe the cores."""
    if client is not None:
        client.run(_one_blas_thread)


def _one_blas_thread() -> None:
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


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


def _block_size(block: Block) -> tuple[int, float]:
    """(m_p, S_p): rows and total weight of a block."""
    return len(block.X), float(len(block.X)) if block.s is None else float(block.s.sum())


def _is_frame(value: object) -> bool:
    return hasattr(value, "to_dask_array")  # a Dask DataFrame or Series


def as_dask_rows(X: object, n_partitions: int | None = None) -> da.Array:
    """A Dask array split by rows only, from a Dask array, DataFrame or Series, or in-memory data, which is
    cut into ``n_partitions`` row blocks (one when None)."""
    if isinstance(X, da.Array):
        array = X
    elif _is_frame(X):
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
    if _is_frame(X):
        parts, lengths = [X.to_delayed()], None
    else:
        X = as_dask_rows(X, n_partitions)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D (samples are rows); got a {X.ndim}-D array")
        parts, lengths = [X.to_delayed().ravel()], X.chunks[0]
    for name, data in others.items():
        if data is None:
            parts.append([None] * len(parts[0]))
        elif _is_frame(X) and _is_frame(data) and data.npartitions == X.npartitions and data.divisions == X.divisions:
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
        return _compute(self.client, tree_sum([delayed(function)(block, *args) for block in self.blocks],
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
    blocks = list(_persist(client, *[delayed(prepare)(x, y, s) for x, y, s in zip(*parts)]))
    sizes = _compute(client, *[delayed(_block_size)(block) for block in blocks])
    kept = [(block, rows, weight) for block, (rows, weight) in zip(blocks, sizes) if weight > 0]
    if not kept:
        raise ValueError("the data has no rows with positive weight; nothing to train on")
    blocks, rows, weights = (list(column) for column in zip(*kept))
    return Partitions(blocks, rows, weights, client, split_every)


# ---- sums over partitions and their tree reduction ------------------------------------------------
def _network_at(template: Network, params: Array) -> Network:
    """A private copy of ``template`` holding its own copy of ``params`` (tasks never change their inputs):
    the architecture is shared, and the weight and bias views are rebuilt on the new vector."""
    network = copy.copy(template)
    network.params = np.array(params, dtype=template.dtype)
    network.weights, network.biases = network.split(network.params)
    return network


def partition_loss_and_grad(block: Block, template: Network, params: Array, loss: str) -> tuple[float, Array]:
    """(Σ s_i L_i, Σ s_i ∇L_i) over one block at ``params``, without the L2 penalty."""
    network = _network_at(template, params)
    _, total = sample_weights(len(block.X), block.s, network.dtype)
    mean_loss, mean_grad = network.loss_and_grad(block.X, block.Y, loss, block.s)  # Σ w_i L_i, w_i = s_i / S_p
    mean_grad *= total
    return mean_loss * total, mean_grad  # back to sums: Σ s_i L_i = S_p Σ w_i L_i


def partition_loss(block: Block, template: Network, params: Array, loss: str) -> tuple[float]:
    """(Σ s_i L_i,) over one block at ``params``: a forward pass only."""
    network = _network_at(template, params)
    _, total = sample_weights(len(block.X), block.s, network.dtype)
    return (network.cost(network.forward(block.X), block.Y, loss, block.s) * total,)


def partition_gauss_newton(block: Block, template: Network, params: Array, rows: int | None) -> tuple[Array, Array, float]:
    """(JᵀJ, Jᵀe, sse) over one block at ``params``, each weighted by s_i (see :mod:`bpnn.core.jacobian`)."""
    system = gauss_newton(_network_at(template, params), block.X, block.Y, block.s, rows)
    return system.JTJ, system.JTe, system.sse


def partition_sse(block: Block, template: Network, params: Array) -> tuple[float]:
    """(Σ s_i ‖a_i - y_i‖²,) over one block at ``params``."""
    return (sum_squared_errors(_network_at(template, params), block.X, block.Y, block.s),)


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


class DaskObjective:
    """What a full-batch solver asks of its data, answered by the cluster: J and ∇J, and for
    Levenberg–Marquardt the Gauss–Newton sums, at a flat parameter vector.

    ``network`` fixes the architecture; it stays on the client and is never modified (a copy travels to the
    workers once). Each call sends ``params`` out once and brings one reduced result back.
    """

    def __init__(self, network: Network, partitions: Partitions, loss: str, alpha: float = 0.0,
                 chunk_rows: int | None = None) -> None:
        self.partitions = partitions
        self.loss = loss
        self.alpha = alpha
        self.chunk_rows = chunk_rows
        self.dtype = network.dtype
        self.weight_mask = network.weight_mask()
        self.total_weight = partitions.total_weight
        (self.template,) = _persist(partitions.client, delayed(network))
        self.evaluations = 0

    def _reduce(self, function: Callable, params: Array, *args: object) -> tuple:
        self.evaluations += 1
        params = delayed(np.array(params, dtype=self.dtype))  # one flat vector out per evaluation
        return self.partitions.reduce(function, self.template, params, *args)

    def _penalty(self, params: Array) -> tuple[float, Array]:
        """(α/(2S) Σ‖W‖², α/S W): the L2 term of J and of ∇J."""
        weights = self.weight_mask * params
        return (self.alpha / (2 * self.total_weight) * float(np.vdot(weights, weights)),
                (self.alpha / self.total_weight) * weights)

    def loss_and_grad(self, params: Array) -> tuple[float, Array]:
        """J = Σ s_i L_i / S + α/(2S) Σ‖W‖²  and  ∇J = Σ s_i ∇L_i / S + α/S W."""
        loss_sum, grad_sum = self._reduce(partition_loss_and_grad, params, self.loss)
        penalty, penalty_grad = self._penalty(params)
        return loss_sum / self.total_weight + penalty, grad_sum / self.total_weight + penalty_grad

    def cost(self, params: Array) -> float:
        """J alone (forward passes only)."""
        (loss_sum,) = self._reduce(partition_loss, params, self.loss)
        return loss_sum / self.total_weight + self._penalty(params)[0]

    def gauss_newton(self, params: Array) -> GaussNewton:
        """JᵀJ, Jᵀe and sse summed over all partitions (no penalty), as :func:`bpnn.core.jacobian.gauss_newton`."""
        return GaussNewton(*self._reduce(partition_gauss_newton, params, self.chunk_rows))

    def sum_squared_errors(self, params: Array) -> float:
        """Σ_i s_i ‖a_i - y_i‖² over all partitions."""
        return self._reduce(partition_sse, params)[0]


# ---- local SGD with synchronous parameter averaging ------------------------------------------------
class LocalState(NamedTuple):
    """What a partition carries from one round to the next: its optimizer and its random stream."""

    optimizer: GradientDescent
    rng: np.random.Generator


def _local_rows(rng: np.random.Generator, m: int, n_rows: int) -> Array:
    """``n_rows`` row indices in shuffled passes over m rows (as many passes as needed)."""
    return np.concatenate([rng.permutation(m) for _ in range(math.ceil(n_rows / m))])[:n_rows]


def local_round(block: Block, template: Network, params: Array, state: LocalState, learning_rate: float, loss: str,
                alpha: float, batch_size: int | None, local_steps: int | None,
                shuffle: bool = True) -> tuple[tuple[Array, float, float], LocalState]:
    """Train one partition from ``params`` at ``learning_rate``: a local epoch, or ``local_steps`` mini-batches.

    Returns ``((S_p θ_p, S_p, S_p J_p), state)``; ``alpha`` is the partition's share α S_p / S, so that its
    penalty per weight α_p / S_p equals the global α / S.
    """
    network = _network_at(template, params)
    optimizer, rng = copy.deepcopy(state)
    optimizer.learning_rate = learning_rate
    X, Y, s = block
    if local_steps is not None:
        rows = _local_rows(rng, len(X), local_steps * (batch_size or len(X)))
        X, Y, s = X[rows], Y[rows], None if s is None else s[rows]
    history = train(network, X, Y, loss, optimizer, epochs=1, batch_size=batch_size,
                    shuffle=shuffle and local_steps is None, rng=rng, sample_weight=s, alpha=alpha)
    total = _block_size(block)[1]
    loss_value = history.loss[-1] if history.loss else np.nan
    return (network.params * total, total, loss_value * total), LocalState(optimizer, rng)


@np.errstate(over="ignore", invalid="ignore")  # divergence is detected and reported, not warned per operation
def local_sgd(network: Network, partitions: Partitions, loss: str, optimizer: GradientDescent, *, epochs: int,
              batch_size: int | None = None, local_steps: int | None = None, shuffle: bool = True,
              rng: np.random.Generator | int | None = None, alpha: float = 0.0, validation: tuple | None = None,
              score: Score | None = None, schedule: Constant | None = None,
              early_stopping: EarlyStopping | None = None, callbacks: Sequence[Callback] = (),
              history: History | None = None) -> History:
    """Train ``network`` in place by local SGD with synchronous averaging: one round per epoch.

    Each round every partition trains a copy of the current weights (one local epoch, or ``local_steps``
    mini-batches of ``batch_size``) with its own copy of ``optimizer``, then θ ← Σ_p S_p θ_p / S. The
    round's loss is the S_p-weighted mean of the partitions' epoch losses. Partition p draws its shuffles
    from the p-th stream spawned from ``rng``. Validation (in memory, on the client), ``score``,
    ``schedule``, ``early_stopping`` and ``callbacks`` mean what they mean in :func:`bpnn.core.training.train`.

    With full-batch gradient descent (plain or momentum: updates linear in the gradient) a round is exactly
    one global step, since Σ_p (S_p/S) ∇J_p = ∇J.
    """
    client, total = partitions.client, partitions.total_weight
    history = History() if history is None else history
    validation_rows = None if validation is None else (
        network.as_input(validation[0]), network.as_input(validation[1]), validation[2] if len(validation) > 2 else None)
    (template,) = _persist(client, delayed(network))
    streams = np.random.default_rng(rng).spawn(len(partitions.blocks))  # SeedSequence.spawn: independent, reproducible
    states = [LocalState(copy.deepcopy(optimizer), stream) for stream in streams]
    for epoch in range(history.epochs, history.epochs + epochs):
        started = time.perf_counter()
        params = delayed(network.pack())  # one flat vector out per round
        results = [delayed(local_round, nout=2)(block, template, params, state, optimizer.learning_rate, loss,
                                                alpha * weight / total, batch_size, local_steps, shuffle)
                   for block, state, weight in zip(partitions.blocks, states, partitions.weights)]
        root = tree_sum([result[0] for result in results], partitions.split_every)
        *states, root = _persist(client, *[result[1] for result in results], root)  # states stay on the workers
        weighted_params, weight, loss_sum = _compute(client, root)[0]
        averaged = weighted_params / weight  # θ = Σ_p S_p θ_p / Σ_p S_p
        epoch_loss = loss_sum / weight  # Σ_p S_p J_p / S
        if not (np.isfinite(epoch_loss) and np.all(np.isfinite(averaged))):
            history.stop_reason = "diverged"
            history.message = (f"local SGD diverged in round {epoch + 1} (loss {epoch_loss}); the weights of the "
                               f"last finite round were kept. Lower the learning rate, e.g. to "
                               f"{optimizer.learning_rate / 10:g}, or scale the inputs.")
            warnings.warn(history.message, DivergenceWarning, stacklevel=2)
            break
        network.unpack(averaged)
        if record_epoch(history, network, loss, optimizer, epoch, epoch_loss, started, alpha=alpha,
                        validation=validation_rows, score=score, test=None, schedule=schedule,
                        early_stopping=early_stopping):
            break
        if any([bool(callback(epoch, history, network)) for callback in callbacks]):
            history.stop_reason = "stopped by callback"
            break
    else:
        history.stop_reason = "maximum epochs"
    restore_best(network, early_stopping)
    return history


# ---- scikit-learn estimators on a cluster ----------------------------------------------------------
def _prepare_block(estimator: _BPBase, X: object, y: object, s: object) -> Block:
    """One partition through the fitted estimator's own input preparation (validation, target encoding,
    sample and class weights, dtype), as partial_fit prepares a batch. A partition without rows or weight
    becomes an empty block, which :func:`persist_blocks` drops."""
    if len(X) == 0 or (s is not None and not np.any(s)):
        sizes, dtype = estimator.network_.layer_sizes, estimator.network_.dtype
        return Block(np.empty((0, sizes[0]), dtype), np.empty((0, sizes[-1]), dtype), None)
    data = estimator._prepare_training_data(X, y, s, None, classes=None, reset=False, incremental=True, split_rng=None)
    return Block(np.require(data.X, requirements="CA"), np.require(data.Y, requirements="CA"),
                 None if data.sample_weight is None else np.require(data.sample_weight, requirements="CA"))


def _apply(X: object, estimator: _BPBase, method: str) -> Array:
    """``estimator.method(X)`` on one block (blocks come first in Dask's map_blocks and map_partitions)."""
    return getattr(estimator, method)(X)


def _with_client(base: type) -> Callable:
    """``__init__`` of a Dask estimator: ``base``'s parameters plus ``client`` and ``local_steps``.

    scikit-learn reads parameter names from the signature, so the signature is ``base``'s with the two
    keywords added, and ``base.__init__`` stores the rest, unchanged, as scikit-learn requires.
    """
    def __init__(self: _BPBase, *args: object, client: object = None, local_steps: int | None = None,
                 **params: object) -> None:
        base.__init__(self, *args, **params)
        self.client = client
        self.local_steps = local_steps

    keyword = inspect.Parameter.KEYWORD_ONLY
    __init__.__signature__ = inspect.signature(base.__init__).replace(parameters=[
        *inspect.signature(base.__init__).parameters.values(),
        inspect.Parameter("client", keyword, default=None), inspect.Parameter("local_steps", keyword, default=None)])
    return __init__


class _DaskTraining:
    """``fit`` on a Dask cluster and blockwise prediction for a BPClassifier/BPRegressor subclass; parameters,
    input preparation, prediction rules and fitted attributes are the plain estimator's."""

    _local: type  # the plain estimator class

    def fit(self, X: object, y: object, sample_weight: object = None, validation_data: tuple | None = None) -> object:
        """Train on the cluster. X, y and sample_weight may be Dask arrays, DataFrames or Series (or in-memory
        data, split over the workers); ``validation_data`` = (X_val, y_val[, sample_weight_val]) is held in
        memory and scored on the client every epoch."""
        self._check_params()
        self._check_cluster_options()
        if self.early_stopping and validation_data is None:
            raise ValueError("early_stopping on a cluster needs validation_data=(X_val, y_val) in memory: the "
                             "validation_fraction split is not made across partitions")
        if isinstance(getattr(self, "class_weight", None), str):
            raise ValueError("class_weight='balanced' needs class counts over all partitions; pass a dict instead, "
                             "e.g. dict(zip(classes, compute_class_weight('balanced', classes=classes, y=y)))")
        if self.local_steps is not None and not (isinstance(self.local_steps, Integral) and self.local_steps >= 1):
            raise ValueError(f"local_steps must be None (one local epoch per round) or an integer >= 1; "
                             f"got {self.local_steps!r}")
        client = default_client(self.client)
        limit_blas_threads(client)
        init_rng, _, shuffle_rng = random_streams(self.random_state)
        if not hasattr(self, "network_") or not self.warm_start:
            self._start(X, y, init_rng, client)
        else:
            self._check_architecture()
        n_partitions = len(client.scheduler_info()["workers"]) if client is not None else 1
        partitions = persist_blocks(X, y, sample_weight, prepare=functools.partial(_prepare_block, self.to_local()),
                                    n_partitions=n_partitions, client=client)
        data = TrainingData(None, None, None, None if validation_data is None else
                            self._prepare_validation(validation_data, self.network_.dtype))
        epochs_before = self.history_.epochs
        self.history_.stop_reason = self.history_.message = ""  # they describe the latest run
        if self.solver in FULL_BATCH_SOLVERS:
            self._fit_full_batch(partitions, data)
        else:
            self._fit_local_sgd(partitions, data, shuffle_rng)
        self.t_ += (self.history_.epochs - epochs_before) * sum(partitions.rows)
        if self.history_.stop_reason in UNCONVERGED:
            warnings.warn(f"{self.solver}: maximum iterations ({self.max_iter}) reached and the optimization hasn't "
                          f"converged yet ({self.history_.message or self.history_.stop_reason}); raise max_iter "
                          f"or tol", ConvergenceWarning, stacklevel=2)
        return self

    def _check_cluster_options(self) -> None:
        """A division and a fitted scaling need every training row in one place, which a cluster never gathers."""
        if self.division is not None:
            raise ValueError(f"division={self.division!r} divides rows held in one process; on a cluster every row "
                             f"trains. Set division=None and pass validation_data=(X_val, y_val) for validation stopping")
        if self.scaling is not None and not (self.warm_start and hasattr(self, "network_")):
            raise ValueError(f"scaling={self.scaling!r} is fitted on all training rows at once, which a cluster never "
                             f"gathers; set scaling=None and scale the data beforehand (e.g. with its known ranges)")

    def _start(self, X: object, y: object, init_rng: np.random.Generator, client: object | None) -> None:
        """Fitted metadata (features, classes, target type) from a few rows and, for class labels, every label
        (computed over all partitions); then a new network."""
        head = 5
        X_head, y_head = (data.head(head, npartitions=-1, compute=False) if _is_frame(data) else as_dask_rows(data)[:head]
                          for data in (X, y))
        X_head, y_head = _compute(client, X_head, y_head)
        data = self._prepare_training_data(X_head, y_head, None, None, classes=self._labels(y, client), reset=True,
                                           incremental=True, split_rng=None)
        self._start_network(data.X.shape[1], data.Y.shape[1], data.X.dtype, init_rng)

    def _labels(self, y: object, client: object | None) -> Array | None:
        """Every class label (classifiers), computed over all partitions."""
        return None

    def _fit_full_batch(self, partitions: Partitions, data: TrainingData) -> None:
        options = self._full_batch_options()
        loss = TASKS[self._target_type][1]
        objective = DaskObjective(self.network_, partitions, loss, options["alpha"], chunk_rows=options.get("chunk_rows"))
        get_solver(self.solver)(self.network_, None, None, loss, max_iter=self.max_iter, validation=data.validation,
                                score=self._validation_score if data.validation is not None else None,
                                early_stopping=self._stopping(data), callbacks=self._callbacks(),
                                history=self.history_, objective=objective, **options)

    def _fit_local_sgd(self, partitions: Partitions, data: TrainingData, rng: np.random.Generator) -> None:
        self._optimizer = STEPWISE_SOLVERS[self.solver](self)
        self._schedule = self._make_schedule()
        stopping, extra = self._stopping(data), []
        if stopping is None and SCHEDULE_ALIASES.get(self.learning_rate, self.learning_rate) != "plateau":
            stopping = EarlyStopping("loss", patience=self.n_iter_no_change, min_delta=self.tol, restore_best=False)
        elif stopping is None:  # "adaptive": the schedule lowers the rate on plateaus; stop once it is tiny
            extra.append(lambda epoch, history, network: self._optimizer.learning_rate <= MIN_LEARNING_RATE)
        local_sgd(self.network_, partitions, TASKS[self._target_type][1], self._optimizer, epochs=self.max_iter,
                  batch_size=200 if self.batch_size == "auto" else self.batch_size, local_steps=self.local_steps,
                  shuffle=self.shuffle, rng=rng, alpha=self.alpha, validation=data.validation,
                  score=self._validation_score if data.validation is not None else None, schedule=self._schedule,
                  early_stopping=stopping, callbacks=self._callbacks(extra), history=self.history_)

    def __sklearn_clone__(self) -> object:
        """An unfitted copy sharing ``client``: a connection cannot be deep-copied as clone copies parameters."""
        params = self.get_params(deep=False)
        client = params.pop("client")
        return type(self)(**{name: clone(value, safe=False) for name, value in params.items()}, client=client)

    def to_local(self) -> _BPBase:
        """The plain fitted estimator (a copy): same parameters but ``client`` and ``local_steps``, same state."""
        check_is_fitted(self)
        params = self.get_params(deep=False)
        local = self._local(**{name: value for name, value in params.items() if name not in ("client", "local_steps")})
        local.__dict__.update({name: value for name, value in vars(self).items() if name not in params})
        return copy.deepcopy(local)

    def _blockwise(self, method: str, X: object) -> object:
        """``method`` of the plain estimator: a Dask array computed block by block for a Dask collection, the
        plain result for in-memory data."""
        local = self.to_local()
        if not dask.is_dask_collection(X):
            return getattr(local, method)(X)
        probe = np.zeros((1, self.n_features_in_), dtype=self.network_.dtype)
        if hasattr(self, "feature_names_in_"):
            import pandas as pd

            probe = pd.DataFrame(probe, columns=self.feature_names_in_)
        meta = getattr(local, method)(probe)[:0]
        local = delayed(local)  # one copy of the model in the graph, not one per block
        if _is_frame(X):
            return X.map_partitions(_apply, local, method, meta=meta)
        X = as_dask_rows(X)
        return X.map_blocks(_apply, local, method, dtype=meta.dtype, meta=meta,
                            chunks=(X.chunks[0], *((size,) for size in meta.shape[1:])),
                            drop_axis=[] if meta.ndim == 2 else [1])

    def predict(self, X: object) -> object:
        return self._blockwise("predict", X)


class DaskBPClassifier(_DaskTraining, BPClassifier):
    """BPClassifier trained on a Dask cluster (see the module docstring for how).

    Parameters: all of :class:`bpnn.estimators.BPClassifier`'s, and

    client : distributed.Client or None, default=None
        Where to train; None uses the default client, or Dask's own scheduler when there is none.
    local_steps : int or None, default=None
        Mini-batch solvers: the steps each partition takes between two averagings; None is one local
        epoch. Either way one round counts as one epoch of ``max_iter``.

    Early stopping needs ``validation_data`` in memory; ``class_weight`` must be None or a dict.
    Attributes: those of BPClassifier; :meth:`to_local` returns the plain fitted BPClassifier.
    """

    _local = BPClassifier
    __init__ = _with_client(BPClassifier)

    def _labels(self, y: object, client: object | None) -> Array | None:
        if np.ndim(y) == 2 and np.shape(y)[1] > 1:
            return None  # multilabel indicator columns: the labels are the column numbers
        (values,) = _compute(client, y.drop_duplicates() if _is_frame(y) else da.unique(as_dask_rows(y).ravel()))
        return np.unique(np.asarray(values))

    def predict_proba(self, X: object) -> object:
        return self._blockwise("predict_proba", X)

    def predict_log_proba(self, X: object) -> object:
        return self._blockwise("predict_log_proba", X)


class DaskBPRegressor(_DaskTraining, BPRegressor):
    """BPRegressor trained on a Dask cluster: :class:`bpnn.estimators.BPRegressor`'s parameters plus
    ``client`` and ``local_steps`` (see :class:`DaskBPClassifier`)."""

    _local = BPRegressor
    __init__ = _with_client(BPRegressor)
