"""Levenberg–Marquardt and Bayesian regularization: against SciPy's MINPACK LM, against backprop, and the
Bayesian quantities against their definitions."""

import time

import numpy as np
import pytest
from scipy.optimize import least_squares

from bpnn.core import Network, get_loss
from bpnn.core.jacobian import gauss_newton
from bpnn.core.solvers.br import effective_parameters, solve_br
from bpnn.core.solvers.lm import LM_MAX_PARAMS, damped_solve, solve_lm

# ---- tolerances from the mathematics (shared by the solver tests) ----------------------------------------------
# A solver that stops on a gradient threshold leaves θ at a distance ‖θ - θ*‖ = ‖H⁻¹∇J(θ)‖ <= ‖∇J(θ)‖/λ_min(H)
# from the minimum θ* (H = ∇²J there; exact for a quadratic J). Comparing two solvers, or a solver with a
# reference, the distances add. The functions below compute the pieces of such bounds from the data.
EPS = np.finfo(np.float64).eps


def hessian(network, X, Y, loss="squared_error", sample_weight=None, alpha=0.0, step=1e-5):
    """∇²J at the network's parameters: central differences of the backprop gradient, symmetrised. Its error,
    h²/6·|∇⁴J| + ε|∇J terms|/h ≈ 1e-10, is far below the eigenvalues the bounds divide by."""
    theta = network.pack().astype(np.float64)
    columns = []
    for j in range(theta.size):
        shift = np.zeros_like(theta)
        shift[j] = step
        network.unpack(theta + shift)
        plus = np.array(network.loss_and_grad(X, Y, loss, sample_weight, alpha)[1], dtype=np.float64)
        network.unpack(theta - shift)
        minus = np.array(network.loss_and_grad(X, Y, loss, sample_weight, alpha)[1], dtype=np.float64)
        columns.append((plus - minus) / (2 * step))
    network.unpack(theta)
    H = np.stack(columns, axis=1)
    return (H + H.T) / 2


def curvatures(H, invariant=0):
    """(λ_min, λ_max) of H, leaving out the ``invariant`` smallest eigenvalues: directions along which J and the
    predictions do not change at all (a softmax's common bias shift), which the bounds never need."""
    eigenvalues = np.linalg.eigvalsh(H)
    assert eigenvalues[invariant] > 1e3 * EPS * eigenvalues[-1], "the minimum is not isolated: no distance bound"
    return eigenvalues[invariant], eigenvalues[-1]


def gradient_rounding(network, X, Y, loss="squared_error", sample_weight=None, alpha=0.0, eps=EPS):
    """A bound on the rounding error of the computed ∇J (2-norm). ∇J sums the m per-sample terms w_i ∇L_i, each
    formed in a handful of operations per layer; the summation bound gives, elementwise,
    |fl(∇J) - ∇J| <= (m + 4·depth·fan-in)·ε·Σ_i w_i |∇L_i|, and the penalty's α/S·W adds 2ε·α/S·|W|."""
    X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float).reshape(len(X), -1)
    s = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    w = s / s.sum()
    probe = Network(network.layer_sizes, [g.name for g in network.activations[:-1]], network.activations[-1].name)
    probe.unpack(np.asarray(network.pack(), dtype=float))  # the per-sample terms in float64
    total = np.zeros(network.n_params)
    for i in np.flatnonzero(w):
        total += w[i] * np.abs(probe.loss_and_grad(X[i:i + 1], Y[i:i + 1], loss)[1])  # ∇L_i
    operations = len(X) + 4 * network.n_layers * max(network.layer_sizes)
    penalty = alpha / s.sum() * float(np.sqrt(sum(float(np.sum(np.square(W, dtype=float))) for W in network.weights)))
    return operations * eps * float(np.linalg.norm(total)) + 2 * eps * penalty


def output_rounding(network, X, eps=EPS):
    """A bound on the rounding error of the computed output pre-activations Z[L]: the dot-product bound
    (fan-in + 2)·ε·(|A[L-1]| |W[L]| + |b[L]|), times the depth for the errors the earlier layers pass on."""
    A = np.asarray(network.forward(X).A[-2], dtype=float)
    magnitude = np.abs(A) @ np.abs(np.asarray(network.weights[-1], dtype=float)) + np.abs(network.biases[-1])
    return (network.layer_sizes[-2] + 2) * network.n_layers * eps * magnitude


def cost_rounding(network, X, Y, loss="squared_error", sample_weight=None, alpha=0.0, eps=EPS):
    """A bound on the rounding error of the computed cost J = Σ_i w_i L_i + α/(2S)‖W‖². Each per-unit loss ℓ
    moves by |∂ℓ/∂z|·δz from the error δz of its Z[L] (``output_rounding``; |∂ℓ/∂z| <= |∂ℓ/∂a| as every output
    activation here has |g'| <= 1), by |∂ℓ/∂a|·ε|a| from rounding a = g(z) when ℓ is taken from a, and by a few ε
    of the terms it is formed from (½e²; softplus(z) and |yz|; y(lse + |z|); |y log a| and |(1 - y) log(1 - a)|);
    summing the n = m·K of them adds n·ε·Σ|w ℓ|, and the penalty's P squares P·ε·penalty."""
    loss = get_loss(loss).name  # aliases ("cce", "mse") to the names below
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float).reshape(len(X), -1)
    s = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    w = (s / s.sum())[:, None]
    cache = network.forward(X)
    z, a = np.asarray(cache.Z[-1], dtype=float), np.asarray(cache.A[-1], dtype=float)
    output = network.activations[-1].name
    from_a = 0.0  # |∂ℓ/∂a|·|a|: the loss's sensitivity to rounding a = g(z), when it is taken from a
    if loss == "squared_error":
        per_unit = 0.5 * (a - Y) ** 2
        slope, terms = np.abs(a - Y), per_unit + np.abs(Y * (a - Y))
        from_a = 0.0 if output == "identity" else slope * np.abs(a)
    elif loss == "binary_cross_entropy" and output == "sigmoid":
        per_unit = np.logaddexp(0, z) - Y * z
        slope, terms = np.abs(a - Y), np.logaddexp(0, z) + np.abs(Y * z)
    elif loss == "binary_cross_entropy":  # from a: -(y log a + (1 - y) log(1 - a))
        per_unit = -(Y * np.log(a) + (1 - Y) * np.log1p(-a))
        slope, terms = np.abs(a - Y) / (a * (1 - a)), np.abs(Y * np.log(a)) + np.abs((1 - Y) * np.log1p(-a))
        from_a = slope * np.abs(a)
    else:  # categorical cross-entropy with softmax: Σ_k y_k (lse - z_k); a logit error moves lse too
        lse = np.logaddexp.reduce(z, axis=1, keepdims=True)
        per_unit = Y * (lse - z)
        slope = np.broadcast_to(np.sum(np.abs(a - Y), axis=1, keepdims=True), z.shape)
        terms = Y * (np.abs(lse) + np.abs(z))
    per_unit_error = slope * output_rounding(network, X, eps) + 4 * eps * (from_a + terms)
    penalty = alpha / (2 * s.sum()) * sum(float(np.sum(np.square(W, dtype=float))) for W in network.weights)
    return (float(np.sum(w * per_unit_error)) + per_unit.size * eps * float(np.sum(w * np.abs(per_unit)))
            + network.n_params * eps * penalty)


def gradient_floor(H, cost_error):
    """The smallest gradient a solver that takes a step only when the computed cost drops can be relied on to
    reach. From a point with gradient g, even the Newton step lowers J by only ½gᵀH⁻¹g >= ‖g‖²/(2λ_max); the
    drop is seen only while it exceeds the error of the two costs compared (2·cost_error), so below
    ‖g‖ = √(4·λ_max·cost_error) whether a step is taken is decided by rounding. (Only λ_max: the floor holds
    whether or not the minimum is isolated, e.g. along a softmax's common bias shift, whose computed curvature is
    rounding noise of either sign.)"""
    return float(np.sqrt(4 * np.linalg.eigvalsh(H)[-1] * cost_error))


def distance_to_minimum(H, *gradient_norms, invariant=0):
    """Σ_k ‖∇J(θ_k)‖/λ_min(H): a bound on ‖θ_1 - θ_2‖ for points θ_k near the same minimum, with H = ∇²J there.
    Exact for a quadratic J; for a network's J, H changes by O(‖θ - θ*‖·|∇³J|) over these distances, which is
    tiny beside λ_min here, and the factor 2 covers that remainder."""
    return 2 * sum(gradient_norms) / curvatures(H, invariant)[0]


def assert_within(actual, desired, bound):
    """|actual - desired| <= bound elementwise, for a bound that differs by element (assert_allclose takes a
    scalar atol only)."""
    actual, desired = np.asarray(actual, dtype=float), np.asarray(desired, dtype=float)
    excess = np.abs(actual - desired) - np.broadcast_to(bound, actual.shape)
    assert np.all(excess <= 0), f"off by more than the bound at {np.argwhere(excess > 0).tolist()}: {actual} vs {desired}"


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
    net.unpack(reference.x)
    reference_gradient = np.linalg.norm(net.loss_and_grad(x, y, "squared_error")[1])  # ∇J where MINPACK stopped
    net.unpack(start)
    history = solve_lm(net, x, y, max_iter=1000, min_grad=1e-10)
    theta = net.pack()
    gradient = np.linalg.norm(net.loss_and_grad(x, y, "squared_error")[1])
    H, rounding, cost_error = hessian(net, x, y), gradient_rounding(net, x, y), cost_rounding(net, x, y)
    # LM's min_grad bounds ‖∇F‖ = m‖∇J‖ (F = mJ). Below gradient_floor a step's drop in cost is within the
    # cost's rounding, so LM stops on min_grad or, if rounding refuses its steps, at maximum mu; either way only
    # once ∇J is below the floor.
    assert history.stop_reason in ("minimum gradient", "maximum mu")
    assert gradient <= max(1e-10 / len(x), gradient_floor(H, cost_error)) + rounding
    # both points are near the same minimum: ‖θ - θ_ref‖ <= (‖∇J(θ)‖ + ‖∇J(θ_ref)‖)/λ_min, and their costs
    # exceed J* by at most ½‖∇J‖²/λ_min each (the quadratic model, factor 2 for the remainder), plus rounding
    distance = distance_to_minimum(H, gradient + rounding, reference_gradient + rounding)
    assert np.linalg.norm(theta - reference.x) <= distance + 4 * EPS * np.linalg.norm(theta)
    ours, theirs = (0.5 * np.sum(residuals(point) ** 2) / len(x) for point in (theta, reference.x))  # J = F/m
    gap = ((gradient + rounding) ** 2 + (reference_gradient + rounding) ** 2) / curvatures(H)[0]
    assert ours == pytest.approx(theirs, rel=0, abs=gap + 2 * cost_error)


def test_lm_with_l2_and_sample_weights_minimises_the_networks_own_cost():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((20, 3)), rng.standard_normal((20, 2))
    counts = rng.integers(1, 4, 20)
    weighted = Network([3, 4, 2], "tanh", "identity", random_state=0)
    repeated = Network([3, 4, 2], "tanh", "identity", random_state=0)
    history = solve_lm(weighted, X, Y, sample_weight=counts, alpha=0.5, max_iter=300, min_grad=1e-9)
    solve_lm(repeated, np.repeat(X, counts, axis=0), np.repeat(Y, counts, axis=0), alpha=0.5, max_iter=300, min_grad=1e-9)
    J, grad = weighted.loss_and_grad(X, Y, "squared_error", counts, alpha=0.5)  # backprop, independent of LM
    H = hessian(weighted, X, Y, "squared_error", counts, alpha=0.5)
    cost_error = cost_rounding(weighted, X, Y, "squared_error", counts, alpha=0.5)
    rounding = gradient_rounding(weighted, X, Y, "squared_error", counts)
    # min_grad bounds ‖∇F‖ = S‖∇J‖; below gradient_floor rounding decides LM's steps (see the test above)
    assert history.stop_reason in ("minimum gradient", "maximum mu")
    assert np.linalg.norm(grad) <= max(1e-9 / counts.sum(), gradient_floor(H, cost_error)) + rounding
    assert history.loss[-1] == pytest.approx(J, rel=0, abs=2 * cost_error)  # LM's F/S against backprop's J
    assert np.all(np.diff(history.loss) <= 0)  # LM only takes steps that lower the cost
    # integer weights = repeated rows: the same J, so both runs end near its minimum (gradients in J's terms)
    _, repeated_grad = repeated.loss_and_grad(X, Y, "squared_error", counts, alpha=0.5)
    distance = distance_to_minimum(H, np.linalg.norm(grad) + rounding, np.linalg.norm(repeated_grad) + rounding)
    assert np.linalg.norm(weighted.params - repeated.params) <= distance + 4 * EPS * np.linalg.norm(weighted.params)


def test_a_rejected_step_raises_mu_and_is_retried():
    x, y = teacher_data()
    net = Network([1, 2, 1], "tanh", "identity", random_state=0)
    history = solve_lm(net, x, y, mu=1e-12, max_iter=40)  # so small a μ that the first Gauss–Newton steps overshoot
    exponents = np.log10(history.extra["mu"]) - np.log10(1e-12)
    # μ only ever moves by factors of 10: k multiplications leave it within (1 + ε)^k, its log10 within k·ε/ln 10
    # (plus log10's own ulp); an epoch multiplies μ at most log10(mu_max/MU_MIN) = 30 times
    updates = 30 * len(exponents)
    np.testing.assert_allclose(exponents, np.round(exponents), rtol=0, atol=(updates / np.log(10) + 64) * EPS)
    assert np.any(np.diff(np.r_[0, np.round(exponents)]) > -1)  # some epoch needed more than one try
    assert np.all(np.diff(history.loss) < 0)


def test_singular_and_non_finite_systems_never_crash():
    H = np.outer([1.0, 2.0, 0.0], [1.0, 2.0, 0.0])  # rank 1
    g = np.array([1.0, 2.0, 0.0])
    delta = damped_solve(H, g, 0.0)
    # the least-squares answer, from a backward-stable solver: residual within a few ε·(‖H‖‖Δ‖ + ‖g‖)
    np.testing.assert_allclose(H @ delta, -g, rtol=0,
                               atol=16 * EPS * (np.linalg.norm(H) * np.linalg.norm(delta) + np.linalg.norm(g)))
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
    H = beta * J.T @ J + alpha * np.eye(6)
    expected = 6 - alpha * np.trace(np.linalg.inv(H))  # γ = P - α tr(H⁻¹)
    # inv and eigvalsh are backward stable: each of the P terms of α·tr(H⁻¹) (each <= 1, as λ(H) >= α) is
    # off by at most a few κ(H)·ε
    tolerance = 16 * 6 * np.linalg.cond(H) * EPS
    assert effective_parameters(J.T @ J, alpha, beta) == pytest.approx(expected, rel=0, abs=tolerance)


def test_br_logs_gamma_alpha_beta_by_their_definitions():
    x, y = teacher_data(noise=0.2)
    net = Network([1, 6, 1], "tanh", "identity", random_state=0)
    history = solve_br(net, x, y, max_iter=50)
    gamma, alpha, beta, ssw = (np.array(history.extra[k]) for k in ("gamma", "alpha", "beta", "ssw"))
    E_D = 2 * len(x) * np.array(history.loss)  # loss = E_D / (2N)
    # the solver's own formulas on the values it logged: a few roundings apart (E_D goes through loss = E_D/(2N))
    np.testing.assert_allclose(alpha, gamma / (2 * ssw), rtol=4 * EPS)  # α = γ / (2 E_W)
    np.testing.assert_allclose(beta, (len(x) - gamma) / (2 * E_D), rtol=8 * EPS)  # β = (N - γ) / (2 E_D)
    assert ssw[-1] == pytest.approx(float(net.params @ net.params), rel=net.n_params * EPS)  # a sum of P squares
    system = gauss_newton(net, x, y)  # γ at the final weights from the α, β it was estimated with
    # γ = Σ_j βλ_j/(βλ_j + α) moves by at most (β/α)·δλ per eigenvalue, and eigvalsh's δλ <= a few P·ε·‖JᵀJ‖
    tolerance = net.n_params * (beta[-2] / alpha[-2]) * 16 * net.n_params * EPS * np.linalg.norm(system.JTJ, 2)
    assert gamma[-1] == pytest.approx(effective_parameters(system.JTJ, alpha[-2], beta[-2]), rel=0, abs=tolerance)
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
