"""The estimators' default schedule uses the budget it is given (bench/default_budget.md has the full table)."""

import numpy as np
import pytest

from bpnn import BPRegressor


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_larger_max_iter_keeps_improving_the_default_fit_on_matlab_sin():
    """MATLAB's SIN problem (1-5-1 tanh): under the old default (η0·0.95^epoch) 2000 epochs reached nothing 200 did not."""
    X = np.linspace(-1, 1, 41)[:, None]
    y = np.sin(np.pi * X[:, 0])
    short, long = (BPRegressor(hidden_layer_sizes=(5,), activation="tanh", max_iter=max_iter, random_state=1).fit(X, y)
                   for max_iter in (200, 2000))
    assert short.learning_rate == "adaptive" and short.n_iter_ == 200  # the short run used its whole budget
    # the schedule does not depend on max_iter, so the long run is the short one continued: same first 200 epochs
    np.testing.assert_array_equal(long.loss_curve_[:200], short.loss_curve_)
    assert long.n_iter_ > 200 and long.loss_curve_[-1] < short.loss_curve_[-1]
    assert np.mean((long.predict(X) - y) ** 2) < np.mean((short.predict(X) - y) ** 2)


def test_the_adaptive_schedule_says_why_it_stopped():
    X = np.linspace(-1, 1, 20)[:, None]
    est = BPRegressor(hidden_layer_sizes=(3,), n_iter_no_change=1, tol=10.0, max_iter=100, random_state=0).fit(X, X[:, 0])
    # the first epoch sets the best loss; every later one is a plateau at tol=10 and divides the rate by 5:
    # 0.02 / 5^7 = 2.6e-7 is floored at 1e-6 after the 8th epoch, which ends training
    assert est.n_iter_ == 8
    assert "learning rate" in est.history_.message and "adaptive" in est.history_.message
