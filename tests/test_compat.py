"""Model files written by bpnn before its modules moved (tests/data/before-restructure) still load and predict."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bpnn
from bpnn.cli import main

OLD = Path(__file__).parent / "data" / "before-restructure"
# The saved predictions came from this machine's BLAS; another kernel may add the 3- to 5-term products of these small
# networks in another order, a few ulp per layer, far inside 1e-12 relative (the outputs are O(1) and do not cancel).
RTOL = 1e-12


def test_estimator_and_network_files_still_load_and_predict_the_same():
    X = np.load(OLD / "classifier_X.npy")
    proba = bpnn.load(OLD / "classifier.bpnn").predict_proba(X)
    np.testing.assert_allclose(proba, np.load(OLD / "classifier_proba.npy"), rtol=RTOL)
    np.testing.assert_allclose(bpnn.load(OLD / "regressor.bpnn").predict(X), np.load(OLD / "regressor_predict.npy"), rtol=RTOL)
    assert bpnn.load(OLD / "network.bpnn").layer_sizes == [3, 4, 1]


def test_a_model_of_bpnn_train_still_predicts_its_table(tmp_path):
    out = tmp_path / "p.csv"
    assert main(["predict", str(OLD / "table.bpnn"), str(OLD / "table.csv"), "-o", str(out)]) == 0
    before, after = pd.read_csv(OLD / "table_predicted.csv"), pd.read_csv(out)
    pd.testing.assert_frame_equal(after, before, check_exact=False, rtol=RTOL)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_model_file_whose_classes_are_not_labels_is_refused(tmp_path):
    """Found by the header property test: classes edited to hold a list made evaluate fail with an internal error."""
    import json

    from bpnn.files.modelfile import decode, encode

    X = np.load(OLD / "classifier_X.npy")
    labelled = bpnn.BPClassifier(hidden_layer_sizes=(2,), max_iter=2, random_state=0).fit(X, np.where(X[:, 0] > 0, "a", "b"))
    bpnn.save(labelled, tmp_path / "labels.bpnn")
    contents = decode((tmp_path / "labels.bpnn").read_bytes())
    meta = json.loads(json.dumps(contents.meta))
    assert meta["classes"] == ["a", "b"]  # text labels travel in the JSON
    meta["classes"] = [[], "b"]
    bad = tmp_path / "bad.bpnn"
    bad.write_bytes(encode(contents.kind, meta, contents.arrays, contents.info))
    try:
        bpnn.load(bad)
    except Exception as error:  # noqa: BLE001 - the type is what is checked
        assert type(error).__name__ == "ModelFileError" and "not a list of distinct labels" in str(error)
    else:
        raise AssertionError("an edited classes list loaded")
