"""The training data as a full-batch solver sees it: the cost and its derivatives at a flat parameter vector.

Conventions: as in :mod:`bpnn.core.network` and :mod:`bpnn.core.jacobian`. Every method takes ``params``
(laid out like ``network.params``), evaluates there and may leave the network's parameters changed: a
solver keeps its own θ and unpacks it when it needs the network. :class:`bpnn.distributed.DaskObjective`
answers the same calls from data spread over a cluster, so a solver given ``objective=`` never sees rows.
"""

from __future__ import annotations

import numpy as np

from bpnn.core import jacobian
from bpnn.core.jacobian import GaussNewton, chunk_sums, gauss_newton, root_weights, weighted_errors
from bpnn.core.losses import Loss
from bpnn.core.network import Network, sample_weights

Array = np.ndarray


class LocalObjective:
    """J, ∇J, the Gauss–Newton sums and sse of (X, Y) held in memory; ``total_weight`` is S = Σ s_i."""

    def __init__(self, network: Network, X: Array, Y: Array, loss: Loss | str, sample_weight: Array | None = None,
                 alpha: float = 0.0, chunk_rows: int | None = None) -> None:
        self.network, self.loss, self.alpha, self.chunk_rows = network, loss, alpha, chunk_rows
        self.X, self.Y = network.as_input(X), network.as_input(Y)
        if self.Y.ndim != 2 or self.Y.shape[0] != self.X.shape[0]:
            raise ValueError(f"Y must be 2-D with one row per sample of X ({self.X.shape[0]}); got shape {self.Y.shape}")
        _, self.total_weight = sample_weights(self.X.shape[0], sample_weight, network.dtype)
        self.sample_weight = sample_weight
        self.root_s = root_weights(self.X.shape[0], sample_weight, network.dtype)
        rows = jacobian.chunk_rows(self.Y.shape[1], network.n_params) if chunk_rows is None else chunk_rows
        self.one_chunk = self.X.shape[0] <= rows
        self.last_forward: tuple | None = None  # (params, cache) of the last sse, when all rows make one chunk

    def _at(self, params: Array) -> Network:
        self.network.unpack(params)
        return self.network

    def loss_and_grad(self, params: Array) -> tuple[float, Array]:
        """J and ∇J (with the L2 penalty)."""
        return self._at(params).loss_and_grad(self.X, self.Y, self.loss, self.sample_weight, self.alpha)

    def cost(self, params: Array) -> float:
        """J alone (a forward pass only)."""
        network = self._at(params)
        return network.cost(network.forward(self.X), self.Y, self.loss, self.sample_weight, self.alpha)

    def gauss_newton(self, params: Array) -> GaussNewton:
        """JᵀJ, Jᵀe and sse (no penalty), see :func:`bpnn.core.jacobian.gauss_newton`; at the point of the last
        ``sum_squared_errors`` (LM's accepted trial) its forward pass is reused."""
        network = self._at(params)
        if self.last_forward is not None and np.array_equal(self.last_forward[0], params):
            return chunk_sums(network, self.last_forward[1], self.Y, self.root_s)
        return gauss_newton(network, self.X, self.Y, self.sample_weight, self.chunk_rows)

    def sum_squared_errors(self, params: Array) -> float:
        """Σ_i s_i ‖a_i - y_i‖²."""
        cache = self._at(params).forward(self.X)
        if self.one_chunk:
            self.last_forward = (params.copy(), cache)
        e = weighted_errors(cache, self.Y, self.root_s)
        return float(np.vdot(e, e))
