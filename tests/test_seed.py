"""The seed's two-layer network: a hand-worked step, agreement with the general core, learning."""

import re

import numpy as np
import pytest

from bpnn.core import Network, gradcheck
from bpnn.core.gradcheck import numerical_gradient, relative_error
from bpnn.datasets import flower, xor
from bpnn.seed import TwoLayerNet
from test_core import central_difference_error
from test_lm import cost_rounding, gradient_rounding


def hand_worked_net() -> TwoLayerNet:
    net = TwoLayerNet(2, 2)
    net.w1[...] = [[0.1, -0.2], [0.4, 0.3]]
    net.b1[...] = [[0.01], [-0.02]]
    net.w2[...] = [[0.5, -0.6]]
    net.b2[...] = [[0.05]]
    return net


# Two samples as columns: x(1) = (1, 2) with y = 1, x(2) = (-1, 0.5) with y = 0.
X_HAND = np.array([[1.0, -1.0], [2.0, 0.5]])
Y_HAND = np.array([[1.0, 0.0]])


# The hand-worked values below are the exact results to 16-17 digits. Each is a few operations (a 2-term dot
# product, σ, a product) from the last, so the computed ones are within a few ulp per step of them, times the
# cancellation where a sum is much smaller than its terms: rtol 1e-14 (≈ 45 ulp) for z1, 1e-13 (≈ 450 ulp) for
# the rest of the forward pass, 1e-12 where a difference of nearly equal terms (z2, dw, db2, dz1) loses up to
# ~30x, 1e-11 for db1, whose two terms cancel to 1/30 of their size after those losses.
def test_hand_worked_gradient_descent_step():
    net = hand_worked_net()
    cache = net.forward(X_HAND)
    # z1 = w1 x + b1: sample 1: 0.1·1 - 0.2·2 + 0.01 = -0.29, 0.4·1 + 0.3·2 - 0.02 = 0.98
    #                 sample 2: 0.1·-1 - 0.2·0.5 + 0.01 = -0.19, 0.4·-1 + 0.3·0.5 - 0.02 = -0.27
    np.testing.assert_allclose(cache.z1, [[-0.29, -0.19], [0.98, -0.27]], rtol=1e-14)
    # a1 = σ(z1): σ(-0.29) = 0.428003867, σ(0.98) = 0.727108216, σ(-0.19) = 0.452642382, σ(-0.27) = 0.432907095
    np.testing.assert_allclose(cache.a1, [[0.42800386706848137, 0.45264238185691075],
                                          [0.7271082163411295, 0.4329070950345457]], rtol=1e-13)
    # z2 = w2 a1 + b2: 0.5·0.428004 - 0.6·0.727108 + 0.05 = -0.172263; 0.5·0.452642 - 0.6·0.432907 + 0.05 = 0.016577
    np.testing.assert_allclose(cache.z2, [[-0.17226299627043706, 0.016576933907727978]], rtol=1e-12)
    # a2 = σ(z2) = 0.457040, 0.504144
    np.testing.assert_allclose(cache.a2, [[0.457040432212816, 0.5041441385784105]], rtol=1e-13)
    # L = -log(0.457040) = 0.782983, -log(1 - 0.504144) = 0.701470; J = (0.782983 + 0.701470) / 2 = 0.742227
    assert net.cost(cache.a2, Y_HAND) == pytest.approx(0.7422267076754057, rel=1e-13)
    g = net.backward(X_HAND, Y_HAND, cache)
    # 8-13 dz2 = a2 - y = (0.457040 - 1, 0.504144 - 0) = (-0.542960, 0.504144)
    np.testing.assert_allclose(g.dz2, [[-0.542959567787184, 0.5041441385784105]], rtol=1e-13)
    # 8-14 dw2 = 1/2 (dz2 a1ᵀ): (-0.542960·0.428004 + 0.504144·0.452642)/2 = -0.002096,
    #                           (-0.542960·0.727108 + 0.504144·0.432907)/2 = -0.088271
    np.testing.assert_allclose(g.dw2, [[-0.0020958954947069147, -0.08827139418420843]], rtol=1e-12)
    # 8-15 db2 = 1/2 (-0.542960 + 0.504144) = -0.019408
    np.testing.assert_allclose(g.db2, [[-0.019407714604386783]], rtol=1e-12)
    # 8-16 da1 = w2ᵀ dz2: 0.5·-0.542960 = -0.271480, -0.6·-0.542960 = 0.325776; 0.5·0.504144 = 0.252072, -0.6·0.504144 = -0.302486
    np.testing.assert_allclose(g.da1, [[-0.271479783893592, 0.2520720692892052],
                                       [0.3257757406723104, -0.30248648314704624]], rtol=1e-13)
    # 8-17 dz1 = da1 ⊙ a1(1 - a1): -0.271480·0.428004·0.571996 = -0.066463, 0.325776·0.727108·0.272892 = 0.064641,
    #                              0.252072·0.452642·0.547358 = 0.062453, -0.302486·0.432907·0.567093 = -0.074260
    np.testing.assert_allclose(g.dz1, [[-0.0664627459452857, 0.06245268420229659],
                                       [0.06464102777844455, -0.07425999061855322]], rtol=1e-12)
    # 8-18 dw1 = 1/2 dz1 xᵀ: (-0.066463·1 + 0.062453·-1)/2 = -0.064458, (-0.066463·2 + 0.062453·0.5)/2 = -0.050850,
    #                        (0.064641·1 - 0.074260·-1)/2 = 0.069451, (0.064641·2 - 0.074260·0.5)/2 = 0.046076
    np.testing.assert_allclose(g.dw1, [[-0.06445771507379114, -0.05084957489471155],
                                       [0.06945050919849888, 0.04607603012380625]], rtol=1e-12)
    # 8-19 db1 = 1/2 Σ dz1: (-0.066463 + 0.062453)/2 = -0.002005, (0.064641 - 0.074260)/2 = -0.004809
    np.testing.assert_allclose(g.db1, [[-0.002005030871494555], [-0.004809481420054336]], rtol=1e-11)
    # update with α = 0.5: w ← w - 0.5 dw
    net.update(g, 0.5)
    np.testing.assert_allclose(net.w1, [[0.13222885753689556, -0.17457521255264424],
                                        [0.36527474540075056, 0.2769619849380969]], rtol=1e-13)
    np.testing.assert_allclose(net.b1, [[0.011002515435747278], [-0.017595259289972832]], rtol=1e-12)
    np.testing.assert_allclose(net.w2, [[0.5010479477473535, -0.5558643029078958]], rtol=1e-13)
    np.testing.assert_allclose(net.b2, [[0.059703857302193394]], rtol=1e-13)


def test_seed_order_of_gradients():
    net = hand_worked_net()
    grads = net.backward(X_HAND, Y_HAND, net.forward(X_HAND))
    assert list(grads) == ["da2", "dz2", "dw2", "db2", "da1", "dz1", "dw1", "db1"]
    assert grads.dw1 is grads["dw1"]


def core_twin(seed_net: TwoLayerNet) -> Network:
    """The general core's network with the seed network's weights (rows convention: W = wᵀ)."""
    n_h, n_x = seed_net.w1.shape
    net = Network([n_x, n_h, seed_net.w2.shape[0]], "sigmoid", "sigmoid")
    net.weights[0][...] = seed_net.w1.T
    net.biases[0][...] = seed_net.b1.ravel()
    net.weights[1][...] = seed_net.w2.T
    net.biases[1][...] = seed_net.b2.ravel()
    return net


def test_seed_gradients_equal_core_and_finite_differences():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 7))
    y = (rng.random((1, 7)) > 0.5).astype(float)
    seed_net = TwoLayerNet(3, 5, seed=1, scale=1.0)
    grads = seed_net.backward(x, y, seed_net.forward(x))
    core = core_twin(seed_net)
    J, flat = core.loss_and_grad(x.T, y.T, "binary_cross_entropy")
    # the seed computes from a2 with clipping, the core from z: each within the cost's rounding bound
    assert J == pytest.approx(seed_net.cost(seed_net.forward(x).a2, y), rel=0,
                              abs=2 * cost_rounding(core, x.T, y.T, "binary_cross_entropy"))
    (dW1, dW2), (db1, db2) = core.split(flat)
    # the same backprop with samples as columns instead of rows: sums in another order, each gradient within
    # gradient_rounding (a bound on the 2-norm of the error of the whole gradient)
    rounding = 2 * gradient_rounding(core, x.T, y.T, "binary_cross_entropy")
    for seed_grad, core_grad in [(grads.dw1, dW1.T), (grads.db1.ravel(), db1), (grads.dw2, dW2.T), (grads.db2.ravel(), db2)]:
        np.testing.assert_allclose(seed_grad, core_grad, rtol=0, atol=rounding)
    numeric = numerical_gradient(core, x.T, y.T, "binary_cross_entropy")
    (nW1, nW2), (nb1, nb2) = core.split(numeric)
    # against central differences, to within their own error (truncation and rounding; see test_core.py)
    bounds = central_difference_error(core, x.T, y.T, "binary_cross_entropy")
    pairs = {"W[1]": (grads.dw1, nW1.T), "b[1]": (grads.db1.ravel(), nb1), "W[2]": (grads.dw2, nW2.T),
             "b[2]": (grads.db2.ravel(), nb2)}
    for name, (analytic, estimate) in pairs.items():
        scale = np.linalg.norm(analytic) + np.linalg.norm(estimate)
        assert relative_error(analytic, estimate) <= bounds[name] + rounding / scale
    check = gradcheck(core, x.T, y.T, "binary_cross_entropy")
    assert all(check.errors[name] <= bounds[name] for name in pairs)


def test_seed_learns_xor():
    X, y = xor()
    net = TwoLayerNet(2, 4, seed=0)
    costs = net.fit(X.T, y[None, :], learning_rate=5.0, epochs=3000)
    assert costs[-1] < costs[0]
    assert (net.predict(X.T).ravel() == y).mean() == 1.0


def test_seed_learns_flower():
    X, y = flower()
    net = TwoLayerNet(2, 4, seed=0)
    net.fit(X.T, y[None, :], learning_rate=2.0, epochs=5000)
    assert (net.predict(X.T).ravel() == y).mean() >= 0.90


def test_seed_float32_stays_float32():
    X, y = xor()
    net = TwoLayerNet(2, 3, seed=0, dtype=np.float32)
    x = X.T.astype(np.float32)
    cache = net.forward(x)
    grads = net.backward(x, y[None, :].astype(np.float32), cache)
    assert all(v.dtype == np.float32 for v in (*cache.values(), *grads.values(), *net.params.values()))


# ---- wrong input refused in the textbook's words ---------------------------------------------------------------
@pytest.mark.parametrize("call, message", [
    (lambda net: net.forward(np.ones((3, 2))), "x is (3, 2), but samples are columns in the textbook's notation: x "
                                               "must be (n_x, m) = (2, m); pass X.T"),
    (lambda net: net.forward(np.ones(2)), "pass x.reshape(-1, 1) for one sample"),
    (lambda net: net.forward(np.ones((5, 4))), "x must be a 2-D array (n_x, m) = (2, m)"),
    (lambda net: net.fit(X_HAND, np.array([1.0, 0.0]), epochs=1), "y is 1-D (2,), but labels are a row (n_y, m) = "
                                                                   "(1, 2), one column per sample; pass y.reshape(1, -1)"),
    (lambda net: net.fit(np.ones((2, 3)), np.ones((3, 1)), epochs=1), "y is (3, 1), but samples are columns"),
    (lambda net: net.fit(X_HAND, np.array([[1.0, 2.0]]), epochs=1),
     "labels must lie in [0, 1] (0 or 1 for the cross-entropy 8-11, one sigmoid output per class); got [2.0]"),
    (lambda net: net.backward(X_HAND, np.array([[1.0, -1.0]]), net.forward(X_HAND)), "got [-1.0]"),
    (lambda net: net.cost(X_HAND, Y_HAND), "cost takes (a2, y): the prediction a2 = σ(z2) and the labels y, both "
                                           "(n_y, m); got shapes (2, 2) and (1, 2)"),
    (lambda net: net.cost(np.array([[1.0, 2.0]]), Y_HAND), "got values outside (pass forward(x).a2, not x or z2)"),
])
def test_wrong_input_is_refused_naming_the_convention(call, message):
    net = hand_worked_net()
    with pytest.raises(ValueError, match=re.escape(message)):
        call(net)


def test_right_input_still_accepted_as_lists_and_soft_labels():
    net = hand_worked_net()
    a2 = net.forward(X_HAND.tolist()).a2
    assert net.cost(a2, [[1, 0]]) == pytest.approx(0.7422267076754057, rel=1e-13)  # the hand-worked J
    assert net.cost(a2, np.array([[0.5, 0.5]])) > 0  # labels anywhere in [0, 1] are a cross-entropy's targets
