"""Model files of format 2 are safetensors files; files of format 1 (tests/data/before-restructure) still load and
predict bit-identically after a round trip through format 2."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bpnn
from bpnn.cli import main
from bpnn.core import Network
from bpnn.files.modelfile import DIGEST_SIZE, FORMAT_VERSION, LENGTH, SIGNATURE, atomic_write, encode, read

OLD = Path(__file__).parent / "data" / "before-restructure"
safetensors_numpy = pytest.importorskip("safetensors.numpy")


def test_a_trained_model_file_opens_with_safetensors(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=60), "colour": rng.choice(["red", "blue"], 60)})
    frame["y"] = np.where(frame["x"] > 0, "up", "down")
    frame.to_csv("t.csv", index=False)
    assert main(["train", "t.csv", "--target", "y", "--epochs", "20", "--quiet", "--out", "m.bpnn"]) == 0
    tensors = safetensors_numpy.load_file("m.bpnn")
    contents = read("m.bpnn")
    assert contents.header["format_version"] == FORMAT_VERSION == 2
    assert set(tensors) == {*contents.arrays, "__checksum__"}
    for name, array in contents.arrays.items():
        np.testing.assert_array_equal(tensors[name], array)
        assert tensors[name].dtype == array.dtype
    data = Path("m.bpnn").read_bytes()
    (length,) = LENGTH.unpack_from(data)
    metadata = json.loads(data[LENGTH.size:LENGTH.size + length])["__metadata__"]
    header = json.loads(metadata["bpnn"])  # bpnn's JSON: architecture, scaling, encoders, training record
    assert header["meta"]["layer_sizes"] == contents.meta["layer_sizes"] and "x_scaling" in header["meta"]
    assert header["info"]["features"]["columns"][1] == {"name": "colour", "categories": ["blue", "red"]}
    assert header["info"]["training"]["epochs"] >= 1
    assert tensors["__checksum__"].tobytes() == data[-DIGEST_SIZE:]


@pytest.mark.parametrize("name", ["classifier", "regressor", "network"])
def test_format_1_files_load_and_predict_bit_identically_after_saving_as_format_2(tmp_path, name):
    old = OLD / f"{name}.bpnn"
    assert old.read_bytes().startswith(SIGNATURE) and read(old).header["format_version"] == 1
    model = bpnn.load(old)
    again = bpnn.load(bpnn.save(model, tmp_path / "new.bpnn"))
    assert read(tmp_path / "new.bpnn").header["format_version"] == 2
    for key, array in read(old).arrays.items():  # every array comes back bit for bit
        np.testing.assert_array_equal(read(tmp_path / "new.bpnn").arrays[key], array, strict=True)
    X = np.load(OLD / "classifier_X.npy")
    if name == "network":
        X = X[:, :3]
    outputs = ("predict_proba", "predict") if name == "classifier" else ("predict",)
    for method in outputs:
        np.testing.assert_array_equal(getattr(again, method)(X), getattr(model, method)(X), strict=True)


def test_a_format_1_table_model_predicts_the_same_csv_bit_identically_after_saving_as_format_2(tmp_path):
    old = OLD / "table.bpnn"
    contents = read(old)
    new = tmp_path / "table.bpnn"
    atomic_write(new, encode(contents.kind, contents.meta, contents.arrays, contents.info))
    for model, out in ((old, tmp_path / "old.csv"), (new, tmp_path / "new.csv")):
        assert main(["predict", str(model), str(OLD / "table.csv"), "-o", str(out)]) == 0
    assert (tmp_path / "old.csv").read_bytes() == (tmp_path / "new.csv").read_bytes()
    assert not new.read_bytes().startswith(SIGNATURE)


def test_the_table_reader_knows_a_format_2_model_file_by_its_start(tmp_path):
    from bpnn.files.modelfile import PREFIX, network_state
    from bpnn.tables import detect_format
    from bpnn.tables.common import MODEL_FILE_2

    assert MODEL_FILE_2 == PREFIX  # the table reader keeps its own copy (it imports nothing of bpnn.files)
    path = tmp_path / "m.bpnn"
    atomic_write(path, encode("Network", *network_state(Network([2, 3, 1], "tanh", "identity", random_state=0))))
    assert detect_format(path) == "bpnn"
