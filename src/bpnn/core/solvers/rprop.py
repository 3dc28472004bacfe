"""Resilient backpropagation (MATLAB's trainrp; Riedmiller & Braun 1993) on the packed parameter vector.

Conventions: as in :mod:`bpnn.core.network`; any loss (only ``loss_and_grad`` is used). Each parameter j
has its own step Δ_j, adapted from the signs of the last two gradients and never from their size:

    Δ_j ← Δ_j · delt_inc   when g_j(t) g_j(t-1) > 0 (same sign: speed up)
    Δ_j ← Δ_j · delt_dec   when g_j(t) g_j(t-1) < 0 (sign flip: the last step jumped over a minimum)
    Δ_j ← min(Δ_j, deltamax)
    θ_j ← θ_j - sign(g_j(t)) Δ_j

starting from Δ_j = delta0. As in MATLAB, a sign flip shrinks the step without undoing the last one.

Checkpoints (``checkpoint``, ``checkpoint_every``, ``resume``, ``stop``; see
:mod:`bpnn.core.record`) hold θ, J, the gradient, the steps Δ and the previous gradient as they
were, so a resumed run continues bit-identically.
"""

from __future__ import annotations

import numpy as np

from bpnn.core.network import Network
from bpnn.core.objective import LocalObjective
from bpnn.core.record import EpochRecorder
from bpnn.core.solvers.runner import full_batch_solver

Array = np.ndarray


@full_batch_solver("rprop")
def solve_rprop(network: Network, data: LocalObjective, record: EpochRecorder, saved: dict | None, *,
                max_iter: int = 1000, goal: float = 0.0, min_grad: float = 1e-5, max_fail: int = 6,
                time_limit: float = np.inf, delta0: float = 0.07, delt_inc: float = 1.2, delt_dec: float = 0.5,
                deltamax: float = 50.0) -> None:
    """Train ``network`` in place with Rprop; MATLAB trainrp's options and defaults (the common ones as in
    :func:`bpnn.core.solvers.lm.solve_lm`)."""
    if saved is None:
        theta = network.pack()
        J, grad = data.loss_and_grad(theta)
        step = np.full(network.n_params, delta0, dtype=network.dtype)
        previous = np.zeros_like(grad)
    else:  # as the run had them
        theta, J, grad = saved["theta"].copy(), saved["J"], saved["grad"].copy()
        step, previous = saved["step"].copy(), saved["previous"].copy()

    def state() -> dict:  # the variables a checkpoint holds, read when end_epoch saves one
        return {"theta": theta.copy(), "J": J, "grad": grad.copy(), "step": step.copy(), "previous": previous.copy()}

    for _ in range(max_iter):
        agreement = grad * previous
        step *= np.where(agreement > 0, delt_inc, np.where(agreement < 0, delt_dec, 1.0))  # Δ ← η± Δ
        np.minimum(step, deltamax, out=step)  # Δ ← min(Δ, deltamax)
        theta -= np.sign(grad) * step  # θ ← θ - sign(∂J/∂θ) Δ
        previous = grad
        J, grad = data.loss_and_grad(theta)
        network.unpack(theta)
        if record.end_epoch(network, J, gradient=float(np.linalg.norm(grad)), state=state):
            break
