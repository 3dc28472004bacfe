"""The error Jacobian against central differences, and the chunked Gauss–Newton sums against whole ones."""

import numpy as np
import pytest

from bpnn.core import Network
from bpnn.core.jacobian import gauss_newton, jacobian, sum_squared_errors

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


@pytest.mark.parametrize("sizes,hidden,output", CASES, ids=lambda case: str(case))
def test_jacobian_matches_central_differences(sizes, hidden, output):
    net, X, Y = make(sizes, hidden, output)
    analytic = jacobian(net, X)
    assert analytic.shape == (X.shape[0] * sizes[-1], net.n_params)
    np.testing.assert_allclose(analytic, numerical_jacobian(net, X, Y), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("sizes,hidden,output", CASES, ids=lambda case: str(case))
def test_chunked_sums_equal_whole_sums_and_the_backprop_gradient(sizes, hidden, output):
    net, X, Y = make(sizes, hidden, output, m=11)
    s = np.random.default_rng(1).uniform(0.2, 3.0, X.shape[0])
    J, e = jacobian(net, X), (net.predict(X) - Y).reshape(-1)
    weights = np.repeat(s, sizes[-1])
    whole = gauss_newton(net, X, Y, s, rows=X.shape[0])
    chunked = gauss_newton(net, X, Y, s, rows=3)  # 3 + 3 + 3 + 2 rows
    np.testing.assert_allclose(whole.JTJ, J.T @ (weights[:, None] * J), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(chunked.JTJ, whole.JTJ, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(chunked.JTe, J.T @ (weights * e), rtol=1e-12, atol=1e-12)
    assert chunked.sse == pytest.approx(float(weights @ e**2), rel=1e-12) == sum_squared_errors(net, X, Y, s)
    # Jᵀe is S times the gradient of the squared-error cost J = Σ w_i ½‖e_i‖²
    _, grad = net.loss_and_grad(X, Y, "squared_error", s)
    np.testing.assert_allclose(chunked.JTe, s.sum() * grad, rtol=1e-10, atol=1e-12)


def test_softmax_output_is_refused_with_the_reason():
    net = Network([2, 3, 3], "tanh", "softmax", random_state=0)
    with pytest.raises(ValueError, match="'softmax' has none"):
        jacobian(net, np.ones((2, 2)))
