"""MATLAB's fitnet/patternnet workflow through BPRegressor and BPClassifier: data division, validation stop
after max_fail failures with the best weights restored, scaling kept in the model (mapminmax, standard,
constant columns removed), the training record, test-set figures, MATLAB option names, model files.

References are independent of the estimators: bpnn.preprocessing's division functions, mapminmax written
out by hand, forward passes written out by hand, NumPy and scikit-learn metrics."""

import json

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score

import bpnn
from bpnn.estimators import BPClassifier, BPRegressor
from bpnn.files.modelfile import state_of
from bpnn.preprocessing import divideblock, divideint

pytestmark = [pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),  # short runs on purpose
              pytest.mark.usefixtures("one_blas_thread")]

MATLAB = dict(hidden_layer_sizes=(10,), activation="tanh", alpha=0.0)  # fitnet(10) with tansig hidden units


def curve(n=60, noise=0.0, seed=0):
    """A sine in far-from-unit units: x in [10, 40], y around 200 ± 50."""
    rng = np.random.default_rng(seed)
    x = np.linspace(10, 40, n)
    X = np.column_stack([x, rng.uniform(-3, 3, n)])
    y = 200 + 50 * np.sin(2 * np.pi * (x - 10) / 30) + 5 * X[:, 1] + noise * rng.standard_normal(n)
    return X, y


def mse(a, b):
    return float(np.mean((np.asarray(a) - np.asarray(b)) ** 2))


def test_blas_is_pinned_to_one_thread():
    from threadpoolctl import threadpool_info

    assert all(pool["num_threads"] == 1 for pool in threadpool_info() if pool["user_api"] == "blas")


# ---- data division ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("n", "sizes"), [(100, (70, 15, 15)), (101, (71, 15, 15)), (41, (29, 6, 6))])
def test_random_division_is_70_15_15_and_repeats_with_a_seed(n, sizes):
    X, y = curve(n)
    fits = [BPRegressor(**MATLAB, solver="lm", max_iter=3, division="random", random_state=seed).fit(X, y)
            for seed in (7, 7, 8)]
    division = fits[0].division_
    assert (len(division.train), len(division.val), len(division.test)) == sizes  # round(0.15 n) each, MATLAB's rule
    np.testing.assert_array_equal(np.sort(np.concatenate([division.train, division.val, division.test])), np.arange(n))
    for name in ("train", "val", "test"):
        np.testing.assert_array_equal(getattr(fits[1].division_, name), getattr(division, name))
    np.testing.assert_array_equal(fits[1].network_.params, fits[0].network_.params)  # bit-identical fits
    assert not np.array_equal(fits[2].division_.train, division.train)


def test_block_interleaved_and_indices_divisions_are_matlabs():
    X, y = curve(40)
    block = BPRegressor(**MATLAB, solver="lm", max_iter=2, division="block", random_state=0).fit(X, y).division_
    interleaved = BPRegressor(**MATLAB, solver="lm", max_iter=2, division="divideint", random_state=0).fit(X, y).division_
    for got, expected in ((block, divideblock(40)), (interleaved, divideint(40))):
        for name in ("train", "val", "test"):
            np.testing.assert_array_equal(getattr(got, name), getattr(expected, name))
    given = BPRegressor(**MATLAB, solver="lm", max_iter=2, division="indices",
                        division_indices=(range(0, 30), [30, 31, 32, 33, 34], np.arange(35, 40))).fit(X, y)
    np.testing.assert_array_equal(given.division_.val, [30, 31, 32, 33, 34])
    assert state_of(given)[1]["params"]["division_indices"][2] == [35, 36, 37, 38, 39]  # JSON-able
    two_sets = BPRegressor(**MATLAB, solver="lm", max_iter=2, division="random", division_ratios=(0.8, 0.2, 0),
                           random_state=0).fit(X, y)
    assert len(two_sets.division_.test) == 0 and two_sets.test_scores_ is None
    assert two_sets.training_record_["tperf"] is None and len(two_sets.training_record_["vperf"]) == two_sets.n_iter_


@pytest.mark.parametrize("solver", ["lm", "adam"])
def test_test_rows_are_measured_never_trained_on(solver):
    X, y = curve(50, noise=2.0)
    train, val, test = np.arange(0, 50, 2), np.arange(1, 50, 4), np.arange(3, 50, 4)
    params = dict(**MATLAB, solver=solver, max_iter=30, scaling="mapminmax", division="indices", random_state=0)
    with_test = BPRegressor(**params, division_indices=(train, val, test)).fit(X, y)
    without = BPRegressor(**params, division_indices=(train, val)).fit(X, y)
    np.testing.assert_array_equal(with_test.network_.params, without.network_.params)
    record = with_test.training_record_
    assert len(record["tperf"]) == with_test.n_iter_ and without.training_record_["tperf"] is None
    # the weights kept are those of the best epoch; its test performance is the restored network's (scaled units)
    Y_test = with_test.y_scaler_.transform(y[test][:, None])
    outputs = with_test.network_.predict(with_test.x_scaler_.transform(X[test]))
    assert record["best_tperf"] == pytest.approx(mse(outputs, Y_test), rel=1e-10)
    # test_scores_ are in the target's units
    assert with_test.test_scores_["mse"] == pytest.approx(mse(with_test.predict(X[test]), y[test]), rel=1e-10)
    assert with_test.test_scores_["r2"] == pytest.approx(r2_score(y[test], with_test.predict(X[test])), rel=1e-10)


@pytest.mark.parametrize("solver", ["lm", "scg", "adam", "lbfgs"])
def test_validation_stop_after_exactly_max_fail_failures_with_the_best_weights_restored(solver):
    X, y = curve(60, noise=30.0, seed=1)  # noisy enough that the validation loss turns up
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = (y - y.mean()) / y.std()
    est = BPRegressor(hidden_layer_sizes=(30,), activation="tanh", alpha=0.0, solver=solver, max_iter=3000,
                      learning_rate_init=0.05, division="random", max_fail=4, random_state=0).fit(X, y)
    record = est.training_record_
    assert est.history_.stop_reason in ("validation stop", "no improvement of val_loss in 4 epochs")
    best = int(np.argmin(record["vperf"]))
    assert record["best_epoch"] == best + 1 and record["num_epochs"] == best + 1 + 4 == est.n_iter_
    assert list(record["val_fail"][-5:]) == [0, 1, 2, 3, 4]
    val = est.division_.val
    assert mse(est.predict(X[val]), y[val]) == pytest.approx(record["vperf"][best], rel=1e-10)  # perf is MATLAB's mse
    assert record["best_vperf"] == record["vperf"][best]


def test_max_fail_defaults_are_matlabs_and_zero_turns_the_stop_off():
    X, y = curve(60, noise=30.0, seed=1)
    params = dict(hidden_layer_sizes=(30,), activation="tanh", alpha=0.0, max_iter=60, scaling="mapminmax",
                  division="random", random_state=0)
    assert BPRegressor(solver="lm", **params)._max_fail() == 6 and BPRegressor(solver="adam", **params)._max_fail() == 6
    br = BPRegressor(solver="br", **params).fit(X, y)  # trainbr: max_fail 0, the validation set is only measured
    assert br.history_.stop_reason != "validation stop" and len(br.training_record_["vperf"]) == br.n_iter_
    off = BPRegressor(solver="scg", max_fail=0, **params).fit(X, y)
    assert off.n_iter_ == 60 and off.history_.stop_reason == "maximum epochs"


def test_early_stopping_applies_scikit_learns_rule_to_the_division():
    X, y = curve(60, noise=30.0, seed=1)
    est = BPRegressor(hidden_layer_sizes=(30,), activation="tanh", max_iter=500, scaling="standard", division="random",
                      early_stopping=True, n_iter_no_change=3, tol=0.0, random_state=0).fit(X, y)
    assert est.history_.stop_reason == "no improvement of val_loss in 3 epochs"
    assert len(est.division_.val) == 9  # the division's rows, not validation_fraction's


# ---- scaling kept in the model -----------------------------------------------------------------------
def test_mapminmax_round_trip_through_predict_in_original_units():
    X, y = curve(40)
    est = BPRegressor(**MATLAB, solver="lm", max_iter=20, scaling="mapminmax", division="block", random_state=0)
    est.fit(X, y)
    train = est.division_.train
    xmin, xmax = X[train].min(axis=0), X[train].max(axis=0)
    ymin, ymax = y[train].min(), y[train].max()
    Xn = 2 * (X - xmin) / (xmax - xmin) - 1  # mapminmax onto [-1, 1], fitted on the training rows only
    np.testing.assert_allclose(est.x_scaler_.transform(X), Xn, rtol=1e-13, atol=1e-13)
    hidden = np.tanh(Xn @ est.coefs_[0] + est.intercepts_[0])
    out = hidden @ est.coefs_[1] + est.intercepts_[1]  # the network's output, in [-1, 1] units
    expected = (out[:, 0] + 1) * (ymax - ymin) / 2 + ymin  # the reverse mapminmax
    np.testing.assert_allclose(est.predict(X), expected, rtol=1e-12)
    assert est.score(X, y) == pytest.approx(r2_score(y, expected), rel=1e-12)
    # scaling inside the model trains exactly as scaling by hand, then reversing by hand
    by_hand = BPRegressor(**MATLAB, solver="lm", max_iter=20, division="block", random_state=0)
    by_hand.fit(Xn, 2 * (y - ymin) / (ymax - ymin) - 1)
    np.testing.assert_allclose(by_hand.network_.params, est.network_.params, rtol=1e-7, atol=1e-9)


def test_scaling_range_and_standardisation():
    X, y = curve(30)
    est = BPRegressor(**MATLAB, solver="lm", max_iter=2, scaling="mapminmax", scaling_range=(0, 1)).fit(X, y)
    inputs = est.x_scaler_.transform(X)
    np.testing.assert_allclose([inputs.min(axis=0), inputs.max(axis=0)], [[0, 0], [1, 1]], atol=1e-15)
    est = BPRegressor(**MATLAB, solver="lm", max_iter=2, scaling="standard").fit(X, y)
    inputs, targets = est.x_scaler_.transform(X), est.y_scaler_.transform(y[:, None])
    np.testing.assert_allclose([inputs.mean(axis=0), inputs.std(axis=0)], [[0, 0], [1, 1]], atol=1e-12)
    np.testing.assert_allclose([targets.mean(), targets.std()], [0, 1], atol=1e-12)
    hidden = np.tanh(inputs @ est.coefs_[0] + est.intercepts_[0])
    np.testing.assert_allclose(est.predict(X), (hidden @ est.coefs_[1] + est.intercepts_[1])[:, 0] * y.std() + y.mean(),
                               rtol=1e-12)


def test_constant_columns_removed_at_fit_and_ignored_at_predict():
    X, y = curve(40)
    X = np.column_stack([X[:, 0], np.full(40, 7.0), X[:, 1], np.full(40, -2.0)])
    est = BPRegressor(**MATLAB, solver="lm", max_iter=10, scaling="mapminmax", random_state=0).fit(X, y)
    np.testing.assert_array_equal(est.x_scaler_.steps[0].removed, [1, 3])
    assert est.n_features_in_ == 4 and est.coefs_[0].shape == (2, 10)  # the network sees the two varying columns
    moved = X.copy()
    moved[:, 1], moved[:, 3] = 99.0, np.arange(40)  # whatever the removed columns hold later is ignored
    np.testing.assert_array_equal(est.predict(moved), est.predict(X))
    with pytest.raises(ValueError, match="X has 3 features, but BPRegressor is expecting 4 features"):
        est.predict(X[:, :3])
    with pytest.raises(ValueError, match="every one of the 2 columns is constant"):
        BPRegressor(**MATLAB, solver="lm", scaling="mapminmax").fit(np.ones((10, 2)), np.arange(10.0))


def test_classifier_scales_inputs_only_and_reports_test_accuracy():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(500, 100, 150), rng.uniform(0, 1e-3, 150), np.full(150, 3.0)])
    y = np.array(["low", "mid", "high"])[np.digitize(X[:, 0], [450, 550])]
    est = BPClassifier(**MATLAB, solver="scg", max_iter=200, scaling="mapminmax", division="random", random_state=0)
    est.fit(X, y)
    assert est.y_scaler_ is None and est.coefs_[0].shape == (2, 10)
    test = est.division_.test
    assert est.test_scores_["accuracy"] == pytest.approx(est.score(X[test], y[test]))
    assert est.test_scores_["accuracy"] > 0.8
    with pytest.raises(ValueError, match="class 'rare' has 1 row.* none fell into the training rows"):
        BPClassifier(**MATLAB, solver="scg", division="block").fit(X, np.where(np.arange(150) == 149, "rare", y))


def test_float32_stays_float32_through_the_scaling():
    X, y = curve(30)
    est = BPRegressor(**MATLAB, solver="lm", max_iter=5, scaling="mapminmax", dtype="float32").fit(X, y)
    assert est.coefs_[0].dtype == np.float32 and est.predict(X).dtype == np.float32
    assert mse(est.predict(X), y) < np.var(y)


# ---- Levenberg–Marquardt and Bayesian regularization through the estimator ------------------------------
def test_lm_fits_a_sine_in_original_units():
    x = np.linspace(0, 2 * np.pi, 41)[:, None]  # MATLAB's SIN problem, one period, on a 20 ± 5 scale
    y = 20 + 5 * np.sin(x[:, 0])
    goal = 0.002 * (2 / (y.max() - y.min())) ** 2  # the goal is on the targets mapped onto [-1, 1]: MSE 0.002 here
    est = BPRegressor(hidden_layer_sizes=(5,), activation="tanh", alpha=0.0, solver="lm", max_iter=1000,
                      scaling="mapminmax", solver_options={"goal": goal}, random_state=0).fit(x, y)
    assert est.history_.stop_reason == "goal met" and est.n_iter_ <= 50
    assert est.training_record_["perf"][-1] <= goal
    assert mse(est.predict(x), y) < 0.002


def test_br_records_gamma_alpha_beta():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (40, 1))
    y = 3 + np.sin(np.pi * x[:, 0]) + 0.2 * rng.standard_normal(40)
    est = BPRegressor(hidden_layer_sizes=(20,), activation="tanh", solver="br", max_iter=200, scaling="mapminmax",
                      random_state=0).fit(x, y)
    record, n_params = est.training_record_, est.network_.n_params
    for name in ("gamma", "alpha", "beta", "ssw", "mu", "gradient"):
        assert len(record[name]) == est.n_iter_, name
    assert 1 < record["gamma"][-1] < n_params  # effective parameters, fewer than the 61 weights and biases
    assert record["alpha"][-1] == pytest.approx(record["gamma"][-1] / (2 * record["ssw"][-1]), rel=1e-12)  # α = γ/(2E_W)
    assert record["ssw"][-1] == pytest.approx(est.network_.params @ est.network_.params, rel=1e-12)  # E_W = ‖θ‖²


def test_solver_options_take_matlab_names_and_refuse_the_rest():
    X, y = curve(30)
    params = dict(**MATLAB, max_iter=5, random_state=0)
    assert BPRegressor(solver="lm", solver_options={"time": 0.0}, **params).fit(X, y).history_.stop_reason == "time limit"
    assert BPRegressor(solver="scg", solver_options={"lambda": 1e-3, "sigma": 1e-4}, **params)._full_batch_options() == \
        {"alpha": 0.0, "lambda_": 1e-3, "sigma": 1e-4, "max_fail": 6}
    with pytest.raises(ValueError, match=r"unknown solver_options key 'mu_x' for solver 'lm'; valid keys are goal, mu, "
                                         r"mu_dec, mu_inc, mu_max, min_grad, time_limit \(or time\), chunk_rows"):
        BPRegressor(solver="lm", solver_options={"mu_x": 1}).fit(X, y)
    with pytest.raises(ValueError, match=r"solver_options\['epochs'\] is set by the parameter max_iter \(MATLAB's epochs\)"):
        BPRegressor(solver="lm", solver_options={"epochs": 5}).fit(X, y)
    with pytest.raises(ValueError, match=r"solver_options\['max_fail'\] is set by the parameter max_fail"):
        BPRegressor(solver="rprop", solver_options={"max_fail": 5}).fit(X, y)
    with pytest.raises(ValueError, match="solver_options apply to the full-batch solvers .*; solver 'adam' takes"):
        BPRegressor(solver="adam", solver_options={"mu": 1}).fit(X, y)


# ---- bad combinations --------------------------------------------------------------------------------
@pytest.mark.parametrize(("params", "message"), [
    (dict(scaling="minmax"), "unknown scaling 'minmax'; valid scalings are None, mapminmax, standard"),
    (dict(scaling="mapminmax", scaling_range=(1, -1)), r"scaling_range must be two finite numbers \(ymin, ymax\)"),
    (dict(division="shuffle"), "unknown division 'shuffle'; valid divisions are None, random, block, interleaved, indices"),
    (dict(division="random", division_ratios=(0, 0.5, 0.5)), "division_ratios must be three non-negative numbers"),
    (dict(division="indices"), "division='indices' takes its rows from division_indices"),
    (dict(division="random", division_indices=([0], [1])), "division_indices apply to division='indices' only"),
    (dict(max_fail=-1), r"max_fail must be an integer in \[0, inf\); got -1"),
])
def test_bad_parameters_name_the_problem(params, message):
    X, y = curve(20)
    with pytest.raises(ValueError, match=message):
        BPRegressor(**params).fit(X, y)


def test_division_refuses_validation_data_and_partial_fit():
    X, y = curve(30)
    with pytest.raises(ValueError, match="division='random' holds out its own validation rows; pass validation_data or"):
        BPRegressor(division="random").fit(X, y, validation_data=(X, y))
    with pytest.raises(ValueError, match="division='random' is made by fit; partial_fit trains on every row"):
        BPRegressor(division="random").partial_fit(X, y)
    with pytest.raises(ValueError, match="a first partial_fit sees one batch only"):
        BPRegressor(scaling="mapminmax").partial_fit(X, y)
    fitted = BPRegressor(max_iter=3, scaling="mapminmax", random_state=0).fit(X, y)
    fitted.partial_fit(X[:10], y[:10])  # after fit, partial_fit keeps the fitted scaling
    assert fitted.n_iter_ == 1 and fitted.history_.epochs == 4  # n_iter_: the latest call's epochs
    fitted.set_params(warm_start=True, scaling="standard")
    with pytest.raises(ValueError, match="continue with the fitted scaling 'mapminmax' to \\[-1, 1\\]; got scaling='standard'"):
        fitted.fit(X, y)


# ---- model files -----------------------------------------------------------------------------------
def test_model_file_keeps_scaling_division_and_record(tmp_path):
    X, y = curve(40, noise=1.0)
    with pytest.warns(ConvergenceWarning):
        est = BPRegressor(**MATLAB, solver="lm", max_iter=15, max_fail=50, scaling="mapminmax", division="random",
                          random_state=0).fit(X, y)
    loaded = bpnn.load(bpnn.save(est, tmp_path / "m.bpnn"))
    X_new = curve(25, seed=5)[0] * 1.1
    np.testing.assert_array_equal(loaded.predict(X_new), est.predict(X_new))
    assert loaded.x_scaler_.to_dict() == est.x_scaler_.to_dict() and loaded.y_scaler_.to_dict() == est.y_scaler_.to_dict()
    assert loaded.test_scores_ == est.test_scores_
    for name in ("train", "val", "test"):
        np.testing.assert_array_equal(getattr(loaded.division_, name), getattr(est.division_, name))
    original, copy = est.training_record_, loaded.training_record_
    assert copy.keys() == original.keys()
    for name, value in original.items():
        np.testing.assert_array_equal(copy[name], value, err_msg=name)
    assert loaded.get_params() == {**est.get_params(), "callbacks": None}
    json.dumps(state_of(est)[1], allow_nan=False)  # the state is plain JSON
