"""The MATLAB-class solvers together: every stop reason, the training record, validation stop with the best
weights restored; Rprop re-derived by hand and SCG against exact least squares and SciPy's CG."""

import subprocess
import sys

import numpy as np
import pytest
from scipy.optimize import minimize

from bpnn.core import Network
from bpnn.core.solvers import get_solver
from bpnn.datasets import moons
from test_lm import (
    EPS,
    assert_within,
    cost_rounding,
    curvatures,
    distance_to_minimum,
    gradient_floor,
    gradient_rounding,
    hessian,
    teacher_data,
)

SOLVERS = ["lm", "br", "rprop", "scg"]


def sine(m=41, noise=0.0, seed=0):
    x = np.linspace(-1, 1, m)[:, None]
    return x, np.sin(np.pi * x) + noise * np.random.default_rng(seed).standard_normal(x.shape)


def fit(solver, sizes=(1, 5, 1), data=None, seed=0, **options):
    x, y = sine() if data is None else data
    net = Network(list(sizes), "tanh", "identity", random_state=seed)
    return net, get_solver(solver)(net, x, y, "squared_error", **options)


@pytest.mark.parametrize("solver", SOLVERS)
def test_goal_met(solver):
    _, history = fit(solver, goal=0.01, max_iter=2000)
    perf = history.extra["perf"]
    assert history.stop_reason == "goal met" and perf[-1] <= 0.01 < perf[-2]
    assert "goal met: performance" in history.message


@pytest.mark.parametrize("solver", SOLVERS)
def test_maximum_epochs_minimum_gradient_time_limit_and_callback(solver):
    history = fit(solver, max_iter=3)[1]
    assert history.stop_reason == "maximum epochs" and history.epochs == 3
    history = fit(solver, min_grad=1e9)[1]
    assert history.stop_reason == "minimum gradient" and history.epochs == 1
    history = fit(solver, time_limit=0.0)[1]
    assert history.stop_reason == "time limit" and history.epochs == 1
    history = fit(solver, callbacks=[lambda epoch, history, network: epoch == 4])[1]
    assert history.stop_reason == "stopped by callback" and history.epochs == 5


@pytest.mark.parametrize("solver", ["lm", "br"])
def test_maximum_mu_once_no_step_lowers_the_cost(solver):
    net, history = fit(solver, sizes=(1, 2, 1), data=teacher_data(), min_grad=0.0, max_iter=2000)
    assert history.stop_reason == "maximum mu" and history.extra["mu"][-1] > 1e10
    assert history.loss[-1] == history.loss[-2]  # the last epoch changed nothing


@pytest.mark.parametrize("solver", ["lm", "rprop", "scg"])
def test_validation_stop_after_exactly_max_fail_failures_with_the_best_weights_restored(solver):
    x, y = sine(m=30, noise=0.3, seed=1)
    x_val, y_val = sine(m=15, noise=0.3, seed=2)
    net = Network([1, 20, 1], "tanh", "identity", random_state=0)
    history = get_solver(solver)(net, x, y, "squared_error", validation=(x_val, y_val), max_fail=4, max_iter=5000)
    assert history.stop_reason == "validation stop"
    best = int(np.argmin(history.val_loss))
    assert history.best_epoch == best and history.epochs == best + 1 + 4
    assert history.extra["val_fail"][-5:] == [0, 1, 2, 3, 4]
    restored = net.cost(net.forward(x_val), y_val, "squared_error")
    # the same cost of the same weights, perhaps through differently aligned buffers: within its rounding
    assert restored == pytest.approx(history.val_loss[best], rel=0, abs=2 * cost_rounding(net, x_val, y_val))


def test_record_reports_matlab_performance_and_test_error_without_training_on_it():
    x, y = sine()
    x_test, y_test = sine(m=17, noise=0.1)
    net, history = fit("lm", max_iter=5)
    with_test, history_test = fit("lm", max_iter=5, test=(x_test, y_test))
    np.testing.assert_array_equal(with_test.params, net.params)  # the test set never steers training
    assert history_test.loss == history.loss
    mse = np.mean((with_test.predict(x_test) - y_test) ** 2)
    # perf is MATLAB's mse = 2J/K (K = 1 output): the same sum of squares in another order, each within its rounding
    test_error = 4 * cost_rounding(with_test, x_test, y_test)
    assert history_test.extra["test_perf"][-1] == pytest.approx(mse, rel=0, abs=test_error)
    train_error = 4 * cost_rounding(net, x, y)
    assert history.extra["perf"][-1] == pytest.approx(np.mean((net.predict(x) - y) ** 2), rel=0, abs=train_error)
    assert len(history.seconds) == len(history.extra["gradient"]) == len(history.extra["mu"]) == 5


def test_rprop_matches_the_rule_re_derived_on_a_linear_model():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((12, 3)), rng.standard_normal((12, 2))
    net = Network([3, 2], [], "identity", random_state=0)
    W, b = net.weights[0].copy(), net.biases[0].copy()
    get_solver("rprop")(net, X, Y, "squared_error", max_iter=8, min_grad=0.0)
    step_W, step_b = np.full_like(W, 0.07), np.full_like(b, 0.07)
    last_W, last_b = np.zeros_like(W), np.zeros_like(b)
    moved_W, moved_b = np.abs(W), np.abs(b)  # |θ_0| + Σ|steps|: the scale of every partial sum
    for _ in range(8):
        E = X @ W + b - Y  # J = 1/(2m) Σ ‖XW + b - Y‖²
        dW, db = X.T @ E / len(X), E.mean(axis=0)
        for theta, grad, last, step, moved in ((W, dW, last_W, step_W, moved_W), (b, db, last_b, step_b, moved_b)):
            step *= np.where(grad * last > 0, 1.2, np.where(grad * last < 0, 0.5, 1.0))
            np.minimum(step, 50.0, out=step)
            theta -= np.sign(grad) * step
            moved += step
            last[...] = grad
    # only the gradients' signs enter Rprop, so θ is θ_0 minus 8 signed steps built from the same factors: one
    # rounding per update (of the partial sum's size), 2 per step size (×1.2 or ×0.5, 8 times)
    assert_within(net.weights[0], W, 3 * 8 * EPS * moved_W)
    assert_within(net.biases[0], b, 3 * 8 * EPS * moved_b)


def test_scg_solves_linear_least_squares_exactly():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((40, 4)), rng.standard_normal((40, 1))
    A = np.c_[X, np.ones(40)]
    coef = np.linalg.lstsq(A, Y, rcond=None)[0].ravel()  # θ* = (W, b): the parameters' layout
    H = A.T @ A / 40  # J = 1/(2m)‖Aθ - Y‖² is quadratic, with ∇J = Aᵀ(Aθ - Y)/m and ∇²J = AᵀA/m
    net = Network([4, 1], [], "identity", random_state=0)
    start = net.pack()
    net.unpack(coef)
    reference_gradient = np.linalg.norm(net.loss_and_grad(X, Y, "squared_error")[1])  # lstsq's answer, in J's terms
    rounding = gradient_rounding(net, X, Y)  # how far a computed ∇J may be from the true one
    # SCG takes a step only when the computed J drops, so it cannot push ‖∇J‖ below gradient_floor (there it
    # stalls until max_iter); ask for 10 times the floor, which it reaches in about P = 5 conjugate steps
    min_grad = 10 * gradient_floor(H, cost_rounding(net, X, Y))
    net.unpack(start)
    history = get_solver("scg")(net, X, Y, "squared_error", max_iter=60, min_grad=min_grad)
    assert history.stop_reason == "minimum gradient" and history.epochs <= 10  # 5 parameters: CG's P steps and a few
    # the stopping rule ‖∇J‖ < min_grad leaves ‖θ - θ*‖ = ‖H⁻¹∇J‖ <= min_grad/λ_min(H)
    distance = distance_to_minimum(H, min_grad + rounding, reference_gradient + rounding)
    assert np.linalg.norm(net.pack() - coef) <= distance + 4 * EPS * np.linalg.norm(coef)


def test_scg_reaches_the_minimum_of_scipy_cg_on_a_tiny_network():
    x, y = teacher_data()  # an isolated minimum (a noiseless sine lets the weights drift along a flat valley)
    net = Network([1, 2, 1], "tanh", "identity", random_state=1)
    start = net.pack()

    def cost_and_grad(theta):
        net.unpack(theta)
        return net.loss_and_grad(x, y, "squared_error")

    reference = minimize(cost_and_grad, start, jac=True, method="CG", options={"gtol": 1e-12, "maxiter": 5000})
    net.unpack(reference.x)
    H, cost_error, rounding = hessian(net, x, y), cost_rounding(net, x, y), gradient_rounding(net, x, y)
    reference_gradient = np.linalg.norm(net.loss_and_grad(x, y, "squared_error")[1])
    # below gradient_floor SCG's steps are refused by rounding and it runs to max_iter: ask for 10 times it
    min_grad = 10 * gradient_floor(H, cost_error)
    net.unpack(start)
    history = get_solver("scg")(net, x, y, "squared_error", max_iter=10_000, min_grad=min_grad)  # ~1200 needed
    assert history.stop_reason == "minimum gradient"
    # near the minimum J(θ) - J* = ½ΔθᵀHΔθ <= ½‖∇J(θ)‖²/λ_min (factor 2 for the non-quadratic remainder)
    gap = ((min_grad + rounding) ** 2 + (reference_gradient + rounding) ** 2) / curvatures(H)[0]
    assert history.loss[-1] == pytest.approx(reference.fun, rel=0, abs=gap + 2 * cost_error)


@pytest.mark.parametrize("solver", ["rprop", "scg"])
def test_gradient_solvers_take_any_loss(solver):
    X, y = moons(200, noise=0.2, random_state=0)
    net = Network([2, 8, 1], "tanh", "sigmoid", random_state=0)
    history = get_solver(solver)(net, X, y[:, None], "binary_cross_entropy", max_iter=300)
    assert history.loss[-1] < 0.5 * history.loss[0]
    assert history.extra["perf"] == history.loss  # perf is the loss itself for cross-entropy
    assert np.mean((net.predict(X)[:, 0] > 0.5) == y) > 0.9


def test_solvers_import_numpy_only():
    code = ("import sys, bpnn.core.solvers.lm, bpnn.core.solvers.br, bpnn.core.solvers.rprop, bpnn.core.solvers.scg, "
            "bpnn.preprocessing; print(sorted(m for m in ('scipy', 'sklearn', 'pandas', 'matplotlib', 'dask') "
            "if m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"


def test_solver_records_match_their_functions():
    """The records are what callers ask; each full-batch record's options are its function's own keywords and defaults."""
    import inspect

    from bpnn.core.solvers import SOLVERS

    common = {"sample_weight", "alpha", "max_iter", "validation", "score", "early_stopping", "callbacks", "history", "test",
              "objective", "checkpoint", "checkpoint_every", "resume", "stop"}
    for record in SOLVERS.values():
        if not record.full_batch:
            continue
        parameters = inspect.signature(record.function()).parameters
        own = {name: p.default for name, p in parameters.items() if p.kind is p.KEYWORD_ONLY and name not in common}
        assert own == dict(record.options), record.name
        assert ("resume" in parameters) == record.resumable and ("objective" in parameters) == record.distributed
        assert ("max_fail" in own) == record.validation_stop
