"""The formulas of the explain trace: the seed's, as it prints them and as a batch computes them, and the
general layer-indexed ones.

Each :class:`Formula` holds the batch form that is computed (plain text and LaTeX) and, in the seed form, the
seed's printed form where that differs. Where the printed form is wrong for a batch of m samples (z2 and
8-14 … 8-19) ``slip`` is set, and :data:`bpnn.derivation.words.REASONS` says why (docs/seed.md tells the
whole story).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Formula:
    """How a quantity is computed and, in the seed form, how the seed prints it."""

    number: str | None  # the seed's formula number, "8-14"; None where the seed numbers none
    text: str  # the batch form computed, plain text
    tex: str
    seed_text: str | None = None  # as the seed prints it, where that differs from ``text``
    seed_tex: str | None = None
    slip: bool = False  # the seed's printed form is wrong for a batch; ``REASONS`` says why



# The seed's LaTeX is quoted as printed (without \tag); the text forms transcribe it.
_CHAIN_2 = r"\frac{\partial L}{\partial a_2}\frac{\partial a_2}{\partial Z_2}"
_CHAIN_1 = _CHAIN_2 + r"\frac{\partial Z_2}{\partial a_1} \frac{\partial a_1}{\partial Z_1}"
_TEXT_CHAIN_2 = "∂L/∂a2 · ∂a2/∂Z2"
_TEXT_CHAIN_1 = _TEXT_CHAIN_2 + " · ∂Z2/∂a1 · ∂a1/∂Z1"
T = r"^{\mathsf T}"

SEED_FORMULAS: dict[str, Formula] = {
    "z1": Formula(None, "z1 = w1 x + b1", r"z_1 = w_1 x + b_1"),
    "a1": Formula(None, "a1 = σ(z1),  σ(z) = 1 / (1 + e^-z)", r"a_1 = \sigma(z_1), \quad \sigma(z) = \frac{1}{1 + e^{-z}}"),
    "z2": Formula(None, "z2 = w2 a1 + b2", r"z_2 = w_2 a_1 + b_2", "z2 = w2 x + b2", r"z_2 = w_2 x + b_2", slip=True),
    "a2": Formula(None, "a2 = σ(z2)", r"a_2 = \sigma(z_2)"),
    "L": Formula("8-11", "L(y, a) = -(y log a + (1 - y) log(1 - a))", r"L(y, a) = -(y \log a + (1 - y) \log (1 - a))"),
    "J": Formula(None, "J = (1/m) Σ_i L(y_i, a2_i)", r"J = \frac{1}{m}\sum_{i=1}^{m} L(y_i, a_{2,i})"),
    "da2": Formula("8-12", "da2 = -y/a2 + (1 - y)/(1 - a2)", r"da_2 = -\frac{y}{a_2} + \frac{1-y}{1-a_2}",
                   "∂L/∂a2 = d/da2 L(a2, y) = (-y log a2 - (1 - y) log(1 - a2))′ = -y/a2 + (1 - y)/(1 - a2)",
                   r"\frac{\partial L}{\partial a_2} = \frac{d}{da_2}L(a_2, y) = (-y\log a_2 - (1-y)\log(1-a_2))'"
                   r" = -\frac{y}{a_2}+ \frac{1-y}{1-a_2}"),
    "σ′(z2)": Formula(None, "σ′(z2) = a2 ⊙ (1 - a2)", r"\sigma'(z_2) = a_2 \odot (1 - a_2)"),
    "dz2": Formula("8-13", "dz2 = a2 - y", r"dz_2 = a_2 - y",
                   f"∂L/∂Z2 = {_TEXT_CHAIN_2} = a2 - y",
                   rf"\frac{{\partial L}}{{\partial Z_2}} = {_CHAIN_2} = a_2 - y"),
    "dw2": Formula("8-14", "dw2 = (1/m) dz2 a1ᵀ", rf"dw_2 = \frac{{1}}{{m}}\, dz_2\, a_1{T}",
                   f"∂L/∂w2 = {_TEXT_CHAIN_2} · ∂Z2/∂w2 = (1/m) ∂L/∂Z2 a1 = (1/m)(a2 - y) a1",
                   rf"\frac{{\partial L}}{{\partial w_2}} = {_CHAIN_2}\frac{{\partial Z_2}}{{\partial w_2}}"
                   r" = \frac{1}{m}\frac{\partial L}{\partial Z_2} a_1= \frac{1}{m}(a_2 - y)a_1", slip=True),
    "db2": Formula("8-15", "db2 = (1/m) Σ_i dz2_i", r"db_2 = \frac{1}{m}\sum_{i=1}^{m} dz_2^{(i)}",
                   f"∂L/∂b2 = {_TEXT_CHAIN_2} · ∂Z2/∂b2 = ∂L/∂Z2 = a2 - y",
                   rf"\frac{{\partial L}}{{\partial b_2}} = {_CHAIN_2}\frac{{\partial Z_2}}{{\partial b_2}}"
                   r" = \frac{\partial L}{\partial Z_2} = a_2 - y", slip=True),
    "da1": Formula("8-16", "da1 = w2ᵀ dz2", rf"da_1 = w_2{T}\, dz_2",
                   f"∂L/∂a1 = {_TEXT_CHAIN_2} · ∂Z2/∂a1 = (a2 - y) w2",
                   rf"\frac{{\partial L}}{{\partial a_1}} = {_CHAIN_2}\frac{{\partial Z_2}}{{\partial a_1}} = (a_2 - y)w_2",
                   slip=True),
    "σ′(z1)": Formula(None, "σ′(z1) = a1 ⊙ (1 - a1)", r"\sigma'(z_1) = a_1 \odot (1 - a_1)"),
    "dz1": Formula("8-17", "dz1 = da1 ⊙ σ′(z1),  σ′(z1) = a1 ⊙ (1 - a1)",
                   r"dz_1 = da_1 \odot \sigma'(z_1), \quad \sigma'(z_1) = a_1 \odot (1 - a_1)",
                   f"∂L/∂Z1 = {_TEXT_CHAIN_1} = (a2 - y) w2 σ′(Z1)",
                   rf"\frac{{\partial L}}{{\partial Z_1}} = {_CHAIN_1} = (a_2 - y)w_2\sigma'(Z_1)", slip=True),
    "dw1": Formula("8-18", "dw1 = (1/m) dz1 xᵀ", rf"dw_1 = \frac{{1}}{{m}}\, dz_1\, x{T}",
                   f"∂L/∂w1 = {_TEXT_CHAIN_1} · ∂Z1/∂w1 = (a2 - y) w2 σ′(Z1) x",
                   rf"\frac{{\partial L}}{{\partial w_1}} = {_CHAIN_1}\frac{{\partial Z_1}}{{\partial w_1}}"
                   r" = (a_2 - y)w_2\sigma'(Z_1)x", slip=True),
    "db1": Formula("8-19", "db1 = (1/m) Σ_i dz1_i", r"db_1 = \frac{1}{m}\sum_{i=1}^{m} dz_1^{(i)}",
                   f"∂L/∂b1 = {_TEXT_CHAIN_1} · ∂Z1/∂b1 = (a2 - y) w2 σ′(Z1)",
                   rf"\frac{{\partial L}}{{\partial b_1}} = {_CHAIN_1}\frac{{\partial Z_1}}{{\partial b_1}}"
                   r" = (a_2 - y)w_2\sigma'(Z_1)", slip=True),
}


def layer_formulas(l: int, L: int, activation: str, layout: str = "rows") -> dict[str, Formula]:
    """The general, layer-indexed formulas for layer l of L, by kind: samples as rows (the core's Z[l], W[l] of
    shape (n[l-1], n[l])) or, ``layout="columns"``, as the textbook writes them (z_l, w_l of shape (n[l], n[l-1]))."""
    if layout == "columns":
        return _column_formulas(l, L, activation)
    (g_text, g_tex), (g_name, g_name_tex) = _activation_symbols(l, L, activation)
    derivative, derivative_tex = _chain_step(activation, (g_text, g_tex), (f"dZ[{l}]", f"dA[{l}]", f"Z[{l}]", f"A[{l}]"),
                                             (rf"dZ^{{[{l}]}}", rf"dA^{{[{l}]}}", rf"Z^{{[{l}]}}", rf"A^{{[{l}]}}"))
    return {
        "Z": Formula(None, f"Z[{l}] = A[{l - 1}] W[{l}] + b[{l}]", rf"Z^{{[{l}]}} = A^{{[{l - 1}]}} W^{{[{l}]}} + b^{{[{l}]}}"),
        "A": Formula(None, f"A[{l}] = {g_name}(Z[{l}])", rf"A^{{[{l}]}} = {g_name_tex}(Z^{{[{l}]}})"),
        "L": Formula("8-11", f"L_i = -(Y_i log A[{L}]_i + (1 - Y_i) log(1 - A[{L}]_i))",
                     rf"L_i = -(Y_i \log A^{{[{L}]}}_i + (1 - Y_i) \log (1 - A^{{[{L}]}}_i))"),
        "J": Formula(None, "J = (1/m) Σ_i L_i", r"J = \frac{1}{m}\sum_{i=1}^{m} L_i"),
        "dA_out": Formula("8-12", f"dA[{L}] = -Y/A[{L}] + (1 - Y)/(1 - A[{L}])",
                          rf"dA^{{[{L}]}} = -\frac{{Y}}{{A^{{[{L}]}}}} + \frac{{1-Y}}{{1-A^{{[{L}]}}}}"),
        "dZ_out": Formula("8-13", f"dZ[{L}] = A[{L}] - Y", rf"dZ^{{[{L}]}} = A^{{[{L}]}} - Y"),
        "dW": Formula("8-14" if l == L else "8-18", f"dW[{l}] = (1/m) A[{l - 1}]ᵀ dZ[{l}]",
                      rf"dW^{{[{l}]}} = \frac{{1}}{{m}}\, A^{{[{l - 1}]\mathsf T}} dZ^{{[{l}]}}"),
        "db": Formula("8-15" if l == L else "8-19", f"db[{l}] = (1/m) Σ_i dZ[{l}]_i",
                      rf"db^{{[{l}]}} = \frac{{1}}{{m}}\sum_{{i=1}}^{{m}} dZ^{{[{l}]}}_i"),
        "dA": Formula("8-16", f"dA[{l}] = dZ[{l + 1}] W[{l + 1}]ᵀ", rf"dA^{{[{l}]}} = dZ^{{[{l + 1}]}} W^{{[{l + 1}]\mathsf T}}"),
        "dZ": Formula("8-17", derivative, derivative_tex),
    }


def _activation_symbols(l: int, L: int, activation: str) -> tuple[tuple[str, str], tuple[str, str]]:
    """(text, LaTeX) of the hidden activation g, and of layer l's own (the output layer's is always σ)."""
    g = ("σ", r"\sigma") if activation == "sigmoid" else (activation, rf"\operatorname{{{activation}}}")
    return g, (("σ", r"\sigma") if l == L else g)


def _chain_step(activation: str, g: tuple[str, str], text: tuple[str, ...], tex: tuple[str, ...]) -> tuple[str, str]:
    """dz = da ⊙ g′(z) in text and LaTeX for the symbols (dz, da, z, a); for σ also σ′(z) = a ⊙ (1 - a)."""
    (dz, da, z, a), (dz_tex, da_tex, z_tex, a_tex) = text, tex
    line, line_tex = f"{dz} = {da} ⊙ {g[0]}′({z})", rf"{dz_tex} = {da_tex} \odot {g[1]}'({z_tex})"
    if activation == "sigmoid":
        line += f",  σ′({z}) = {a} ⊙ (1 - {a})"
        line_tex += rf", \quad \sigma'({z_tex}) = {a_tex} \odot (1 - {a_tex})"
    return line, line_tex


def _column_formulas(l: int, L: int, activation: str) -> dict[str, Formula]:
    """The textbook's notation for layer l of L: samples are columns, a0 = x, z_l = w_l a_{l-1} + b_l."""
    (g_text, g_tex), (g_name, g_name_tex) = _activation_symbols(l, L, activation)
    below, below_tex = ("x", "x") if l == 1 else (f"a{l - 1}", f"a_{{{l - 1}}}")  # a0 is the input x
    derivative, derivative_tex = _chain_step(activation, (g_text, g_tex), (f"dz{l}", f"da{l}", f"z{l}", f"a{l}"),
                                             (rf"dz_{{{l}}}", rf"da_{{{l}}}", rf"z_{{{l}}}", rf"a_{{{l}}}"))
    return {
        "Z": Formula(None, f"z{l} = w{l} {below} + b{l}", rf"z_{{{l}}} = w_{{{l}}} {below_tex} + b_{{{l}}}"),
        "A": Formula(None, f"a{l} = {g_name}(z{l})", rf"a_{{{l}}} = {g_name_tex}(z_{{{l}}})"),
        "L": Formula("8-11", f"L(y, a{L}) = -(y log a{L} + (1 - y) log(1 - a{L}))",
                     rf"L(y, a_{{{L}}}) = -(y \log a_{{{L}}} + (1 - y) \log (1 - a_{{{L}}}))"),
        "J": Formula(None, f"J = (1/m) Σ_i L(y_i, a{L}_i)", rf"J = \frac{{1}}{{m}}\sum_{{i=1}}^{{m}} L(y_i, a_{{{L},i}})"),
        "dA_out": Formula("8-12", f"da{L} = -y/a{L} + (1 - y)/(1 - a{L})",
                          rf"da_{{{L}}} = -\frac{{y}}{{a_{{{L}}}}} + \frac{{1-y}}{{1-a_{{{L}}}}}"),
        "dZ_out": Formula("8-13", f"dz{L} = a{L} - y", rf"dz_{{{L}}} = a_{{{L}}} - y"),
        "dW": Formula("8-14" if l == L else "8-18", f"dw{l} = (1/m) dz{l} {below}ᵀ",
                      rf"dw_{{{l}}} = \frac{{1}}{{m}}\, dz_{{{l}}}\, {below_tex}{T}"),
        "db": Formula("8-15" if l == L else "8-19", f"db{l} = (1/m) Σ_i dz{l}_i",
                      rf"db_{{{l}}} = \frac{{1}}{{m}}\sum_{{i=1}}^{{m}} dz_{{{l}}}^{{(i)}}"),
        "dA": Formula("8-16", f"da{l} = w{l + 1}ᵀ dz{l + 1}", rf"da_{{{l}}} = w_{{{l + 1}}}{T}\, dz_{{{l + 1}}}"),
        "dZ": Formula("8-17", derivative, derivative_tex),
    }
