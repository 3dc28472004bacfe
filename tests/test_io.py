"""Loaders: formats from contents, encodings, delimiters, checks, feature encoding, task detection."""

import pickle
import zipfile

import numpy as np
import pandas as pd
import pytest

from bpnn.tables import (
    DataError,
    FeatureEncoder,
    check_division,
    detect_task,
    large_input_warning,
    prepare,
    read_table,
    sniff_delimiter,
)

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
    ("latin.csv", b"a,b\n1,2\n" + b"\xff\xfe\xff", "byte 8 \\(row 3: b'\\\\xff'\\) cannot be decoded as UTF-8 or GBK; save the "
                                                   "file as UTF-8 or give its encoding with --encoding"),
    ("w.csv", b"  \n\n", "w.csv: the file holds no text"),
    ("nul.csv", b"a,b\n1,2\n3\x004,5\n", "nul.csv: row 3 holds a zero byte, so the file is binary data"),
    ("ragged.csv", b"a,b\n1,2\n\n3,4,5\n", "ragged.csv: row 4 has 3 comma-separated fields where the header has 2"),
    ("short.tsv", b"a\tb\tc\n1\t2\t3\n4\t5\n", "short.tsv: row 3 has 2 tab-separated fields where the header has 3"),
    ("quote.csv", b'a,b\n1,2\n"3,4\n5,6\n', "quote.csv: a quote opened in row 3 is never closed, so rows 3 to 4 read as "
                                            "one value; close that quote"),
    ("unnamed.csv", b"a,,c\n1,2,3\n", "unnamed.csv: column 2 has no name in the header row \\(row 1\\)"),
    ("spaced.csv", b"a, a\n1,2\n", "spaced.csv: duplicated column name\\(s\\) 'a'"),
    ("image.csv", b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "image.csv: the contents are a PNG image, not a data table"),
    ("model.csv", b"\x89BPNN\r\n\x1a\n" + b"\0" * 20, "model.csv: the contents are a bpnn model file, not a data table"),
    ("pickled", pickle.dumps({"a": 1}), "pickled: the contents are a Python pickle, not a data table"),
    ("bad.xlsx", b"PK\x03\x04" + b"\0" * 40, "bad.xlsx: cannot be read as an Excel .xlsx workbook \\(.*\\); open it in the "
                                            "program that wrote it and save it again"),
    ("bad.parquet", b"PAR1" + b"\1" * 40, "bad.parquet: cannot be read as Parquet"),
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
    with pytest.raises(DataError, match="byte 2 \\(row 1: b'\\\\xf6'\\) cannot be decoded as utf-8; save the file as "
                                        "UTF-8 or give its encoding with --encoding, such as --encoding gbk \\(Chinese\\) "
                                        "or --encoding latin-1 \\(Western European\\)"):
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
     "column 'x' has 1 missing value\\(s\\) \\(row 3\\); fill them in or remove those rows \\(--drop-missing removes "
     "them, --impute mean\\|median\\|most_frequent fills feature columns\\)"),
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
    with pytest.raises(DataError, match="feature column '温度' was numeric at training but row 2 holds the text 'hot'"):
        encoder.transform(pd.DataFrame({"温度": ["hot"], "colour": ["red"]}))
    with pytest.raises(DataError, match="no feature column 'colour' \\(columns: 温度\\); the model needs the feature "
                                        "columns 温度, colour"):
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


def test_the_delimiter_of_a_ragged_file_is_still_found_so_the_short_row_is_named():
    assert sniff_delimiter("a\tb\tc\n1\t2\t3\n4\t5\n") == "\t"
    assert sniff_delimiter("a,b\n1;2,3\n4,5\n") == ","  # the header decides between candidates


def test_rows_are_numbered_by_their_lines_blank_lines_included(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("x,y\n1,2\n\n   \n3,\n5,6\n")
    frame = read_table(path)
    assert (frame.index + 2).tolist() == [2, 5, 6]
    with pytest.raises(DataError, match="column 'y' has 1 missing value\\(s\\) \\(row 5\\)"):
        prepare(frame, ["y"])


def test_utf16_text_as_excel_saves_unicode_text_is_read(tmp_path):
    path = tmp_path / "unicode.txt"
    path.write_bytes("温度\tlabel\n1.5\tyes\n2.5\tno\n".encode("utf-16"))
    frame = read_table(path)
    assert list(frame.columns) == ["温度", "label"] and frame["温度"].tolist() == [1.5, 2.5]


def test_a_zip_archive_that_is_no_workbook_is_named(tmp_path):
    path = tmp_path / "data.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data.csv", "a,b\n1,2\n")
    with pytest.raises(DataError, match="data.zip: the contents are a zip archive, not a data table"):
        read_table(path)


def test_decimal_commas_are_read_as_numbers_with_a_note(tmp_path):
    path = tmp_path / "europe.csv"
    path.write_text("a;b\n1,5;x\n2,25;y\n")
    frame = read_table(path)
    assert frame["a"].tolist() == [1.5, 2.25]
    assert prepare(frame, ["b"]).notes[0] == ("europe.csv: column 'a' holds numbers written with decimal commas (row 2: "
                                              "'1,5' → 1.5); read as numbers")


GAPS = pd.DataFrame({"x": [1.0, np.nan, 4.0, 1.0, 9.0], "colour": ["red", "blue", None, "blue", "red"],
                     "y": ["a", "b", "a", "b", "a"]})


@pytest.mark.parametrize(("strategy", "x", "colour"), [
    ("mean", 3.75, "blue"),  # (1 + 4 + 1 + 9) / 4; a text column takes its most frequent category, ties to the first
    ("median", 2.5, "blue"),  # between 1 and 4 of 1, 1, 4, 9
    ("most_frequent", 1.0, "blue"),
])
def test_impute_fills_features_with_the_training_statistic(strategy, x, colour):
    dataset = prepare(GAPS, ["y"], missing=strategy)
    np.testing.assert_array_equal(dataset.X[:, 0], [1.0, x, 4.0, 1.0, 9.0])
    assert dataset.encoder.input_names == ["x", "colour=blue", "colour=red"]  # no 'nan' category
    assert dataset.X[2, 1:].tolist() == ([1.0, 0.0] if colour == "blue" else [0.0, 1.0])
    new = pd.DataFrame({"x": [np.nan], "colour": [None]})  # new rows take the training values, not their own
    encoder = FeatureEncoder.from_dict(dataset.encoder.to_dict())
    np.testing.assert_array_equal(encoder.transform(encoder.impute(new, strategy)), [[x, 1.0, 0.0]])


def test_drop_missing_leaves_out_rows_and_names_them():
    dataset = prepare(GAPS, ["y"], missing="drop")
    assert dataset.dropped == [3, 4] and dataset.X[:, 0].tolist() == [1.0, 1.0, 9.0]
    with pytest.raises(DataError, match="every row misses a value in column\\(s\\) 'x', 'y', so --drop-missing leaves "
                                        "no row"):
        prepare(pd.DataFrame({"x": [np.nan, 2.0], "y": [1, np.nan]}), ["y"], missing="drop")


def test_impute_never_fills_targets_and_knows_its_strategies():
    with pytest.raises(DataError, match="column 'y' has 1 missing value\\(s\\) \\(row 3\\)"):
        prepare(GAPS.assign(y=["a", None, "a", "b", "a"]), ["y"], missing="mean")
    with pytest.raises(DataError, match="unknown handling of missing values 'zero'; choose one of error, drop, mean"):
        prepare(GAPS, ["y"], missing="zero")
    encoder = FeatureEncoder([("x", None)])  # saved before fill values were kept
    with pytest.raises(DataError, match="the model holds no values to fill column 'x' with"):
        encoder.impute(pd.DataFrame({"x": [np.nan]}), "mean")


@pytest.mark.parametrize(("frame", "message"), [
    (pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": ["p", "p", "p"]}),
     "target column 'y' holds one class, 'p', in all 3 rows; a classifier needs at least two classes"),
    (pd.DataFrame({"x": [1.0, 1.0, 1.0], "c": ["u", "u", "u"], "y": ["p", "q", "p"]}),
     "no feature column varies: 'x', 'c' hold one value each throughout the 3 row\\(s\\)"),
])
def test_nothing_to_learn_is_named(frame, message):
    with pytest.raises(DataError, match=message):
        prepare(frame, ["y"])


@pytest.mark.parametrize(("n", "ratios", "message"), [
    (3, (0.7, 0.15, 0.15), "3 rows are too few for --division 0.7,0.15,0.15: the validation set would get no row"),
    (2, (0.1, 0.45, 0.45), "2 rows are too few for --division 0.1,0.45,0.45: the training set would get no row"),
    (1, (1, 0, 0), "1 rows are too few for --division 1,0,0: the training set would get 1 row"),
])
def test_too_few_rows_for_the_division(n, ratios, message):
    with pytest.raises(DataError, match=message):
        check_division(n, ratios, "t.csv")


def test_enough_rows_for_the_division_pass():
    check_division(7, (0.7, 0.15, 0.15), "t.csv")  # round(1.05) = 1 validation and 1 test row, 5 training rows
    check_division(2, (1, 0, 0), "t.csv")


def test_large_unscaled_inputs_are_warned_about():
    X = np.array([[1.0, -5e6], [2.0, 3.0]])
    assert large_input_warning(X, ["a", "b"], "t.csv") == (
        "t.csv: input 'b' reaches 5e+06 in magnitude; unscaled inputs that large saturate tanh and sigmoid units and "
        "can make training diverge; scale them with --scaling mapminmax or --scaling standard")
    assert large_input_warning(X[:, :1], ["a"], "t.csv") is None
