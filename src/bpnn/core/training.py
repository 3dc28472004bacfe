"""The training loop for stepwise optimizers: epochs, mini-batches and divergence detection. What happens
after each epoch (history, validation, early stopping, the stop flag, checkpoints, callbacks) is the
:class:`bpnn.core.record.EpochRecorder`'s, which local SGD and the full-batch solvers share.

Conventions: data as in :mod:`bpnn.core.network` (samples are rows). An epoch visits every sample once,
in mini-batches of ``batch_size`` rows (the whole set when ``batch_size`` is None), in an order drawn from
the explicit ``numpy.random.Generator`` when ``shuffle`` is on. The epoch's training loss is the weighted
mean of the batch losses, plus the L2 penalty at the epoch's final weights.

A callback is any callable ``callback(epoch, history, network)``; a truthy return stops training.
``History``, ``EarlyStopping`` and ``DivergenceWarning`` live in :mod:`bpnn.core.record` and are importable
from here as before.

Checkpoints: ``checkpoint(state)`` receives, every ``checkpoint_every`` epochs (before the callbacks, so a
callback that ends the process leaves that epoch's state behind), the complete training state as nested
dicts of JSON values and arrays (see :func:`training_state`): weights, optimizer state (moments, velocity,
t), the generator's state, history, early-stopping record, schedule counters, and the position inside the
epoch. ``train(..., resume=state)`` continues from it and gives bit-identical weights to a run never
stopped. A ``stop`` flag (anything with ``is_set()``, e.g. ``threading.Event``) set while training ends it
after the current batch with stop reason "interrupted", handing ``checkpoint`` the state at that batch.

Speed: each batch size gets one :class:`~bpnn.core.network.Workspace` holding every buffer of a step,
allocated once. Shuffled batches are gathered into it with ``np.take`` (no intermediate copy), in-order
batches are views; the optimizer works in the gradient's buffer; boolean or integer targets stay compact
and are converted one batch at a time. Small gathered data (up to ``SMALL_DATA_BYTES``) are instead copied
once, as ``[X 1]`` and targets in the network's dtype: layer 1 then adds its bias inside the product (see
``Workspace``) and no step converts targets: about 3 us of W3's 95 us step in float64 (docs/bench.md).
``blas_threads`` (see :func:`train`) keeps small networks on one BLAS thread.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext

import numpy as np

from bpnn.core.losses import Loss
from bpnn.core.network import Network, Workspace, sample_weights
from bpnn.core.optimizers import Constant, GradientDescent
from bpnn.core.record import Callback, DivergenceWarning, EarlyStopping, EpochRecorder, History, Score

__all__ = ["Callback", "DivergenceWarning", "EarlyStopping", "History", "Score", "batches", "train"]

Array = np.ndarray
SMALL_PRODUCT = 1 << 22  # multiply-adds of a layer's product on one batch; below it, "auto" uses one BLAS thread
SMALL_DATA_BYTES = 1 << 24  # gathered data up to this size are copied once as [X 1] and float targets


def batches(n: int, batch_size: int | None, order: Array | None) -> Iterable[Array | slice]:
    """Row selections of one epoch: slices in order, or index blocks of a shuffled order."""
    size = n if batch_size is None else max(1, min(int(batch_size), n))
    for start in range(0, n, size):
        yield slice(start, start + size) if order is None else order[start:start + size]


@np.errstate(over="ignore", invalid="ignore")  # divergence is detected and reported, not warned per operation
def train(network: Network, X: Array, Y: Array, loss: Loss | str, optimizer: GradientDescent, *,
          epochs: int = 200, batch_size: int | None = None, shuffle: bool = True,
          rng: np.random.Generator | None = None, sample_weight: Array | None = None, alpha: float = 0.0,
          validation: tuple | None = None, score: Score | None = None, schedule: Constant | None = None,
          early_stopping: EarlyStopping | None = None, callbacks: Sequence[Callback] = (),
          history: History | None = None, blas_threads: int | str | None = "auto", test: tuple | None = None,
          checkpoint: Callable[[dict], object] | None = None, checkpoint_every: int = 1, resume: dict | None = None,
          stop: object | None = None) -> History:
    """Train ``network`` in place and return its :class:`History` (appended to ``history`` when given).

    ``validation`` is ``(X_val, Y_val)`` or ``(X_val, Y_val, sample_weight_val)``; ``score(network, X, Y,
    sample_weight)`` is evaluated on it each epoch. ``early_stopping`` restores the best weights.
    ``test``, shaped like ``validation``, is only measured: its cost each epoch goes to the extra series
    ``"test_loss"``; it never steers training or stopping.
    ``Y`` may be a boolean or integer indicator matrix: it stays compact and is converted batch by batch.

    ``blas_threads`` caps the BLAS threads during training (restored afterwards): a number, ``None`` to
    leave BLAS as it is, or ``"auto"``: one thread when every layer's product on a batch is below
    ``SMALL_PRODUCT`` multiply-adds, and unchanged otherwise (on a shared machine a second thread slows small
    networks down; docs/bench.md has the measurements). Capping uses threadpoolctl, imported only then;
    "auto" does nothing without it.

    ``checkpoint``, ``checkpoint_every``, ``resume`` and ``stop``: see the module docstring. With ``resume``
    the network, optimizer, ``rng``, ``history``, ``early_stopping`` and ``schedule`` passed are set to the
    saved state, and ``epochs`` more epochs run (counting the one in progress).
    """
    rng = np.random.default_rng(rng)
    record = EpochRecorder(network, loss, alpha=alpha, validation=validation, test=test, score=score,
                           early_stopping=early_stopping, callbacks=callbacks, history=history, optimizer=optimizer,
                           schedule=schedule, checkpoint=checkpoint, checkpoint_every=checkpoint_every, stop=stop)
    X, Y = network.as_input(X), _targets(network, Y)
    n = X.shape[0]
    weights = None if sample_weight is None else np.asarray(sample_weight, dtype=network.dtype).reshape(-1)
    _, total = sample_weights(n, weights, network.dtype)
    size = n if batch_size is None else max(1, min(int(batch_size), n))
    gather = shuffle and batch_size is not None  # shuffled batches are gathered; in order they are slices (views)
    ones_column = gather and n * (X.shape[1] + 1 + Y.shape[1]) * X.itemsize <= SMALL_DATA_BYTES
    if ones_column:  # small data, gathered: once [X 1] and float targets, so no step adds b[1] or converts targets
        X, Y = np.concatenate([X, np.ones((n, 1), dtype=X.dtype)], axis=1), network.as_input(Y)
    same_dtype = Y.dtype == network.dtype
    largest = Workspace(network, size, record.loss, inputs=gather, targets=gather or not same_dtype,
                        ones_column=ones_column)
    workspaces = {m: largest.first_rows(m) for m in {size, n % size} if m}  # the last batch may be smaller
    last_finite = network.pack()
    penalty_per_norm = alpha / (2 * total)
    n_batches = -(-n // size)
    pending = None if resume is None else restore_training(resume, network, optimizer, rng, record, schedule)

    def state(**epoch_state: object) -> Callable[[], dict]:
        return lambda: training_state(network, optimizer, rng, record, schedule, **epoch_state)

    with _blas_threads(blas_threads, network, size):
        for epoch in range(record.history.epochs, record.history.epochs + epochs):
            record.start_epoch()
            if pending is None:
                last_finite[...] = network.params
                order = rng.permutation(n) if gather else None
                done, data_loss = 0, 0.0
            else:  # resumed inside an epoch: its order, the batches done and their loss so far
                last_finite[...] = pending["start_params"]
                order, done, data_loss, pending = pending["order"], pending["position"], pending["data_loss"], None
            interrupted = False
            for rows in itertools.islice(batches(n, batch_size, order), done, None):
                if order is None:
                    X_batch, Y_batch = X[rows], Y[rows]  # a slice: views, no copy
                    work = workspaces[X_batch.shape[0]]
                else:  # gathered into the reused buffers; mode="clip" writes directly ("raise" would buffer a copy)
                    work = workspaces[len(rows)]
                    X_batch = X.take(rows, axis=0, out=work.X, mode="clip")
                    Y_batch = Y.take(rows, axis=0, out=work.Y if same_dtype else None, mode="clip")
                if not same_dtype:  # compact targets, converted one batch at a time
                    np.copyto(work.Y, Y_batch)
                    Y_batch = work.Y
                if weights is None:
                    w, batch_total = 1.0 / work.m, work.m
                else:
                    w, batch_total = sample_weights(work.m, weights[rows], network.dtype)
                batch_loss = work.loss_and_grad(X_batch, Y_batch, w, alpha / batch_total)  # data term only
                data_loss += batch_loss * batch_total / total
                if not math.isfinite(batch_loss):
                    break
                optimizer.update(network.params, work.grad, overwrite_grad=True)  # the next step recomputes it
                done += 1
                if stop is not None and done < n_batches and stop.is_set():
                    interrupted = True
                    break
            if interrupted:
                record.interrupted(network, f"during epoch {epoch + 1}, after batch {done} of {n_batches}",
                                   state(position=done, order=order, data_loss=data_loss, start_params=last_finite.copy()))
                break
            epoch_loss = data_loss + (penalty_per_norm * _squared_weight_norm(network) if alpha else 0.0)
            if not (math.isfinite(epoch_loss) and np.isfinite(network.params).all()):
                network.unpack(last_finite)
                record.diverged(f"training diverged at epoch {epoch + 1} (loss {epoch_loss}); the weights of the last "
                                f"finite epoch were restored. Lower the learning rate, e.g. to "
                                f"{optimizer.learning_rate / 10:g}, or scale the inputs.")
                break
            if record.end_epoch(network, epoch_loss, state=state()):
                break
    return record.finish(network)


def training_state(network: Network, optimizer: GradientDescent, rng: np.random.Generator, record: EpochRecorder,
                   schedule: Constant | None, *, position: int = 0, order: Array | None = None, data_loss: float = 0.0,
                   start_params: Array | None = None) -> dict:
    """The state :func:`train` hands its ``checkpoint``: copies, so training on does not change it. ``epoch``
    says where inside the epoch after the last completed one training stands (``position`` batches done)."""
    return {
        "params": network.params.copy(),
        "optimizer": {key: value.copy() if isinstance(value, np.ndarray) else value
                      for key, value in optimizer.state().items()},
        "rng": rng.bit_generator.state,
        **record.saved(),  # history, early_stopping
        "schedule": None if schedule is None else dataclasses.asdict(schedule),
        "epoch": {"position": position, "order": order, "data_loss": data_loss, "start_params": start_params},
    }


def restore_training(state: dict, network: Network, optimizer: GradientDescent, rng: np.random.Generator,
                     record: EpochRecorder, schedule: Constant | None) -> dict | None:
    """Set everything :func:`training_state` recorded; returns the unfinished epoch's record, None at an epoch end."""
    if network.params.shape != np.shape(state["params"]):
        raise ValueError(f"the state to resume holds {np.size(state['params'])} parameters and the network "
                         f"{network.n_params}; resume with the network it was saved from")
    network.unpack(np.asarray(state["params"], dtype=network.dtype))
    optimizer.set_state({key: value for key, value in state["optimizer"].items() if value is not None})
    rng.bit_generator.state = state["rng"]
    record.restore(state)
    if schedule is not None and state["schedule"] is not None:
        for key, value in state["schedule"].items():
            setattr(schedule, key, value)
    return state["epoch"] if state["epoch"]["position"] else None


def _blas_threads(threads: int | str | None, network: Network, batch: int) -> AbstractContextManager:
    """The context that caps BLAS threads for ``train`` (see its ``blas_threads``)."""
    if threads == "auto":
        largest = max(batch * n_in * n_out for n_in, n_out in network.shapes)
        if largest >= SMALL_PRODUCT or importlib.util.find_spec("threadpoolctl") is None:
            return nullcontext()
        threads = 1
    if threads is None:
        return nullcontext()
    return _thread_controller().limit(limits=int(threads), user_api="blas")


@functools.cache
def _thread_controller() -> object:
    """threadpoolctl's handle on the loaded BLAS: imported lazily (importing bpnn never loads it) and built
    once, since finding the libraries takes milliseconds; it caps those loaded by then, NumPy's (which the
    core uses) among them."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        raise ImportError("blas_threads needs threadpoolctl (pip install threadpoolctl); pass blas_threads=None "
                          "to leave BLAS as it is") from None
    return ThreadpoolController()


def _targets(network: Network, Y: Array) -> Array:
    """Boolean or integer targets (one-hot indicators, say) stay as they are, 1 byte an entry for booleans,
    and are converted batch by batch; anything else is converted to the network's dtype once."""
    Y = np.asarray(Y)
    return np.ascontiguousarray(Y) if Y.dtype.kind in "biu" else network.as_input(Y)


def _squared_weight_norm(network: Network) -> float:
    return sum(float(np.vdot(W, W)) for W in network.weights)  # Σ_l ‖W[l]‖²
