"""Checkpoints and resume: a run killed with SIGKILL and resumed ends bit-identical to one never stopped;
a write killed before its rename leaves the previous checkpoint, and the next write removes its temporary file;
stop flags; refusals with reasons."""

import os
import signal
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

import bpnn.files.modelfile
from bpnn.core.solvers.lm import singularity
from bpnn.estimators import BPClassifier, BPRegressor
from bpnn.files.checkpoint import load_checkpoint, save_checkpoint
from bpnn.files.modelfile import ModelFileError

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
PINNED = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
SETUP = """
import os, signal, sys
import numpy as np
from bpnn.estimators import BPRegressor
rng = np.random.default_rng(0)
X = rng.normal(size=(90, 3))
y = np.sin(X.sum(axis=1))
settings = dict(hidden_layer_sizes=(6,), solver=sys.argv[1], max_iter=14, random_state=3, division="random",
                scaling="mapminmax", batch_size=16, tol=0.0, max_fail=100, learning_rate_init=0.01)
"""


def run_script(body: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", SETUP + textwrap.dedent(body), *args], env=PINNED,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.slow
@pytest.mark.parametrize("solver", ["sgd", "adam", "lm", "rprop", "scg"])
def test_sigkill_at_a_random_epoch_then_resume_is_bit_identical(solver, tmp_path):
    killed_at = int(np.random.default_rng(sum(map(ord, solver))).integers(2, 11))  # a seeded epoch, 0-based
    checkpoint = tmp_path / "run.ckpt"
    killed = run_script("""
        def kill(epoch, history, network):
            if epoch == int(sys.argv[3]):
                os.kill(os.getpid(), signal.SIGKILL)
        BPRegressor(**settings, callbacks=[kill]).fit(X, y, checkpoint=sys.argv[2])
    """, solver, str(checkpoint), str(killed_at))
    assert killed.returncode == -signal.SIGKILL
    state, _ = load_checkpoint(checkpoint)
    assert len(state["training"]["history"]["loss"]) == killed_at + 1  # written before the callbacks
    both = run_script("""
        full = BPRegressor(**settings).fit(X, y)
        resumed = BPRegressor(**settings).fit(X, y, resume=sys.argv[2])
        np.save(sys.argv[3], np.stack([full.network_.params, resumed.network_.params]))
        assert full.n_iter_ == resumed.n_iter_ == 14 and full.history_.loss == resumed.history_.loss
    """, solver, str(checkpoint), str(tmp_path / "params.npy"))
    assert both.returncode == 0, both.stderr
    full, resumed = np.load(tmp_path / "params.npy")
    assert np.array_equal(full, resumed)


def test_a_write_killed_before_its_rename_leaves_the_previous_checkpoint_and_the_next_removes_its_temporary(tmp_path):
    path = tmp_path / "run.ckpt"
    result = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        import os, signal, sys
        import numpy as np
        from bpnn.files.checkpoint import save_checkpoint
        save_checkpoint(sys.argv[1], {"epoch": 1, "params": np.arange(5.0)})
        os.replace = lambda *args: os.kill(os.getpid(), signal.SIGKILL)  # dies between write and rename
        save_checkpoint(sys.argv[1], {"epoch": 2, "params": np.zeros(5)})
    """), str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == -signal.SIGKILL
    state, _ = load_checkpoint(path)
    assert state["epoch"] == 1 and np.array_equal(state["params"], np.arange(5.0))
    stray = [entry.name for entry in tmp_path.iterdir() if entry.name != "run.ckpt"]
    assert len(stray) == 1 and stray[0].startswith(".run.ckpt.") and stray[0].endswith(".tmp")
    others = [".run.ckpt.abc.tmp", ".run.ckpt.abcd1234.tmp.bak", "run.ckpt.abcd1234.tmp", ".other.abcd1234.tmp",
              ".run.ckpt.ABCD1234.tmp", ".run.ckpt2.abcd1234.tmp"]  # not a temporary file of run.ckpt: kept
    for name in others:
        (tmp_path / name).write_bytes(b"x")
    save_checkpoint(path, {"epoch": 3})  # the next successful write removes the stray temporary file
    assert sorted(entry.name for entry in tmp_path.iterdir()) == sorted([*others, "run.ckpt"])
    assert load_checkpoint(path)[0] == {"epoch": 3}


def test_state_round_trips_exactly(tmp_path):
    rng = np.random.default_rng(7)
    rng.normal(size=3)
    state = {"params": rng.normal(size=4).astype(np.float32), "rng": rng.bit_generator.state, "best": float("inf"),
             "loss": [0.1, 1 / 3], "none": None, "nested": {"order": np.array([2, 0, 1]), "wait": 3}}
    save_checkpoint(tmp_path / "c", state, {"note": "x"})
    loaded, info = load_checkpoint(tmp_path / "c")
    assert info == {"note": "x"} and loaded["best"] == np.inf and loaded["loss"] == [0.1, 1 / 3]
    assert loaded["params"].dtype == np.float32 and np.array_equal(loaded["params"], state["params"])
    assert loaded["rng"] == state["rng"] and np.array_equal(loaded["nested"]["order"], [2, 0, 1])


def test_load_names_a_checkpoint_and_resume_refuses_a_model_file(tmp_path):
    X, y = np.random.default_rng(0).normal(size=(40, 2)), np.arange(40) % 2
    model = BPClassifier(hidden_layer_sizes=(3,), max_iter=3, random_state=0)
    model.fit(X, y, checkpoint=tmp_path / "c.ckpt")
    with pytest.raises(ModelFileError, match="is a training checkpoint, not a model; continue it with bpnn train --resume"):
        bpnn.files.modelfile.load(tmp_path / "c.ckpt")
    bpnn.files.modelfile.save(model, tmp_path / "m.bpnn")
    with pytest.raises(ModelFileError, match="unknown kind 'BPClassifier'; this bpnn loads checkpoint"):
        BPClassifier(hidden_layer_sizes=(3,), max_iter=3, random_state=0).fit(X, y, resume=tmp_path / "m.bpnn")
    with pytest.raises(ValueError, match=r"saved with hidden_layer_sizes=\[3\]; this BPClassifier has "
                                         r"hidden_layer_sizes=\[4\]"):
        BPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X, y, resume=tmp_path / "c.ckpt")
    with pytest.raises(ValueError, match="a checkpoint of a BPClassifier; resume it with that estimator"):
        BPRegressor(hidden_layer_sizes=(3,), max_iter=3, random_state=0).fit(X, y, resume=tmp_path / "c.ckpt")


def test_lbfgs_refuses_checkpoints_with_the_reason(tmp_path):
    X, y = np.random.default_rng(0).normal(size=(30, 2)), np.arange(30.0)
    with pytest.raises(ValueError, match="solver 'lbfgs' cannot be checkpointed or resumed: SciPy's L-BFGS keeps"):
        BPRegressor(solver="lbfgs", max_iter=3).fit(X, y, checkpoint=tmp_path / "c")
    with pytest.raises(ValueError, match="checkpoint_every must be an int >= 1; got 0"):
        BPRegressor(max_iter=3).fit(X, y, checkpoint=tmp_path / "c", checkpoint_every=0)


@pytest.mark.parametrize("solver", ["adam", "lm", "br", "rprop", "scg"])
def test_a_stop_flag_ends_fit_cleanly_and_the_checkpoint_resumes_it(solver, tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(64, 2))
    y = X[:, 0] - X[:, 1] ** 2
    # 20 epochs pass scg's restart every P = 17 iterations, after the resume at epoch 4
    settings = dict(hidden_layer_sizes=(4,), solver=solver, max_iter=20, random_state=0, batch_size=8, tol=0.0,
                    n_iter_no_change=100, solver_options={"min_grad": 0.0} if solver in ("rprop", "scg") else None)
    stop = threading.Event()
    stopper = BPRegressor(**settings, callbacks=[lambda epoch, history, network: stop.set() if epoch == 2 else None])
    stopper.fit(X, y, checkpoint=tmp_path / "c", stop=stop)  # set at epoch 3's end: stops during epoch 4
    assert stopper.history_.stop_reason == "interrupted"
    assert stopper.n_iter_ == (3 if solver == "adam" else 4)
    full = BPRegressor(**settings).fit(X, y)
    resumed = BPRegressor(**settings).fit(X, y, resume=tmp_path / "c")
    assert resumed.history_.stop_reason == full.history_.stop_reason != "interrupted"
    assert resumed.history_.loss == full.history_.loss and resumed.history_.extra == full.history_.extra
    assert np.array_equal(full.network_.params, resumed.network_.params)


def test_a_singular_gauss_newton_matrix_is_named():
    assert "JᵀJ stayed singular (rank 2 of 3 parameters)" in singularity(np.diag([1.0, 2.0, 0.0]))
    assert "non-finite values" in singularity(np.array([[np.inf]]))
    assert singularity(np.eye(2)) == ""


@pytest.mark.slow
def test_ctrl_c_during_bpnn_train_saves_a_checkpoint_and_the_model_and_exits_130(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20000, 2))
    rows = "\n".join(f"{a:.6f},{b:.6f},{np.sin(a + b):.6f}" for a, b in X)
    (tmp_path / "d.csv").write_text("a,b,y\n" + rows + "\n")
    checkpoint, model = tmp_path / "run.ckpt", tmp_path / "m.bpnn"
    process = subprocess.Popen([sys.executable, "-c", "import sys; from bpnn.cli import main; sys.exit(main())", "train",
                                str(tmp_path / "d.csv"), "--target", "y", "--solver", "adam", "--batch-size", "2",
                                "--hidden", "3", "--max-fail", "0", "--epochs", "1000", "--quiet",
                                "--checkpoint", str(checkpoint), "--out", str(model)],
                               env=PINNED, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(600):  # the first epoch's checkpoint shows training is under way
        if checkpoint.exists() or process.poll() is not None:
            break
        threading.Event().wait(0.1)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and f"--resume {checkpoint}" in stderr.splitlines()[-1]
    state, _ = load_checkpoint(checkpoint)
    assert state["training"]["history"]["stop_reason"] == "interrupted"
    assert bpnn.files.modelfile.load(model).n_iter_ >= 1
