"""The estimators' parameter table (bpnn.estimators.parameters) agrees with what scikit-learn reads, the
signatures, and drives validation, the docstrings and the command line's words."""

import inspect

import pytest

from bpnn.estimators import BPClassifier, BPRegressor
from bpnn.estimators.parameters import (
    CLASSIFIER_PARAMETERS,
    DEFAULTS,
    FLAGS,
    PARAMETERS,
    REGRESSOR_PARAMETERS,
    SHARED_PARAMETERS,
    in_cli_words,
    parameter_docs,
)


@pytest.mark.parametrize(("estimator", "names"), [(BPClassifier, CLASSIFIER_PARAMETERS),
                                                  (BPRegressor, REGRESSOR_PARAMETERS)])
def test_signature_defaults_are_the_table(estimator, names):
    signature = inspect.signature(estimator.__init__).parameters
    assert [name for name in signature if name != "self"] == list(names)  # the table's order
    assert {name: signature[name].default for name in names} == {name: DEFAULTS[name] for name in names}
    assert estimator().get_params() == {name: DEFAULTS[name] for name in names}


def test_every_documented_parameter_is_in_the_docstrings():
    for estimator, names, score in ((BPClassifier, (*SHARED_PARAMETERS, "class_weight"), "accuracy"),
                                    (BPRegressor, ("loss", *SHARED_PARAMETERS), "R²")):
        assert parameter_docs(names, score) in estimator.__doc__
    assert "beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8" in BPClassifier.__doc__


@pytest.mark.parametrize(("params", "message"), [
    (dict(max_iter=0), r"max_iter must be an integer in \[1, inf\); got 0"),
    (dict(momentum=1.5), r"momentum must be a number in \[0, 1\]; got 1.5"),
    (dict(batch_size=0), "batch_size must be 'auto' or a positive integer; got 0"),
    (dict(monitor="loss"), "unknown monitor 'loss'"),
    (dict(hidden_layer_sizes=(3, 0)), "hidden_layer_sizes must be positive integers"),
    (dict(max_fail=-1), r"max_fail must be an integer in \[0, inf\); got -1"),
    (dict(division="indices"), "division='indices' takes its rows from division_indices"),
])
def test_the_table_checks_each_parameter(params, message):
    with pytest.raises(ValueError, match=message):
        BPClassifier(**params)._check_params()


def test_loss_is_the_regressors_only():
    with pytest.raises(ValueError, match="unknown loss 'absolute_error'; BPRegressor's losses are squared_error and poisson"):
        BPRegressor(loss="absolute_error")._check_params()


def test_messages_in_cli_words():
    assert set(FLAGS) <= set(PARAMETERS)
    assert FLAGS["max_iter"] == "--epochs" and FLAGS["division_ratios"] == "--division"
    assert in_cli_words("max_iter must be an integer in [1, inf); got 0") == "--epochs must be an integer in [1, inf); got 0"
    assert in_cli_words("got division_ratios=(0, 1, 0) and learning_rate_init=0") == \
        "got --division=(0, 1, 0) and --learning-rate=0"
    assert in_cli_words("unknown solver 'x'; valid solvers are sgd") == "unknown solver 'x'; valid solvers are sgd"
    assert in_cli_words("solver=lm with alpha must be set") == "--solver=lm with --alpha must be set"
