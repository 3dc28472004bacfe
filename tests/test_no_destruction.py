"""Outputs that cannot destroy: one test per way a run used to destroy or half-write files. Each asserts that the
input files are byte-identical afterwards, that a model file from an earlier run is unchanged, and that nothing
partial is left (no new file, whole or temporary) when the run is refused or fails; the message is one line in
the command's words.
"""

from __future__ import annotations

import errno
import hashlib
import io
import shutil

import numpy as np
import pandas as pd
import pytest

from bpnn.cli import main

N = 30


def plant() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame({"temperature": rng.uniform(20, 80, N).round(2), "pressure": rng.uniform(1, 5, N).round(3),
                         "material": [("steel", "brass", "copper")[i % 3] for i in range(N)],
                         "yield": rng.uniform(0.1, 0.9, N).round(4)})


def workbook() -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer) as writer:
        plant().to_excel(writer, sheet_name="Data", index=False)
        pd.DataFrame({"remark": ["measured by Li", "calibrated 2024-05-01"]}).to_excel(writer, sheet_name="Notes",
                                                                                      index=False)
    return buffer.getvalue()


def snapshot(folder) -> dict:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


TRAIN = ["train", "d.csv", "--target", "yield", "--epochs", "2", "--quiet"]


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A folder with the data (d.csv, d.xlsx) and a model file from an earlier run (old.bpnn)."""
    monkeypatch.chdir(tmp_path)
    plant().to_csv(tmp_path / "d.csv", index=False)
    (tmp_path / "d.xlsx").write_bytes(workbook())
    assert main([*TRAIN, "--out", "old.bpnn"]) == 0
    return tmp_path


def refused(capsys, argv: list, folder, words: list, code: int = 2) -> None:
    """``argv`` exits ``code`` with one error line holding ``words``, and every file in ``folder`` is as it was."""
    before = snapshot(folder)
    capsys.readouterr()
    assert main(argv) == code
    err = capsys.readouterr().err
    lines = err.splitlines()  # notes of a finished training may come first; the error is one line, the last
    assert lines and lines[-1].startswith("bpnn: error: ") and "Traceback" not in err, err
    assert all(line.startswith("bpnn: note: ") for line in lines[:-1]), err
    for word in words:
        assert word in err, (word, err)
    for word in ("Errno", ".tmp", "internal error"):
        assert word not in err, (word, err)
    assert snapshot(folder) == before  # inputs and the earlier model byte-identical, nothing new, nothing partial


def test_predict_output_onto_its_own_input_workbook(folder, capsys):
    refused(capsys, ["predict", "old.bpnn", "d.xlsx", "-o", "d.xlsx"], folder, ["-o d.xlsx", "input"])
    assert pd.ExcelFile(folder / "d.xlsx").sheet_names == ["Data", "Notes"]  # the other sheet is still there


def test_predict_output_onto_its_own_input_csv(folder, capsys):
    refused(capsys, ["predict", "old.bpnn", "d.csv", "-o", "d.csv"], folder, ["-o d.csv", "input"])


def test_predict_output_onto_its_input_by_another_name(folder, capsys):
    (folder / "sub").mkdir()
    shutil.copy(folder / "d.csv", folder / "sub" / "d.csv")
    refused(capsys, ["predict", "old.bpnn", "sub/d.csv", "-o", "sub/../sub/./d.csv"], folder, ["-o", "input"])


def test_predict_output_onto_the_model(folder, capsys):
    refused(capsys, ["predict", "old.bpnn", "d.csv", "-o", "old.bpnn"], folder, ["-o old.bpnn", "model"])


def test_train_out_onto_the_data(folder, capsys):
    refused(capsys, [*TRAIN, "--out", "d.csv"], folder, ["--out d.csv", "input"])


def test_train_report_onto_the_data(folder, capsys):
    refused(capsys, [*TRAIN, "--out", "new.bpnn", "--report", "d.csv"], folder, ["--report d.csv", "input"])


def test_train_checkpoint_onto_the_data(folder, capsys):
    refused(capsys, [*TRAIN, "--out", "new.bpnn", "--checkpoint", "d.csv"], folder, ["--checkpoint d.csv", "input"])


def test_train_two_outputs_onto_one_file(folder, capsys):
    refused(capsys, [*TRAIN, "--out", "r.html", "--report", "r.html"], folder, ["--out", "--report", "r.html"])


def test_train_plots_into_a_folder_that_is_a_file(folder, capsys):
    refused(capsys, [*TRAIN, "--out", "old.bpnn", "--plots", "d.csv"], folder, ["--plots d.csv"])


def test_a_report_that_cannot_be_written_leaves_the_earlier_model_and_no_plots(folder, capsys, monkeypatch):
    """The report fails after training (a full disk): the model file of the earlier run is not replaced, no
    figure is left in --plots, and no temporary file anywhere."""
    from bpnn.reports import html

    def full_disk(self, path):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(html.Report, "write", full_disk)
    refused(capsys, [*TRAIN, "--out", "old.bpnn", "--report", "r.html", "--plots", "figs"], folder,
            ["--report r.html", "disk is full"])
    assert not (folder / "figs").exists()


def test_a_model_that_cannot_be_written_leaves_no_report(folder, capsys, monkeypatch):
    from bpnn.files import modelfile

    def read_only(path, data):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(modelfile, "atomic_write", read_only)
    refused(capsys, [*TRAIN, "--out", "old.bpnn", "--report", "r.html"], folder, ["--out old.bpnn", "read-only"])


def test_out_of_memory_is_one_line(folder, capsys, monkeypatch):
    from bpnn.cli import fitting

    def no_memory(*args, **kwargs):
        raise MemoryError()

    monkeypatch.setattr(fitting, "fit_dataset", no_memory)
    import bpnn.cli.train as train_module

    monkeypatch.setattr(train_module, "fit_dataset", no_memory)
    refused(capsys, [*TRAIN, "--out", "old.bpnn"], folder, ["memory"])


def test_lm_on_a_network_too_large_for_its_memory_is_refused_before_training(folder, capsys):
    refused(capsys, [*TRAIN, "--out", "old.bpnn", "--solver", "lm", "--hidden", "2000,2000"], folder,
            ["--solver lm", "GiB", "scg"])


def test_a_checkpoint_copied_elsewhere_never_writes_into_its_first_folder(folder, capsys):
    (folder / "first").mkdir()
    shutil.copy(folder / "d.csv", folder / "first" / "d.csv")
    assert main(["train", "first/d.csv", "--target", "yield", "--epochs", "2", "--quiet", "--solver", "scg",
                 "--checkpoint", "first/c.ckpt", "--out", "first/m.bpnn"]) == 0
    (folder / "second").mkdir()
    shutil.copy(folder / "first" / "c.ckpt", folder / "second" / "c.ckpt")
    shutil.copy(folder / "first" / "d.csv", folder / "second" / "d.csv")
    first = snapshot(folder / "first")
    assert main(["train", "--resume", "second/c.ckpt", "--quiet"]) == 0
    assert snapshot(folder / "first") == first  # the first folder is not written into
    assert (folder / "second" / "m.bpnn").is_file()  # the copy's model is written beside it


@pytest.mark.parametrize("argv", [
    ["train", "d.csv", "--target", "nosuch", "--out", "old.bpnn"],
    ["train", "d.csv", "--target", "yield", "--out", "old.bpnn", "--epochs", "0"],
    ["train", "d.csv", "--target", "yield", "--out", "old.bpnn", "--hidden", "0"],
])
def test_a_refused_run_leaves_the_earlier_model(folder, capsys, argv):
    refused(capsys, argv, folder, [])


def test_a_closed_pipe_ends_predict_quietly(folder, capsys, monkeypatch):
    """bpnn predict … | head: the reader stops early; no error, no traceback, nothing written."""
    import sys

    class ClosedPipe(io.StringIO):
        def write(self, text):
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    before = snapshot(folder)
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert main(["predict", "old.bpnn", "d.csv"]) == 0
    assert capsys.readouterr().err == ""
    assert snapshot(folder) == before


def test_matlab_solver_names_are_aliases_in_one_place():
    from bpnn.core.solvers import SOLVER_ALIASES, SOLVERS, solver_name
    from bpnn.estimators import BPRegressor

    assert {name: solver_name(name) for name in ("trainlm", "TRAINBR", "trainscg", "trainrp", "LM", "adam")} == {
        "trainlm": "lm", "TRAINBR": "br", "trainscg": "scg", "trainrp": "rprop", "LM": "lm", "adam": "adam"}
    assert set(SOLVER_ALIASES.values()) <= set(SOLVERS)
    assert BPRegressor(solver="trainlm", max_iter=3).fit([[0.0], [1.0], [2.0]], [0.0, 1.0, 2.0]).n_iter_ >= 1  # taken too
    with pytest.raises(ValueError, match="or MATLAB's trainlm, trainbr"):
        BPRegressor(solver="trainxyz").fit([[0.0], [1.0], [2.0]], [0.0, 1.0, 2.0])
