"""Plots write PNG files under the Agg backend; the report is one HTML file with every image inside."""

import base64
import re
import struct
import subprocess
import sys
from html.parser import HTMLParser

import numpy as np
import pytest

from bpnn.core.training import History
from bpnn.reports import plots
from bpnn.reports.html import Report
from bpnn.reports.metrics import confusion_matrix, roc_auc, roc_curve

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_SIGNATURE)
    return struct.unpack(">II", data[16:24])  # IHDR width, height


def solver_history(n: int = 30) -> History:
    epochs = np.arange(n)
    history = History(loss=list(np.exp(-epochs / 8) + 0.05), val_loss=list(np.exp(-epochs / 8) + 0.08))
    history.extra = {"perf": history.loss, "val_perf": history.val_loss, "test_perf": [v + 0.01 for v in history.val_loss],
                     "gradient": list(np.exp(-epochs / 5)), "mu": list(np.full(n, 1e-3)), "val_fail": list(epochs % 3)}
    history.best_epoch, history.stop_reason = 20, "validation stop"
    return history


def regression_splits():
    rng = np.random.default_rng(0)
    t = rng.normal(size=60)
    y = t + rng.normal(0, 0.2, 60)
    return {"Training": (t[:40], y[:40]), "Validation": (t[40:50], y[40:50]), "Test": (t[50:], y[50:]), "All": (t, y)}


@pytest.fixture(scope="module")
def drawn(tmp_path_factory) -> dict:
    """Every plot, drawn once into one folder."""
    folder = tmp_path_factory.mktemp("plots")
    rng = np.random.default_rng(1)
    classes = np.array(["a", "b", "c"])
    y_true, y_pred = rng.choice(classes, 50), rng.choice(classes, 50)
    binary, score = rng.integers(0, 2, 50), rng.random(50)
    fpr, tpr, _ = roc_curve(binary, score)
    X = rng.normal(size=(40, 2))
    return {
        "performance": plots.plot_performance(*plots.history_curves(solver_history())[:1], folder / "performance.png",
                                              20, "Performance", "validation stop"),
        "performance_gd": plots.plot_performance({"Training": [1.0, 0.5, 0.25]}, folder / "performance_gd.png"),
        "state": plots.plot_training_state(solver_history().extra, folder / "state.png"),
        "regression": plots.plot_regression(regression_splits(), folder / "regression.png"),
        "errors": plots.plot_error_histogram(regression_splits(), folder / "errors.png"),
        "predictions": plots.plot_predictions(*regression_splits()["Test"], folder / "predictions.png"),
        "confusion": plots.plot_confusion({"Test": confusion_matrix(y_true, y_pred, classes)}, classes,
                                          folder / "confusion.png"),
        "roc": plots.plot_roc({"Test": (fpr, tpr, roc_auc(binary, score))}, folder / "roc.png"),
        "boundary": plots.plot_decision_boundary(lambda G: 1 / (1 + np.exp(-G[:, :1])), X, (X[:, 0] > 0).astype(int),
                                                 [0, 1], folder / "boundary.png", resolution=40),
        "network": plots.plot_network([30, 12, 1], ["Input", "Hidden 1\ntanh", "Output\nsigmoid"], folder / "net.png"),
    }


def test_every_plot_writes_a_png(drawn):
    for name, path in drawn.items():
        width, height = png_size(path.read_bytes())
        assert width > 300 and height > 200, name
    folder = drawn["network"].parent
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in drawn.values())  # no temporary files left


def test_training_state_without_solver_series_writes_nothing(tmp_path):
    assert plots.plot_training_state({"perf": [1.0, 0.5]}, tmp_path / "state.png") is None
    assert not list(tmp_path.iterdir())


def test_history_curves_prefer_matlab_perf_series():
    history = solver_history()
    curves, measure = plots.history_curves(history)
    assert measure == "Performance" and list(curves) == ["Training", "Validation", "Test"]
    assert curves["Test"] == history.extra["test_perf"]
    curves, measure = plots.history_curves(History(loss=[2.0, 1.0], extra={"test_loss": [3.0, 2.0]}))
    assert measure == "Loss" and curves == {"Training": [2.0, 1.0], "Test": [3.0, 2.0]}


def test_plots_need_no_display_and_no_pyplot():
    code = ("import sys, tempfile, pathlib; from bpnn.reports.plots import plot_performance; "
            "d = pathlib.Path(tempfile.mkdtemp()); "
            "plot_performance({'Training': [1.0, 0.5]}, d / 'p.png'); "
            "print('matplotlib.pyplot' in sys.modules, (d / 'p.png').read_bytes()[:4])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PATH": "", "DISPLAY": ""}).stdout.split()  # no display to draw on
    assert out == ["False", "b'\\x89PNG'"]


class Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.references, self.open = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs["src"])
        self.references += [v for k, v in attrs.items() if k in ("href", "src") and not v.startswith("data:")]
        if tag not in ("img", "meta"):
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open.pop() == tag


def test_report_is_one_html_file_with_every_image_embedded(drawn, tmp_path):
    report = Report("Iris <model>", "data: iris.csv")
    report.heading("Metrics")
    report.table([("Test", 0.96, None), ("All", 0.5, 12)], ("split", "accuracy", "n"))
    report.key_values({"solver": "lm", "列": "温度"})
    for name, path in drawn.items():
        report.image(path, f"figure {name}")
    path = report.write(tmp_path / "report.html")
    text = path.read_text("utf-8")
    parser = Collector()
    parser.feed(text)
    assert parser.open == [] and parser.references == []  # balanced, and nothing outside the file
    embedded = [base64.b64decode(src.split(",", 1)[1]) for src in parser.images]
    assert embedded == [p.read_bytes() for p in drawn.values()]
    assert "Iris &lt;model&gt;" in text and "<td>0.9600</td>" in text and "<td>–</td>" in text and "温度" in text
    assert re.search(r"written \d{4}-\d\d-\d\dT.* by bpnn", text)


@pytest.mark.parametrize(("value", "text"), [(0.123456, "0.1235"), (0.95, "0.9500"), (0.001234567, "0.001235"),
                                             (12345.678, "1.235e+04"), (3, "3"), (None, "–"), ("x", "x")])
def test_report_cells(value, text):
    from bpnn.reports.html import cell

    assert cell(value) == text


def draw_chinese(folder) -> list:
    """A regression and a performance figure whose column name is Chinese; the warnings matplotlib gave."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plots.plot_regression({"Test": regression_splits()["Test"]}, folder / "r.png", ["温度 (°C)"])
        plots.plot_performance({"Training": [2.0, 1.0]}, folder / "p.png", 1, "Mean squared error of 温度 (°C) (its units²)")
    return caught


def test_chinese_text_is_drawn_with_the_font_a_package_ships_on_a_machine_without_one(fonts, tmp_path):
    if not any(__import__("importlib").util.find_spec(package) for package, _ in plots.SHIPPED_FONTS):
        pytest.skip("mplfonts, the package bpnn[cjk] installs for its Chinese font, is not installed")
    fonts.setattr(plots, "CJK_FONTS", ())  # as on a machine with no Chinese font of its own
    caught = draw_chinese(tmp_path)
    assert not [w for w in caught if "missing from font" in str(w.message)]
    assert plots.missing_glyphs == {} and plots.font_note() is None
    assert plots.sans_serif_fonts()[-1] == "Noto Sans CJK SC"


def test_characters_no_font_has_give_one_note_naming_them(fonts, tmp_path):
    fonts.setattr(plots, "CJK_FONTS", ())
    fonts.setattr(plots, "SHIPPED_FONTS", ())
    caught = draw_chinese(tmp_path)
    assert not [w for w in caught if "missing from font" in str(w.message)]  # noted, not left to a hidden warning
    note = plots.font_note()
    assert note.startswith("no font here has the characters '温度', so the plots show them as boxes; ")
    assert "bpnn[cjk]" in note and "--font" in note
    assert plots.font_note() is None  # once


def test_font_option_takes_a_font_file_or_an_installed_name(fonts, tmp_path, capsys):
    from matplotlib import font_manager

    from bpnn.cli import main

    dejavu = font_manager.findfont("DejaVu Sans")
    assert plots.use_font(dejavu) == "DejaVu Sans" and plots.sans_serif_fonts()[0] == "DejaVu Sans"
    assert plots.use_font("DejaVu Sans") == "DejaVu Sans"
    with pytest.raises(ValueError, match="no font file"):
        plots.use_font(str(tmp_path / "missing.ttf"))
    (tmp_path / "fake.ttf").write_bytes(b"not a font")
    with pytest.raises(ValueError, match="is no font file matplotlib can read"):
        plots.use_font(str(tmp_path / "fake.ttf"))
    data = tmp_path / "d.csv"
    data.write_text("x,y\n" + "".join(f"{i},{i % 7}.5\n" for i in range(30)))
    for command in (["train", str(data), "--target", "y"], ["evaluate", str(tmp_path / "m.bpnn"), str(data)]):
        assert main([*command, "--font", "No Such Font"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("bpnn: error: --font No Such Font: no installed font is named 'No Such Font'; give a font "
                              "file (.ttf, .otf, .ttc) or one of ") and err.count("\n") == 1
    assert not (tmp_path / "d.bpnn").exists()


def test_a_command_that_drew_boxes_says_so_once(fonts, tmp_path, capsys):
    from bpnn.cli import main

    data = tmp_path / "d.csv"
    data.write_text("x,温度\n" + "".join(f"{i},{(i * 7) % 11}.5\n" for i in range(40)))
    fonts.setattr(plots, "CJK_FONTS", ())
    fonts.setattr(plots, "SHIPPED_FONTS", ())
    assert main(["train", str(data), "--target", "温度", "--epochs", "5", "--quiet", "--plots", str(tmp_path / "p"),
                 "--report", str(tmp_path / "r.html"), "--out", str(tmp_path / "p.bpnn")]) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if "no font here" in line]
    assert notes == ["bpnn: note: no font here has the characters '温度', so the plots show them as boxes; pip install "
                     "\"bpnn[cjk]\" (a Chinese font), or give the command --font with a font file that has them"]
    plots.sans_serif_fonts.cache_clear()
    fonts.undo()  # the machine's and the package's fonts again: no note
    plots.sans_serif_fonts.cache_clear()
    assert main(["train", str(data), "--target", "温度", "--epochs", "5", "--quiet", "--plots", str(tmp_path / "q"),
                 "--out", str(tmp_path / "q.bpnn")]) == 0
    if plots.sans_serif_fonts()[2:]:  # a CJK font is installed (or bpnn[cjk])
        assert "no font here" not in capsys.readouterr().err
