"""Activation functions and their derivatives.

Conventions: ``z`` is a pre-activation array of any shape, ``a = f(z)``. ``df(z, a)`` returns g'(z);
it receives both so each activation can use whichever is cheaper (sigmoid, tanh and elu use ``a``, relu
uses ``z``). Every function keeps the dtype of ``z``.

Both take an optional ``out`` array of ``z``'s shape and dtype: the result is written into it and it is
returned, so the training loop reuses one buffer per layer instead of allocating every step. Without
``out`` they return a fresh array. ``f``'s ``out`` must not be ``z``; ``df``'s may be ``z`` (the training
loop writes g'(Z) over Z, which it needs no more) but not ``a``.

``ACTIVATIONS`` maps public names to :class:`Activation` records; scikit-learn's names are aliases
(``"logistic"`` for sigmoid). ``softmax`` is an output activation only: its Jacobian is not diagonal,
so it is used paired with categorical cross-entropy, where the output delta is ``a - y``; ``exp`` is output-only
too, the Poisson loss's natural output (delta ``a - y`` again).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray

LEAKY_SLOPE = 0.01  # leaky_relu's slope for z < 0
ZEROS_MAX = 1 << 20  # largest pre-activation (elements) relu compares against a cached array of zeros
ELU_ALPHA = 1.0  # elu's saturation value -alpha for z -> -inf


@dataclass(frozen=True)
class Activation:
    name: str
    f: Callable[..., Array]  # f(z, out=None) -> g(z)
    df: Callable[..., Array] | None  # df(z, a, out=None) -> g'(z); None: output-only (softmax)


def _buffer(z: Array, out: Array | None) -> Array:
    """``out`` when the caller gave a buffer to reuse, else a fresh array like ``z``."""
    return np.empty_like(z) if out is None else out


def sigmoid(z: Array, out: Array | None = None) -> Array:
    # σ(z) = 1 / (1 + e^-z), within 2 ulp of the exact value for every z. Below z = -log(max float) e^-z overflows to inf
    # and σ to exactly 0, the correctly rounded value, so that overflow is expected and not warned about.
    # (The form (1 + tanh(z/2)) / 2 never overflows, but for z < 0 it cancels: it made σ(-40) 0 instead of
    # 4.2e-18 in float32 and erred by 3e-4 relative near z = -30 in float64, and np.tanh is slower than
    # np.exp in float64; docs/bench.md has the measurements.)
    with np.errstate(over="ignore"):
        a = np.negative(z, out=out)
        np.exp(a, out=a)  # e^-z
    a += 1
    return np.reciprocal(a, out=a)


def _sigmoid_df(z: Array, a: Array, out: Array | None = None) -> Array:
    d = np.subtract(1, a, out=out)
    d *= a  # σ'(z) = σ(z)(1 - σ(z))
    return d


def _tanh_df(z: Array, a: Array, out: Array | None = None) -> Array:
    d = np.multiply(a, a, out=out)
    np.subtract(1, d, out=d)  # tanh'(z) = 1 - tanh²(z)
    return d


def _relu(z: Array, out: Array | None = None) -> Array:
    # against an array of zeros: NumPy's maximum with two arrays runs about twice as fast as with the scalar 0
    # (W3's 64x128 hidden layer: 4.6 -> 2.2 us in float64, 4.0 -> 1.4 us in float32)
    zero = _zeros(z.shape, z.dtype) if z.size <= ZEROS_MAX else 0
    return np.maximum(z, zero, out=out)  # relu(z) = max(z, 0)


@functools.lru_cache(maxsize=8)
def _zeros(shape: tuple, dtype: np.dtype) -> Array:
    """A read-only array of zeros, one per shape: a training step's layers ask for the same few shapes."""
    zeros = np.zeros(shape, dtype=dtype)
    zeros.flags.writeable = False
    return zeros


def _relu_df(z: Array, a: Array, out: Array | None = None) -> Array:
    return np.greater(z, 0, out=_buffer(z, out))  # relu'(z) = 1 if z > 0 else 0


def _leaky_relu(z: Array, out: Array | None = None) -> Array:
    a = np.multiply(z, LEAKY_SLOPE, out=out)
    return np.maximum(z, a, out=a)  # max(z, 0.01 z)


def _leaky_relu_df(z: Array, a: Array, out: Array | None = None) -> Array:
    d = np.greater(z, 0, out=_buffer(z, out))  # 1 if z > 0 else 0.01
    d *= 1 - LEAKY_SLOPE
    d += LEAKY_SLOPE
    return d


def _elu(z: Array, out: Array | None = None) -> Array:
    # elu(z) = z if z > 0 else α(e^z - 1) = max(z, 0) + α expm1(min(z, 0)); e^z never overflows
    positive = np.maximum(z, 0)
    a = np.minimum(z, 0, out=out)
    np.expm1(a, out=a)
    a *= ELU_ALPHA
    a += positive
    return a


def _elu_df(z: Array, a: Array, out: Array | None = None) -> Array:
    d = np.add(a, ELU_ALPHA, out=out)  # elu'(z) = elu(z) + α for z <= 0
    d[a > 0] = 1  # and 1 for z > 0 (where a = z > 0)
    return d


def softplus(z: Array, out: Array | None = None) -> Array:
    return np.logaddexp(0, z, out=out)  # softplus(z) = log(1 + e^z), evaluated stably for any z


def _softplus_df(z: Array, a: Array, out: Array | None = None) -> Array:
    return sigmoid(z, out=out)  # softplus'(z) = σ(z)


def _identity(z: Array, out: Array | None = None) -> Array:
    if out is None:
        return z.copy()
    np.copyto(out, z)
    return out


def _identity_df(z: Array, a: Array, out: Array | None = None) -> Array:
    d = _buffer(z, out)
    d.fill(1)
    return d


def _exp(z: Array, out: Array | None = None) -> Array:
    return np.exp(z, out=out)  # the Poisson loss's output: a positive mean rate


def softmax(z: Array, out: Array | None = None) -> Array:
    """Row-wise softmax: samples are rows, classes are columns. Each row is shifted by its mean before the
    exponential, or by its maximum where that overflows (see :func:`shifted_exp`)."""
    e = _buffer(z, out)
    with np.errstate(over="ignore"):  # an overflow here only means that the row maxima are needed
        sums = shifted_exp(z, row_means(z), e, e)
    if not np.isfinite(sums).all():
        sums = shifted_exp(z, row_maxima(z), e, e)
    e /= sums  # softmax(z)_k = e^(z_k - c) / Σ_j e^(z_j - c), for any shift c
    return e


def shifted_exp(z: Array, center: Array, shifted: Array, e: Array) -> Array:
    """e^(z - c) into ``e`` (z - c into ``shifted``, which may be ``e``) for the (m, 1) column of shifts c, and
    the row sums S_i = Σ_k e^(z_ik - c_i) returned.

    Why the mean: any shift gives the same softmax up to rounding, and the row mean is one BLAS product where
    the row maximum is a reduction along short rows, about five times as long on a training step's few
    classes (W3's 64x10 output: 3.4 -> 0.6 us). With the mean, e^(z - c) <= 1 no longer holds: a row reaching
    more than log(largest float) above its mean (709 in float64, 88 in float32) overflows, S_i is infinite,
    and the callers shift that step by the row maxima instead, with which it cannot. Below, the largest term is
    >= 1 with either shift, so S_i never underflows to 0."""
    np.subtract(z, center, out=shifted)  # z - c
    np.exp(shifted, out=e)  # e^(z - c)
    return row_sums(e)  # S_i = Σ_k e^(z_ik - c_i)


def row_means(z: Array) -> Array:
    """The (m, 1) column of row means, by one BLAS product."""
    return row_sums(z, scale=1.0 / z.shape[1])


def row_maxima(z: Array) -> Array:
    """The (m, 1) column of row maxima."""
    return np.maximum.reduce(z, axis=1, keepdims=True)


def row_sums(a: Array, out: Array | None = None, scale: float = 1.0) -> Array:
    """``scale`` · Σ_k a_ik as an (m, 1) column, by a product with a column of ``scale``s: on short rows (a few
    classes) one BLAS call is faster than ``a.sum(axis=1)`` (W3's 64x10 output: about 2.5 -> 1.8 us);
    ``scale=1/n`` gives the row means."""
    return np.dot(a, _constant_column(a.shape[1], a.dtype, scale), out=out)


@functools.lru_cache(maxsize=8)
def _constant_column(n: int, dtype: np.dtype, value: float) -> Array:
    column = np.full((n, 1), value, dtype=dtype)
    column.flags.writeable = False
    return column


_RECORDS = [
    Activation("sigmoid", sigmoid, _sigmoid_df),
    Activation("tanh", np.tanh, _tanh_df),
    Activation("relu", _relu, _relu_df),
    Activation("leaky_relu", _leaky_relu, _leaky_relu_df),
    Activation("elu", _elu, _elu_df),
    Activation("softplus", softplus, _softplus_df),
    Activation("identity", _identity, _identity_df),
    Activation("softmax", softmax, None),
    Activation("exp", _exp, None),  # output-only, paired with the poisson loss (dL/dz = a - y)
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
