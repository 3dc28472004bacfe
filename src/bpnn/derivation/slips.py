"""The textbook's slips computed: each gradient the slipped way beside the batch form, and the gradient check.

``explain(..., slip=NAME)`` attaches a :class:`Slip` to the seed-form trace. For each quantity the slip
changes it holds the slipped formula, its value (or, where the product is undefined, the two shapes that do
not line up), the batch form's value, and, where the shape is right, the relative error against the numerical
gradient with what the check allows (:func:`bpnn.core.gradcheck.gradcheck` with the slipped gradient as the
analytic one). A slipped value with the wrong shape is refused by the check before any number is compared.

- ``no-1/m``: dw2 = dz2 a1ᵀ, db2 = Σ_i dz2_i, dw1 = dz1 xᵀ, db1 = Σ_i dz1_i: m times the gradient of J.
- ``no-transpose``: dw2 = (1/m) dz2 a1, dw1 = (1/m) dz1 x: defined only when m = n_h (m = n_x), then wrong.
- ``z2-from-x``: z2 = w2 x + b2 as printed: defined only when n_h = n_x; then the output ignores the hidden
  layer, dw2 = (1/m) dz2 xᵀ, and w1, b1 get no gradient.
- ``no-sum``: db2 = (1/m) dz2, db1 = (1/m) dz1: one column per sample; b ← b - α db broadcasts b into a matrix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bpnn.core.activations import sigmoid
from bpnn.core.gradcheck import GradCheck, Verdict, gradcheck
from bpnn.derivation.formulas import Formula

Array = np.ndarray

SLIPS = ("no-1/m", "no-transpose", "z2-from-x", "no-sum")
NUMBERS = {"dw2": "8-14", "db2": "8-15", "dw1": "8-18", "db1": "8-19"}
PARAMETERS = {"dw2": "w2", "db2": "b2", "dw1": "w1", "db1": "b1", "z2": "z2", "a2": "a2"}
KEYS = {"dw1": "W[1]", "db1": "b[1]", "dw2": "W[2]", "db2": "b[2]"}
T = r"^{\mathsf T}"


@dataclass
class SlipQuantity:
    name: str  # "dw2"
    formula: Formula  # the slipped form
    correct: Array  # the batch form's value
    value: Array | None = None  # the slipped value; None where the product is undefined
    undefined: tuple | None = None  # (left shape, right shape) of a product whose inner sizes differ
    relative_error: float | None = None  # against the numerical gradient, where the shape is right
    tolerance: float | None = None

    @property
    def wrong_shape(self) -> bool:
        return self.value is not None and self.value.shape != self.correct.shape


@dataclass
class Slip:
    name: str
    quantities: list[SlipQuantity]
    check: GradCheck | None = None  # the check of the slipped gradient (slipped arrays of the right shape)
    failing: list[str] = field(default_factory=list)  # gradients whose numbers the check refuses

    @property
    def broken(self) -> list[str]:
        """Quantities whose slipped form is undefined or has the wrong shape."""
        return [q.name for q in self.quantities if q.undefined is not None or q.wrong_shape]

    @property
    def caught(self) -> bool:
        return bool(self.failing or self.broken)


def _product(left: Array, right: Array) -> tuple[Array | None, tuple | None]:
    """left @ right, or the two shapes where the inner sizes differ."""
    if left.shape[1] != right.shape[0]:
        return None, (left.shape, right.shape)
    return left @ right, None


def slipped(name: str, net, x: Array, y: Array, cache: dict, grads: dict) -> list[SlipQuantity]:
    """The quantities ``name`` changes, computed its way at the network's weights (TwoLayerNet ``net``)."""
    m = x.shape[1]
    rows: list[SlipQuantity] = []
    if name == "no-1/m":
        for q, value, text, tex in (
                ("dw2", grads["dz2"] @ cache["a1"].T, "dw2 = dz2 a1ᵀ", rf"dw_2 = dz_2\, a_1{T}"),
                ("db2", grads["dz2"].sum(axis=1, keepdims=True), "db2 = Σ_i dz2_i", r"db_2 = \sum_{i=1}^{m} dz_2^{(i)}"),
                ("dw1", grads["dz1"] @ x.T, "dw1 = dz1 xᵀ", rf"dw_1 = dz_1\, x{T}"),
                ("db1", grads["dz1"].sum(axis=1, keepdims=True), "db1 = Σ_i dz1_i", r"db_1 = \sum_{i=1}^{m} dz_1^{(i)}")):
            rows.append(SlipQuantity(q, Formula(NUMBERS[q], text, tex), grads[q], value))
    elif name == "no-transpose":
        for q, left, right, text, tex in (
                ("dw2", grads["dz2"], cache["a1"], "dw2 = (1/m) dz2 a1", r"dw_2 = \frac{1}{m}\, dz_2\, a_1"),
                ("dw1", grads["dz1"], x, "dw1 = (1/m) dz1 x", r"dw_1 = \frac{1}{m}\, dz_1\, x")):
            value, undefined = _product(left, right)
            rows.append(SlipQuantity(q, Formula(NUMBERS[q], text, tex), grads[q],
                                     None if value is None else value / m, undefined))
    elif name == "z2-from-x":
        z2, undefined = _product(net.w2, x)
        rows.append(SlipQuantity("z2", Formula(None, "z2 = w2 x + b2", r"z_2 = w_2 x + b_2"), cache["z2"],
                                 None if z2 is None else z2 + net.b2, undefined))
        if z2 is not None:
            a2 = sigmoid(z2 + net.b2)
            dz2 = a2 - y
            rows.append(SlipQuantity("a2", Formula(None, "a2 = σ(w2 x + b2)", r"a_2 = \sigma(w_2 x + b_2)"),
                                     cache["a2"], a2))
            for q, value, text, tex in (
                    ("dw2", dz2 @ x.T / m, "dw2 = (1/m) dz2 xᵀ", rf"dw_2 = \frac{{1}}{{m}}\, dz_2\, x{T}"),
                    ("db2", dz2.sum(axis=1, keepdims=True) / m, "db2 = (1/m) Σ_i dz2_i",
                     r"db_2 = \frac{1}{m}\sum_{i=1}^{m} dz_2^{(i)}"),
                    ("dw1", np.zeros_like(grads["dw1"]), "dw1 = 0 (z2 no longer depends on w1)", r"dw_1 = 0"),
                    ("db1", np.zeros_like(grads["db1"]), "db1 = 0 (z2 no longer depends on b1)", r"db_1 = 0")):
                rows.append(SlipQuantity(q, Formula(NUMBERS[q], text, tex), grads[q], value))
    elif name == "no-sum":
        for q, dz, text, tex in (("db2", grads["dz2"], "db2 = (1/m) dz2", r"db_2 = \frac{1}{m}\, dz_2"),
                                 ("db1", grads["dz1"], "db1 = (1/m) dz1", r"db_1 = \frac{1}{m}\, dz_1")):
            rows.append(SlipQuantity(q, Formula(NUMBERS[q], text, tex), grads[q], dz / m))
    else:
        raise ValueError(f"unknown slip {name!r}; choose one of {', '.join(SLIPS)}")
    return rows


def compute_slip(name: str, net, x: Array, y: Array, cache: dict, grads: dict, twin, X: Array, Y: Array,
                 to_flat) -> Slip:
    """The slip's quantities and the gradient check of its gradient: the core's check (on ``twin``, the core
    network with the same weights) with the slipped arrays of the right shape as the analytic gradient;
    ``to_flat`` lays seed-form gradients out as the core's flat vector."""
    rows = slipped(name, net, x, y, cache, grads)
    usable = {q.name: q.value for q in rows if q.name in KEYS and q.value is not None and not q.wrong_shape}
    slip = Slip(name, rows)
    if usable:
        slip.check = gradcheck(twin, X, Y, "binary_cross_entropy", analytic=to_flat(twin, {**grads, **usable}))
        for q in rows:
            if q.name in usable:
                key = KEYS[q.name]
                q.relative_error, q.tolerance = slip.check.errors[key], slip.check.tolerances[key]
        slip.failing = [q.name for q in rows if q.name in usable and slip.check.verdicts[KEYS[q.name]] is Verdict.DISAGREE]
    return slip
