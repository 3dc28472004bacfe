"""Scaled conjugate gradient (MATLAB's trainscg; Møller 1993) on the packed parameter vector.

Conventions: as in :mod:`bpnn.core.network`; any loss (only ``loss_and_grad`` is used); E(θ) is the cost J.
SCG is conjugate gradient without a line search: the curvature along the direction p comes from one extra
gradient, and a Levenberg–Marquardt-like scale λ keeps it positive. With r = -∇E(θ), each iteration:

    s = (∇E(θ + σ_k p) - ∇E(θ)) / σ_k,  σ_k = sigma / ‖p‖      (s ≈ Hp; only after a successful step)
    δ = pᵀs + (λ - λ̄) ‖p‖²                                       (scaled curvature)
    if δ <= 0:  λ̄ = 2(λ - δ/‖p‖²);  δ = -δ + λ‖p‖²;  λ = λ̄       (make it positive)
    μ = pᵀr;  a = μ / δ                                             (step size)
    Δ = 2δ (E(θ) - E(θ + a p)) / μ²                                 (model agreement)
    Δ >= 0: θ ← θ + a p; r ← -∇E(θ); λ̄ = 0; p ← r + β p, β = (‖r‖² - rᵀr_old) / μ,
            restarting p ← r every P iterations; λ ← λ/4 when Δ >= 0.75
    Δ < 0:  λ̄ = λ (the step is refused)
    Δ < 0.25: λ ← λ + δ (1 - Δ) / ‖p‖²

starting from p = r, λ = lambda_ (MATLAB's ``lambda``, a Python keyword), λ̄ = 0.

Checkpoints (``checkpoint``, ``checkpoint_every``, ``resume``, ``stop``; see
:mod:`bpnn.core.record`) hold θ, E, r, p, λ, λ̄, δ, the success flag and the iteration count (the
restart clock) as they were, so a resumed run continues bit-identically.
"""

from __future__ import annotations

import numpy as np

from bpnn.core.network import Network
from bpnn.core.objective import LocalObjective
from bpnn.core.record import EpochRecorder
from bpnn.core.solvers.runner import full_batch_solver

Array = np.ndarray


@full_batch_solver("scg")
def solve_scg(network: Network, data: LocalObjective, record: EpochRecorder, saved: dict | None, *,
              max_iter: int = 1000, goal: float = 0.0, min_grad: float = 1e-6, max_fail: int = 6,
              time_limit: float = np.inf, sigma: float = 5e-5, lambda_: float = 5e-7) -> None:
    """Train ``network`` in place with scaled conjugate gradient; MATLAB trainscg's options and defaults."""

    def gradient_at(theta: Array) -> Array:
        return np.asarray(data.loss_and_grad(theta)[1], dtype=np.float64)

    if saved is None:
        theta = network.pack().astype(np.float64)
        E, grad = data.loss_and_grad(theta)
        r = -np.asarray(grad, dtype=np.float64)
        p = r.copy()
        lam, lam_bar, success, delta, start = lambda_, 0.0, True, 0.0, 0
    else:  # as the run had them
        theta, r, p = saved["theta"].copy(), saved["r"].copy(), saved["p"].copy()
        E, lam, lam_bar, success, delta, start = (saved[name] for name in ("E", "lam", "lam_bar", "success", "delta",
                                                                            "iteration"))

    def state() -> dict:  # the variables a checkpoint holds, read when end_epoch saves one
        return {"theta": theta.copy(), "E": E, "r": r.copy(), "p": p.copy(), "lam": lam, "lam_bar": lam_bar,
                "success": success, "delta": delta, "iteration": k + 1}

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # a refused step is handled, not warned
        for k in range(start, start + max_iter):
            p2 = float(p @ p)
            mu = float(p @ r)
            if p2 > 0 and mu != 0:
                if success:
                    sigma_k = sigma / np.sqrt(p2)
                    s = (gradient_at(theta + sigma_k * p) + r) / sigma_k  # s ≈ Hp
                    delta = float(p @ s)
                delta += (lam - lam_bar) * p2  # δ ← δ + (λ - λ̄)‖p‖²
                if delta <= 0:  # make the curvature positive
                    lam_bar = 2 * (lam - delta / p2)
                    delta = -delta + lam * p2
                    lam = lam_bar
                step = mu / delta  # a = μ / δ
                E_new = data.cost(theta + step * p)
                agreement = 2 * delta * (E - E_new) / mu**2  # Δ = 2δ(E(θ) - E(θ + a p)) / μ²
                agreement = agreement if np.isfinite(agreement) else -1.0  # a non-finite cost is a refused step
                if agreement >= 0:
                    theta = theta + step * p
                    E, r_old = E_new, r
                    r = -gradient_at(theta)
                    lam_bar, success = 0.0, True
                    beta = (r @ r - r @ r_old) / mu  # β = (‖r‖² - rᵀr_old) / μ
                    p = r.copy() if (k + 1) % theta.shape[0] == 0 else r + beta * p  # restart every P iterations
                    if agreement >= 0.75:
                        lam *= 0.25
                else:
                    lam_bar, success = lam, False
                if agreement < 0.25:
                    lam += delta * (1 - agreement) / p2  # λ ← λ + δ(1 - Δ)/‖p‖²
            else:  # p is zero or orthogonal to r: restart along the steepest descent
                p, success = r.copy(), True
            network.unpack(theta)
            if record.end_epoch(network, E, gradient=float(np.linalg.norm(r)), state=state):
                break
