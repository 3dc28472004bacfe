"""NARXRegressor and the lag matrix (bpnn.series): the rows against hand-built ones, open-loop predictions against
the BPRegressor on the same rows, closed-loop forecasts of a known linear system, a nonlinear system against a
linear ARX, refusals, and model files."""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

import bpnn
from bpnn.datasets import narendra_plant
from bpnn.estimators import BPRegressor, NARXRegressor
from bpnn.series import Lags, lag_matrix

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # short trainings


def linear_system(n, seed=0):
    """y_t = 0.6 y_{t-1} - 0.2 y_{t-2} + 0.5 x_{t-1}, noise-free, x uniform on [-1, 1]."""
    x = np.random.default_rng(seed).uniform(-1, 1, n)
    y = np.zeros(n)
    for t in range(2, n):
        y[t] = 0.6 * y[t - 1] - 0.2 * y[t - 2] + 0.5 * x[t - 1]
    return y, x


def rmse(a, b):
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


# ---- the lag matrix ----------------------------------------------------------------------------------------
def test_lag_matrix_with_gaps_and_several_exogenous_columns_matches_a_hand_built_one():
    n = 9
    y = np.arange(n, dtype=float) * 10          # y_t = 10 t
    X = np.column_stack([np.arange(n) + 0.1, np.arange(n) + 0.2, -np.arange(n, dtype=float)])
    inputs, targets = lag_matrix(y, [3, 1], X, [2, 0])  # unsorted on purpose: the lags are sorted
    rows = []
    for t in range(3, n):  # max lag 3: the first row is t = 3
        rows.append([y[t - 1], y[t - 3],
                     X[t, 0], X[t - 2, 0], X[t, 1], X[t - 2, 1], X[t, 2], X[t - 2, 2]])
    np.testing.assert_array_equal(inputs, np.array(rows))
    np.testing.assert_array_equal(targets, y[3:, None])
    assert Lags((1, 3), (0, 2)).columns(["y"], ["a", "b", "c"]) == [
        "y[t-1]", "y[t-3]", "a[t]", "a[t-2]", "b[t]", "b[t-2]", "c[t]", "c[t-2]"]


def test_lag_matrix_of_several_targets_keeps_each_series_lags_together_and_row_matches():
    n = 7
    Y = np.column_stack([np.arange(n, dtype=float), 100 + np.arange(n, dtype=float)])
    inputs, targets = lag_matrix(Y, 2)
    expected = [[Y[t - 1, 0], Y[t - 2, 0], Y[t - 1, 1], Y[t - 2, 1]] for t in range(2, n)]
    np.testing.assert_array_equal(inputs, expected)
    np.testing.assert_array_equal(targets, Y[2:])
    lags = Lags((1, 2))
    for i, t in enumerate(range(2, n)):
        np.testing.assert_array_equal(lags.row(Y, None, t), inputs[i])


@pytest.mark.parametrize("delays, words", [(0, "delays must be a positive number"), ([0, 1], "delays must be"),
                                           ("1:2", "delays must be"), ([], "delays must be")])
def test_bad_delays_are_refused_in_python_words(delays, words):
    with pytest.raises(ValueError, match=words):
        NARXRegressor(delays=delays).fit(np.arange(20.0))


def test_lag_matrix_refuses_a_series_shorter_than_its_lags():
    with pytest.raises(ValueError, match="largest lag is 5"):
        lag_matrix(np.arange(5.0), 5)


# ---- open loop -----------------------------------------------------------------------------------------------
def test_open_loop_predict_equals_the_regressor_on_the_same_lag_matrix():
    y, x = narendra_plant(300)
    params = dict(hidden_layer_sizes=(5,), max_iter=30, random_state=3)
    model = NARXRegressor(delays=[1, 2], exog_delays=[0, 1], **params).fit(y, x)
    inputs, targets = lag_matrix(y, [1, 2], x, [0, 1])
    alone = BPRegressor(**{**model._regressor_params()}).fit(inputs, targets[:, 0])
    predicted = model.predict(y, x)
    assert predicted.shape == (300,) and np.isnan(predicted[:2]).all()
    np.testing.assert_array_equal(predicted[2:], model.regressor_.predict(inputs))
    np.testing.assert_array_equal(predicted[2:], alone.predict(inputs))
    assert model.score(y, x) == pytest.approx(alone.score(inputs, targets[:, 0]))
    # MATLAB's narxnet: lm, tanh, mapminmax, a block division; its record reads through
    assert model.regressor_.solver == "lm" and model.regressor_.division == "block"
    assert model.history_ is model.regressor_.history_ and model.division_ is model.regressor_.division_


def test_the_block_division_keeps_the_test_period_out_of_training():
    """Changing the series inside the test rows of the division changes nothing of the trained network."""
    y, x = narendra_plant(200)
    params = dict(delays=2, exog_delays=[1], hidden_layer_sizes=(4,), max_iter=20, random_state=0)
    first = NARXRegressor(**params).fit(y, x)
    test_rows = first.division_.test
    assert test_rows.min() > first.division_.val.max() > first.division_.train.max()  # time-ordered
    changed = y.copy()
    changed[test_rows.min() + first.lags_.max_lag:] += 5.0  # the targets (and later lags) of the test rows
    second = NARXRegressor(**params).fit(changed, x)
    np.testing.assert_array_equal(first.network_.params, second.network_.params)
    assert first.test_scores_ != second.test_scores_


# ---- closed loop ---------------------------------------------------------------------------------------------
def test_closed_loop_on_a_known_linear_system_reproduces_its_forecasts():
    y, x = linear_system(360)
    model = NARXRegressor(delays=2, exog_delays=[1], hidden_layer_sizes=(2,), activation="identity",
                          max_iter=100, random_state=0).fit(y[:300], x[:300])
    residual = np.nanmax(np.abs(model.predict(y[:300], x[:300]) - y[:300]))
    forecast = model.forecast(60, X_future=x[300:360])
    # the system's own forecast from the same history with the same future inputs is its true continuation
    # y[300:360]; a one-step error r grows in closed loop by at most the sum of |impulse response| (< 3 here)
    tolerance = 3 * 60 * residual + 1e-9
    assert residual < 1e-6
    assert np.max(np.abs(forecast - y[300:360])) <= tolerance
    # the network's effective coefficients are the system's: predictions on unit lag vectors
    inputs = np.vstack([np.zeros(3), np.eye(3)])
    effect = model.regressor_.predict(inputs)
    np.testing.assert_allclose(effect[1:] - effect[0], [0.6, -0.2, 0.5], atol=1e-6)
    # from a given history (y and its X), not the training end
    again = model.forecast(10, y[:200], x[200:210], X=x[:200])
    np.testing.assert_allclose(again, y[200:210], atol=10 * tolerance)


def test_missing_future_exogenous_values_are_refused_with_the_row_named():
    y, x = linear_system(120)
    model = NARXRegressor(delays=2, exog_delays=[0, 1], hidden_layer_sizes=(2,), activation="identity",
                          max_iter=20, random_state=0).fit(y[:100], x[:100])
    future = x[100:110].copy()
    future[4] = np.nan
    with pytest.raises(ValueError, match=r"X_future row 4 \(step 5\) has no value in column 'x'"):
        model.forecast(10, X_future=future)
    with pytest.raises(ValueError, match=r"X_future has 6 rows but forecasting 10 steps needs 10: row 6 \(step 7\)"):
        model.forecast(10, X_future=x[100:106])
    with pytest.raises(ValueError, match="give X_future with 10 row"):
        model.forecast(10)
    # with lags >= 1 only, the last future row is never reached and may be missing
    lagged = NARXRegressor(delays=2, exog_delays=[1], hidden_layer_sizes=(2,), activation="identity",
                           max_iter=20, random_state=0).fit(y[:100], x[:100])
    assert lagged.forecast(10, X_future=x[100:109]).shape == (10,)
    assert lagged.forecast(1).shape == (1,)


def test_nonlinear_narx_beats_a_linear_arx_on_the_same_lags_in_closed_loop():
    y, x = narendra_plant(1100)
    n = 1000
    model = NARXRegressor(delays=2, exog_delays=[1], random_state=1, max_iter=300).fit(y[:n], x[:n])
    network_rmse = rmse(model.forecast(100, X_future=x[n:n + 100]), y[n:n + 100])
    inputs, targets = lag_matrix(y[:n], 2, x[:n], [1])
    linear = LinearRegression().fit(inputs, targets[:, 0])
    series, lags = np.concatenate([y[:n], np.zeros(100)])[:, None], Lags((1, 2), (1,))
    for t in range(n, n + 100):
        series[t] = linear.predict(lags.row(series, x[:, None], t)[None])[0]
    linear_rmse = rmse(series[n:, 0], y[n:n + 100])
    ratio = network_rmse / linear_rmse
    print(f"100-step closed loop RMSE: NARX {network_rmse:.4f}, linear ARX {linear_rmse:.4f}, ratio {ratio:.3f}")
    assert ratio < 0.3  # seeds 0, 1, 2 give 0.18, 0.09, 0.08


# ---- several series, NAR, ensembles, files -------------------------------------------------------------------
def test_nar_of_several_series_predicts_and_forecasts_every_series():
    n = 200
    Y = np.zeros((n, 2))
    Y[0] = [1.0, 0.0]
    for t in range(1, n):  # a damped rotation: each series needs the other's past
        Y[t] = [0.9 * Y[t - 1, 0] - 0.3 * Y[t - 1, 1], 0.3 * Y[t - 1, 0] + 0.9 * Y[t - 1, 1]]
    model = NARXRegressor(delays=1, hidden_layer_sizes=(2,), activation="identity", max_iter=50,
                          random_state=0).fit(Y[:150])
    assert model.n_targets_ == 2 and model.n_exog_ == 0 and model.lags_.exog_delays == ()
    assert model.predict(Y[:150]).shape == (150, 2)
    np.testing.assert_allclose(model.forecast(20), Y[150:170], atol=1e-6)
    with pytest.raises(ValueError, match="fitted without X"):
        model.forecast(3, X_future=np.zeros((3, 1)))


def test_an_ensemble_forecasts_its_mean_with_the_members_spread():
    y, x = narendra_plant(200)
    model = NARXRegressor(delays=2, exog_delays=[1], hidden_layer_sizes=(4,), max_iter=20, ensemble=True, n_init=3,
                          random_state=0).fit(y, x)
    mean, std = model.forecast(5, X_future=np.zeros(5), return_std=True)
    assert mean.shape == std.shape == (5,) and (std > 0).all()
    with pytest.raises(ValueError, match="return_std needs an ensemble"):
        NARXRegressor(delays=1, hidden_layer_sizes=(2,), max_iter=5, random_state=0).fit(y).forecast(
            2, return_std=True)


def test_a_narx_model_file_round_trips(tmp_path):
    y, x = narendra_plant(200)
    model = NARXRegressor(delays=[1, 2], exog_delays=[1], hidden_layer_sizes=(4,), max_iter=20,
                          random_state=0).fit(y, x)
    path = bpnn.save(model, tmp_path / "narx.bpnn")
    loaded = bpnn.load(path)
    assert type(loaded) is NARXRegressor and loaded.get_params() == model.get_params()
    future = np.linspace(-1, 1, 8)
    np.testing.assert_array_equal(loaded.forecast(8, X_future=future), model.forecast(8, X_future=future))
    np.testing.assert_array_equal(loaded.predict(y, x), model.predict(y, x))
    assert bpnn.NARXRegressor is NARXRegressor
