"""What ``bpnn predict`` hands an engineer (issue 14): CSV that Excel opens right (UTF-8 with a BOM where the text is
not plain ASCII, e.g. a GBK table with Chinese headers), a warning per column for inputs outside the training range,
tables read from standard input (``-``) and written to standard output (``-o -``), and the training's imputation
repeated by predict and carried by the exported predictor.
"""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from bpnn.cli import main
from bpnn.files.modelfile import read

BOM = b"\xef\xbb\xbf"
N = 40


def write_csv(path, columns: dict, encoding: str = "utf-8") -> None:
    frame = pd.DataFrame(columns)
    path.write_bytes(frame.to_csv(index=False).encode(encoding))


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def bpnn(*argv: str, stdin: bytes | None = None, stdout=subprocess.PIPE, cwd=None) -> subprocess.CompletedProcess:
    """The command as a user runs it: its own process, its own standard input and output."""
    return subprocess.run([sys.executable, "-m", "bpnn", *argv], input=stdin, stdout=stdout, stderr=subprocess.PIPE,
                          cwd=cwd, timeout=300)


def trained(folder, columns: dict, target: str, *options: str, encoding: str = "utf-8") -> None:
    write_csv(folder / "train.csv", columns, encoding)
    assert main(["train", "train.csv", "--target", target, "--epochs", "20", "--quiet", "--out", "m.bpnn",
                 *options]) == 0


def numbers(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.uniform(0, 10, N), rng.uniform(-5, 5, N)
    return {"x1": x1.round(4), "x2": x2.round(4), "y": (np.sin(x1 / 3) + 0.1 * x2).round(4)}


# ---- Excel-friendly CSV --------------------------------------------------------------------------------------
def test_predictions_for_a_gbk_table_with_chinese_headers_start_with_a_bom(folder):
    data = numbers()
    chinese = {"温度": data["x1"], "压力": data["x2"], "产量": data["y"]}
    trained(folder, chinese, "产量", encoding="gbk")
    write_csv(folder / "new.csv", {"温度": data["x1"][:5], "压力": data["x2"][:5]}, "gbk")
    for name in ("p.csv", "p.tsv"):
        assert main(["predict", "m.bpnn", "new.csv", "-o", name]) == 0
        raw = (folder / name).read_bytes()
        assert raw.startswith(BOM)  # Excel reads UTF-8 only after its byte order mark
        header = raw[len(BOM):].decode("utf-8").splitlines()[0]
        assert header.split("\t" if name.endswith(".tsv") else ",") == ["温度", "压力", "产量_predicted"]
    back = pd.read_csv(folder / "p.csv", encoding="utf-8-sig")
    np.testing.assert_array_equal(back["温度"].to_numpy(), data["x1"][:5])


def test_plain_ascii_predictions_have_no_bom(folder):
    trained(folder, numbers(), "y")
    write_csv(folder / "new.csv", {"x1": [1.0, 2.0], "x2": [0.5, -0.5]})
    assert main(["predict", "m.bpnn", "new.csv", "-o", "p.csv"]) == 0
    assert (folder / "p.csv").read_bytes().startswith(b"x1,x2,y_predicted\n")


def test_stdout_gets_a_bom_only_when_redirected_into_a_file(folder):
    data = numbers()
    trained(folder, {"温度": data["x1"], "压力": data["x2"], "产量": data["y"]}, "产量")
    write_csv(folder / "new.csv", {"温度": data["x1"][:3], "压力": data["x2"][:3]})
    piped = bpnn("predict", "m.bpnn", "new.csv", cwd=folder)
    assert piped.returncode == 0 and piped.stdout.startswith("温度".encode())  # a pipe: no BOM for the next program
    with open(folder / "redirected.csv", "wb") as file:  # bpnn predict ... > redirected.csv
        assert bpnn("predict", "m.bpnn", "new.csv", stdout=file, cwd=folder).returncode == 0
    assert (folder / "redirected.csv").read_bytes() == BOM + piped.stdout


# ---- standard input and output --------------------------------------------------------------------------------
def test_predict_reads_standard_input_and_writes_standard_output(folder):
    trained(folder, numbers(), "y")
    write_csv(folder / "new.csv", {"x1": [1.0, 2.0, 3.0], "x2": [0.5, -0.5, 1.5]})
    from_file = bpnn("predict", "m.bpnn", "new.csv", cwd=folder)
    piped = bpnn("predict", "m.bpnn", "-", "-o", "-", stdin=(folder / "new.csv").read_bytes(), cwd=folder)
    assert piped.returncode == 0 and piped.stderr == b""
    assert piped.stdout == from_file.stdout and piped.stdout.startswith(b"x1,x2,y_predicted\n")
    gbk = bpnn("predict", "m.bpnn", "-", stdin="x1,x2,备注\n1.0,0.5,好\n".encode("gbk"), cwd=folder)  # GBK on stdin
    assert gbk.returncode == 0 and gbk.stdout.decode().splitlines()[1].startswith("1.0,0.5,好,")


def test_evaluate_reads_standard_input(folder):
    trained(folder, numbers(), "y")
    from_file = bpnn("evaluate", "m.bpnn", "train.csv", cwd=folder)
    piped = bpnn("evaluate", "m.bpnn", "-", stdin=(folder / "train.csv").read_bytes(), cwd=folder)
    assert piped.returncode == 0, piped.stderr
    rows = [line for line in piped.stdout.decode().splitlines() if "│" in line]  # the metrics table's rows
    assert rows and rows == [line for line in from_file.stdout.decode().splitlines() if "│" in line]
    assert "Metrics of m.bpnn on stdin" in piped.stdout.decode()  # named as the user knows it, not "-"


def test_bad_input_on_stdin_is_named_stdin(folder):
    trained(folder, numbers(), "y")
    result = bpnn("predict", "m.bpnn", "-", stdin=b"x1,x2\n1.0,abc\n", cwd=folder)
    message = result.stderr.decode()
    assert result.returncode == 2 and message.count("\n") == 1
    assert message.startswith("bpnn: error: stdin: ") and "'x2'" in message and "bpnn-stdin" not in message
    empty = bpnn("predict", "m.bpnn", "-", stdin=b"", cwd=folder)
    assert empty.returncode == 2 and "stdin" in empty.stderr.decode() and "empty" in empty.stderr.decode()


def test_nothing_piped_in_is_refused_in_one_line(folder, monkeypatch, capsys):
    trained(folder, numbers(), "y")

    class Terminal(io.BytesIO):
        buffer = io.BytesIO()

        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal())
    assert main(["predict", "m.bpnn", "-"]) == 2
    assert "nothing is piped in" in capsys.readouterr().err


def test_train_from_standard_input_needs_out(folder):
    write_csv(folder / "train.csv", numbers(), "utf-8")
    refused = bpnn("train", "-", "--target", "y", stdin=(folder / "train.csv").read_bytes(), cwd=folder)
    assert refused.returncode == 2 and "--out" in refused.stderr.decode()
    done = bpnn("train", "-", "--target", "y", "--epochs", "5", "--quiet", "--out", "s.bpnn",
                stdin=(folder / "train.csv").read_bytes(), cwd=folder)
    assert done.returncode == 0, done.stderr
    assert read(folder / "s.bpnn").info["source"] == "stdin"


# ---- inputs outside the training range --------------------------------------------------------------------------
def test_predict_warns_once_per_column_outside_the_training_range(folder, capsys):
    data = numbers()
    trained(folder, data, "y")
    x1 = [1.0, 50.0, 2.0, -3.0, 4.0]  # spreadsheet rows 3 and 5 beyond x1's range
    x2 = [0.0, 0.0, 9.5, 0.0, 0.0]  # row 4 beyond x2's
    write_csv(folder / "new.csv", {"x1": x1, "x2": x2})
    capsys.readouterr()
    assert main(["predict", "m.bpnn", "new.csv", "-o", "p.csv"]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("bpnn: warning:")]
    assert len(warnings) == 2
    low, high = data["x1"].min(), data["x1"].max()  # the range of the training file's column
    assert "'x1' holds 2 value(s)" in warnings[0] and f"{low:.6g} to {high:.6g}" in warnings[0]
    assert "row 3: 50" in warnings[0] and "row 5: -3" in warnings[0]
    assert "'x2' holds 1 value(s)" in warnings[1] and "row 4: 9.5" in warnings[1]
    assert len(pd.read_csv(folder / "p.csv")) == 5  # a warning, not a refusal: every row predicted
    write_csv(folder / "inside.csv", {"x1": [low, high], "x2": [0.0, 1.0]})  # the bounds themselves are inside
    assert main(["predict", "m.bpnn", "inside.csv", "-o", "q.csv"]) == 0
    assert "warning" not in capsys.readouterr().err


def test_the_model_file_keeps_the_ranges_of_numeric_columns_only(folder):
    data = numbers()
    trained(folder, {**data, "kind": ["a", "b"] * (N // 2)}, "y")
    ranges = read(folder / "m.bpnn").info["features"]["ranges"]
    assert ranges == {"x1": [data["x1"].min(), data["x1"].max()], "x2": [data["x2"].min(), data["x2"].max()]}


def test_a_model_without_ranges_predicts_without_warnings():
    from bpnn.tables import FeatureEncoder

    encoder = FeatureEncoder.from_dict({"columns": [{"name": "x", "categories": None}], "fill": {}})  # an older file
    assert encoder.ranges == {} and encoder.outside_range(pd.DataFrame({"x": [1e6]})) == []
    with pytest.raises(ValueError, match="training range"):
        FeatureEncoder.from_dict({"columns": [{"name": "x", "categories": None}], "ranges": {"x": [2.0, 1.0]}})


# ---- imputation: predict and the exports fill blanks as training did ----------------------------------------------
def test_a_blank_cell_is_filled_as_training_did_by_predict_and_by_the_exported_predictor(folder, capsys):
    import importlib.util

    data = numbers()
    x2 = [str(v) for v in data["x2"]]
    x2[3] = x2[10] = ""  # blanks at training, filled with the median of the others
    trained(folder, {"x1": data["x1"], "x2": x2, "y": data["y"]}, "y", "--impute", "median")
    median = float(np.median(np.delete(data["x2"], [3, 10])))
    assert read(folder / "m.bpnn").info["settings"]["impute"] == "median"
    write_csv(folder / "new.csv", {"x1": [1.0, 2.0], "x2": ["", "0.5"]})
    write_csv(folder / "filled.csv", {"x1": [1.0, 2.0], "x2": [median, 0.5]})
    capsys.readouterr()
    assert main(["predict", "m.bpnn", "new.csv", "-o", "p.csv"]) == 0  # no --impute: the training's, with a note
    note = capsys.readouterr().err
    assert "median" in note and "--impute median" in note and "1 in 'x2'" in note
    assert main(["predict", "m.bpnn", "filled.csv", "-o", "f.csv"]) == 0
    predicted = pd.read_csv(folder / "p.csv")["y_predicted"].to_numpy()
    np.testing.assert_array_equal(predicted, pd.read_csv(folder / "f.csv")["y_predicted"].to_numpy())
    assert main(["export", "m.bpnn", "--to", "python", "predictor.py"]) == 0
    spec = importlib.util.spec_from_file_location("predictor", folder / "predictor.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.FILL["x2"] == median
    exported = module.predict(np.array([[1.0, np.nan], [2.0, 0.5]]))
    # the same operations on the same float64 values; only the order of the matrix products' sums may differ
    np.testing.assert_allclose(exported.ravel(), predicted, rtol=0, atol=64 * np.finfo(float).eps * np.abs(predicted).max())
    assert main(["predict", "m.bpnn", "new.csv", "-o", "d.csv", "--drop-missing"]) == 0
    assert len(pd.read_csv(folder / "d.csv")) == 1  # asked to, the row with the blank is left out


def test_without_training_imputation_a_blank_is_still_refused(folder, capsys):
    trained(folder, numbers(), "y")
    write_csv(folder / "new.csv", {"x1": [1.0, 2.0], "x2": ["", "0.5"]})
    assert main(["predict", "m.bpnn", "new.csv"]) == 2
    assert "missing value" in capsys.readouterr().err
