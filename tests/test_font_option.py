"""``--font`` on every command that draws (issue 14): train (tables and series), evaluate, demo, tune and importance
take it through the one shared option, check it before any work and draw with it."""

from __future__ import annotations

import pandas as pd
import pytest

from bpnn.cli import main
from bpnn.reports import plots

pytestmark = pytest.mark.usefixtures("one_blas_thread")


@pytest.fixture
def fonts(monkeypatch):
    """The plots' font list made anew for the test, and restored after it."""
    monkeypatch.setattr(plots, "chosen_fonts", [])
    monkeypatch.setattr(plots, "missing_glyphs", {})
    plots.sans_serif_fonts.cache_clear()
    yield monkeypatch
    plots.sans_serif_fonts.cache_clear()


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pd.DataFrame({"x": range(30), "y": [(i * 7) % 11 + 0.5 for i in range(30)]}).to_csv("d.csv", index=False)
    return tmp_path


COMMANDS = {
    "train": ["train", "d.csv", "--target", "y"],
    "train --delays": ["train", "d.csv", "--target", "y", "--delays", "1:2"],
    "evaluate": ["evaluate", "m.bpnn", "d.csv"],
    "demo": ["demo", "iris", "--out", "demo-out"],
    "tune": ["tune", "d.csv", "--target", "y"],
    "importance": ["importance", "m.bpnn", "d.csv", "--plot", "bars.png"],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_every_drawing_command_refuses_an_unknown_font_in_one_line_before_any_work(command, folder, fonts, capsys):
    before = sorted(path.name for path in folder.iterdir())
    assert main([*COMMANDS[command], "--font", "No Such Font"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("bpnn: error: --font No Such Font: no installed font is named 'No Such Font'; give a font "
                          "file (.ttf, .otf, .ttc) or one of ") and err.count("\n") == 1
    assert sorted(path.name for path in folder.iterdir()) == before  # no model, folder or figure written


def test_importance_draws_with_the_font_file_given(folder, fonts, capsys):
    from matplotlib import font_manager

    serif = font_manager.findfont("DejaVu Serif", fallback_to_default=False)  # shipped with matplotlib
    assert main(["train", "d.csv", "--target", "y", "--epochs", "5", "--quiet", "--out", "m.bpnn"]) == 0
    assert main(["importance", "m.bpnn", "d.csv", "--plot", "bars.png", "--quiet", "--font", serif]) == 0
    assert plots.chosen_fonts == ["DejaVu Serif"] and plots.sans_serif_fonts()[0] == "DejaVu Serif"
    assert (folder / "bars.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
