"""The L-BFGS solver against independent references: convex problems with known optima (scikit-learn's
Ridge and LogisticRegression solve the same objectives), the History it records and its stop reasons."""

import subprocess
import sys

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression, Ridge

from bpnn.core import EarlyStopping, Network
from bpnn.core.objective import LocalObjective
from bpnn.core.solvers import get_solver
from bpnn.core.solvers.lbfgs import solve_lbfgs
from test_lm import EPS, cost_rounding, distance_to_minimum, gradient_floor, gradient_rounding, hessian, output_rounding

pytestmark = pytest.mark.usefixtures("one_blas_thread")


@pytest.fixture
def blobs():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 4))
    labels = (X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.5 * rng.standard_normal(120) > 0).astype(int)
    return X, labels


def test_registry_resolves_lbfgs():
    assert get_solver("lbfgs") is solve_lbfgs


def test_ridge_regression_optimum():
    # J = 1/(2m) Σ (xw + b - y)² + α/(2m) ‖w‖²  has Ridge(alpha=α)'s minimiser: m·J = ½‖Xw + b - y‖² + ½α‖w‖²
    rng = np.random.default_rng(1)
    X = rng.standard_normal((80, 3))
    y = X @ np.array([2.0, -1.0, 0.5]) + 3.0 + 0.1 * rng.standard_normal(80)
    alpha = 5.0
    net = Network([3, 1], [], "identity", random_state=0)
    Y = y[:, None]
    history = solve_lbfgs(net, X, Y, "squared_error", alpha=alpha, tol=1e-10, ftol=0.0, max_iter=500)
    theta, gradient, rounding, floor = converged_point(net, X, Y, "squared_error", None, alpha)
    ridge = Ridge(alpha=alpha, tol=1e-12).fit(X, y)  # a direct (Cholesky) solve
    reference = np.r_[ridge.coef_, ridge.intercept_]  # the parameters' layout: W, then b
    # tol bounds max_j |∂J/∂θ_j|, so ‖∇J‖ <= √P·tol; the line search compares costs, so below the cost's
    # resolution (gradient_floor) it may end on a failed line search or no improvement instead
    assert history.stop_reason in ("minimum gradient", "line search failed", "no improvement")
    assert gradient <= max(np.sqrt(theta.size) * 1e-10, floor) + rounding
    assert_near_the_same_minimum(net, X, Y, "squared_error", None, alpha, theta, reference, floor)  # a direct solve


def converged_point(net, X, Y, loss, sample_weight, alpha):
    """θ, ‖∇J(θ)‖, the gradient's rounding bound and the cost's gradient floor at the network's parameters."""
    theta = net.pack().copy()
    gradient = np.linalg.norm(net.loss_and_grad(X, Y, loss, sample_weight, alpha)[1])
    H = hessian(net, X, Y, loss, sample_weight, alpha)
    floor = gradient_floor(H, cost_rounding(net, X, Y, loss, sample_weight, alpha))
    return theta, gradient, gradient_rounding(net, X, Y, loss, sample_weight, alpha), floor


def assert_near_the_same_minimum(net, X, Y, loss, sample_weight, alpha, theta, other, other_bound, invariant=0):
    """``theta`` (the network's parameters) and ``other`` are both stationary points of J, ``other`` to within
    ‖∇J‖ <= ``other_bound`` (what its solver's stopping rule leaves), so each lies within ‖∇J‖/λ_min of the
    minimum and they within the sum. Returns that distance bound."""
    H = hessian(net, X, Y, loss, sample_weight, alpha)
    rounding = gradient_rounding(net, X, Y, loss, sample_weight, alpha)
    gradient = np.linalg.norm(net.loss_and_grad(X, Y, loss, sample_weight, alpha)[1])
    net.unpack(other)
    other_gradient = np.linalg.norm(net.loss_and_grad(X, Y, loss, sample_weight, alpha)[1])
    net.unpack(theta)
    assert other_gradient <= other_bound + rounding  # the other point is a minimum of this very J
    distance = distance_to_minimum(H, gradient + rounding, other_gradient + rounding, invariant=invariant)
    if invariant:  # compare across the directions that change nothing: project them out
        null = np.linalg.eigh(H)[1][:, :invariant]
        difference = theta - other
        difference -= null @ (null.T @ difference)
        assert np.linalg.norm(difference) <= distance + 4 * EPS * np.linalg.norm(theta)
    else:
        assert np.linalg.norm(theta - other) <= distance + 4 * EPS * np.linalg.norm(theta)
    return distance


@pytest.mark.parametrize("n_classes", [2, 3])
def test_logistic_regression_optimum(blobs, n_classes):
    # mean log-loss + α/(2m)‖W‖² has LogisticRegression(C=1/α)'s minimiser: C Σ log-loss + ½‖W‖², scaled by 1/(Cm)
    X, labels = blobs
    if n_classes == 3:
        labels = labels + (X[:, 3] > 0.8)
        Y, output, loss = np.eye(3)[labels], "softmax", "categorical_cross_entropy"
    else:
        Y, output, loss = labels[:, None].astype(float), "sigmoid", "binary_cross_entropy"
    alpha = 2.0
    net = Network([4, Y.shape[1]], [], output, random_state=0)
    solve_lbfgs(net, X, Y, loss, alpha=alpha, tol=1e-10, ftol=0.0, max_iter=1000)
    theta, gradient, rounding, floor = converged_point(net, X, Y, loss, None, alpha)
    assert gradient <= max(np.sqrt(theta.size) * 1e-10, floor) + rounding  # as in the Ridge test
    reference = LogisticRegression(C=1 / alpha, tol=1e-12, max_iter=10_000).fit(X, labels)
    # scikit-learn's lbfgs also stops once J drops by less than its ftol = 64ε relative; from a point with
    # gradient g the next step would drop J by >= ‖g‖²/(2λ_max), so it stops with ‖g‖ <= √(2λ_max·64ε·J)
    J = net.cost(net.forward(X), Y, loss, alpha=alpha)
    largest = np.linalg.eigvalsh(hessian(net, X, Y, loss, None, alpha))[-1]
    reference_bound = max(floor, np.sqrt(2 * largest * 64 * EPS * J))
    # softmax's logits can all shift by one constant: one direction of the biases changes nothing
    invariant = 1 if n_classes == 3 else 0
    other = np.r_[reference.coef_.T.ravel(), reference.intercept_]
    distance = assert_near_the_same_minimum(net, X, Y, loss, None, alpha, theta, other, reference_bound, invariant)
    # the logits z = xW + b move by at most ‖(x, 1)‖·‖Δθ‖, and σ, softmax are ½-Lipschitz (in the 2-norm); the
    # computed probabilities carry the logits' rounding (output_rounding) and a few ε of their own
    probabilities = reference.predict_proba(X)
    lipschitz = 0.5 * np.linalg.norm(np.c_[X, np.ones(len(X))], axis=1)[:, None]
    tolerance = lipschitz * distance + 2 * output_rounding(net, X).max() + 8 * EPS
    expected = probabilities[:, 1:] if n_classes == 2 else probabilities
    assert np.all(np.abs(net.predict(X) - expected) <= tolerance)


def test_history_one_entry_per_iteration_and_monotone(blobs):
    X, labels = blobs
    net = Network([4, 8, 1], "tanh", "sigmoid", random_state=0)
    history = solve_lbfgs(net, X, labels[:, None], "binary_cross_entropy", alpha=1e-3, max_iter=15, tol=0.0)
    assert history.epochs == len(history.extra["gradient"]) == len(history.seconds) == 15
    assert history.stop_reason == "maximum epochs"
    assert np.all(np.diff(history.loss) <= 0)  # the Wolfe line search only accepts descent steps
    Y = labels[:, None].astype(float)
    J = net.cost(net.forward(X), Y, "binary_cross_entropy", alpha=1e-3)
    # the network holds the last iterate: the same J and ∇J, perhaps summed in another order, within their rounding
    cost_error = cost_rounding(net, X, Y, "binary_cross_entropy", alpha=1e-3)
    assert history.loss[-1] == pytest.approx(J, rel=0, abs=2 * cost_error)
    _, grad = net.loss_and_grad(X, labels[:, None], "binary_cross_entropy", alpha=1e-3)
    gradient_error = gradient_rounding(net, X, Y, "binary_cross_entropy", alpha=1e-3)
    assert history.extra["gradient"][-1] == pytest.approx(np.linalg.norm(grad), rel=0, abs=2 * gradient_error)


def test_history_is_continued(blobs):
    X, labels = blobs
    net = Network([4, 5, 1], "tanh", "sigmoid", random_state=0)
    history = solve_lbfgs(net, X, labels[:, None], "binary_cross_entropy", max_iter=4, tol=0.0)
    solve_lbfgs(net, X, labels[:, None], "binary_cross_entropy", max_iter=3, tol=0.0, history=history)
    assert history.epochs == 7


def test_stop_reasons(blobs):
    X, labels = blobs
    Y = labels[:, None]
    fresh = lambda: Network([4, 6, 1], "tanh", "sigmoid", random_state=0)  # noqa: E731
    assert solve_lbfgs(fresh(), X, Y, "binary_cross_entropy", max_iter=3, tol=0.0).stop_reason == "maximum epochs"
    assert solve_lbfgs(fresh(), X, Y, "binary_cross_entropy", max_fun=4, tol=0.0).stop_reason == "maximum function evaluations"
    assert solve_lbfgs(fresh(), X, Y, "binary_cross_entropy", alpha=1.0, tol=1e-3, max_iter=500).stop_reason == "minimum gradient"


def test_callback_stops(blobs):
    X, labels = blobs
    seen = []

    def stop_after_third(epoch, history, network):
        seen.append((epoch, len(history.loss)))
        return epoch == 2

    net = Network([4, 6, 1], "tanh", "sigmoid", random_state=0)
    history = solve_lbfgs(net, X, labels[:, None], "binary_cross_entropy", tol=0.0, callbacks=[stop_after_third])
    assert seen == [(0, 1), (1, 2), (2, 3)]
    assert history.stop_reason == "stopped by callback" and history.epochs == 3


def test_validation_and_early_stopping_restore_the_best(blobs):
    X, labels = blobs
    rng = np.random.default_rng(3)
    noisy = np.where(rng.random(len(labels)) < 0.3, 1 - labels, labels)  # noisy training labels: it overfits
    net = Network([4, 32, 1], "tanh", "sigmoid", random_state=0)
    validation = (X[:40], labels[:40, None])
    stopping = EarlyStopping("val_loss", patience=3, min_delta=0.0)
    history = solve_lbfgs(net, X[40:], noisy[40:, None], "binary_cross_entropy", max_iter=300, tol=0.0,
                          validation=validation, early_stopping=stopping,
                          score=lambda network, X, Y, w: float(((network.predict(X) > 0.5) == Y).mean()))
    assert len(history.val_loss) == len(history.val_score) == history.epochs
    assert history.stop_reason == "validation stop"
    best = int(np.argmin(history.val_loss))
    assert history.best_epoch == best
    restored = net.cost(net.forward(validation[0]), validation[1].astype(float), "binary_cross_entropy")
    # the same cost of the same weights, perhaps through differently aligned buffers: within its rounding
    error = cost_rounding(net, validation[0], validation[1], "binary_cross_entropy")
    assert restored == pytest.approx(history.val_loss[best], rel=0, abs=2 * error)


def test_integer_sample_weights_equal_repeated_rows(blobs):
    # the same J, so both runs end at its minimum (α = 1 makes that minimum isolated): each is a stationary
    # point of the weighted J, to the cost's precision, and the two are within the distance that allows
    X, labels = blobs
    Y = labels[:, None].astype(float)
    weights = np.random.default_rng(2).integers(0, 4, len(labels))
    weighted, repeated = (Network([4, 5, 1], "tanh", "sigmoid", random_state=0) for _ in range(2))
    solve_lbfgs(weighted, X, Y, "binary_cross_entropy", sample_weight=weights, alpha=1.0, max_iter=1000, tol=1e-10,
                ftol=0.0)
    solve_lbfgs(repeated, np.repeat(X, weights, axis=0), np.repeat(Y, weights, axis=0), "binary_cross_entropy",
                alpha=1.0, max_iter=1000, tol=1e-10, ftol=0.0)
    theta, gradient, rounding, floor = converged_point(weighted, X, Y, "binary_cross_entropy", weights, 1.0)
    assert gradient <= max(np.sqrt(theta.size) * 1e-10, floor) + rounding
    # the repeated run's stopping rule, on its own rows (more terms: a coarser cost, a higher floor)
    repeated_floor = converged_point(repeated, np.repeat(X, weights, axis=0), np.repeat(Y, weights, axis=0),
                                     "binary_cross_entropy", None, 1.0)[3]
    bound = max(np.sqrt(theta.size) * 1e-10, repeated_floor)
    assert_near_the_same_minimum(weighted, X, Y, "binary_cross_entropy", weights, 1.0, theta, repeated.params, bound)


def test_float32_network_stays_float32(blobs):
    X, labels = blobs
    net32 = Network([4, 5, 1], "tanh", "sigmoid", dtype=np.float32, random_state=0)
    history = solve_lbfgs(net32, X, labels[:, None], "binary_cross_entropy", alpha=0.1, max_iter=10, tol=0.0)
    assert net32.params.dtype == np.float32 and net32.weights[0].dtype == np.float32
    assert np.all(np.diff(history.loss) <= 0)  # the Wolfe line search only accepts descent steps
    # Where 10 iterations end depends on how rounding steers each line search, which no tolerance bounds. What
    # does follow: at the same parameters and data, float32 computes float64's J and ∇J to float32's rounding.
    X32, Y32 = X.astype(np.float32), labels[:, None].astype(np.float32)
    net64 = Network([4, 5, 1], "tanh", "sigmoid")
    net64.unpack(net32.params.astype(np.float64))
    J32, g32 = net32.loss_and_grad(X32, Y32, "binary_cross_entropy", alpha=0.1)
    J64, g64 = net64.loss_and_grad(X32.astype(np.float64), Y32.astype(np.float64), "binary_cross_entropy", alpha=0.1)
    eps32 = float(np.finfo(np.float32).eps)
    data = (net64, X32.astype(np.float64), Y32.astype(np.float64), "binary_cross_entropy")
    assert J32 == pytest.approx(J64, rel=0, abs=cost_rounding(*data, alpha=0.1, eps=eps32))
    assert np.linalg.norm(g32 - g64) <= gradient_rounding(*data, alpha=0.1, eps=eps32)


def test_importing_the_solver_does_not_import_scipy():
    code = "import sys, bpnn.core.solvers.lbfgs; print('scipy.optimize' in sys.modules, 'sklearn' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]


def test_objective_seam_gives_the_same_run(blobs):
    # a solver given objective= never sees rows (the distributed path); local arrays behind it give the same steps
    X, labels = blobs
    weights = np.linspace(0.5, 2.0, len(labels))
    direct, seam = (Network([4, 5, 1], "tanh", "sigmoid", random_state=0) for _ in range(2))
    expected = solve_lbfgs(direct, X, labels[:, None], "binary_cross_entropy", sample_weight=weights, alpha=0.1,
                           max_iter=12, tol=0.0)
    objective = LocalObjective(seam, X, labels[:, None], "binary_cross_entropy", weights, 0.1)
    history = solve_lbfgs(seam, None, None, "binary_cross_entropy", alpha=0.1, max_iter=12, tol=0.0, objective=objective)
    assert history.loss == expected.loss
    np.testing.assert_array_equal(seam.params, direct.params)


def test_test_set_is_measured_each_epoch_and_never_trained_on(blobs):
    X, labels = blobs
    X_test, y_test = X[:30], labels[:30, None]
    seen = []

    def cross_entropy(epoch, history, network):  # by hand: -1/m Σ y log p + (1 - y) log(1 - p)
        p = network.predict(X_test)
        # log p and log(1 - p) inherit p's rounding (a few ε) relative to p and to 1 - p; the network's own cost,
        # taken from the logits, is within cost_rounding
        error = np.mean(4 * EPS * (y_test / p + (1 - y_test) / (1 - p)))
        error += cost_rounding(network, X_test, y_test, "binary_cross_entropy")
        seen.append((float(-np.mean(y_test * np.log(p) + (1 - y_test) * np.log(1 - p))), error))

    measured, plain = (Network([4, 5, 1], "tanh", "sigmoid", random_state=0) for _ in range(2))
    history = solve_lbfgs(measured, X[30:], labels[30:, None], "binary_cross_entropy", max_iter=15, tol=0.0,
                          test=(X_test, y_test), callbacks=[cross_entropy])
    reference = solve_lbfgs(plain, X[30:], labels[30:, None], "binary_cross_entropy", max_iter=15, tol=0.0)
    values, errors = np.array(seen).T
    assert np.all(np.abs(np.array(history.extra["test_perf"]) - values) <= errors)  # the network takes logs of logits
    assert history.loss == reference.loss
    np.testing.assert_array_equal(measured.params, plain.params)
