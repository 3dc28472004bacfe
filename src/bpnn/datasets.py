"""Built-in 2-D data sets, generated (no download): samples are rows, labels are 0/1 (or 0..k-1).

Each generator takes ``n_samples``, ``noise`` and ``random_state`` and returns ``(X, y)`` with ``X`` of
shape ``(n, 2)`` float64 and ``y`` of shape ``(n,)`` int.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Array = np.ndarray


def xor(n_samples: int = 4, noise: float = 0.0, random_state: int | None = 0) -> tuple[Array, Array]:
    """The four XOR corners (repeated up to n_samples), label = x1 XOR x2."""
    rng = np.random.default_rng(random_state)
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    X = np.resize(corners, (n_samples, 2)) + noise * rng.standard_normal((n_samples, 2))
    y = np.resize(np.array([0, 1, 1, 0]), n_samples)
    return X, y


def moons(n_samples: int = 400, noise: float = 0.2, random_state: int | None = 0) -> tuple[Array, Array]:
    """Two interleaving half circles."""
    rng = np.random.default_rng(random_state)
    n_upper = n_samples // 2
    angle_upper = np.linspace(0, np.pi, n_upper)
    angle_lower = np.linspace(0, np.pi, n_samples - n_upper)
    X = np.vstack([np.column_stack([np.cos(angle_upper), np.sin(angle_upper)]),
                   np.column_stack([1 - np.cos(angle_lower), 0.5 - np.sin(angle_lower)])])
    y = np.r_[np.zeros(n_upper, int), np.ones(n_samples - n_upper, int)]
    X += noise * rng.standard_normal(X.shape)
    order = rng.permutation(n_samples)
    return X[order], y[order]


def circles(n_samples: int = 400, noise: float = 0.1, random_state: int | None = 0) -> tuple[Array, Array]:
    """A small circle inside a large one (radius 0.5 and 1)."""
    rng = np.random.default_rng(random_state)
    angle = rng.uniform(0, 2 * np.pi, n_samples)
    y = np.arange(n_samples) % 2
    radius = np.where(y == 1, 0.5, 1.0)
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)]) + noise * rng.standard_normal((n_samples, 2))
    return X, y


def spiral(n_samples: int = 400, noise: float = 0.2, random_state: int | None = 0, n_classes: int = 3) -> tuple[Array, Array]:
    """``n_classes`` interleaved spiral arms."""
    rng = np.random.default_rng(random_state)
    y = np.arange(n_samples) % n_classes
    radius = np.linspace(0.0, 1.0, n_samples)
    angle = y * (2 * np.pi / n_classes) + radius * 4 + noise * rng.standard_normal(n_samples)
    return np.column_stack([radius * np.sin(angle), radius * np.cos(angle)]), y


def flower(n_samples: int = 400, noise: float = 0.2, random_state: int | None = 0, petals: int = 4) -> tuple[Array, Array]:
    """The "flower": two classes on the petals of a rose curve r = a·sin(petals·θ), as in the classic
    planar-data exercise that introduces one-hidden-layer networks."""
    rng = np.random.default_rng(random_state)
    per_class = n_samples // 2
    X = np.zeros((2 * per_class, 2))
    y = np.zeros(2 * per_class, int)
    for label in (0, 1):
        rows = slice(label * per_class, (label + 1) * per_class)
        theta = np.linspace(label * 3.12, (label + 1) * 3.12, per_class) + noise * rng.standard_normal(per_class)
        radius = 4 * np.sin(petals * theta) + noise * rng.standard_normal(per_class)
        X[rows] = np.column_stack([radius * np.sin(theta), radius * np.cos(theta)])
        y[rows] = label
    return X, y



def narendra_plant(n_steps: int = 1000, random_state: int | None = 0) -> tuple[Array, Array]:
    """A nonlinear dynamic system for NARX networks (Narendra & Parthasarathy 1990): the series y and its input x,
    y_t = y_{t-1} y_{t-2} (y_{t-1} + 2.5) / (1 + y_{t-1}² + y_{t-2}²) + x_{t-1}, with x uniform on [-2, 2]."""
    x = np.random.default_rng(random_state).uniform(-2, 2, n_steps)
    y = np.zeros(n_steps)
    for t in range(2, n_steps):
        y[t] = y[t - 1] * y[t - 2] * (y[t - 1] + 2.5) / (1 + y[t - 1] ** 2 + y[t - 2] ** 2) + x[t - 1]
    return y, x

GENERATED: dict[str, Callable[..., tuple[Array, Array]]] = {
    "xor": xor, "moons": moons, "circles": circles, "spiral": spiral, "flower": flower,
}
