"""A dense feed-forward network of any depth, its forward pass and backpropagation.

Conventions (the whole core):
- Samples are rows. ``X`` is ``(m, n_0)``, ``Y`` is ``(m, n_L)``. The seed text puts samples in columns;
  :mod:`bpnn.seed` keeps that notation and the two agree up to transposes (Z_rows = Z_seedᵀ).
- Layers are numbered 1..L as in the textbook. ``weights[l-1]`` is W[l], of shape ``(n_{l-1}, n_l)``;
  ``biases[l-1]`` is b[l], ``(n_l,)``. A forward cache holds ``Z[l]`` and ``A[l]`` for l = 0..L with
  ``A[0] = X`` and ``Z[0] = None``, so the list index is the layer number.
- Forward: Z[l] = A[l-1] W[l] + b[l], A[l] = g_l(Z[l]).
- The cost is a weighted mean over samples plus an L2 penalty on the weights (not the biases):
  J = Σ_i w_i L_i + α/(2S) Σ_l ‖W[l]‖², with w_i = s_i / S and S = Σ_i s_i (s_i = 1, S = m without
  sample weights), so integer sample weights are the same as repeated rows.
- All parameters live in one flat vector ``params`` (W[1], b[1], W[2], b[2], … each in C order);
  ``weights`` and ``biases`` are views into it. Gradients come back as one flat vector of the same
  layout. Backprop returns gradients and never applies them.
- The dtype of the parameters is the dtype of the network (float32 or float64); data is used in it.
- The formulas run once, in ``_forward_into`` and ``_backward_into``, which write into arrays they are
  given. ``forward``/``backward`` give them fresh arrays on every call (results the caller may keep;
  ``backward`` writes the gradient into ``out`` when given);
  the training loop gives them a :class:`Workspace`, whose arrays are allocated once per batch size and
  reused by every step.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bpnn.core.activations import Activation, get_activation
from bpnn.core.initializers import get_initializer
from bpnn.core.losses import Loss, check_pairing, get_loss, output_delta, per_sample_loss, softmax_cross_entropy

Array = np.ndarray
FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


@dataclass
class Cache:
    """Forward-pass values by layer number: ``Z[0]`` is None, ``A[0]`` is the input. ``input_with_ones``, when
    set, is ``[A[0] 1]``, the input with a column of ones appended: layer 1's product then adds b[1] and its
    gradient yields db[1] (see :class:`Workspace`)."""

    Z: list
    A: list
    input_with_ones: Array | None = None


def float_dtype(dtype: object) -> np.dtype:
    """float32 stays float32, everything else computes in float64."""
    dtype = np.dtype(dtype)
    return dtype if dtype in FLOAT_DTYPES else np.dtype(np.float64)


def sample_weights(m: int, sample_weight: Array | None, dtype: np.dtype) -> tuple[Array | float, float]:
    """(w, S): the per-sample weights w_i = s_i / S (a scalar 1/m when unweighted) and S = Σ s_i."""
    if sample_weight is None:
        return 1.0 / m, float(m)
    s = np.asarray(sample_weight, dtype=dtype).reshape(-1)
    total = float(s.sum())
    if s.shape[0] != m or total <= 0 or not np.all(np.isfinite(s)) or np.any(s < 0):
        raise ValueError(f"sample_weight must hold {m} finite, non-negative values with a positive sum")
    return (s / total)[:, None], total


class Network:
    """Weights, biases and activations of a dense network; see the module docstring for conventions."""

    def __init__(self, layer_sizes: Sequence[int], activations: Sequence[str] | str = "sigmoid",
                 output_activation: str = "sigmoid", *, dtype: object = np.float64, init: str = "auto",
                 random_state: int | np.random.Generator | None = None) -> None:
        sizes = [int(n) for n in layer_sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"layer_sizes needs at least an input and an output size, all >= 1; got {list(layer_sizes)}")
        n_hidden = len(sizes) - 2
        names = [activations] * n_hidden if isinstance(activations, str) else list(activations)
        if len(names) != n_hidden:
            raise ValueError(f"{n_hidden} hidden layer(s) need {n_hidden} hidden activation(s); got {len(names)}")
        self.layer_sizes = sizes
        self.activations: list[Activation] = [get_activation(n, hidden=True) for n in names]
        self.activations.append(get_activation(output_activation))
        self.dtype = float_dtype(dtype)
        self.shapes = [(n_in, n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
        self.n_params = sum(n_in * n_out + n_out for n_in, n_out in self.shapes)
        self.attach(np.zeros(self.n_params, dtype=self.dtype))
        self.initialize(init, random_state)

    @property
    def n_layers(self) -> int:
        """L, the number of weight layers (hidden layers + output)."""
        return len(self.shapes)

    def split(self, flat: Array) -> tuple[list[Array], list[Array]]:
        """Views of a flat vector as the lists [W[1]..W[L]] and [b[1]..b[L]]."""
        weights, biases, start = [], [], 0
        for n_in, n_out in self.shapes:
            weights.append(flat[start:start + n_in * n_out].reshape(n_in, n_out))
            start += n_in * n_out
            biases.append(flat[start:start + n_out])
            start += n_out
        return weights, biases

    def attach(self, params: Array) -> None:
        """Make the flat vector ``params`` (not a copy) this network's parameters, with the views ``weights``,
        ``biases`` and ``weights_with_biases`` built on it; the one way to give a network a new vector."""
        self.params = params
        self.weights, self.biases = self.split(params)
        self.weights_with_biases = self.stacked(params)

    def stacked(self, flat: Array) -> list[Array]:
        """Views of a flat vector as the list [[W[1]; b[1]], …]: each layer's weights with its biases as one more
        row, ``(n_{l-1} + 1, n_l)``, since b[l] follows W[l] in the layout. [A 1] [W; b] = A W + b."""
        views, start = [], 0
        for n_in, n_out in self.shapes:
            views.append(flat[start:start + (n_in + 1) * n_out].reshape(n_in + 1, n_out))
            start += (n_in + 1) * n_out
        return views

    def initialize(self, init: str = "auto", random_state: int | np.random.Generator | None = None) -> None:
        rng = np.random.default_rng(random_state)
        output = len(self.weights) - 1
        for layer, (W, b, g) in enumerate(zip(self.weights, self.biases, self.activations)):
            initializer = get_initializer(init, g.name)
            if layer == output and initializer.output is not None:
                initializer = get_initializer(initializer.output, g.name)
            W[...], b[...] = initializer.draw(rng, *W.shape)

    def pack(self) -> Array:
        """A copy of all parameters as one flat vector."""
        return self.params.copy()

    def unpack(self, flat: Array) -> None:
        """Set all parameters from a flat vector (the views stay valid)."""
        self.params[...] = flat

    def __getstate__(self) -> dict:
        # pickle and deepcopy would store the views as independent arrays, cutting them off from params
        state = self.__dict__.copy()
        del state["weights"], state["biases"], state["weights_with_biases"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.attach(self.params)

    def weight_mask(self) -> Array:
        """1 where the flat vector holds a weight, 0 where it holds a bias (the L2 penalty's mask)."""
        mask = np.zeros(self.n_params, dtype=self.dtype)
        for W in self.split(mask)[0]:
            W[...] = 1
        return mask

    # ---- forward ----------------------------------------------------------------------------------
    def as_input(self, X: Array) -> Array:
        return np.ascontiguousarray(X, dtype=self.dtype)

    def forward(self, X: Array) -> Cache:
        """Z[l] and A[l] for l = 0..L in fresh arrays the caller may keep."""
        X = self.as_input(X)
        cache = Cache(self._layer_buffers(X.shape[0], self.n_layers), self._layer_buffers(X.shape[0], self.n_layers))
        cache.A[0] = X
        return self._forward_into(cache)

    def _forward_into(self, cache: Cache, activate_output: bool = True) -> Cache:
        """The forward pass written into the arrays of ``cache`` (``A[0]`` holds the input); without
        ``activate_output`` it stops at Z[L] (the caller computes A[L] together with the loss)."""
        Z, A, L = cache.Z, cache.A, self.n_layers
        for l, (W, b, g) in enumerate(zip(self.weights, self.biases, self.activations), start=1):
            if l == 1 and cache.input_with_ones is not None:  # the bias inside the product: one call fewer
                np.dot(cache.input_with_ones, self.weights_with_biases[0], out=Z[1])  # Z[1] = [A[0] 1] [W[1]; b[1]]
            else:
                np.dot(A[l - 1], W, out=Z[l])  # Z[l] = A[l-1] W[l] + b[l]
                Z[l] += b
            if l < L or activate_output:
                g.f(Z[l], out=A[l])  # A[l] = g_l(Z[l])
        return cache

    def _layer_buffers(self, m: int, last: int) -> list:
        """Empty ``(m, n_l)`` arrays at index l = 1..last (index 0 is None), the per-layer buffers."""
        return [None] + [np.empty((m, n), dtype=self.dtype) for n in self.layer_sizes[1:last + 1]]

    def predict(self, X: Array) -> Array:
        return self.forward(X).A[-1]

    # ---- cost and backward ------------------------------------------------------------------------
    def cost(self, cache: Cache, Y: Array, loss: Loss | str, sample_weight: Array | None = None,
             alpha: float = 0.0) -> float:
        """J = Σ_i w_i L_i + α/(2S) Σ_l ‖W[l]‖²."""
        loss = get_loss(loss) if isinstance(loss, str) else loss
        Y = self.as_input(Y)
        w, total = sample_weights(Y.shape[0], sample_weight, self.dtype)
        data_term = self._data_term(cache, Y, loss, w)
        if alpha:
            data_term += alpha / (2 * total) * sum(float(np.vdot(W, W)) for W in self.weights)
        return data_term

    def _data_term(self, cache: Cache, Y: Array, loss: Loss, w: Array | float) -> float:
        """Σ_i w_i L_i, the cost without the L2 penalty."""
        per_sample = per_sample_loss(loss, self.activations[-1], Y, cache.Z[-1], cache.A[-1])
        return float(per_sample.sum() * w) if isinstance(w, float) else float((per_sample * np.reshape(w, -1)).sum())

    def backward(self, cache: Cache, Y: Array, loss: Loss | str, sample_weight: Array | None = None,
                 alpha: float = 0.0, out: Array | None = None) -> Array:
        """dJ/dθ at the forward pass ``cache`` (the L2 term α/S W included), as one flat vector laid out like
        ``params``: ``out`` itself when given, else a fresh array. ``cache`` is left unchanged."""
        loss = get_loss(loss) if isinstance(loss, str) else loss
        Y = self.as_input(Y)
        w, total = sample_weights(Y.shape[0], sample_weight, self.dtype)
        work = Workspace(self, Y.shape[0], loss, inputs=False, targets=False, forward=False, grad=out)  # fresh buffers
        self._backward_into(cache, Y, w, alpha / total, work)
        return work.grad

    def _backward_into(self, cache: Cache, Y: Array, w: Array | float, l2: float, work: Workspace) -> None:
        """Backpropagation from ``cache`` into the buffers of ``work``: ``delta[l]`` holds dA[l] and then, in
        place, dZ[l]; ``derivative[l]`` receives g'(Z[l]); ``dW``/``db`` are views of its flat gradient.
        ``w`` is 1/m or the column of w_i, ``l2`` = α/S."""
        Z, A, L = cache.Z, cache.A, self.n_layers
        delta, derivative, dWs, dbs = work.delta, work.derivative, work.dW, work.db
        dZ = output_delta(work.loss, self.activations[-1], Y, Z[L], A[L], out=delta[L])  # dZ[L] = A[L] - Y  (8-13)
        dZ *= w  # the 1/m (or w_i) of the mean, applied once here so every dW, db below carries it
        ones = work.ones
        for l in range(L, 0, -1):
            if l == 1 and cache.input_with_ones is not None:  # dW[1] and db[1] in one product
                np.dot(cache.input_with_ones.T, dZ, out=work.dWb[0])  # [dW[1]; db[1]] = [A[0] 1]ᵀ dZ[1]
            else:
                np.dot(A[l - 1].T, dZ, out=dWs[l - 1])  # dW[l] = 1/m A[l-1]ᵀ dZ[l]   (8-14, 8-18)
                np.dot(ones, dZ, out=dbs[l - 1])  # db[l] = 1/m Σ_i dZ[l] = 1ᵀ dZ[l]  (8-15, 8-19)
            if l2:
                dWs[l - 1] += l2 * self.weights[l - 1]  # + α/S W[l], from the L2 penalty
            if l > 1:
                dZ = np.dot(dZ, self.weights[l - 1].T, out=delta[l - 1])  # dA[l-1] = dZ[l] W[l]ᵀ   (8-16)
                g = self.activations[l - 2]
                dZ *= g.df(Z[l - 1], A[l - 1], out=derivative[l - 1])  # dZ[l-1] = dA[l-1] ⊙ g'(Z[l-1])  (8-17)

    def loss_and_grad(self, X: Array, Y: Array, loss: Loss | str, sample_weight: Array | None = None,
                      alpha: float = 0.0, out: Array | None = None) -> tuple[float, Array]:
        """J and dJ/dθ (flat) on the data (X, Y) at the current parameters."""
        cache = self.forward(X)
        return (self.cost(cache, Y, loss, sample_weight, alpha),
                self.backward(cache, Y, loss, sample_weight, alpha, out))


@functools.lru_cache(maxsize=16)
def _ones(m: int, dtype: np.dtype) -> Array:
    """A read-only vector of m ones: 1ᵀ dZ sums the rows of dZ in one BLAS call, faster than a column sum."""
    ones = np.ones(m, dtype=dtype)
    ones.flags.writeable = False
    return ones


class Workspace:
    """The training hot path: every buffer of a step on batches of ``m`` rows, allocated once and reused.

    ``X``/``Y`` receive a batch's gathered rows (or converted targets), ``cache`` its forward pass (each
    allocated only when asked for), ``delta``/``derivative`` the backward pass (see
    ``Network._backward_into``; with a forward pass, g'(Z[l]) is written over Z[l], no longer needed by
    then) and ``grad`` (given, or its own) the flat gradient, with ``dW``/``db`` as views.
    :meth:`first_rows` serves a smaller last batch from the same memory. ``Network.backward`` builds one
    without a forward pass per call, for fresh backward buffers.

    With ``ones_column`` the batches come as ``[X 1]``, the inputs with a column of ones appended, and ``X`` is
    that wide: layer 1 then adds its bias inside the product, Z[1] = [X 1] [W[1]; b[1]], and gets db[1] with
    dW[1] from one product, [X 1]ᵀ dZ[1]. That saves a broadcast pass and a product per step (the training loop
    uses it for small data, which it copies once with the ones; docs/bench.md has the measurements).
    """

    def __init__(self, network: Network, m: int, loss: Loss, *, inputs: bool = True, targets: bool = True,
                 forward: bool = True, grad: Array | None = None, ones_column: bool = False) -> None:
        check_pairing(loss, network.activations[-1])
        self.network, self.loss, self.m, L = network, loss, m, network.n_layers
        self.ones_column = ones_column
        self.X = np.empty((m, network.layer_sizes[0] + ones_column), dtype=network.dtype) if inputs else None
        self.Y = np.empty((m, network.layer_sizes[-1]), dtype=network.dtype) if targets else None
        self.cache = Cache(network._layer_buffers(m, L), network._layer_buffers(m, L)) if forward else None
        self.delta = network._layer_buffers(m, L)
        self.derivative = self.cache.Z if forward else network._layer_buffers(m, L - 1)
        self.grad = np.empty(network.n_params, dtype=network.dtype) if grad is None else grad
        self.dW, self.db = network.split(self.grad)
        self.dWb = network.stacked(self.grad)
        self.ones = _ones(m, network.dtype)  # 1ᵀ dZ: the bias gradients
        self.softmax_cross_entropy = network.activations[-1].name == "softmax" and loss.name == "categorical_cross_entropy"

    def first_rows(self, m: int) -> Workspace:
        """A workspace for batches of ``m`` <= ``self.m`` rows on this one's memory: the first m rows of every
        buffer (still contiguous) and the same gradient."""
        rows = copy.copy(self)
        rows.m = m
        rows.X, rows.Y = (None if B is None else B[:m] for B in (self.X, self.Y))
        rows.cache = Cache([None] + [Z[:m] for Z in self.cache.Z[1:]], [None] + [A[:m] for A in self.cache.A[1:]])
        rows.delta = [None] + [D[:m] for D in self.delta[1:]]
        rows.ones = _ones(m, self.network.dtype)
        rows.derivative = rows.cache.Z
        return rows

    def loss_and_grad(self, X: Array, Y: Array, w: Array | float, l2: float) -> float:
        """Σ_i w_i L_i on the batch (X, Y) (the data term); dJ/dθ, with the L2 term α/S W, lands in ``grad``."""
        network, cache, L = self.network, self.cache, self.network.n_layers
        if self.ones_column:
            cache.input_with_ones, cache.A[0] = X, X[:, :-1]
        else:
            cache.A[0] = X
        if self.softmax_cross_entropy:  # output and loss in one pass; delta[L] is free until the backward pass
            network._forward_into(cache, activate_output=False)
            data_term = softmax_cross_entropy(cache.Z[L], Y, w, cache.A[L], self.delta[L])
        else:
            network._forward_into(cache)
            data_term = network._data_term(cache, Y, self.loss, w)
        network._backward_into(cache, Y, w, l2, self)
        return data_term
