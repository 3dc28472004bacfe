"""Levenberg–Marquardt (MATLAB's trainlm; Hagan & Menhaj 1994) on the packed parameter vector.

Conventions: as in :mod:`bpnn.core.network` and :mod:`bpnn.core.jacobian`. With the squared_error loss
(any output activation with an elementwise derivative) LM minimises

    F(θ) = ½ Σ_i s_i ‖a_i - y_i‖² + ½ α ‖W‖² = S·J        (S = Σ_i s_i; J the network's cost)

Each epoch builds, from the Jacobian J of the errors (summed, not averaged, as in MATLAB, so μ means what
it means there), H = JᵀJ + αD and g = Jᵀe + αDθ (D: 1 on weights, 0 on biases), then solves
(H + μI) Δ = -g. A step that lowers F is taken and μ ← μ·mu_dec; otherwise μ ← μ·mu_inc and the step is
retried, until μ passes mu_max ("maximum mu"; when H itself is singular or not finite, the message says so,
see :func:`singularity`). The gradient series logged is ‖g‖.

Checkpoints (``checkpoint``, ``checkpoint_every``, ``resume``, ``stop``; see
:mod:`bpnn.core.record`) hold θ, μ and F as they were, so a resumed run continues bit-identically.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from bpnn.core.network import Network
from bpnn.core.objective import LocalObjective
from bpnn.core.record import EpochRecorder
from bpnn.core.solvers.runner import full_batch_solver

Array = np.ndarray

MU_MIN = 1e-20  # μ never falls below this (MATLAB's floor)
# Above this many parameters an LM epoch (O(N·K·P²) for JᵀJ, O(P³) per solve, P² memory) costs more than
# the iterations it saves: near it LM and SCG were even, below it LM was faster (`python bench/bench_sin.py
# --scaling`; docs/bench.md has the measurements).
LM_MAX_PARAMS = 2000


def warn_if_large(network: Network, solver: str, stacklevel: int = 3) -> None:
    if network.n_params > LM_MAX_PARAMS:
        warnings.warn(f"solver {solver!r} on {network.n_params} parameters: each epoch costs O(P²) memory and O(P³) "
                      f"time, and above about {LM_MAX_PARAMS} parameters it is slower than the gradient solvers; "
                      f"use solver 'scg' or 'lbfgs' (or 'adam' for large data)", UserWarning, stacklevel=stacklevel)


def damped_solve(H: Array, g: Array, mu: float) -> Array | None:
    """Δ with (H + μI) Δ = -g; least squares when the matrix is singular; None when no finite Δ exists.

    An ill-conditioned system gives a poor Δ, which the caller's cost test rejects (and μ grows).
    """
    A = H.copy()
    A.flat[::A.shape[0] + 1] += mu  # H + μI
    try:
        delta = np.linalg.solve(A, -g)  # LU: one factorisation, cheaper than Cholesky plus two general solves
    except np.linalg.LinAlgError:  # exactly singular
        try:
            delta = np.linalg.lstsq(A, -g, rcond=None)[0]
        except np.linalg.LinAlgError:  # non-finite entries
            return None
    return delta if np.isfinite(delta @ delta) else None  # one dot product: finite exactly when every entry is


def singularity(H: Array) -> str:
    """Why no damped system could give a step, when H is to blame: a message naming it, else ""."""
    if not np.isfinite(H).all():
        return ("the Gauss–Newton matrix JᵀJ holds non-finite values (the network's outputs overflowed); "
                "scale the inputs and targets (scaling='mapminmax') or lower the initial weights")
    rank, size = np.linalg.matrix_rank(H), H.shape[0]
    if rank == size:
        return ""
    return (f"the Gauss–Newton matrix JᵀJ stayed singular (rank {rank} of {size} parameters) while mu rose past "
            f"its maximum: some weights do not affect the outputs (constant or duplicated inputs, saturated or "
            f"redundant hidden units); remove constant input columns, use fewer hidden units, or set alpha > 0")


def marquardt_step(theta: Array, H: Array, g: Array, objective: Callable[[Array], float], F: float, mu: float, *,
                   mu_dec: float, mu_inc: float, mu_max: float) -> tuple[Array, float, float, bool]:
    """One epoch's step: raise μ until ``objective(θ + Δ) < F``; returns (θ, F, μ, accepted).

    When no μ <= mu_max lowers the objective, θ and F come back unchanged and μ > mu_max.
    """
    while mu <= mu_max:
        delta = damped_solve(H, g, mu)
        if delta is not None:
            trial = theta + delta
            F_new = objective(trial)
            if F_new < F:  # NaN never passes
                return trial, F_new, max(mu * mu_dec, MU_MIN), True
        mu *= mu_inc
    return theta, F, mu, False


@full_batch_solver("lm", squared_error_only=True, check=lambda network, alpha: warn_if_large(network, "lm", stacklevel=4))
def solve_lm(network: Network, data: LocalObjective, record: EpochRecorder, saved: dict | None, *, alpha: float,
             max_iter: int = 1000, goal: float = 0.0, mu: float = 0.001, mu_dec: float = 0.1, mu_inc: float = 10.0,
             mu_max: float = 1e10, min_grad: float = 1e-7, max_fail: int = 6, time_limit: float = np.inf,
             chunk_rows: int | None = None) -> None:
    """Train ``network`` in place with Levenberg–Marquardt; MATLAB trainlm's options and defaults.

    ``max_iter`` is MATLAB's ``epochs``, ``time_limit`` its ``time`` (seconds); ``goal`` is compared with
    the mean squared error. ``test=(X_test, Y_test)`` is measured each epoch, never trained on.
    ``chunk_rows`` bounds the rows whose Jacobian is held at once. ``objective`` (e.g. a
    :class:`bpnn.distributed.DaskObjective`) replaces X, Y and sample_weight as the source of the sums.
    The common keywords: see :mod:`bpnn.core.solvers.runner`.
    """
    decay = alpha * network.weight_mask().astype(np.float64)  # αD: the L2 penalty on weights only

    def penalised(theta: Array) -> float:
        return 0.5 * data.sum_squared_errors(theta) + 0.5 * float(decay @ theta**2)  # F = ½ sse + ½ α‖W‖²

    theta = network.pack().astype(np.float64) if saved is None else np.array(saved["theta"], dtype=np.float64)
    system = data.gauss_newton(theta)
    g = system.JTe + decay * theta  # g = Jᵀe + αDθ
    F = 0.5 * system.sse + 0.5 * float(decay @ theta**2) if saved is None else saved["F"]  # saved: as the run had it
    mu = mu if saved is None else saved["mu"]
    with np.errstate(over="ignore", invalid="ignore"):  # an overflowing trial step is rejected, not warned
        for _ in range(max_iter):
            H = system.JTJ + np.diag(decay) if alpha else system.JTJ  # H = JᵀJ + αD
            theta, F, mu, accepted = marquardt_step(theta, H, g, penalised, F, mu, mu_dec=mu_dec, mu_inc=mu_inc,
                                                    mu_max=mu_max)
            if accepted:
                system = data.gauss_newton(theta)
                g = system.JTe + decay * theta  # g = Jᵀe + αDθ
            network.unpack(theta)
            if record.end_epoch(network, F / data.total_weight, gradient=float(np.sqrt(g @ g)), maximum_mu=not accepted,
                                singular="" if accepted else singularity(H),
                                state=lambda theta=theta, mu=mu, F=F: {"theta": theta.copy(), "mu": mu, "F": F}, mu=mu):
                break
