"""BPClassifier and BPRegressor: tasks, scikit-learn workflows, weights, dtypes, validation, early stopping,
incremental training, state round trips; checked against scikit-learn, the seed network and hand-written
forward passes."""

import io
import json
import pickle
import subprocess
import sys

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris, make_classification, make_multilabel_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss, r2_score, recall_score
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import bpnn
from bpnn.core.solvers import FULL_BATCH_SOLVERS
from bpnn.estimators import BPClassifier, BPRegressor
from bpnn.seed import TwoLayerNet
from test_lbfgs import assert_near_the_same_minimum, converged_point
from test_lm import EPS, assert_within, cost_rounding, output_rounding

pytestmark = [pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),  # short runs on purpose
              pytest.mark.usefixtures("one_blas_thread")]


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    return train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)


@pytest.fixture(scope="module")
def binary():
    X, y = make_classification(n_samples=300, n_features=6, n_informative=4, random_state=0)
    return StandardScaler().fit_transform(X), y


def relu(z):
    return np.maximum(z, 0)


def layer_rounding(network, X, layer):
    """A bound on the rounding error of Z[layer] (the dot-product bound (fan-in + 2)·ε·(|A[l-1]| |W[l]| + |b[l]|),
    times the depth for the errors the earlier layers pass on), for a computation in another order."""
    A = network.forward(X).A[layer - 1]
    magnitude = np.abs(A) @ np.abs(network.weights[layer - 1]) + np.abs(network.biases[layer - 1])
    return (network.layer_sizes[layer - 1] + 2) * layer * EPS * magnitude


def manual_logits(est, X):
    """Z[L] computed from coefs_ / intercepts_ alone, scikit-learn's way: a @ W + b, relu between layers."""
    a = X
    for i, (W, b) in enumerate(zip(est.coefs_, est.intercepts_)):
        z = a @ W + b
        a = relu(z) if i < len(est.coefs_) - 1 else z
    return z


# ---- tasks -----------------------------------------------------------------------------------------
def test_binary_is_one_sigmoid_unit_with_cross_entropy(binary):
    X, y = binary
    est = BPClassifier(hidden_layer_sizes=(8,), solver="lbfgs", alpha=0.1, max_iter=50, random_state=0).fit(X, y)
    assert est.n_outputs_ == 1 and est.out_activation_ == "sigmoid" and est.n_layers_ == 3
    assert [W.shape for W in est.coefs_] == [(6, 8), (8, 1)]  # scikit-learn's orientation (n_in, n_out)
    z = manual_logits(est, X)[:, 0]
    p = 1 / (1 + np.exp(-z))
    # z computed in another order differs by at most δz; σ and 1 - σ move by at most their value times δz, and
    # each is computed to a few ε
    dz = output_rounding(est.network_, X)[:, 0]
    q = np.column_stack([1 / (1 + np.exp(z)), p])  # 1 - σ(z) = σ(-z), without cancelling
    assert_within(est.predict_proba(X), q, q * (dz[:, None] + 8 * EPS))
    np.testing.assert_array_equal(est.predict(X), est.classes_[(p > 0.5).astype(int)])
    # full batch: the last loss is J at the final weights, binary cross-entropy plus α/(2m) Σ‖W‖². log_loss
    # works from p, so log(1 - p) carries p's rounding (a few ε) relative to 1 - p
    penalty = 0.1 / (2 * len(y)) * sum(float((W**2).sum()) for W in est.coefs_)
    error = np.mean(dz + 8 * EPS / np.minimum(p, 1 - p))
    error += cost_rounding(est.network_, X, y[:, None], "binary_cross_entropy", alpha=0.1)
    assert est.loss_curve_[-1] == pytest.approx(log_loss(y, p) + penalty, rel=0, abs=error)


def test_multiclass_is_softmax(iris):
    X_train, X_test, y_train, y_test = iris
    est = BPClassifier(hidden_layer_sizes=(16,), learning_rate="constant", learning_rate_init=0.01, max_iter=300,
                       random_state=0).fit(X_train, y_train)
    assert est.out_activation_ == "softmax" and est.n_outputs_ == 3
    z = manual_logits(est, X_test)
    expected = np.exp(z - z.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    # each logit off by at most δz moves log softmax by at most 2δz (its own and the log-sum-exp's), and the
    # probabilities by that relative to themselves; a few ε more for the exponentials and the sum
    dz = output_rounding(est.network_, X_test).max(axis=1, keepdims=True)
    assert_within(est.predict_proba(X_test), expected, expected * (2 * dz + 8 * EPS))
    assert_within(est.predict_log_proba(X_test), np.log(expected), 2 * dz + 8 * EPS * (1 + np.abs(np.log(expected))))
    assert est.score(X_test, y_test) >= 0.9


def test_string_labels_and_multilabel():
    X, Y = make_multilabel_classification(n_samples=200, n_features=8, n_classes=3, random_state=0)
    est = BPClassifier(hidden_layer_sizes=(16,), max_iter=200, learning_rate_init=0.01, random_state=0).fit(X, Y)
    assert est.out_activation_ == "sigmoid" and est.n_outputs_ == 3
    np.testing.assert_array_equal(est.classes_, [0, 1, 2])
    proba = est.predict_proba(X)
    assert proba.shape == (200, 3)
    np.testing.assert_array_equal(est.predict(X), (proba > 0.5).astype(int))
    assert est.score(X, Y) == accuracy_score(Y, est.predict(X))
    labels = np.array(["cat", "dog", "emu"])[load_iris(return_X_y=True)[1]]
    est = BPClassifier(hidden_layer_sizes=(8,), max_iter=20, random_state=0).fit(load_iris(return_X_y=True)[0], labels)
    assert set(est.predict(load_iris(return_X_y=True)[0])) <= {"cat", "dog", "emu"}


def test_log_proba_stays_finite_when_probabilities_saturate(binary):
    X, y = binary
    est = BPClassifier(hidden_layer_sizes=(8,), max_iter=30, random_state=0).fit(X, y)
    log_proba = est.predict_log_proba(X * 1e4)
    assert np.all(np.isfinite(log_proba))
    z = manual_logits(est, X * 1e4)[:, 0]
    # log σ(z) = -log(1 + e^-z) moves by σ(-z)·δz for a logit off by δz, and is computed to a few ε; like the
    # probability, it is floored at the log of the smallest normal number, so that it equals log(predict_proba)
    expected = np.maximum(-np.logaddexp(0, -z), np.log(np.finfo(np.float64).tiny))
    assert expected.min() == np.log(np.finfo(np.float64).tiny)  # the floor is reached: the test covers it
    dz = output_rounding(est.network_, X * 1e4)[:, 0]
    assert_within(log_proba[:, 1], expected, np.exp(-np.logaddexp(0, z)) * dz + 4 * EPS * np.abs(expected))


def test_regression_one_and_several_outputs():
    X, y = make_regression(n_samples=200, n_features=5, n_targets=2, noise=1.0, random_state=0)
    y = y / y.std(axis=0)
    est = BPRegressor(hidden_layer_sizes=(32,), max_iter=300, learning_rate_init=0.01, random_state=0).fit(X, y)
    assert est.out_activation_ == "identity" and est.predict(X).shape == (200, 2)
    assert_within(est.predict(X), manual_logits(est, X), output_rounding(est.network_, X))  # identity output
    assert est.score(X, y) == pytest.approx(r2_score(y, est.predict(X)), rel=4 * EPS)  # the same function
    assert est.score(X, y) > 0.95
    single = BPRegressor(hidden_layer_sizes=(8,), max_iter=20, random_state=0).fit(X, y[:, 0])
    assert single.predict(X).shape == (200,)


def test_hidden_activations_are_the_learned_features(iris):
    X_train, _, y_train, _ = iris
    est = BPClassifier(hidden_layer_sizes=(7, 5), activation=["tanh", "relu"], max_iter=20, random_state=0)
    est.fit(X_train, y_train)
    first = np.tanh(X_train @ est.coefs_[0] + est.intercepts_[0])
    second = relu(first @ est.coefs_[1] + est.intercepts_[1])
    # tanh and relu move by at most the error of their Z (slope <= 1), plus a few ε of their value
    first_error = layer_rounding(est.network_, X_train, 1) + 4 * EPS * np.abs(first)
    second_error = layer_rounding(est.network_, X_train, 2) + 4 * EPS * np.abs(second)
    assert_within(est.hidden_activations(X_train, layer=1), first, first_error)
    assert_within(est.hidden_activations(X_train), second, second_error)
    assert_within(est.hidden_activations(X_train, layer=-2), first, first_error)
    with pytest.raises(ValueError, match=r"hidden layer number 1\.\.2"):
        est.hidden_activations(X_train, layer=3)


def test_seed_configuration_is_the_seed_network():
    # BPClassifier(activation="sigmoid") on a binary target with full-batch gradient descent is the seed's
    # TwoLayerNet: start both from the same weights, train 40 epochs, compare every weight and the costs.
    X, y = make_classification(n_samples=60, n_features=3, n_informative=3, n_redundant=0, random_state=1)
    seed = TwoLayerNet(n_x=3, n_h=4, seed=0)
    est = BPClassifier(early_stopping=False,
                       hidden_layer_sizes=(4,), activation="sigmoid", solver="sgd", momentum=0.0, alpha=0.0,
                       batch_size=60, shuffle=False, learning_rate="constant", learning_rate_init=0.5, max_iter=1,
                       warm_start=True, n_iter_no_change=100, random_state=0)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    for W, b, w, bias in zip(est.coefs_, est.intercepts_, (seed.w1, seed.w2), (seed.b1, seed.b2)):
        W[...], b[...] = w.T, bias[:, 0]  # coefs_ are views: this sets the network's weights
    costs = seed.fit(X.T, y[None, :], learning_rate=0.5, epochs=40)
    est.set_params(max_iter=40)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    # The same 40 steps of gradient descent in another operation order. Each step adds at most a few ε·fan-in of
    # the weights' scale, and a gradient step with η·λ_max(∇²J) < 2 does not amplify what earlier steps left, so
    # after 40 steps the two agree to 40 times that (the costs, sums of those weights' effects, likewise).
    per_step = 4 * (3 + 4 + 2) * EPS  # fan-in of the 3-4-1 network's layers, plus the bias and the update
    for ours, theirs in ((est.coefs_[0], seed.w1.T), (est.coefs_[1], seed.w2.T), (est.intercepts_[1], seed.b2[:, 0])):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=40 * per_step * np.abs(theirs).max())
    np.testing.assert_allclose(est.loss_curve_[1:], costs, rtol=40 * per_step)


# ---- scikit-learn workflows ------------------------------------------------------------------------
def test_pipeline_in_grid_search_and_cross_val_score(binary):
    X, y = binary
    pipeline = make_pipeline(StandardScaler(), BPClassifier(batch_size=50, max_iter=40, learning_rate_init=0.01,
                                                            random_state=0))
    grid = {"bpclassifier__hidden_layer_sizes": [(2,), (32,)], "bpclassifier__activation": ["relu", "tanh"]}
    search = GridSearchCV(pipeline, grid, cv=3).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_params_["bpclassifier__hidden_layer_sizes"] == (32,) and search.best_score_ > 0.85
    scores = cross_val_score(search.best_estimator_, X, y, cv=3)
    linear = cross_val_score(make_pipeline(StandardScaler(), LogisticRegression()), X, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > linear.mean() + 0.1  # this set is not linearly separable


def never_stop(epoch, history, network):
    return False


def test_clone_and_pickle(binary):
    X, y = binary
    est = BPClassifier(hidden_layer_sizes=(8,), max_iter=10, random_state=0, callbacks=[never_stop])
    assert clone(est).get_params()["hidden_layer_sizes"] == (8,)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    copy = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(copy.predict_proba(X), est.predict_proba(X))
    # the copy's coefs_ are still views of its parameter vector: training the copy moves them
    before = copy.coefs_[0].copy()
    copy.partial_fit(X, y)
    est.partial_fit(X, y)
    assert not np.array_equal(copy.coefs_[0], before)
    np.testing.assert_array_equal(copy.predict_proba(X), est.predict_proba(X))


def test_same_random_state_gives_bit_identical_fits(iris):
    X_train, _, y_train, _ = iris
    fits = [BPClassifier(hidden_layer_sizes=(8,), max_iter=30, early_stopping=True, random_state=3).fit(X_train, y_train)
            for _ in range(2)]
    np.testing.assert_array_equal(fits[0].network_.params, fits[1].network_.params)
    other = BPClassifier(hidden_layer_sizes=(8,), max_iter=30, early_stopping=True, random_state=4).fit(X_train, y_train)
    assert not np.array_equal(other.network_.params, fits[0].network_.params)


# ---- weights -----------------------------------------------------------------------------------------
def test_integer_sample_weight_equals_repeated_rows(binary):
    X, y = binary
    weights = np.random.default_rng(0).integers(0, 4, len(y))
    # run to the minimum (α = 1 makes it isolated): the same J, so both fits end at it, within the distance the
    # stopping rules allow (see test_lbfgs.py)
    params = dict(hidden_layer_sizes=(6,), activation="tanh", solver="lbfgs", alpha=1.0, max_iter=1000, tol=1e-10,
                  random_state=0, solver_options={"ftol": 0.0}, early_stopping=False)
    weighted = BPClassifier(**params).fit(X, y, sample_weight=weights)
    repeated = BPClassifier(**params).fit(np.repeat(X, weights, axis=0), np.repeat(y, weights))
    Y, net = y[:, None].astype(float), weighted.network_
    theta, gradient, rounding, floor = converged_point(net, X, Y, "binary_cross_entropy", weights, 1.0)
    assert gradient <= max(np.sqrt(theta.size) * 1e-10, floor) + rounding
    repeated_floor = converged_point(repeated.network_, np.repeat(X, weights, axis=0), np.repeat(Y, weights, axis=0),
                                     "binary_cross_entropy", None, 1.0)[3]
    bound = max(np.sqrt(theta.size) * 1e-10, repeated_floor)
    assert_near_the_same_minimum(net, X, Y, "binary_cross_entropy", weights, 1.0, theta, repeated.network_.params, bound)


def test_class_weight_balanced_raises_minority_recall():
    X, y = make_classification(n_samples=600, n_features=5, weights=[0.93], class_sep=0.5, flip_y=0.02, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, random_state=0, stratify=y)
    params = dict(hidden_layer_sizes=(16,), max_iter=100, random_state=0)
    plain = BPClassifier(**params).fit(X_train, y_train)
    balanced = BPClassifier(class_weight="balanced", **params).fit(X_train, y_train)
    plain_recall = recall_score(y_test, plain.predict(X_test))
    balanced_recall = recall_score(y_test, balanced.predict(X_test))
    assert balanced_recall > plain_recall + 0.2


def test_class_weight_dict_equals_sample_weight(binary):
    X, y = binary
    params = dict(hidden_layer_sizes=(6,), solver="lbfgs", max_iter=30, random_state=0)
    by_class = BPClassifier(class_weight={1: 3.0}, **params).fit(X, y)
    by_sample = BPClassifier(**params).fit(X, y, sample_weight=np.where(y == 1, 3.0, 1.0))
    np.testing.assert_array_equal(by_class.network_.params, by_sample.network_.params)
    with pytest.raises(ValueError, match=r"labels \[7\] that are not among the classes \[0, 1\]"):
        BPClassifier(class_weight={7: 2.0}).fit(X, y)


# ---- dtypes ------------------------------------------------------------------------------------------
def test_float32_in_float32_out(iris):
    X_train, X_test, y_train, _ = iris
    est = BPClassifier(hidden_layer_sizes=(8,), max_iter=20, random_state=0).fit(X_train.astype(np.float32), y_train)
    assert all(W.dtype == np.float32 for W in est.coefs_ + est.intercepts_)
    assert est.predict_proba(X_test.astype(np.float32)).dtype == np.float32
    assert est.predict_proba(X_test).dtype == np.float32  # the model's dtype decides, as in the core
    forced = BPRegressor(hidden_layer_sizes=(4,), max_iter=5, dtype="float32", random_state=0).fit(X_train, y_train)
    assert forced.predict(X_test).dtype == np.float32


# ---- validation data and early stopping ------------------------------------------------------------
def test_validation_data_is_scored_every_epoch(iris):
    X_train, X_test, y_train, y_test = iris
    est = BPClassifier(hidden_layer_sizes=(8,), max_iter=25, random_state=0, n_iter_no_change=100)
    with pytest.warns(ConvergenceWarning):
        est.fit(X_train, y_train, validation_data=(X_test, y_test))
    assert len(est.validation_loss_curve_) == len(est.validation_scores_) == est.n_iter_ == 25
    assert est.validation_scores_[-1] == pytest.approx(est.score(X_test, y_test), rel=2 * EPS)  # the same counts
    Y_test = np.eye(3)[y_test]
    network = est.network_
    expected = network.cost(network.forward(X_test), Y_test, "categorical_cross_entropy", alpha=est.alpha)
    error = 2 * cost_rounding(network, X_test, Y_test, "categorical_cross_entropy", alpha=est.alpha)
    assert est.validation_loss_curve_[-1] == pytest.approx(expected, rel=0, abs=error)  # the same cost


def test_validation_data_on_a_first_regressor_fit():
    # the validation targets are encoded before the network exists: their output count is checked against
    # the training targets', not the (absent) network's
    X, y = make_regression(n_samples=60, n_features=3, random_state=0)
    est = BPRegressor(max_iter=5).fit(X, y, validation_data=(X, y))
    assert len(est.validation_loss_curve_) == est.n_iter_ == 5 and est.n_outputs_ == 1
    with pytest.raises(ValueError, match="y has 2 outputs; the model was fitted on 1"):
        BPRegressor(max_iter=5).fit(X, y, validation_data=(X, np.column_stack([y, y])))


def test_early_stopping_restores_the_best_weights(binary):
    X, y = binary
    est = BPClassifier(hidden_layer_sizes=(64,), learning_rate_init=0.05, max_iter=300, early_stopping=True,
                       validation_fraction=0.3, n_iter_no_change=5, random_state=0).fit(X, y)
    history = est.history_
    assert history.stop_reason.startswith("no improvement of val_loss") and est.n_iter_ < 300
    assert history.best_epoch == int(np.argmin(est.validation_loss_curve_))
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    by_score = BPClassifier(hidden_layer_sizes=(64,), learning_rate_init=0.05, max_iter=300, early_stopping=True,
                            monitor="val_score", validation_fraction=0.3, n_iter_no_change=5, random_state=0)
    by_score.fit(X_train, y_train, validation_data=(X_val, y_val))
    assert by_score.history_.best_epoch == int(np.argmax(by_score.validation_scores_))
    assert by_score.score(X_val, y_val) == max(by_score.validation_scores_)


def test_early_stopping_split_is_stratified():
    X, y = make_classification(n_samples=200, n_features=4, weights=[0.9], random_state=0)
    est = BPClassifier(hidden_layer_sizes=(4,), max_iter=1, early_stopping=True, validation_fraction=0.2, random_state=0)
    data = est._prepare_training_data(X, y, None, None, classes=None, reset=True, incremental=False,
                                      split_rng=np.random.default_rng(0))
    assert len(data.X) == 160 and len(data.validation[0]) == 40
    assert data.validation[1].sum() == round(0.2 * np.sum(y == 1))  # the minority class in proportion
    assert est.fit(X, y).t_ == 160  # one epoch over the 200 rows less the 40 held out


def test_class_weights_of_the_training_rows_weigh_the_validation_rows(binary):
    X, y = binary
    est = BPClassifier(class_weight="balanced")
    data = est._prepare_training_data(X[:200], y[:200], None, (X[200:], y[200:]), classes=None, reset=True,
                                      incremental=False, split_rng=np.random.default_rng(0))
    per_class = 200 / (2 * np.bincount(y[:200]))
    np.testing.assert_allclose(data.sample_weight, per_class[y[:200]], rtol=4 * EPS)  # n / (k·n_c): two roundings
    np.testing.assert_allclose(data.validation[2], per_class[y[200:]], rtol=4 * EPS)


# ---- incremental and warm-started training --------------------------------------------------------
def test_partial_fit_reaches_the_accuracy_of_fit(iris):
    X_train, X_test, y_train, y_test = iris
    params = dict(hidden_layer_sizes=(16,), learning_rate_init=0.02, random_state=0)
    full = BPClassifier(max_iter=40, batch_size=35, n_iter_no_change=100, **params).fit(X_train, y_train)
    incremental = BPClassifier(**params)
    for epoch in range(40):
        for rows in np.array_split(np.random.default_rng(epoch).permutation(len(y_train)), 3):  # 3 batches of 35
            incremental.partial_fit(X_train[rows], y_train[rows], classes=[0, 1, 2])
    assert incremental.score(X_test, y_test) >= full.score(X_test, y_test) - 0.03
    # n_iter_ counts the latest call's epochs (scikit-learn's meaning); the curve and t_ hold them all
    assert incremental.n_iter_ == 1 and len(incremental.loss_curve_) == 120 and incremental.t_ == 40 * len(y_train)
    assert set(incremental.history_.learning_rate) == {0.02}  # partial_fit does not advance the schedule
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        BPClassifier().partial_fit(X_train, y_train)
    assert not hasattr(BPClassifier(solver="lbfgs"), "partial_fit")


def test_warm_start_continues_the_curves(binary):
    X, y = binary
    est = BPClassifier(early_stopping=False,
                       hidden_layer_sizes=(8,), max_iter=5, warm_start=True, n_iter_no_change=100, random_state=0)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
        first = list(est.loss_curve_)
        est.fit(X, y)
    assert est.n_iter_ == 5 and len(est.loss_curve_) == 10 and est.loss_curve_[:5] == first and est.t_ == 10 * len(y)
    est.set_params(hidden_layer_sizes=(9,))
    with pytest.raises(ValueError, match="warm_start and partial_fit continue the fitted network"):
        est.fit(X, y)


# ---- solvers, schedules, callbacks, warnings ------------------------------------------------------
@pytest.mark.parametrize("solver", ["sgd", "adam", "rmsprop", *FULL_BATCH_SOLVERS])
def test_every_solver_trains(solver):
    X, y = make_regression(n_samples=80, n_features=3, noise=0.1, random_state=0)
    est = BPRegressor(hidden_layer_sizes=(5,), activation="tanh", solver=solver, max_iter=40, learning_rate_init=0.01,
                      random_state=0)
    est.fit(X, y / y.std())
    assert est.n_iter_ >= 1 and len(est.loss_curve_) == est.n_iter_
    assert est.loss_curve_[-1] < est.loss_curve_[0]


def test_solver_options_reach_the_full_batch_solver(binary):
    X, y = binary
    est = BPClassifier(early_stopping=False,
                       hidden_layer_sizes=(4,), solver="lbfgs", tol=0.0, max_fun=15000, solver_options={"max_fun": 5})
    assert est.fit(X, y).history_.stop_reason == "maximum function evaluations"


def test_unknown_names_list_the_valid_ones(binary):
    X, y = binary
    with pytest.raises(ValueError, match="unknown solver 'newton'; valid solvers are sgd, adam, rmsprop, lbfgs"):
        BPClassifier(solver="newton").fit(X, y)
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        BPClassifier(activation="swish").fit(X, y)
    with pytest.raises(ValueError, match="unknown learning-rate schedule 'cosine'"):
        BPClassifier(learning_rate="cosine").fit(X, y)
    with pytest.raises(ValueError, match=r"alpha must be a number in \[0, inf\); got -1"):
        BPClassifier(alpha=-1).fit(X, y)
    with pytest.raises(ValueError, match="unknown loss 'absolute_error'; BPRegressor's losses are squared_error and poisson"):
        BPRegressor(loss="absolute_error").fit(X, y)


def test_callbacks_and_verbose(binary, capsys):
    X, y = binary
    calls = []

    def stop_at_third(epoch, history, network):
        calls.append((epoch, len(history.loss), network.n_params))
        return epoch == 2

    est = BPClassifier(early_stopping=False,
                       hidden_layer_sizes=(4,), verbose=True, callbacks=[stop_at_third], random_state=0).fit(X, y)
    assert est.n_iter_ == 3 and calls == [(0, 1, 33), (1, 2, 33), (2, 3, 33)]
    assert est.history_.stop_reason == "stopped by callback"
    assert capsys.readouterr().out.startswith("Iteration 1, loss = ")


def test_adaptive_schedule_divides_the_rate_and_stops_when_tiny(binary):
    X, y = binary
    est = BPClassifier(early_stopping=False,
                       hidden_layer_sizes=(4,), solver="sgd", learning_rate="adaptive", learning_rate_init=0.1,
                       n_iter_no_change=2, tol=1.0, max_iter=100, random_state=0).fit(X, y)
    rates = est.history_.learning_rate
    assert rates[0] == 0.1 and min(rates) < 1e-4 and est.n_iter_ < 100
    assert set(np.round(np.array(rates[1:]) / np.array(rates[:-1]), 12)) <= {1.0, 0.2, 1e-6 / rates[-2]}


def test_convergence_warning_when_max_iter_is_reached(binary):
    X, y = binary
    with pytest.warns(ConvergenceWarning, match=r"maximum iterations \(3\) reached"):
        BPClassifier(max_iter=3).fit(X, y)


def test_plain_fit_refuses_dask_collections(binary):
    da = pytest.importorskip("dask.array")
    X, y = binary
    with pytest.raises(TypeError, match="got a Dask collection .*bpnn.distributed"):
        BPClassifier().fit(da.from_array(X, chunks=100), y)


def test_import_bpnn_stays_light():
    code = "import sys, bpnn; print(sorted({'sklearn', 'scipy', 'pandas'} & {name.split('.')[0] for name in sys.modules}))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"


# ---- state for model files -------------------------------------------------------------------------
def json_and_npz_round_trip(est):
    meta, arrays = est._to_state()
    meta = json.loads(json.dumps(meta, allow_nan=False))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    buffer.seek(0)
    with np.load(buffer, allow_pickle=False) as loaded:
        arrays = dict(loaded)
    return type(est)._from_state(meta, arrays)


def test_state_round_trip_is_bit_identical(iris):
    pandas = pytest.importorskip("pandas")
    X_train, X_test, y_train, y_test = iris
    frame = pandas.DataFrame(X_train, columns=["a", "b", "c", "d"])
    labels = np.array(["setosa", "versicolor", "virginica"], dtype=object)[y_train]
    est = BPClassifier(early_stopping=False,
                       hidden_layer_sizes=(8, 4), activation=["tanh", "relu"], class_weight={"setosa": 2.0},
                       max_iter=30, random_state=0, dtype="float32", callbacks=[print])
    with pytest.warns(ConvergenceWarning):
        est.fit(frame, labels, validation_data=(pandas.DataFrame(X_test, columns=list("abcd")), labels[:len(y_test)]))
    copy = json_and_npz_round_trip(est)
    test_frame = pandas.DataFrame(X_test, columns=list("abcd"))
    np.testing.assert_array_equal(copy.predict_proba(test_frame), est.predict_proba(test_frame))
    np.testing.assert_array_equal(copy.predict(test_frame), est.predict(test_frame))
    assert copy.get_params() == {**est.get_params(), "callbacks": None}
    for name in ("loss_curve_", "validation_loss_curve_", "validation_scores_", "n_iter_", "t_", "best_loss_",
                 "n_features_in_", "n_layers_", "out_activation_"):
        assert getattr(copy, name) == getattr(est, name), name
    np.testing.assert_array_equal(copy.feature_names_in_, est.feature_names_in_)
    np.testing.assert_array_equal(copy.classes_, est.classes_)
    # optimizer state travels too: one more epoch from the copy equals one more from the original
    copy.partial_fit(frame, labels)
    est.partial_fit(frame, labels)
    np.testing.assert_array_equal(copy.network_.params, est.network_.params)


def test_state_round_trip_regressor():
    X, y = make_regression(n_samples=50, n_features=3, random_state=0)
    est = BPRegressor(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=20, random_state=0).fit(X, y / y.std())
    copy = json_and_npz_round_trip(est)
    np.testing.assert_array_equal(copy.predict(X), est.predict(X))
    assert copy.history_.extra == est.history_.extra and copy.history_.stop_reason == est.history_.stop_reason


def test_lazy_names_are_the_estimators():
    assert bpnn.BPClassifier is BPClassifier and bpnn.BPRegressor is BPRegressor
