"""Levenberg–Marquardt and Bayesian regularization: against SciPy's MINPACK LM, against backprop, and the
Bayesian quantities against their definitions."""

import time

import numpy as np
import pytest
from scipy.optimize import least_squares

from bpnn.core import Network
from bpnn.core.jacobian import gauss_newton
from bpnn.core.solvers.br import effective_parameters, solve_br
from bpnn.core.solvers.lm import LM_MAX_PARAMS, damped_solve, solve_lm


def teacher_data(m=30, noise=0.05, seed=0):
    """A 1-2-1 tanh teacher plus noise: a curve fit whose least-squares minimum is isolated."""
    x = np.linspace(-2, 2, m)[:, None]
    teacher = Network([1, 2, 1], "tanh", "identity")
    teacher.unpack(np.array([1.5, -1.0, 0.3, 0.5, 1.0, 0.8, -0.2]))
    return x, teacher.predict(x) + noise * np.random.default_rng(seed).standard_normal(x.shape)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lm_reaches_the_minimum_of_scipy_least_squares_lm_from_the_same_start(seed):
    x, y = teacher_data()
    net = Network([1, 2, 1], "tanh", "identity", random_state=seed)
    start = net.pack()

    def residuals(theta):
        net.unpack(theta)
        return (net.predict(x) - y).ravel()

    reference = least_squares(residuals, start, method="lm", xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=100_000)
    net.unpack(start)
    history = solve_lm(net, x, y, max_iter=1000, min_grad=1e-10)
    ours = 0.5 * np.sum(residuals(net.pack()) ** 2)
    assert history.stop_reason == "minimum gradient"
    assert ours == pytest.approx(0.5 * np.sum(reference.fun**2), rel=1e-8)
    np.testing.assert_allclose(net.params, reference.x, rtol=1e-5, atol=1e-6)


def test_lm_with_l2_and_sample_weights_minimises_the_networks_own_cost():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((20, 3)), rng.standard_normal((20, 2))
    counts = rng.integers(1, 4, 20)
    weighted = Network([3, 4, 2], "tanh", "identity", random_state=0)
    repeated = Network([3, 4, 2], "tanh", "identity", random_state=0)
    history = solve_lm(weighted, X, Y, sample_weight=counts, alpha=0.5, max_iter=300, min_grad=1e-9)
    solve_lm(repeated, np.repeat(X, counts, axis=0), np.repeat(Y, counts, axis=0), alpha=0.5, max_iter=300, min_grad=1e-9)
    J, grad = weighted.loss_and_grad(X, Y, "squared_error", counts, alpha=0.5)  # backprop, independent of LM
    assert history.stop_reason in ("minimum gradient", "maximum mu")
    assert np.linalg.norm(grad) < 1e-7 and history.loss[-1] == pytest.approx(J, rel=1e-12)
    assert np.all(np.diff(history.loss) <= 0)  # LM only takes steps that lower the cost
    np.testing.assert_allclose(weighted.params, repeated.params, rtol=1e-6, atol=1e-8)  # integer weights = repeated rows


def test_a_rejected_step_raises_mu_and_is_retried():
    x, y = teacher_data()
    net = Network([1, 2, 1], "tanh", "identity", random_state=0)
    history = solve_lm(net, x, y, mu=1e-12, max_iter=40)  # so small a μ that the first Gauss–Newton steps overshoot
    exponents = np.log10(history.extra["mu"]) - np.log10(1e-12)
    np.testing.assert_allclose(exponents, np.round(exponents), atol=1e-9)  # μ only ever moves by factors of 10
    assert np.any(np.diff(np.r_[0, np.round(exponents)]) > -1)  # some epoch needed more than one try
    assert np.all(np.diff(history.loss) < 0)


def test_singular_and_non_finite_systems_never_crash():
    H = np.outer([1.0, 2.0, 0.0], [1.0, 2.0, 0.0])  # rank 1
    delta = damped_solve(H, np.array([1.0, 2.0, 0.0]), 0.0)
    np.testing.assert_allclose(H @ delta, [-1.0, -2.0, 0.0], atol=1e-12)  # the least-squares answer
    assert damped_solve(np.full((2, 2), np.nan), np.ones(2), 1.0) is None
    net = Network([2, 3, 1], "tanh", "identity", random_state=0)
    net.unpack(np.zeros(net.n_params))  # all-zero weights: JᵀJ is singular
    x = np.random.default_rng(0).standard_normal((10, 2))
    history = solve_lm(net, x, x[:, :1] * x[:, 1:], mu=1e-20, max_iter=20)
    assert np.all(np.isfinite(net.params)) and np.all(np.isfinite(history.loss))


def test_lm_refuses_other_losses_and_warns_on_large_networks():
    net = Network([2, 3, 1], "tanh", "sigmoid", random_state=0)
    x, y = np.ones((4, 2)), np.ones((4, 1))
    with pytest.raises(ValueError, match="'lm' minimises a sum of squared errors and needs the squared_error loss; got "
                                         "'binary_cross_entropy'. For binary_cross_entropy use solver 'scg', 'rprop' or 'lbfgs'"):
        solve_lm(net, x, y, "binary_cross_entropy")
    large = Network([60, 40, 1], "tanh", "identity", random_state=0)
    assert large.n_params > LM_MAX_PARAMS
    with pytest.warns(UserWarning, match="solver 'lm' on 2481 parameters.*use solver 'scg' or 'lbfgs'"):
        solve_lm(large, np.ones((3, 60)), np.ones((3, 1)), max_iter=0)


def test_effective_parameters_equal_the_trace_formula():
    J = np.random.default_rng(0).standard_normal((15, 6))
    J[:, 5] = 0  # a direction the data does not determine
    alpha, beta = 0.3, 2.0
    expected = 6 - alpha * np.trace(np.linalg.inv(beta * J.T @ J + alpha * np.eye(6)))  # γ = P - α tr(H⁻¹)
    assert effective_parameters(J.T @ J, alpha, beta) == pytest.approx(expected, rel=1e-12)


def test_br_logs_gamma_alpha_beta_by_their_definitions():
    x, y = teacher_data(noise=0.2)
    net = Network([1, 6, 1], "tanh", "identity", random_state=0)
    history = solve_br(net, x, y, max_iter=50)
    gamma, alpha, beta, ssw = (np.array(history.extra[k]) for k in ("gamma", "alpha", "beta", "ssw"))
    E_D = 2 * len(x) * np.array(history.loss)  # loss = E_D / (2N)
    np.testing.assert_allclose(alpha, gamma / (2 * ssw), rtol=1e-12)  # α = γ / (2 E_W)
    np.testing.assert_allclose(beta, (len(x) - gamma) / (2 * E_D), rtol=1e-10)  # β = (N - γ) / (2 E_D)
    assert ssw[-1] == pytest.approx(float(net.params @ net.params))
    system = gauss_newton(net, x, y)  # γ at the final weights from the α, β it was estimated with
    assert gamma[-1] == pytest.approx(effective_parameters(system.JTJ, alpha[-2], beta[-2]), rel=1e-10)
    assert 0 < gamma[-1] < net.n_params
    with pytest.raises(ValueError, match="'br' estimates its own regularisation each epoch, so alpha must be 0"):
        solve_br(net, x, y, alpha=0.1)


@pytest.mark.slow
def test_br_generalises_better_than_plain_lm_on_a_small_noisy_regression():
    """40 noisy samples, a 1-20-1 network (61 parameters): plain LM fits the noise, trainbr does not."""
    started = time.perf_counter()
    errors = {"lm": [], "br": []}
    gammas = []
    x_test = np.linspace(-1, 1, 201)[:, None]
    for seed in range(10):
        rng = np.random.default_rng(seed)
        x = rng.uniform(-1, 1, (40, 1))
        y = np.sin(np.pi * x) + 0.2 * rng.standard_normal(x.shape)
        for name, solve in (("lm", solve_lm), ("br", solve_br)):
            net = Network([1, 20, 1], "tanh", "identity", random_state=seed)
            history = solve(net, x, y, max_iter=200)
            errors[name].append(np.mean((net.predict(x_test) - np.sin(np.pi * x_test)) ** 2))
        gammas.append(history.extra["gamma"][-1])
    assert np.median(errors["br"]) < np.median(errors["lm"])
    assert np.median(gammas) < 61 and max(gammas) < 61
    assert time.perf_counter() - started < 60


def test_float32_networks_train_with_lm_and_stay_float32():
    x = np.linspace(-1, 1, 41, dtype=np.float32)[:, None]
    net = Network([1, 5, 1], "tanh", "identity", dtype="float32", random_state=0)
    history = solve_lm(net, x, np.sin(np.pi * x), goal=0.002)
    assert history.stop_reason == "goal met" and net.params.dtype == np.float32
