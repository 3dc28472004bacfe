"""Bayesian regularization (MATLAB's trainbr; MacKay 1992, Foresee & Hagan 1997) on top of Levenberg–Marquardt.

Conventions: as in :mod:`bpnn.core.solvers.lm`. With E_D = Σ_i s_i ‖a_i - y_i‖² (sum of squared errors),
E_W = ‖θ‖² (all weights and biases, as in MATLAB) and N = K·Σ_i s_i error terms, each epoch takes one LM
step on

    F(θ) = β E_D + α E_W

that is (βJᵀJ + (μ + α) I) Δ = -(βJᵀe + αθ), and then re-estimates, at the new point,

    γ = P - α tr((βJᵀJ + αI)⁻¹) = Σ_j βλ_j / (βλ_j + α)     (λ_j: eigenvalues of JᵀJ; effective parameters)
    α = γ / (2 E_W)
    β = (N - γ) / (2 E_D)

starting from γ = P. γ, α, β and E_W are logged per epoch ("gamma", "alpha", "beta", "ssw"); the loss
recorded is the data cost J = E_D / (2S). As in MATLAB, ``max_fail`` defaults to 0: no validation stop
(validation data, if given, is only measured).

Checkpoints (``checkpoint``, ``checkpoint_every``, ``resume``, ``stop``; see
:mod:`bpnn.core.record`) hold θ, μ, F, α, β, γ, E_D and E_W as they were, so a resumed run
continues bit-identically.
"""

from __future__ import annotations

import numpy as np

from bpnn.core.network import Network
from bpnn.core.objective import LocalObjective
from bpnn.core.record import EpochRecorder
from bpnn.core.solvers.lm import marquardt_step, warn_if_large
from bpnn.core.solvers.runner import full_batch_solver

Array = np.ndarray


def effective_parameters(JTJ: Array, alpha: float, beta: float) -> float:
    """γ = Σ_j βλ_j / (βλ_j + α), λ_j the eigenvalues of JᵀJ (= P - α tr((βJᵀJ + αI)⁻¹))."""
    curvature = beta * np.clip(np.linalg.eigvalsh(JTJ), 0.0, None)  # βλ_j; JᵀJ is positive semi-definite
    denominator = curvature + alpha
    return float(np.sum(np.divide(curvature, denominator, out=np.zeros_like(curvature), where=denominator > 0)))


def no_fixed_penalty(network: Network, alpha: float) -> None:
    """BR estimates its own regularisation: refuse a fixed ``alpha``; warn on networks too large for LM."""
    if alpha:
        raise ValueError(f"solver 'br' estimates its own regularisation each epoch, so alpha must be 0; got {alpha!r}. "
                         f"Use solver 'lm' for a fixed L2 penalty.")
    warn_if_large(network, "br", stacklevel=4)


@full_batch_solver("br", squared_error_only=True, check=no_fixed_penalty)
def solve_br(network: Network, data: LocalObjective, record: EpochRecorder, saved: dict | None, *,
             max_iter: int = 1000, goal: float = 0.0, mu: float = 0.005, mu_dec: float = 0.1, mu_inc: float = 10.0,
             mu_max: float = 1e10, min_grad: float = 1e-7, max_fail: int = 0, time_limit: float = np.inf,
             chunk_rows: int | None = None) -> None:
    """Train ``network`` in place with Bayesian regularization; MATLAB trainbr's options and defaults.

    The regularisation is estimated, so ``alpha`` (a fixed L2 penalty) must be 0. Other options as in
    :func:`bpnn.core.solvers.lm.solve_lm`.
    """
    n_errors = data.total_weight * network.layer_sizes[-1]  # N = K Σ s_i
    n_params = network.n_params  # P
    theta = network.pack().astype(np.float64) if saved is None else np.array(saved["theta"], dtype=np.float64)
    system = data.gauss_newton(theta)
    if saved is None:
        E_D, E_W = system.sse, float(theta @ theta)
        gamma = float(n_params)  # γ = P before the first estimate
        beta = (n_errors - gamma) / (2 * E_D) if E_D > 0 else 1.0  # β = (N - γ) / (2 E_D)
        beta = beta if beta > 0 else 1.0  # fewer error terms than parameters: start from β = 1
        alpha_w = gamma / (2 * E_W) if E_W > 0 else 1.0  # α = γ / (2 E_W)
    else:  # as the run had them
        mu, E_D, E_W, gamma, beta, alpha_w = (saved[name] for name in ("mu", "E_D", "E_W", "gamma", "beta", "alpha"))

    def regularised(theta: Array) -> float:
        return beta * data.sum_squared_errors(theta) + alpha_w * float(theta @ theta)  # F = β E_D + α E_W

    F = beta * E_D + alpha_w * E_W if saved is None else saved["F"]
    g = beta * system.JTe + alpha_w * theta  # ½∇F = βJᵀe + αθ

    def state() -> dict:  # the variables a checkpoint holds, read when end_epoch saves one
        return {"theta": theta.copy(), "mu": mu, "F": F, "E_D": E_D, "E_W": E_W, "gamma": gamma, "beta": beta,
                "alpha": alpha_w}

    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(max_iter):
            H = beta * system.JTJ + alpha_w * np.eye(n_params)  # ½∇²F ≈ βJᵀJ + αI
            theta, F, mu, accepted = marquardt_step(theta, H, g, regularised, F, mu, mu_dec=mu_dec, mu_inc=mu_inc,
                                                    mu_max=mu_max)
            if accepted:
                system = data.gauss_newton(theta)
                E_D, E_W = system.sse, float(theta @ theta)
                gamma = effective_parameters(system.JTJ, alpha_w, beta)
                alpha_w = gamma / (2 * E_W) if E_W > 0 else 1.0  # α = γ / (2 E_W)
                beta = (n_errors - gamma) / (2 * E_D) if E_D > 0 else 1.0  # β = (N - γ) / (2 E_D)
                F = beta * E_D + alpha_w * E_W
                g = beta * system.JTe + alpha_w * theta
            network.unpack(theta)
            if record.end_epoch(network, E_D / (2 * data.total_weight), gradient=float(np.sqrt(g @ g)),
                                maximum_mu=not accepted, state=state, mu=mu, gamma=gamma, alpha=alpha_w, beta=beta,
                                ssw=E_W):
                break
