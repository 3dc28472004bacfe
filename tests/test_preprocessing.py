"""MATLAB-style scaling and data division: hand-worked numbers, scikit-learn as a reference, JSON round trips."""

import json

import numpy as np
import pytest
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from bpnn.preprocessing import (
    Chain,
    MapMinMax,
    RemoveConstant,
    Standardize,
    divide,
    divideblock,
    divideind,
    divideint,
    dividerand,
    make_scaler,
    scaler_from_dict,
)

X = np.array([[1.0, 10.0, 7.0], [3.0, 20.0, 7.0], [5.0, 30.0, 7.0]])  # the last column is constant
EPS = np.finfo(np.float64).eps
# The scalers' formulas are a subtraction, a product and a division per entry (and back): a few ulp of the
# values involved. Values mapped into [-1, 1] (or [0, 1]) are within a few ε absolute; a round trip back to x
# within a few ε of max|x| (the range, 2/(xmax - xmin), is multiplied back in).
MAPPED = dict(rtol=0, atol=8 * EPS)
ROUND_TRIP = dict(rtol=0, atol=16 * EPS * np.abs(X).max())


def test_mapminmax_formula_by_hand_and_its_reverse():
    scaler = MapMinMax().fit(X)
    # y = (ymax - ymin)(x - xmin)/(xmax - xmin) + ymin = 2(x - 1)/4 - 1 for column 0, 2(x - 10)/20 - 1 for column 1;
    # the constant column goes to the middle of [-1, 1]
    expected = np.array([[-1.0, -1.0, 0.0], [0.0, 0.0, 0.0], [1.0, 1.0, 0.0]])
    np.testing.assert_allclose(scaler.transform(X), expected, **MAPPED)
    np.testing.assert_allclose(scaler.transform([[2.0, 35.0, 9.0]]), [[-0.5, 1.5, 2.0]], **MAPPED)  # linear beyond the range
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(X)), X, **ROUND_TRIP)
    unit = MapMinMax(0, 1).fit(X)
    np.testing.assert_allclose(unit.transform(X)[:, :2], [[0, 0], [0.5, 0.5], [1, 1]], **MAPPED)  # (x - xmin)/(xmax - xmin)


def test_mapminmax_and_standardize_match_scikit_learn():
    data = np.random.default_rng(0).normal(3.0, 5.0, (50, 4))
    # the same formulas in other orders: a few ulp of x, scaled by 2/(xmax - xmin) into [-1, 1]
    scale = np.abs(data).max() / np.ptp(data, axis=0).min()
    np.testing.assert_allclose(MapMinMax(-1, 1).fit_transform(data),
                               MinMaxScaler(feature_range=(-1, 1)).fit_transform(data), rtol=0, atol=16 * EPS * scale)
    # (x - mean)/std: the mean and the std are sums of n terms, each within n·ε of their terms' size (the two-pass
    # variance's deviations), so the results are within ~ n·ε·(max|x|/std + max|result|) of each other
    standardized = StandardScaler().fit_transform(data)
    n = len(data)
    tolerance = 4 * n * EPS * (np.abs(data).max() / data.std(axis=0).min() + np.abs(standardized).max())
    np.testing.assert_allclose(Standardize().fit_transform(data), standardized, rtol=0, atol=tolerance)
    scaler = Standardize().fit(X)
    assert np.all(scaler.transform(X)[:, 2] == 0)  # a constant column becomes 0, not nan
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(X)), X, **ROUND_TRIP)


def test_constant_columns_removed_at_fit_and_at_transform_and_restored_by_the_inverse():
    remover = RemoveConstant().fit(X)
    assert remover.removed.tolist() == [2]
    np.testing.assert_array_equal(remover.transform(X), X[:, :2])
    new = np.array([[4.0, 15.0, 99.0]])  # the column varies now: it was constant at fit, so it is still dropped
    np.testing.assert_array_equal(remover.transform(new), [[4.0, 15.0]])
    np.testing.assert_array_equal(remover.inverse_transform([[4.0, 15.0]]), [[4.0, 15.0, 7.0]])
    assert RemoveConstant(max_range=15).fit(X).removed.tolist() == [0, 2]  # ranges 4, 20, 0
    with pytest.raises(ValueError, match="every one of the 2 columns is constant"):
        RemoveConstant().fit(np.ones((4, 2)))
    with pytest.raises(ValueError, match="expects 3 columns; got 2"):
        remover.transform(np.ones((1, 2)))


@pytest.mark.parametrize("scaler", [MapMinMax(-2, 3), Standardize(), RemoveConstant(),
                                    Chain([RemoveConstant(), MapMinMax()])], ids=lambda s: s.kind)
def test_every_scaler_survives_a_json_round_trip(scaler):
    scaler.fit(X)
    rebuilt = scaler_from_dict(json.loads(json.dumps(scaler.to_dict())))
    probe = np.array([[2.0, 12.0, 7.0], [6.0, 40.0, 7.0]])
    np.testing.assert_array_equal(rebuilt.transform(probe), scaler.transform(probe))
    np.testing.assert_allclose(rebuilt.inverse_transform(rebuilt.transform(probe)), probe,
                               rtol=0, atol=16 * EPS * np.abs(probe).max())


def test_chain_removes_then_scales_and_reverses_in_reverse_order():
    chain = Chain([RemoveConstant(), MapMinMax()]).fit(X)
    np.testing.assert_allclose(chain.transform(X), [[-1, -1], [0, 0], [1, 1]], **MAPPED)
    np.testing.assert_allclose(chain.inverse_transform([[0.5, -0.5]]), [[4.0, 15.0, 7.0]], **ROUND_TRIP)


def test_unknown_names_and_unfitted_scalers_raise_clear_errors():
    assert isinstance(make_scaler("mapstd"), Standardize) and make_scaler("mapminmax", ymin=0).ymin == 0
    with pytest.raises(ValueError, match="unknown scaler 'minmax'; valid scalers are mapminmax, standard, removeconstant"):
        make_scaler("minmax")
    with pytest.raises(ValueError, match="not fitted yet"):
        MapMinMax().transform(X)
    with pytest.raises(ValueError, match="ymin < ymax"):
        MapMinMax(1, 1)


@pytest.mark.parametrize("n,sizes", [(100, (70, 15, 15)), (41, (29, 6, 6)), (7, (5, 1, 1))])
def test_dividerand_sizes_cover_every_row_once_and_repeat_with_a_seed(n, sizes):
    division = dividerand(n, random_state=3)
    assert (division.train.size, division.val.size, division.test.size) == sizes
    np.testing.assert_array_equal(np.sort(np.concatenate([division.train, division.val, division.test])), np.arange(n))
    again = dividerand(n, random_state=3)
    assert all(np.array_equal(a, b) for a, b in zip(division.to_dict().values(), again.to_dict().values()))
    assert not np.array_equal(dividerand(n, random_state=4).train, division.train)


def test_divideblock_divideint_and_divideind():
    block = divideblock(20)  # 14 / 3 / 3
    assert block.train.tolist() == list(range(14)) and block.val.tolist() == [14, 15, 16] and block.test.tolist() == [17, 18, 19]
    interleaved = divideint(20)
    assert (interleaved.train.size, interleaved.val.size, interleaved.test.size) == (14, 3, 3)
    assert np.all(np.diff(interleaved.val) >= 5) and np.all(np.diff(interleaved.test) >= 5)  # spread, not clumped
    assert interleaved.val.min() < 10 < interleaved.val.max()
    given = divideind(6, [0, 2, 4], [1], [5])
    assert given.train.tolist() == [0, 2, 4] and given.val.tolist() == [1] and given.test.tolist() == [5]
    assert divide("dividerand", 10, train_ratio=0.8, val_ratio=0.2, test_ratio=0.0, random_state=0).test.size == 0
    with pytest.raises(ValueError, match="must be disjoint"):
        divideind(6, [0, 1], [1])
    with pytest.raises(ValueError, match=r"must lie in \[0, 6\)"):
        divideind(6, [0, 6])
    with pytest.raises(ValueError, match="unknown division 'random'; valid divisions are dividerand"):
        divide("random", 10)
    with pytest.raises(ValueError, match="leave no training sample"):
        dividerand(2, 0.1, 0.5, 0.5)


def test_integer_sample_weights_equal_repeated_rows():
    rng = np.random.default_rng(0)
    data = rng.normal(3.0, 2.0, (40, 3))
    weights = rng.integers(0, 4, 40)
    repeated = np.repeat(data, weights, axis=0)
    weighted, reference = Standardize().fit(data, weights), StandardScaler().fit(repeated)
    # Σ w x over Σ w against a sum over n repeated rows: the summation bound, n·ε·Σ|x|/|Σx| relative, each way;
    # the variance's sum of squared deviations likewise, plus what the mean's error does to the deviations
    n = len(repeated)
    mean_rtol = 2 * n * EPS * np.abs(repeated).mean(axis=0) / np.abs(repeated.mean(axis=0))
    np.testing.assert_allclose(weighted.mean, reference.mean_, rtol=mean_rtol.max())
    deviation = np.abs(repeated - repeated.mean(axis=0)).max(axis=0) / repeated.std(axis=0)
    np.testing.assert_allclose(weighted.std, reference.scale_, rtol=(2 * n * EPS * (1 + deviation)).max())
    for make in (lambda: Chain([RemoveConstant(), MapMinMax()]), lambda: Chain([RemoveConstant(), Standardize()])):
        data[weights == 0, 0] = 99.0  # zero-weight rows count for nothing, not even for a range
        # fitted on the same rows (one weighted, one repeated): the mean and std above, at most ~n·ε·(1 + 99/std)
        # apart relative, carried to (x - mean)/std, of size <= 99/std
        spread = np.abs(data).max() / data[weights > 0].std(axis=0).min()
        np.testing.assert_allclose(make().fit(data, weights).transform(data), make().fit(repeated).transform(data),
                                   rtol=0, atol=4 * n * EPS * (1 + spread) ** 2)


def test_sample_weight_must_be_one_non_negative_number_per_row():
    with pytest.raises(ValueError, match=r"sample_weight must hold 3 finite non-negative numbers.*shape \(2,\)"):
        Standardize().fit(X, [1.0, 2.0])
    with pytest.raises(ValueError, match="not all zero"):
        MapMinMax().fit(X, [0.0, 0.0, 0.0])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # one epoch: only the scaling matters
def test_the_estimator_fits_its_scaling_with_the_sample_weights():
    from bpnn.estimators import BPRegressor

    rng = np.random.default_rng(1)
    data, target = rng.normal(size=(30, 2)), rng.normal(size=30)
    weights = rng.integers(1, 4, 30)
    params = {"hidden_layer_sizes": (2,), "solver": "lbfgs", "max_iter": 1, "scaling": "standard", "division": None}
    weighted = BPRegressor(**params).fit(data, target, sample_weight=weights)
    repeated = BPRegressor(**params).fit(np.repeat(data, weights, axis=0), np.repeat(target, weights))
    n = int(weights.sum())
    for fitted, reference, values in ((weighted.x_scaler_.steps[1], repeated.x_scaler_.steps[1], data),
                                      (weighted.y_scaler_, repeated.y_scaler_, target[:, None])):
        # the weighted and the repeated sums of the same 30 values, as above: n·ε·Σ|x|/|Σx| relative each way
        rows = np.repeat(values, weights, axis=0)
        mean_rtol = 2 * n * EPS * np.abs(rows).mean(axis=0) / np.abs(rows.mean(axis=0))
        deviation = np.abs(rows - rows.mean(axis=0)).max(axis=0) / rows.std(axis=0)
        np.testing.assert_allclose(np.ravel(fitted.mean), np.ravel(reference.mean), rtol=mean_rtol.max())
        np.testing.assert_allclose(np.ravel(fitted.std), np.ravel(reference.std), rtol=(2 * n * EPS * (1 + deviation)).max())
