"""The seed's derivation carried out on real numbers, as data (``explain``) and as lecture notes (``render``).

``explain(...)`` trains a tiny network for a few gradient-descent steps and records every quantity of the
seed's derivation: x, z1, a1, z2, a2, the loss (8-11), da2 (8-12), dz2 (8-13), dw2 (8-14), db2 (8-15),
da1 (8-16), dz1 (8-17), dw1 (8-18), db1 (8-19), in that order, each with its formula, its value and, for
the parameter gradients, the central-difference estimate and the relative error; then each update and
the new cost. ``render(trace, format, lang)`` prints a trace as text, Markdown (matrices as tables) or a
complete LaTeX document (matrices as ``bmatrix``), in English or Chinese (the seed's own terms).

Two forms:

- ``"seed"`` (one hidden layer, sigmoid): the seed's :class:`bpnn.seed.TwoLayerNet` in the seed's notation.
  Samples are columns: x is (n_x, m), w1 (n_h, n_x), b1 (n_h, 1), w2 (1, n_h), b2 (1, 1). Each formula is
  shown as the seed prints it and, where the seed slips (z2 and 8-14 … 8-19), in the corrected batch form
  with a one-line reason.
- ``"layers"`` (two or more hidden layers, or ``general=True``): the core's :class:`bpnn.core.Network`,
  layer-indexed (Z[l], A[l], dZ[l], dW[l], db[l]). Samples are rows, the core's convention, so every
  matrix is the transpose of its seed counterpart (W[l] = w_lᵀ). Weights are drawn as the seed draws
  them, so with one hidden layer the two forms hold the same numbers, transposed.

Every number in a trace comes from the computation it describes: TwoLayerNet's forward, cost, backward
and update for the seed form; Network's forward, cost, backward for the layered form (its dA[l], dZ[l]
are the recursion of ``Network.backward``, which returns only dW and db); central differences from
:mod:`bpnn.core.gradcheck`. The renderers only format numbers (6 significant digits).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bpnn.core.activations import get_activation
from bpnn.core.gradcheck import GradCheck, gradcheck, numerical_gradient, relative_error
from bpnn.core.losses import LOSSES, get_loss, output_delta, per_sample_loss
from bpnn.core.network import Network
from bpnn.datasets import GENERATED
from bpnn.seed import TwoLayerNet

Array = np.ndarray

FORMATS = ("text", "markdown", "latex")
LANGUAGES = ("en", "zh")
MAX_SAMPLES = 64  # the trace prints every sample; LaTeX's bmatrix is set to this many columns
MAX_STEPS = 100
TOLERANCE = 1e-7  # relative error below which analytic and numerical gradients agree (float64)
STEP = 1e-6  # central-difference step h
LOSS = "binary_cross_entropy"  # the seed's loss (8-11), with a sigmoid output


# ---- the trace as data -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Formula:
    """How a quantity is computed and, in the seed form, how the seed prints it."""

    number: str | None  # the seed's formula number, "8-14"; None where the seed numbers none
    text: str  # the batch form computed, plain text
    tex: str
    seed_text: str | None = None  # as the seed prints it, where that differs from ``text``
    seed_tex: str | None = None
    slip: bool = False  # the seed's printed form is wrong for a batch; ``REASONS`` says why


@dataclass
class Quantity:
    name: str  # "dw2" in the seed form, "dW[2]" in the layered form
    kind: str  # key of its description: the name in the seed form, "dW" in the layered form
    value: Array
    formula: Formula | None = None
    layer: int | None = None
    sample_axis: int | None = None  # the axis that runs over samples, if any
    numeric: Array | None = None  # central-difference estimate (parameter gradients)
    relative_error: float | None = None  # ‖g - g_num‖ / (‖g‖ + ‖g_num‖)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape


@dataclass
class Step:
    """One gradient-descent step: the parameters after it and the new cost."""

    number: int
    parameters: list[Quantity]
    cost: float


@dataclass
class Trace:
    form: str  # "seed" or "layers"
    settings: dict
    parameters: list[Quantity]  # before training
    forward: list[Quantity]
    loss: list[Quantity]  # L per sample (8-11) and the cost J
    backward: list[Quantity]  # in the seed's order
    steps: list[Step]

    def __getitem__(self, name: str) -> Quantity:
        for quantity in self.parameters + self.forward + self.loss + self.backward:
            if quantity.name == name:
                return quantity
        raise KeyError(name)

    @property
    def cost(self) -> float:
        return float(self["J"].value)

    @property
    def gradients(self) -> list[Quantity]:
        """The parameter gradients, each with its central-difference estimate."""
        return [q for q in self.backward if q.numeric is not None]

    @property
    def max_relative_error(self) -> float:
        return max(q.relative_error for q in self.gradients)

    def render(self, format: str = "text", lang: str = "en") -> str:
        return render(self, format, lang)


# ---- the seed's formulas -----------------------------------------------------------------------------
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


def layer_formulas(l: int, L: int, activation: str) -> dict[str, Formula]:
    """The general, layer-indexed formulas for layer l of L (samples are rows), by kind."""
    g_text, g_tex = ("σ", r"\sigma") if activation == "sigmoid" else (activation, rf"\operatorname{{{activation}}}")
    g_name, g_name_tex = ("σ", r"\sigma") if l == L else (g_text, g_tex)  # the output is always sigmoid
    derivative = f"dZ[{l}] = dA[{l}] ⊙ {g_text}′(Z[{l}])"
    derivative_tex = rf"dZ^{{[{l}]}} = dA^{{[{l}]}} \odot {g_tex}'(Z^{{[{l}]}})"
    if activation == "sigmoid":
        derivative += f",  σ′(Z[{l}]) = A[{l}] ⊙ (1 - A[{l}])"
        derivative_tex += rf", \quad \sigma'(Z^{{[{l}]}}) = A^{{[{l}]}} \odot (1 - A^{{[{l}]}})"
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


# ---- building a trace --------------------------------------------------------------------------------
def explain(data: str | None = None, *, X: Array | None = None, y: Array | None = None, hidden: int | Sequence[int] = 3,
            activation: str = "sigmoid", samples: int | None = None, seed: int = 0, scale: float = 1.0,
            learning_rate: float = 1.0, steps: int = 1, general: bool = False) -> Trace:
    """Trace backpropagation on a tiny example.

    ``data`` names a built-in 2-D set (default xor; also moons, circles, flower: ``samples`` points,
    default 4, drawn with ``seed``), unless ``X`` (samples as rows) and 0/1 labels ``y`` are given
    (``samples`` then takes the first rows; ``data`` only names them). ``hidden`` is the hidden-layer
    size, or a sequence of sizes for a deeper network. Weights are ``scale``·N(0, 1) drawn with ``seed``
    as the seed's network draws them (the seed's scale is 0.01, which makes every number look alike),
    biases 0. ``steps`` gradient-descent steps follow with ``learning_rate``. One hidden layer gives the
    seed form unless ``general``; see the module docstring.
    """
    hidden = (int(hidden),) if np.isscalar(hidden) else tuple(int(n) for n in hidden)
    if not hidden or min(hidden) < 1:
        raise ValueError(f"hidden layer sizes must be positive integers; got {hidden}")
    if not 0 <= steps <= MAX_STEPS:
        raise ValueError(f"steps must be between 0 and {MAX_STEPS} (the trace prints every step); got {steps}; "
                         f"for longer training use `bpnn demo`")
    if not (np.isfinite(learning_rate) and learning_rate > 0):
        raise ValueError(f"the learning rate must be a positive number; got {learning_rate}")
    if not (np.isfinite(scale) and scale > 0):
        raise ValueError(f"the weight scale must be a positive number; got {scale}")
    activation = get_activation(activation, hidden=True).name
    form = "layers" if general or len(hidden) > 1 else "seed"
    if form == "seed" and activation != "sigmoid":
        raise ValueError(f"the seed's two-layer network uses sigmoid, not {activation!r}; "
                         f"ask for the layered form (general=True, --general) to trace {activation}")
    X, y, data = _example(data, X, y, samples, seed)
    settings = dict(data=data, samples=X.shape[0], inputs=X.shape[1], hidden=hidden, activation=activation,
                    seed=seed, scale=scale, learning_rate=learning_rate, steps=steps)
    Y = y.reshape(-1, 1).astype(np.float64)
    return _seed_trace(X, Y, settings) if form == "seed" else _layer_trace(X, Y, settings)


def _example(data: str | None, X: Array | None, y: Array | None, samples: int | None, seed: int) -> tuple[Array, Array, str]:
    """(X rows, y 0/1, its name) from a built-in set or the given arrays."""
    if samples is not None and not 1 <= samples <= MAX_SAMPLES:
        raise ValueError(f"samples must be between 1 and {MAX_SAMPLES} (the trace prints every sample); got {samples}")
    if X is None:
        data = data or "xor"
        if data not in GENERATED:
            raise ValueError(f"unknown data set {data!r}; choose one of {', '.join(GENERATED)}")
        X, y = GENERATED[data](n_samples=samples or 4, random_state=seed)
    else:
        data = data or "given arrays"
        X, y = np.asarray(X, dtype=np.float64), np.asarray(y).reshape(-1)
        if X.ndim != 2 or X.shape[0] != y.shape[0]:
            raise ValueError(f"X must be (samples, features) with one label per row; got X {X.shape}, y {y.shape}")
        X, y = X[:samples], y[:samples]
        if X.shape[0] > MAX_SAMPLES:
            raise ValueError(f"{X.shape[0]} samples: the trace prints every sample, so give at most {MAX_SAMPLES} "
                             f"(set samples=)")
    labels = np.unique(y)
    if not np.isin(labels, (0, 1)).all():
        raise ValueError(f"the labels of {data!r} are {labels.tolist()}; the seed's network has one sigmoid output "
                         f"and needs labels 0 and 1")
    return X, y, data


def _quantity(name: str, value: Array, formulas: dict, **fields) -> Quantity:
    """A seed-form quantity: a copy of its value, its formula looked up by name."""
    return Quantity(name, name, np.array(value, dtype=np.float64), formulas.get(name), **fields)


def _seed_trace(X: Array, Y: Array, settings: dict) -> Trace:
    """The seed form: TwoLayerNet's own forward, cost, backward and update, samples as columns."""
    x, y = X.T, Y.T
    m, n_h = x.shape[1], settings["hidden"][0]
    net = TwoLayerNet(x.shape[0], n_h, seed=settings["seed"], scale=settings["scale"])
    f = SEED_FORMULAS
    parameters = [_quantity(name, value, {}) for name, value in net.params.items()]
    cache = net.forward(x)
    forward = [_quantity("x", x, f, sample_axis=1), _quantity("y", y, f, sample_axis=1)]
    forward += [_quantity(name, cache[name], f, sample_axis=1) for name in ("z1", "a1", "z2", "a2")]
    per_sample = [[net.cost(cache.a2[:, [i]], y[:, [i]]) for i in range(m)]]  # J of one sample is its L (8-11)
    loss = [_quantity("L", per_sample, f, sample_axis=1), _quantity("J", net.cost(cache.a2, y), f)]
    with np.errstate(divide="ignore", invalid="ignore"):  # da2 is ±inf or nan where a2 rounds to 0 or 1; shown as is
        grads = net.backward(x, y, cache)
    numeric = _seed_numerical_gradient(net, X, Y)
    backward = []
    for name, value in grads.items():
        if name in numeric:
            backward.append(_quantity(name, value, f, numeric=numeric[name],
                                      relative_error=relative_error(value, numeric[name])))
        else:
            backward.append(_quantity(name, value, f, sample_axis=1))
    trace_steps = []
    for k in range(1, settings["steps"] + 1):
        net.update(grads, settings["learning_rate"])  # w ← w - α dw, b ← b - α db
        cache = net.forward(x)
        trace_steps.append(Step(k, [_quantity(name, value, {}) for name, value in net.params.items()],
                                net.cost(cache.a2, y)))
        with np.errstate(divide="ignore", invalid="ignore"):
            grads = net.backward(x, y, cache)
    return Trace("seed", settings, parameters, forward, loss, backward, trace_steps)


def _seed_numerical_gradient(net: TwoLayerNet, X: Array, Y: Array) -> dict[str, Array]:
    """Central differences of J at the seed network's weights, computed by the core on the same network
    in its rows convention (W[l] = w_lᵀ), returned in the seed's orientation."""
    twin = Network([net.w1.shape[1], net.w1.shape[0], net.w2.shape[0]], "sigmoid", "sigmoid")
    for W, b, w_seed, b_seed in zip(twin.weights, twin.biases, (net.w1, net.w2), (net.b1, net.b2)):
        W[...], b[...] = w_seed.T, b_seed.ravel()
    numeric_W, numeric_b = twin.split(numerical_gradient(twin, X, Y, LOSS, step=STEP))
    return {"dw2": numeric_W[1].T, "db2": numeric_b[1][:, None], "dw1": numeric_W[0].T, "db1": numeric_b[0][:, None]}


def draw_like_seed(net: Network, seed: int, scale: float) -> None:
    """The seed's initialisation at any depth: each W[l] is scale·N(0, 1) drawn in the seed's (n_out, n_in)
    layout, layer by layer from one generator, then transposed; biases 0. With one hidden layer this is
    ``TwoLayerNet(seed=seed, scale=scale)`` exactly: W[1] = w1ᵀ, W[2] = w2ᵀ."""
    rng = np.random.default_rng(seed)
    for W, b in zip(net.weights, net.biases):
        W[...] = (rng.standard_normal(W.shape[::-1]) * scale).T
        b[...] = 0


def _layer_trace(X: Array, Y: Array, settings: dict) -> Trace:
    """The layered form: the core Network's forward, cost and backward, samples as rows."""
    net = Network([X.shape[1], *settings["hidden"], 1], settings["activation"], "sigmoid")
    draw_like_seed(net, settings["seed"], settings["scale"])
    L = net.n_layers
    loss = get_loss(LOSS)
    f = {l: layer_formulas(l, L, settings["activation"]) for l in range(1, L + 1)}

    def quantity(kind: str, l: int, value: Array, formula_key: str | None = None, **fields) -> Quantity:
        return Quantity(f"{kind}[{l}]", kind, np.array(value, dtype=np.float64), f[l][formula_key or kind], l, **fields)

    def parameters() -> list[Quantity]:
        return [Quantity(f"{kind}[{l + 1}]", kind, value.copy(), None, l + 1) for l in range(L)
                for kind, value in (("W", net.weights[l]), ("b", net.biases[l]))]

    initial = parameters()
    cache = net.forward(X)
    forward = [Quantity("A[0]", "X", cache.A[0].copy(), None, 0, 0), Quantity("Y", "Y", Y.copy(), None, None, 0)]
    for l in range(1, L + 1):
        forward += [quantity("Z", l, cache.Z[l], sample_axis=0), quantity("A", l, cache.A[l], sample_axis=0)]
    per_sample = per_sample_loss(loss, net.activations[-1], net.as_input(Y), cache.Z[L], cache.A[L])
    losses = [Quantity("L", "L", per_sample[:, None], f[L]["L"], None, 0),
              Quantity("J", "J", np.array(net.cost(cache, Y, loss)), f[L]["J"])]
    check = gradcheck(net, X, Y, loss, step=STEP)  # its analytic gradient is Network.backward's
    dWs, dbs = net.split(check.analytic)
    numeric_W, numeric_b = net.split(check.numeric)
    # dA[L] and dZ[L] seed the recursion of Network.backward, repeated here for its intermediate values
    backward = [quantity("dA", L, loss.grad_a(Y, cache.A[L]), "dA_out", sample_axis=0)]  # 8-12 (A clipped to (0, 1))
    dZ = output_delta(loss, net.activations[-1], Y, cache.Z[L], cache.A[L])  # dZ[L] = A[L] - Y   (8-13)
    backward.append(quantity("dZ", L, dZ, "dZ_out", sample_axis=0))
    for l in range(L, 0, -1):
        backward.append(quantity("dW", l, dWs[l - 1], numeric=numeric_W[l - 1], relative_error=check.errors[f"W[{l}]"]))
        backward.append(quantity("db", l, dbs[l - 1], numeric=numeric_b[l - 1], relative_error=check.errors[f"b[{l}]"]))
        if l > 1:
            dA = dZ @ net.weights[l - 1].T  # dA[l-1] = dZ[l] W[l]ᵀ   (8-16)
            dZ = dA * net.activations[l - 2].df(cache.Z[l - 1], cache.A[l - 1])  # dZ[l-1] = dA[l-1] ⊙ g'(Z[l-1])  (8-17)
            backward += [quantity("dA", l - 1, dA, sample_axis=0), quantity("dZ", l - 1, dZ, sample_axis=0)]
    trace_steps = []
    grad = check.analytic
    for k in range(1, settings["steps"] + 1):
        net.params -= settings["learning_rate"] * grad  # θ ← θ - α dJ/dθ
        cost, grad = net.loss_and_grad(X, Y, loss)
        trace_steps.append(Step(k, parameters(), cost))
    return Trace("layers", settings, initial, forward, losses, backward, trace_steps)


# ---- gradient check of any network (the ``gradcheck`` command) -----------------------------------------
def random_problem(hidden: Sequence[int] = (4,), activations: str | Sequence[str] = "sigmoid", loss: str = LOSS,
                   output_activation: str | None = None, inputs: int = 3, outputs: int = 1, samples: int = 8,
                   seed: int = 0) -> tuple[Network, Array, Array]:
    """A fresh network (the core's default initialisation) and random data fitting ``loss``: X ~ N(0, 1);
    Y 0/1 for binary cross-entropy, one-hot for categorical, N(0, 1) for squared error."""
    loss = get_loss(loss)
    if loss.name == "categorical_cross_entropy" and outputs < 2:
        raise ValueError(f"categorical_cross_entropy needs at least 2 outputs; got {outputs}")
    if min(inputs, outputs, samples) < 1:
        raise ValueError(f"inputs, outputs and samples must be at least 1; got {inputs}, {outputs}, {samples}")
    network = Network([inputs, *hidden, outputs], activations, output_activation or loss.canonical_output,
                      random_state=seed)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((samples, inputs))
    if loss.name == "binary_cross_entropy":
        Y = rng.integers(0, 2, (samples, outputs)).astype(np.float64)
    elif loss.name == "categorical_cross_entropy":
        Y = np.eye(outputs)[rng.integers(0, outputs, samples)]
    else:
        Y = rng.standard_normal((samples, outputs))
    return network, X, Y


def loss_for(network: Network) -> str:
    """The loss whose natural output activation is the network's (sigmoid → binary cross-entropy, …)."""
    output = network.activations[-1].name
    for name, loss in LOSSES.items():
        if loss.canonical_output == output:
            return name
    raise ValueError(f"no loss has the output activation {output!r} as its natural output; "
                     f"valid pairs: {', '.join(f'{l.canonical_output}/{n}' for n, l in LOSSES.items())}")


def check_gradients(network: Network, X: Array, Y: Array, loss: str, alpha: float = 0.0, step: float = STEP) -> GradCheck:
    """Backprop against central differences, per W[l] and b[l] (``bpnn.core.gradcheck``), in float64."""
    if network.dtype != np.float64:
        twin = Network(network.layer_sizes, [g.name for g in network.activations[:-1]], network.activations[-1].name)
        twin.unpack(network.params.astype(np.float64))
        network = twin
    return gradcheck(network, X, Y, loss, alpha=alpha, step=step)


# ---- words ---------------------------------------------------------------------------------------------
REASONS = {
    "en": {
        "z2": "x has n_x rows but w2 has n_h columns; the seed's next paragraph says z2 depends on w2, a1 and b2.",
        "dw2": "a1 needs its transpose: dz2 (1, m) times a1ᵀ (m, n_h) sums over the m samples and has the shape of w2.",
        "db2": "the gradient of the mean cost J averages dz2 over the m samples; the seed keeps one sample's a2 - y.",
        "da1": "w2 needs its transpose: w2ᵀ (n_h, 1) times dz2 (1, m) gives da1 one column per sample.",
        "dz1": "the seed's product is for one sample; for m columns it is w2ᵀ dz2, multiplied element by element (⊙) "
               "with σ′(z1).",
        "dw1": "the seed leaves out the 1/m of the mean and the transpose of x: dz1 (n_h, m) times xᵀ (m, n_x) sums "
               "over the samples.",
        "db1": "the seed leaves out the 1/m and the sum over samples: db1 must have the shape of b1, (n_h, 1).",
    },
    "zh": {
        "z2": "x 有 n_x 行而 w2 有 n_h 列；原文下一段也说影响 z2 的是 w2、a1 和 b2。",
        "dw2": "a1 需要转置：dz2 (1, m) 乘 a1ᵀ (m, n_h) 对 m 个样本求和，形状与权重 w2 相同。",
        "db2": "平均损失 J 的梯度要对 m 个样本的 dz2 求平均；原文只写了单个样本的 a2 - y。",
        "da1": "w2 需要转置：w2ᵀ (n_h, 1) 乘 dz2 (1, m)，每个样本得到 da1 的一列。",
        "dz1": "原文的链式求导乘积针对单个样本；对 m 列是 w2ᵀ dz2 与 σ′(z1) 逐元素相乘 (⊙)。",
        "dw1": "原文漏了平均的 1/m 和 x 的转置：dz1 (n_h, m) 乘 xᵀ (m, n_x) 对样本求和。",
        "db1": "原文漏了 1/m 和对样本的求和：db1 的形状必须与偏置 b1 相同，为 (n_h, 1)。",
    },
}

DESCRIPTIONS = {
    "en": {
        "x": "input layer, one column per training sample", "y": "labels (0 or 1), one per sample",
        "w1": "weights between the input and hidden layers", "b1": "biases of the hidden layer",
        "w2": "weights between the hidden and output layers", "b2": "bias of the output layer",
        "z1": "hidden layer, weighted input", "a1": "hidden layer, sigmoid activation",
        "z2": "output layer, weighted input", "a2": "output layer, sigmoid activation (the prediction)",
        "L": "cross-entropy loss of each sample", "J": "cost: the mean loss over the m samples",
        "da2": "derivative of the loss with respect to a2",
        "dz2": "derivative of the loss with respect to z2 (chain rule through a2)",
        "dw2": "gradient of J with respect to the output-layer weights w2",
        "db2": "gradient of J with respect to the output-layer bias b2",
        "da1": "derivative of the loss with respect to the hidden activations a1",
        "dz1": "derivative of the loss with respect to the hidden weighted input z1",
        "dw1": "gradient of J with respect to the hidden-layer weights w1",
        "db1": "gradient of J with respect to the hidden-layer biases b1",
        "X": "input A[0] = X, one row per training sample", "Y": "labels (0 or 1), one row per sample",
        "W": "weights of layer {l}", "b": "biases of layer {l}", "Z": "layer {l}, weighted input",
        "A": "layer {l}, activation", "dA": "derivative of the loss with respect to A[{l}]",
        "dZ": "derivative of the loss with respect to Z[{l}]", "dW": "gradient of J with respect to the weights W[{l}]",
        "db": "gradient of J with respect to the biases b[{l}]",
    },
    "zh": {
        "x": "输入层，每个训练样本一列", "y": "标签（0 或 1），每个样本一个",
        "w1": "输入层与隐藏层之间的权重", "b1": "隐藏层的偏置",
        "w2": "隐藏层与输出层之间的权重", "b2": "输出层的偏置",
        "z1": "隐藏层的线性加权计算结果", "a1": "隐藏层经 Sigmoid 激活函数的激活输出",
        "z2": "输出层的线性加权计算结果", "a2": "输出层的激活输出（预测值）",
        "L": "每个样本的交叉熵损失函数值", "J": "代价：m 个样本损失的平均值",
        "da2": "损失函数关于 a2 的导数", "dz2": "损失函数关于 z2 的导数（经 a2 链式求导）",
        "dw2": "损失函数对输出层权重 w2 的梯度", "db2": "损失函数对输出层偏置 b2 的梯度",
        "da1": "损失函数对隐藏层激活值 a1 的梯度", "dz1": "损失函数对隐藏层加权输入 z1 的导数",
        "dw1": "损失函数对隐藏层权重 w1 的梯度", "db1": "损失函数对隐藏层偏置 b1 的梯度",
        "X": "输入 A[0] = X，每个训练样本一行", "Y": "标签（0 或 1），每个样本一行",
        "W": "第 {l} 层的权重", "b": "第 {l} 层的偏置", "Z": "第 {l} 层的线性加权计算结果",
        "A": "第 {l} 层的激活输出", "dA": "损失函数关于 A[{l}] 的导数", "dZ": "损失函数关于 Z[{l}] 的导数",
        "dW": "损失函数对第 {l} 层权重 W[{l}] 的梯度", "db": "损失函数对第 {l} 层偏置 b[{l}] 的梯度",
    },
}

WORDS = {
    "en": {
        "title_seed": "Backpropagation in the seed's two-layer network, carried out on real numbers",
        "title_layers": "Backpropagation in a {n}-layer network, layer by layer, on real numbers",
        "setup_seed": "Data: {data}, m = {samples} samples of n_x = {inputs} inputs; n_h = {hidden} hidden units, "
                      "one output, sigmoid activations, cross-entropy loss.",
        "setup_layers": "Data: {data}, m = {samples} samples of {inputs} inputs; layer sizes {sizes}; {activation} "
                        "hidden activations, a sigmoid output, cross-entropy loss.",
        "init": "Weights drawn as {scale}·N(0, 1) with seed {seed}, in the seed's layout (the seed draws "
                "0.01·N(0, 1), which makes every number look alike); biases 0. Learning rate α = {learning_rate}, "
                "{steps} gradient-descent step(s).",
        "convention_seed": "Samples are columns, as in the seed: x is (n_x, m), w1 (n_h, n_x), b1 (n_h, 1), "
                           "w2 (1, n_h), b2 (1, 1). da2, dz2, da1 and dz1 hold one column per sample (the "
                           "derivative of that sample's loss L); dw and db are gradients of the cost J, the mean "
                           "over the m samples, which is what gradient descent uses.",
        "convention_layers": "Orientation: samples are rows, the convention of the core (bpnn.core.Network): X is "
                             "(m, n0), W[l] is (n[l-1], n[l]), b[l] is (n[l],), Z[l] and A[l] are (m, n[l]). Each "
                             "matrix is the transpose of its seed counterpart (Z[l] = z_lᵀ, W[l] = w_lᵀ, "
                             "dW[l] = dw_lᵀ), so products turn around: Z[l] = A[l-1] W[l] + b[l], "
                             "dW[l] = (1/m) A[l-1]ᵀ dZ[l]. dA and dZ hold one row per sample; dW and db are "
                             "gradients of the mean cost J. Formula numbers name the seed formula each line "
                             "generalises.",
        "numbers": "Numbers are rounded to 6 significant digits. Beside each parameter gradient: its central-"
                   "difference estimate (J(θ + h) - J(θ - h)) / 2h with h = {step} (bpnn.core.gradcheck) and the "
                   "relative error ε = ‖g - g_num‖ / (‖g‖ + ‖g_num‖).",
        "parameters": "Parameters before training", "forward": "Forward pass: {order}", "loss": "Loss",
        "backward": "Backward pass (backpropagation), in the seed's order: {order}",
        "formula": "formula:", "seed": "seed prints:", "computed": "computed:", "corrected": "corrected:",
        "why": "why:", "note": "note:", "shape": "shape", "numeric": "central difference:", "error": "relative error",
        "generalises": "generalises",
        "check_ok": "Gradient check: every relative error is below {tolerance}, the largest at {name}; "
                    "backpropagation's analytic gradients agree with central differences.",
        "check_bad": "Gradient check: the relative error at {name} is NOT below {tolerance}; the analytic and "
                     "numerical gradients disagree. A relu-type unit exactly at its kink (Z = 0, as for the input "
                     "(0, 0) with zero biases) does this: the central difference averages the slopes on both sides.",
        "largest": "largest relative error",
        "saturated": "a2 rounds to exactly 0 or 1 in floating point here, so -y/a2 + (1 - y)/(1 - a2) divides by "
                     "zero. The next line, dz2 = a2 - y, never forms da2: backpropagation starts from dz2.",
        "update": "Gradient descent, learning rate α = {learning_rate}",
        "update_rule": "Each step moves every parameter against its gradient: {rule}. Step 1 uses the gradients "
                       "above; each later step recomputes them at the updated parameters.",
        "rule_seed": "w ← w - α dw, b ← b - α db", "rule_layers": "W[l] ← W[l] - α dW[l], b[l] ← b[l] - α db[l]",
        "step": "Step {k}", "new_cost": "new cost", "sample": "sample",
        "gc_title": "Gradient check: a {sizes} network ({activations} hidden, {output} output), {loss} loss, "
                    "{samples} samples; central differences with h = {step}.",
        "gc_row": "relative error",
        "gc_ok": "PASS: the largest relative error, {error} ({name}), is below {tolerance}.",
        "gc_bad": "FAIL: the largest relative error, {error} ({name}), is not below {tolerance}: the analytic "
                  "gradient of {name} is wrong, or the network is at a kink of its activation.",
    },
    "zh": {
        "title_seed": "反向传播算法：在真实数字上演算原文的两层网络",
        "title_layers": "反向传播算法：{n} 层网络逐层演算",
        "setup_seed": "数据：{data}，m = {samples} 个训练样本，每个 n_x = {inputs} 个输入；隐藏层 n_h = {hidden} 个单元，"
                      "一个输出；Sigmoid 激活函数，交叉熵损失函数。",
        "setup_layers": "数据：{data}，m = {samples} 个训练样本，每个 {inputs} 个输入；各层大小 {sizes}；隐藏层激活函数 "
                        "{activation}，输出层 Sigmoid，交叉熵损失函数。",
        "init": "权重按原文的布局以种子 {seed} 取 {scale}·N(0, 1)（原文取 0.01·N(0, 1)，各数值几乎相同）；偏置为 0。"
                "学习率 α = {learning_rate}，梯度下降 {steps} 步。",
        "convention_seed": "与原文相同，样本按列排列：x 为 (n_x, m)，w1 为 (n_h, n_x)，b1 为 (n_h, 1)，w2 为 (1, n_h)，"
                           "b2 为 (1, 1)。da2、dz2、da1、dz1 每个样本一列（该样本损失 L 的导数）；dw 和 db 是代价 J"
                           "（m 个样本的平均损失）的梯度，梯度下降用的正是它们。",
        "convention_layers": "方向：样本按行排列，即核心 bpnn.core.Network 的约定：X 为 (m, n0)，W[l] 为 (n[l-1], n[l])，"
                             "b[l] 为 (n[l],)，Z[l] 和 A[l] 为 (m, n[l])。每个矩阵都是原文对应矩阵的转置"
                             "（Z[l] = z_lᵀ，W[l] = w_lᵀ，dW[l] = dw_lᵀ），所以乘积顺序相反：Z[l] = A[l-1] W[l] + b[l]，"
                             "dW[l] = (1/m) A[l-1]ᵀ dZ[l]。dA 和 dZ 每个样本一行；dW 和 db 是平均代价 J 的梯度。"
                             "公式编号指出每一行推广的是原文哪个公式。",
        "numbers": "数值保留 6 位有效数字。每个参数梯度旁给出中心差分的数值梯度 (J(θ + h) - J(θ - h)) / 2h，h = {step}"
                   "（bpnn.core.gradcheck），以及相对误差 ε = ‖g - g_num‖ / (‖g‖ + ‖g_num‖)。",
        "parameters": "训练前的参数", "forward": "前向计算：{order}", "loss": "损失函数",
        "backward": "反向传播，按原文的梯度计算顺序：{order}",
        "formula": "公式：", "seed": "原文公式：", "computed": "计算式：", "corrected": "修正（批量形式）：",
        "why": "原因：", "note": "注：", "shape": "形状", "numeric": "中心差分数值梯度：", "error": "相对误差",
        "generalises": "推广原文公式",
        "check_ok": "梯度检验：所有相对误差都低于 {tolerance}，最大的在 {name}；反向传播的解析梯度与中心差分的数值梯度一致。",
        "check_bad": "梯度检验：{name} 的相对误差不低于 {tolerance}；解析梯度与数值梯度不一致。relu 类激活函数的单元恰在折点"
                     "（Z = 0，例如输入 (0, 0) 且偏置为 0）时就会如此：中心差分取的是两侧斜率的平均。",
        "largest": "最大相对误差",
        "saturated": "这里 a2 在浮点数中恰好等于 0 或 1，-y/a2 + (1 - y)/(1 - a2) 除以零。下一行的 dz2 = a2 - y 不经过 da2："
                     "反向传播从 dz2 开始计算。",
        "update": "梯度下降，学习率 α = {learning_rate}",
        "update_rule": "每一步沿负梯度方向更新每个参数：{rule}。第 1 步使用上面的梯度；之后每一步在更新后的参数上重新计算梯度。",
        "rule_seed": "w ← w - α dw，b ← b - α db", "rule_layers": "W[l] ← W[l] - α dW[l]，b[l] ← b[l] - α db[l]",
        "step": "第 {k} 步", "new_cost": "新的代价", "sample": "样本",
        "gc_title": "梯度检验：{sizes} 网络（隐藏层 {activations}，输出层 {output}），损失函数 {loss}，{samples} 个样本；"
                    "中心差分 h = {step}。",
        "gc_row": "相对误差",
        "gc_ok": "通过：最大相对误差 {error}（{name}）低于 {tolerance}。",
        "gc_bad": "未通过：最大相对误差 {error}（{name}）不低于 {tolerance}：{name} 的解析梯度有误，或网络正处于激活函数的折点。",
    },
}


# ---- rendering -----------------------------------------------------------------------------------------
def number(value: float) -> str:
    """A computed number as printed: 6 significant digits, no negative zero."""
    return f"{float(value) + 0.0:.6g}"


def error_number(value: float) -> str:
    """A relative error as printed: 2 significant digits."""
    return f"{float(value):.2g}"


class _TextWriter:
    """Plain text: matrices as bracketed rows."""

    def __init__(self, lang: str) -> None:
        self.lang, self.lines = lang, []

    def heading(self, level: int, title: str) -> None:
        if level == 1:
            self.lines += [title, "=" * len(title)]
        else:
            self.lines += ["", f"== {title} ==" if level == 2 else title]

    def para(self, text: str) -> None:
        width = 100 if self.lang == "en" else 50  # a Chinese character is two columns wide
        wrapped = textwrap.fill(text, width, break_long_words=False, break_on_hyphens=False)
        self.lines += ["", wrapped] if self.lines and self.lines[-1] else [wrapped]

    def formula(self, label: str, text: str, tex: str) -> None:
        self.lines.append(f"  {label} {text}")

    def note(self, label: str, text: str) -> None:
        self.lines.append(f"  {label} {text}".rstrip())

    def caption(self, text: str, tex: str) -> None:
        self.lines.append(f"  {text}")

    def matrix(self, value: Array, sample_axis: int | None) -> None:
        rows = np.atleast_2d(value)
        cells = [[number(v) for v in row] for row in rows]
        width = max(len(c) for row in cells for c in row)
        self.lines += ["    [ " + "  ".join(c.rjust(width) for c in row) + " ]" for row in cells]

    def scalar(self, label: str, symbol: str, value: str) -> None:
        self.lines.append(f"  {label} {symbol} = {value}" if label else f"  {symbol} = {value}")

    def finish(self) -> str:
        return "\n".join(self.lines) + "\n"


class _MarkdownWriter(_TextWriter):
    """Markdown lecture notes: formulas as display math, matrices as tables."""

    def heading(self, level: int, title: str) -> None:
        self.lines += ["", "#" * level + " " + title, ""] if self.lines and self.lines[-1] else ["#" * level + " " + title, ""]

    def para(self, text: str) -> None:
        self.lines += [text, ""]

    def formula(self, label: str, text: str, tex: str) -> None:
        self.lines += [f"**{label}**", "", "$$", tex, "$$", ""]

    def note(self, label: str, text: str) -> None:
        self.lines += [f"**{label}** {text}".rstrip(), ""]

    def caption(self, text: str, tex: str) -> None:
        self.lines += [f"${tex}$", ""]

    def matrix(self, value: Array, sample_axis: int | None) -> None:
        rows = np.atleast_2d(value)
        sample = WORDS[self.lang]["sample"]
        columns = [f"{sample} {j + 1}" if sample_axis == 1 else str(j + 1) for j in range(rows.shape[1])]
        self.lines += ["| | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
        for i, row in enumerate(rows):
            label = f"{sample} {i + 1}" if sample_axis == 0 else str(i + 1)
            self.lines.append(f"| **{label}** | " + " | ".join(number(v) for v in row) + " |")
        self.lines.append("")

    def scalar(self, label: str, symbol: str, value: str) -> None:
        self.lines += [f"{label} {symbol} = {value}".lstrip(), ""]

    def finish(self) -> str:
        return "\n".join(self.lines).strip() + "\n"


_TEX_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "—": "---",
                "…": r"\ldots{}"}
_TEX_MATH = {"σ": r"\sigma", "⊙": r"\odot", "Σ": r"\Sigma", "α": r"\alpha", "ε": r"\varepsilon", "θ": r"\theta",
             "→": r"\to", "←": r"\leftarrow", "·": r"\cdot", "‖": r"\|", "ᵀ": r"^{\mathsf T}", "′": "'", "<": "<",
             ">": ">", "∂": r"\partial"}


def tex_text(text: str) -> str:
    """Prose for LaTeX: special characters escaped, math symbols set in math mode."""
    return "".join(_TEX_ESCAPES.get(c) or (rf"\ensuremath{{{_TEX_MATH[c]}}}" if c in _TEX_MATH else c) for c in text)


def tex_number(text: str) -> str:
    """1.5e-05 → 1.5\\times 10^{-5}; inf → \\infty."""
    special = {"inf": r"\infty", "-inf": r"-\infty", "nan": r"\mathrm{nan}"}
    if text in special:
        return special[text]
    match = re.fullmatch(r"(-?[\d.]+)e([+-])0*(\d+)", text)
    if not match:
        return text
    mantissa, sign, exponent = match.groups()
    return rf"{mantissa}\times 10^{{{'-' if sign == '-' else ''}{exponent}}}"


def tex_name(name: str) -> str:
    """dw2 → dw_2, dZ[2] → dZ^{[2]}, A[0] → A^{[0]}."""
    name = re.sub(r"\[(\d+)\]", r"^{[\1]}", name)
    return re.sub(r"^([a-zA-Z]+)(\d)$", r"\1_\2", name)


class _LatexWriter:
    """A complete LaTeX document: formulas as display math, matrices as bmatrix (article; ctexart for zh,
    compiled with XeLaTeX)."""

    def __init__(self, lang: str) -> None:
        self.lang, self.lines, self.title = lang, [], ""

    def heading(self, level: int, title: str) -> None:
        if level == 1:
            self.title = title
        else:
            self.lines += ["", (r"\section*{" if level == 2 else r"\subsection*{") + tex_title(title) + "}"]

    def para(self, text: str) -> None:
        self.lines += ["", tex_text(text), ""]

    def formula(self, label: str, text: str, tex: str) -> None:
        self.lines += [r"\noindent " + tex_text(label), r"\[ " + tex + r" \]"]

    def note(self, label: str, text: str) -> None:
        self.lines += [r"\noindent\textit{" + tex_text(label) + "} " + tex_text(text), ""]

    def caption(self, text: str, tex: str) -> None:
        self.lines += ["", r"\noindent $" + tex + "$"]

    def matrix(self, value: Array, sample_axis: int | None) -> None:
        rows = np.atleast_2d(value)
        body = r" \\ ".join(" & ".join(tex_number(number(v)) for v in row) for row in rows)
        self.lines.append(r"\[ \begin{bmatrix} " + body + r" \end{bmatrix} \]")

    def scalar(self, label: str, symbol: str, value: str) -> None:
        self.lines += [rf"\noindent {tex_text(label)} ${_TEX_MATH.get(symbol, symbol)} = {tex_number(value)}$", ""]

    def finish(self) -> str:
        head = ([r"\documentclass[UTF8]{ctexart}"] if self.lang == "zh" else [r"\documentclass{article}"]) + [
            r"\usepackage{amsmath}", r"\usepackage[margin=2cm]{geometry}",
            rf"\setcounter{{MaxMatrixCols}}{{{MAX_SAMPLES}}}", r"\begin{document}", "",
            r"\begin{center}{\Large\bfseries " + tex_title(self.title) + r"}\end{center}"]
        return "\n".join(head + self.lines + ["", r"\end{document}"]) + "\n"


def tex_title(title: str) -> str:
    """A heading: quantity names in math (``dw2`` → ``$dw_2$``), the rest as prose."""
    name, sep, rest = title.partition(" — ")
    if not sep:
        return tex_text(title)
    number_, _, symbol = name.rpartition(" ")
    return (tex_text(number_) + " " if number_ else "") + f"${tex_name(symbol)}$ --- " + tex_text(rest)


WRITERS = {"text": _TextWriter, "markdown": _MarkdownWriter, "latex": _LatexWriter}


def render(trace: Trace, format: str = "text", lang: str = "en") -> str:
    """The trace as text, Markdown or a LaTeX document, in English (en) or Chinese (zh)."""
    writer = _writer(format, lang)
    words, s = WORDS[lang], trace.settings
    seed_form = trace.form == "seed"
    sizes = [s["inputs"], *s["hidden"], 1]
    writer.heading(1, words["title_seed"] if seed_form else words["title_layers"].format(n=len(sizes) - 1))
    fields = dict(s, hidden=", ".join(map(str, s["hidden"])), sizes="-".join(map(str, sizes)), scale=f"{s['scale']:g}",
                  learning_rate=f"{s['learning_rate']:g}")
    writer.para(words["setup_seed" if seed_form else "setup_layers"].format(**fields) + (" " if lang == "en" else "")
                + words["init"].format(**fields))
    writer.para(words["convention_seed" if seed_form else "convention_layers"])
    writer.para(words["numbers"].format(step=f"{STEP:g}"))
    writer.heading(2, words["parameters"])
    for quantity in trace.parameters:
        _write_quantity(writer, quantity, words, lang)
    order = " → ".join(q.name for q in trace.forward if q.kind not in ("y", "Y"))
    writer.heading(2, words["forward"].format(order=order))
    for quantity in trace.forward:
        _write_quantity(writer, quantity, words, lang)
    writer.heading(2, words["loss"])
    for quantity in trace.loss:
        _write_quantity(writer, quantity, words, lang)
    writer.heading(2, words["backward"].format(order=" → ".join(q.name for q in trace.backward)))
    for quantity in trace.backward:
        _write_quantity(writer, quantity, words, lang)
    worst = max(trace.gradients, key=lambda q: q.relative_error)
    verdict = "check_ok" if worst.relative_error < TOLERANCE else "check_bad"
    writer.para(words[verdict].format(name=worst.name, tolerance=f"{TOLERANCE:g}"))
    writer.scalar(words["largest"], "ε", error_number(worst.relative_error))
    if trace.steps:
        writer.heading(2, words["update"].format(learning_rate=f"{s['learning_rate']:g}"))
        writer.para(words["update_rule"].format(rule=words["rule_seed" if seed_form else "rule_layers"]))
        for step in trace.steps:
            writer.heading(3, words["step"].format(k=step.number))
            for quantity in step.parameters:
                _write_update(writer, quantity)
            writer.scalar(words["new_cost"], "J", number(step.cost))
    return writer.finish()


def _writer(format: str, lang: str) -> _TextWriter | _LatexWriter:
    if format not in WRITERS:
        raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    return WRITERS[format](lang)


def _write_quantity(writer, quantity: Quantity, words: dict, lang: str) -> None:
    description = DESCRIPTIONS[lang][quantity.kind].format(l=quantity.layer)
    formula = quantity.formula
    prefix = f"{formula.number} " if formula and formula.number else ""
    writer.heading(3, f"{prefix}{quantity.name} — {description}")
    if quantity.value.ndim == 0:
        if formula:
            writer.formula(words["formula"], formula.text, formula.tex)
        writer.scalar("", quantity.name, number(quantity.value))
        return
    if formula and formula.seed_text:
        writer.formula(words["seed"], formula.seed_text, formula.seed_tex)
        writer.formula(words["corrected" if formula.slip else "computed"], formula.text, formula.tex)
        if formula.slip:
            writer.note(words["why"], REASONS[lang][quantity.name])
    elif formula:
        generalised = quantity.layer is not None and formula.number
        writer.formula(f"{words['generalises']} {formula.number}:" if generalised else words["formula"], formula.text,
                       formula.tex)
    writer.note(words["shape"], str(quantity.shape))
    writer.matrix(quantity.value, quantity.sample_axis)
    if quantity.kind == "da2" and not np.isfinite(quantity.value).all():
        writer.note(words["note"], words["saturated"])
    if quantity.numeric is not None:
        writer.note(words["numeric"], "")
        writer.matrix(quantity.numeric, quantity.sample_axis)
        writer.scalar(words["error"], "ε", error_number(quantity.relative_error))


def _write_update(writer, quantity: Quantity) -> None:
    name, tex = quantity.name, tex_name(quantity.name)
    writer.caption(f"{name} ← {name} - α d{name}", rf"{tex} \leftarrow {tex} - \alpha\, d{tex}")
    writer.matrix(quantity.value, None)


def render_gradcheck(check: GradCheck, network: Network, loss: str, samples: int, lang: str = "en",
                     tolerance: float = TOLERANCE, step: float = STEP, alpha: float = 0.0) -> str:
    """Per-layer relative errors of a gradient check, and a verdict line (plain text)."""
    words = WORDS[lang]
    hidden = [g.name for g in network.activations[:-1]] or ["-"]
    loss_name = get_loss(loss).name + (f" + L2 α = {alpha:g}" if alpha else "")
    lines = [words["gc_title"].format(sizes="-".join(map(str, network.layer_sizes)), activations="/".join(hidden),
                                      output=network.activations[-1].name, loss=loss_name, samples=samples,
                                      step=f"{step:g}")]
    weights, biases = network.split(check.analytic)
    shapes = {f"W[{l + 1}]": W.shape for l, W in enumerate(weights)} | {f"b[{l + 1}]": b.shape for l, b in enumerate(biases)}
    width = max(len(str(shape)) for shape in shapes.values())
    for name, error in check.errors.items():
        lines.append(f"  {name:<6} {str(shapes[name]):<{width}}  {words['gc_row']} {error_number(error)}")
    worst = max(check.errors, key=check.errors.get)
    verdict = "gc_ok" if check.passed(tolerance) else "gc_bad"
    lines.append(words[verdict].format(error=error_number(check.max_error), name=worst, tolerance=f"{tolerance:g}"))
    return "\n".join(lines) + "\n"
