"""Commands that use a saved model answer at once: ``bpnn info``, ``predict``, ``evaluate``, ``export`` and ``forecast``
load and run a model without importing scikit-learn, SciPy, matplotlib or Dask (the light view of
:mod:`bpnn.files.fitted`), and ``bpnn train`` imports matplotlib only when figures are asked for.

Each command runs in a fresh Python process that prints the top-level packages in ``sys.modules`` after
``bpnn.cli.main`` returns. The light view must predict exactly as the estimator does: every kind of model (binary
with text labels, multiclass, multilabel, float32, regression with one and several outputs, Poisson, n_init, ensembles
of classifiers and regressors, NAR/NARX forecasts) is saved, then its predictions through the estimator that
``bpnn.load`` builds and through the light view are compared bit for bit.
"""

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bpnn
from bpnn import BPClassifier, BPRegressor, NARXRegressor
from bpnn.files.fitted import FittedModel, FittedSeries, fitted_of
from bpnn.files.modelfile import read

pytestmark = pytest.mark.usefixtures("one_blas_thread")

HEAVY = {"sklearn", "scipy", "matplotlib", "dask", "distributed"}
PROBE = """
import sys
from bpnn.cli import main
code = main(sys.argv[1:])
print("LOADED " + " ".join(sorted({name.split(".")[0] for name in sys.modules})), file=sys.stderr)
sys.exit(code)
"""


def loaded_by(argv: list, folder) -> set:
    """The top-level packages a fresh process holds after running ``bpnn ARGV`` in ``folder``."""
    done = subprocess.run([sys.executable, "-c", PROBE, *map(str, argv)], cwd=folder, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    line = [text for text in done.stderr.splitlines() if text.startswith("LOADED ")][-1]
    return set(line.split()[1:])


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A classification table with a text column, a model trained on it, a 20-row file to score, and a NARX
    series with its model (a two-member ensemble) and exogenous values for 5 future steps."""
    from bpnn.cli import main

    folder = tmp_path_factory.mktemp("commands")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 3))
    colour = rng.choice(["red", "green"], 120)
    y = np.where(X[:, 0] + X[:, 1] + (colour == "red") > 0.5, "yes", "no")
    table = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "c": X[:, 2], "colour": colour, "y": y})
    table.to_csv(folder / "train.csv", index=False)
    table.drop(columns="y").iloc[:20].to_csv(folder / "small.csv", index=False)
    table.iloc[:20].to_csv(folder / "labelled.csv", index=False)
    assert main(["train", str(folder / "train.csv"), "--target", "y", "--hidden", "4", "--epochs", "20", "--quiet",
                 "--out", str(folder / "model.bpnn")]) == 0
    t = np.arange(80)
    x = np.sin(t / 4.0)
    load = np.r_[0.0, 0.0, 0.6 * x[1:-1] + 0.3 * x[:-2]]
    series = pd.DataFrame({"x": np.r_[x, np.cos(np.arange(5))], "load": np.r_[load, [np.nan] * 5]})
    series.to_csv(folder / "series.csv", index=False)
    assert main(["train", str(folder / "series.csv"), "--target", "load", "--delays", "2", "--exog", "x",
                 "--exog-delays", "0:1", "--hidden", "3", "--epochs", "10", "--restarts", "2", "--ensemble", "--quiet",
                 "--out", str(folder / "series.bpnn")]) == 0
    return folder


COMMANDS = {
    "info": ["info", "model.bpnn"],
    "predict": ["predict", "model.bpnn", "small.csv"],
    "evaluate": ["evaluate", "model.bpnn", "labelled.csv"],
    "export": ["export", "model.bpnn", "--to", "python", "exported.py"],
    "export to C": ["export", "model.bpnn", "--to", "c", "exported.c"],
    "forecast": ["forecast", "series.bpnn", "series.csv", "--steps", "5"],
    "info of a series model": ["info", "series.bpnn"],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_commands_on_a_saved_model_import_no_heavy_library(files, command):
    loaded = loaded_by(COMMANDS[command], files)
    assert not loaded & HEAVY, f"bpnn {command} imported {sorted(loaded & HEAVY)}"
    if command.startswith("info"):  # nothing to read or write as a table: not even pandas
        assert "pandas" not in loaded


def test_train_imports_matplotlib_only_for_figures(files):
    plain = loaded_by(["train", "train.csv", "--target", "y", "--hidden", "2", "--epochs", "2", "--quiet", "--out",
                       "plain.bpnn"], files)
    assert "sklearn" in plain  # the probe sees what a command imports: training builds the estimator
    assert not plain & {"matplotlib", "dask", "distributed"}
    plotted = loaded_by(["train", "train.csv", "--target", "y", "--hidden", "2", "--epochs", "2", "--quiet", "--out",
                         "plotted.bpnn", "--plots", "figures"], files)
    assert "matplotlib" in plotted
    assert not plotted & {"dask", "distributed"}


# ---- the light view predicts bit for bit as the estimator ---------------------------------------------------
def data(kind: str) -> tuple:
    rng = np.random.default_rng(1)
    X = rng.standard_normal((60, 4)) * [1.0, 10.0, 0.1, 3.0] + [0.0, 5.0, 0.0, -2.0]
    score = X[:, 0] + X[:, 1] / 10 - X[:, 3] / 3
    if kind == "binary":
        return X, np.where(score > 0, "yes", "no")  # text labels travel in the file's JSON
    if kind == "multiclass":
        return X, np.digitize(score, [-1.0, 0.5])  # classes 0, 1, 2
    if kind == "multilabel":
        return X, np.column_stack([score > 0, X[:, 2] > 0]).astype(int)
    if kind == "outputs":
        return X, np.column_stack([score, X[:, 0] * X[:, 2] * 100])
    if kind == "counts":
        return X, rng.poisson(np.exp(0.3 * X[:, 0]))
    return X, score


SMALL = {"hidden_layer_sizes": (5,), "max_iter": 15, "random_state": 0}
MODELS = {  # name -> (estimator, data kind, X dtype)
    "binary, text labels, mapminmax": (BPClassifier(**SMALL, scaling="mapminmax"), "binary", np.float64),
    "multiclass, standard scaling, lbfgs": (BPClassifier(**SMALL, scaling="standard", solver="lbfgs"), "multiclass",
                                            np.float64),
    "multilabel": (BPClassifier(**SMALL), "multilabel", np.float64),
    "float32": (BPClassifier(**SMALL, scaling="mapminmax", dtype=np.float32), "binary", np.float32),
    "classifier ensemble": (BPClassifier(**SMALL, n_init=3, ensemble=True), "multiclass", np.float64),
    "classifier n_init": (BPClassifier(**SMALL, n_init=2, scaling="mapminmax"), "binary", np.float64),
    "regressor, one output": (BPRegressor(**SMALL), "one", np.float64),
    "regressor, two outputs, mapminmax": (BPRegressor(**SMALL, scaling="mapminmax"), "outputs", np.float64),
    "regressor, standard, lm": (BPRegressor(**SMALL, scaling="standard", solver="lm"), "outputs", np.float64),
    "poisson": (BPRegressor(**SMALL, loss="poisson"), "counts", np.float64),
    "regressor ensemble": (BPRegressor(**SMALL, scaling="mapminmax", n_init=3, ensemble=True), "outputs", np.float64),
}


@pytest.mark.parametrize("name", MODELS)
def test_the_light_view_predicts_bit_for_bit_as_the_estimator(tmp_path, name):
    estimator, kind, dtype = MODELS[name]
    X, y = data(kind)
    X = X.astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 15 epochs do not converge
        estimator.fit(X, y)
    path = tmp_path / "model.bpnn"
    bpnn.save(estimator, path)
    loaded, light = bpnn.load(path), fitted_of(read(path))
    assert isinstance(light, FittedModel)
    X_new = (np.random.default_rng(2).standard_normal((25, 4)) * 3).astype(dtype)  # beyond the training range too
    expected = loaded.predict(X_new)
    np.testing.assert_array_equal(estimator.predict(X_new), expected)  # the file keeps the model
    got = light.predict(X_new)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)
    if isinstance(estimator, BPClassifier):
        np.testing.assert_array_equal(light.classes_, loaded.classes_)
        proba = light.predict_proba(X_new)
        assert proba.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(proba, loaded.predict_proba(X_new))
    elif estimator.ensemble:
        for got_part, expected_part in zip(light.predict(X_new, return_std=True), loaded.predict(X_new, return_std=True)):
            np.testing.assert_array_equal(got_part, expected_part)
    assert light.n_outputs_ == loaded.n_outputs_
    assert len(light.estimators_) == len(getattr(loaded, "estimators_", None) or [])


@pytest.mark.parametrize("exogenous", [False, True], ids=["NAR", "NARX ensemble"])
def test_the_light_view_forecasts_bit_for_bit_as_the_estimator(tmp_path, exogenous):
    t = np.arange(90)
    x = np.sin(t / 5.0) + 0.1 * np.cos(t)
    y = np.r_[0.0, 0.0, 0.5 * x[1:-1] - 0.2 * x[:-2]] + 0.05 * np.sin(t / 2.0)
    params = {"hidden_layer_sizes": (3,), "max_iter": 10, "random_state": 0}
    model = NARXRegressor(delays=[1, 3], exog_delays=[0, 2], n_init=2, ensemble=True, **params) if exogenous \
        else NARXRegressor(delays=2, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(y[:80], x[:80, None] if exogenous else None)
    path = tmp_path / "series.bpnn"
    bpnn.save(model, path)
    loaded, light = bpnn.load(path), fitted_of(read(path))
    assert isinstance(light, FittedSeries)
    assert (light.lags_, light.target_names_, light.exog_names_) == (loaded.lags_, loaded.target_names_,
                                                                      loaded.exog_names_)
    history = {"X": x[:85, None]} if exogenous else {}
    future = x[85:90, None] if exogenous else None
    expected = loaded.forecast(5, y[:85], future, **history, return_std=exogenous)
    got = light.forecast(5, y[:85], future, **history, return_std=exogenous)
    for got_part, expected_part in zip(*((got, expected) if exogenous else ((got,), (expected,)))):
        assert got_part.shape == expected_part.shape == (5,)
        np.testing.assert_array_equal(got_part, expected_part)
    np.testing.assert_array_equal(light.y_history_, loaded.y_history_)


def test_predict_with_imputation_writes_the_estimators_probabilities(files, tmp_path):
    from bpnn.cli import main
    from bpnn.cli.fitted import Fitted
    from bpnn.tables import read_table

    frame = pd.read_csv(files / "small.csv")
    frame.loc[[2, 7], "a"] = np.nan
    frame.loc[4, "colour"] = np.nan
    frame.to_csv(tmp_path / "gaps.csv", index=False)
    out = tmp_path / "out.parquet"  # binary floats: the comparison below is exact
    assert main(["predict", str(files / "model.bpnn"), str(tmp_path / "gaps.csv"), "--impute", "median", "-o",
                 str(out)]) == 0
    written = pd.read_parquet(out)
    reference = Fitted.from_file(files / "model.bpnn", estimator=True)
    assert isinstance(reference.estimator, BPClassifier)
    X = reference.encoder.transform(reference.encoder.impute(read_table(tmp_path / "gaps.csv"), "median", "gaps.csv"))
    proba = reference.estimator.predict_proba(X)
    for column, label in enumerate(reference.estimator.classes_):
        np.testing.assert_array_equal(written[f"P(y={label})"].to_numpy(), proba[:, column])
    np.testing.assert_array_equal(written["y_predicted"].to_numpy(), reference.estimator.predict(X))


def test_the_light_view_of_files_of_an_earlier_bpnn_predicts_as_the_estimator():
    old = Path(__file__).parent / "data" / "before-restructure"  # format-1 files (tests/test_compat.py)
    X = np.load(old / "classifier_X.npy")
    classifier = fitted_of(read(old / "classifier.bpnn"))
    np.testing.assert_array_equal(classifier.predict_proba(X), bpnn.load(old / "classifier.bpnn").predict_proba(X))
    np.testing.assert_array_equal(classifier.predict(X), bpnn.load(old / "classifier.bpnn").predict(X))
    regressor = fitted_of(read(old / "regressor.bpnn"))
    np.testing.assert_array_equal(regressor.predict(X), bpnn.load(old / "regressor.bpnn").predict(X))
