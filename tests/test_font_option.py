"""``--font`` on every command that draws (issue 14): train (tables and series), evaluate, demo, tune and importance
take it through the one shared option, check it before any work and draw with it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from bpnn.cli import main
from bpnn.reports import plots

pytestmark = pytest.mark.usefixtures("one_blas_thread")


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


def bold_only_font(folder) -> str:
    """matplotlib's own DejaVu Sans Bold under a family name of its own, so that family has weight 700 only (as the
    Noto CJK .ttc files of one weight each have): made with fontTools, which matplotlib itself requires."""
    from fontTools.ttLib import TTFont
    from matplotlib import font_manager

    font = TTFont(font_manager.findfont("DejaVu Sans:bold", fallback_to_default=False))
    assert font["OS/2"].usWeightClass == 700
    for record in font["name"].names:
        if record.nameID in (1, 4, 6, 16):  # family, full name, PostScript name, typographic family
            record.string = "BpnnBoldOnly" if record.nameID == 6 else "Bpnn Bold Only"
    font.save(folder / "bold-only.ttf")
    return str(folder / "bold-only.ttf")


def test_a_bold_only_font_is_one_note_not_matplotlibs_fallback_warning_per_text_size(folder, fonts, capsys, caplog):
    fonts.setattr(plots, "weight_fallbacks", {})
    assert main(["train", "d.csv", "--target", "y", "--epochs", "5", "--quiet", "--out", "m.bpnn"]) == 0
    capsys.readouterr()
    with caplog.at_level("DEBUG", logger="matplotlib.font_manager"):  # what matplotlib would have logged
        assert main(["evaluate", "m.bpnn", "d.csv", "--plots", "figures", "--font", bold_only_font(folder)]) == 0
    assert not [r for r in caplog.records if "Failed to find font weight" in r.getMessage()]
    notes = [line for line in capsys.readouterr().err.splitlines() if "weight" in line]
    assert notes == ["bpnn: note: the plots' fonts: Bpnn Bold Only has no normal weight, so its text is drawn in "
                     "weight 700"]
    assert plots.chosen_fonts == ["Bpnn Bold Only"] and len(list((folder / "figures").glob("*.png"))) >= 3
    assert plots.weight_note() is None  # said once


NOTO_BOLD = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc"


@pytest.mark.skipif(not Path(NOTO_BOLD).is_file(), reason=f"{NOTO_BOLD} is not installed here (fonts-noto-cjk)")
def test_the_noto_serif_cjk_bold_collection_of_the_review_is_one_note_on_stderr(folder):
    # the review's case, as a user runs it: stderr held "findfont: Failed to find font weight normal for Noto Serif
    # CJK JP, now using 700." five times
    assert main(["train", "d.csv", "--target", "y", "--epochs", "5", "--quiet", "--out", "m.bpnn"]) == 0
    run = subprocess.run([sys.executable, "-m", "bpnn", "evaluate", "m.bpnn", "d.csv", "--plots", "figures", "--font",
                          NOTO_BOLD], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "findfont" not in run.stderr
    assert [line for line in run.stderr.splitlines() if "weight" in line] == [
        "bpnn: note: the plots' fonts: Noto Serif CJK JP has no normal weight, so its text is drawn in weight 700"]
