"""Defects a new user's review found in the day's features, each with the behaviour it should have had: what
--impute filled is said when it happens, bpnn tune reads a workbook's sheet and says what it converted and keeps
its --impute for predict, the start-weight search scores each start once under the estimators' default
early_stopping="refit", a workbook piped into standard input reads as the file does, and bpnn evaluate's report
lists the training's imputation it repeated."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from bpnn.cli import main
from bpnn.files.modelfile import read

N = 40


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def table(seed: int = 0) -> pd.DataFrame:
    """Numbers, a text column and a target; blanks in x (rows 3 and 10 of the data) and in c (row 5)."""
    rng = np.random.default_rng(seed)
    x, z = rng.uniform(0, 10, N).round(3), rng.uniform(-1, 1, N).round(3)
    c = rng.choice(["甲", "乙"], N)
    frame = pd.DataFrame({"x": x, "z": z, "c": c, "y": (np.sin(x / 3) + z + (c == "甲")).round(4)})
    frame.loc[[3, 10], "x"] = np.nan
    frame.loc[5, "c"] = None
    return frame


# ---- --impute says what it filled at training, as --drop-missing says which rows it left out ----------------------
@pytest.mark.parametrize("strategy", ["mean", "median", "most_frequent"])
def test_train_with_impute_notes_the_cells_and_the_value_they_took(folder, capsys, strategy):
    frame = table()
    frame.to_csv("d.csv", index=False)
    x = frame["x"].dropna().to_numpy()
    counts = frame["c"].value_counts()
    expected_x = {"mean": x.mean(), "median": np.median(x),
                  "most_frequent": pd.Series(x).mode().min()}[strategy]  # ties: the smallest, as scikit-learn's
    expected_c = sorted(counts[counts == counts.max()].index)[0]
    assert main(["train", "d.csv", "--target", "y", "--impute", strategy, "--epochs", "5", "--quiet"]) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if "filled the missing" in line]
    assert len(notes) == 1
    assert f"2 in 'x' with {expected_x:.6g}" in notes[0] and f"1 in 'c' with {expected_c!r}" in notes[0]
    assert notes[0].endswith(f"(--impute {strategy})")
    imputed = read(folder / "d.bpnn").info["understanding"]["imputed"]  # the same figures as bpnn info lists
    assert imputed["x"]["cells"] == 2 and f"{imputed['x']['value']:.6g}" == f"{expected_x:.6g}"


# ---- bpnn tune: the workbook's sheet, the notes, the exclusions, and --impute kept for predict -----------------------
def test_tune_reads_a_sheet_below_a_title_says_what_it_did_and_predict_fills_as_it_did(folder, capsys):
    frame = table(1)
    frame.insert(0, "id", [f"row {i}" for i in range(N)])  # identifiers: no input
    frame["z"] = [f"{v:,.1f}" for v in frame["z"] * 10000]  # thousands separators, as text
    with pd.ExcelWriter("book.xlsx") as writer:
        pd.DataFrame({"note": ["read me"]}).to_excel(writer, sheet_name="about", index=False)
        frame.to_excel(writer, sheet_name="data", index=False, startrow=2)
    import openpyxl

    book = openpyxl.load_workbook("book.xlsx")
    book["data"]["A1"] = "Plant data, 2024"
    book.save("book.xlsx")
    assert main(["tune", "book.xlsx", "--sheet", "data", "--exclude", "id", "--target", "y", "--impute", "mean",
                 "--hidden", "2", "--epochs", "5", "--jobs", "1", "--quiet", "--out", "t.bpnn"]) == 0
    err = capsys.readouterr().err
    assert "the header is row 3, below the title row 1" in err
    assert "column 'z' holds numbers written with thousands separators" in err
    assert f"2 in 'x' with {frame['x'].mean():.6g}" in err
    contents = read(folder / "t.bpnn")
    assert [c["name"] for c in contents.info["features"]["columns"]] == ["x", "z", "c"]
    assert contents.info["settings"]["impute"] == "mean"
    new = pd.DataFrame({"x": [np.nan, 2.0], "z": [0.5, -0.5], "c": ["甲", "乙"]})
    new.to_csv("new.csv", index=False)
    new.fillna({"x": frame["x"].mean()}).to_csv("filled.csv", index=False)
    assert main(["predict", "t.bpnn", "new.csv", "-o", "p.csv"]) == 0  # no --impute: tune's, with a note
    assert "as bpnn train --impute mean did" in capsys.readouterr().err
    assert main(["predict", "t.bpnn", "filled.csv", "-o", "f.csv"]) == 0
    np.testing.assert_array_equal(pd.read_csv("p.csv")["y_predicted"], pd.read_csv("f.csv")["y_predicted"])


# ---- the start-weight search under early_stopping="refit", the estimators' default ---------------------------------
def test_search_under_the_default_refit_scores_each_start_once_on_held_out_rows():
    from bpnn.selection.init_search import search_starts

    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (250, 3))  # 25 rows held out by validation_fraction=0.1: "refit" would hold them out
    y = np.sin(3 * X[:, 0]) + X[:, 1] * X[:, 2]
    params = dict(hidden_layer_sizes=(4,), solver="lm", max_iter=30, random_state=0)  # early_stopping: the default
    P, G, K = 5, 2, 3
    default = search_starts("regression", params, X, y, ["restarts", "full"], population=P, generations=G,
                            screen_epochs=K)
    explicit = search_starts("regression", {**params, "early_stopping": True}, X, y, ["restarts", "full"],
                             population=P, generations=G, screen_epochs=K)
    for a, b in zip(default, explicit):  # one training per start, judged on its held-out rows, as n_init's trials
        np.testing.assert_array_equal(a.scores, b.scores)
        np.testing.assert_array_equal(a.estimator.network_.pack(), b.estimator.network_.pack())
        assert a.summary()["val_loss"] is not None
        assert a.summary()["epochs"] <= a.budget == P * G * K + 30
    assert default[1].summary()["epochs"] == default[1].budget  # full spends the budget; each epoch counted once


def test_search_under_refit_with_too_few_rows_to_hold_out_trains_on_every_row():
    from bpnn.selection.init_search import search_starts

    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, (60, 2))  # 6 rows would be held out: fewer than 20, so "refit" holds none out
    y = X[:, 0] - X[:, 1] ** 2
    params = dict(hidden_layer_sizes=(3,), solver="lm", max_iter=10, random_state=0)
    default = search_starts("regression", params, X, y, ["restarts"], population=3, generations=1, screen_epochs=2)
    plain = search_starts("regression", {**params, "early_stopping": False}, X, y, ["restarts"], population=3,
                          generations=1, screen_epochs=2)
    np.testing.assert_array_equal(default[0].scores, plain[0].scores)
    assert default[0].summary()["val_loss"] is None and math.isfinite(default[0].scores.min())


# ---- a workbook on standard input -----------------------------------------------------------------------------------
def bpnn(*argv: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bpnn", *argv], input=stdin, capture_output=True, timeout=300)


def test_a_workbook_piped_into_standard_input_reads_as_the_file_does(folder):
    frame = table(2).dropna()
    with pd.ExcelWriter("book.xlsx") as writer:
        pd.DataFrame({"note": ["read me"]}).to_excel(writer, sheet_name="about", index=False)
        frame.to_excel(writer, sheet_name="data", index=False)
    assert main(["train", "book.xlsx", "--sheet", "data", "--target", "y", "--epochs", "5", "--quiet",
                 "--out", "m.bpnn"]) == 0
    by_name = bpnn("predict", "m.bpnn", "book.xlsx", "--sheet", "data", "-o", "-")
    piped = bpnn("predict", "m.bpnn", "-", "--sheet", "data", "-o", "-", stdin=(folder / "book.xlsx").read_bytes())
    assert by_name.returncode == piped.returncode == 0, piped.stderr.decode()
    assert piped.stdout == by_name.stdout and len(piped.stdout.splitlines()) == len(frame) + 1
    first_sheet = bpnn("predict", "m.bpnn", "-", stdin=(folder / "book.xlsx").read_bytes())
    assert first_sheet.returncode == 2 and b"Traceback" not in first_sheet.stderr
    assert first_sheet.stderr.decode().strip().splitlines() == [
        "bpnn: error: stdin: the first sheet, 'about', holds no table (sheets: about, data); choose the sheet with "
        "--sheet, such as --sheet data"]


# ---- bpnn evaluate --report lists the imputation it repeated from training -----------------------------------------
def test_evaluate_report_lists_the_cells_filled_as_training_did(folder):
    frame = table(3)
    frame.to_csv("d.csv", index=False)
    assert main(["train", "d.csv", "--target", "y", "--impute", "median", "--epochs", "5", "--quiet"]) == 0
    assert main(["evaluate", "d.bpnn", "d.csv", "--report", "r.html"]) == 0  # no --impute: the training's
    html = (folder / "r.html").read_text(encoding="utf-8")
    median = np.median(frame["x"].dropna())
    assert f"x: imputed</td><td>2 missing cell(s) filled with the median, {median:g} (--impute median)" in html


# ---- the report's settings name MATLAB's trainParam flags that were given ------------------------------------------
def test_the_report_settings_list_the_trainparam_flags_given(folder):
    frame = table(4).dropna()
    frame.to_csv("d.csv", index=False)
    assert main(["train", "d.csv", "--target", "y", "--solver", "lm", "--goal", "0.25", "--min-grad", "0.001",
                 "--mu", "0.01", "--quiet", "--report", "r.html"]) == 0
    html = (folder / "r.html").read_text(encoding="utf-8")
    for row in ("goal (--goal)</td><td>0.25", "min_grad (--min-grad)</td><td>0.001", "mu (--mu)</td><td>0.01"):
        assert row in html
    assert main(["train", "d.csv", "--target", "y", "--solver", "lm", "--quiet", "--report", "plain.html"]) == 0
    assert "(--goal)" not in (folder / "plain.html").read_text(encoding="utf-8")  # defaults are not listed as given


# ---- --font NAME: a font installed after matplotlib cached its list of fonts -----------------------------------------
def test_a_font_installed_after_matplotlib_listed_its_fonts_is_found_by_name(monkeypatch):
    from matplotlib import font_manager

    from bpnn.reports import plots

    system = sorted(font_manager.findSystemFonts())
    if not system:
        pytest.skip("no system font files on this machine (matplotlib's findSystemFonts lists none)")
    name = font_manager.FontProperties(fname=system[0]).get_name()  # the family matplotlib gives the file
    # as a cache written before the file was installed: neither its faces nor another file of that family
    stale = [entry for entry in font_manager.fontManager.ttflist if entry.name != name and entry.fname != system[0]]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", stale)
    monkeypatch.setattr(plots, "chosen_fonts", [])
    try:
        assert plots.use_font(name) == name
        assert plots.chosen_fonts == [name] and name in {entry.name for entry in font_manager.fontManager.ttflist}
        with pytest.raises(ValueError, match="no installed font is named 'No Such Font'"):
            plots.use_font("No Such Font")
    finally:
        plots.sans_serif_fonts.cache_clear()


# ---- the stop in MATLAB's words, bpnn's own name beside it only where it differs -------------------------------------
def test_stop_words_name_validation_stop_once_and_keep_bpnns_name_where_it_differs():
    from bpnn.cli.outputs import stop_words

    assert stop_words("validation stop") == "Validation stop"  # was "Validation stop (validation stop)"
    assert stop_words("goal met") == "Performance goal met (goal met)"
    assert stop_words("maximum epochs") == "Maximum epoch reached (maximum epochs)"
    assert stop_words("") == "stopped by the epoch limit"


# ---- a wrong --encoding: the message offers the encodings a user means ------------------------------------------
def test_a_wrong_encoding_is_answered_with_the_encodings_the_file_may_be_in(folder, capsys):
    frame = table(5).dropna().rename(columns={"x": "温度"})
    frame.to_csv("gbk.csv", index=False, encoding="gbk")
    frame.to_csv("utf8.csv", index=False, encoding="utf-8")
    assert main(["train", "gbk.csv", "--target", "y", "--encoding", "utf-8", "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()  # was: "such as --encoding latin-1", for a Chinese file
    assert len(err) == 1 and err[0].endswith("cannot be decoded as utf-8; save the file as UTF-8 or give its encoding "
                                             "with --encoding, such as --encoding gbk (Chinese) or --encoding latin-1 "
                                             "(Western European)")
    assert main(["train", "utf8.csv", "--target", "y", "--encoding", "ascii", "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].endswith("cannot be decoded as ascii; it reads as utf-8: leave --encoding out, or "
                                             "give --encoding utf-8")
    assert not (folder / "gbk.bpnn").exists() and not (folder / "utf8.bpnn").exists()
    assert main(["train", "gbk.csv", "--target", "y", "--encoding", "gbk", "--epochs", "3", "--quiet"]) == 0


# ---- a refused table gets one line, even where the training's --impute would have filled its blanks -----------------
@pytest.mark.parametrize("command", ["predict", "evaluate"])
def test_bad_rows_are_one_line_without_the_fill_note_before_it(folder, capsys, command):
    frame = table(6)
    frame.to_csv("d.csv", index=False)
    assert main(["train", "d.csv", "--target", "y", "--impute", "mean", "--epochs", "3", "--quiet"]) == 0
    bad = frame.astype(object)
    bad.loc[7, "z"] = "abc"  # and x keeps its blanks, which the training's --impute would fill
    bad.to_csv("bad.csv", index=False)
    capsys.readouterr()
    assert main([command, "d.bpnn", "bad.csv"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["bpnn: error: bad.csv: column 'z' is numeric but row 9 holds the text 'abc'; correct or remove "
                   "that value"]
    assert main([command, "d.bpnn", "d.csv"]) == 0  # accepted rows: the note comes
    assert "as bpnn train --impute mean did" in capsys.readouterr().err


# ---- bpnn tune --init-search: the report's validation checks as the solver's number, as bpnn train shows them ------
@pytest.mark.parametrize("solver, checks", [("lm", 6), ("br", 0)])  # MATLAB's max_fail: 6, and 0 for trainbr
def test_init_search_report_shows_the_validation_checks_of_the_solver(folder, solver, checks):
    table(7).dropna().to_csv("d.csv", index=False)
    assert main(["tune", "d.csv", "--target", "y", "--hidden", "2", "--solver", solver, "--epochs", "5", "--jobs", "1",
                 "--init-search", "restarts", "--population", "2", "--generations", "1", "--screen-epochs", "2",
                 "--quiet", "--report", "r.html"]) == 0
    html = (folder / "r.html").read_text(encoding="utf-8")
    assert f"validation checks (max_fail)</td><td>{checks}</td>" in html


# ---- bpnn tune never writes over the table it reads ----------------------------------------------------------------
@pytest.mark.parametrize("option", ["--out", "--report", "--plots"])
def test_tune_refuses_to_write_over_its_data_file(folder, capsys, option):
    table(8).dropna().to_csv("d.csv", index=False)
    before = (folder / "d.csv").read_bytes()
    assert main(["tune", "d.csv", "--target", "y", "--hidden", "2", "--epochs", "3", "--jobs", "1", "--quiet",
                 option, "d.csv"]) == 2  # it trained and then wrote the model (or report) over d.csv
    assert capsys.readouterr().err.strip().splitlines() == [
        f"bpnn: error: {option} d.csv is the data file this command reads; writing it would destroy the input: give "
        f"another file name"]
    assert (folder / "d.csv").read_bytes() == before


# ---- bpnn explain never writes its text over the samples or weights it reads -------------------------------------
def test_explain_refuses_to_write_over_its_data_or_weights(folder, capsys):
    (folder / "xor.csv").write_text("x1,x2,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n", encoding="utf-8")
    before = (folder / "xor.csv").read_bytes()
    assert main(["explain", "xor.csv", "-o", "xor.csv"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "bpnn: error: -o xor.csv is the data file this command reads; writing it would destroy the input: give another "
        "file name"]
    assert (folder / "xor.csv").read_bytes() == before
    assert main(["explain", "xor.csv", "-o", "trace.txt"]) == 0 and "z1" in (folder / "trace.txt").read_text("utf-8")


# ---- bpnn forecast never writes its forecast over the series it reads --------------------------------------------
def test_forecast_refuses_to_write_over_its_series(folder, capsys):
    t = np.arange(60)
    pd.DataFrame({"load": np.round(np.sin(t / 5) + 0.01 * t, 4)}).to_csv("s.csv", index=False)
    assert main(["train", "s.csv", "--target", "load", "--delays", "1:2", "--epochs", "5", "--quiet",
                 "--out", "s.bpnn"]) == 0
    before = (folder / "s.csv").read_bytes()
    capsys.readouterr()
    assert main(["forecast", "s.bpnn", "s.csv", "--steps", "3", "-o", "s.csv"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "bpnn: error: -o s.csv is the data file this command reads; writing it would destroy the input: give another "
        "file name"]
    assert (folder / "s.csv").read_bytes() == before
    assert main(["forecast", "s.bpnn", "s.csv", "--steps", "3", "-o", "f.csv"]) == 0
    assert len(pd.read_csv(folder / "f.csv")) == 63  # the 60 rows and 3 forecast steps


# ---- evaluate --target: the training's targets in another order are refused, not set against the wrong outputs ----
def test_evaluate_refuses_the_training_targets_in_another_order(folder, capsys):
    rng = np.random.default_rng(9)
    x = rng.uniform(0, 1, (N, 2))
    pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "small": x[:, 0] / 100, "large": 1000 * x[:, 1]}).to_csv("d.csv",
                                                                                                    index=False)
    assert main(["train", "d.csv", "--target", "small", "large", "--epochs", "20", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["evaluate", "d.bpnn", "d.csv", "--target", "large", "small"]) == 2  # was: R² of -10⁸ and no error
    assert capsys.readouterr().err.strip().splitlines() == [
        "bpnn: error: --target large small names the training targets in another order; the model's outputs are "
        "small large: give them in that order, or leave --target out"]
    assert main(["evaluate", "d.bpnn", "d.csv", "--target", "small", "large"]) == 0


# ---- bpnn evaluate says what reading converted, as bpnn predict does ----------------------------------------------
def test_evaluate_notes_what_reading_converted(folder, capsys):
    frame = table(10).dropna()
    frame["when"] = pd.date_range("2024-01-01", periods=len(frame), freq="D").strftime("%Y-%m-%d")
    frame["z"] = [f"{v:,.1f}" for v in frame["z"] * 10000]
    frame.to_csv("d.csv", index=False)
    assert main(["train", "d.csv", "--target", "y", "--epochs", "3", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["evaluate", "d.bpnn", "d.csv"]) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if line.startswith("bpnn: note:")]
    assert "bpnn: note: d.csv: column 'when' holds dates, used as days since 1970-01-01 (row 2: '2024-01-01' → 19723)" \
        in notes  # 2024-01-01 is 19723 days after 1970-01-01
    assert any("column 'z' holds numbers written with thousands separators" in note for note in notes)


# ---- a constant target: R² and R both undefined, shown as dashes with one note (was R² 0 beside R nan) -------------
def test_evaluate_against_a_constant_target_shows_r2_and_r_undefined_with_one_note(folder, capsys):
    frame = table(11).dropna()
    frame.to_csv("d.csv", index=False)
    assert main(["train", "d.csv", "--target", "y", "--epochs", "3", "--quiet"]) == 0
    frame.assign(y=0.0).to_csv("zero.csv", index=False)
    capsys.readouterr()
    assert main(["evaluate", "d.bpnn", "zero.csv"]) == 0
    out, err = capsys.readouterr()
    header = next(line for line in out.splitlines() if "R²" in line)
    row = next(line for line in out.splitlines() if "All" in line)
    cells = dict(zip((c.strip() for c in header.strip("┃ ").split("┃")), (c.strip() for c in row.strip("│ ").split("│"))))
    assert cells["R²"] == cells["R"] == cells["MAPE (%)"] == "–"  # every row's target is 0
    assert float(cells["MSE"]) > 0  # the error is still measured
    assert err.count("R² and R of y, All: undefined (shown as –), the target is the same in every row") == 1


def test_the_regression_plot_of_a_constant_target_says_r_is_undefined(tmp_path, monkeypatch):
    from bpnn.reports import plots

    titles = []
    monkeypatch.setattr(plots, "save", lambda figure, path: titles.extend(a.get_title() for a in figure.axes) or path)
    plots.plot_regression({"All": (np.zeros(5), np.arange(5.0)), "Test": (np.arange(3.0), [0.0, 1.0, 2.0])},
                          tmp_path / "r.png")
    assert titles == ["All: R undefined", "Test: R = 1.00000"]  # ŷ = y exactly: R = 1


# ---- bpnn tune --help offers no --goal, which tune refused ("--goal applies to bpnn train") ------------------------
def test_tune_help_offers_no_goal_and_train_keeps_it(folder, capsys):
    for command, offered in (("tune", False), ("train", True)):
        assert main([command, "--help"]) == 0
        help_text = capsys.readouterr().out
        assert ("--goal" in help_text) is offered
        assert "--min-grad MIN_GRAD" in help_text  # the other trainParam flags stay offered to both
    table(12).dropna().to_csv("d.csv", index=False)
    assert main(["tune", "d.csv", "--target", "y", "--goal", "0.1"]) == 2
    assert "unrecognized arguments: --goal 0.1" in capsys.readouterr().err


# ---- bpnn predict keeps the input columns as the file wrote them: a blank it filled for the model stays blank ------
@pytest.mark.parametrize("given", [[], ["--impute", "mean"]])  # the training's --impute repeated, or given again
def test_predict_output_keeps_a_filled_blank_blank_and_predicts_with_the_fill(folder, capsys, given):
    from bpnn.cli.fitted import Fitted

    frame = table(13).assign(c=lambda f: f["c"].fillna("甲"))  # blanks in x only (data rows 4 and 11)
    frame.to_csv("d.csv", index=False)
    assert main(["train", "d.csv", "--target", "y", "--impute", "mean", "--epochs", "5", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["predict", "d.bpnn", "d.csv", "-o", "out.csv", *given]) == 0
    noted = "filled the missing feature values (2 in 'x')" in capsys.readouterr().err
    assert noted == (not given)  # the note of the training's fill stays; a fill asked for is not noted
    written = pd.read_csv("out.csv", dtype=str, keep_default_na=False)
    assert written.loc[[3, 10], "x"].tolist() == ["", ""]  # was the mean, 5.0…, in place of the user's blank
    original = pd.read_csv("d.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(written[original.columns], original)  # every input cell as the file wrote it
    fill = read(folder / "d.bpnn").info["understanding"]["imputed"]["x"]["value"]
    mean = frame["x"].mean()  # pandas' mean of the 38 present cells: the sum's rounding, a few ulp of it
    assert fill == pytest.approx(mean, rel=8 * np.finfo(float).eps)
    fitted = Fitted.from_file("d.bpnn")
    expected = fitted.estimator.predict(fitted.inputs(frame.fillna({"x": fill}), "d.csv"))
    predicted = np.array([float(cell) for cell in written["y_predicted"]])  # float(): the shortest repr read exactly
    np.testing.assert_array_equal(predicted, expected)  # the filled rows are predicted with the fill value
