"""Inputs outside the training range (issue 14): ``bpnn evaluate`` warns as ``bpnn predict`` does (one line per column,
exit 0), and in Python a fitted BPRegressor/BPClassifier gives one ``bpnn.ExtrapolationWarning`` naming the features,
the farthest value and the range, without disturbing scikit-learn (pipelines, cross-validation) or old model files.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bpnn
from bpnn import BPClassifier, BPRegressor
from bpnn.cli import main

pytestmark = pytest.mark.usefixtures("one_blas_thread")
OLD = Path(__file__).parent / "data" / "before-restructure"
N = 40


def extrapolation(call) -> list[warnings.WarningMessage]:
    """The ExtrapolationWarnings that ``call()`` gave (every one, not only the first of each place)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [w for w in caught if issubclass(w.category, bpnn.ExtrapolationWarning)]


def table(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.uniform(0, 10, N).round(4), rng.uniform(-5, 5, N).round(4)
    return pd.DataFrame({"x1": x1, "x2": x2, "y": (np.sin(x1 / 3) + 0.1 * x2).round(4)})


# ---- bpnn evaluate ---------------------------------------------------------------------------------------------
def test_evaluate_warns_once_per_column_outside_the_training_range_and_still_scores(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    data = table()
    data.to_csv("train.csv", index=False)
    assert main(["train", "train.csv", "--target", "y", "--epochs", "20", "--quiet", "--out", "m.bpnn"]) == 0
    new = pd.DataFrame({"x1": [1.0, 50.0, 2.0, -3.0, 4.0, 12.5], "x2": [0.0, 0.0, 9.5, 0.0, 0.0, 0.0],
                        "y": [0.3, 0.1, 0.2, 0.4, 0.9, 0.5]})
    new.to_csv("new.csv", index=False)  # spreadsheet rows 3, 5 and 7 beyond x1's range, row 4 beyond x2's
    capsys.readouterr()
    assert main(["evaluate", "m.bpnn", "new.csv"]) == 0  # a warning, not a refusal
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.startswith("bpnn: warning:")]
    assert len(lines) == 2 and len(err.splitlines()) == 2
    low, high = data["x1"].min(), data["x1"].max()  # the training file's column, read independently
    assert f"new.csv: column 'x1' holds 3 value(s) outside the training range {low:.6g} to {high:.6g} " \
           f"(row 3: 50, row 5: -3, row 7: 12.5)" in lines[0]
    assert f"column 'x2' holds 1 value(s) outside the training range {data['x2'].min():.6g} to " \
           f"{data['x2'].max():.6g} (row 4: 9.5)" in lines[1]
    assert "R" in out and "6" in out  # the metrics of all six rows are still printed
    new.iloc[[0, 4]].to_csv("inside.csv", index=False)  # rows inside the range: no warning
    assert main(["evaluate", "m.bpnn", "inside.csv"]) == 0
    assert "warning" not in capsys.readouterr().err


def test_evaluate_of_a_model_saved_before_ranges_were_kept_gives_no_warning(tmp_path, capsys):
    frame = pd.read_csv(OLD / "table.csv")
    numeric = frame.select_dtypes("number").columns
    frame[numeric[0]] = frame[numeric[0]] * 1e6  # far outside anything
    frame.to_csv(tmp_path / "far.csv", index=False)
    code = main(["evaluate", str(OLD / "table.bpnn"), str(tmp_path / "far.csv")])
    assert code == 0, capsys.readouterr().err
    assert "warning" not in capsys.readouterr().err


# ---- Python: ExtrapolationWarning ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def regressor():
    rng = np.random.default_rng(1)
    X = rng.uniform(0, 1, (60, 3))
    return BPRegressor(hidden_layer_sizes=(4,), max_iter=30, early_stopping=False, random_state=0).fit(
        X, X.sum(axis=1)), X


def test_the_range_is_each_features_min_and_max_of_the_fit_data(regressor):
    model, X = regressor
    np.testing.assert_array_equal(model.feature_range_, [X.min(axis=0), X.max(axis=0)])


def test_predict_inside_the_range_bounds_included_gives_no_warning(regressor):
    model, X = regressor
    bounds = np.vstack([X, X.min(axis=0), X.max(axis=0)])
    assert extrapolation(lambda: model.predict(bounds)) == []


def test_predict_outside_names_each_feature_its_farthest_value_and_the_range(regressor):
    model, X = regressor
    Z = X[:5].copy()
    Z[1, 2], Z[3, 2], Z[4, 0] = 7.0, -2.5, 1.25  # feature 2: two rows, 7 the farthest; feature 0: one row
    caught = extrapolation(lambda: model.predict(Z))
    assert len(caught) == 1 and caught[0].filename == __file__  # points at the caller, not inside bpnn
    low, high = X.min(axis=0), X.max(axis=0)
    assert str(caught[0].message) == (
        f"X has values outside the training range in 2 of 3 feature(s): feature 0: 1 row(s), farthest X[4, 0] = 1.25, "
        f"training range {low[0]:.6g} to {high[0]:.6g}; feature 2: 2 row(s), farthest X[1, 2] = 7, training range "
        f"{low[2]:.6g} to {high[2]:.6g}. The network extrapolates there; treat those predictions with care")
    with warnings.catch_warnings():
        warnings.simplefilter("error", bpnn.ExtrapolationWarning)  # the user's filter is obeyed
        with pytest.raises(bpnn.ExtrapolationWarning):
            model.predict(Z)
    assert issubclass(bpnn.ExtrapolationWarning, UserWarning)


def test_feature_names_are_named_and_a_classifier_and_an_ensemble_warn_once_per_call():
    data = table()
    X, y = data[["x1", "x2"]], np.where(data["y"] > data["y"].median(), "high", "low")
    far = pd.DataFrame({"x1": [5.0, 40.0], "x2": [0.0, 0.0]})
    for model in (BPClassifier(hidden_layer_sizes=(3,), max_iter=20, random_state=0),
                  BPClassifier(hidden_layer_sizes=(3,), max_iter=20, random_state=0, n_init=3, ensemble=True)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning of the short fit
            model.fit(X, y)
        for method in (model.predict, model.predict_proba, model.predict_log_proba):
            caught = extrapolation(lambda method=method: method(far))
            assert len(caught) == 1, (model, method)
            assert "feature 0 ('x1'): 1 row(s), farthest X[1, 0] = 40" in str(caught[0].message)


def test_partial_fit_and_warm_start_widen_the_range_to_every_batch():
    rng = np.random.default_rng(2)
    first, second = rng.uniform(0, 1, (30, 2)), rng.uniform(2, 3, (30, 2))
    model = BPRegressor(hidden_layer_sizes=(3,), solver="sgd", random_state=0)
    model.partial_fit(first, first.sum(axis=1))
    model.partial_fit(second, second.sum(axis=1))
    both = np.vstack([first, second])
    np.testing.assert_array_equal(model.feature_range_, [both.min(axis=0), both.max(axis=0)])
    assert extrapolation(lambda: model.predict([[1.5, 1.5]])) == []  # between the batches: inside the union
    fresh = BPRegressor(hidden_layer_sizes=(3,), max_iter=5, early_stopping=False, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fresh.fit(second, second.sum(axis=1))  # a new fit forgets the earlier range
    np.testing.assert_array_equal(fresh.feature_range_, [second.min(axis=0), second.max(axis=0)])


def test_the_range_survives_a_model_file_and_old_files_load_without_one(regressor, tmp_path):
    model, X = regressor
    bpnn.save(model, tmp_path / "r.bpnn")
    loaded = bpnn.load(tmp_path / "r.bpnn")
    np.testing.assert_array_equal(loaded.feature_range_, model.feature_range_)
    assert len(extrapolation(lambda: loaded.predict(X[:2] + 5))) == 1
    old = bpnn.load(OLD / "regressor.bpnn")  # saved before feature_range_ existed
    assert old.feature_range_ is None
    assert extrapolation(lambda: old.predict(np.load(OLD / "classifier_X.npy") * 1e6)) == []


def test_pipelines_and_cross_validation_run_and_miv_importance_stays_quiet(regressor):
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    _, X = regressor
    y = X.sum(axis=1)
    pipe = make_pipeline(StandardScaler(), BPRegressor(hidden_layer_sizes=(3,), max_iter=10, early_stopping=False,
                                                       random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = cross_val_score(pipe, X, y, cv=3)
        pipe.fit(X, y)
    assert np.isfinite(scores).all()
    assert len(extrapolation(lambda: pipe.predict(X[:3] * 10))) == 1  # the range of the scaled inputs
    model, _ = regressor
    at_the_ends = np.vstack([X.min(axis=0), X.max(axis=0)])  # x·(1±δ) steps past both ends by design
    assert extrapolation(lambda: bpnn.importance(model, at_the_ends, method="miv")) == []


def test_the_command_line_never_shows_the_python_warning(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    table().to_csv("train.csv", index=False)
    assert main(["train", "train.csv", "--target", "y", "--epochs", "20", "--quiet", "--out", "m.bpnn"]) == 0
    far = table(1)
    far["x1"] *= 10
    far.to_csv("far.csv", index=False)
    capsys.readouterr()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["importance", "m.bpnn", "far.csv", "--method", "permutation", "--repeats", "2", "--quiet"]) == 0
    assert not [w for w in caught if issubclass(w.category, bpnn.ExtrapolationWarning)]
    assert "ExtrapolationWarning" not in capsys.readouterr().err


def test_a_dask_estimator_keeps_no_range_rather_than_its_first_rows():
    da = pytest.importorskip("dask.array", reason="bpnn.distributed needs Dask (bpnn[dask])")
    import dask

    from bpnn.distributed import DaskBPRegressor

    rng = np.random.default_rng(3)
    X = rng.uniform(0, 1, (200, 2))
    with dask.config.set(scheduler="synchronous"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning of the short fit
        model = DaskBPRegressor(hidden_layer_sizes=(3,), solver="lbfgs", max_iter=5, random_state=0).fit(
            da.from_array(X, chunks=50), X.sum(axis=1))
        # its start saw 5 rows; their range would call most of the training data extrapolation
        assert model.feature_range_ is None
        assert extrapolation(lambda: model.predict(X)) == []
