"""Activation functions and their derivatives.

Conventions: ``z`` is a pre-activation array of any shape, ``a = f(z)``. ``df(z, a)`` returns g'(z);
it receives both so each activation can use whichever is cheaper (sigmoid and tanh use ``a``, relu and
elu use ``z``). Every function keeps the dtype of ``z``.

``ACTIVATIONS`` maps public names to :class:`Activation` records; scikit-learn's names are aliases
(``"logistic"`` for sigmoid). ``softmax`` is an output activation only: its Jacobian is not diagonal,
so it is used paired with categorical cross-entropy, where the output delta is ``a - y``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray

LEAKY_SLOPE = 0.01  # leaky_relu's slope for z < 0
ELU_ALPHA = 1.0  # elu's saturation value -alpha for z -> -inf


@dataclass(frozen=True)
class Activation:
    name: str
    f: Callable[[Array], Array]
    df: Callable[[Array, Array], Array] | None  # None: output-only (softmax)


def sigmoid(z: Array) -> Array:
    # σ(z) = 1 / (1 + e^-z) = (1 + tanh(z/2)) / 2; the tanh form never overflows for large |z|
    a = np.tanh(z * 0.5)
    a += 1
    a *= 0.5
    return a


def _sigmoid_df(z: Array, a: Array) -> Array:
    return a * (1 - a)  # σ'(z) = σ(z)(1 - σ(z))


def _tanh_df(z: Array, a: Array) -> Array:
    return 1 - a * a  # tanh'(z) = 1 - tanh²(z)


def _relu(z: Array) -> Array:
    return np.maximum(z, 0)  # relu(z) = max(z, 0)


def _relu_df(z: Array, a: Array) -> Array:
    return (z > 0).astype(z.dtype)  # relu'(z) = 1 if z > 0 else 0


def _leaky_relu(z: Array) -> Array:
    return np.where(z > 0, z, LEAKY_SLOPE * z)  # max(z, 0.01 z)


def _leaky_relu_df(z: Array, a: Array) -> Array:
    return np.where(z > 0, 1, LEAKY_SLOPE).astype(z.dtype)


def _elu(z: Array) -> Array:
    # elu(z) = z if z > 0 else α(e^z - 1); expm1 on min(z, 0) so e^z never overflows
    return np.where(z > 0, z, ELU_ALPHA * np.expm1(np.minimum(z, 0)))


def _elu_df(z: Array, a: Array) -> Array:
    return np.where(z > 0, 1, a + ELU_ALPHA).astype(z.dtype)  # elu'(z) = elu(z) + α for z <= 0


def softplus(z: Array) -> Array:
    # softplus(z) = log(1 + e^z) = max(z, 0) + log1p(e^-|z|), stable for any z
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def _softplus_df(z: Array, a: Array) -> Array:
    return sigmoid(z)  # softplus'(z) = σ(z)


def _identity(z: Array) -> Array:
    return z.copy()


def _identity_df(z: Array, a: Array) -> Array:
    return np.ones_like(z)


def softmax(z: Array) -> Array:
    """Row-wise softmax: samples are rows, classes are columns."""
    e = np.exp(z - z.max(axis=1, keepdims=True))  # shift by the row max: e^z never overflows
    e /= e.sum(axis=1, keepdims=True)
    return e


_RECORDS = [
    Activation("sigmoid", sigmoid, _sigmoid_df),
    Activation("tanh", np.tanh, _tanh_df),
    Activation("relu", _relu, _relu_df),
    Activation("leaky_relu", _leaky_relu, _leaky_relu_df),
    Activation("elu", _elu, _elu_df),
    Activation("softplus", softplus, _softplus_df),
    Activation("identity", _identity, _identity_df),
    Activation("softmax", softmax, None),
]
ACTIVATIONS: dict[str, Activation] = {record.name: record for record in _RECORDS}
ALIASES = {"logistic": "sigmoid", "linear": "identity", "tansig": "tanh", "logsig": "sigmoid", "purelin": "identity"}
HIDDEN_ACTIVATIONS = tuple(name for name, record in ACTIVATIONS.items() if record.df is not None)


def get_activation(name: str, *, hidden: bool = False) -> Activation:
    """Look an activation up by public name or alias; ``hidden=True`` refuses output-only ones."""
    key = ALIASES.get(name, name)
    valid = HIDDEN_ACTIVATIONS if hidden else tuple(ACTIVATIONS)
    if key not in valid:
        raise ValueError(
            f"unknown activation {name!r}; valid{' hidden' if hidden else ''} activations are "
            f"{', '.join(valid)} (aliases: {', '.join(ALIASES)})"
        )
    return ACTIVATIONS[key]
