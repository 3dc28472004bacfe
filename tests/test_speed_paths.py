"""The training hot path gives the numbers of the plain formulas: reused buffers, in-place activations,
gathered batches, compact targets and optimizers working in the gradient's buffer."""

import pickle
import tracemalloc

import numpy as np
import pytest

from bpnn.core import ACTIVATIONS, Network, get_loss, make_optimizer, train
from bpnn.core.activations import HIDDEN_ACTIVATIONS
from bpnn.core.network import Workspace
from test_lm import EPS, cost_rounding

CASES = [("binary_cross_entropy", "sigmoid"), ("categorical_cross_entropy", "softmax"), ("squared_error", "identity"),
         ("squared_error", "tanh"), ("binary_cross_entropy", "identity")]


def targets(rng, loss, m, k):
    if loss == "categorical_cross_entropy":
        return np.eye(k)[rng.integers(0, k, m)]
    if loss == "binary_cross_entropy":
        return (rng.random((m, k)) > 0.5).astype(float)
    return rng.standard_normal((m, k))


def network(hidden, output, loss, seed=0, sizes=(5, 6, 4, 3), dtype=np.float64):
    net = Network(list(sizes), hidden, output, dtype=dtype, init="glorot_normal", random_state=seed)
    if output == "identity" and loss == "binary_cross_entropy":  # keep identity outputs inside (0, 1)
        net.weights[-1][...] *= 0.01
        net.biases[-1][...] = 0.5
    return net


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
@pytest.mark.parametrize("alpha", [0.0, 0.3])
@pytest.mark.parametrize("loss,output", CASES)
@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
def test_workspace_step_equals_plain_loss_and_grad(hidden, loss, output, alpha, weighted):
    rng = np.random.default_rng(1)
    net = network(hidden, output, loss)
    work = Workspace(net, 7, get_loss(loss))
    for _ in range(2):  # the second batch runs in buffers the first one filled: nothing may leak between them
        X, Y = rng.standard_normal((7, 5)), targets(rng, loss, 7, 3)
        s = rng.uniform(0.2, 3.0, 7) if weighted else None
        J, grad = net.loss_and_grad(X, Y, loss, s, alpha)
        w, total = (1 / 7, 7.0) if s is None else ((s / s.sum())[:, None], s.sum())
        data_term = work.loss_and_grad(X, Y, w, alpha / total)
        penalty = alpha / (2 * total) * sum(float(np.vdot(W, W)) for W in net.weights)
        # the fused loss (softmax and cross-entropy in one pass) and the plain one: each within the cost's rounding
        assert data_term + penalty == pytest.approx(J, rel=0, abs=2 * cost_rounding(net, X, Y, loss, s, alpha))
        np.testing.assert_array_equal(work.grad, grad)


def test_smaller_last_batch_runs_on_the_same_memory():
    rng = np.random.default_rng(12)
    net = network("tanh", "softmax", "categorical_cross_entropy")
    large = Workspace(net, 9, get_loss("cce"))
    small, fresh = large.first_rows(4), Workspace(net, 4, get_loss("cce"))
    X, Y = rng.standard_normal((4, 5)), targets(rng, "categorical_cross_entropy", 4, 3)
    assert small.loss_and_grad(X, Y, 0.25, 0.1) == fresh.loss_and_grad(X, Y, 0.25, 0.1)
    np.testing.assert_array_equal(small.grad, fresh.grad)
    assert small.grad is large.grad and all(np.shares_memory(a, b) for a, b in zip(small.delta[1:], large.delta[1:]))


def test_forward_returns_fresh_arrays():
    net = network("relu", "softmax", "categorical_cross_entropy")
    X = np.random.default_rng(0).standard_normal((4, 5))
    first, second = net.forward(X), net.forward(X)
    for a, b in zip(first.A[1:] + first.Z[1:], second.A[1:] + second.Z[1:]):
        assert not np.shares_memory(a, b)
        np.testing.assert_array_equal(a, b)
    kept = first.A[-1].copy()
    net.forward(2 * X)
    np.testing.assert_array_equal(first.A[-1], kept)
    Z_before = [z.copy() for z in first.Z[1:]]
    net.backward(first, np.eye(3)[[0, 1, 2, 0]], "cce")  # the training loop overwrites Z with g'(Z); backward must not
    for z, before in zip(first.Z[1:], Z_before):
        np.testing.assert_array_equal(z, before)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activations_write_into_out(name, dtype):
    g = ACTIVATIONS[name]
    z = np.random.default_rng(2).standard_normal((6, 4)).astype(dtype) * 3
    a = g.f(z)
    out = np.full_like(z, np.nan)
    assert g.f(z, out=out) is out and out.dtype == dtype
    np.testing.assert_array_equal(out, a)
    if g.df is not None:
        d = g.df(z, a)
        out = np.full_like(z, np.nan)
        assert g.df(z, a, out=out) is out and d.dtype == dtype
        np.testing.assert_array_equal(out, d)
        over_z = z.copy()  # the training loop writes g'(Z) over Z
        np.testing.assert_array_equal(g.df(over_z, a, out=over_z), d)


def test_activation_derivatives_against_closed_forms():
    z = np.linspace(-4, 4, 33)
    s = 1 / (1 + np.exp(-z))
    expected = {"sigmoid": s * (1 - s), "tanh": 1 - np.tanh(z) ** 2, "relu": (z > 0) * 1.0,
                "leaky_relu": np.where(z > 0, 1, 0.01), "elu": np.where(z > 0, 1, np.exp(z)), "softplus": s,
                "identity": np.ones_like(z)}
    # the derivatives are <= 1 and formed from a = g(z) by a product or 1 - a², in the closed forms as in the code:
    # each within a few ε of 1 of the other (absolute: 1 - a² cancels where tanh saturates, in both alike)
    for name, values in expected.items():
        g = ACTIVATIONS[name]
        np.testing.assert_allclose(g.df(z, g.f(z)), values, rtol=4 * EPS, atol=4 * EPS, err_msg=name)


@pytest.mark.parametrize("name", ["gd", "momentum", "nesterov", "adam", "rmsprop"])
def test_optimizer_in_gradient_buffer_is_identical_and_allocation_free(name):
    rng = np.random.default_rng(3)
    grads = [rng.standard_normal(1000) for _ in range(4)]
    own, shared = make_optimizer(name, learning_rate=0.01), make_optimizer(name, learning_rate=0.01)
    p_own, p_shared = np.linspace(-1, 1, 1000), np.linspace(-1, 1, 1000)
    for g in grads:
        kept = g.copy()
        own.update(p_own, g)
        np.testing.assert_array_equal(g, kept)  # without overwrite_grad the gradient is left alone
        shared.update(p_shared, g.copy(), overwrite_grad=True)
    np.testing.assert_array_equal(p_own, p_shared)
    tracemalloc.start()
    own.update(p_own, grads[0])
    shared.update(p_shared, grads[1], overwrite_grad=True)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 1000  # bytes: no parameter-sized temporary (8000 bytes)
    restored = pickle.loads(pickle.dumps(own))
    assert restored.scratch is None and restored.t == own.t


def reference_training(net, X, Y, loss, optimizer, epochs, batch_size, seed, alpha=0.0, s=None):
    """The plain loop: fancy-indexed batches, fresh arrays, network.loss_and_grad, a non-destructive update."""
    rng = np.random.default_rng(seed)
    n = X.shape[0]
    losses = []
    for _ in range(epochs):
        order = rng.permutation(n)
        total = 0.0
        for start in range(0, n, batch_size):
            rows = order[start:start + batch_size]
            J, grad = net.loss_and_grad(X[rows], Y[rows], loss, None if s is None else s[rows], alpha)
            weight = len(rows) if s is None else s[rows].sum()
            total += (J - alpha / (2 * weight) * sum(float(np.vdot(W, W)) for W in net.weights)) * weight
            optimizer.update(net.params, grad)
        losses.append(total)
    return losses


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_train_matches_the_plain_loop(optimizer, weighted, monkeypatch):
    from bpnn.core import training

    monkeypatch.setattr(training, "SMALL_DATA_BYTES", 0)  # bias added after the product, as the plain loop does
    rng = np.random.default_rng(4)
    X, labels = rng.standard_normal((53, 5)), rng.integers(0, 3, 53)  # 53 rows: a short last batch
    Y = np.eye(3)[labels]
    s = rng.uniform(0.5, 2.0, 53) if weighted else None
    fast, plain = network("relu", "softmax", "cce", seed=5), network("relu", "softmax", "cce", seed=5)
    history = train(fast, X, Y, "cce", make_optimizer(optimizer, learning_rate=0.05), epochs=4, batch_size=16,
                    rng=np.random.default_rng(6), sample_weight=s, alpha=0.01)
    losses = reference_training(plain, X, Y, "cce", make_optimizer(optimizer, learning_rate=0.05), 4, 16, 6, 0.01, s)
    np.testing.assert_array_equal(fast.params, plain.params)
    total = 53 if s is None else s.sum()
    penalty = 0.01 / (2 * total) * sum(float(np.vdot(W, W)) for W in fast.weights)  # at the final weights
    # the same 4 batch costs (bit-equal weights, above), each within the cost's rounding of the plain loop's
    # (≈ (16·3 terms)·ε relative) and summed, scaled and penalised in another order: ≲ 4 × 50 ε ≈ 5e-14 relative
    assert history.loss[-1] == pytest.approx(losses[-1] / total + penalty, rel=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("loss,output", [("categorical_cross_entropy", "softmax"), ("squared_error", "identity")])
def test_bias_inside_the_first_product_is_the_plain_step_within_its_rounding(dtype, loss, output):
    """Workspace(ones_column=True) takes batches as [X 1]: Z[1] = [X 1] [W[1]; b[1]] and [dW[1]; db[1]] = [X 1]ᵀ dZ[1].
    Against the plain step: the same products but for where b[1] and db[1] are summed, so Z[1] within the rounding
    of a sum of n_0 + 2 terms of size |X| |W[1]| + |b[1]|, and from the same forward pass every gradient but
    layer 1's bit-identical, layer 1's within the rounding of a sum of m + 1 terms of size |[X 1]|ᵀ |dZ[1]|."""
    rng = np.random.default_rng(21)
    eps = np.finfo(dtype).eps
    net = network("tanh", output, loss, seed=3, dtype=dtype)
    X, Y = rng.standard_normal((7, 5)).astype(dtype), targets(rng, loss, 7, 3).astype(dtype)
    plain, folded = Workspace(net, 7, get_loss(loss)), Workspace(net, 7, get_loss(loss), ones_column=True)
    folded.X[...] = np.concatenate([X, np.ones((7, 1), dtype)], axis=1)
    plain.loss_and_grad(X, Y, 1 / 7, 0.01)
    folded.loss_and_grad(folded.X, Y, 1 / 7, 0.01)
    size = np.abs(X) @ np.abs(net.weights[0]) + np.abs(net.biases[0])
    assert np.all(np.abs(folded.cache.Z[1] - plain.cache.Z[1]) <= (5 + 2) * eps * size)
    # the backward pass from the plain forward pass, the layer-1 product taking [X 1]
    cache = net.forward(X)
    cache.input_with_ones = folded.X
    net._backward_into(cache, Y, 1 / 7, 0.01, folded)
    reference = net.backward(net.forward(X), Y, loss, alpha=0.07)  # α/S = 0.01
    first = net.n_params - sum((n_in + 1) * n_out for n_in, n_out in net.shapes[1:])
    np.testing.assert_array_equal(folded.grad[first:], reference[first:])
    dZ1 = plain.delta[1]  # dZ[1] of the plain step, from the same forward pass
    size = np.abs(folded.X).T @ np.abs(dZ1) + 0.01 * np.abs(net.weights_with_biases[0])
    assert np.all(np.abs(folded.dWb[0] - net.stacked(reference)[0]) <= (7 + 2) * eps * size + np.finfo(dtype).tiny)


def test_small_gathered_data_train_with_the_bias_inside_the_product_and_large_without(monkeypatch):
    from bpnn.core import network as network_module
    from bpnn.core import training

    seen = []
    original = network_module.Workspace.__init__

    def spy(self, *args, ones_column=False, **options):
        seen.append(ones_column)
        original(self, *args, ones_column=ones_column, **options)

    monkeypatch.setattr(network_module.Workspace, "__init__", spy)
    rng = np.random.default_rng(22)
    X, Y = rng.standard_normal((60, 5)), rng.standard_normal((60, 3))
    results = []
    for limit in (training.SMALL_DATA_BYTES, 60 * 9 * 8 - 1):  # 60 rows of [X 1] and Y: 60·9·8 bytes
        monkeypatch.setattr(training, "SMALL_DATA_BYTES", limit)
        net = network("tanh", "identity", "squared_error", seed=4)
        train(net, X, Y, "mse", make_optimizer("gd", learning_rate=0.05), epochs=3, batch_size=16,
              rng=np.random.default_rng(5))
        results.append(net.params.copy())
    train(network("tanh", "identity", "squared_error"), X, Y, "mse", make_optimizer("gd"), epochs=1, batch_size=16,
          shuffle=False)  # batches in order are views of X: no copy
    assert seen == [True, False, False]
    # the same training up to where b[1] is summed: each of the 12 steps differs by a few ε in its gradient (above),
    # times the learning rate 0.05: far below 1e-12 in all
    np.testing.assert_allclose(results[0], results[1], rtol=0, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_compact_targets_train_like_float_targets(dtype):
    rng = np.random.default_rng(7)
    X, labels = rng.standard_normal((40, 5)).astype(dtype), rng.integers(0, 3, 40)
    results = []
    for Y in (np.eye(3, dtype=dtype)[labels], np.eye(3, dtype=bool)[labels], np.eye(3, dtype=np.int8)[labels]):
        for batch_size in (None, 16):
            net = network("tanh", "softmax", "cce", seed=8, dtype=dtype)
            history = train(net, X, Y, "cce", make_optimizer("adam", learning_rate=0.01), epochs=3,
                            batch_size=batch_size, rng=np.random.default_rng(9))
            results.append((batch_size, net.params.copy(), history.loss))
    for batch_size, params, loss in results[2:]:
        reference = results[0] if batch_size is None else results[1]
        np.testing.assert_array_equal(params, reference[1])
        assert loss == reference[2]


BLAS_AUTO_CHECK = """
import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits
from bpnn.core import Network, make_optimizer, train


def blas_threads():
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


def blas_threads_seen(net, X, **options):  # the thread counts of the BLAS libraries while training, seen by a callback
    seen = []
    train(net, X, X[:, :1], "mse", make_optimizer("gd"), epochs=1, batch_size=64,
          callbacks=[lambda *_: seen.append(blas_threads())], **options)
    return seen[0]


rng = np.random.default_rng(10)
small, X_small = Network([8, 16, 1], "relu", "identity"), rng.standard_normal((64, 8))
large, X_large = Network([256, 256, 1], "relu", "identity"), rng.standard_normal((64, 256))  # 64*256*256 = 2^22
with threadpool_limits(limits=2, user_api="blas"):
    before = blas_threads()
    if before == {1}:
        raise SystemExit("skip: BLAS runs one thread at most here")
    assert 1 in blas_threads_seen(small, X_small)  # NumPy's BLAS, which the core uses
    assert blas_threads() == before  # restored
    assert blas_threads_seen(large, X_large) == before
    assert blas_threads_seen(small, X_small, blas_threads=None) == before
    assert 1 in blas_threads_seen(large, X_large, blas_threads=1)
    assert blas_threads() == before
"""


def test_blas_threads_auto_caps_small_networks_only_and_restores():
    # in a fresh interpreter without thread-count variables: the in-process Dask clusters of other tests
    # leave this process's BLAS held at one thread
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    done = subprocess.run([sys.executable, "-c", BLAS_AUTO_CHECK], env=env, capture_output=True, text=True)
    if done.stderr.startswith("skip:"):
        pytest.skip(done.stderr.strip())
    assert done.returncode == 0, done.stderr


def test_import_bpnn_loads_no_threadpoolctl():
    import subprocess
    import sys

    code = "import sys, bpnn, bpnn.core.training; print('threadpoolctl' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


@pytest.mark.parametrize("scale", [1.0, 30.0, 1000.0])  # 1000: rows reach past e^709 above their mean
def test_categorical_cross_entropy_against_scipy_log_softmax(scale):
    from scipy.special import log_softmax

    from bpnn.core.losses import per_sample_loss, softmax_cross_entropy

    rng = np.random.default_rng(11)
    z = rng.standard_normal((20, 6)) * scale
    y = rng.dirichlet(np.ones(6), 20)  # soft labels exercise every term, not only the true class
    softmax = ACTIVATIONS["softmax"]
    expected = -(y * log_softmax(z, axis=1)).sum(axis=1)
    got = per_sample_loss(get_loss("cce"), softmax, y, z, softmax.f(z))
    # Σ_k y_k (lse - z_k), Σ y_k = 1: lse and each z_k are of size max|z|, so both computations are within a few
    # ε·(K + 2)·(max|z| + 1) (the + 1: log Σ e^(z - max) <= log K) of the truth, and of each other twice that
    bound = 2 * 4 * (6 + 2) * EPS * (np.abs(z).max(axis=1) + 1)
    assert np.all(np.abs(got - expected) <= bound)
    a, scratch, w = np.empty_like(z), np.empty_like(z), rng.uniform(0.1, 1.0, (20, 1))
    weighted = float(w[:, 0] @ expected)  # plus the weighted sum's own rounding, 20·ε of Σ|w L|
    with np.errstate(over="ignore", invalid="ignore"):  # as the training loop runs it
        fused = softmax_cross_entropy(z, y, w, a, scratch)
    assert fused == pytest.approx(weighted, rel=0,
                                                                       abs=w[:, 0] @ bound + 2 * 20 * EPS * abs(weighted))
    np.testing.assert_array_equal(a, softmax.f(z))  # the fused pass computes the very same softmax


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_cross_entropy_falls_back_to_the_row_maxima_where_the_mean_shift_overflows(dtype):
    """A row reaching more than log(largest float) above its mean (709 in float64, 88 in float32) overflows e^(z - mean);
    the fused pass then shifts by the row maxima, so the loss and the softmax stay finite and right."""
    from scipy.special import log_softmax, softmax

    from bpnn.core.losses import softmax_cross_entropy

    limit = np.log(np.finfo(dtype).max)
    z = np.array([[0.0, 0.0, 0.0, 2.0 * limit], [1.0, 2.0, 3.0, 4.0]], dtype=dtype)  # row 0: mean limit/2, max 2 limit
    with np.errstate(over="raise"):
        with pytest.raises(FloatingPointError):
            np.exp(z[0] - z[0].mean())  # the mean shift does overflow here
    y = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]], dtype=dtype)
    a, scratch = np.empty_like(z), np.empty_like(z)
    with np.errstate(over="ignore", invalid="ignore"):  # as the training loop runs it
        loss = softmax_cross_entropy(z, y, 0.5, a, scratch)
    wide = z.astype(np.float64)
    expected = -0.5 * float((y * log_softmax(wide, axis=1)).sum())
    eps = np.finfo(dtype).eps
    assert np.isfinite(loss) and abs(loss - expected) <= 8 * 6 * eps * (2 * limit + 1)
    np.testing.assert_allclose(a, softmax(wide, axis=1), rtol=8 * eps * (2 * limit + 6), atol=np.finfo(dtype).tiny)
    np.testing.assert_array_equal(a, ACTIVATIONS["softmax"].f(z))  # the activation falls back alike (and warns not)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("zeros_max", [0, 1 << 20], ids=["scalar_zero", "cached_zeros"])
def test_relu_is_max_with_zero_bit_for_bit_either_way(dtype, zeros_max, monkeypatch):
    """relu compares small pre-activations against a cached array of zeros (faster in NumPy than the scalar 0) and
    large ones against the scalar: the same values either way, NaN, infinities and signed zeros included."""
    from bpnn.core import activations

    monkeypatch.setattr(activations, "ZEROS_MAX", zeros_max)
    z = np.random.default_rng(4).standard_normal((9, 7)).astype(dtype)
    z.flat[:6] = [np.nan, np.inf, -np.inf, 0.0, -0.0, np.finfo(dtype).tiny / 4]
    relu = ACTIVATIONS["relu"]
    expected = np.where(np.isnan(z), z, np.where(z > 0, z, 0)).astype(dtype)  # max(z, 0), NaN kept
    for _ in range(2):  # the second call uses the cached zeros (or the scalar) again
        out = np.empty_like(z)
        got = relu.f(z, out=out)
        assert got is out and got.dtype == dtype
        np.testing.assert_array_equal(got, expected)
        assert not np.signbit(got[~np.isnan(got)]).any()  # no -0.0 from max(-0.0, 0)
    if zeros_max:
        zeros = activations._zeros(z.shape, z.dtype)
        assert not zeros.flags.writeable and not zeros.any()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_against_scipy(dtype):
    from scipy.special import softmax as scipy_softmax

    z = (np.random.default_rng(5).standard_normal((50, 10)) * 20).astype(dtype)
    got = ACTIVATIONS["softmax"].f(z)
    expected = scipy_softmax(z.astype(np.float64), axis=1)
    # s = z - c (c the row mean; any shift cancels in the quotient) rounds once, by up to ε/2 |s|, which e^s turns into
    # a relative error of ε/2 |s|, in the entry and in the row sum's largest terms alike; exp adds ~1 ulp, the row sum
    # of K = 10 terms at most K - 1 roundings and the division one: each entry within (K + 3 + (|s| + max|s|)/2) ε
    eps = np.finfo(dtype).eps
    shifted = np.abs(z.astype(np.float64) - z.astype(np.float64).mean(axis=1, keepdims=True))
    bound = (10 + 3 + (shifted + shifted.max(axis=1, keepdims=True)) / 2) * eps * expected + np.finfo(dtype).tiny
    assert np.all(np.abs(got - expected) <= bound), np.max(np.abs(got - expected) / bound)


def test_every_view_lives_in_params_after_init_pickle_copy_and_attach():
    """weights, biases and [W; b] are views of params, which the training loop writes through: a copy that kept
    an old view would train one vector and read another (the Dask workers' network_at once did)."""
    from bpnn.distributed.partitions import network_at

    net = network("tanh", "softmax", "cce", seed=2)
    copies = [net, pickle.loads(pickle.dumps(net)), network_at(net, net.params + 1.0)]
    for other in copies:
        views = [*other.weights, *other.biases, *other.weights_with_biases]
        assert all(np.shares_memory(view, other.params) for view in views)
        assert not any(np.shares_memory(view, net.params) for view in views) or other is net
        np.testing.assert_array_equal(other.weights_with_biases[0], np.vstack([other.weights[0], other.biases[0]]))
