"""bpnn train --delays and bpnn forecast: the round trip (train on a series with future rows, forecast them, the file
with the forecast) and the refusals, each one line naming the column, row or option, exit 2."""

import numpy as np
import pandas as pd
import pytest

import bpnn
from bpnn.cli import main
from bpnn.datasets import narendra_plant

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # short trainings


@pytest.fixture
def series_file(tmp_path):
    """600 time steps, shuffled in the file (--time puts them in order), the last 20 with a blank target."""
    y, x = narendra_plant(600)
    frame = pd.DataFrame({"t": np.arange(600), "x": x, "y": y, "comment": "ok"})
    frame.loc[580:, "y"] = np.nan
    frame = frame.sample(frac=1.0, random_state=0)
    path = tmp_path / "plant.csv"
    frame.to_csv(path, index=False)
    return path, y, x


def test_train_with_delays_then_forecast_fills_in_the_future_rows(series_file, tmp_path, capsys):
    path, y, x = series_file
    model_path, out = tmp_path / "plant.bpnn", tmp_path / "forecast.csv"
    assert main(["train", str(path), "--target", "y", "--delays", "1:2", "--exog", "x", "--exog-delays", "1",
                 "--time", "t", "--hidden", "8", "--epochs", "200", "--out", str(model_path),
                 "--plots", str(tmp_path / "figures")]) == 0
    shown = capsys.readouterr()
    assert "left out the column(s) comment" in shown.err
    assert "linear ARX on the same lags" in shown.out and "naive (last value)" in shown.out
    assert "--steps 20" in shown.out
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == [
        "closed_loop.png", "error_autocorrelation.png", "input_error_correlation.png", "response.png"]
    assert main(["info", str(model_path)]) == 0
    assert "exogenous delays" in capsys.readouterr().out
    assert main(["predict", str(model_path), str(path)]) == 2
    assert "holds a series model (bpnn train --delays); forecast with bpnn forecast" in capsys.readouterr().err
    model = bpnn.load(model_path)
    assert isinstance(model, bpnn.NARXRegressor) and model.lags_.delays == (1, 2) and model.lags_.exog_delays == (1,)
    assert main(["forecast", str(model_path), str(path), "--steps", "20", "-o", str(out)]) == 0
    written = pd.read_csv(out)
    assert list(written.columns) == ["t", "x", "y", "comment", "y_forecast"]
    np.testing.assert_array_equal(written["t"], np.arange(600))  # in time order
    assert written["y_forecast"].iloc[:580].isna().all() and written["y_forecast"].iloc[580:].notna().all()
    expected = model.forecast(20, y[:580], x[580:600], X=x[:580])
    np.testing.assert_allclose(written["y_forecast"].iloc[580:], expected, rtol=1e-12)
    assert np.sqrt(np.mean((expected - y[580:600]) ** 2)) < 0.3 * np.std(y)  # the plant's own continuation


def test_a_nar_forecast_past_the_file_adds_rows(tmp_path, capsys):
    t = np.arange(200)
    path = tmp_path / "wave.csv"
    pd.DataFrame({"load": np.sin(2 * np.pi * t / 25)}).to_csv(path, index=False)
    model_path, out = tmp_path / "wave.bpnn", tmp_path / "out.csv"
    assert main(["train", str(path), "--target", "load", "--delays", "1:3", "--hidden", "4", "--epochs", "100",
                 "--season", "25", "--out", str(model_path)]) == 0
    shown = capsys.readouterr().out
    assert "seasonal naive (season 25)" in shown and "linear AR on the same lags" in shown
    assert main(["forecast", str(model_path), str(path), "--steps", "5", "-o", str(out)]) == 0
    written = pd.read_csv(out)
    assert len(written) == 205 and written["load_forecast"].notna().sum() == 5
    np.testing.assert_allclose(written["load_forecast"].iloc[200:], np.sin(2 * np.pi * np.arange(200, 205) / 25),
                               atol=0.05)


@pytest.mark.parametrize("change, command, words", [
    (lambda f: f.assign(y=f.y.where(f.t != 100)), ["train"], "column 'y' row"),
    (lambda f: f.assign(x=f.x.where(f.t != 585)), ["forecast"], "column 'x' row"),
])
def test_gaps_are_refused_with_the_row_named(series_file, tmp_path, capsys, change, command, words):
    path, _, _ = series_file
    model_path = tmp_path / "plant.bpnn"
    assert main(["train", str(path), "--target", "y", "--delays", "2", "--exog", "x", "--time", "t", "--hidden", "3",
                 "--epochs", "5", "--quiet", "--out", str(model_path)]) == 0
    frame = pd.read_csv(path)
    broken = tmp_path / "broken.csv"
    change(frame).to_csv(broken, index=False)
    capsys.readouterr()
    if command == ["train"]:
        args = ["train", str(broken), "--target", "y", "--delays", "2", "--time", "t", "--quiet",
                "--out", str(tmp_path / "b.bpnn")]
    else:
        args = ["forecast", str(model_path), str(broken), "--steps", "10"]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and "\n" not in err and "Traceback" not in err
    row = frame.index[frame.t == (100 if command == ["train"] else 585)][0] + 2  # the file's row number
    assert f"row {row} is blank" in err


@pytest.mark.parametrize("args, words", [
    (["--delays", "0:2"], "--delays takes lags >= 1"),
    (["--delays", "two"], "--delays takes lags such as 1:4"),
    (["--exog", "x"], "--exog belongs to a series model; add --delays"),
    (["--delays", "2", "--exog-delays", "0:1"], "--exog-delays are the lags of the --exog columns"),
    (["--delays", "2", "--features", "x"], "--features does not go with --delays"),
    (["--delays", "2", "--exog", "xx"], "no exogenous (--exog) column 'xx'"),
])
def test_bad_series_options_are_refused_in_the_command_line_words(series_file, tmp_path, capsys, args, words):
    path, _, _ = series_file
    assert main(["train", str(path), "--target", "y", "--quiet", "--out", str(tmp_path / "m.bpnn"), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and "\n" not in err


def test_forecast_refuses_a_table_model_and_too_many_steps(series_file, tmp_path, capsys):
    path, y, x = series_file
    table_model = tmp_path / "table.bpnn"
    bpnn.save(bpnn.BPRegressor(hidden_layer_sizes=2, max_iter=5).fit(x[:50, None], y[:50]), table_model)
    assert main(["forecast", str(table_model), str(path), "--steps", "3"]) == 2
    assert "holds a BPRegressor, not a series model" in capsys.readouterr().err
    model_path = tmp_path / "plant.bpnn"
    assert main(["train", str(path), "--target", "y", "--delays", "2", "--exog", "x", "--exog-delays", "0:1",
                 "--time", "t", "--hidden", "3", "--epochs", "5", "--quiet", "--out", str(model_path)]) == 0
    capsys.readouterr()
    assert main(["forecast", str(model_path), str(path), "--steps", "25"]) == 2
    assert "--steps 25 needs the exogenous column(s) x in 25 row(s)" in capsys.readouterr().err


def test_an_ensemble_forecast_writes_the_members_spread(tmp_path):
    t = np.arange(120)
    path = tmp_path / "wave.csv"
    pd.DataFrame({"load": np.sin(2 * np.pi * t / 25)}).to_csv(path, index=False)
    model_path, out = tmp_path / "wave.bpnn", tmp_path / "out.csv"
    assert main(["train", str(path), "--target", "load", "--delays", "2", "--hidden", "3", "--epochs", "20",
                 "--restarts", "3", "--ensemble", "--quiet", "--out", str(model_path)]) == 0
    assert main(["forecast", str(model_path), str(path), "--steps", "4", "-o", str(out)]) == 0
    written = pd.read_csv(out)
    assert list(written.columns) == ["load", "load_forecast", "load_std"]
    assert (written["load_std"].iloc[120:] > 0).all() and written["load_std"].iloc[:120].isna().all()
