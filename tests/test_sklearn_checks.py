"""scikit-learn's own estimator checks over BPClassifier and BPRegressor: the defaults and five other
set-ups (sgd, lbfgs, early stopping, and MATLAB's lm/rprop with the mapminmax scaling kept in the model), with
short runs so the file stays quick.

The configurations expected to fail a check, and why, come from ``bpnn.estimators.expected_failed_checks``,
the way scikit-learn declares its own estimators' expected failures, so that ``check_estimator`` itself
reports them as expected. The acceptance set-ups (defaults, lbfgs, sgd with early stopping, lm) run at full
length too, beside the short runs.
"""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from bpnn.estimators import BPClassifier, BPRegressor, expected_failed_checks

SHORT = dict(hidden_layer_sizes=(20,), max_iter=60)
ESTIMATORS = [
    BPClassifier(),
    BPRegressor(),
    BPClassifier(solver="sgd", learning_rate_init=0.05, **SHORT),
    BPRegressor(solver="sgd", learning_rate="invscaling", learning_rate_init=0.1, **SHORT),  # η0/√(samples seen)
    BPRegressor(solver="lbfgs", activation="tanh", **SHORT),
    BPClassifier(early_stopping=True, learning_rate_init=0.01, **SHORT),
    BPRegressor(early_stopping=True, learning_rate_init=0.01, **SHORT),
    BPClassifier(solver="rprop", activation="tanh", scaling="mapminmax", **SHORT),
    BPRegressor(solver="lm", activation="tanh", scaling="mapminmax", hidden_layer_sizes=(10,), max_iter=15),
    BPClassifier(solver="lbfgs"),
    BPRegressor(solver="lbfgs"),
    BPClassifier(solver="sgd", early_stopping=True),
    BPRegressor(solver="sgd", early_stopping=True),
    BPRegressor(solver="lm", hidden_layer_sizes=(10,)),  # fitnet's size: LM on 100 units is JᵀJ of 10⁴ x 10⁴ entries
    BPRegressor(solver="trainbr", activation="tanh", scaling="mapminmax", hidden_layer_sizes=(10,), max_iter=15,
                alpha=0.0),  # MATLAB's name of br (which estimates its own penalty, so alpha is 0)
    BPClassifier(solver="trainrp", activation="tanh", scaling="mapminmax", **SHORT),  # MATLAB's name of rprop
    BPClassifier(n_init=2, ensemble=True, **SHORT),  # several trials, their mean (bpnn.estimators.trials)
    BPRegressor(n_init=2, ensemble=True, **SHORT),
    BPRegressor(n_init=3, early_stopping=True, learning_rate_init=0.01, **SHORT),
]

# short runs stop before converging; plain sgd on check_regressor_multioutput's unscaled targets (|y| ~ 700)
# diverges, and the estimator then restores the last finite weights and warns, as it should
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.filterwarnings("ignore::bpnn.core.training.DivergenceWarning")
@pytest.mark.usefixtures("one_blas_thread")
@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.usefixtures("one_blas_thread")
def test_check_estimator_itself_reports_the_declared_failures_as_expected():
    """check_estimator, given the declared expectations, reports no failure; lbfgs's saturating probabilities no
    longer break check_classifiers_train (log of a probability that underflowed to 0 against a finite log)."""
    from sklearn.utils.estimator_checks import check_estimator

    estimator = BPClassifier(solver="lbfgs")
    results = check_estimator(estimator, expected_failed_checks=expected_failed_checks(estimator), on_fail=None)
    status = {result["check_name"]: result["status"] for result in results}
    assert status["check_classifiers_train"] == "passed"
    assert not [name for name, outcome in status.items() if outcome == "failed"]


def test_probabilities_never_underflow_to_zero_and_agree_with_their_log():
    import numpy as np

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((60, 3)), rng.integers(0, 3, 60)
    est = BPClassifier(hidden_layer_sizes=(5,), max_iter=5, random_state=0).fit(X, y)
    est.coefs_[-1] *= 1e4  # logits far apart: softmax underflows below 1e-308
    huge = X * 100
    proba, log_proba = est.predict_proba(huge), est.predict_log_proba(huge)
    assert proba.min() == np.finfo(np.float64).tiny  # floored at the smallest normal number, not 0
    np.testing.assert_allclose(log_proba, np.log(proba), rtol=4 * np.finfo(np.float64).eps)  # log rounds twice
