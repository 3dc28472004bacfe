"""Local SGD with synchronous parameter averaging: how the mini-batch solvers (sgd, adam, rmsprop) train on
a cluster.

Each round every partition trains from the same weights for one local epoch (or ``local_steps``
mini-batches), then the client sets the weights to the partitions' mean weighted by S_p. A per-batch
all-reduce would cost a Dask round trip (about 10 ms) per step of tens of microseconds. Each partition keeps
its own optimizer state and its own random stream, spawned from the seed with ``SeedSequence.spawn``, so a
run is reproducible.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from dask.delayed import delayed

from bpnn.core.network import Network
from bpnn.core.optimizers import Constant, GradientDescent
from bpnn.core.record import Callback, EarlyStopping, EpochRecorder, History, Score
from bpnn.core.training import train
from bpnn.distributed.cluster import compute, persist
from bpnn.distributed.partitions import Block, Partitions, block_size, network_at, tree_sum

Array = np.ndarray


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
    network = network_at(template, params)
    optimizer, rng = copy.deepcopy(state)
    optimizer.learning_rate = learning_rate
    X, Y, s = block
    if local_steps is not None:
        rows = _local_rows(rng, len(X), local_steps * (batch_size or len(X)))
        X, Y, s = X[rows], Y[rows], None if s is None else s[rows]
    history = train(network, X, Y, loss, optimizer, epochs=1, batch_size=batch_size,
                    shuffle=shuffle and local_steps is None, rng=rng, sample_weight=s, alpha=alpha)
    total = block_size(block)[1]
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
    ``schedule``, ``early_stopping`` and ``callbacks`` mean what they mean in :func:`bpnn.core.training.train`,
    whose per-epoch recorder (:class:`bpnn.core.record.EpochRecorder`) keeps the record here too.

    With full-batch gradient descent (plain or momentum: updates linear in the gradient) a round is exactly
    one global step, since Σ_p (S_p/S) ∇J_p = ∇J.
    """
    client, total = partitions.client, partitions.total_weight
    record = EpochRecorder(network, loss, alpha=alpha, validation=validation, score=score, early_stopping=early_stopping,
                           callbacks=callbacks, history=history, optimizer=optimizer, schedule=schedule)
    (template,) = persist(client, delayed(network))
    streams = np.random.default_rng(rng).spawn(len(partitions.blocks))  # SeedSequence.spawn: independent, reproducible
    states = [LocalState(copy.deepcopy(optimizer), stream) for stream in streams]
    for epoch in range(record.history.epochs, record.history.epochs + epochs):
        record.start_epoch()
        params = delayed(network.pack())  # one flat vector out per round
        results = [delayed(local_round, nout=2)(block, template, params, state, optimizer.learning_rate, loss,
                                                alpha * weight / total, batch_size, local_steps, shuffle)
                   for block, state, weight in zip(partitions.blocks, states, partitions.weights)]
        root = tree_sum([result[0] for result in results], partitions.split_every)
        *states, root = persist(client, *[result[1] for result in results], root)  # states stay on the workers
        weighted_params, weight, loss_sum = compute(client, root)[0]
        averaged = weighted_params / weight  # θ = Σ_p S_p θ_p / Σ_p S_p
        epoch_loss = loss_sum / weight  # Σ_p S_p J_p / S
        if not (np.isfinite(epoch_loss) and np.all(np.isfinite(averaged))):
            record.diverged(f"local SGD diverged in round {epoch + 1} (loss {epoch_loss}); the weights of the last "
                            f"finite round were kept. Lower the learning rate, e.g. to "
                            f"{optimizer.learning_rate / 10:g}, or scale the inputs.")
            break
        network.unpack(averaged)
        if record.end_epoch(network, epoch_loss):
            break
    return record.finish(network)
