"""MATLAB's training habits on the command line and in Python (issue 14): trainbr without a validation stop by
default, trainParam's goal, min_grad, mu, mu_dec, mu_inc and mu_max as flags (``--goal``, ``--min-grad``, ``--mu``,
``--mu-dec``, ``--mu-inc``, ``--mu-max``) with MATLAB's stop reasons, and MATLAB's solver names in Python.

Each stop is checked against its rule on the recorded series (the epoch that stops is the first to meet it), and
--goal against the training MSE recomputed from the saved model's predictions in the table's units.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from bpnn.cli import main
from bpnn.core.solvers import SOLVER_ALIASES
from bpnn.estimators import BPClassifier, BPRegressor
from bpnn.files.modelfile import read

MAX_FAIL = 6  # MATLAB's default validation checks


def noisy_sine(n: int = 80, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Few noisy rows, so that a network of 20 units overfits and its validation error rises again."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, n)
    return x, 2.0 * np.sin(3 * x) + 5.0 + 0.3 * rng.standard_normal(n)  # targets away from [-1, 1]: scaling matters


@pytest.fixture
def table(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    x, y = noisy_sine()
    (tmp_path / "d.csv").write_text("x,y\n" + "".join(f"{a!r},{b!r}\n" for a, b in zip(x.tolist(), y.tolist())))
    return tmp_path / "d.csv"


def train(*options: str) -> dict:
    assert main(["train", "d.csv", "--target", "y", "--hidden", "20", "--quiet", "--out", "m.bpnn", *options]) == 0
    return read("m.bpnn").info


# ---- trainbr: no validation stop unless asked ---------------------------------------------------------------
@pytest.mark.parametrize("solver", ["br", "trainbr"])
def test_br_trains_past_the_rise_of_the_validation_error_by_default(table, solver):
    info = train("--solver", solver, "--epochs", "300")
    training = info["training"]
    val = np.asarray(training["curves"]["Validation"])
    lowest = int(np.argmin(val))  # the epoch (from 0) of the lowest validation error
    assert training["stop_reason"] != "validation stop" and training["stop_reason"]
    assert len(val) - 1 - lowest > MAX_FAIL and val[-1] > val[lowest]  # MATLAB's lm would have stopped here
    assert info["settings"]["validation checks (max_fail)"] == 0
    # asked for, the validation stop comes MAX_FAIL epochs after the lowest validation error
    training = train("--solver", solver, "--epochs", "300", "--max-fail", str(MAX_FAIL))["training"]
    val = np.asarray(training["curves"]["Validation"])
    assert training["stop_reason"] == "validation stop" and len(val) - 1 - int(np.argmin(val)) == MAX_FAIL


def test_lm_keeps_its_validation_stop(table):
    training = train("--solver", "lm")["training"]
    val = np.asarray(training["curves"]["Validation"])
    assert training["stop_reason"] == "validation stop" and len(val) - 1 - int(np.argmin(val)) == MAX_FAIL


@pytest.mark.parametrize("solver", ["br", "trainbr"])
def test_br_in_python_has_no_validation_stop_by_default(solver):
    x, y = noisy_sine()
    options = dict(hidden_layer_sizes=(20,), activation="tanh", scaling="mapminmax", division="random", random_state=0,
                   max_iter=300, alpha=0.0)
    history = BPRegressor(solver=solver, **options).fit(x[:, None], y).history_
    lowest = int(np.argmin(history.val_loss))
    assert history.stop_reason != "validation stop" and history.epochs - 1 - lowest > MAX_FAIL
    assert history.best_epoch == history.epochs - 1  # the last weights are kept, as trainbr's
    stopped = BPRegressor(solver=solver, max_fail=MAX_FAIL, **options).fit(x[:, None], y).history_
    assert stopped.stop_reason == "validation stop"
    assert stopped.epochs - 1 - int(np.argmin(stopped.val_loss)) == MAX_FAIL


# ---- --goal, --min-grad, --mu-max: MATLAB's stop rules ----------------------------------------------------------
def test_goal_stops_at_the_first_epoch_whose_training_mse_in_the_table_units_meets_it(table, capsys):
    from bpnn.cli.fitted import Fitted

    goal = 0.08  # in y's units²: y spans about 4.6, so the scaled MSE is about 0.19 of this
    info = train("--solver", "lm", "--goal", str(goal), "--division", "1,0,0")
    curve = info["training"]["curves"]["Training"]
    assert info["training"]["stop_reason"] == "goal met"
    assert curve[-1] <= goal < min(curve[:-1])  # the first epoch at or below the goal ends training
    x, y = noisy_sine()
    fitted = Fitted.from_file("m.bpnn")
    mse = np.mean((fitted.estimator.predict(x[:, None]).ravel() - y) ** 2)  # every row trains (division 1,0,0)
    assert mse <= goal and mse == pytest.approx(curve[-1], rel=1e-9)  # float64 sums of 80 rows
    main(["train", "d.csv", "--target", "y", "--hidden", "20", "--out", "m.bpnn", "--solver", "lm", "--goal", str(goal)])
    assert "Performance goal met" in capsys.readouterr().out


def test_min_grad_stops_at_the_first_epoch_below_it():
    x, y = noisy_sine()
    est = BPRegressor(hidden_layer_sizes=(20,), solver="trainlm", activation="tanh", scaling="mapminmax", alpha=0.0,
                      random_state=0, max_iter=300, solver_options={"min_grad": 0.5}).fit(x[:, None], y)
    gradient = est.history_.extra["gradient"]
    assert est.history_.stop_reason == "minimum gradient" and gradient[-1] < 0.5 <= min(gradient[:-1])


def test_min_grad_flag(table, capsys):
    main(["train", "d.csv", "--target", "y", "--hidden", "20", "--out", "m.bpnn", "--solver", "lm", "--min-grad", "0.5"])
    assert "Minimum gradient reached" in capsys.readouterr().out
    assert read("m.bpnn").info["training"]["stop_reason"] == "minimum gradient"


def test_mu_max_stops_once_mu_passes_it(table, capsys):
    x, y = noisy_sine()
    est = BPRegressor(hidden_layer_sizes=(20,), solver="lm", activation="tanh", scaling="mapminmax", alpha=0.0,
                      random_state=0, max_iter=300, solver_options={"mu": 0.001, "mu_max": 0.05}).fit(x[:, None], y)
    mu = est.history_.extra["mu"]
    assert est.history_.stop_reason == "maximum mu" and mu[-1] > 0.05 >= max(mu[:-1], default=0)
    main(["train", "d.csv", "--target", "y", "--hidden", "20", "--out", "m.bpnn", "--solver", "lm", "--mu", "1",
          "--mu-max", "0.5"])  # μ above its maximum from the start: not one step
    assert "Maximum mu reached" in capsys.readouterr().out
    training = read("m.bpnn").info["training"]
    assert training["stop_reason"] == "maximum mu" and training["epochs"] == 1


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # short runs
def test_mu_mu_dec_and_mu_inc_drive_the_damping():
    """μ starts at mu and after each epoch has been multiplied by mu_inc some j >= 0 times and by mu_dec once (a
    step taken): the ratios are mu_dec·mu_inc^j exactly for powers of two."""
    x, y = noisy_sine()
    est = BPRegressor(hidden_layer_sizes=(20,), solver="lm", activation="tanh", scaling="mapminmax", alpha=0.0,
                      random_state=0, max_iter=60,
                      solver_options={"mu": 0.5, "mu_dec": 0.25, "mu_inc": 4.0}).fit(x[:, None], y)
    mu = np.asarray(est.history_.extra["mu"])
    ratios = np.r_[mu[0] / 0.5, mu[1:] / mu[:-1]] / 0.25  # mu_inc^j
    j = np.log(ratios) / np.log(4.0)
    assert np.array_equal(j, np.round(j)) and j.min() >= 0 and mu[0] == 0.5 * 0.25


def test_the_flags_reach_the_estimator(table):
    from bpnn.cli import build_parser
    from bpnn.cli.fitting import make_estimator, settings_of

    args = build_parser().parse_args(["train", "d.csv", "--target", "y", "--mu", "0.5", "--mu-dec", "0.25", "--mu-inc",
                                      "4", "--mu-max", "1e6", "--min-grad", "1e-9", "--goal", "0.01"])
    estimator = make_estimator("regression", settings_of(args), "lm", 10, [])
    assert estimator.solver_options == {"mu": 0.5, "mu_dec": 0.25, "mu_inc": 4.0, "mu_max": 1e6, "min_grad": 1e-9}
    assert [type(c).__name__ for c in estimator.callbacks] == ["Goal"]  # --goal, in the table's units
    assert estimator.max_fail is None  # the solver's own: 6, and 0 for br


# ---- MATLAB's names in Python ------------------------------------------------------------------------------
@pytest.mark.parametrize("alias", sorted(SOLVER_ALIASES))
def test_matlab_names_train_exactly_as_the_solvers_they_stand_for(alias):
    x, y = noisy_sine(40)
    options = dict(hidden_layer_sizes=(5,), activation="tanh", max_iter=20, random_state=0, alpha=0.0,
                   scaling="mapminmax")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # short runs end at max_iter
        named = BPRegressor(solver=SOLVER_ALIASES[alias], **options).fit(x[:, None], y)
        matlab = BPRegressor(solver=alias.upper() if alias == "trainlm" else alias, **options).fit(x[:, None], y)
    np.testing.assert_array_equal(matlab.predict(x[:, None]), named.predict(x[:, None]))
    assert matlab.history_.stop_reason == named.history_.stop_reason


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # short runs
def test_a_matlab_name_survives_a_model_file(tmp_path):
    from bpnn.files.modelfile import load, save

    x, y = noisy_sine(40)
    est = BPRegressor(solver="trainlm", hidden_layer_sizes=(5,), max_iter=5, alpha=0.0).fit(x[:, None], y)
    save(est, tmp_path / "m.bpnn")
    again = load(tmp_path / "m.bpnn")
    assert again.solver == "trainlm"
    np.testing.assert_array_equal(again.predict(x[:, None]), est.predict(x[:, None]))


def test_unknown_solver_names_list_both_kinds():
    with pytest.raises(ValueError, match=r"unknown solver 'trainxyz'; valid solvers are sgd, .*scg \(or MATLAB's "
                                         r"trainlm, trainbr"):
        BPRegressor(solver="trainxyz").fit([[0.0], [1.0]], [0.0, 1.0])
    with pytest.raises(ValueError, match="solver 'lm' minimises a sum of squared errors"):  # lm refuses classes
        BPClassifier(solver="trainlm").fit([[0.0], [1.0], [2.0]], ["a", "b", "a"])


@pytest.mark.parametrize(("options", "words"), [
    ({"mu": 0}, r"solver_options\['mu'\] must be a number in \(0, inf\); got 0"),
    ({"mu_dec": 1.5}, r"solver_options\['mu_dec'\] must be a number in \(0, 1\)"),
    ({"mu_inc": 1}, r"solver_options\['mu_inc'\] must be a number in \(1, inf\)"),
    ({"goal": -1.0}, r"solver_options\['goal'\] must be a number in \[0, inf\)"),
    ({"min_grad": float("nan")}, r"solver_options\['min_grad'\] must be a number in \[0, inf\)"),
])
def test_solver_option_values_are_checked(options, words):
    with pytest.raises(ValueError, match=words):
        BPRegressor(solver="lm", solver_options=options).fit([[0.0], [1.0]], [0.0, 1.0])
