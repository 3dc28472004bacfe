"""Weight initialisers.

Conventions: a layer maps ``n_in`` units to ``n_out`` units with ``W`` of shape ``(n_in, n_out)`` and
``b`` of shape ``(n_out,)`` (samples are rows, Z = A_prev W + b). Each initialiser draws ``W`` from the
given ``numpy.random.Generator`` in the requested dtype; biases start at zero.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Array = np.ndarray
Initializer = Callable[[np.random.Generator, int, int], Array]

RELU_FAMILY = ("relu", "leaky_relu", "elu")


def glorot_uniform(rng: np.random.Generator, n_in: int, n_out: int) -> Array:
    limit = np.sqrt(6.0 / (n_in + n_out))  # U(-√(6/(n_in+n_out)), +√(6/(n_in+n_out)))
    return rng.uniform(-limit, limit, size=(n_in, n_out))


def glorot_normal(rng: np.random.Generator, n_in: int, n_out: int) -> Array:
    return rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), size=(n_in, n_out))  # N(0, 2/(n_in+n_out))


def he_uniform(rng: np.random.Generator, n_in: int, n_out: int) -> Array:
    limit = np.sqrt(6.0 / n_in)  # U(-√(6/n_in), +√(6/n_in))
    return rng.uniform(-limit, limit, size=(n_in, n_out))


def he_normal(rng: np.random.Generator, n_in: int, n_out: int) -> Array:
    return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))  # N(0, 2/n_in)


def small_normal(rng: np.random.Generator, n_in: int, n_out: int) -> Array:
    return rng.normal(0.0, 0.01, size=(n_in, n_out))  # the textbook's w = 0.01 · randn


INITIALIZERS: dict[str, Initializer] = {
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
    "small_normal": small_normal,
}
ALIASES = {"xavier_uniform": "glorot_uniform", "xavier_normal": "glorot_normal", "he": "he_normal"}


def get_initializer(name: str, activation: str) -> Initializer:
    """``"auto"`` picks He for the relu family and Glorot otherwise; unknown names list the valid ones."""
    if name == "auto":
        name = "he_uniform" if activation in RELU_FAMILY else "glorot_uniform"
    key = ALIASES.get(name, name)
    if key not in INITIALIZERS:
        raise ValueError(f"unknown initializer {name!r}; valid initializers are auto, {', '.join(INITIALIZERS)} "
                         f"(aliases: {', '.join(ALIASES)})")
    return INITIALIZERS[key]
