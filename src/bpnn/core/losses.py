"""Loss functions, per sample, and the output delta dZ[L].

Conventions: samples are rows. ``y``, ``z`` and ``a`` are ``(m, n_out)``; ``value`` returns the per-sample
loss ``(m,)``, summed over output units. The cost is the weighted mean J = Σ_i w_i L_i (w_i = 1/m
without sample weights).

Each loss has a canonical output activation (sigmoid for binary cross-entropy, softmax for categorical
cross-entropy, identity for squared error, exp for the Poisson loss). With it the loss is evaluated from ``z`` (stable when the
output saturates: log σ(z) = -softplus(-z)), helped by ``a = g(z)`` where that saves work, and the output
delta is dL/dz = a - y (seed 8-13). With any other output activation the loss is evaluated from ``a`` and
the delta is dL/da ⊙ g'(z).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bpnn.core.activations import Activation, row_maxima, row_means, shifted_exp, softplus

Array = np.ndarray


@dataclass(frozen=True)
class Loss:
    name: str
    canonical_output: str
    value_from_z: Callable[[Array, Array, Array], Array]  # (y, z, a) -> (m,), with the canonical output (a = g(z))
    value_from_a: Callable[[Array, Array], Array]  # (y, a) -> (m,), used with other outputs
    grad_a: Callable[[Array, Array], Array]  # (y, a) -> dL/da, used with other outputs


def _clip_probability(a: Array) -> Array:
    eps = np.finfo(a.dtype).eps
    return np.clip(a, eps, 1 - eps)


def _bce_canonical(y: Array, z: Array, a: Array) -> Array:
    # L = -(y log σ(z) + (1-y) log(1-σ(z))) = softplus(z) - y z      (8-11, written in z)
    per_unit = softplus(z)
    per_unit -= y * z
    return per_unit.sum(axis=1)


def _bce_from_a(y: Array, a: Array) -> Array:
    a = _clip_probability(a)
    return -(y * np.log(a) + (1 - y) * np.log1p(-a)).sum(axis=1)  # L = -(y log a + (1-y) log(1-a))  (8-11)


def _bce_grad_a(y: Array, a: Array) -> Array:
    a = _clip_probability(a)
    return -y / a + (1 - y) / (1 - a)  # dL/da = -y/a + (1-y)/(1-a)  (8-12)


def _cce_canonical(y: Array, z: Array, a: Array) -> Array:
    # L = -Σ_k y_k log softmax(z)_k = Σ_k y_k (lse - z_k),  lse = log Σ_k e^z_k
    # lse = max_k z_k - log max_k a_k: a = softmax(z) is largest where z is, and that entry (>= 1/n_out)
    # never underflows, so lse is exact and needs no second pass of exponentials
    log_sum_exp = z.max(axis=1, keepdims=True)
    log_sum_exp -= np.log(a.max(axis=1, keepdims=True))
    per_unit = np.subtract(log_sum_exp, z)
    per_unit *= y
    return per_unit.sum(axis=1)


def _cce_from_a(y: Array, a: Array) -> Array:
    return -(y * np.log(_clip_probability(a))).sum(axis=1)  # L = -Σ_k y_k log a_k


def _cce_grad_a(y: Array, a: Array) -> Array:
    return -y / _clip_probability(a)  # dL/da_k = -y_k / a_k


def _squared_value(y: Array, a: Array) -> Array:
    diff = a - y
    return 0.5 * (diff * diff).sum(axis=1)  # L = 1/2 Σ_k (a_k - y_k)²


def _squared_canonical(y: Array, z: Array, a: Array) -> Array:
    return _squared_value(y, a)  # the identity output: a = z


def _squared_grad_a(y: Array, a: Array) -> Array:
    return a - y  # dL/da = a - y


def _xlogy(y: Array, value: Array) -> Array:
    return np.where(y > 0, y * np.log(np.where(y > 0, value, 1)), 0.0)  # y log(value), 0 where y = 0


def _poisson_canonical(y: Array, z: Array, a: Array) -> Array:
    # half the Poisson deviance, scikit-learn's: L = Σ_k (a_k - y_k z_k + y_k log y_k - y_k), a = e^z
    return (a - y * z + _xlogy(y, y) - y).sum(axis=1)


def _poisson_from_a(y: Array, a: Array) -> Array:
    a = np.maximum(a, np.finfo(a.dtype).tiny)
    return (a - _xlogy(y, a) + _xlogy(y, y) - y).sum(axis=1)  # L = Σ_k (a_k - y_k log a_k + y_k log y_k - y_k)


def _poisson_grad_a(y: Array, a: Array) -> Array:
    return 1 - y / np.maximum(a, np.finfo(a.dtype).tiny)  # dL/da = 1 - y/a


_RECORDS = [
    Loss("binary_cross_entropy", "sigmoid", _bce_canonical, _bce_from_a, _bce_grad_a),
    Loss("categorical_cross_entropy", "softmax", _cce_canonical, _cce_from_a, _cce_grad_a),
    Loss("squared_error", "identity", _squared_canonical, _squared_value, _squared_grad_a),
    Loss("poisson", "exp", _poisson_canonical, _poisson_from_a, _poisson_grad_a),  # counts and rates, y >= 0
]
LOSSES: dict[str, Loss] = {record.name: record for record in _RECORDS}
ALIASES = {"cross_entropy": "binary_cross_entropy", "log_loss": "binary_cross_entropy", "bce": "binary_cross_entropy",
           "cce": "categorical_cross_entropy", "mse": "squared_error", "squared_loss": "squared_error"}


def get_loss(name: str) -> Loss:
    """Look a loss up by public name or alias; unknown names list the valid ones."""
    key = ALIASES.get(name, name)
    if key not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; valid losses are {', '.join(LOSSES)} (aliases: {', '.join(ALIASES)})")
    return LOSSES[key]


def check_pairing(loss: Loss, output: Activation) -> None:
    """Refuse an output activation whose Jacobian backprop cannot use with this loss."""
    if output.df is None and output.name != loss.canonical_output:
        raise ValueError(f"output activation {output.name!r} works only with the "
                         f"{ {'softmax': 'categorical_cross_entropy', 'exp': 'poisson'}.get(output.name, output.name)} loss; "
                         f"got {loss.name!r}")


def per_sample_loss(loss: Loss, output: Activation, y: Array, z: Array, a: Array) -> Array:
    """L_i for each sample, stable from ``z`` when the output is the loss's canonical one."""
    if output.name == loss.canonical_output:
        return loss.value_from_z(y, z, a)
    return loss.value_from_a(y, a)


def softmax_cross_entropy(z: Array, y: Array, w: Array | float, a: Array, shifted: Array) -> float:
    """The softmax / cross-entropy output of a training step in one pass: A = softmax(Z) written into ``a``,
    and Σ_i w_i L_i returned (``w`` the scalar 1/m or a column of weights). The loss reuses the row shifts
    and sums of the softmax, which ``softmax`` followed by ``per_sample_loss`` compute twice. ``shifted``
    (z's shape) is scratch. Plain formulas: A = softmax(Z); L_i = Σ_k y_ik (lse_i - z_ik), lse_i = log Σ_k e^z_ik.

    Rows are shifted by their means, as :func:`~bpnn.core.activations.softmax` does, so A is the very same;
    where that overflows (see :func:`~bpnn.core.activations.shifted_exp`) the loss comes out infinite or NaN,
    and the step is redone with the row maxima. The training loop calls it under ``np.errstate(over="ignore",
    invalid="ignore")``; elsewhere that overflow also shows as a RuntimeWarning.
    """
    data_term = _softmax_cross_entropy(z, y, w, a, shifted, row_means(z))
    if math.isfinite(data_term):
        return data_term
    return _softmax_cross_entropy(z, y, w, a, shifted, row_maxima(z))


def _softmax_cross_entropy(z: Array, y: Array, w: Array | float, a: Array, shifted: Array, center: Array) -> float:
    """:func:`softmax_cross_entropy` with the rows shifted by ``center``, an (m, 1) column."""
    sums = shifted_exp(z, center, shifted, a)  # S_i = Σ_k e^(z_ik - c_i)
    a /= sums  # A = softmax(Z)
    log_sums = np.log(sums, out=sums)  # lse_i - c_i = log S_i
    per_unit = np.subtract(log_sums, shifted, out=shifted)  # lse_i - z_ik
    if isinstance(w, float):
        return float(np.vdot(per_unit, y)) * w  # Σ_i w L_i = w Σ_ik y_ik (lse_i - z_ik)
    per_unit *= w
    return float(np.vdot(per_unit, y))  # Σ_i w_i L_i = Σ_ik w_i y_ik (lse_i - z_ik)


def output_delta(loss: Loss, output: Activation, y: Array, z: Array, a: Array, out: Array | None = None) -> Array:
    """dL/dz[L] per sample (not yet weighted by w_i), written into ``out`` when given."""
    if output.name == loss.canonical_output:
        return np.subtract(a, y, out=out)  # dZ[L] = A[L] - Y   (8-13: σ'(z) cancels against dL/da)
    return np.multiply(loss.grad_a(y, a), output.df(z, a), out=out)  # dZ[L] = dL/dA ⊙ g'(Z[L])
