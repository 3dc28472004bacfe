"""Numerical gradient check: central differences against backpropagation.

For every parameter θ_j: g_num = (J(θ + h e_j) - J(θ - h e_j)) / 2h. The relative error of each parameter
array is ‖g - g_num‖ / max(‖g‖ + ‖g_num‖, tiny), reported per array (W[1], b[1], …) and overall.
Use float64: in float32 the differences are dominated by rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpnn.core.losses import Loss
from bpnn.core.network import Network

Array = np.ndarray


@dataclass
class GradCheck:
    analytic: Array
    numeric: Array
    errors: dict  # name ("W[1]", "b[1]", …) -> relative error
    max_error: float

    def passed(self, tolerance: float = 1e-7) -> bool:
        return self.max_error < tolerance


def relative_error(analytic: Array, numeric: Array) -> float:
    scale = np.linalg.norm(analytic) + np.linalg.norm(numeric)
    return float(np.linalg.norm(analytic - numeric) / max(scale, np.finfo(float).tiny))


def numerical_gradient(network: Network, X: Array, Y: Array, loss: Loss | str, sample_weight: Array | None = None,
                       alpha: float = 0.0, step: float = 1e-6) -> Array:
    """Central-difference estimate of dJ/dθ, one parameter at a time (restores the parameters)."""
    numeric = np.empty(network.n_params, dtype=np.float64)
    for j in range(network.n_params):
        saved = network.params[j]
        network.params[j] = saved + step
        plus = network.cost(network.forward(X), Y, loss, sample_weight, alpha)
        network.params[j] = saved - step
        minus = network.cost(network.forward(X), Y, loss, sample_weight, alpha)
        network.params[j] = saved
        numeric[j] = (plus - minus) / (2 * step)  # dJ/dθ_j ≈ (J(θ+h) - J(θ-h)) / 2h
    return numeric


def gradcheck(network: Network, X: Array, Y: Array, loss: Loss | str, sample_weight: Array | None = None,
              alpha: float = 0.0, step: float = 1e-6) -> GradCheck:
    """Compare backprop with central differences, per parameter array."""
    _, analytic = network.loss_and_grad(X, Y, loss, sample_weight, alpha)
    numeric = numerical_gradient(network, X, Y, loss, sample_weight, alpha, step)
    errors = {}
    analytic_W, analytic_b = network.split(analytic)
    numeric_W, numeric_b = network.split(numeric)
    for l in range(network.n_layers):
        errors[f"W[{l + 1}]"] = relative_error(analytic_W[l], numeric_W[l])
        errors[f"b[{l + 1}]"] = relative_error(analytic_b[l], numeric_b[l])
    return GradCheck(analytic, numeric, errors, max(errors.values()))
