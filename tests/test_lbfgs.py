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
    history = solve_lbfgs(net, X, y[:, None], "squared_error", alpha=alpha, tol=1e-10, ftol=0.0, max_iter=500)
    ridge = Ridge(alpha=alpha, tol=1e-12).fit(X, y)
    np.testing.assert_allclose(net.weights[0][:, 0], ridge.coef_, rtol=1e-6)
    np.testing.assert_allclose(net.biases[0], [ridge.intercept_], rtol=1e-6)
    assert history.stop_reason == "minimum gradient"


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
    reference = LogisticRegression(C=1 / alpha, tol=1e-12, max_iter=10_000).fit(X, labels)
    probabilities = reference.predict_proba(X)
    np.testing.assert_allclose(net.predict(X), probabilities[:, 1:] if n_classes == 2 else probabilities, atol=1e-6)


def test_history_one_entry_per_iteration_and_monotone(blobs):
    X, labels = blobs
    net = Network([4, 8, 1], "tanh", "sigmoid", random_state=0)
    history = solve_lbfgs(net, X, labels[:, None], "binary_cross_entropy", alpha=1e-3, max_iter=15, tol=0.0)
    assert history.epochs == len(history.extra["gradient"]) == len(history.seconds) == 15
    assert history.stop_reason == "maximum epochs"
    assert np.all(np.diff(history.loss) <= 0)  # the Wolfe line search only accepts descent steps
    J = net.cost(net.forward(X), labels[:, None].astype(float), "binary_cross_entropy", alpha=1e-3)
    assert history.loss[-1] == pytest.approx(J, rel=1e-12)  # the network holds the last iterate
    _, grad = net.loss_and_grad(X, labels[:, None], "binary_cross_entropy", alpha=1e-3)
    assert history.extra["gradient"][-1] == pytest.approx(np.linalg.norm(grad), rel=1e-12)


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
    assert restored == pytest.approx(history.val_loss[best], rel=1e-12)


def test_integer_sample_weights_equal_repeated_rows(blobs):
    X, labels = blobs
    weights = np.random.default_rng(2).integers(0, 4, len(labels))
    weighted, repeated = (Network([4, 5, 1], "tanh", "sigmoid", random_state=0) for _ in range(2))
    solve_lbfgs(weighted, X, labels[:, None], "binary_cross_entropy", sample_weight=weights, max_iter=30, tol=0.0)
    solve_lbfgs(repeated, np.repeat(X, weights, axis=0), np.repeat(labels, weights)[:, None], "binary_cross_entropy",
                max_iter=30, tol=0.0)
    np.testing.assert_allclose(weighted.params, repeated.params, rtol=1e-6, atol=1e-9)


def test_float32_network_stays_float32(blobs):
    X, labels = blobs
    net32 = Network([4, 5, 1], "tanh", "sigmoid", dtype=np.float32, random_state=0)
    net64 = Network([4, 5, 1], "tanh", "sigmoid", random_state=0)
    for net in (net32, net64):
        solve_lbfgs(net, X, labels[:, None], "binary_cross_entropy", alpha=0.1, max_iter=10, tol=0.0)
    assert net32.params.dtype == np.float32 and net32.weights[0].dtype == np.float32
    np.testing.assert_allclose(net32.params, net64.params, atol=1e-3)


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
        seen.append(float(-np.mean(y_test * np.log(p) + (1 - y_test) * np.log(1 - p))))

    measured, plain = (Network([4, 5, 1], "tanh", "sigmoid", random_state=0) for _ in range(2))
    history = solve_lbfgs(measured, X[30:], labels[30:, None], "binary_cross_entropy", max_iter=15, tol=0.0,
                          test=(X_test, y_test), callbacks=[cross_entropy])
    reference = solve_lbfgs(plain, X[30:], labels[30:, None], "binary_cross_entropy", max_iter=15, tol=0.0)
    np.testing.assert_allclose(history.extra["test_perf"], seen, rtol=1e-9)  # the network takes logs of logits
    assert history.loss == reference.loss
    np.testing.assert_array_equal(measured.params, plain.params)
