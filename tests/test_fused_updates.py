"""Adam's and RMSprop's in-place updates against an independent re-derivation, step by step (issue 20).

The optimizers fold Adam's bias correction into the step size and run each rule as a few in-place
whole-vector operations in the dtype of the parameters. The references below are written from the papers'
formulas, with the bias-corrected moments m̂ and v̂ computed explicitly, in a wider dtype (float64 for a
float32 run; long double, where it is wider, for a float64 run), from the same gradients.

Tolerance, derived rather than tuned: with u the unit roundoff of the dtype, each operation of an update
rounds once, so the moments carry a relative error that grows by at most about 2u per step (one product
and one sum), and the step Δ = η_t m / (√v + ε) adds one rounding per operation on top: about 4s + 12
roundings of |Δ| at step s, plus one rounding of |θ| in θ ← θ - Δ, plus, for Adam, the error of the
scalar bias-correction factor, whose 1 - β^t cancels (see :func:`correction_conditioning`). As gradients of either sign can cancel
in the first moment, "|Δ|" and "|m|" stand for the step and moment made of |g|. Summed over the steps, that is the
bound each parameter is held to; in practice the errors are a fraction of it.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import numpy as np
import pytest

from bpnn.core import kernels
from bpnn.core.optimizers import Adam, GradientDescent, Momentum, RMSprop, make_optimizer

STEPS = 10
NUMBA = importlib.util.find_spec("numba") is not None
needs_numba = pytest.mark.skipif(not NUMBA, reason="the compiled updates need Numba (pip install bpnn[fast])")
PATHS = ["numpy", pytest.param("compiled", marks=needs_numba)]


@pytest.fixture
def path(request, monkeypatch) -> str:
    """Run the updates in the NumPy form or in the compiled loops of bpnn.core.kernels, whatever the size."""
    monkeypatch.setattr(kernels, "MIN_PARAMS", 0 if request.param == "compiled" else 2 ** 62)
    monkeypatch.setattr(kernels, "loaded", False)  # loaded: every size would take the compiled loop
    return request.param


def wide(dtype: np.dtype) -> type:
    return np.float64 if dtype == np.float32 else np.longdouble


def gradients(dtype: np.dtype, n: int = 257, steps: int = STEPS) -> list:
    """Seeded gradients over many magnitudes, with exact zeros and a sign flip between steps."""
    rng = np.random.default_rng(20)
    scale = 10.0 ** rng.uniform(-6, 2, n)
    out = []
    for t in range(steps):
        g = rng.standard_normal(n) * scale
        g[::17] = 0.0
        if t % 3 == 2:
            g = -g
        out.append(g.astype(dtype))
    return out


def start(dtype: np.dtype, n: int = 257) -> np.ndarray:
    return np.random.default_rng(7).uniform(-1, 1, n).astype(dtype)


def correction_conditioning(t: int, b1: float, b2: float) -> float:
    """How many units of roundoff the bias-correction factor η √(1-β2^t) / (1-β1^t) carries, computed as the
    optimizer (and scikit-learn) computes it: β^t rounds once, and 1 - β^t cancels all but 1-β^t of it, so the
    factor's relative error is about β2^t / (2(1-β2^t)) + β1^t / (1-β1^t) units (≈ 250 at t = 2 for β2 = 0.999),
    plus the few roundings of the products."""
    return b2 ** t / (2 * (1 - b2 ** t)) + b1 ** t / (1 - b1 ** t) + 4


def adam_reference(theta: np.ndarray, grads: list, rate: float, b1: float, b2: float, eps: float):
    """Kingma & Ba (2015), Algorithm 1, with ε̂ = ε √(1-β2^t) (their section 2 remark): the form whose
    step equals the bias correction folded into the step size. Yields (θ_t, m_t, v_t, M_t, D_t) in the wide
    dtype, where M_t is the first moment of |g| (the scale of the rounding errors in m_t, which sign changes
    can cancel) and D_t the step it would make (the scale of the errors in Δ_t)."""
    W = wide(theta.dtype)
    theta = theta.astype(W)
    m, v, M = np.zeros_like(theta), np.zeros_like(theta), np.zeros_like(theta)
    for t, g in enumerate(grads, start=1):
        g = g.astype(W)
        m = W(b1) * m + (W(1) - W(b1)) * g
        M = W(b1) * M + (W(1) - W(b1)) * np.abs(g)
        v = W(b2) * v + (W(1) - W(b2)) * g * g
        m_hat = m / (W(1) - W(b1) ** t)
        v_hat = v / (W(1) - W(b2) ** t)
        eps_hat = W(eps) / np.sqrt(W(1) - W(b2) ** t)
        denominator = np.sqrt(v_hat) + eps_hat
        theta = theta - W(rate) * m_hat / denominator
        yield theta, m, v, M, W(rate) * (M / (W(1) - W(b1) ** t)) / denominator


def rmsprop_reference(theta: np.ndarray, grads: list, rate: float, rho: float, eps: float):
    """Tieleman & Hinton (2012): s ← ρ s + (1-ρ) g²; θ ← θ - η g / (√s + ε), in the wide dtype."""
    W = wide(theta.dtype)
    theta = theta.astype(W)
    s = np.zeros_like(theta)
    for g in grads:
        g = g.astype(W)
        s = W(rho) * s + (W(1) - W(rho)) * g * g
        delta = W(rate) * g / (np.sqrt(s) + W(eps))
        theta = theta - delta
        yield theta, s, np.abs(delta)


@pytest.mark.parametrize("path", PATHS, indirect=True)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("overwrite_grad", [False, True])
def test_adam_matches_the_bias_corrected_textbook_rule_within_a_few_ulp_per_step(dtype, overwrite_grad, path):
    dtype = np.dtype(dtype)
    u = np.finfo(dtype).eps / 2
    grads = gradients(dtype)
    params = start(dtype)
    rule = Adam(learning_rate=0.01)
    bound = np.zeros(params.shape, wide(dtype))  # errors are measured in the wide dtype, before any rounding
    for t, (theta, m, v, M, delta) in enumerate(adam_reference(params.copy(), grads, 0.01, 0.9, 0.999, 1e-8), start=1):
        rule.update(params, grads[t - 1].copy(), overwrite_grad=overwrite_grad)
        assert params.dtype == dtype and rule.first_moment.dtype == dtype and rule.second_moment.dtype == dtype
        bound += u * (np.abs(theta) + (4 * t + 12 + correction_conditioning(t, 0.9, 0.999)) * delta)
        error = np.abs(params.astype(theta.dtype) - theta)
        assert np.all(error <= bound), f"step {t}: worst {np.max(error / (bound + np.finfo(dtype).tiny)):.2f} of the bound"
        # the moments: (2t + 2) roundings of the size of their terms
        assert np.all(np.abs(rule.first_moment - m) <= (2 * t + 2) * u * M + np.finfo(dtype).tiny)
        assert np.all(np.abs(rule.second_moment - v) <= (2 * t + 4) * u * np.abs(v) + np.finfo(dtype).tiny)
    assert rule.t == STEPS


@pytest.mark.parametrize("path", PATHS, indirect=True)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rmsprop_matches_the_textbook_rule_within_a_few_ulp_per_step(dtype, path):
    dtype = np.dtype(dtype)
    u = np.finfo(dtype).eps / 2
    grads = gradients(dtype)
    params = start(dtype)
    rule = RMSprop(learning_rate=0.01, rho=0.9)
    bound = np.zeros(params.shape, wide(dtype))  # errors are measured in the wide dtype, before any rounding
    for t, (theta, s, delta) in enumerate(rmsprop_reference(params.copy(), grads, 0.01, 0.9, 1e-8), start=1):
        g = grads[t - 1].copy()
        rule.update(params, g)
        assert np.array_equal(g, grads[t - 1])  # RMSprop without overwrite_grad leaves the gradient alone
        bound += u * (np.abs(theta) + (3 * t + 10) * delta)
        error = np.abs(params.astype(theta.dtype) - theta)
        assert np.all(error <= bound), f"step {t}: worst {np.max(error / (bound + np.finfo(dtype).tiny)):.2f} of the bound"
        assert np.all(np.abs(rule.mean_square - s) <= (2 * t + 2) * u * np.abs(s) + np.finfo(dtype).tiny)


@pytest.mark.parametrize("name", ["gd", "momentum", "nesterov", "adam", "rmsprop"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_numpy_float64_learning_rate_gives_the_same_update_as_a_python_float(name, dtype):
    """A NumPy scalar (a schedule's or an estimator's computed rate) must not change the arithmetic: the
    update runs in the parameters' dtype either way, bit for bit the same."""
    grads = gradients(np.dtype(dtype), steps=4)
    results = []
    for rate in (0.003, np.float64(0.003)):
        params, rule = start(np.dtype(dtype)), make_optimizer(name, learning_rate=rate)
        for g in grads:
            rule.update(params, g.copy(), overwrite_grad=True)
        results.append(params)
    assert results[0].dtype == np.dtype(dtype)
    assert np.array_equal(results[0], results[1])


@pytest.mark.parametrize("rule", [GradientDescent, Momentum, Adam, RMSprop])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_overwriting_the_gradient_or_not_gives_identical_updates(rule, dtype):
    grads = gradients(np.dtype(dtype))
    runs = []
    for overwrite in (False, True):
        params, optimizer = start(np.dtype(dtype)), rule(learning_rate=0.01)
        for g in grads:
            optimizer.update(params, g.copy(), overwrite_grad=overwrite)
        runs.append(params)
    assert np.array_equal(runs[0], runs[1])


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_training_with_a_seed_is_bit_for_bit_deterministic(optimizer, dtype):
    from bpnn.core import Network, train

    rng = np.random.default_rng(3)
    X = rng.standard_normal((96, 6)).astype(dtype)
    Y = np.eye(3, dtype=bool)[rng.integers(0, 3, 96)]
    runs = []
    for _ in range(2):
        net = Network([6, 16, 3], "relu", "softmax", dtype=dtype, random_state=5)
        history = train(net, X, Y, "categorical_cross_entropy", make_optimizer(optimizer, learning_rate=0.01), epochs=5,
                        batch_size=16, shuffle=True, rng=np.random.default_rng(11))
        runs.append((net.params.copy(), list(history.loss)))
    assert np.array_equal(runs[0][0], runs[1][0]) and runs[0][1] == runs[1][1]
    assert runs[0][0].dtype == np.dtype(dtype)


@needs_numba
@pytest.mark.parametrize("rule", [Adam, RMSprop])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_compiled_update_is_bit_identical_to_the_numpy_form(rule, dtype, monkeypatch):
    """Same operations in the same order in the same dtype: parameters and state agree bit for bit, through
    exact zeros, tiny and huge gradients, an overflow to inf and a NaN (compared as equal)."""
    grads = gradients(np.dtype(dtype), n=1031, steps=12)
    grads[6][3], grads[9][4], grads[8][5] = np.inf, np.nan, np.finfo(dtype).max
    runs = []
    for min_params in (2 ** 62, 0):  # the NumPy form, then the compiled loop
        monkeypatch.setattr(kernels, "MIN_PARAMS", min_params)
        monkeypatch.setattr(kernels, "loaded", False)
        params, optimizer = start(np.dtype(dtype), n=1031), rule(learning_rate=0.01)
        with np.errstate(all="ignore"):
            for g in grads:
                optimizer.update(params, g.copy(), overwrite_grad=True)
        runs.append((params, optimizer.state()))
    (numpy_params, numpy_state), (compiled_params, compiled_state) = runs
    assert compiled_params.dtype == np.dtype(dtype) and np.isnan(compiled_params).any()  # the NaN reached θ
    np.testing.assert_array_equal(compiled_params, numpy_params)  # NaNs in the same places count as equal
    assert numpy_state.keys() == compiled_state.keys()
    for key, value in numpy_state.items():
        np.testing.assert_array_equal(compiled_state[key], value)


def test_the_compiled_update_is_chosen_by_size_and_layout_only(monkeypatch):
    monkeypatch.setattr(kernels, "MIN_PARAMS", 100)
    monkeypatch.setattr(kernels, "loaded", False)
    small, large = np.zeros(99), np.zeros(100)
    assert kernels.for_params("adam", small, small) is None  # below MIN_PARAMS: the NumPy form
    assert kernels.for_params("adam", large, large[::-1]) is None  # not contiguous
    assert kernels.for_params("adam", large, large.astype(np.float32)) is None  # mixed dtypes
    assert (kernels.for_params("rmsprop", large, large) is not None) == NUMBA
    with pytest.raises(ValueError, match="valid ones are adam, rmsprop"):
        kernels.compiled("sgd")


def test_small_networks_never_load_numba():
    """Importing Numba and loading the compiled loops costs about half a second; a network below MIN_PARAMS
    trains with Adam and RMSprop without it."""
    script = ("import sys, numpy as np\n"
              "from bpnn.core import Network, make_optimizer, train\n"
              "X = np.random.default_rng(0).standard_normal((64, 8)); Y = X[:, :2] > 0\n"
              "for name in ('adam', 'rmsprop'):\n"
              "    train(Network([8, 16, 2]), X, Y, 'bce', make_optimizer(name), epochs=2, batch_size=16)\n"
              "print('numba' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


@needs_numba
def test_once_loaded_the_compiled_loops_serve_small_networks_too_with_the_same_weights():
    """After kernels.load() (or a large fit) the half second is paid: every size takes the compiled loop, and since
    it is bit-identical to the NumPy form, which path ran never shows in the weights."""
    script = ("import sys, numpy as np\n"
              "from bpnn.core import Network, kernels, make_optimizer, train\n"
              "X = np.random.default_rng(0).standard_normal((64, 8)); Y = X[:, :2] > 0\n"
              "def fit(name):\n"
              "    net = Network([8, 16, 2], random_state=1)\n"
              "    train(net, X, Y, 'bce', make_optimizer(name), epochs=3, batch_size=16, rng=2)\n"
              "    return net.params\n"
              "before = [fit(name) for name in ('adam', 'rmsprop')]\n"
              "small = np.zeros(10)\n"
              "print('numba' in sys.modules, kernels.for_params('adam', small, small) is None)\n"
              "print(kernels.load(), kernels.for_params('adam', small, small) is None)\n"
              "print(all(np.array_equal(a, b) for a, b in zip(before, [fit(name) for name in ('adam', 'rmsprop')])))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.split("\n")[:3] == ["False True", "True False", "True"]


@needs_numba
@pytest.mark.parametrize("optimizer", ["adam", "rmsprop"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_training_with_the_compiled_update_equals_training_with_the_numpy_form(optimizer, dtype, monkeypatch):
    """Through train(): the loop hands the update its gradient buffer to overwrite; the two paths still agree bit for
    bit in the weights and in every epoch's loss."""
    from bpnn.core import Network, train

    rng = np.random.default_rng(8)
    X = rng.standard_normal((120, 7)).astype(dtype)
    Y = np.eye(4, dtype=bool)[rng.integers(0, 4, 120)]
    runs = []
    for min_params in (2 ** 62, 0):
        monkeypatch.setattr(kernels, "MIN_PARAMS", min_params)
        monkeypatch.setattr(kernels, "loaded", False)
        net = Network([7, 12, 4], "relu", "softmax", dtype=dtype, random_state=2)
        history = train(net, X, Y, "categorical_cross_entropy", make_optimizer(optimizer, learning_rate=0.02),
                        epochs=6, batch_size=32, alpha=1e-3, rng=np.random.default_rng(4))
        runs.append((net.params.copy(), list(history.loss)))
    np.testing.assert_array_equal(runs[1][0], runs[0][0])
    assert runs[1][1] == runs[0][1]
