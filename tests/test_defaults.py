"""The estimators' default schedule uses the budget it is given (bench/default_budget.md has the full table)."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from bpnn import BPClassifier, BPRegressor


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
    est = BPRegressor(hidden_layer_sizes=(3,), n_iter_no_change=1, tol=10.0, max_iter=100, random_state=0,
                      early_stopping=False).fit(X, X[:, 0])
    # the first epoch sets the best loss; every later one is a plateau at tol=10 and divides the rate by 5:
    # 0.01 / 5^6 = 6.4e-7 is floored at 1e-6 after the 7th epoch, which ends training
    assert est.n_iter_ == 7
    assert "learning rate" in est.history_.message and "adaptive" in est.history_.message


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("estimator", [BPRegressor, BPClassifier])
def test_refit_is_the_held_out_runs_best_epoch_count_trained_on_every_row(estimator):
    """early_stopping="refit" (the default) equals two plain fits done by hand: early_stopping=True finds the best
    epoch E on the held-out rows; then early_stopping=False, max_iter=E on every row, from the same start."""
    X, y = make_classification(300, 6, n_informative=4, random_state=0)
    target = y if estimator is BPClassifier else X @ np.arange(1.0, 7.0) + np.sin(3 * X[:, 0])
    default = estimator(hidden_layer_sizes=(8,), random_state=3, max_iter=300).fit(X, target)
    assert default.early_stopping == "refit"
    held_out = estimator(hidden_layer_sizes=(8,), random_state=3, max_iter=300, early_stopping=True).fit(X, target)
    epochs = held_out.history_.best_epoch + 1
    by_hand = estimator(hidden_layer_sizes=(8,), random_state=3, max_iter=epochs, early_stopping=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # stopping at max_iter is what this fit is for
        by_hand.fit(X, target)
    assert default.n_iter_ == epochs < 300 and default.history_.stop_reason == "refit"
    assert default.validation_history_.epochs == held_out.history_.epochs  # the held-out run is kept
    for mine, theirs in zip(default.coefs_ + default.intercepts_, by_hand.coefs_ + by_hand.intercepts_):
        np.testing.assert_array_equal(mine, theirs)  # bit-identical: the same seeds, the same arithmetic
    assert default.get_params()["max_iter"] == 300 and default.get_params()["early_stopping"] == "refit"
    assert default.best_loss_ == min(by_hand.loss_curve_)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_refit_leaves_partial_fit_and_divisions_as_they_were():
    X, y = make_classification(200, 4, random_state=1)
    est = BPClassifier(hidden_layer_sizes=(4,), random_state=0)
    est.partial_fit(X, y, classes=[0, 1])  # "refit" shapes fit only; partial_fit trains on the batch it is given
    assert est.n_iter_ == 1
    with pytest.raises(ValueError, match="early_stopping=True"):
        BPClassifier(early_stopping=True).partial_fit(X, y, classes=[0, 1])
    # with a division, MATLAB's max_fail rule watches the division's validation rows: no refit
    divided = BPClassifier(hidden_layer_sizes=(4,), division="random", random_state=0, max_iter=50).fit(X, y)
    assert divided.history_.stop_reason != "refit" and not hasattr(divided, "validation_history_")
    with pytest.raises(ValueError, match="early_stopping must be True, False or 'refit'"):
        BPClassifier(early_stopping="yes").fit(X, y)
