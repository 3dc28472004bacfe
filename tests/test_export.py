"""The exported Python module predicts like bpnn, within 1e-12, with NumPy only."""

import importlib.util
import subprocess
import sys

import numpy as np
import pytest

from bpnn.core import Network
from bpnn.exporters.python import Predictor, export_python, predictor_of, steps_of
from bpnn.preprocessing import Chain, MapMinMax, RemoveConstant, Standardize
from bpnn.tables import FeatureEncoder


def import_file(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def softmax_rows(A):
    return A / A.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus"])
def test_regression_export_matches_scaled_network(tmp_path, activation):
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(5, 3, 50), np.full(50, 7.0), rng.uniform(-1, 1, 50)])  # a constant column
    Y = rng.normal(100, 20, (50, 2))
    x_scaler = Chain([RemoveConstant(), MapMinMax()]).fit(X)
    y_scaler = Standardize().fit(Y)
    network = Network([2, 6, 4, 2], activation, "identity", random_state=1)
    path = export_python(Predictor(network, None, steps_of(x_scaler.to_dict()), steps_of(y_scaler.to_dict())),
                         tmp_path / "fitted.py")
    module = import_file(path)
    expected = y_scaler.inverse_transform(network.predict(x_scaler.transform(X)))
    np.testing.assert_allclose(module.predict(X), expected, rtol=0, atol=1e-12 * np.abs(expected).max())
    assert "network 2 → 6 → 4 → 2" in path.read_text()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_estimators_export_the_scaling_they_keep(tmp_path):
    from bpnn.estimators import BPClassifier, BPRegressor

    rng = np.random.default_rng(5)
    X = np.column_stack([rng.normal(50, 10, 60), np.full(60, 3.0), rng.uniform(1e3, 2e3, 60)])  # a constant column
    Y = np.column_stack([X[:, 0] * 20 + X[:, 2], np.sin(X[:, 0])])
    regressor = BPRegressor(hidden_layer_sizes=(6,), activation="tanh", solver="lm", max_iter=10, scaling="mapminmax",
                            scaling_range=(-2, 3), random_state=0).fit(X, Y)
    module = import_file(export_python(predictor_of(regressor), tmp_path / "regressor.py"))
    X_new = X + rng.normal(0, 1, X.shape)
    expected = regressor.predict(X_new)
    np.testing.assert_allclose(module.predict(X_new), expected, rtol=0, atol=1e-12 * np.abs(expected).max())
    classifier = BPClassifier(hidden_layer_sizes=(6,), solver="scg", max_iter=10, scaling="standard",
                              random_state=0).fit(X, np.where(X[:, 0] > 50, "big", "small"))
    module = import_file(export_python(predictor_of(classifier), tmp_path / "classifier.py"))
    np.testing.assert_allclose(module.predict_proba(X_new), classifier.predict_proba(X_new), rtol=0, atol=1e-12)
    assert module.predict(X_new).tolist() == classifier.predict(X_new).tolist()


def test_classification_export_with_text_features(tmp_path):
    import pandas as pd

    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"size": rng.normal(size=30), "colour": rng.choice(["red", "blue", "绿"], 30),
                          "weight": rng.uniform(0, 10, 30)})
    encoder = FeatureEncoder.fit(frame, ["size", "colour", "weight"])
    inputs = encoder.transform(frame)
    scaler = MapMinMax().fit(inputs)
    network = Network([5, 4, 3], "tanh", "softmax", random_state=0)
    predictor = Predictor(network, ["a", "b", "c"], steps_of(scaler.to_dict()), [], encoder.columns, "toy.bpnn")
    module = import_file(export_python(predictor, tmp_path / "toy_model.py"))
    expected = network.predict(scaler.transform(inputs))
    for given in (frame, frame.to_numpy(dtype=object).tolist()):  # a DataFrame or plain rows
        np.testing.assert_allclose(module.predict_proba(given), expected, rtol=0, atol=1e-12)
        np.testing.assert_array_equal(module.predict(given), np.array(["a", "b", "c"])[expected.argmax(axis=1)])
    with pytest.raises(ValueError, match="column 'colour' holds 'pink', unseen at training"):
        module.predict([[0.1, "pink", 2.0]])


def test_binary_and_multilabel_outputs(tmp_path):
    X = np.random.default_rng(3).normal(size=(20, 3))
    binary = Network([3, 4, 1], "relu", "sigmoid", random_state=0)
    module = import_file(export_python(Predictor(binary, [0, 1]), tmp_path / "binary.py"))
    p = binary.predict(X)
    np.testing.assert_allclose(module.predict_proba(X), np.hstack([1 - p, p]), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(module.predict(X), (p[:, 0] > 0.5).astype(int))
    multilabel = Network([3, 4, 2], "relu", "sigmoid", random_state=0)
    module = import_file(export_python(Predictor(multilabel, ["x", "y"]), tmp_path / "multi.py"))
    np.testing.assert_array_equal(module.predict(X), (multilabel.predict(X) > 0.5).astype(int))


def test_float32_network_exports_in_float32(tmp_path):
    network = Network([2, 3, 1], "tanh", "identity", dtype="float32", random_state=0)
    X = np.random.default_rng(4).normal(size=(10, 2))
    module = import_file(export_python(Predictor(network), tmp_path / "f32.py"))
    assert module.network_output(X).dtype == np.float32
    np.testing.assert_array_equal(module.network_output(X), network.predict(X))


def test_exported_module_imports_numpy_only(tmp_path):
    export_python(Predictor(Network([2, 3, 2], "tanh", "softmax", random_state=0), ["no", "yes"]), tmp_path / "m.py")
    code = (f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import m; m.predict([[0.5, 1.0]]); "
            "print(sorted({n.split('.')[0] for n in sys.modules} & {'bpnn', 'scipy', 'sklearn', 'pandas', 'matplotlib'}))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"


def test_export_refuses_a_file_name_that_is_not_a_module(tmp_path):
    with pytest.raises(ValueError, match="'my-model.py' is not a Python module name; give a file name such as model.py"):
        export_python(Predictor(Network([1, 1], [], "identity")), tmp_path / "my-model.py")
