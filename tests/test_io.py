"""Loaders: formats from contents, encodings, delimiters, checks, feature encoding, task detection."""

import numpy as np
import pandas as pd
import pytest

from bpnn.io import DataError, FeatureEncoder, detect_task, prepare, read_table, sniff_delimiter

FRAME = pd.DataFrame({"温度": [20.5, 21.0, 19.5], "colour": ["red", "blue", "red"], "label": ["yes", "no", "yes"]})


@pytest.mark.parametrize(("name", "write"), [
    ("t.csv", lambda f, p: f.to_csv(p, index=False)),
    ("t.tsv", lambda f, p: f.to_csv(p, index=False, sep="\t")),
    ("semicolon.txt", lambda f, p: f.to_csv(p, index=False, sep=";")),
    ("bom.csv", lambda f, p: f.to_csv(p, index=False, encoding="utf-8-sig")),
    ("gbk.csv", lambda f, p: f.to_csv(p, index=False, encoding="gbk")),
    ("t.xlsx", lambda f, p: f.to_excel(p, index=False)),
    ("t.parquet", lambda f, p: f.to_parquet(p, index=False)),
    ("no_extension", lambda f, p: f.to_parquet(p, index=False)),  # the contents decide
])
def test_every_format_and_encoding_reads_the_same_table(tmp_path, name, write):
    path = tmp_path / name
    write(FRAME, path)
    frame = read_table(path)
    assert list(frame.columns) == ["温度", "colour", "label"]
    np.testing.assert_array_equal(frame["温度"].to_numpy(dtype=float), FRAME["温度"])
    assert frame["colour"].astype(str).tolist() == ["red", "blue", "red"]


def test_delimiter_is_the_one_giving_equal_field_counts():
    assert sniff_delimiter("a;b;c\n1,5;2;3\n4;5;6\n") == ";"  # the comma inside a value does not split every line
    assert sniff_delimiter("a\tb\n1\t2\n") == "\t"
    assert sniff_delimiter("single\n1\n2\n") == ","


@pytest.mark.parametrize(("name", "content", "message"), [
    ("e.csv", b"", "e.csv: the file is empty"),
    ("h.csv", b"a,b,c\n", "h.csv: the file has a header but no data rows"),
    ("d.csv", b"a,b,a\n1,2,3\n", "d.csv: duplicated column name\\(s\\) 'a'; give every column a different name"),
    ("x.xlsx", b"a,b\n1,2\n", "x.xlsx: the name says an Excel .xlsx workbook but the contents are delimited text"),
    ("p.csv", b"PAR1" + b"\0" * 20, "p.csv: the name says delimited text but the contents are Parquet"),
    ("old.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 20, "old Excel .xls workbooks are not read; save it as .xlsx or CSV"),
    ("latin.csv", b"a,b\n1,2\n" + b"\xff\xfe\xff", "neither UTF-8 nor GBK; save it as UTF-8 or give its encoding"),
])
def test_unreadable_files_name_the_problem(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        read_table(path)


def test_a_given_encoding_is_used_and_a_wrong_one_named(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("größe,t\n1,2\n".encode("latin-1"))
    assert list(read_table(path, encoding="latin-1").columns) == ["größe", "t"]
    with pytest.raises(DataError, match="byte 2 cannot be decoded as utf-8; give the file's encoding with --encoding"):
        read_table(path, encoding="utf-8")
    with pytest.raises(DataError, match="unknown encoding 'klingon'"):
        read_table(path, encoding="klingon")


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="nosuch.csv: no such file"):
        read_table(tmp_path / "nosuch.csv")


@pytest.mark.parametrize(("frame", "target", "features", "message"), [
    (FRAME, ["lable"], None, "data: no target column 'lable'; did you mean 'label'\\? \\(columns: 温度, colour, label\\)"),
    (FRAME, ["label"], ["color"], "no feature column 'color'; did you mean 'colour'\\?"),
    (FRAME, ["label"], ["label"], "column\\(s\\) 'label' are both feature and target"),
    (FRAME[["label"]], ["label"], None, "no feature columns left besides the target"),
    (pd.DataFrame({"x": [1.0, None, 3.0], "y": [1, 2, 3]}), ["y"], None,
     "column 'x' has 1 missing value\\(s\\) \\(row 3\\); fill them in or remove those rows"),
    (pd.DataFrame({"x": [1.0, np.inf, 3.0], "y": [1, 2, 3]}), ["y"], None, "column 'x' row 3 holds inf"),
    (pd.DataFrame({"x": ["1", "2", "x", "4"], "y": [1, 2, 3, 4]}), ["y"], None,
     "column 'x' is numeric but row 4 holds the text 'x'; correct or remove that value"),
    (pd.DataFrame({"x": [1.0, 2.0], "a": ["p", "q"], "b": ["r", "s"]}), ["a", "b"], None,
     "2 target columns make a classification task with several targets"),
])
def test_bad_selections_and_values_name_column_and_row(frame, target, features, message):
    with pytest.raises(DataError, match=message):
        prepare(frame, target, features)


def test_a_column_of_numbers_written_as_text_is_a_category_not_a_stray():
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "digit": pd.array(["0", "7", "0"], dtype="str")})
    dataset = prepare(frame, ["digit"])
    assert dataset.task == "classification" and dataset.y.tolist() == ["0", "7", "0"]


def test_regression_of_a_text_target_is_refused():
    with pytest.raises(DataError, match="target column 'label' holds text, so it cannot be a regression target"):
        prepare(FRAME, ["label"], task="regression")


def test_prepare_one_hot_encodes_text_features_in_place():
    dataset = prepare(FRAME, ["label"])
    assert dataset.task == "classification"
    assert dataset.encoder.input_names == ["温度", "colour=blue", "colour=red"]
    np.testing.assert_array_equal(dataset.X, [[20.5, 0, 1], [21.0, 1, 0], [19.5, 0, 1]])
    assert dataset.y.tolist() == ["yes", "no", "yes"]


def test_encoder_round_trips_and_refuses_unseen_categories_and_text_in_numbers():
    encoder = FeatureEncoder.from_dict(FeatureEncoder.fit(FRAME, ["温度", "colour"]).to_dict())
    assert encoder.columns == [("温度", None), ("colour", ["blue", "red"])]
    new = pd.DataFrame({"colour": ["blue", "green"], "温度": [1.0, 2.0]})  # column order does not matter
    with pytest.raises(DataError, match="new.csv: column 'colour' row 3 holds 'green', a value not seen at training "
                                        "\\(known: blue, red\\); use one of those"):
        encoder.transform(new, "new.csv")
    with pytest.raises(DataError, match="feature column '温度' was numeric at training but holds text here"):
        encoder.transform(pd.DataFrame({"温度": ["hot"], "colour": ["red"]}))
    with pytest.raises(DataError, match="no feature column 'colour'"):
        encoder.transform(pd.DataFrame({"温度": [1.0]}))


@pytest.mark.parametrize(("values", "task"), [
    (["a", "b"], "classification"),
    ([True, False], "classification"),
    ([0, 1, 2, 1, 0], "classification"),
    ([1.0, 2.0, 3.0], "classification"),  # integral values, few levels
    (list(range(11)), "regression"),  # more than MAX_CLASS_LEVELS levels
    ([0.5, 1.5, 2.0], "regression"),
])
def test_task_detection(values, task):
    assert detect_task(pd.DataFrame({"t": values})) == task


def test_task_override_and_regression_targets():
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "t": [0, 1, 0, 1], "u": [0.5, 0.25, 1.0, 2.0]})
    dataset = prepare(frame, ["t"], ["x"], task="regression")
    assert dataset.task == "regression" and dataset.y.dtype == np.float64
    both = prepare(frame, ["t", "u"], ["x"])
    assert both.task == "regression" and both.y.shape == (4, 2)
    with pytest.raises(DataError, match="unknown task 'clustering'"):
        prepare(frame, ["t"], task="clustering")
