"""The error Jacobian against central differences, and the chunked Gauss–Newton sums against whole ones."""

import numpy as np
import pytest

from bpnn.core import Network
from bpnn.core.jacobian import gauss_newton, jacobian, sum_squared_errors
from test_lm import EPS, assert_within, cost_rounding, gradient_rounding, output_rounding

CASES = [  # (layer sizes, hidden activations, output activation)
    ([1, 5, 1], "tanh", "identity"),
    ([3, 4, 2], "sigmoid", "identity"),
    ([2, 4, 3, 3], ["relu", "tanh"], "sigmoid"),
    ([4, 3, 5, 2, 2], ["elu", "softplus", "leaky_relu"], "tanh"),
    ([3, 2], [], "softplus"),
]


def make(sizes, hidden, output, seed=0, m=7):
    rng = np.random.default_rng(seed)
    net = Network(sizes, hidden, output, random_state=seed)
    for b in net.biases:
        b[...] = rng.normal(0, 0.5, b.shape)  # non-zero biases so relu units are active and biases matter
    return net, rng.standard_normal((m, sizes[0])), rng.standard_normal((m, sizes[-1]))


def numerical_jacobian(net, X, Y, step=1e-6):
    """∂e/∂θ_j ≈ (e(θ + h e_j) - e(θ - h e_j)) / 2h, one parameter at a time."""
    columns = []
    for j in range(net.n_params):
        saved = net.params[j]
        net.params[j] = saved + step
        plus = (net.predict(X) - Y).reshape(-1)
        net.params[j] = saved - step
        minus = (net.predict(X) - Y).reshape(-1)
        net.params[j] = saved
        columns.append((plus - minus) / (2 * step))
    return np.stack(columns, axis=1)


def central_difference_error(net, X, Y, step=1e-6):
    """Per entry, a bound on the error of ``numerical_jacobian``: truncation h²/6·∂³e/∂θ³, estimated from the
    estimate at 2h (off by 4 times as much: Richardson; doubled for that estimate's own error); rounding, as
    each error e = a - y is within δa (the output's rounding: output_rounding, |g'| <= 1, plus a few ε of a)
    of its true value, so their difference over 2h within δa/h; and θ ± h itself rounded, which changes the
    step by ε|θ|, the quotient by |∂e/∂θ|·ε|θ|/h."""
    D_h, D_2h = numerical_jacobian(net, X, Y, step), numerical_jacobian(net, X, Y, 2 * step)
    a = net.predict(X)
    output_error = (output_rounding(net, X) + 4 * EPS * np.abs(a) + EPS * np.abs(a - Y)).reshape(-1, 1)
    return 2 * np.abs(D_2h - D_h) / 3 + output_error / step + np.abs(D_h) * EPS * np.abs(net.params) / step


@pytest.mark.parametrize("sizes,hidden,output", CASES, ids=lambda case: str(case))
def test_jacobian_matches_central_differences(sizes, hidden, output):
    net, X, Y = make(sizes, hidden, output)
    analytic = jacobian(net, X)
    assert analytic.shape == (X.shape[0] * sizes[-1], net.n_params)
    # to within the central difference's own error, plus the analytic entries' rounding: each a product of
    # depth factors and sums of fan-in terms, a few ulp × depth × fan-in of its size
    backprop_error = 4 * net.n_layers * max(sizes) * EPS * np.abs(analytic)
    assert_within(analytic, numerical_jacobian(net, X, Y), central_difference_error(net, X, Y) + backprop_error)


@pytest.mark.parametrize("sizes,hidden,output", CASES, ids=lambda case: str(case))
def test_chunked_sums_equal_whole_sums_and_the_backprop_gradient(sizes, hidden, output):
    net, X, Y = make(sizes, hidden, output, m=11)
    s = np.random.default_rng(1).uniform(0.2, 3.0, X.shape[0])
    J, e = jacobian(net, X), (net.predict(X) - Y).reshape(-1)
    weights = np.repeat(s, sizes[-1])
    whole = gauss_newton(net, X, Y, s, rows=X.shape[0])
    chunked = gauss_newton(net, X, Y, s, rows=3)  # 3 + 3 + 3 + 2 rows
    # The same sums of n = m·K products in other orders and groupings: the summation bound, γ_n·Σ|terms| per
    # entry, for each side; the Jacobian's entries, perhaps computed in chunks of other sizes, are themselves
    # within a few ulp × depth × fan-in of their size, which the products double.
    n = len(e) + 4 * net.n_layers * max(sizes)
    JTJ_error = 2 * n * EPS * (np.abs(J).T @ (weights[:, None] * np.abs(J)))
    JTe_error = 2 * n * EPS * (np.abs(J).T @ (weights * np.abs(e)))
    assert_within(whole.JTJ, J.T @ (weights[:, None] * J), JTJ_error)
    assert_within(chunked.JTJ, whole.JTJ, JTJ_error)
    assert_within(chunked.JTe, J.T @ (weights * e), JTe_error)
    # sse = Σ_i s_i ‖e_i‖² = 2S·J: within 2S times the cost's rounding bound, each way of summing it
    sse_error = 2 * s.sum() * cost_rounding(net, X, Y, "squared_error", s)
    assert chunked.sse == pytest.approx(float(weights @ e**2), rel=0, abs=2 * sse_error)
    assert chunked.sse == pytest.approx(sum_squared_errors(net, X, Y, s), rel=0, abs=2 * sse_error)
    # Jᵀe is S times the gradient of the squared-error cost J = Σ w_i ½‖e_i‖²: backprop's rounding bound, and the
    # Jacobian route's (the summation bound above)
    _, grad = net.loss_and_grad(X, Y, "squared_error", s)
    gradient_error = s.sum() * gradient_rounding(net, X, Y, "squared_error", s) + np.linalg.norm(JTe_error)
    assert np.linalg.norm(chunked.JTe - s.sum() * grad) <= gradient_error


def test_softmax_output_is_refused_with_the_reason():
    net = Network([2, 3, 3], "tanh", "softmax", random_state=0)
    with pytest.raises(ValueError, match="'softmax' has none"):
        jacobian(net, np.ones((2, 2)))
