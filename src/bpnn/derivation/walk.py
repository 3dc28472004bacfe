"""One sample walked through the chain rule (``explain(..., sample=K)``, ``bpnn explain --sample K``).

For the sample in column K of the seed form, each product of 8-12 … 8-19 on a line of its own, its factors
written out in numbers: da2, σ′(z2) = a2(1 - a2), dz2 = da2·σ′(z2) (which is a2 - y: the heart of 8-13),
that sample's dw2 and db2, da1 = w2ᵀ dz2, σ′(z1) = a1 ⊙ (1 - a1), dz1 = da1 ⊙ σ′(z1), that sample's dw1 and
db1; then the batch average (1/m) Σ_i of the per-sample gradients, which is the trace's dw2, db2, dw1, db1.
Every number is computed here from the trace's own forward values and weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Array = np.ndarray


@dataclass
class WalkLine:
    number: str | None  # the textbook's formula number, "8-13"
    text: str  # the formula with its factors in numbers, plain text
    tex: str
    value: Array  # the result


@dataclass
class Walk:
    sample: int  # 1-based, as printed
    lines: list[WalkLine]
    average: list[WalkLine]  # (1/m) Σ_i of the per-sample gradients


def _n(value: float, digits: int) -> str:
    return f"{float(value) + 0.0:.{digits}g}"


def _vec(values: Array, digits: int) -> str:
    values = np.asarray(values).ravel()
    return _n(values[0], digits) if values.size == 1 else "[" + ", ".join(_n(v, digits) for v in values) + "]"


def _mat(values: Array, digits: int) -> str:
    values = np.atleast_2d(values)
    if values.shape[0] == 1:
        return _vec(values, digits)
    return "[" + "; ".join(", ".join(_n(v, digits) for v in row) for row in values) + "]"


def _tex(text: str) -> str:
    """The plain formula line in LaTeX math."""
    for a, b in (("σ′", r"\sigma'"), ("⊙", r"\odot "), ("·", r"\cdot "), ("ᵀ", r"^{\mathsf T}"), ("Σ_i", r"\sum_i "),
                 ("(i)", "^{(i)}"), ("e-", r"\mathrm{e}{-}"), ("e+", r"\mathrm{e}{+}"), ("[", r"\left["),
                 ("]", r"\right]"), (";", r";\;")):
        text = text.replace(a, b)
    for name in ("da2", "dz2", "dw2", "db2", "da1", "dz1", "dw1", "db1", "a2", "a1", "z2", "z1", "w2"):
        text = text.replace(name, f"{name[:-1]}_{name[-1]}")
    return text


def walk(values: dict, k: int, digits: int = 6) -> Walk:
    """The walk for sample ``k`` (1-based) from the seed form's values: x, y, a1, a2 (columns per sample), w2."""
    x, y, a1, a2, w2 = (np.asarray(values[name], dtype=np.float64) for name in ("x", "y", "a1", "a2", "w2"))
    m = x.shape[1]
    i = k - 1

    def line(number, text, value):
        return WalkLine(number, text, _tex(text), np.asarray(value, dtype=np.float64))

    def one(i: int, write: bool) -> tuple[dict, list[WalkLine]]:
        xi, yi, a1i, a2i = x[:, i], float(y[0, i]), a1[:, i], float(a2[0, i])
        with np.errstate(divide="ignore", invalid="ignore"):
            da2 = -yi / a2i + (1 - yi) / (1 - a2i)
        s2 = a2i * (1 - a2i)
        dz2 = a2i - yi  # 8-13: da2·σ′(z2) with the denominators cancelled (finite where da2 is not)
        dw2, db2 = dz2 * a1i, dz2
        da1 = w2[0] * dz2
        s1 = a1i * (1 - a1i)
        dz1 = da1 * s1
        dw1, db1 = np.outer(dz1, xi), dz1
        grads = dict(dw2=dw2[None, :], db2=np.array([[db2]]), dw1=dw1, db1=db1[:, None])
        if not write:
            return grads, []
        d = digits
        with np.errstate(invalid="ignore"):
            product = da2 * s2
        return grads, [
            line("8-12", f"da2 = -y/a2 + (1 - y)/(1 - a2) = -{_n(yi, d)}/{_n(a2i, d)} + {_n(1 - yi, d)}/{_n(1 - a2i, d)}"
                         f" = {_n(da2, d)}", da2),
            line(None, f"σ′(z2) = a2 (1 - a2) = {_n(a2i, d)} · {_n(1 - a2i, d)} = {_n(s2, d)}", s2),
            line("8-13", f"dz2 = da2 · σ′(z2) = {_n(da2, d)} · {_n(s2, d)} = {_n(product, d)} = a2 - y"
                         f" = {_n(a2i, d)} - {_n(yi, d)} = {_n(dz2, d)}", dz2),
            line("8-14", f"dw2(i) = dz2 a1ᵀ = {_n(dz2, d)} · {_vec(a1i, d)} = {_vec(dw2, d)}", dw2),
            line("8-15", f"db2(i) = dz2 = {_n(db2, d)}", db2),
            line("8-16", f"da1 = w2ᵀ dz2 = {_vec(w2[0], d)}ᵀ · {_n(dz2, d)} = {_vec(da1, d)}ᵀ", da1),
            line(None, f"σ′(z1) = a1 ⊙ (1 - a1) = {_vec(a1i, d)}ᵀ ⊙ {_vec(1 - a1i, d)}ᵀ = {_vec(s1, d)}ᵀ", s1),
            line("8-17", f"dz1 = da1 ⊙ σ′(z1) = {_vec(da1, d)}ᵀ ⊙ {_vec(s1, d)}ᵀ = {_vec(dz1, d)}ᵀ", dz1),
            line("8-18", f"dw1(i) = dz1 xᵀ = {_vec(dz1, d)}ᵀ · {_vec(xi, d)} = {_mat(dw1, d)}", dw1),
            line("8-19", f"db1(i) = dz1 = {_vec(db1, d)}ᵀ", db1),
        ]

    _, lines = one(i, True)
    per_sample = [one(j, False)[0] for j in range(m)]
    average = []
    for name, number in (("dw2", "8-14"), ("db2", "8-15"), ("dw1", "8-18"), ("db1", "8-19")):
        mean = sum(g[name] for g in per_sample) / m
        show = _mat(mean, digits) if mean.shape[1] > 1 else _vec(mean, digits) + ("ᵀ" if mean.shape[0] > 1 else "")
        average.append(line(number, f"{name} = (1/m) Σ_i {name}(i) = {show}", mean))
    return Walk(k, lines, average)
