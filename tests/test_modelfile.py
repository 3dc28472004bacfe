"""The model file: round trips, checksums, versions, atomic writes."""

import hashlib
import json
import os
import pickle

import numpy as np
import pytest

from bpnn.core import Network
from bpnn.files import modelfile
from bpnn.files.modelfile import (
    ALIGN,
    DIGEST_SIZE,
    FORMAT_VERSION,
    KINDS,
    LENGTH,
    SIGNATURE,
    ModelFileError,
    atomic_write,
    decode,
    encode,
    load,
    network_state,
    read,
    save,
)


def small_network(dtype="float64") -> Network:
    return Network([3, 5, 2], ["tanh"], "softmax", dtype=dtype, random_state=0)


def with_header(data: bytes, change) -> bytes:
    """The file ``data`` with its JSON header changed by ``change(header)`` and a valid checksum again."""
    return modelfile.with_header(data, change)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_network_round_trip_predicts_bit_identically(tmp_path, dtype):
    network = small_network(dtype)
    X = np.random.default_rng(1).normal(size=(20, 3))
    path = save(network, tmp_path / "net.bpnn", info={"features": ["a", "b", "c"], "auc": float("nan")})
    loaded = load(path)
    assert isinstance(loaded, Network) and loaded.dtype == np.dtype(dtype)
    assert loaded.layer_sizes == [3, 5, 2] and [g.name for g in loaded.activations] == ["tanh", "softmax"]
    np.testing.assert_array_equal(loaded.predict(X), network.predict(X))
    contents = read(path)
    assert contents.kind == "Network" and contents.header["format_version"] == FORMAT_VERSION
    assert contents.info == {"features": ["a", "b", "c"], "auc": None}  # nan is stored as JSON null


def test_a_model_file_is_a_safetensors_file_with_aligned_arrays_and_readable_json(tmp_path):
    from safetensors.numpy import load_file

    data = (save(small_network(), tmp_path / "net.bpnn", info={"note": "测试"})).read_bytes()
    (length,) = LENGTH.unpack_from(data)
    table = json.loads(data[LENGTH.size:LENGTH.size + length])
    assert (LENGTH.size + length) % ALIGN == 0  # the array data starts aligned
    assert table["params"] == {"dtype": "F64", "shape": [32], "data_offsets": [0, 256]}  # 3·5 + 5 + 5·2 + 2 = 32
    assert table["__checksum__"] == {"dtype": "U8", "shape": [DIGEST_SIZE], "data_offsets": [256, 256 + DIGEST_SIZE]}
    header = json.loads(table["__metadata__"]["bpnn"])
    assert header["format_version"] == FORMAT_VERSION == 2 and header["kind"] == "Network" and header["info"]["note"] == "测试"
    tensors = load_file(tmp_path / "net.bpnn")  # another reader: the safetensors package
    np.testing.assert_array_equal(tensors["params"], small_network().params)
    assert tensors["__checksum__"].tobytes() == data[-DIGEST_SIZE:] == hashlib.sha256(data[:-DIGEST_SIZE]).digest()


def test_format_1_files_still_read_and_round_trip_their_headers():
    data = encode_format_1("Network", *network_state(small_network()))
    assert data.startswith(SIGNATURE)
    contents = decode(data, "old.bpnn")
    assert contents.header["format_version"] == 1
    np.testing.assert_array_equal(contents.build().params, small_network().params)
    edited = decode(with_header(data, lambda h: h["meta"].update(activations=["relu"])), "old.bpnn")
    assert edited.header["format_version"] == 1 and edited.meta["activations"] == ["relu"]


def encode_format_1(kind: str, meta: dict, arrays: dict, info: dict | None = None) -> bytes:
    """A format-1 file as bpnn wrote it before format 2 (signature, JSON header, arrays at multiples of ALIGN)."""
    table, blobs, offset = {}, [], 0
    for name, array in arrays.items():
        padding = -offset % ALIGN
        blobs.append(b"\0" * padding + array.tobytes())
        offset += padding
        table[name] = {"dtype": array.dtype.str, "shape": list(array.shape), "offset": offset, "nbytes": array.nbytes}
        offset += array.nbytes
    header = {"format": "bpnn-model", "format_version": 1, "bpnn_version": "0.1.0", "created": "2026-01-01T00:00:00+00:00",
              "kind": kind, "meta": meta, "info": info or {}, "arrays": table}
    text = json.dumps(header).encode()
    start = len(SIGNATURE) + LENGTH.size + len(text)
    body = SIGNATURE + LENGTH.pack(len(text)) + text + b" " * (-start % ALIGN) + b"".join(blobs)
    return body + hashlib.sha256(body).digest()


def test_every_single_byte_change_and_every_truncation_is_rejected():
    data = encode("Network", *network_state(small_network()), info={"note": "测试"})
    for position in range(len(data)):
        changed = bytearray(data)
        changed[position] ^= 0x01
        with pytest.raises(ModelFileError):
            decode(bytes(changed))
    for length in range(len(data)):
        with pytest.raises(ModelFileError):
            decode(data[:length])


@pytest.mark.parametrize(("data", "message"), [
    (b"", "m.bpnn is not a bpnn model file \\(it is empty\\); give a file saved by bpnn train or bpnn.save"),
    (b"x,y\n1,2\n", "is not a bpnn model file \\(it lacks the bpnn signature\\)"),
    (pickle.dumps({"weights": [1, 2]}), "is not a bpnn model file \\(it is a Python pickle, which bpnn never loads "
                                        "because unpickling can run any code\\)"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 30, "is not a bpnn model file \\(it is a PNG image\\)"),
    (b"PK\x03\x04" + b"\0" * 30, "is not a bpnn model file \\(it is a zip archive\\)"),
    (SIGNATURE + b"\0" * 10, "is truncated"),
])
def test_foreign_and_truncated_files_get_clear_errors(data, message):
    with pytest.raises(ModelFileError, match=message):
        decode(data, "m.bpnn")


def test_newer_format_version_is_refused_with_the_versions_named():
    data = with_header(encode("Network", *network_state(small_network())),
                       lambda h: h.update(format_version=FORMAT_VERSION + 1, bpnn_version="9.0"))
    with pytest.raises(ModelFileError, match=f"format version {FORMAT_VERSION + 1} \\(written by bpnn 9.0\\); this "
                                             f"bpnn .* reads versions up to {FORMAT_VERSION}; upgrade bpnn"):
        decode(data, "m.bpnn")


def test_the_header_cannot_name_a_class_to_import_or_a_non_numeric_array():
    data = encode("Network", *network_state(small_network()))
    with pytest.raises(ModelFileError, match=f"unknown kind 'os:system'; this bpnn loads {', '.join(KINDS)}"):
        decode(with_header(data, lambda h: h.update(kind="os:system")), "m.bpnn")
    with pytest.raises(ModelFileError, match="array 'params' is described wrongly"):
        decode(with_header(data, lambda h: h["arrays"]["params"].update(dtype="|O")), "m.bpnn")
    with pytest.raises(ModelFileError, match="array 'params' is described wrongly"):
        decode(with_header(data, lambda h: h["arrays"]["params"].update(offset=10**6)), "m.bpnn")


def test_saving_refuses_object_arrays_and_unknown_models(tmp_path):
    with pytest.raises(TypeError, match="array 'labels' has dtype object; model files hold numeric arrays only"):
        encode("Network", {}, {"labels": np.array(["a", None], dtype=object)})
    with pytest.raises(TypeError, match=f"cannot save a dict; bpnn saves {', '.join(KINDS)}"):
        save({}, tmp_path / "x.bpnn")
    assert not list(tmp_path.iterdir())


def test_load_errors_name_the_path(tmp_path):
    with pytest.raises(ModelFileError, match="nosuch.bpnn: no such model file"):
        load(tmp_path / "nosuch.bpnn")
    with pytest.raises(ModelFileError, match="is a folder, not a model file"):
        load(tmp_path)


def test_atomic_write_keeps_the_old_file_when_the_rename_fails(tmp_path, monkeypatch):
    path = atomic_write(tmp_path / "m.bpnn", b"old")

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(path, b"new")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["m.bpnn"]  # no temporary file left behind


@pytest.mark.filterwarnings("ignore:.*maximum iterations")
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_estimators_save_and_load_bit_identically(tmp_path, kind):
    import bpnn
    from bpnn.estimators import BPClassifier, BPRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    if kind == "classifier":
        estimator = BPClassifier((8,), "tanh", max_iter=30, random_state=0)
        estimator.fit(X, np.array(["a", "b", "c"])[X[:, 0].argsort() % 3])
    else:
        estimator = BPRegressor(hidden_layer_sizes=(8,), activation="tanh", max_iter=30, random_state=0)
        estimator.fit(X, X @ [1.0, 2.0, 3.0, 4.0])
    path = bpnn.save(estimator, tmp_path / "model.bpnn")
    loaded = bpnn.load(path)
    assert type(loaded) is type(estimator) and read(path).kind == type(estimator).__name__
    X_new = rng.normal(size=(25, 4))
    np.testing.assert_array_equal(loaded.predict(X_new), estimator.predict(X_new))
    if kind == "classifier":
        np.testing.assert_array_equal(loaded.predict_proba(X_new), estimator.predict_proba(X_new))
    assert loaded.loss_curve_ == estimator.loss_curve_


def test_a_truncated_file_says_how_much_of_it_is_there():
    data = encode("Network", *network_state(small_network()))
    with pytest.raises(ModelFileError, match=f"m.bpnn is truncated: it holds {len(data) - 100} of the {len(data)} bytes "
                                             f"its header describes; copy it again"):
        decode(data[:-100], "m.bpnn")
    with pytest.raises(ModelFileError, match="m.bpnn fails its checksum: it is truncated, corrupted or was edited"):
        decode(data[:100], "m.bpnn")  # cut inside the header: the size it describes is unknown


def test_a_pickle_is_refused_without_being_unpickled(tmp_path, monkeypatch):
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):  # unpickling would call open(marker, "w"), creating the marker file
            return open, (str(marker), "w")

    path = tmp_path / "evil.bpnn"
    path.write_bytes(pickle.dumps(Payload()))

    def refuse(*args, **kwargs):
        raise AssertionError("bpnn unpickled a file")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    with pytest.raises(ModelFileError, match="it is a Python pickle, which bpnn never loads"):
        load(path)
    assert not marker.exists()


@pytest.mark.parametrize(("change", "message"), [
    (lambda h: h["arrays"]["params"].update(shape=[31], nbytes=248),
     "m.bpnn: layers \\[3, 5, 2\\] need 32 float parameters but the file holds float64 \\[31\\]"),
    (lambda h: h["meta"].update(layer_sizes=[3, 10**9, 2]), "layers \\[3, 1000000000, 2\\] need 6000000002 float "
                                                            "parameters"),  # (3 + 1)·10⁹ + (10⁹ + 1)·2, refused unallocated
    (lambda h: h["meta"].update(layer_sizes=[3, "5", 2]), "the layer sizes \\[3, '5', 2\\] are not a list of at least "
                                                          "two positive integers"),
    (lambda h: h["meta"].update(activations=["swish"]), "m.bpnn passes its checksum but its contents are inconsistent "
                                                        "\\(ValueError: unknown activation 'swish'"),
    (lambda h: h["meta"].pop("dtype"), "inconsistent \\(KeyError: 'dtype'\\)"),
])
def test_consistent_checksum_but_inconsistent_contents_are_refused_on_building(change, message):
    contents = decode(with_header(encode("Network", *network_state(small_network())), change), "m.bpnn")
    with pytest.raises(ModelFileError, match=message):
        contents.build()


@pytest.mark.parametrize(("change", "message"), [
    (lambda h: h.update(format_version=0), "claims model-file format version 0, which no bpnn writes"),
    (lambda h: h.update(meta=[1, 2]), "has an unreadable header"),
    (lambda h: h.update(kind=["Network"]), "holds a model of unknown kind \\['Network'\\]"),
    (lambda h: h["arrays"]["params"].update(shape=[-1, -32]), "array 'params' is described wrongly"),
])
def test_impossible_headers_are_refused_on_reading(change, message):
    with pytest.raises(ModelFileError, match=message):
        decode(with_header(encode("Network", *network_state(small_network())), change), "m.bpnn")


def test_a_deeply_nested_header_is_refused_not_a_recursion_error():
    text = b"[" * 100_000 + b"]" * 100_000
    body = SIGNATURE + LENGTH.pack(len(text)) + text
    with pytest.raises(ModelFileError, match="has an unreadable header"):
        decode(body + hashlib.sha256(body).digest(), "m.bpnn")


def test_checked_turns_reading_errors_into_model_file_errors():
    contents = decode(encode("Network", *network_state(small_network()), info={"features": 3}), "m.bpnn")
    with pytest.raises(ModelFileError, match="m.bpnn passes its checksum but its contents are inconsistent \\(TypeError"):
        with contents.checked():
            contents.info["features"]["columns"]
