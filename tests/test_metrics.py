"""bpnn.reports.metrics against scikit-learn's and SciPy's implementations."""

import numpy as np
import pytest
from scipy.stats import pearsonr
from sklearn import metrics as skm

from bpnn.reports.metrics import (
    classification_metrics,
    confusion_matrix,
    metric_notes,
    regression_metrics,
    roc_auc,
    roc_curve,
    table,
)

EPS = np.finfo(np.float64).eps


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("classes", [np.array([0, 1]), np.array(["cat", "dog", "emu"]), np.array([2, 5, 7, 9])])
def test_classification_metrics_match_sklearn(seed, classes):
    rng = np.random.default_rng(seed)
    y_true = rng.choice(classes, 60)
    y_pred = np.where(rng.random(60) < 0.6, y_true, rng.choice(classes[:-1], 60))  # wrong guesses never name the last class
    score = rng.random(60) + (y_true == classes[-1])
    result = classification_metrics(y_true, y_pred, classes, positive_score=score)
    # fractions of counts: each within an ulp (<= ε for values <= 1) either way; macro averages of K of them
    # add K roundings
    ulps = 2 * (len(classes) + 1) * EPS
    assert result["accuracy"] == pytest.approx(skm.accuracy_score(y_true, y_pred), abs=ulps)
    for name, function in [("precision", skm.precision_score), ("recall", skm.recall_score), ("f1", skm.f1_score)]:
        assert result[name] == pytest.approx(function(y_true, y_pred, average="macro", zero_division=0), abs=ulps)
    np.testing.assert_array_equal(result["confusion"], skm.confusion_matrix(y_true, y_pred, labels=classes))
    if classes.size == 2:
        # the trapezoid sum of <= 60 segments, <= 1 in all: within 60 ε either way
        assert result["roc_auc"] == pytest.approx(skm.roc_auc_score(y_true == classes[1], score), abs=2 * 60 * EPS)
    else:
        assert "roc_auc" not in result


def test_macro_average_skips_classes_absent_from_truth_and_prediction():
    # class 9 never occurs: scikit-learn's default labels (the union) leave it out of the macro average
    y_true, y_pred = np.array([1, 1, 2, 2]), np.array([1, 2, 2, 2])
    result = classification_metrics(y_true, y_pred, np.array([1, 2, 9]))
    # class 1: P = 1/1, R = 1/2, F1 = 2/3; class 2: P = 2/3, R = 2/2, F1 = 0.8
    assert result["precision"] == pytest.approx((1 + 2 / 3) / 2)
    assert result["recall"] == pytest.approx((0.5 + 1) / 2)
    assert result["f1"] == pytest.approx((2 / 3 + 0.8) / 2)
    assert result["confusion"] == [[1, 1, 0], [0, 2, 0], [0, 0, 0]]


def test_confusion_matrix_follows_label_order_and_refuses_unknown_labels():
    labels = np.array(["c", "a", "b"])
    counts = confusion_matrix(np.array(["b", "a", "c", "a"]), np.array(["a", "a", "c", "b"]), labels)
    np.testing.assert_array_equal(counts, skm.confusion_matrix(["b", "a", "c", "a"], ["a", "a", "c", "b"], labels=labels))
    with pytest.raises(ValueError, match="label\\(s\\) z are not among the classes c, a, b"):
        confusion_matrix(np.array(["z"]), np.array(["a"]), labels)


@pytest.mark.parametrize("seed", range(5))
def test_roc_curve_and_auc_match_sklearn_with_ties(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 80)
    score = np.round(rng.random(80) + 0.5 * y, 1)  # rounded: many tied scores
    fpr, tpr, thresholds = roc_curve(y, score)
    sk_fpr, sk_tpr, sk_thresholds = skm.roc_curve(y, score, drop_intermediate=False)
    # cumulative counts over a total: one division, an ulp (<= ε for values <= 1) either way
    np.testing.assert_allclose(fpr, sk_fpr, rtol=0, atol=2 * EPS)
    np.testing.assert_allclose(tpr, sk_tpr, rtol=0, atol=2 * EPS)
    np.testing.assert_array_equal(thresholds, sk_thresholds)
    # the trapezoid sum of <= 80 segments, <= 1 in all: within 80 ε either way
    assert roc_auc(y, score) == pytest.approx(skm.roc_auc_score(y, score), abs=2 * len(y) * EPS)


def test_roc_auc_is_nan_for_one_class():
    assert np.isnan(roc_auc(np.ones(5), np.arange(5)))


def test_regression_metrics_match_sklearn_and_scipy():
    rng = np.random.default_rng(1)
    y = rng.normal(3, 2, 50)
    y_hat = y + rng.normal(0, 0.5, 50)
    result = regression_metrics(y, y_hat)
    # means of n non-negative terms, each a few roundings from the data: the summation bound, (n + 4)·ε relative,
    # either way. R² = 1 - SSres/SStot (≈ 0.94 here, so no cancellation) and Pearson's r (sums of products of
    # deviations, |r| ≈ 0.97: little cancellation) twice that. MAPE in percent: one more rounding (× 100).
    rel = 2 * (y.size + 4) * EPS
    assert result["mse"] == pytest.approx(skm.mean_squared_error(y, y_hat), rel=rel)
    assert result["mae"] == pytest.approx(skm.mean_absolute_error(y, y_hat), rel=rel)
    assert result["mape_percent"] == pytest.approx(100 * skm.mean_absolute_percentage_error(y, y_hat), rel=rel + 2 * EPS)
    assert result["r2"] == pytest.approx(skm.r2_score(y, y_hat), rel=2 * rel)
    assert result["r"] == pytest.approx(pearsonr(y, y_hat).statistic, rel=2 * rel)
    assert result["rmse"] == pytest.approx(skm.root_mean_squared_error(y, y_hat), rel=rel)
    assert result["mape_zero_rows"] == 0


def three_targets(m: int = 60):
    """Targets of very different ranges (about 0.5, 1000 and 0.001) whose outputs get each target's level right
    but its ups and downs wrong: one R over all values is high, each target's own R is low or negative."""
    rng = np.random.default_rng(7)
    levels, spreads = np.array([0.5, 1000.0, 0.001]), np.array([0.1, 50.0, 0.0002])
    y = levels + spreads * rng.normal(size=(m, 3))
    y_hat = levels + spreads * (np.array([-0.5, -0.4, 0.8]) * (y - levels) / spreads + 0.6 * rng.normal(size=(m, 3)))
    return y, y_hat


def test_several_targets_get_metrics_each_against_sklearn_and_scipy():
    y, y_hat = three_targets()
    result = regression_metrics(y, y_hat)
    pooled = pearsonr(y.ravel(), y_hat.ravel()).statistic
    each = [pearsonr(y[:, j], y_hat[:, j]).statistic for j in range(3)]
    assert pooled > 0.99 and each[0] < 0 and each[1] < 0 and each[2] > 0  # what a pooled R hides
    # per target: sums over m = 60 rows, as in the one-target test (the summation bound, twice for R and R²)
    rel = 2 * (len(y) + 4) * EPS
    np.testing.assert_allclose(result["r"], each, rtol=2 * rel)
    np.testing.assert_allclose(result["r2"], skm.r2_score(y, y_hat, multioutput="raw_values"), rtol=2 * rel)
    np.testing.assert_allclose(result["mse"], skm.mean_squared_error(y, y_hat, multioutput="raw_values"), rtol=rel)
    np.testing.assert_allclose(result["rmse"], skm.root_mean_squared_error(y, y_hat, multioutput="raw_values"), rtol=rel)
    np.testing.assert_allclose(result["mae"], skm.mean_absolute_error(y, y_hat, multioutput="raw_values"), rtol=rel)
    np.testing.assert_allclose(result["mape_percent"],
                               100 * skm.mean_absolute_percentage_error(y, y_hat, multioutput="raw_values"),
                               rtol=rel + 2 * EPS)
    assert all(len(values) == 3 for name, values in result.items())  # no pooled figure among them


def test_mape_leaves_out_rows_whose_target_is_zero():
    # y = (0, 2, 4), ŷ = (1, 1, 5): the row with y = 0 is left out; MAPE = 100·(1/2 + 1/4)/2 = 37.5 %
    result = regression_metrics([0.0, 2.0, 4.0], [1.0, 1.0, 5.0])
    assert result["mape_percent"] == pytest.approx(37.5, rel=4 * EPS) and result["mape_zero_rows"] == 1
    assert result["mae"] == pytest.approx(1.0, rel=4 * EPS)  # the other metrics keep every row
    y, y_hat = np.array([[0.0, 1.0], [0.0, 2.0], [3.0, 0.0]]), np.array([[1.0, 1.5], [0.5, 2.0], [2.0, 1.0]])
    result = regression_metrics(y, y_hat)
    nonzero = [y[:, j] != 0 for j in range(2)]
    expected = [100 * skm.mean_absolute_percentage_error(y[rows, j], y_hat[rows, j]) for j, rows in enumerate(nonzero)]
    np.testing.assert_allclose(result["mape_percent"], expected, rtol=8 * EPS)
    assert result["mape_zero_rows"] == [2, 1]
    assert np.isnan(regression_metrics([0.0, 0.0], [1.0, 0.0])["mape_percent"])  # no row to take a percentage of
    assert metric_notes({"Test": result}, ["load", "温度"]) == [
        "MAPE (%) of load, Test: left out the 2 row(s) whose target is 0 (a percentage of 0 is undefined)",
        "MAPE (%) of 温度, Test: left out the 1 row(s) whose target is 0 (a percentage of 0 is undefined)"]


def test_metrics_table_has_a_row_per_target_and_reads_older_model_files():
    y, y_hat = three_targets()
    metrics = {"Training": regression_metrics(y[:40], y_hat[:40]), "Test": regression_metrics(y[40:], y_hat[40:])}
    header, rows = table(metrics, {"Training": 40, "Test": 20}, ["a", "b", "c"])
    assert header == ["split", "target", "samples", "MSE", "RMSE", "MAE", "MAPE (%)", "R²", "R"]
    assert [row[:3] for row in rows] == [["Training", "a", 40], ["Training", "b", 40], ["Training", "c", 40],
                                         ["Test", "a", 20], ["Test", "b", 20], ["Test", "c", 20]]
    assert rows[4][-1] == metrics["Test"]["r"][1] and rows[4][6] == metrics["Test"]["mape_percent"][1]
    # model files of an earlier bpnn: one pooled figure per split, MAPE as a fraction under "mape"
    old = {"Test": {"mse": 0.5, "rmse": 0.7, "mae": 0.4, "mape": 0.0625, "r2": 0.9, "r": 0.95}}
    header, rows = table(old, {"Test": 20})
    assert header == ["split", "samples", "MSE", "RMSE", "MAE", "MAPE (%)", "R²", "R"]
    assert rows == [["Test", 20, 0.5, 0.7, 0.4, 6.25, 0.9, 0.95]]


def test_regression_metrics_of_a_constant_target_are_undefined():
    # SStot = Σ (y - ȳ)² = 0: R² = 1 - SSres/SStot and R = Σ(y - ȳ)(ŷ - ŷ̄) / √(SStot·…) both divide by 0.
    # scikit-learn's r2_score says 1 (exact fit) or 0 by default; with force_finite=False it gives nan or -inf.
    # bpnn shows both R² and R as undefined (nan, a dash in tables) with one note, rather than an R² of 0 that reads
    # as "as good as the mean" beside any error.
    y = np.full(4, 2.0)
    for y_hat in (y, y + [0, 1, 0, 0]):
        result = regression_metrics(y, y_hat)
        with np.errstate(divide="ignore", invalid="ignore"):  # scikit-learn's own 0/0 and 1/0
            assert not np.isfinite(skm.r2_score(y, y_hat, force_finite=False))
        assert np.isnan(result["r2"]) and np.isnan(result["r"]) and result["constant_target"] is True
    assert regression_metrics(y, y + [0, 1, 0, 0])["mse"] == 0.25  # the error is still measured: 1²/4
    # one of two targets constant: only its R² and R are undefined, the other's match scikit-learn
    two = np.c_[y, [1.0, 2.0, 3.0, 5.0]]
    fitted = two + [[0.5, 0.1], [0.0, -0.2], [0.0, 0.3], [0.0, 0.0]]
    result = regression_metrics(two, fitted)
    assert np.isnan(result["r2"][0]) and np.isnan(result["r"][0]) and result["constant_target"] == [True, False]
    assert result["r2"][1] == pytest.approx(skm.r2_score(two[:, 1], fitted[:, 1]), rel=8 * EPS)
    header, rows = table({"All": result}, {"All": 4}, ["flat", "y"])
    assert rows[0][header.index("R²")] is None and rows[0][header.index("R")] is None  # printed as a dash
    assert rows[1][header.index("R²")] == result["r2"][1]
    assert metric_notes({"All": result}, ["flat", "y"]) == [
        "R² and R of flat, All: undefined (shown as –), the target is the same in every row and both divide by its "
        "spread; MSE, RMSE and MAE measure the error"]


def test_regression_metrics_hand_worked():
    # y = (1, 2, 3), ŷ = (2, 2, 2): errors (-1, 0, 1); MSE = 2/3, MAE = 2/3, MAPE = 100·(1 + 0 + 1/3)/3 = 44.4 %
    # ȳ = 2, SStot = 2, SSres = 2, R² = 0; ŷ is constant, so R is undefined (nan)
    result = regression_metrics([1.0, 2.0, 3.0], [2.0, 2.0, 2.0])
    # sums of 3 small exact numbers, then a division: a few ulp
    assert result["mse"] == pytest.approx(2 / 3, rel=4 * EPS) and result["mae"] == pytest.approx(2 / 3, rel=4 * EPS)
    assert result["mape_percent"] == pytest.approx(400 / 9, rel=8 * EPS) and result["r2"] == 0.0 and np.isnan(result["r"])
