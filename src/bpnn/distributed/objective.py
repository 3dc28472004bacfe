"""The full-batch solvers' view of a cluster: :class:`DaskObjective` answers the calls of
:class:`bpnn.core.objective.LocalObjective` (``loss_and_grad``, ``cost``, ``gauss_newton``,
``sum_squared_errors`` at a flat θ, and ``total_weight``) with sums over the partitions.

The cost is the core's J = Σ_i s_i L_i / S + α/(2S) Σ_l ‖W[l]‖² with S = Σ_i s_i over *all* partitions.
Each partition p returns sums, never means — (Σ_{i∈p} s_i L_i, Σ_{i∈p} s_i ∇L_i, S_p), and for
Levenberg–Marquardt also its JᵀJ and Jᵀe — and a tree of additions on the workers reduces them; only the
total comes back to the client, which adds the penalty and divides by S. So the distributed loss and
gradient equal the single-machine ones up to summation order. One flat parameter vector goes out per call
and one reduced result comes back; the step is taken on the client by the unchanged solver.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from dask.delayed import delayed

from bpnn.core.jacobian import GaussNewton, gauss_newton, sum_squared_errors
from bpnn.core.network import Network, sample_weights
from bpnn.distributed.cluster import persist
from bpnn.distributed.partitions import Block, Partitions, network_at

Array = np.ndarray


def partition_loss_and_grad(block: Block, template: Network, params: Array, loss: str) -> tuple[float, Array]:
    """(Σ s_i L_i, Σ s_i ∇L_i) over one block at ``params``, without the L2 penalty."""
    network = network_at(template, params)
    _, total = sample_weights(len(block.X), block.s, network.dtype)
    mean_loss, mean_grad = network.loss_and_grad(block.X, block.Y, loss, block.s)  # Σ w_i L_i, w_i = s_i / S_p
    mean_grad *= total
    return mean_loss * total, mean_grad  # back to sums: Σ s_i L_i = S_p Σ w_i L_i


def partition_loss(block: Block, template: Network, params: Array, loss: str) -> tuple[float]:
    """(Σ s_i L_i,) over one block at ``params``: a forward pass only."""
    network = network_at(template, params)
    _, total = sample_weights(len(block.X), block.s, network.dtype)
    return (network.cost(network.forward(block.X), block.Y, loss, block.s) * total,)


def partition_gauss_newton(block: Block, template: Network, params: Array, rows: int | None) -> tuple[Array, Array, float]:
    """(JᵀJ, Jᵀe, sse) over one block at ``params``, each weighted by s_i (see :mod:`bpnn.core.jacobian`)."""
    system = gauss_newton(network_at(template, params), block.X, block.Y, block.s, rows)
    return system.JTJ, system.JTe, system.sse


def partition_sse(block: Block, template: Network, params: Array) -> tuple[float]:
    """(Σ s_i ‖a_i - y_i‖²,) over one block at ``params``."""
    return (sum_squared_errors(network_at(template, params), block.X, block.Y, block.s),)



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
        (self.template,) = persist(partitions.client, delayed(network))
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
