"""The explain trace as data: ``explain(...)`` trains a tiny network for a few gradient-descent steps and
records every quantity of the seed's derivation as a :class:`Trace`.

The trace holds x, z1, a1, z2, a2, the loss (8-11), da2 (8-12), dz2 (8-13), dw2 (8-14), db2 (8-15),
da1 (8-16), dz1 (8-17), dw1 (8-18), db1 (8-19), in that order, each with its formula
(:mod:`bpnn.derivation.formulas`), its value and, for the parameter gradients, the numerical estimate
(:mod:`bpnn.core.gradcheck`), the relative error and what the check's own error estimate allows; the seed
form adds σ′(z2) and σ′(z1); then each update and the new cost. ``slip=`` adds the textbook's slip computed
(:mod:`bpnn.derivation.slips`), ``sample=`` one sample walked through the chain rule
(:mod:`bpnn.derivation.walk`).

Two forms:

- ``"seed"`` (one hidden layer, sigmoid): the seed's :class:`bpnn.seed.TwoLayerNet` in the seed's notation.
  Samples are columns: x is (n_x, m), w1 (n_h, n_x), b1 (n_h, 1), w2 (1, n_h), b2 (1, 1). Each formula is
  shown as the seed prints it and, where the seed slips (z2 and 8-14 … 8-19), in the corrected batch form
  with a one-line reason.
- ``"layers"`` (two or more hidden layers, or ``general=True``): the core's :class:`bpnn.core.Network`,
  layer-indexed. ``layout="rows"`` (the default) prints it in the core's convention: samples are rows,
  Z[l], A[l], dZ[l], W[l] of shape (n[l-1], n[l]), so every matrix is the transpose of its seed counterpart
  (W[l] = w_lᵀ). ``layout="columns"`` prints it in the textbook's: samples are columns, x, z_l, a_l, dz_l,
  w_l of shape (n[l], n[l-1]), b_l a column, the core's numbers transposed (exactly: a transpose only moves
  them). Weights are drawn as the seed draws them, so with one hidden layer the forms hold the same numbers.

Every number in a trace comes from the computation it describes: TwoLayerNet's forward, cost, backward
and update for the seed form; Network's forward, cost, backward for the layered form (its dA[l], dZ[l]
are the recursion of ``Network.backward``, which returns only dW and db); central differences from
:mod:`bpnn.core.gradcheck`. Printing is :mod:`bpnn.derivation.rendering`'s job; this module knows nothing
of it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from bpnn.core.activations import get_activation
from bpnn.core.gradcheck import GradCheck, Verdict, gradcheck, relative_step
from bpnn.core.losses import get_loss, output_delta, per_sample_loss
from bpnn.core.network import Network
from bpnn.datasets import GENERATED
from bpnn.derivation.formulas import SEED_FORMULAS, Formula, layer_formulas
from bpnn.derivation.slips import SLIPS, compute_slip
from bpnn.derivation.walk import walk
from bpnn.seed import TwoLayerNet

Array = np.ndarray

MAX_SAMPLES = 64  # the trace prints every sample; LaTeX's bmatrix is set to this many columns
MAX_STEPS = 100
STEP = relative_step(np.float64)  # h0 = ε^(1/5): each parameter's step is h0 times its natural scale
LAYOUTS = ("rows", "columns")  # the layered form's orientation: the core's, or the textbook's
LOSS = "binary_cross_entropy"  # the seed's loss (8-11), with a sigmoid output


# ---- the records -------------------------------------------------------------------------------------
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
    tolerance: float | None = None  # the relative error the check's own error estimate allows
    kinks: int = 0  # parameters left out of the check: their steps cross a relu-type kink
    verdict: Verdict | None = None  # the core check's verdict on the array: agree, disagree or unresolved

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape

    @property
    def too_small(self) -> bool:
        """Unresolved by the check with parameters compared: below J's rounding over a step (an array a kink left
        out entirely is unresolved too, and named with the kinks)."""
        return self.verdict is Verdict.UNRESOLVED and self.kinks < self.value.size


@dataclass
class Step:
    """One gradient-descent step: the parameters after it and the new cost."""

    number: int
    parameters: list[Quantity]
    cost: float


@dataclass
class Trace:
    """Everything ``explain`` computed, in the seed's order. ``trace.render(format, lang)`` prints it
    (:func:`bpnn.derivation.rendering.render`; the package attaches the method, so this record never imports
    its printer)."""

    form: str  # "seed" or "layers"
    settings: dict
    parameters: list[Quantity]  # before training
    forward: list[Quantity]
    loss: list[Quantity]  # L per sample (8-11) and the cost J
    backward: list[Quantity]  # in the seed's order
    steps: list[Step]
    check: GradCheck | None = None  # the gradient check, on the core network in its rows layout
    slip: object = None  # a bpnn.derivation.slips.Slip when explain(slip=...) asked for one
    walk: object = None  # a bpnn.derivation.walk.Walk when explain(sample=...) asked for one

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

    @property
    def passed(self) -> bool:
        """No parameter gradient disagrees (the core check's verdicts; an unresolved one could not)."""
        return all(q.verdict is not Verdict.DISAGREE for q in self.gradients)

    @property
    def worst(self) -> Quantity:
        """The gradient whose error is largest relative to what it is allowed, among those the check resolves
        if any."""
        return max(self.gradients, key=lambda q: (q.verdict is not Verdict.UNRESOLVED,
                                                  q.relative_error / max(q.tolerance, 1e-300)))


# ---- building a trace --------------------------------------------------------------------------------
def explain(data: str | None = None, *, X: Array | None = None, y: Array | None = None, hidden: int | Sequence[int] = 3,
            activation: str = "sigmoid", samples: int | None = None, seed: int = 0, scale: float = 1.0,
            learning_rate: float = 1.0, steps: int = 1, general: bool = False,
            weights: Sequence[tuple[Array, Array]] | None = None, slip: str | None = None,
            sample: int | None = None, layout: str | None = None) -> Trace:
    """Trace backpropagation on a tiny example.

    ``data`` names a built-in 2-D set (default xor; also moons, circles, flower: ``samples`` points,
    default 4, drawn with ``seed``), unless ``X`` (samples as rows) and 0/1 labels ``y`` are given
    (``samples`` then takes the first rows; ``data`` only names them). ``hidden`` is the hidden-layer
    size, or a sequence of sizes for a deeper network. Weights are ``scale``·N(0, 1) drawn with ``seed``
    as the seed's network draws them (the seed's scale is 0.01, which makes every number look alike),
    biases 0. ``steps`` gradient-descent steps follow with ``learning_rate``. One hidden layer gives the
    seed form unless ``general``; see the module docstring. ``weights``, pairs (W[l], b[l]) in the core's rows
    layout (W[l] of shape (n_in, n_out), as :class:`bpnn.core.Network` holds them), start from those weights
    instead of the seed's draw: the trace of a network trained elsewhere (the playground's Step view).
    ``slip`` (one of :data:`bpnn.derivation.slips.SLIPS`, seed form only) adds ``trace.slip``: the gradients
    computed the slipped way beside the batch form, and the gradient check of them. ``sample`` (1 … m, seed
    form only) adds ``trace.walk``: that sample walked through the chain rule (:mod:`bpnn.derivation.walk`).
    ``layout`` orients the layered form: ``"rows"`` (its default, the core's convention) or ``"columns"`` (the
    textbook's: samples as columns, w_l of shape (n_out, n_in)); the seed form is in columns always.
    """
    hidden = (int(hidden),) if np.isscalar(hidden) else tuple(int(n) for n in hidden)
    if not hidden or min(hidden) < 1:
        raise ValueError(f"hidden layer sizes must be positive integers; got {hidden}")
    if not 0 <= steps <= MAX_STEPS:
        raise ValueError(f"steps must be between 0 and {MAX_STEPS} (the trace prints every step); got {steps}; "
                         f"for longer training use `bpnn demo`")
    if not (np.isfinite(learning_rate) and learning_rate > 0):
        raise ValueError(f"the learning rate must be a positive number; got {learning_rate}")
    if not (np.isfinite(scale) and scale >= 0):
        raise ValueError(f"the weight scale must be 0 or a positive number; got {scale}")
    activation = get_activation(activation, hidden=True).name
    form = "layers" if general or len(hidden) > 1 else "seed"
    if layout is not None and layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; choose one of {', '.join(LAYOUTS)}")
    if form == "seed" and layout == "rows":
        raise ValueError("the textbook's two-layer form has samples as columns; ask for the layered form "
                         "(general=True, --general) to see samples as rows")
    layout = layout or ("columns" if form == "seed" else "rows")
    if slip is not None and slip not in SLIPS:
        raise ValueError(f"unknown slip {slip!r}; choose one of {', '.join(SLIPS)}")
    if sample is not None and form != "seed":
        raise ValueError("sample walks one sample through the textbook's chain rule for one hidden layer; ask for the "
                         "textbook's form (one hidden size, sigmoid, without --general)")
    if slip is not None and form != "seed":
        raise ValueError(f"the slip {slip!r} is in the textbook's formulas for one hidden layer; ask for the "
                         f"textbook's form (one hidden size, sigmoid, without --general) to see it")
    if form == "seed" and activation != "sigmoid":
        raise ValueError(f"the textbook's two-layer network uses sigmoid, not {activation!r}; "
                         f"ask for the layered form (general=True, --general) to trace {activation}")
    X, y, data = _example(data, X, y, samples, seed)
    settings = dict(data=data, samples=X.shape[0], inputs=X.shape[1], hidden=hidden, activation=activation,
                    seed=seed, scale=scale, learning_rate=learning_rate, steps=steps, slip=slip, sample=sample,
                    given_weights=weights is not None, layout=layout)
    if sample is not None and not 1 <= sample <= X.shape[0]:
        raise ValueError(f"sample must be between 1 and m = {X.shape[0]}; got {sample}")
    if weights is not None:
        weights = [(np.array(W, dtype=np.float64), np.array(b, dtype=np.float64).reshape(-1)) for W, b in weights]
        expected = list(zip([X.shape[1], *hidden], [*hidden, 1]))
        if [W.shape for W, _ in weights] != expected or [b.shape for _, b in weights] != [(n,) for _, n in expected]:
            raise ValueError(f"weights must be {len(expected)} pairs (W, b) with W of shapes {expected} and b of "
                             f"matching lengths; got {[(W.shape, b.shape) for W, b in weights]}")
    Y = y.reshape(-1, 1).astype(np.float64)
    return _seed_trace(X, Y, settings, weights) if form == "seed" else _layer_trace(X, Y, settings, weights)


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
        raise ValueError(f"the labels of {data!r} are {labels.tolist()}; the textbook's network has one sigmoid output "
                         f"and needs labels 0 and 1")
    return X, y, data


def _quantity(name: str, value: Array, formulas: dict, **fields) -> Quantity:
    """A seed-form quantity: a copy of its value, its formula looked up by name."""
    return Quantity(name, name, np.array(value, dtype=np.float64), formulas.get(name), **fields)


def _seed_trace(X: Array, Y: Array, settings: dict, weights: list | None = None) -> Trace:
    """The seed form: TwoLayerNet's own forward, cost, backward and update, samples as columns."""
    x, y = X.T, Y.T
    m, n_h = x.shape[1], settings["hidden"][0]
    net = TwoLayerNet(x.shape[0], n_h, seed=settings["seed"], scale=settings["scale"])
    if weights is not None:  # the seed's w_l is W[l]ᵀ, its b_l a column
        (W1, b1), (W2, b2) = weights
        net.w1[...], net.b1[...], net.w2[...], net.b2[...] = W1.T, b1[:, None], W2.T, b2[:, None]
    f = SEED_FORMULAS
    parameters = [_quantity(name, value, {}) for name, value in net.params.items()]
    cache = net.forward(x)
    forward = [_quantity("x", x, f, sample_axis=1), _quantity("y", y, f, sample_axis=1)]
    forward += [_quantity(name, cache[name], f, sample_axis=1) for name in ("z1", "a1", "z2", "a2")]
    per_sample = [[net.cost(cache.a2[:, [i]], y[:, [i]]) for i in range(m)]]  # J of one sample is its L (8-11)
    loss = [_quantity("L", per_sample, f, sample_axis=1), _quantity("J", net.cost(cache.a2, y), f)]
    with np.errstate(divide="ignore", invalid="ignore"):  # da2 is ±inf or nan where a2 rounds to 0 or 1; shown as is
        grads = net.backward(x, y, cache)
    check, numeric = _seed_gradcheck(net, grads, X, Y)
    slip = None
    if settings["slip"] is not None:
        slip = compute_slip(settings["slip"], net, x, y, cache, grads, core_twin(net), X, Y, seed_flat)
    arrays = {"dw1": "W[1]", "db1": "b[1]", "dw2": "W[2]", "db2": "b[2]"}
    backward = []
    for name, value in grads.items():
        if name in numeric:
            key = arrays[name]
            backward.append(_quantity(name, value, f, numeric=numeric[name], relative_error=check.errors[key],
                                      tolerance=check.tolerances[key], kinks=check.kinks[key],
                                      verdict=check.verdicts[key]))
        else:
            backward.append(_quantity(name, value, f, sample_axis=1))
        if name in ("da2", "da1"):  # σ′(z) = a(1 - a), the factor 8-13 and 8-17 multiply by
            a = cache["a2" if name == "da2" else "a1"]
            backward.append(_quantity(f"σ′(z{name[-1]})", a * (1 - a), f, sample_axis=1))
    trace_steps = []
    for k in range(1, settings["steps"] + 1):
        net.update(grads, settings["learning_rate"])  # w ← w - α dw, b ← b - α db
        cache = net.forward(x)
        trace_steps.append(Step(k, [_quantity(name, value, {}) for name, value in net.params.items()],
                                net.cost(cache.a2, y)))
        with np.errstate(divide="ignore", invalid="ignore"):
            grads = net.backward(x, y, cache)
    trace = Trace("seed", settings, parameters, forward, loss, backward, trace_steps, check, slip)
    if settings["sample"] is not None:
        trace.walk = walk({q.name: q.value for q in parameters + forward}, settings["sample"])
    return trace


def core_twin(net: TwoLayerNet) -> Network:
    """The core network with the seed network's weights, in its rows convention (W[l] = w_lᵀ)."""
    twin = Network([net.w1.shape[1], net.w1.shape[0], net.w2.shape[0]], "sigmoid", "sigmoid")
    for W, b, w_seed, b_seed in zip(twin.weights, twin.biases, (net.w1, net.w2), (net.b1, net.b2)):
        W[...], b[...] = w_seed.T, b_seed.ravel()
    return twin


def seed_flat(twin: Network, grads: dict) -> Array:
    """The seed's dw1, db1, dw2, db2 as one flat vector in the core's layout."""
    flat = np.zeros(twin.n_params)
    (W1, W2), (b1, b2) = twin.split(flat)
    W1[...], b1[...], W2[...], b2[...] = grads["dw1"].T, grads["db1"].ravel(), grads["dw2"].T, grads["db2"].ravel()
    return flat


def _seed_gradcheck(net: TwoLayerNet, grads: dict, X: Array, Y: Array) -> tuple[GradCheck, dict[str, Array]]:
    """The core's gradient check of TwoLayerNet's own gradients (bpnn.core.gradcheck, on the same network in
    its rows convention), and the numerical gradients in the seed's orientation."""
    twin = core_twin(net)
    check = gradcheck(twin, X, Y, LOSS, analytic=seed_flat(twin, grads))
    numeric_W, numeric_b = twin.split(check.numeric)
    return check, {"dw2": numeric_W[1].T, "db2": numeric_b[1][:, None], "dw1": numeric_W[0].T,
                   "db1": numeric_b[0][:, None]}


def draw_like_seed(net: Network, seed: int, scale: float) -> None:
    """The seed's initialisation at any depth: each W[l] is scale·N(0, 1) drawn in the seed's (n_out, n_in)
    layout, layer by layer from one generator, then transposed; biases 0. With one hidden layer this is
    ``TwoLayerNet(seed=seed, scale=scale)`` exactly: W[1] = w1ᵀ, W[2] = w2ᵀ."""
    rng = np.random.default_rng(seed)
    for W, b in zip(net.weights, net.biases):
        W[...] = (rng.standard_normal(W.shape[::-1]) * scale).T
        b[...] = 0


def _layer_trace(X: Array, Y: Array, settings: dict, weights: list | None = None) -> Trace:
    """The layered form: the core Network's forward, cost and backward, samples as rows."""
    net = Network([X.shape[1], *settings["hidden"], 1], settings["activation"], "sigmoid")
    draw_like_seed(net, settings["seed"], settings["scale"])
    for (W, b), W_net, b_net in zip(weights or (), net.weights, net.biases):
        W_net[...], b_net[...] = W, b
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
    check = gradcheck(net, X, Y, loss)  # its analytic gradient is Network.backward's
    dWs, dbs = net.split(check.analytic)
    numeric_W, numeric_b = net.split(check.numeric)
    # dA[L] and dZ[L] seed the recursion of Network.backward, repeated here for its intermediate values
    backward = [quantity("dA", L, loss.grad_a(Y, cache.A[L]), "dA_out", sample_axis=0)]  # 8-12 (A clipped to (0, 1))
    dZ = output_delta(loss, net.activations[-1], Y, cache.Z[L], cache.A[L])  # dZ[L] = A[L] - Y   (8-13)
    backward.append(quantity("dZ", L, dZ, "dZ_out", sample_axis=0))
    for l in range(L, 0, -1):
        for kind, value, numeric in (("dW", dWs[l - 1], numeric_W[l - 1]), ("db", dbs[l - 1], numeric_b[l - 1])):
            key = f"{kind[1]}[{l}]"
            backward.append(quantity(kind, l, value, numeric=numeric, relative_error=check.errors[key],
                                     tolerance=check.tolerances[key], kinks=check.kinks[key],
                                     verdict=check.verdicts[key]))
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
    trace = Trace("layers", settings, initial, forward, losses, backward, trace_steps, check)
    return _in_columns(trace) if settings["layout"] == "columns" else trace


_COLUMN_NAMES = {"A[0]": "x", "Y": "y"}  # the rest: W[l] → w{l}, dZ[l] → dz{l}, …
_COLUMN_KINDS = {"X": "x", "Y": "y"}  # their descriptions; the layer-indexed kinds keep theirs


def _in_columns(trace: Trace) -> Trace:
    """The layered trace in the textbook's layout: every matrix transposed (samples as columns, w_l of shape
    (n_out, n_in), a bias as a column), renamed in its notation (x, z1, dw1) with the formulas written that way.
    Only transposes: every number is the rows trace's own."""
    L, activation = len(trace.settings["hidden"]) + 1, trace.settings["activation"]
    f = {l: layer_formulas(l, L, activation, "columns") for l in range(1, L + 1)}

    def turned(value: Array | None) -> Array | None:
        return None if value is None else np.array(np.atleast_2d(value).T if value.ndim else value)

    def convert(q: Quantity) -> Quantity:
        name = _COLUMN_NAMES.get(q.name) or re.sub(r"^(d?)([A-Za-z])\[(\d+)\]$",
                                                   lambda m: m[1] + m[2].lower() + m[3], q.name)
        formula = q.formula
        if formula is not None:  # the same formula of the same layer, in the textbook's notation
            layer = q.layer or L
            key = next(k for k, rows in layer_formulas(layer, L, activation).items() if rows == formula)
            formula = f[layer][key]
        return replace(q, name=name, kind=_COLUMN_KINDS.get(q.kind, q.kind), value=turned(q.value), formula=formula,
                       numeric=turned(q.numeric), sample_axis=None if q.sample_axis is None else 1)

    return replace(trace, parameters=[convert(q) for q in trace.parameters],
                   forward=[convert(q) for q in trace.forward], loss=[convert(q) for q in trace.loss],
                   backward=[convert(q) for q in trace.backward],
                   steps=[replace(step, parameters=[convert(q) for q in step.parameters]) for step in trace.steps])

