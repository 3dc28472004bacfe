"""L-BFGS (SciPy's L-BFGS-B, without bounds) on the packed parameter vector.

Conventions: as in :mod:`bpnn.core.network`; any loss (only J and ∇J are used, from ``objective`` when given,
e.g. a :class:`bpnn.distributed.DaskObjective`, else from X and Y in memory). SciPy works in
float64: θ is cast to the network's dtype for every evaluation and J, ∇J are handed back in float64. One
epoch is one L-BFGS iteration (one accepted step after its line search; a line search may evaluate J several
times). From the last ``memory`` pairs s_k = θ_{k+1} - θ_k, y_k = ∇J_{k+1} - ∇J_k, the two-loop recursion
gives the direction d = -H_k ∇J_k with H_k ≈ (∇²J)⁻¹ (Nocedal & Wright, Algorithm 7.4).

Stop reasons (``history.stop_reason``, the shared ones of :mod:`bpnn.core.record` where they fit):
"minimum gradient" (max_j |∂J/∂θ_j| <= tol), "no improvement" (the relative drop of J fell below SciPy's
ftol), "maximum epochs" (max_iter iterations), "maximum function evaluations" (max_fun evaluations of J),
"line search failed", and those of the record (validation stop, callback, …).
"""

from __future__ import annotations

import numpy as np

from bpnn.core.network import Network
from bpnn.core.objective import LocalObjective
from bpnn.core.record import EpochRecorder
from bpnn.core.solvers.runner import full_batch_solver

Array = np.ndarray


@full_batch_solver("lbfgs", resumable=False)
def solve_lbfgs(network: Network, data: LocalObjective, record: EpochRecorder, saved: None, *, max_iter: int = 200,
                tol: float = 1e-4, ftol: float = 2.220446049250313e-09, max_fun: int = 15000, memory: int = 10) -> None:
    """Train ``network`` in place with L-BFGS. SciPy's options: ``tol`` is gtol, ``ftol`` the relative drop of J
    below which it stops (its default), ``max_fun`` maxfun, ``memory`` maxcor. ``test=(X_test, Y_test)`` is
    measured each epoch, never trained on."""
    from scipy.optimize import minimize

    last = {"theta": None, "gradient": 0.0, "stopped": False}  # SciPy's iterate is its last line-search point

    def loss_and_grad(theta: Array) -> tuple[float, Array]:
        J, g = data.loss_and_grad(theta)
        last["theta"], last["gradient"] = theta.copy(), float(np.linalg.norm(g))
        return J, g.astype(np.float64)

    def end_iteration(intermediate_result: object) -> None:
        theta = intermediate_result.x
        if not np.array_equal(theta, last["theta"]):
            loss_and_grad(theta)
        network.unpack(theta)
        if record.end_epoch(network, float(intermediate_result.fun), gradient=last["gradient"]):
            last["stopped"] = True
            raise StopIteration  # SciPy ends the run and returns this iterate

    with np.errstate(over="ignore", invalid="ignore"):  # a line-search trial that overflows is rejected, not warned
        result = minimize(loss_and_grad, network.pack().astype(np.float64), jac=True, method="L-BFGS-B",
                          callback=end_iteration, options={"maxiter": max_iter, "maxfun": max_fun, "gtol": tol,
                                                           "ftol": ftol, "maxcor": memory})
    network.unpack(result.x)
    if not last["stopped"]:
        record.concluded(*_stop_reason(result, max_iter))


def _stop_reason(result: object, max_iter: int) -> tuple[str, str]:
    """SciPy's ending, as (stop reason, message)."""
    message = f"L-BFGS-B after {result.nit} iterations and {result.nfev} evaluations: {result.message}"
    if result.status == 0:
        return ("minimum gradient" if "GRADIENT" in result.message else "no improvement"), message
    if result.status == 1:
        return ("maximum epochs" if result.nit >= max_iter else "maximum function evaluations"), message
    return "line search failed", message
