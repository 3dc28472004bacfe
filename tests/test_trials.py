"""n_init, ensemble and division_random_state (bpnn.estimators.trials): the trial kept, reproduced bit for bit by
single fits with the recorded seeds; ensemble means and spreads; model files; what is refused."""

import warnings

import numpy as np
import pytest

from bpnn.estimators import BPClassifier, BPRegressor
from bpnn.files.modelfile import load, save

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

MATLAB = dict(hidden_layer_sizes=(6,), activation="tanh", solver="lm", max_iter=60, alpha=0.0, scaling="mapminmax",
              division="random")


@pytest.fixture(scope="module")
def sine():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (150, 1))
    return X, np.sin(3 * X[:, 0]) + 0.05 * rng.standard_normal(150)


@pytest.mark.parametrize("params", [MATLAB, dict(hidden_layer_sizes=(8,), max_iter=40, early_stopping=True),
                                    dict(hidden_layer_sizes=(8,), max_iter=30)])
def test_n_init_keeps_the_lowest_validation_loss_and_each_trial_is_a_single_fit(sine, params):
    X, y = sine
    est = BPRegressor(n_init=4, random_state=7, **params).fit(X, y)
    assert [t["trial"] for t in est.trials_] == [1, 2, 3, 4] and est.trials_[0]["seed"] == 7
    assert len({t["seed"] for t in est.trials_}) == 4 and len({t["division_seed"] for t in est.trials_}) == 1
    validation = est.trials_[0]["val_loss"] is not None
    key = "val_loss" if validation else "loss"
    assert validation == (params.get("division") is not None or params.get("early_stopping", False))
    figures = [t[key] for t in est.trials_]
    assert est.best_trial_ == 1 + int(np.argmin(figures))
    assert [t["kept"] for t in est.trials_] == [t["trial"] == est.best_trial_ for t in est.trials_]
    for trial in est.trials_:
        single = BPRegressor(random_state=trial["seed"], division_random_state=trial["division_seed"], **params).fit(X, y)
        assert single.trials_[0][key] == trial[key] and single.n_iter_ == trial["epochs"]
        if trial["kept"]:
            assert np.array_equal(single.network_.params, est.network_.params)
            assert np.array_equal(single.predict(X), est.predict(X))
            if params.get("division"):
                assert np.array_equal(single.division_.train, est.division_.train)
    assert np.array_equal(BPRegressor(random_state=7, **params).fit(X, y).trials_[0][key], est.trials_[0][key])


def test_trials_record_test_figures_and_stop_reasons(sine):
    est = BPRegressor(n_init=3, random_state=0, **MATLAB).fit(*sine)
    for trial in est.trials_:
        assert set(trial["test"]) == {"mse", "r2"} and trial["stop_reason"] and trial["epochs"] >= trial["best_epoch"]


def test_division_random_state_holds_the_rows_while_the_weights_change(sine):
    X, y = sine
    a = BPRegressor(random_state=1, division_random_state=5, **MATLAB).fit(X, y)
    b = BPRegressor(random_state=2, division_random_state=5, **MATLAB).fit(X, y)
    c = BPRegressor(random_state=1, division_random_state=6, **MATLAB).fit(X, y)
    assert np.array_equal(a.division_.test, b.division_.test) and not np.array_equal(a.division_.test, c.division_.test)
    assert not np.array_equal(a.network_.params[:5], b.network_.params[:5])
    # without it the division comes from random_state, as before
    assert np.array_equal(BPRegressor(random_state=5, **MATLAB).fit(X, y).division_.test, a.division_.test)


def test_ensemble_mean_is_the_members_mean_and_its_spread_grows_away_from_the_data(sine):
    X, y = sine
    est = BPRegressor(n_init=6, ensemble=True, random_state=0, **MATLAB).fit(X, y)
    assert len(est.estimators_) == 6 and all(t["kept"] for t in est.trials_)
    members = np.stack([member.predict(X) for member in est.estimators_])
    mean, std = est.predict(X, return_std=True)
    np.testing.assert_array_equal(mean, members.mean(axis=0))
    np.testing.assert_array_equal(std, members.std(axis=0))
    np.testing.assert_array_equal(est.predict(X), mean)
    inside = est.predict(np.linspace(-1, 1, 50)[:, None], return_std=True)[1].mean()
    outside = est.predict(np.r_[np.linspace(-4, -2.5, 25), np.linspace(2.5, 4, 25)][:, None], return_std=True)[1].mean()
    assert outside > 3 * inside


def test_return_std_needs_an_ensemble(sine):
    est = BPRegressor(n_init=2, random_state=0, **MATLAB).fit(*sine)
    with pytest.raises(ValueError, match="ensemble=True"):
        est.predict(sine[0], return_std=True)


def test_classifier_ensemble_averages_probabilities():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((120, 2))
    for y in (X[:, 0] > 0, np.digitize(X[:, 0], [-0.5, 0.5])):
        est = BPClassifier(n_init=3, ensemble=True, hidden_layer_sizes=(5,), max_iter=40, random_state=0).fit(X, y)
        proba = np.mean([member.predict_proba(X) for member in est.estimators_], axis=0)
        np.testing.assert_array_equal(est.predict_proba(X), proba)
        np.testing.assert_array_equal(est.predict(X), est.classes_[proba.argmax(axis=1)])
        np.testing.assert_allclose(est.predict_log_proba(X), np.log(proba))


def test_ensembles_and_trials_survive_model_files(sine, tmp_path):
    X, y = sine
    est = BPRegressor(n_init=3, ensemble=True, random_state=0, **MATLAB).fit(X, y)
    loaded = load(save(est, tmp_path / "e.bpnn"))
    assert loaded.trials_ == est.trials_ and loaded.best_trial_ == est.best_trial_ and len(loaded.estimators_) == 3
    for a, b in zip(loaded.predict(X, return_std=True), est.predict(X, return_std=True)):
        np.testing.assert_array_equal(a, b)
    single = BPRegressor(n_init=3, random_state=0, **MATLAB).fit(X, y)
    loaded = load(save(single, tmp_path / "s.bpnn"))
    assert not hasattr(loaded, "estimators_") and loaded.trials_ == single.trials_
    np.testing.assert_array_equal(loaded.predict(X), single.predict(X))


def test_refit_without_ensemble_drops_the_members(sine):
    est = BPRegressor(n_init=2, ensemble=True, random_state=0, **MATLAB).fit(*sine)
    est.set_params(ensemble=False).fit(*sine)
    assert not hasattr(est, "estimators_")
    est.set_params(n_init=1).fit(*sine)
    assert not hasattr(est, "estimators_") and len(est.trials_) == 1


def test_checkpoints_warm_start_and_partial_fit_are_refused_with_several_trials(sine, tmp_path):
    X, y = sine
    with pytest.raises(ValueError, match="checkpoint and resume .* n_init=2"):
        BPRegressor(n_init=2, **MATLAB).fit(X, y, checkpoint=tmp_path / "c.ckpt")
    with pytest.raises(ValueError, match="warm_start .* ensemble=True"):
        BPRegressor(ensemble=True, warm_start=True, **MATLAB).fit(X, y)
    assert not hasattr(BPRegressor(n_init=2), "partial_fit") and hasattr(BPRegressor(), "partial_fit")
    assert not hasattr(BPClassifier(ensemble=True), "partial_fit")


@pytest.mark.parametrize("params, message", [
    (dict(n_init=0), r"n_init must be an integer in \[1, inf\); got 0"),
    (dict(n_init=2.5), "n_init must be an integer"),
    (dict(division_random_state=-1), "division_random_state must be None, an int >= 0"),
])
def test_bad_values_are_named_in_python_words(sine, params, message):
    with pytest.raises(ValueError, match=message):
        BPRegressor(**params).fit(*sine)


def test_a_stop_ends_the_trials_with_those_so_far(sine):
    import threading

    stop = threading.Event()
    stop.set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = BPRegressor(n_init=5, random_state=0, **MATLAB).fit(*sine, stop=stop)
    assert len(est.trials_) == 1


def test_a_cluster_fit_refuses_several_trainings(sine):
    pytest.importorskip("dask")
    from bpnn.distributed import DaskBPRegressor

    with pytest.raises(ValueError, match="n_init=2, ensemble=False: several trainings run in memory"):
        DaskBPRegressor(n_init=2).fit(*sine)
