"""Input importance (bpnn.selection.importance): MIV against its definition, Garson and Olden against hand-worked
networks, the informative inputs of Friedman #1 and of a table with a text column on top, ensembles, partial
dependence, and the figures.

Tolerances: where the library and the test compute the same thing in two ways, the bound is the rounding of the
two computations (``prediction_rounding``: the dot-product bound per layer, carried through 1-Lipschitz
activations), never a number read off one machine."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification, make_friedman1

from bpnn.estimators import BPClassifier, BPRegressor
from bpnn.reports.importance_plots import plot_importance, plot_partial_dependence
from bpnn.selection.importance import importance, partial_dependence
from bpnn.tables import FeatureEncoder, prepare

pytestmark = [pytest.mark.usefixtures("one_blas_thread"),
              # the models here need to predict, not to converge: the epoch limits keep the file fast
              pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")]

EPS = np.finfo(np.float64).eps
U = EPS / 2  # the unit roundoff
FRIEDMAN_INFORMATIVE = {"x0", "x1", "x2", "x3", "x4"}  # y = 10 sin(π x0 x1) + 20 (x2 - ½)² + 10 x3 + 5 x4 + noise


def gamma(n):
    """γ_n = n·u/(1 - n·u): the relative bound of a sum of n rounded terms (Higham, Accuracy and Stability, 3.1)."""
    return n * U / (1 - n * U)


def prediction_rounding(est, X):
    """A bound on |computed - exact| of the network's output pre-activations Z[L], row by row ``(m, k)``, for an
    estimator without scaling: per layer, the dot product's γ_{n+1}·(|A| |W| + |b|) plus the error of A passed on
    through |W|; tanh, sigmoid and ReLU are 1-Lipschitz and rounded to within 2u of their value."""
    assert est.x_scaler_ is None
    A, error = np.asarray(X, dtype=float), np.zeros((len(X), est.coefs_[0].shape[0]))
    n_layers = len(est.coefs_)
    for l, (W, b) in enumerate(zip(est.coefs_, est.intercepts_), start=1):
        Z = A @ W + b
        error = gamma(W.shape[0] + 1) * (np.abs(A) @ np.abs(W) + np.abs(b)) + error @ np.abs(W)
        if l == n_layers:
            return Z, error
        A = est.network_.activations[l - 1].f(Z)
        error = error + 2 * U * np.abs(A)


def output_rounding(est, X):
    """The bound of ``prediction_rounding`` on what MIV differentiates: the regression output itself, σ(z) for two
    classes (σ' <= 1/4, and σ is rounded to within 2u), softmax for more (each p_k moves by at most ½·max|δz|, as
    Σ_l |∂p_k/∂z_l| = 2p_k(1 - p_k) <= ½, and its exp, sum and division round to within (K + 4)u)."""
    Z, error = prediction_rounding(est, X)
    if not hasattr(est, "classes_"):
        return error
    if Z.shape[1] == 1:
        p = 1 / (1 + np.exp(-Z))
        return error / 4 + 2 * U * p
    p = np.exp(Z - Z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    shift = 2 * U * np.abs(Z).max(axis=1, keepdims=True)  # z - max z rounded before exp
    return 0.5 * (error + shift).max(axis=1, keepdims=True) + (Z.shape[1] + 4) * U * p


def miv_by_definition(f, X, j, delta):
    """MIV_j = 1/m Σ_i [f(x_i with x_ij·(1+δ)) - f(x_i with x_ij·(1-δ))], written out: perturb, predict, difference."""
    up, down = X.copy(), X.copy()
    up[:, j] = X[:, j] * (1 + delta)
    down[:, j] = X[:, j] * (1 - delta)
    return np.mean(f(up) - f(down), axis=0), up, down


def assert_miv_matches_definition(est, X, f, delta, columns):
    """Every feature's MIV column (per output) against the definition, within the two computations' rounding:
    each of the 2m predictions may differ by twice its bound, and each mean of m differences by γ_m of Σ|IV|/m."""
    for j in range(X.shape[1]):
        expected, up, down = miv_by_definition(f, X, j, delta)
        differences = f(up) - f(down)
        bound = np.mean(2 * output_rounding(est, up) + 2 * output_rounding(est, down), axis=0) \
            + 2 * gamma(len(X)) * np.mean(np.abs(differences), axis=0)
        got = columns(j)
        assert np.all(np.abs(got - expected) <= bound), (j, got, expected, bound)


# ---- MIV is its definition ------------------------------------------------------------------------------
def test_miv_is_its_definition_for_a_regressor():
    rng = np.random.default_rng(0)
    X = rng.uniform(0.5, 2.0, size=(80, 3))
    y = 2 * X[:, 0] - X[:, 1] ** 2 + 0.1 * rng.normal(size=80)
    est = BPRegressor(hidden_layer_sizes=(5,), activation="tanh", solver="lbfgs", max_iter=200, random_state=0).fit(X, y)
    for delta in (0.1, 0.25):
        table = importance(est, X, method="miv", delta=delta)
        signed = table["importance"] * table["sign"]  # importance = |MIV|, sign = sign(MIV)
        assert_miv_matches_definition(est, X, lambda Z: est.predict(Z)[:, None], delta,
                                      lambda j, signed=signed: np.array([signed[f"x{j}"]]))
    assert table.loc["x0", "sign"] == 1 and table.loc["x1", "sign"] == -1  # ∂y/∂x0 = 2 > 0, ∂y/∂x1 = -2 x1 < 0


def test_miv_is_its_definition_for_classifier_probabilities():
    X, y = make_classification(n_samples=120, n_features=4, n_informative=3, n_redundant=0, n_classes=3,
                               n_clusters_per_class=1, random_state=0)
    X = X + 3.0  # away from 0, where x·(1±δ) barely moves
    three = BPClassifier(hidden_layer_sizes=(6,), activation="tanh", solver="lbfgs", max_iter=150, random_state=0).fit(X, y)
    table = importance(three, X, method="miv")
    classes = [str(c) for c in three.classes_]
    assert [f"miv[{c}]" for c in classes] == [c for c in table.columns if c.startswith("miv[")]  # one column per class
    assert table["sign"].isna().all()  # several outputs: no single direction
    assert_miv_matches_definition(three, X, three.predict_proba, 0.1,
                                  lambda j: table.loc[f"x{j}", [f"miv[{c}]" for c in classes]].to_numpy(dtype=float))
    # importance is the mean magnitude over the classes; target= keeps one class, with its sign
    per_class = table[[f"miv[{c}]" for c in classes]].abs().mean(axis=1)
    np.testing.assert_allclose(table["importance"], per_class, rtol=4 * U, atol=0)  # two additions and a division
    one = importance(three, X, method="miv", target=classes[2])
    np.testing.assert_array_equal(one["importance"] * one["sign"], table.loc[one.index, f"miv[{classes[2]}]"])

    two = BPClassifier(hidden_layer_sizes=(6,), activation="tanh", solver="lbfgs", max_iter=150,
                       random_state=0).fit(X, y == 1)
    table = importance(two, X, method="miv")  # two classes: the positive class's probability
    signed = table["importance"] * table["sign"]
    assert_miv_matches_definition(two, X, lambda Z: two.predict_proba(Z)[:, 1:], 0.1,
                                  lambda j: np.array([signed[f"x{j}"]]))


def test_miv_by_range_and_for_several_regression_targets():
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, size=(60, 3))  # centred on 0: x·(1±δ) is a small move, ±δ·range is not
    Y = np.column_stack([X[:, 0], -X[:, 2]]) + 0.05 * rng.normal(size=(60, 2))
    est = BPRegressor(hidden_layer_sizes=(4,), activation="tanh", solver="lbfgs", max_iter=200, random_state=0).fit(X, Y)
    table = importance(est, X, method="miv", perturb="range", target_names=["first", "second"])
    assert list(table.columns[4:]) == ["miv[first]", "miv[second]"]
    for j in range(3):
        step = 0.1 * np.ptp(X[:, j])
        up, down = X.copy(), X.copy()
        up[:, j] += step
        down[:, j] -= step
        expected = np.mean(est.predict(up) - est.predict(down), axis=0)
        bound = np.mean(2 * output_rounding(est, up) + 2 * output_rounding(est, down), axis=0) \
            + 2 * gamma(len(X)) * np.mean(np.abs(est.predict(up) - est.predict(down)), axis=0)
        got = table.loc[f"x{j}", ["miv[first]", "miv[second]"]].to_numpy(dtype=float)
        assert np.all(np.abs(got - expected) <= bound)
    assert table.loc["x0", "miv[first]"] > 0 > table.loc["x2", "miv[second]"]
    assert importance(est, X, method="miv", perturb="range", target=1, target_names=["first", "second"]).index[0] == "x2"


# ---- Garson and Olden on hand-worked networks -------------------------------------------------------------
def network_with_weights(weights, n_rows=20, seed=0):
    """A regressor of the given layer shapes (no scaling), its coefs_ then set to ``weights`` (they are the
    network's own arrays, so writing to them changes the model)."""
    rng = np.random.default_rng(seed)
    n_in, n_out = weights[0].shape[0], weights[-1].shape[1]
    X, y = rng.normal(size=(n_rows, n_in)), rng.normal(size=(n_rows, n_out))
    hidden = tuple(W.shape[1] for W in weights[:-1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one epoch: a convergence warning
        est = BPRegressor(hidden_layer_sizes=hidden, activation="tanh", solver="lbfgs", max_iter=1,
                          random_state=0).fit(X, y if n_out > 1 else y[:, 0])
    for W, new in zip(est.coefs_, weights):
        W[...] = new
    return est


# the 2-2-1 network: w_ij from input i to hidden j, v_j from hidden j to the output
W_HAND = np.array([[1.0, -2.0],   # x0 → h0: w00 = 1,  x0 → h1: w01 = -2
                   [-3.0, 2.0]])  # x1 → h0: w10 = -3, x1 → h1: w11 = 2
V_HAND = np.array([[2.0],         # h0 → out: v0 = 2
                   [-1.0]])       # h1 → out: v1 = -1


def test_garson_by_hand():
    table = importance(network_with_weights([W_HAND, V_HAND]), method="garson", feature_names=["x0", "x1"])
    # c_ij = |w_ij|·|v_j|: h0: c00 = 1·2 = 2, c10 = 3·2 = 6 (sum 8); h1: c01 = 2·1 = 2, c11 = 2·1 = 2 (sum 4)
    # r_ij = c_ij / Σ_i c_ij: h0: r00 = 2/8 = 0.25, r10 = 6/8 = 0.75; h1: r01 = 2/4 = 0.5, r11 = 2/4 = 0.5
    # S_i = Σ_j r_ij: S0 = 0.25 + 0.5 = 0.75, S1 = 0.75 + 0.5 = 1.25 (sum 2)
    # RI_i = S_i / Σ S: RI0 = 0.75/2 = 0.375, RI1 = 1.25/2 = 0.625; percent 37.5 and 62.5
    # every step above is exact in binary floating point (quarters and eighths), so the results are equal
    assert list(table.index) == ["x1", "x0"]
    assert table.loc["x0", "importance"] == 0.375 and table.loc["x1", "importance"] == 0.625
    assert table.loc["x0", "percent"] == 37.5 and table.loc["x1", "percent"] == 62.5
    assert table["sign"].isna().all() and table["spread"].isna().all()  # Garson has no sign; one model has no spread
    # with one output |v_j| scales all of hidden unit j's c_ij and cancels in r_ij: other v, same shares
    other = importance(network_with_weights([W_HAND, np.array([[0.5], [7.0]])]), method="garson", feature_names=["x0", "x1"])
    assert other.loc["x0", "importance"] == 0.375 and other.loc["x1", "importance"] == 0.625


def test_olden_by_hand_one_and_two_hidden_layers():
    table = importance(network_with_weights([W_HAND, V_HAND]), method="olden", feature_names=["x0", "x1"])
    # Σ_j w_ij·v_j: x0: 1·2 + (-2)·(-1) = 4; x1: (-3)·2 + 2·(-1) = -8
    # importance = |.|: 4 and 8 (sum 12); percent 100·4/12 = 33.33…, 100·8/12 = 66.66…; sign +1 and -1
    assert table.loc["x0", "importance"] == 4 and table.loc["x1", "importance"] == 8  # integers: exact
    assert table.loc["x0", "sign"] == 1 and table.loc["x1", "sign"] == -1
    # percent: 100·4 and 100·8 are exact, one division rounds to within u of 100/3 and 200/3
    np.testing.assert_allclose(table["percent"].to_numpy(), [200 / 3, 100 / 3], rtol=2 * U, atol=0)

    W2 = np.array([[2.0, 1.0],    # h0 → g0: 2,  h0 → g1: 1
                   [1.0, -1.0]])  # h1 → g0: 1,  h1 → g1: -1
    W3 = np.array([[1.0],         # g0 → out: 1
                   [2.0]])        # g1 → out: 2
    deep = importance(network_with_weights([W_HAND, W2, W3]), method="olden", feature_names=["x0", "x1"])
    # W2·W3 = [2·1 + 1·2, 1·1 + (-1)·2] = [4, -1]
    # W1·(W2·W3): x0: 1·4 + (-2)·(-1) = 6; x1: (-3)·4 + 2·(-1) = -14 (sum of magnitudes 20: 30 % and 70 %)
    assert deep.loc["x0", "importance"] == 6 and deep.loc["x1", "importance"] == 14
    assert deep.loc["x0", "sign"] == 1 and deep.loc["x1", "sign"] == -1
    assert deep.loc["x0", "percent"] == 30 and deep.loc["x1", "percent"] == 70  # 600/20 and 1400/20: exact
    with pytest.raises(ValueError, match="one hidden layer.*olden"):
        importance(network_with_weights([W_HAND, W2, W3]), method="garson", feature_names=["x0", "x1"])


def test_garson_and_olden_group_one_hot_inputs_and_skip_removed_constants():
    encoder = FeatureEncoder([("a", None), ("t", ["p", "q"])])  # network inputs a, t=p, t=q
    W = np.array([[1.0, -2.0],   # a   → h0, h1
                  [-3.0, 2.0],   # t=p → h0, h1
                  [1.0, 0.0]])   # t=q → h0, h1
    est = network_with_weights([W, V_HAND])
    garson = importance(est, None, method="garson", encoder=encoder)
    # c = |w|·|v|: h0: 2, 6, 2 (sum 10) → r = 0.2, 0.6, 0.2; h1: 2, 2, 0 (sum 4) → r = 0.5, 0.5, 0
    # S = 0.7, 1.1, 0.2 (sum 2) → RI = 0.35, 0.55, 0.1; grouped: a 0.35, t = 0.55 + 0.1 = 0.65
    # a handful of roundings of numbers below 2: within 8u
    np.testing.assert_allclose(garson.loc[["a", "t"], "importance"], [0.35, 0.65], rtol=0, atol=8 * U)
    olden = importance(est, None, method="olden", encoder=encoder)
    # Σ_j w_ij v_j: a: 1·2 + (-2)(-1) = 4; t=p: -3·2 + 2·(-1) = -8; t=q: 1·2 + 0·(-1) = 2; t = |-8| + |2| = 10
    assert olden.loc["a", "importance"] == 4 and olden.loc["t", "importance"] == 10  # integers: exact
    assert olden.loc["a", "sign"] == 1 and np.isnan(olden.loc["t", "sign"])  # a text column has no direction

    rng = np.random.default_rng(2)
    X = np.column_stack([rng.normal(size=30), np.full(30, 5.0), rng.normal(size=30)])  # x1 constant: removed
    y = X[:, 0] - X[:, 2]
    est = BPRegressor(hidden_layer_sizes=(3,), activation="tanh", solver="lbfgs", max_iter=50, random_state=0,
                      scaling="mapminmax").fit(X, y)
    assert est.coefs_[0].shape[0] == 2
    for method in ("garson", "olden"):
        table = importance(est, X, method=method)
        assert table.loc["x1", "importance"] == 0 and list(table.index)[-1] == "x1"


# ---- the informative inputs come out on top -------------------------------------------------------------------
@pytest.fixture(scope="module")
def friedman():
    X, y = make_friedman1(n_samples=600, n_features=10, noise=0.5, random_state=0)
    est = BPRegressor(hidden_layer_sizes=(10,), activation="tanh", solver="lm", max_iter=300, random_state=0,
                      scaling="mapminmax").fit(X, y)
    return est, X, y


@pytest.mark.parametrize("method", ["miv", "permutation"])
def test_friedman1_informative_inputs_on_top(friedman, method):
    est, X, y = friedman
    table = importance(est, X, y, method=method)
    assert set(table.index[:5]) == FRIEDMAN_INFORMATIVE, table
    noise = table.iloc[5:]["importance"]
    assert table.iloc[4]["importance"] > 5 * noise.abs().max()  # a clear gap, not a photo finish
    assert np.isclose(table["percent"].abs().sum(), 100)
    if method == "permutation":
        assert (table.iloc[:5]["spread"] > 0).all()  # the standard deviation over the repeats


def text_table(n=500, seed=3):
    """y = 3·a - 2·b + the category's effect (north 0, south 2, east -2) + noise; c and d are noise columns,
    and so is the text column "colour"."""
    rng = np.random.default_rng(seed)
    region = rng.choice(["north", "south", "east"], size=n)
    frame = pd.DataFrame({"a": rng.uniform(1, 2, n), "c": rng.uniform(1, 2, n), "region": region,
                          "b": rng.uniform(1, 2, n), "colour": rng.choice(["red", "blue"], size=n),
                          "d": rng.uniform(1, 2, n)})
    effect = pd.Series(region).map({"north": 0.0, "south": 2.0, "east": -2.0}).to_numpy()
    frame["y"] = 3 * frame["a"] - 2 * frame["b"] + effect + 0.1 * rng.normal(size=n)
    return frame


@pytest.fixture(scope="module")
def text_model():
    frame = text_table()
    data = prepare(frame, ["y"])
    est = BPRegressor(hidden_layer_sizes=(8,), activation="tanh", solver="lm", max_iter=200, random_state=0,
                      scaling="mapminmax").fit(data.X, data.y)
    return est, data.encoder, frame.drop(columns="y"), frame["y"]


@pytest.mark.parametrize("method", ["miv", "permutation"])
def test_text_column_grouped_and_informative_inputs_on_top(text_model, method):
    est, encoder, features, y = text_model
    table = importance(est, features, y, method=method, encoder=encoder)
    assert list(table.index).count("region") == 1 and "region=south" not in table.index  # one row per table column
    assert set(table.index[:3]) == {"a", "b", "region"}, table
    assert table.iloc[2]["importance"] > 5 * table.iloc[3:]["importance"].abs().max()
    if method == "miv":
        assert table.loc["a", "sign"] == 1 and table.loc["b", "sign"] == -1 and np.isnan(table.loc["region", "sign"])


def test_text_column_miv_is_the_mean_change_when_the_category_is_switched(text_model):
    _, encoder, features, y = text_model
    # without scaling, so that prediction_rounding bounds every prediction
    est = BPRegressor(hidden_layer_sizes=(6,), activation="tanh", solver="lbfgs", max_iter=300,
                      random_state=0).fit(encoder.transform(features), y)
    rows = features.iloc[:40]
    table = importance(est, rows, method="miv", encoder=encoder)
    base_X = encoder.transform(rows)
    base, base_error = est.predict(base_X), output_rounding(est, base_X)[:, 0]
    changes, errors = [], []
    for i in range(len(rows)):  # row by row, each other category of row i in turn
        row = rows.iloc[[i]]
        others = [c for c in ("east", "north", "south") if c != row["region"].iloc[0]]
        switched = [encoder.transform(row.assign(region=c)) for c in others]
        changes.append(np.mean([abs(est.predict(Xc)[0] - base[i]) for Xc in switched]))
        errors.append(np.mean([2 * output_rounding(est, Xc)[0, 0] + 2 * base_error[i] for Xc in switched]))
    expected = np.mean(changes)
    # each |f(switched) - f(x)| within twice both predictions' rounding (batches of one row here, of 40 there);
    # the library's sum of three masked terms, division and mean of 40, and the test's means: γ_44 of the result
    assert abs(table.loc["region", "importance"] - expected) <= np.mean(errors) + 2 * gamma(len(rows) + 4) * expected
    assert 1.5 < expected < 3.5  # switches among 0, 2, -2: the mean |change| is 8/3 for evenly spread regions


# ---- ensembles: a list of fitted models ---------------------------------------------------------------------
def test_ensemble_is_the_members_mean_with_their_spread():
    rng = np.random.default_rng(4)
    X = rng.uniform(0.5, 1.5, size=(100, 4))
    y = X[:, 0] + 2 * X[:, 1] + 0.05 * rng.normal(size=100)
    members = [BPRegressor(hidden_layer_sizes=(4,), activation="tanh", solver="lbfgs", max_iter=100,
                           random_state=seed).fit(X, y) for seed in range(3)]
    for method in ("miv", "olden", "garson"):
        table = importance(members, X, method=method)
        each = np.array([importance(m, X, method=method)["importance"].reindex(table.index) for m in members])
        # the mean of three magnitudes: two additions and a division, within 4u relatively; the variance
        # (spread²) of three numbers: their squared deviations and sum round to within 16u of max², whatever the order
        np.testing.assert_allclose(table["importance"], each.mean(axis=0), rtol=4 * U, atol=0)
        np.testing.assert_allclose(table["spread"] ** 2, each.var(axis=0, ddof=1), rtol=0, atol=16 * U * each.max() ** 2)
    table = importance(members, X, y, method="permutation", n_repeats=4)
    assert set(table.index[:2]) == {"x0", "x1"} and (table["spread"] > 0).all()
    assert table.attrs["members"] == 3

    # an estimator fitted with ensemble=True is judged through its members, exactly as the list of them
    fitted = BPRegressor(hidden_layer_sizes=(4,), activation="tanh", solver="lbfgs", max_iter=100, random_state=0,
                         n_init=3, ensemble=True).fit(X, y)
    for method in ("miv", "olden"):
        pd.testing.assert_frame_equal(importance(fitted, X, method=method), importance(fitted.estimators_, X, method=method))
    assert importance(fitted, X, method="miv").attrs["members"] == 3


# ---- partial dependence and ICE ---------------------------------------------------------------------------------
def test_partial_dependence_is_the_mean_prediction_over_the_grid():
    rng = np.random.default_rng(5)
    X = rng.uniform(0, 1, size=(50, 3))
    y = np.sin(3 * X[:, 0]) + X[:, 1]
    est = BPRegressor(hidden_layer_sizes=(5,), activation="tanh", solver="lbfgs", max_iter=200, random_state=0).fit(X, y)
    (curve,) = partial_dependence(est, X, [0], grid_resolution=7)
    assert curve["average"].shape == (1, 7) and curve["individual"].shape == (1, 50, 7)
    for g, value in enumerate(curve["grid"]):
        Xg = X.copy()
        Xg[:, 0] = value
        predicted = est.predict(Xg)
        bound = 2 * np.mean(output_rounding(est, Xg)) + 2 * gamma(len(X)) * np.mean(np.abs(predicted))
        assert abs(curve["average"][0, g] - predicted.mean()) <= bound
        assert np.all(np.abs(curve["individual"][0, :, g] - predicted) <= 2 * output_rounding(est, Xg)[:, 0])


def test_partial_dependence_of_a_text_column(text_model):
    est, encoder, features, _ = text_model
    curves = partial_dependence(est, features.iloc[:100], ["region", "a"], encoder=encoder, grid_resolution=10)
    region = curves[0]
    assert region["categorical"] and list(region["grid"]) == ["east", "north", "south"]
    east, north, south = region["average"][0]
    assert south - north > 1 and north - east > 1  # the effects 2 and -2 around north's 0


# ---- bad input ---------------------------------------------------------------------------------------------
def test_bad_input_is_refused_with_the_fix(friedman):
    est, X, y = friedman
    with pytest.raises(ValueError, match="permutation importance needs labelled data"):
        importance(est, X, method="permutation")
    with pytest.raises(ValueError, match="unknown importance method 'shap'; choose one of miv, permutation"):
        importance(est, X, method="shap")
    with pytest.raises(ValueError, match="delta is the relative change"):
        importance(est, X, method="miv", delta=1.5)
    with pytest.raises(ValueError, match="unknown target 'z'"):
        importance(est, X, method="miv", target="z")
    with pytest.raises(ValueError, match="X must be a table of 10 columns"):
        importance(est, X[:, :3], method="miv")
    with pytest.raises(ValueError, match="an ensemble needs at least one fitted model"):
        importance([], X, method="miv")


# ---- figures --------------------------------------------------------------------------------------------------
def test_figures_are_png_files(friedman, text_model, tmp_path):
    est, X, y = friedman
    for method in ("miv", "permutation", "olden"):
        path = plot_importance(importance(est, X, y, method=method), tmp_path / f"{method}.png")
        assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    path = plot_partial_dependence(partial_dependence(est, X[:100], [0, 2, 5], grid_resolution=20), tmp_path / "pd.png")
    assert path.read_bytes().startswith(b"\x89PNG")
    est, encoder, features, _ = text_model
    path = plot_partial_dependence(partial_dependence(est, features.iloc[:100], ["region", "a"], encoder=encoder),
                                   tmp_path / "pd_text.png")
    assert path.read_bytes().startswith(b"\x89PNG")


def test_the_training_report_shows_the_importance_section(friedman, tmp_path):
    from bpnn.reports.html import Run, run_report
    from bpnn.reports.importance_plots import IMPORTANCE_FIGURE, importance_section
    from bpnn.reports.plots import draw_run

    est, X, y = friedman
    table = importance(est, X, y, method="miv")
    predicted = est.predict(X)
    run = Run(title="t", task="regression", data={"rows": len(X)}, settings={}, model={}, layer_sizes=[10, 10, 1],
              layer_labels=["Input", "Hidden 1", "Output"], curves={"Training": [1.0, 0.5]}, measure="MSE", best_epoch=1,
              stop_reason="", metrics={"Training": {"mse": 0.1, "rmse": 0.3, "mae": 0.2, "r": 0.99, "r2": 0.98}},
              counts={"Training": len(X)}, results={"Training": (y, predicted)}, sections=[importance_section(table)])
    figures = draw_run(run, tmp_path)
    assert (tmp_path / IMPORTANCE_FIGURE).read_bytes().startswith(b"\x89PNG")
    page = run_report(run, figures).html()
    section = page[page.index("<h2>Input importance</h2>"):page.index("<h2>Model</h2>")]
    assert "mean impact value" in section and f"<td>{table.index[0]}</td>" in section
    assert page.count("<img") == len(figures)  # the chart once, in its own section, not again among the figures
    assert section.count("<img") == 1


# ---- the command line ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cli_models(tmp_path_factory):
    """Friedman #1 and the text table as CSV files, each with a model from bpnn train (its defaults)."""
    from bpnn.cli import main

    folder = tmp_path_factory.mktemp("importance_cli")
    X, y = make_friedman1(n_samples=600, n_features=10, noise=0.5, random_state=0)
    friedman_csv = folder / "friedman1.csv"
    pd.DataFrame(X, columns=[f"x{i}" for i in range(10)]).assign(y=y).to_csv(friedman_csv, index=False)
    text_csv = folder / "text.csv"
    text_table().to_csv(text_csv, index=False)
    for data in (friedman_csv, text_csv):
        assert main(["train", str(data), "--target", "y", "--quiet", "--out", str(data.with_suffix(".bpnn"))]) == 0
    return folder


@pytest.mark.parametrize("method", ["miv", "permutation"])
@pytest.mark.parametrize("data, informative", [("friedman1", FRIEDMAN_INFORMATIVE), ("text", {"a", "b", "region"})])
def test_cli_puts_the_informative_inputs_on_top(cli_models, method, data, informative, capsys):
    from bpnn.cli import main

    model, csv = cli_models / f"{data}.bpnn", cli_models / f"{data}.csv"
    table, figure = cli_models / f"{data}_{method}.csv", cli_models / f"{data}_{method}.png"
    assert main(["importance", str(model), str(csv), "--method", method, "-o", str(table), "--plot", str(figure)]) == 0
    written = pd.read_csv(table)
    assert list(written.columns[:5]) == ["feature", "importance", "percent", "sign", "spread"]
    assert set(written["feature"][:len(informative)]) == informative, written
    assert figure.read_bytes().startswith(b"\x89PNG")
    shown = [line.split("│")[1].strip() for line in capsys.readouterr().out.splitlines() if line.startswith("│")]
    assert shown == list(written["feature"])  # the terminal's table: the same rows in the same order


def test_cli_refuses_bad_input_in_one_line_and_writes_nothing(cli_models, capsys):
    from bpnn.cli import main

    model, csv = cli_models / "friedman1.bpnn", cli_models / "friedman1.csv"
    unlabelled = cli_models / "unlabelled.csv"
    pd.read_csv(csv).drop(columns="y").to_csv(unlabelled, index=False)
    table, figure = cli_models / "refused.csv", cli_models / "refused.png"
    cases = [
        (["--method", "permutation"], unlabelled, "permutation importance needs labelled data"),
        (["--delta", "1.5"], csv, "--delta is the relative change of MIV"),
        (["--output-of", "z"], csv, "unknown --output-of 'z'; the model's outputs are y"),
        (["--plot", str(cli_models / "chart.jpg")], csv, "figures are written as PNG"),
    ]
    for options, data, message in cases:
        code = main(["importance", str(model), str(data), "-o", str(table), *options])
        err = capsys.readouterr().err
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
        assert not table.exists() and not figure.exists()
    code = main(["importance", str(model), str(cli_models / "text.csv")])
    err = capsys.readouterr().err
    assert code == 2 and "no feature column 'x0'" in err and len(err.strip().splitlines()) == 1


def test_train_with_importance_puts_the_table_and_chart_in_the_report(cli_models, capsys):
    from bpnn.cli import main

    csv = cli_models / "text.csv"
    report, plots = cli_models / "report.html", cli_models / "plots"
    assert main(["train", str(csv), "--target", "y", "--out", str(cli_models / "again.bpnn"), "--report", str(report),
                 "--plots", str(plots), "--importance", "permutation"]) == 0
    page = report.read_text(encoding="utf-8")
    section = page[page.index("<h2>Input importance (permutation)</h2>"):page.index("<h2>Model</h2>")]
    assert "permutation importance" in section and "<td>region</td>" in section and section.count("<img") == 1
    assert (plots / "importance.png").read_bytes().startswith(b"\x89PNG")
    assert "Input importance (permutation)" in capsys.readouterr().out
    assert main(["train", str(csv), "--target", "y", "--quiet", "--out", str(cli_models / "again.bpnn"),
                 "--report", str(report), "--importance"]) == 0  # METHOD defaults to miv
    assert "<h2>Input importance (miv)</h2>" in report.read_text(encoding="utf-8")
