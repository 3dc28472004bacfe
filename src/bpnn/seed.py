"""The seed text's two-layer BP network, in the seed's own notation.

Samples are columns, as in the text: ``x`` is ``(n_x, m)``, ``y`` is ``(n_y, m)`` (the seed has n_y = 1);
``w1`` is ``(n_h, n_x)``, ``b1`` ``(n_h, 1)``, ``w2`` ``(n_y, n_h)``, ``b2`` ``(n_y, 1)``. Both layers use
the sigmoid σ and the loss is cross-entropy (8-11), averaged over the m samples.

Where the code differs from the text (docs/seed.md tells each slip, the correction and why):

- z2 = w2 a1 + b2. The text prints ``z2 = w2 x + b2``; its next paragraph says z2 depends on w2, a1, b2.
- 8-14 dw2 = (1/m) dz2 a1ᵀ: the text has (1/m)(a2 - y) a1, without the transpose.
- 8-15 db2 = (1/m) Σ_i dz2: the text has a2 - y, without the 1/m and the sum over samples.
- 8-16 da1 = w2ᵀ dz2: the text has (a2 - y) w2, without the transpose.
- 8-17 dz1 = (w2ᵀ dz2) ⊙ σ'(z1): the text's (a2 - y) w2 σ'(z1) is this for one sample.
- 8-18 dw1 = (1/m) dz1 xᵀ: the text has (a2 - y) w2 σ'(z1) x, without the 1/m and the transpose.
- 8-19 db1 = (1/m) Σ_i dz1: the text has no 1/m and no sum.

The text's per-sample chain-rule products are right; its slips are in carrying them to a batch of m.
"""

from __future__ import annotations

import numpy as np

from bpnn.core.activations import sigmoid

Array = np.ndarray


class Record(dict):
    """A dict whose entries are also attributes: ``cache["a1"]`` is ``cache.a1``."""

    def __getattr__(self, name: str) -> Array:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class TwoLayerNet:
    """x → z1 = w1 x + b1 → a1 = σ(z1) → z2 = w2 a1 + b2 → a2 = σ(z2), trained by gradient descent."""

    def __init__(self, n_x: int, n_h: int, n_y: int = 1, seed: int | np.random.Generator | None = 0,
                 scale: float = 0.01, dtype: object = np.float64) -> None:
        rng = np.random.default_rng(seed)
        self.dtype = np.dtype(dtype)
        self.w1 = (rng.standard_normal((n_h, n_x)) * scale).astype(self.dtype)  # small random weights
        self.b1 = np.zeros((n_h, 1), dtype=self.dtype)
        self.w2 = (rng.standard_normal((n_y, n_h)) * scale).astype(self.dtype)
        self.b2 = np.zeros((n_y, 1), dtype=self.dtype)

    @property
    def params(self) -> Record:
        return Record(w1=self.w1, b1=self.b1, w2=self.w2, b2=self.b2)

    def check_x(self, x: Array) -> Array:
        """x as an array of the network's dtype, refused unless it is (n_x, m): samples are columns."""
        x = np.asarray(x, dtype=self.dtype)
        n_x = self.w1.shape[1]
        if x.ndim == 2 and x.shape[0] == n_x:
            return x
        if x.ndim == 2 and x.shape[1] == n_x:
            raise ValueError(f"x is {x.shape}, but samples are columns in the textbook's notation: x must be "
                             f"(n_x, m) = ({n_x}, m); pass X.T")
        hint = "; pass x.reshape(-1, 1) for one sample" if x.ndim == 1 and x.size == n_x else ""
        raise ValueError(f"x must be a 2-D array (n_x, m) = ({n_x}, m), one column per sample; got shape {x.shape}"
                         f"{hint}")

    def check_y(self, y: Array, m: int) -> Array:
        """y as an array of the network's dtype, refused unless it is (n_y, m) with labels in [0, 1]."""
        y = np.asarray(y, dtype=self.dtype)
        n_y = self.w2.shape[0]
        if y.shape != (n_y, m):
            if y.ndim == 1 and y.size == m and n_y == 1:
                raise ValueError(f"y is 1-D {y.shape}, but labels are a row (n_y, m) = (1, {m}), one column per "
                                 f"sample; pass y.reshape(1, -1)")
            if y.shape == (m, n_y):
                raise ValueError(f"y is {y.shape}, but samples are columns in the textbook's notation: y must be "
                                 f"(n_y, m) = ({n_y}, {m}); pass y.T")
            raise ValueError(f"y must be (n_y, m) = ({n_y}, {m}), one column per sample of x; got shape {y.shape}")
        outside = y[~((y >= 0) & (y <= 1))]
        if outside.size:
            raise ValueError(f"labels must lie in [0, 1] (0 or 1 for the cross-entropy 8-11, one sigmoid output per "
                             f"class); got {np.unique(outside)[:5].tolist()}")
        return y

    def forward(self, x: Array) -> Record:
        x = self.check_x(x)
        z1 = self.w1 @ x + self.b1  # z1 = w1 x + b1
        a1 = sigmoid(z1)  # a1 = σ(z1)
        z2 = self.w2 @ a1 + self.b2  # z2 = w2 a1 + b2   (the text prints w2 x: a slip)
        a2 = sigmoid(z2)  # a2 = σ(z2)
        return Record(z1=z1, a1=a1, z2=z2, a2=a2)

    @staticmethod
    def cost(a2: Array, y: Array) -> float:
        """J = (1/m) Σ_i L(y_i, a2_i), L(y, a) = -(y log a + (1-y) log(1-a))   (8-11). Takes the prediction a2
        (values in [0, 1]) and the labels y, both (n_y, m); anything else is refused."""
        a2, y = np.asarray(a2), np.asarray(y)
        if a2.shape != y.shape or a2.ndim != 2:
            raise ValueError(f"cost takes (a2, y): the prediction a2 = σ(z2) and the labels y, both (n_y, m); got "
                             f"shapes {a2.shape} and {y.shape}")
        if np.any((a2 < 0) | (a2 > 1)) or np.any((y < 0) | (y > 1)):
            raise ValueError("cost takes (a2, y): the prediction a2 = σ(z2) and the labels y, both with values in "
                             "[0, 1]; got values outside (pass forward(x).a2, not x or z2)")
        if not np.issubdtype(a2.dtype, np.floating):
            a2 = a2.astype(np.float64)
        eps = np.finfo(a2.dtype).eps
        a2 = np.clip(a2, eps, 1 - eps)  # a2 rounds to 0 or 1 when z2 saturates; log must stay finite
        m = y.shape[1]
        return float(-(y * np.log(a2) + (1 - y) * np.log(1 - a2)).sum() / m)

    def backward(self, x: Array, y: Array, cache: Record) -> Record:
        """Gradients of J in the seed's order da2, dz2, dw2, db2, da1, dz1, dw1, db1 (8-12 … 8-19)."""
        x = self.check_x(x)
        m = x.shape[1]
        y = self.check_y(y, m)
        a1, a2 = cache.a1, cache.a2
        grads = Record()
        grads["da2"] = -y / a2 + (1 - y) / (1 - a2)  # 8-12  da2 = -y/a2 + (1-y)/(1-a2), per sample
        grads["dz2"] = a2 - y  # 8-13  dz2 = a2 - y
        grads["dw2"] = grads.dz2 @ a1.T / m  # 8-14  dw2 = 1/m dz2 a1ᵀ
        grads["db2"] = grads.dz2.sum(axis=1, keepdims=True) / m  # 8-15  db2 = 1/m Σ dz2
        grads["da1"] = self.w2.T @ grads.dz2  # 8-16  da1 = w2ᵀ dz2
        grads["dz1"] = grads.da1 * a1 * (1 - a1)  # 8-17  dz1 = da1 ⊙ σ'(z1),  σ'(z1) = a1(1-a1)
        grads["dw1"] = grads.dz1 @ x.T / m  # 8-18  dw1 = 1/m dz1 xᵀ
        grads["db1"] = grads.dz1.sum(axis=1, keepdims=True) / m  # 8-19  db1 = 1/m Σ dz1
        return grads

    def update(self, grads: Record, learning_rate: float) -> None:
        self.w1 -= learning_rate * grads.dw1  # w1 ← w1 - α dw1
        self.b1 -= learning_rate * grads.db1  # b1 ← b1 - α db1
        self.w2 -= learning_rate * grads.dw2  # w2 ← w2 - α dw2
        self.b2 -= learning_rate * grads.db2  # b2 ← b2 - α db2

    def fit(self, x: Array, y: Array, learning_rate: float = 1.0, epochs: int = 1000,
            callback=None) -> list[float]:
        """Full-batch gradient descent; returns the cost before each update. ``callback(epoch, cost)``
        is called after each epoch (for progress displays)."""
        x = self.check_x(x)
        y = self.check_y(y, x.shape[1])
        history = []
        for epoch in range(epochs):
            cache = self.forward(x)
            history.append(self.cost(cache.a2, y))
            self.update(self.backward(x, y, cache), learning_rate)
            if callback is not None:
                callback(epoch, history[-1])
        return history

    def predict_proba(self, x: Array) -> Array:
        return self.forward(np.asarray(x, dtype=self.dtype)).a2

    def predict(self, x: Array) -> Array:
        """Class 1 where a2 > 0.5, else 0; shape (n_y, m)."""
        return (self.predict_proba(x) > 0.5).astype(int)
