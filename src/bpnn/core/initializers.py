"""Weight initialisers, as a registry of small frozen records.

Conventions: a layer maps ``n_in`` units to ``n_out`` units with ``W`` of shape ``(n_in, n_out)`` and
``b`` of shape ``(n_out,)`` (samples are rows, Z = A_prev W + b), so column j of ``W`` is the input weight
vector of unit j. Each initialiser draws ``W`` from the given ``numpy.random.Generator``; biases start at
zero unless the record draws them too (Nguyen–Widrow spreads them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray

RELU_FAMILY = ("relu", "leaky_relu", "elu")
NGUYEN_WIDROW_FACTOR = 0.7  # Nguyen & Widrow (1990), MATLAB's initnw


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


def nguyen_widrow_scale(n_in: int, n_out: int) -> float:
    """β = 0.7 · H^(1/N) for H units fed by N inputs in [-1, 1]."""
    return NGUYEN_WIDROW_FACTOR * n_out ** (1.0 / n_in)  # β = 0.7 H^(1/N)


def nguyen_widrow(rng: np.random.Generator, n_in: int, n_out: int) -> tuple[Array, Array]:
    """Nguyen–Widrow (MATLAB's initnw): each unit's input weight vector gets a random direction and the norm β,
    and the biases are spread evenly over [-β, β], so that the units' active regions tile the input cube
    [-1, 1]^N instead of piling up at its centre."""
    beta = nguyen_widrow_scale(n_in, n_out)
    direction = rng.uniform(-1.0, 1.0, size=(n_in, n_out))
    W = beta * direction / np.linalg.norm(direction, axis=0)  # w_j = β d_j / ‖d_j‖, so ‖w_j‖ = β
    spread = np.linspace(-1.0, 1.0, n_out) if n_out > 1 else np.zeros(1)
    b = beta * spread * np.sign(W[0])  # b_j = β · (evenly spaced in [-1, 1]) · sign(w_1j)
    return W, b


@dataclass(frozen=True)
class Initializer:
    """How one layer's parameters start: ``weights(rng, n_in, n_out) -> W`` with zero biases, or ``layer(rng,
    n_in, n_out) -> (W, b)``; ``output`` names the initialiser of the output layer when it differs (Nguyen–Widrow
    is defined for bounded hidden units, the linear or softmax output takes Glorot)."""

    name: str
    weights: Callable[[np.random.Generator, int, int], Array] | None = None
    layer: Callable[[np.random.Generator, int, int], tuple[Array, Array]] | None = None
    output: str | None = None

    def draw(self, rng: np.random.Generator, n_in: int, n_out: int) -> tuple[Array, Array]:
        if self.layer is not None:
            return self.layer(rng, n_in, n_out)
        return self.weights(rng, n_in, n_out), np.zeros(n_out)


INITIALIZERS: dict[str, Initializer] = {record.name: record for record in (
    Initializer("glorot_uniform", glorot_uniform),
    Initializer("glorot_normal", glorot_normal),
    Initializer("he_uniform", he_uniform),
    Initializer("he_normal", he_normal),
    Initializer("small_normal", small_normal),
    Initializer("nguyen_widrow", layer=nguyen_widrow, output="glorot_uniform"),
)}
ALIASES = {"xavier_uniform": "glorot_uniform", "xavier_normal": "glorot_normal", "he": "he_normal", "initnw": "nguyen_widrow"}
INITIALIZER_NAMES = ("auto", *INITIALIZERS, *ALIASES)


def get_initializer(name: str, activation: str) -> Initializer:
    """``"auto"`` picks He for the relu family and Glorot otherwise; unknown names list the valid ones."""
    if name == "auto":
        name = "he_uniform" if activation in RELU_FAMILY else "glorot_uniform"
    key = ALIASES.get(name, name)
    if key not in INITIALIZERS:
        raise ValueError(f"unknown initializer {name!r}; valid initializers are auto, {', '.join(INITIALIZERS)} "
                         f"(aliases: {', '.join(ALIASES)})")
    return INITIALIZERS[key]
