"""bpnn.selection.init_search: start weights searched by SciPy's differential evolution ("ga") and pymoo's particle
swarm ("pso") against screened random restarts and full trainings ("full"), every method at the same budget of
epochs."""

import math

import numpy as np
import pytest

from bpnn.estimators import BPClassifier, BPRegressor
from bpnn.selection.init_search import (
    SearchError,
    best_of,
    draws,
    half_widths,
    network_of,
    parse_methods,
    search_starts,
)

P, G, K, EPOCHS = 5, 2, 3, 20  # population, generations, screening epochs, final max_iter
BUDGET = P * G * K + EPOCHS  # 50 epochs for every method


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (80, 2))
    return X, np.sin(3 * X[:, 0]) + X[:, 1] ** 2


def adam(**extra):
    """Every training runs its max_iter epochs: no validation rows, and the training-loss stall rule needs 10⁶
    epochs without improvement; the training loss at the last epoch scores a screening."""
    return {**dict(hidden_layer_sizes=(4,), activation="tanh", solver="adam", learning_rate_init=0.05, max_iter=EPOCHS,
                   alpha=0.0, scaling="mapminmax", n_iter_no_change=10**6, random_state=0), **extra}


@pytest.fixture(scope="module")
def searched(data):
    pytest.importorskip("pymoo", reason="the 'pso' method needs pymoo (pip install 'bpnn[search]')")
    X, y = data
    epochs, after = [], []
    results = search_starts("regression", adam(callbacks=[lambda epoch, history, network: epochs.append(epoch)]), X, y,
                            ["restarts", "ga", "pso", "full"], population=P, generations=G, screen_epochs=K,
                            report=lambda result: after.append(len(epochs)))
    return results, np.diff([0, *after])


def test_every_method_runs_the_same_budget_of_epochs(searched):
    results, counted = searched
    assert counted.tolist() == [BUDGET] * 4  # epochs the training callback saw during each method
    for result in results[:3]:
        s = result.summary()
        assert (s["candidates"], s["screening_epochs"], s["final_epochs"], s["epochs"], s["budget"]) == \
            (P * G, P * G * K, EPOCHS, BUDGET, BUDGET)
    full = results[3]  # full trainings of 20 epochs until the 50 are spent, the last one cut to the 10 left
    assert full.epochs.tolist() == [EPOCHS, EPOCHS, BUDGET - 2 * EPOCHS] and full.summary()["epochs"] == BUDGET


def test_ga_and_pso_are_the_libraries_optimisers_and_keep_their_best(searched):
    restarts, ga, pso, full = searched[0]
    assert ga.optimizer.nfev == len(ga.scores) == P * G  # SciPy counted every start vector screened
    assert ga.optimizer.nit == G - 1
    np.testing.assert_array_equal(ga.optimizer.x, ga.starts[ga.best])  # SciPy's best is the one trained fully
    assert ga.optimizer.fun == ga.scores[ga.best]
    assert pso.optimizer.algorithm.evaluator.n_eval == len(pso.scores) == P * G  # pymoo's count
    np.testing.assert_array_equal(pso.optimizer.X, pso.starts[pso.best])
    assert pso.optimizer.F[0] == pso.scores[pso.best]
    # the three start from the same draws; SciPy maps them to [0, 1] and back, which moves them by a few ulp
    np.testing.assert_array_equal(pso.starts[:P], restarts.starts[:P])
    np.testing.assert_array_equal(full.starts, restarts.starts[:3])
    box = np.abs(restarts.starts).max()
    np.testing.assert_allclose(ga.starts[:P], restarts.starts[:P], rtol=0, atol=4 * np.finfo(float).eps * 2 * box)
    assert not np.allclose(ga.starts[P:], restarts.starts[P:])  # then they propose different vectors


def test_the_best_start_is_the_one_trained_fully(searched):
    for result in searched[0]:
        assert result.best == int(np.argmin(result.scores))
        final = result.estimator
        assert type(final) is BPRegressor
        if result.method == "full":  # the candidate's own network, kept as it was trained
            assert final.history_.epochs == result.epochs[result.best]
            assert final.history_.loss[-1] == result.scores[result.best]
        else:  # the full training repeats the screening's first K epochs bit for bit, so its loss after K epochs is
            # the best start's screening score (the training loss at the last screened epoch)
            assert final.history_.epochs == EPOCHS
            assert final.history_.loss[K - 1] == result.scores[result.best]
        assert final.trials_[0]["seed"] is None  # its start came from the search, not from a seed


def test_a_seed_gives_bit_identical_searches(data, searched):
    X, y = data
    again = search_starts("regression", adam(), X, y, ["restarts", "ga", "pso", "full"], population=P, generations=G,
                          screen_epochs=K, jobs=2)  # and on two processes
    for first, second in zip(searched[0], again):
        np.testing.assert_array_equal(first.starts, second.starts)
        np.testing.assert_array_equal(first.scores, second.scores)
        np.testing.assert_array_equal(first.estimator.network_.params, second.estimator.network_.params)


def test_the_box_is_the_initialisers_range_and_the_draws_are_the_fits_own(data):
    X, y = data
    network = network_of("regression", adam(init="glorot_uniform"), X, y)
    assert network.layer_sizes == [2, 4, 1]
    # 2 -> 4: √(6/6) = 1 for 8 weights and 4 biases; 4 -> 1: √(6/5) for 4 weights and 1 bias
    np.testing.assert_array_equal(half_widths(network, "glorot_uniform"), [1.0] * 12 + [math.sqrt(6 / 5)] * 5)
    # Nguyen–Widrow's β = 0.7 · 4^(1/2) = 1.4 on the hidden layer, Glorot's limit on the linear output
    np.testing.assert_allclose(half_widths(network, "nguyen_widrow"), [1.4] * 12 + [math.sqrt(6 / 5)] * 5, rtol=1e-15)
    half = half_widths(network, "glorot_uniform")
    for seed in (3, 11):
        fit_start = network_of("regression", adam(init="glorot_uniform", random_state=seed), X, y).pack()
        np.testing.assert_array_equal(draws(network, "glorot_uniform", [seed], half)[0], fit_start)
    normal = draws(network, "glorot_normal", list(range(50)), half_widths(network, "glorot_normal"))
    assert np.all(np.abs(normal) <= half_widths(network, "glorot_normal"))  # normal draws clipped at 3σ


def test_classifiers_are_searched_too():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    params = dict(hidden_layer_sizes=(3,), activation="tanh", solver="scg", max_iter=30, alpha=0.0,
                  scaling="mapminmax", division="random", random_state=1)
    results = search_starts("classification", params, X, y, ["ga", "restarts"], population=5, generations=2,
                            screen_epochs=2)
    for result in results:
        assert type(result.estimator) is BPClassifier
        s = result.summary()
        assert s["epochs"] <= s["budget"] == 5 * 2 * 2 + 30 and 0 <= s["test"]["accuracy"] <= 1
    assert best_of(results) is min(results, key=lambda r: r.summary()["val_loss"])


@pytest.mark.parametrize("call, words", [
    (lambda: parse_methods("ga,de"), "takes restarts, ga, pso, full separated by commas; got 'ga,de'"),
    (lambda: search_starts("regression", adam(), *np.ones((2, 8, 1)), ["ga"], population=4),
     "population must be at least 5 for 'ga'"),
    (lambda: search_starts("regression", adam(n_init=2), *np.ones((2, 8, 1)), ["restarts"]), "set n_init=1"),
    (lambda: search_starts("regression", adam(), *np.ones((2, 8, 1)), ["restarts"], generations=0),
     "generations must be an integer >= 1"),
])
def test_bad_settings_name_the_parameter(call, words):
    with pytest.raises(SearchError, match=words):
        call()
