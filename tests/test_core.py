"""The general core: gradients against finite differences, numerics, dtypes, optimizers, training."""

import copy
import math
import pickle
import subprocess
import sys

import numpy as np
import pytest

from bpnn.core import (
    ACTIVATIONS,
    LOSSES,
    DivergenceWarning,
    EarlyStopping,
    Network,
    Verdict,
    get_activation,
    get_loss,
    gradcheck,
    make_optimizer,
    make_schedule,
    train,
)
from bpnn.core.activations import HIDDEN_ACTIVATIONS
from bpnn.core.gradcheck import numerical_gradient, verdict
from bpnn.datasets import moons
from test_lm import EPS, cost_rounding, gradient_rounding

TARGETS = {
    "binary_cross_entropy": lambda rng, m, k: (rng.random((m, k)) > 0.5).astype(float),
    "categorical_cross_entropy": lambda rng, m, k: np.eye(k)[rng.integers(0, k, m)],
    "squared_error": lambda rng, m, k: rng.standard_normal((m, k)),
    "poisson": lambda rng, m, k: rng.poisson(1.5, (m, k)).astype(float),
}


def problem(depth, hidden, loss, output=None, seed=0, m=9, n_in=3, n_out=3):
    rng = np.random.default_rng(seed)
    sizes = [n_in] + [4, 3][: depth - 1] + [n_out]
    net = Network(sizes, hidden, output or get_loss(loss).canonical_output, init="glorot_normal", random_state=seed)
    for b in net.biases:
        b[...] = rng.normal(0, 0.5, b.shape)  # non-zero biases so every bias gradient is exercised
    X = rng.standard_normal((m, n_in))
    return net, X, TARGETS[loss](rng, m, n_out), rng


def central_difference_error(net, X, Y, loss, sample_weight=None, alpha=0.0, step=1e-6):
    """Per parameter array, the relative error gradcheck may report for a correct backprop: a bound on the central
    difference's own error ‖g_num - ∇J‖, over ‖g‖ + ‖g_num‖. Per parameter that error is
    - truncation, h²/6·∂³J/∂θ³: the estimate at 2h is off by 4 times as much, so |g_2h - g_h|/3 estimates it
      (Richardson; doubled for that estimate's own O(h⁴) and rounding);
    - rounding: the two costs are each within cost_rounding, so their difference over 2h within cost_rounding/h,
      and θ ± h is itself rounded, which changes the step by ε|θ|, the quotient by |g|·ε|θ|/h."""
    g_h = numerical_gradient(net, X, Y, loss, sample_weight, alpha, step)
    g_2h = numerical_gradient(net, X, Y, loss, sample_weight, alpha, 2 * step)
    _, analytic = net.loss_and_grad(X, Y, loss, sample_weight, alpha)
    per_parameter = (2 * np.abs(g_2h - g_h) / 3 + cost_rounding(net, X, Y, loss, sample_weight, alpha) / step
                     + np.abs(g_h) * EPS * np.abs(net.params) / step)
    (bound_W, bound_b), (g_W, g_b), (n_W, n_b) = (net.split(v) for v in (per_parameter, analytic, g_h))
    bounds = {}
    for l in range(net.n_layers):
        bounds[f"W[{l + 1}]"] = np.linalg.norm(bound_W[l]) / (np.linalg.norm(g_W[l]) + np.linalg.norm(n_W[l]))
        bounds[f"b[{l + 1}]"] = np.linalg.norm(bound_b[l]) / (np.linalg.norm(g_b[l]) + np.linalg.norm(n_b[l]))
    return bounds


def assert_gradcheck_passes(result, bounds):
    """Backprop agrees with central differences to within the central difference's own error, array by array."""
    for name, error in result.errors.items():
        assert error <= bounds[name], (name, error, bounds[name])


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
@pytest.mark.parametrize("alpha", [0.0, 0.3], ids=["no_l2", "l2"])
@pytest.mark.parametrize("depth", [1, 2, 3])
@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
def test_gradcheck_every_activation_loss_depth(hidden, loss, depth, alpha, weighted):
    net, X, Y, rng = problem(depth, hidden, loss)
    sample_weight = rng.uniform(0.2, 3.0, X.shape[0]) if weighted else None
    result = gradcheck(net, X, Y, loss, sample_weight, alpha)
    assert_gradcheck_passes(result, central_difference_error(net, X, Y, loss, sample_weight, alpha))


@pytest.mark.parametrize("loss,output", [("squared_error", "sigmoid"), ("squared_error", "tanh"),
                                         ("binary_cross_entropy", "identity"), ("squared_error", "softplus")])
def test_gradcheck_non_canonical_output(loss, output):
    net, X, Y, _ = problem(2, "tanh", loss, output=output)
    if loss == "binary_cross_entropy":
        net.weights[-1][...] *= 0.01  # keep identity outputs inside (0, 1) where log(a) is defined
        net.biases[-1][...] = 0.5
    assert_gradcheck_passes(gradcheck(net, X, Y, loss), central_difference_error(net, X, Y, loss))


# ---- the gradient check's verdict: right at every scale, and a wrong gradient caught ----------------------------
SCALES = (1e-4, 1e-3, 1e-2, 0.05, 1.0, 3.0, 10.0)


def drawn(depth, hidden, scale, dtype=np.float64, data_seed=1, m=8):
    """A binary problem and a network of ``depth`` hidden layers with weights scale·N(0, 1) and zero biases (the
    textbook's start: small scales give tiny gradients, zero biases put relu units at their kinks)."""
    rng = np.random.default_rng(data_seed)
    X = rng.standard_normal((m, 2))
    Y = (rng.random((m, 1)) > 0.5).astype(float)
    net = Network([2, *[4, 3, 3, 2][:depth], 1], hidden, "sigmoid", dtype=dtype)
    rng = np.random.default_rng(depth)
    for W, b in zip(net.weights, net.biases):
        W[...], b[...] = rng.standard_normal(W.shape) * scale, 0
    return net, X, Y


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("depth", [1, 2, 3, 4])
@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
def test_gradcheck_never_fails_a_correct_gradient(hidden, depth, scale):
    net, X, Y = drawn(depth, hidden, scale)
    check = gradcheck(net, X, Y, "binary_cross_entropy")
    assert check.passed(), {name: (check.errors[name], check.tolerances[name]) for name in check.failing()}
    if hidden not in ("relu", "leaky_relu"):
        assert not any(check.kinks.values())  # a kink is named only where a relu-type unit crosses Z = 0


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("depth", [1, 2, 3, 4])
@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
def test_gradcheck_float32_with_its_own_tolerance(hidden, depth, scale):
    """float32: h0 = ε32^(1/5) ≈ 0.04 and the rounding bounds in ε32; the analytic gradient is float32's own."""
    net, X, Y = drawn(depth, hidden, scale, dtype=np.float32)
    check = gradcheck(net, X, Y, "binary_cross_entropy")
    assert check.passed(), {name: (check.errors[name], check.tolerances[name]) for name in check.failing()}
    if hidden not in ("relu", "leaky_relu"):
        assert not any(check.kinks.values())


@pytest.mark.parametrize("data_seed", [6, 11, 12, 26])
def test_float32_steps_follow_the_units_input_and_four_points_agree(data_seed):
    """Deep tanh networks at weight scale 3 in float32, each once a false failure. With steps h0·|θ| (0.2 for
    θ = -4.8 at data seed 6) the evaluations at θ ± 4h cross a unit's turn out of saturation, D(h), D(2h), D(4h)
    happen to shrink by 4.1 and the estimate is -0.024 where dJ/dθ is 3.9e-4. With steps h0/rms(a) but three
    points (seeds 11, 12, 26) the ratio was 5.4 across such a turn, inside the 2 … 8 then accepted. Now each
    passes and every estimate is within its bound of the complex-step derivative."""
    net, X, Y = drawn(4, "tanh", 3.0, dtype=np.float32, data_seed=data_seed)
    check = gradcheck(net, X, Y, "binary_cross_entropy")
    assert check.passed(), {name: (check.errors[name], check.tolerances[name]) for name in check.failing()}
    assert np.all(np.abs(check.numeric - complex_step_gradient(net, X, Y)) <= check.bound)


def complex_step_gradient(net, X, Y):
    """dJ/dθ_j = Im J(θ + i·t·e_j) / t with t = 1e-30, for sigmoid/tanh/softplus hidden units, a sigmoid output and
    binary cross-entropy written out here (J = mean(log(1 + e^z) - y z)): no subtraction, so exact to rounding."""
    def softplus(z):  # log(1 + e^z), as z + log(1 + e^-z) where Re z > 0 so that neither side overflows
        with np.errstate(over="ignore", invalid="ignore"):
            return np.where(z.real > 0, z + np.log1p(np.exp(-z)), np.log1p(np.exp(z)))

    g = {"sigmoid": lambda z: np.exp(-softplus(-z)), "tanh": np.tanh, "softplus": softplus}
    hidden = [a.name for a in net.activations[:-1]]
    t, exact = 1e-30, np.empty(net.n_params)
    for j in range(net.n_params):
        theta = net.params.astype(complex)
        theta[j] += 1j * t
        weights, biases = net.split(theta)
        A = X.astype(complex)
        for W, b, name in zip(weights[:-1], biases[:-1], hidden):
            A = g[name](A @ W + b)
        z = A @ weights[-1] + biases[-1]
        exact[j] = np.mean(softplus(z) - Y * z).imag / t
    return exact


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("depth", [1, 2, 3, 4])
@pytest.mark.parametrize("hidden", ["sigmoid", "tanh", "softplus"])
def test_gradcheck_error_estimate_bounds_the_true_error(hidden, depth, scale, dtype):
    """Against the complex-step derivative (exact to rounding, computed independently above, in complex128 from
    the same parameters): the numerical estimate is within the bound the check derives for it, parameter by
    parameter, and backprop within its rounding bound in the network's own ε."""
    net, X, Y = drawn(depth, hidden, scale, dtype=dtype)
    exact = complex_step_gradient(net, X, Y)
    check = gradcheck(net, X, Y, "binary_cross_entropy")
    assert np.all(np.abs(check.numeric - exact) <= check.bound)
    eps = float(np.finfo(dtype).eps)
    assert np.linalg.norm(check.analytic - exact) <= gradient_rounding(net, X, Y, "binary_cross_entropy", eps=eps)


WRONG = ["times m", "largest entry 1e-3 off", "transposed", "signs"]
# Central differences resolve a gradient to about ε·|J|/h0 (float64 2e-13·|J|, float32 3e-6·|J|), less where a
# relu-type or elu unit sits at its kink (zero biases, tiny weights) and the step shrinks by up to 8^4. Below that
# the check cannot tell a gradient from zero and allows any error (a tolerance of 1): in float32 at weights of 1e-4
# with balanced labels (J = log 2, |∇J| ≈ 1e-5) nothing is resolved. In this problem (m = 4) the slips of the whole
# gradient (1/m left out, signs) are resolved at every scale in both dtypes; a slip confined to W[1], whose gradient
# scales with the weights above it, in float32 from weights of 1 up; one entry 0.1% off in float64 from 1e-3 up.
CAUGHT = ([(np.float64, scale, wrong) for scale in SCALES for wrong in WRONG
           if scale > 1e-4 or wrong != "largest entry 1e-3 off"]
          + [(np.float32, scale, wrong) for scale in SCALES for wrong in ("times m", "signs")]
          + [(np.float32, scale, "transposed") for scale in (1.0, 3.0, 10.0)])


@pytest.mark.parametrize("dtype,scale,wrong", CAUGHT, ids=lambda v: getattr(v, "__name__", str(v)))
@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
def test_gradcheck_catches_a_wrong_gradient(hidden, dtype, scale, wrong):
    net, X, Y = drawn(1, hidden, scale, dtype=dtype, m=4)
    _, g = net.loss_and_grad(X, Y, "binary_cross_entropy")
    bad = g.copy()
    W1 = net.split(bad)[0][0]
    if wrong == "times m":
        bad *= X.shape[0]  # the 1/m of the mean left out
    elif wrong == "largest entry 1e-3 off":
        W1.flat[np.argmax(np.abs(W1))] *= 1.001
    elif wrong == "transposed":
        W1[...] = W1[::-1, ::-1]  # entries in the wrong places (W1 is (2, 4): reversed in both axes)
    else:
        bad = -bad
    check = gradcheck(net, X, Y, "binary_cross_entropy", analytic=bad)
    assert not check.passed()
    if dtype == np.float64 or wrong == "transposed":
        assert "W[1]" in check.failing()


def test_gradcheck_fixed_tolerance_replaces_the_derived_one():
    net, X, Y = drawn(1, "sigmoid", 1.0)
    check = gradcheck(net, X, Y, "binary_cross_entropy")
    assert check.passed() and not check.passed(1e-300)
    assert check.failing(1e-300) == list(check.errors)


def test_gradcheck_says_unresolved_where_it_cannot_catch_a_wrong_gradient():
    """float32 at weights of 1e-4 (J ≈ log 2, m = 8): dJ/dW[1] carries the factor W[2] ≈ 1e-4, and its float32
    estimate errs, measured against float64 backprop at the same weights, by more than the whole gradient. The
    check allows any error there, so W[1] is "unresolved", never "agree", with the right gradient and with one m
    times too large alike; passed() holds (nothing disagrees) and strict=True / resolved say what is missing.
    The same weights in float64 are resolved everywhere, and the m-times slip there disagrees."""
    net, X, Y = drawn(1, "sigmoid", 1e-4, dtype=np.float32)
    m = X.shape[0]
    check = gradcheck(net, X, Y, "binary_cross_entropy")
    exact = Network(net.layer_sizes, "sigmoid", "sigmoid")
    exact.unpack(net.params.astype(np.float64))
    _, g = exact.loss_and_grad(X, Y, "binary_cross_entropy")

    def W1(flat):  # the W[1] block of a flat vector, as a view
        return net.split(flat)[0][0]

    assert np.linalg.norm(W1(check.numeric) - W1(g)) > np.linalg.norm(W1(g))  # float32 cannot see this gradient
    assert check.verdicts["W[1]"] == Verdict.UNRESOLVED == "unresolved" and "W[1]" in check.unresolved
    assert check.verdicts["W[2]"] is Verdict.AGREE
    assert check.passed() and not check.resolved and not check.passed(strict=True)
    assert check.worst in ("W[2]", "b[2]")  # the worst among the arrays the check resolves

    wrong = check.analytic.copy()
    W1(wrong)[...] *= m  # the 1/m of the mean left out of dW[1] only
    slipped = gradcheck(net, X, Y, "binary_cross_entropy", analytic=wrong)
    assert slipped.verdicts["W[1]"] is Verdict.UNRESOLVED  # not caught, and not passed off as agreeing
    assert slipped.passed() and not slipped.passed(strict=True)
    everywhere = gradcheck(net, X, Y, "binary_cross_entropy", analytic=check.analytic * m)
    assert everywhere.verdicts["W[2]"] is Verdict.DISAGREE and not everywhere.passed()
    assert everywhere.verdicts["W[1]"] is not Verdict.AGREE

    resolved = gradcheck(exact, X, Y, "binary_cross_entropy")
    assert set(resolved.verdicts.values()) == {Verdict.AGREE} and resolved.resolved and resolved.passed(strict=True)
    wrong = resolved.analytic.copy()
    W1(wrong)[...] *= m
    caught = gradcheck(exact, X, Y, "binary_cross_entropy", analytic=wrong)
    assert caught.verdicts == {**resolved.verdicts, "W[1]": Verdict.DISAGREE} and caught.failing() == ["W[1]"]
    W1(wrong)[0, 0] = np.nan  # not a number disagrees, though its threshold then allows anything
    assert gradcheck(exact, X, Y, "binary_cross_entropy", analytic=wrong).verdicts["W[1]"] is Verdict.DISAGREE
    assert verdict(0.0, 0.0, compared=False) is Verdict.UNRESOLVED  # a kink left out every parameter: nothing compared


def test_softmax_needs_categorical_cross_entropy():
    net, X, Y, _ = problem(2, "tanh", "squared_error", output="softmax")
    with pytest.raises(ValueError, match="softmax.*categorical_cross_entropy"):
        net.loss_and_grad(X, Y, "squared_error")


def test_sample_weights_equal_repeated_rows():
    net, X, Y, _ = problem(2, "tanh", "binary_cross_entropy")
    counts = np.array([1, 2, 3, 1, 1, 2, 1, 4, 1])
    X_r, Y_r = np.repeat(X, counts, 0), np.repeat(Y, counts, 0)
    J_w, g_w = net.loss_and_grad(X, Y, "binary_cross_entropy", counts.astype(float), alpha=0.2)
    J_r, g_r = net.loss_and_grad(X_r, Y_r, "binary_cross_entropy", alpha=0.2)
    # the same sums, grouped differently: each within its rounding bound
    cost_error = (cost_rounding(net, X, Y, "binary_cross_entropy", counts, alpha=0.2)
                  + cost_rounding(net, X_r, Y_r, "binary_cross_entropy", alpha=0.2))
    assert J_w == pytest.approx(J_r, rel=0, abs=cost_error)
    gradient_error = (gradient_rounding(net, X, Y, "binary_cross_entropy", counts, alpha=0.2)
                      + gradient_rounding(net, X_r, Y_r, "binary_cross_entropy", alpha=0.2))
    assert np.linalg.norm(g_w - g_r) <= gradient_error


@pytest.mark.parametrize("z", [1000.0, -1000.0])
@pytest.mark.parametrize("y", [0.0, 1.0])
def test_saturated_sigmoid_output_is_finite(z, y):
    net = Network([1, 1], output_activation="sigmoid")
    net.weights[0][...] = z
    X, Y = np.ones((1, 1)), np.full((1, 1), y)
    J, grad = net.loss_and_grad(X, Y, "binary_cross_entropy")
    assert np.isfinite(J) and np.all(np.isfinite(grad))
    wrong = (z > 0) != (y == 1)
    # -log σ(-1000) = 1000 + log(1 + e^-1000) and -log σ(1000) = e^-1000: 1000 or 0 to a few ulp of 1000
    assert J == pytest.approx(1000.0 if wrong else 0.0, rel=0, abs=4 * EPS * 1000)


def test_saturated_softmax_is_finite():
    net = Network([1, 3], output_activation="softmax")
    net.weights[0][...] = [[1000.0, -1000.0, 0.0]]
    J, grad = net.loss_and_grad(np.ones((1, 1)), np.array([[0.0, 1.0, 0.0]]), "categorical_cross_entropy")
    # J = log(e^1000 + e^-1000 + 1) + 1000 = 2000 + log(1 + e^-1000 + e^-2000): 2000 to a few ulp
    assert J == pytest.approx(2000.0, rel=4 * EPS) and np.all(np.isfinite(grad))


def test_activations_against_closed_forms():
    from scipy.special import expit

    z = np.linspace(-5, 5, 41)
    # the closed forms in their accurate spellings (e^z - 1 as expm1, log(1 + e^z) as logaddexp), each within an
    # ulp or two of the true value, so a correct activation is within a few ulp of them
    expected = {
        "sigmoid": expit(z), "tanh": np.tanh(z), "relu": np.maximum(z, 0),
        "leaky_relu": np.where(z > 0, z, 0.01 * z), "elu": np.where(z > 0, z, np.expm1(z)),
        "softplus": np.logaddexp(0, z), "identity": z,
    }
    for name, values in expected.items():
        np.testing.assert_allclose(ACTIVATIONS[name].f(z), values, rtol=4 * EPS, atol=0, err_msg=name)
    assert get_activation("logistic") is ACTIVATIONS["sigmoid"]


def test_unknown_names_list_valid_ones():
    with pytest.raises(ValueError, match="unknown activation 'swish'; valid activations are sigmoid, tanh"):
        get_activation("swish")
    with pytest.raises(ValueError, match="valid losses are binary_cross_entropy"):
        get_loss("hinge")
    with pytest.raises(ValueError, match="valid optimizers are gd, momentum, adam, rmsprop"):
        make_optimizer("adagrad")
    with pytest.raises(ValueError, match="valid hidden activations"):
        get_activation("softmax", hidden=True)


def test_pack_unpack_round_trip():
    net, *_ = problem(3, "relu", "squared_error")
    flat = net.pack()
    assert flat.shape == (net.n_params,) and net.n_params == 3 * 4 + 4 + 4 * 3 + 3 + 3 * 3 + 3
    net.unpack(np.arange(net.n_params, dtype=float))
    np.testing.assert_array_equal(net.weights[0].ravel(), np.arange(12))
    np.testing.assert_array_equal(net.biases[0], np.arange(12, 16))
    net.unpack(flat)
    np.testing.assert_array_equal(net.pack(), flat)


def test_float32_end_to_end():
    X, y = moons(64)
    X32, Y32 = X.astype(np.float32), y[:, None].astype(np.float32)
    net = Network([2, 5, 1], "tanh", "sigmoid", dtype=np.float32, random_state=0)
    cache = net.forward(X32)
    assert all(a.dtype == np.float32 for a in cache.A) and all(z.dtype == np.float32 for z in cache.Z[1:])
    _, grad = net.loss_and_grad(X32, Y32, "binary_cross_entropy", alpha=0.1)
    assert grad.dtype == np.float32
    train(net, X32, Y32, "binary_cross_entropy", make_optimizer("adam", learning_rate=0.01), epochs=3,
          batch_size=16, rng=np.random.default_rng(0))
    assert net.params.dtype == np.float32 and all(W.dtype == np.float32 for W in net.weights)


# ---- optimizers, each re-derived element by element at t = 3 ---------------------------------------
def run_optimizer(name, grads, **options):
    params = np.array([0.5, -1.0, 2.0])
    optimizer = make_optimizer(name, **options)
    for g in grads:
        optimizer.update(params, np.array(g))
    return params


GRADS = [[0.1, -0.2, 0.3], [0.05, 0.4, -0.1], [-0.3, 0.1, 0.2]]


# The re-derivations below take the optimizers' steps in scalar arithmetic, perhaps in another order than the
# vectorised code: 3 steps of at most ~8 roundings each, on parameters larger than the steps (no cancellation),
# so they agree to 3 × 8 ε, and to 3 × 16 ε where a square root and a division enter.
def test_gradient_descent_rederived():
    expected = [p - 0.1 * sum(g[i] for g in GRADS) for i, p in enumerate([0.5, -1.0, 2.0])]
    np.testing.assert_allclose(run_optimizer("gd", GRADS, learning_rate=0.1), expected, rtol=3 * 8 * EPS)


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_rederived(nesterov):
    expected = []
    for i, p in enumerate([0.5, -1.0, 2.0]):
        v = 0.0
        for g in GRADS:
            v = 0.9 * v - 0.1 * g[i]
            p = p + (0.9 * v - 0.1 * g[i] if nesterov else v)
        expected.append(p)
    got = run_optimizer("nesterov" if nesterov else "momentum", GRADS, learning_rate=0.1, momentum=0.9)
    np.testing.assert_allclose(got, expected, rtol=3 * 8 * EPS)


def test_adam_rederived_with_bias_correction():
    lr, b1, b2, eps = 0.01, 0.8, 0.95, 1e-8
    expected = []
    for i, p in enumerate([0.5, -1.0, 2.0]):
        m = v = 0.0
        for t, g in enumerate(GRADS, start=1):
            m = b1 * m + (1 - b1) * g[i]
            v = b2 * v + (1 - b2) * g[i] ** 2
            m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
            # ε is added to √v before bias correction, as in scikit-learn: ε_hat = ε / √(1-β2^t)
            p -= lr * m_hat / (math.sqrt(v_hat) + eps / math.sqrt(1 - b2 ** t))
        expected.append(p)
    got = run_optimizer("adam", GRADS, learning_rate=lr, beta_1=b1, beta_2=b2, epsilon=eps)
    np.testing.assert_allclose(got, expected, rtol=3 * 16 * EPS)


def test_rmsprop_rederived():
    expected = []
    for i, p in enumerate([0.5, -1.0, 2.0]):
        s = 0.0
        for g in GRADS:
            s = 0.9 * s + 0.1 * g[i] ** 2
            p -= 0.01 * g[i] / (math.sqrt(s) + 1e-8)
        expected.append(p)
    np.testing.assert_allclose(run_optimizer("rmsprop", GRADS, learning_rate=0.01), expected, rtol=3 * 16 * EPS)


def test_schedules():
    assert [make_schedule("step", 1.0, drop=0.5, every=2)(e, 0) for e in range(4)] == [1.0, 0.5, 0.5, 0.25]
    assert make_schedule("exponential", 1.0, gamma=0.5)(1, 0) == 0.25
    assert make_schedule("invscaling", 1.0, power_t=0.5)(2, 0) == pytest.approx(0.5, rel=4 * EPS)  # a power, a division
    plateau = make_schedule("adaptive", 1.0, factor=0.2, patience=2, tol=0.0)
    rates = [plateau(e, loss) for e, loss in enumerate([1.0, 0.5, 0.5, 0.5, 0.4])]
    assert rates == pytest.approx([1, 1, 1, 0.2, 0.2], rel=2 * EPS)  # one multiplication by the factor


# ---- training loop -------------------------------------------------------------------------------
def fit_moons(seed=0, **options):
    X, y = moons(200, random_state=1)
    net = Network([2, 8, 1], "tanh", "sigmoid", random_state=seed)
    history = train(net, X, y[:, None], "binary_cross_entropy", make_optimizer("adam", learning_rate=0.02),
                    epochs=options.pop("epochs", 30), batch_size=32, rng=np.random.default_rng(seed), **options)
    return net, history


def test_same_seed_bit_identical():
    a, _ = fit_moons(seed=5)
    b, _ = fit_moons(seed=5)
    c, _ = fit_moons(seed=6)
    assert np.array_equal(a.params, b.params)
    assert not np.array_equal(a.params, c.params)


def test_history_with_validation_and_score():
    X, y = moons(100, random_state=2)
    accuracy = lambda net, Xv, Yv, w: float(((net.predict(Xv) > 0.5) == Yv).mean())  # noqa: E731
    net, history = fit_moons(validation=(X, y[:, None]), score=accuracy, epochs=12)
    assert len(history.loss) == len(history.val_loss) == len(history.val_score) == 12
    assert history.loss[-1] < history.loss[0] and history.val_score[-1] > 0.8
    assert history.stop_reason == "maximum epochs"


def test_early_stopping_restores_best_weights():
    X, y = moons(100, random_state=2)
    snapshots = []
    record = lambda epoch, history, net: snapshots.append(net.pack())  # noqa: E731
    stopper = EarlyStopping("val_loss", patience=3, min_delta=0.0)
    net, history = fit_moons(validation=(X, y[:, None]), early_stopping=stopper, callbacks=[record], epochs=400)
    assert "no improvement of val_loss in 3 epochs" == history.stop_reason
    best = int(np.argmin(history.val_loss))
    assert history.best_epoch == best and len(history.loss) == best + 4
    np.testing.assert_array_equal(net.params, snapshots[best])


def test_callback_stops_training():
    _, history = fit_moons(callbacks=[lambda epoch, history, net: epoch == 4])
    assert history.epochs == 5 and history.stop_reason == "stopped by callback"


def test_divergence_restores_last_finite_weights():
    X = np.random.default_rng(0).standard_normal((50, 3)) * 100
    Y = X @ np.array([[1.0], [2.0], [3.0]])
    net = Network([3, 4, 1], "relu", "identity", random_state=0)
    seen = []
    with pytest.warns(DivergenceWarning, match=r"diverged at epoch \d+.*Lower the learning rate, e.g. to 1"):
        history = train(net, X, Y, "squared_error", make_optimizer("gd", learning_rate=10.0), epochs=200,
                        callbacks=[lambda e, h, n: seen.append(n.pack())])
    assert history.stop_reason == "diverged"
    assert np.all(np.isfinite(net.params))
    np.testing.assert_array_equal(net.params, seen[-1])


def test_core_imports_no_heavy_libraries():
    code = ("import sys, bpnn, bpnn.core, bpnn.seed, bpnn.datasets; "
            "heavy = [m for m in ('sklearn', 'matplotlib', 'pandas', 'dask', 'scipy', 'rich') if m in sys.modules]; "
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_import_bpnn_is_lazy_and_names_load_their_modules():
    code = ("import sys, bpnn; before = sorted(m for m in sys.modules if m == 'numpy' or m.startswith('bpnn.')); "
            "net = bpnn.Network([2, 3, 1]); trained = bpnn.train; "
            "print(before, 'bpnn.core.training' in sys.modules, 'numpy' in sys.modules, 'sklearn' in sys.modules, "
            "type(net).__module__, trained.__module__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[] True True False bpnn.core.network bpnn.core.training"
    with pytest.raises(AttributeError, match="module 'bpnn' has no attribute 'Netwrok'"):
        import bpnn
        bpnn.Netwrok  # noqa: B018
    assert {"Network", "train", "BPClassifier", "explain"} <= set(dir(bpnn))


@pytest.mark.parametrize("clone", [lambda n: pickle.loads(pickle.dumps(n)), copy.deepcopy], ids=["pickle", "deepcopy"])
def test_copied_network_keeps_weights_as_views_of_params(clone):
    net, X, Y, _ = problem(2, "tanh", "squared_error")
    twin = clone(net)
    np.testing.assert_array_equal(twin.predict(X), net.predict(X))
    twin.unpack(np.zeros(twin.n_params))
    assert not twin.weights[0].any() and not twin.biases[-1].any()
    assert net.weights[0].any()  # the original is untouched


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_is_accurate_to_a_few_ulps_and_saturates_quietly(dtype):
    import warnings

    from scipy.special import expit

    z = np.concatenate([np.linspace(-100, 100, 20001), [-1e4, -800.0, -745.0, 745.0, 800.0, 1e4]]).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # saturation is expected: no overflow warning
        got = ACTIVATIONS["sigmoid"].f(z)
    expected = expit(z.astype(np.float64))
    normal = expected > np.finfo(dtype).tiny  # where the true value is a normal number of the dtype
    assert got.dtype == dtype
    np.testing.assert_allclose(got[normal], expected[normal].astype(dtype), rtol=4 * np.finfo(dtype).eps, atol=0)
    assert np.all(got[~normal] <= np.finfo(dtype).tiny) and np.all(got >= 0)
    assert got[z == -1e4][0] == 0 and got[z == 1e4][0] == 1
