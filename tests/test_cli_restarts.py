"""bpnn train --restarts N [--ensemble] [--division-seed S]: the trials table in the output, the report and bpnn
info, the standard-deviation column of bpnn predict on an ensemble, and the refusals in the command line's words."""

import numpy as np
import pandas as pd
import pytest

from bpnn.cli import main
from bpnn.files.modelfile import load

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
FAST = ["--epochs", "40"]


@pytest.fixture
def data(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (120, 2))
    path = tmp_path / "d.csv"
    pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "y": np.sin(3 * x[:, 0]) + x[:, 1] ** 2,
                  "c": np.where(x.sum(axis=1) > 0, "up", "down")}).to_csv(path, index=False)
    return path


def test_restarts_print_the_trials_and_keep_the_best(data, tmp_path, capsys):
    out = tmp_path / "m.bpnn"
    assert main(["train", str(data), "--target", "y", "--features", "a", "b", "--restarts", "3", "--out", str(out),
                 "--report", str(tmp_path / "r.html"), *FAST]) == 0
    printed = capsys.readouterr().out
    assert "Trials (3)" in printed and "spread over trials: training MSE" in printed
    model = load(out)
    assert model.n_init == 3 and len(model.trials_) == 3 and not hasattr(model, "estimators_")
    validation = [t["val_loss"] for t in model.trials_]
    assert model.best_trial_ == 1 + int(np.argmin(validation))
    report = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Trials (3)" in report and "Spread:" in report
    assert main(["info", str(out)]) == 0
    assert "Trials (3)" in capsys.readouterr().out


def test_ensemble_predict_writes_a_standard_deviation_column(data, tmp_path, capsys):
    out = tmp_path / "e.bpnn"
    assert main(["train", str(data), "--target", "y", "--features", "a", "b", "--restarts", "3", "--ensemble",
                 "--out", str(out), "--quiet", *FAST]) == 0
    model = load(out)
    assert len(model.estimators_) == 3
    predictions = tmp_path / "p.csv"
    assert main(["predict", str(out), str(data), "-o", str(predictions)]) == 0
    frame = pd.read_csv(predictions)
    X = frame[["a", "b"]].to_numpy()
    mean, std = model.predict(X, return_std=True)
    np.testing.assert_allclose(frame["y_predicted"], mean)
    np.testing.assert_allclose(frame["y_std"], std)
    assert (frame["y_std"] > 0).all()


def test_classification_ensemble_predicts_mean_probabilities(data, tmp_path):
    out = tmp_path / "c.bpnn"
    assert main(["train", str(data), "--target", "c", "--features", "a", "b", "--restarts", "2", "--ensemble",
                 "--out", str(out), "--quiet", *FAST]) == 0
    predictions = tmp_path / "p.csv"
    assert main(["predict", str(out), str(data), "-o", str(predictions)]) == 0
    frame = pd.read_csv(predictions)
    assert "c_std" not in frame and {"P(c=up)", "P(c=down)"} <= set(frame)


def test_division_seed_holds_the_rows_while_seed_changes_the_weights(data, tmp_path):
    models = []
    for seed in ("1", "2"):
        out = tmp_path / f"s{seed}.bpnn"
        assert main(["train", str(data), "--target", "y", "--features", "a", "b", "--seed", seed, "--division-seed", "7",
                     "--out", str(out), "--quiet", *FAST]) == 0
        models.append(load(out))
    assert np.array_equal(models[0].division_.test, models[1].division_.test)
    assert not np.array_equal(models[0].coefs_[0], models[1].coefs_[0])


@pytest.mark.parametrize("options, words", [
    (["--restarts", "0"], "--restarts must be at least 1; got 0"),
    (["--division-seed", "-3"], "--division-seed must be a non-negative integer"),
    (["--restarts", "2", "--checkpoint", "x.ckpt"], "--checkpoint saves one training's state"),
    (["--ensemble", "--scheduler", "local:1"], "leave them out with --scheduler"),
    (["--restarts", "two"], "--restarts: invalid int value"),
])
def test_bad_restart_options_are_one_line_in_the_command_line_words(data, tmp_path, capsys, options, words):
    code = main(["train", str(data), "--target", "y", "--out", str(tmp_path / "m.bpnn"), "--quiet", *options])
    err = capsys.readouterr().err
    assert code == 2 and words in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "m.bpnn").exists()


def test_the_live_display_counts_the_trials():
    from types import SimpleNamespace

    from bpnn.cli.restarts import counting_trials

    seen = []
    progress = SimpleNamespace(title="lm on d.csv", callback=lambda epoch, history, network: seen.append(epoch))
    callback = counting_trials(progress, 3)
    for trial in range(2):
        for epoch in range(3):
            callback(epoch, None, object())
            assert progress.title == f"lm on d.csv · trial {trial + 1}/3"
    callback(2, None, None)  # the final refresh after fit (no network) counts no trial
    assert progress.title == "lm on d.csv · trial 2/3" and seen == [0, 1, 2, 0, 1, 2, 2]
