"""Bad input through the command line, one case a row: ``bpnn.cli.main([...])`` on files in ``tmp_path`` exits
2 with one line on standard error that names the problem (column, row, value where they apply), shows no
traceback, and leaves no output file behind (the model of --out, the predictions of -o, the --report page
and the --plots folder).

Rows are counted as a spreadsheet shows them: the header is row 1, the first data row row 2.
"""

import hashlib
import io
import pickle
import zipfile

import numpy as np
import pandas as pd
import pytest

from bpnn.cli import main
from bpnn.core import Network
from bpnn.files.modelfile import DIGEST_SIZE, FORMAT_VERSION, encode, network_state, read
from test_modelfile import with_header

TRAIN_OUTPUTS = {"--out": "out.bpnn", "--report": "report.html", "--plots": "figs"}
PREDICT_OUTPUTS = {"-o": "predicted.csv"}


def flowers(n: int = 30) -> pd.DataFrame:
    """Two numeric features, a text feature and a text class: the table the model is trained on."""
    rng = np.random.default_rng(0)
    species = np.array(["setosa", "versicolor"])[np.arange(n) % 2]
    return pd.DataFrame({"size": np.where(species == "setosa", 1.0, 3.0) + rng.normal(0, 0.3, n),
                         "weight": rng.uniform(1, 2, n).round(3), "colour": rng.choice(["red", "blue"], n),
                         "species": species})


def table(changes: dict | None = None, drop: tuple = (), n: int = 30, **to_csv) -> bytes:
    """The flowers table as CSV bytes with cells changed: ``{(row, column): value}``, rows as a spreadsheet
    counts them."""
    frame = flowers(n).astype(object).drop(columns=list(drop))
    for (row, column), value in (changes or {}).items():
        frame.loc[row - 2, column] = value
    return frame.to_csv(index=False, **to_csv).encode("utf-8")


def workbook() -> bytes:
    buffer = io.BytesIO()
    flowers().to_excel(buffer, index=False)
    return buffer.getvalue()


def archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        zipped.writestr("flowers.csv", table())
    return buffer.getvalue()


def flip(model: bytes) -> bytes:
    changed = bytearray(model)
    changed[len(changed) // 2] ^= 0x10
    return bytes(changed)


def edited(change):
    """A model file with its header changed by ``change(header)`` and its checksum recomputed."""
    return lambda model: with_header(model, change)


def edited_without_checksum(model: bytes) -> bytes:
    assert b"tanh" in model
    return model.replace(b"tanh", b"relu", 1)  # inside the header's JSON string (format 2) or the JSON itself (format 1)


def wrong_checksum(model: bytes) -> bytes:
    body = model[:-DIGEST_SIZE]
    return body + hashlib.sha256(body + b"x").digest()


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
PICKLE = pickle.dumps({"weights": [1.0, 2.0]})
MODEL = "model"  # a file spec: the trained model's bytes

# (id, {file name: bytes, MODEL, or a function of the model's bytes}, argv, words the error line must hold)
CASES = [
    # -- bpnn train: the data file
    ("no such file", {}, ["train", "nosuch.csv", "--target", "species"], ["nosuch.csv", "no such file"]),
    ("a folder", {"sub/x.csv": table()}, ["train", "sub", "--target", "species"], ["sub is a folder"]),
    ("empty file", {"d.csv": b""}, ["train", "d.csv", "--target", "species"], ["d.csv", "empty"]),
    ("blank lines only", {"d.csv": b"\n  \n\n"}, ["train", "d.csv", "--target", "species"], ["holds no text"]),
    ("header only", {"d.csv": b"size,weight,colour,species\n"}, ["train", "d.csv", "--target", "species"],
     ["header but no data rows"]),
    ("missing value", {"d.csv": table({(5, "weight"): None})}, ["train", "d.csv", "--target", "species"],
     ["column 'weight'", "1 missing value", "row 5", "--impute", "--drop-missing"]),
    ("missing target with --impute", {"d.csv": table({(4, "species"): None})},
     ["train", "d.csv", "--target", "species", "--impute", "mean"], ["column 'species'", "row 4", "--drop-missing"]),
    ("infinite value", {"d.csv": table({(7, "size"): "-inf"})}, ["train", "d.csv", "--target", "species"],
     ["column 'size'", "row 7", "-inf", "finite"]),
    ("text in a numeric column", {"d.csv": table({(6, "size"): "big"})}, ["train", "d.csv", "--target", "species"],
     ["column 'size'", "row 6", "'big'"]),
    ("decimal commas and a point", {"d.csv": table({(5, "size"): "2_5"}, sep=";").replace(b".", b",").replace(b"2_5", b"2.5")},
     ["train", "d.csv", "--target", "species"], ["column 'size'", "row 5 '2.5' has a decimal point", "decimal comma"]),
    ("wrong delimiter", {"d.csv": table().replace(b",", b" ")}, ["train", "d.csv", "--target", "species"],
     ["no target column 'species'", "one column", "'size weight colour species'"]),
    ("extra field", {"d.csv": b"\n".join(line + b",9" * (row == 5) for row, line in enumerate(table().split(b"\n"), 1))},
     ["train", "d.csv", "--target", "species"], ["row 5", "5 comma-separated fields", "header has 4"]),
    ("unclosed quote", {"d.csv": table({(3, "colour"): "x"}).replace(b",x,", b',"x,')},
     ["train", "d.csv", "--target", "species"], ["quote opened in row 3", "never closed"]),
    ("zero byte", {"d.csv": table().replace(b"red", b"r\0d", 1)}, ["train", "d.csv", "--target", "species"],
     ["zero byte", "binary"]),
    ("unknown target", {"d.csv": table()}, ["train", "d.csv", "--target", "specis"],
     ["no target column 'specis'", "did you mean 'species'"]),
    ("unknown feature", {"d.csv": table()}, ["train", "d.csv", "--target", "species", "--features", "size", "color"],
     ["no feature column 'color'", "did you mean 'colour'"]),
    ("feature and target", {"d.csv": table()}, ["train", "d.csv", "--target", "species", "--features", "species"],
     ["'species'", "both feature and target"]),
    ("duplicated names", {"d.csv": b"size,size,species\n1,2,a\n3,4,b\n"}, ["train", "d.csv", "--target", "species"],
     ["duplicated column name", "'size'"]),
    ("unnamed column", {"d.csv": b"size,,species\n1,2,a\n3,4,b\n"}, ["train", "d.csv", "--target", "species"],
     ["column 2 has no name"]),
    ("one class", {"d.csv": table().replace(b"versicolor", b"setosa")}, ["train", "d.csv", "--target", "species"],
     ["target column 'species'", "one class, 'setosa'", "30 rows"]),
    ("nothing varies", {"d.csv": b"a,b,species\n1,x,p\n1,x,q\n1,x,p\n1,x,q\n"}, ["train", "d.csv", "--target", "species"],
     ["no feature column varies", "'a', 'b'"]),
    ("too few rows", {"d.csv": table(n=3)}, ["train", "d.csv", "--target", "species"],
     ["3 rows are too few", "--division 0.7,0.15,0.15", "validation set"]),
    ("text regression target", {"d.csv": table()}, ["train", "d.csv", "--target", "species", "--task", "regression"],
     ["target column 'species' holds text", "--task classification"]),
    ("not utf-8", {"d.csv": table().replace(b"blue", "blå".encode("latin-1"), 1)},
     ["train", "d.csv", "--target", "species", "--encoding", "utf-8"], ["cannot be decoded as utf-8", "--encoding"]),
    ("neither utf-8 nor gbk", {"d.csv": table() + b"\xff\xfe\xff\n"}, ["train", "d.csv", "--target", "species"],
     ["row 32", "cannot be decoded as UTF-8 or GBK"]),
    ("unknown encoding", {"d.csv": table()}, ["train", "d.csv", "--target", "species", "--encoding", "klingon"],
     ["unknown encoding 'klingon'"]),
    ("png named .csv", {"d.csv": PNG}, ["train", "d.csv", "--target", "species"], ["PNG image", "not a data table"]),
    ("workbook named .csv", {"d.csv": workbook()}, ["train", "d.csv", "--target", "species"],
     ["name says delimited text", "Excel .xlsx workbook"]),
    ("csv named .xlsx", {"d.xlsx": table()}, ["train", "d.xlsx", "--target", "species"],
     ["name says an Excel .xlsx workbook", "delimited text"]),
    ("damaged workbook", {"d.xlsx": workbook()[:200]}, ["train", "d.xlsx", "--target", "species"],
     ["cannot be read as an Excel .xlsx workbook"]),
    ("damaged parquet", {"d.parquet": b"PAR1" + bytes(100)}, ["train", "d.parquet", "--target", "species"],
     ["cannot be read as Parquet"]),
    ("old xls", {"d.xls": b"\xd0\xcf\x11\xe0" + bytes(100)}, ["train", "d.xls", "--target", "species"],
     ["old Excel .xls"]),
    ("zip archive", {"d.zip": archive()}, ["train", "d.zip", "--target", "species"], ["zip archive", "not a data table"]),
    ("model as data", {"m.bpnn": MODEL}, ["train", "m.bpnn", "--target", "species"],
     ["bpnn model file", "not a data table"]),
    # -- bpnn train: options and output paths
    ("no target option", {"d.csv": table()}, ["train", "d.csv"], ["needs DATA and --target", "--resume"]),
    ("impute and drop", {"d.csv": table()}, ["train", "d.csv", "--target", "species", "--impute", "mean",
                                              "--drop-missing"], ["--drop-missing", "not allowed with", "--impute"]),
    ("unknown impute", {"d.csv": table()}, ["train", "d.csv", "--target", "species", "--impute", "zero"],
     ["--impute", "'zero'", "most_frequent"]),
    ("out in a missing folder", {"d.csv": table()}, ["train", "d.csv", "--target", "species", "--out", "no/m.bpnn"],
     ["--out no/m.bpnn", "folder no does not exist"]),
    ("report in a missing folder", {"d.csv": table()},
     ["train", "d.csv", "--target", "species", "--report", "no/r.html"], ["--report no/r.html", "does not exist"]),
    ("plots is a file", {"d.csv": table(), "taken": b"x"}, ["train", "d.csv", "--target", "species", "--plots", "taken"],
     ["--plots taken is a file"]),
    # -- bpnn predict and evaluate: the data
    ("predict: missing feature", {"m.bpnn": MODEL, "d.csv": table(drop=("weight", "species"))},
     ["predict", "m.bpnn", "d.csv"], ["no feature column 'weight'", "the model needs", "size, weight, colour"]),
    ("predict: renamed feature", {"m.bpnn": MODEL, "d.csv": table().replace(b"weight", b"mass", 1)},
     ["predict", "m.bpnn", "d.csv"], ["no feature column 'weight'", "columns: size, mass, colour, species"]),
    ("predict: text in a number", {"m.bpnn": MODEL, "d.csv": table({(3, "size"): "big"})},
     ["predict", "m.bpnn", "d.csv"], ["column 'size'", "row 3", "'big'"]),
    ("predict: unseen category", {"m.bpnn": MODEL, "d.csv": table({(9, "colour"): "green"})},
     ["predict", "m.bpnn", "d.csv"], ["column 'colour'", "row 9", "'green'", "known: blue, red"]),
    ("predict: missing value", {"m.bpnn": MODEL, "d.csv": table({(2, "size"): None})}, ["predict", "m.bpnn", "d.csv"],
     ["column 'size'", "row 2", "--impute"]),
    ("predict: output format", {"m.bpnn": MODEL, "d.csv": table()}, ["predict", "m.bpnn", "d.csv", "-o", "p.json"],
     ["'p.json'", ".csv, .tsv, .xlsx or .parquet"]),
    ("predict: output folder", {"m.bpnn": MODEL, "d.csv": table()}, ["predict", "m.bpnn", "d.csv", "-o", "no/p.csv"],
     ["-o no/p.csv", "does not exist"]),
    ("predict: empty data", {"m.bpnn": MODEL, "d.csv": b""}, ["predict", "m.bpnn", "d.csv"], ["d.csv", "empty"]),
    ("evaluate: unseen class", {"m.bpnn": MODEL, "d.csv": table({(4, "species"): "rose"})},
     ["evaluate", "m.bpnn", "d.csv"], ["class label 'rose'", "not seen at training", "setosa, versicolor"]),
    ("evaluate: no target column", {"m.bpnn": MODEL, "d.csv": table(drop=("species",))},
     ["evaluate", "m.bpnn", "d.csv"], ["no target column 'species'"]),
    ("evaluate: missing target", {"m.bpnn": MODEL, "d.csv": table({(6, "species"): None})},
     ["evaluate", "m.bpnn", "d.csv", "--impute", "median"], ["column 'species'", "row 6", "--drop-missing"]),
    # -- model files, through bpnn info and bpnn predict
    ("model: no such file", {}, ["info", "nosuch.bpnn"], ["nosuch.bpnn: no such model file"]),
    ("model: empty", {"m.bpnn": b""}, ["info", "m.bpnn"], ["not a bpnn model file", "it is empty"]),
    ("model: png", {"m.bpnn": PNG}, ["info", "m.bpnn"], ["not a bpnn model file", "PNG image"]),
    ("model: zip", {"m.bpnn": archive()}, ["info", "m.bpnn"], ["not a bpnn model file", "zip"]),
    ("model: pickle", {"m.bpnn": PICKLE}, ["predict", "m.bpnn", "d.csv"], ["Python pickle", "never loads"]),
    ("model: csv", {"d.csv": table()}, ["predict", "d.csv", "d.csv"], ["d.csv is not a bpnn model file"]),
    ("model: truncated", {"m.bpnn": lambda model: model[:-200]}, ["info", "m.bpnn"], ["truncated", "copy it again"]),
    ("model: one byte changed", {"m.bpnn": flip}, ["predict", "m.bpnn", "d.csv"], ["fails its checksum"]),
    ("model: edited, same checksum", {"m.bpnn": edited_without_checksum}, ["info", "m.bpnn"], ["fails its checksum"]),
    ("model: wrong checksum", {"m.bpnn": wrong_checksum}, ["info", "m.bpnn"], ["fails its checksum"]),
    ("model: newer version", {"m.bpnn": edited(lambda h: h.update(format_version=FORMAT_VERSION + 1))},
     ["info", "m.bpnn"], [f"format version {FORMAT_VERSION + 1}", "upgrade bpnn"]),
    ("model: unknown kind", {"m.bpnn": edited(lambda h: h.update(kind="subprocess:run"))}, ["info", "m.bpnn"],
     ["unknown kind 'subprocess:run'"]),
    ("model: wrong shape", {"m.bpnn": edited(lambda h: h["arrays"]["params"].update(shape=[7], nbytes=56))},
     ["info", "m.bpnn"], ["need", "float parameters", "[7]"]),
    ("model: huge layers", {"m.bpnn": edited(lambda h: h["meta"].update(layer_sizes=[5, 10**12, 1]))},
     ["predict", "m.bpnn", "d.csv"], ["layers [5, 1000000000000, 1] need"]),
    ("model: unknown activation", {"m.bpnn": edited(lambda h: h["meta"].update(activations=["swish"]))},
     ["info", "m.bpnn"], ["contents are inconsistent", "swish"]),
    ("model: a bare network", {"m.bpnn": lambda model: encode("Network", *network_state(Network([3, 2, 1])))},
     ["predict", "m.bpnn", "d.csv"], ["saved without its table encoding", "Network"]),
    ("model: broken encoding", {"m.bpnn": edited(lambda h: h["info"].update(features={"cols": []})),
                                "d.csv": table()}, ["predict", "m.bpnn", "d.csv"],
     ["contents are inconsistent", "KeyError"]),
]


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> bytes:
    folder = tmp_path_factory.mktemp("model")
    data = folder / "flowers.csv"
    flowers().to_csv(data, index=False)
    out = folder / "m.bpnn"
    assert main(["train", str(data), "--target", "species", "--epochs", "5", "--quiet", "--out", str(out)]) == 0
    return out.read_bytes()


def with_outputs(argv: list[str]) -> list[str]:
    """``argv`` asking for every output its command writes (where the case names none)."""
    outputs = {"train": {**TRAIN_OUTPUTS, "--epochs": "3"}, "predict": PREDICT_OUTPUTS}.get(argv[0], {})
    extra = [item for option, value in outputs.items() if option not in argv for item in (option, value)]
    return [*argv, *extra, *(["--quiet"] if argv[0] == "train" else [])]


def listing(folder) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def test_there_are_at_least_thirty_cases():
    assert len(CASES) >= 30 and len({case[0] for case in CASES}) == len(CASES)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize(("files", "argv", "words"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_bad_input_exits_2_with_one_line_naming_the_problem(tmp_path, monkeypatch, capsys, model, files, argv, words):
    monkeypatch.chdir(tmp_path)
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(model if content == MODEL else content(model) if callable(content) else content)
    if "d.csv" not in files and "d.csv" in argv:
        (tmp_path / "d.csv").write_bytes(table())
    before = listing(tmp_path)
    assert main(with_outputs(argv)) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert captured.err.count("\n") == 1 and captured.err.endswith("\n"), captured.err
    assert captured.err.startswith(("bpnn: error: ", f"bpnn {argv[0]}: error: ")), captured.err
    for word in words:
        assert word in captured.err, (word, captured.err)
    assert listing(tmp_path) == before  # no model, predictions, report or plots, whole or partial


def test_the_remedies_the_missing_value_message_names_work(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "gaps.csv").write_bytes(table({(5, "weight"): None, (8, "colour"): None}))
    train = ["train", "gaps.csv", "--target", "species", "--epochs", "3", "--quiet"]
    assert main([*train, "--impute", "median"]) == 0
    weights = flowers()["weight"].drop(index=3)  # row 5 is the fourth data row
    fill = read("gaps.bpnn").info["features"]["fill"]
    assert fill["weight"]["median"] == np.median(weights) and fill["weight"]["mean"] == pytest.approx(weights.mean())
    assert fill["colour"]["median"] == flowers()["colour"].drop(index=6).mode()[0]  # text: the most frequent category

    capsys.readouterr()
    assert main([*train, "--drop-missing", "--out", "dropped.bpnn"]) == 0
    assert "bpnn: note: gaps.csv: left out 2 row(s) with missing values (row 5, 8)" in capsys.readouterr().err
    assert read("dropped.bpnn").info["data"]["rows"] == 28

    (tmp_path / "new.csv").write_bytes(table({(2, "weight"): None}, n=4))
    (tmp_path / "filled.csv").write_bytes(table({(2, "weight"): np.median(weights)}, n=4))
    assert main(["predict", "gaps.bpnn", "new.csv", "--impute", "median", "-o", "p.csv"]) == 0
    assert main(["predict", "gaps.bpnn", "filled.csv", "-o", "q.csv"]) == 0  # the training median, written in
    predicted, expected = pd.read_csv("p.csv"), pd.read_csv("q.csv")
    pd.testing.assert_frame_equal(predicted.drop(columns="weight"), expected.drop(columns="weight"))
    assert main(["predict", "gaps.bpnn", "new.csv", "--drop-missing", "-o", "r.csv"]) == 0
    assert len(pd.read_csv("r.csv")) == 3


def test_huge_unscaled_inputs_draw_a_warning_suggesting_scaling(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    frame = flowers()
    frame["size"] *= 1e6
    frame.to_csv("big.csv", index=False)
    train = ["train", "big.csv", "--target", "species", "--epochs", "2", "--quiet"]
    assert main([*train, "--scaling", "none"]) == 0
    warning = f"bpnn: warning: big.csv: input 'size' reaches {frame['size'].abs().max():.3g} in magnitude"
    err = capsys.readouterr().err
    assert warning in err and "--scaling mapminmax or --scaling standard" in err
    assert main(train) == 0
    assert "bpnn: warning" not in capsys.readouterr().err  # scaled by default: nothing to warn about
