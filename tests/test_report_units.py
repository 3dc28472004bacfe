"""MATLAB habits in what train, evaluate and info show: metrics and regression plots per target, every figure in
the table's units, MAPE in percent (rows whose target is 0 left out, with a note), and the record of what was
converted, excluded and imputed. References: SciPy and scikit-learn on the rows as the CSV holds them, and the
predictions of the saved model."""

import errno
import re

import numpy as np
import pandas as pd
import pytest
from scipy.stats import pearsonr
from sklearn import metrics as skm

from bpnn.cli import main
from bpnn.files.modelfile import load, read

EPS = np.finfo(np.float64).eps
SPLITS = ("Training", "Validation", "Test")


def three_targets(n: int = 150) -> pd.DataFrame:
    """Three targets of very different ranges (about 25, 1000 and 0.0005) from two inputs."""
    rng = np.random.default_rng(3)
    x1, x2 = rng.uniform(0, 1, n), rng.uniform(0, 1, n)
    return pd.DataFrame({"x1": x1, "x2": x2, "温度": 20 + 10 * np.sin(3 * x1) + rng.normal(0, 0.3, n),
                         "load_kN": 1000 + 500 * x2**2 + rng.normal(0, 5, n),
                         "ratio": 0.001 * x1 * x2 + rng.normal(0, 1e-5, n)})


def lines_by_label(axes) -> dict:
    return {line.get_label(): line.get_xydata() for line in axes.get_lines()}


def test_several_targets_get_metrics_and_regression_plots_each_in_table_units(tmp_path, figures, capsys):
    frame = three_targets()
    targets = ["温度", "load_kN", "ratio"]
    frame.to_csv(tmp_path / "three.csv", index=False)
    model, report = tmp_path / "three.bpnn", tmp_path / "three.html"
    assert main(["train", str(tmp_path / "three.csv"), "--target", *targets, "--hidden", "6", "--epochs", "40",
                 "--out", str(model), "--plots", str(tmp_path / "plots"), "--report", str(report)]) == 0
    out = capsys.readouterr().out
    estimator, info = load(model), read(model).info
    y, predicted = frame[targets].to_numpy(), load(model).predict(frame[["x1", "x2"]].to_numpy())
    division = estimator.division_
    rows = {"Training": division.train, "Validation": division.val, "Test": division.test, "All": np.arange(len(y))}
    # the metrics of each split and target against SciPy and scikit-learn on the table's values; sums over m <= 150
    # rows, the summation bound (m + 4)·ε either way, twice for R and R², once more for MAPE's × 100
    for split, index in rows.items():
        metrics, t, p = info["metrics"][split], y[index], predicted[index]
        rel = 2 * (len(index) + 4) * EPS
        np.testing.assert_allclose(metrics["r"], [pearsonr(t[:, j], p[:, j]).statistic for j in range(3)], rtol=2 * rel)
        np.testing.assert_allclose(metrics["r2"], skm.r2_score(t, p, multioutput="raw_values"), rtol=2 * rel)
        np.testing.assert_allclose(metrics["rmse"], skm.root_mean_squared_error(t, p, multioutput="raw_values"), rtol=rel)
        np.testing.assert_allclose(metrics["mae"], skm.mean_absolute_error(t, p, multioutput="raw_values"), rtol=rel)
        np.testing.assert_allclose(metrics["mape_percent"],
                                   100 * skm.mean_absolute_percentage_error(t, p, multioutput="raw_values"),
                                   rtol=rel + 2 * EPS)
    # the printed table: one row per split and target, nothing pooled over the targets
    table = [line for line in out.splitlines() if re.match(r"[│|]\s*(Training|Validation|Test|All)\b", line)]
    assert "MAPE (%)" in out and "Metrics per target" in out and len(table) == 4 * 3
    assert all(any(name in line for name in targets) for line in table)
    # the regression figure: a row of panels per target, each with that target's values and R in its title
    regression = figures["regression.png"]
    panels = {axes.get_title(): axes for axes in regression.axes if axes.get_visible()}
    assert len(panels) == 3 * 4
    for j, name in enumerate(targets):
        for split, index in rows.items():
            r = pearsonr(y[index, j], predicted[index, j]).statistic
            axes = panels[f"{name}, {split}: R = {r:.5f}"]
            data = lines_by_label(axes)["Data"]
            np.testing.assert_array_equal(data[:, 0], y[index, j])
            np.testing.assert_allclose(data[:, 1], predicted[index, j], rtol=16 * EPS)  # the same network, re-run
            assert axes.get_xlabel() == f"Target {name}"
    # the error histogram: one panel per target, its bins over that target's errors in its own units
    histogram = figures["error_histogram.png"]
    for j, axes in enumerate(histogram.axes):
        errors = y[:, j] - predicted[:, j]
        edges = np.histogram_bin_edges(errors, bins=20)
        lefts = sorted({patch.get_x() for patch in axes.patches})  # a bar per split and bin, stacked in one column
        # matplotlib bins at the edges it is given; ours are over the same errors (in another order: same min, max)
        np.testing.assert_allclose(lefts, edges[:-1], rtol=0, atol=8 * EPS * np.abs(errors).max())
        assert targets[j] in axes.get_xlabel() and targets[j] in axes.get_title()
    # targets scaled by different factors: a performance panel per target in its own units. At the epoch whose
    # weights the model keeps, each curve is scikit-learn's MSE of the saved model's predictions of that target
    # (the bound as in the one-target test below: the sums, then the cancellation in y - ŷ)
    performance, best = figures["performance.png"], info["training"]["best_epoch"] - 1
    assert len(performance.axes) == 3
    for j, (axes, name) in enumerate(zip(performance.axes, targets)):
        assert axes.get_ylabel() == f"Mean squared error of {name} (its units²)"
        curves = lines_by_label(axes)
        for split in SPLITS:
            index = rows[split]
            mse = skm.mean_squared_error(y[index, j], predicted[index, j])
            rel = (len(index) + 4) * EPS + 4 * EPS * np.abs(y[index, j]).max() / np.sqrt(mse)
            assert curves[split][best, 1] == pytest.approx(mse, rel=rel)
    html = report.read_text("utf-8")
    assert "Metrics per target" in html and "MAPE (%)" in html and "<td>load_kN</td>" in html


def test_one_target_performance_curves_are_in_the_table_units(tmp_path, figures):
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 3, 120)
    pd.DataFrame({"x": x, "产量": 500 + 200 * np.sin(x) + rng.normal(0, 4, 120)}).to_csv(tmp_path / "one.csv", index=False)
    model = tmp_path / "one.bpnn"
    assert main(["train", str(tmp_path / "one.csv"), "--target", "产量", "--hidden", "5", "--epochs", "40",
                 "--out", str(model), "--plots", str(tmp_path / "plots"), "--quiet"]) == 0
    estimator, info = load(model), read(model).info
    axes = figures["performance.png"].axes[0]
    assert axes.get_ylabel() == "Mean squared error of 产量 (its units²)"
    curves = {name: lines_by_label(axes)[name][:, 1] for name in SPLITS}
    best = info["training"]["best_epoch"] - 1
    frame = pd.read_csv(tmp_path / "one.csv")
    y, predicted = frame["产量"].to_numpy(), estimator.predict(frame[["x"]].to_numpy())
    for name, index in zip(SPLITS, (estimator.division_.train, estimator.division_.val, estimator.division_.test)):
        # the curve at the epoch whose weights the model keeps is the MSE of its predictions in the table's units:
        # the trainer's MSE' of scaled targets over m rows divided by a² against scikit-learn's on the table's
        # values. The error y - ŷ of the unscaled prediction loses ε·|y|/|y - ŷ| to cancellation, so the bound is
        # (m + 4)·ε for the sums plus 4ε·max|y|/RMSE for the cancellation.
        mse = skm.mean_squared_error(y[index], predicted[index])
        rel = (len(index) + 4) * EPS + 4 * EPS * np.abs(y[index]).max() / np.sqrt(mse)
        assert curves[name][best] == pytest.approx(mse, rel=rel)
    assert curves["Training"][0] > 100  # the table's units (hundreds), not mapminmax's [-1, 1]


def test_mape_is_in_percent_and_leaves_out_zero_targets_with_a_note(tmp_path, capsys):
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 1, 80)
    y = np.round(10 * x, 0)  # 0 in the rows with x < 0.05
    pd.DataFrame({"x": x, "y": y + 0.01 * rng.normal(size=80)}).assign(y=lambda f: np.where(y == 0, 0.0, f.y)).to_csv(
        tmp_path / "z.csv", index=False)
    model = tmp_path / "z.bpnn"
    assert main(["train", str(tmp_path / "z.csv"), "--target", "y", "--hidden", "4", "--epochs", "30", "--out",
                 str(model), "--task", "regression"]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(model), str(tmp_path / "z.csv")]) == 0
    captured = capsys.readouterr()
    frame = pd.read_csv(tmp_path / "z.csv")
    zero = frame["y"].to_numpy() == 0
    assert zero.sum() > 0
    predicted = load(model).predict(frame[["x"]].to_numpy())
    expected = 100 * skm.mean_absolute_percentage_error(frame["y"][~zero], predicted[~zero])
    row = next(line for line in captured.out.splitlines() if "All" in line)
    mape = float(re.split(r"\s*[│|]\s*", row.strip("│| "))[5])  # split, samples, MSE, RMSE, MAE, MAPE (%)
    assert mape == pytest.approx(expected, rel=5e-4)  # the table shows 4 significant digits
    assert (f"bpnn: note: MAPE (%) of y, All: left out the {zero.sum()} row(s) whose target is 0 (a percentage of 0 "
            f"is undefined)") in captured.err


def messy_csv(path) -> pd.DataFrame:
    """A spreadsheet export: dates, thousands separators, percentages, a comment column, two blank cells."""
    rng = np.random.default_rng(6)
    rows = []
    for i in range(60):
        price, share, temp = int(rng.integers(1000, 9000)), rng.uniform(5, 20), rng.uniform(10, 30)
        y = 0.001 * price + 0.3 * share + 0.1 * temp + rng.normal(0, 0.1)
        rows.append({"date": f"2024-01-{i % 28 + 1:02d}", "price": f"{price:,}", "share": f"{share:.1f}%",
                     "temp": None if i in (3, 17) else round(temp, 1), "note": f"batch {i}", "y": round(y, 3)})
    frame = pd.DataFrame(rows)
    frame.to_csv(path, index=False)
    return frame


def test_info_and_report_record_what_was_converted_excluded_and_imputed(tmp_path, capsys):
    frame = messy_csv(tmp_path / "messy.csv")
    model, report = tmp_path / "messy.bpnn", tmp_path / "messy.html"
    assert main(["train", str(tmp_path / "messy.csv"), "--target", "y", "--exclude", "note", "--impute", "mean",
                 "--epochs", "20", "--out", str(model), "--report", str(report), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["info", str(model)]) == 0
    out = capsys.readouterr().out
    mean = frame["temp"].dropna().mean()  # what --impute mean fills with: the mean of the training table's cells
    lines = {name: next(line for line in out.splitlines() if line.strip("│| ").startswith(name))
             for name in ("date: converted", "price: converted", "share: converted", "excluded (--exclude)",
                          "temp: imputed")}
    assert "dates, used as days since 1970-01-01" in lines["date: converted"]
    assert "thousands separators" in lines["price: converted"] and "'" + frame["price"][0] + "'" in lines["price: converted"]
    assert "percent signs" in lines["share: converted"]
    assert "note" in lines["excluded (--exclude)"]
    assert f"2 missing cell(s) filled with the mean, {mean:.6g} (--impute mean)" in lines["temp: imputed"]
    html = report.read_text("utf-8")
    assert "How the table was read" in html and f"filled with the mean, {mean:.6g}" in html and "percent signs" in html


def test_evaluate_writes_the_report_and_plots_of_the_data_it_is_given(tmp_path, capsys, figures):
    frame = three_targets()
    targets = ["温度", "load_kN", "ratio"]
    frame.to_csv(tmp_path / "train.csv", index=False)
    frame.iloc[:50].to_csv(tmp_path / "new.csv", index=False)
    model = tmp_path / "m.bpnn"
    assert main(["train", str(tmp_path / "train.csv"), "--target", *targets, "--hidden", "6", "--epochs", "30",
                 "--out", str(model), "--quiet"]) == 0
    capsys.readouterr()
    report, folder = tmp_path / "eval.html", tmp_path / "figures"
    assert main(["evaluate", str(model), str(tmp_path / "new.csv"), "--report", str(report), "--plots", str(folder)]) == 0
    assert sorted(p.name for p in folder.iterdir()) == ["error_histogram.png", "network.png", "predictions.png",
                                                        "regression.png"]
    new = frame.iloc[:50]
    predicted = load(model).predict(new[["x1", "x2"]].to_numpy())
    panels = {axes.get_title(): axes for axes in figures["regression.png"].axes}
    for j, name in enumerate(targets):
        r = pearsonr(new[name], predicted[:, j]).statistic
        np.testing.assert_array_equal(lines_by_label(panels[f"{name}, All: R = {r:.5f}"])["Data"][:, 0], new[name])
    html = report.read_text("utf-8")
    assert "new.csv" in html and "Metrics per target" in html and html.count("data:image/png;base64,") == 4
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_evaluate_refuses_to_write_over_its_inputs_and_leaves_nothing_half_written(tmp_path, capsys, monkeypatch):
    rng = np.random.default_rng(8)
    pd.DataFrame({"x": rng.uniform(size=40), "y": rng.uniform(size=40)}).to_csv(tmp_path / "d.csv", index=False)
    model = tmp_path / "d.bpnn"
    assert main(["train", str(tmp_path / "d.csv"), "--target", "y", "--epochs", "5", "--out", str(model), "--quiet"]) == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    capsys.readouterr()
    for option, path in (("--report", tmp_path / "d.csv"), ("--report", model), ("--plots", tmp_path / "d.csv")):
        assert main(["evaluate", str(model), str(tmp_path / "d.csv"), option, str(path)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith(f"bpnn: error: {option} ") and "Traceback" not in err
    # the report fails after the figures were drawn: neither the figures nor the report are left
    import bpnn.reports.html as html

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(html.Report, "write", full)
    assert main(["evaluate", str(model), str(tmp_path / "d.csv"), "--report", str(tmp_path / "r.html"),
                 "--plots", str(tmp_path / "figs")]) == 2
    assert capsys.readouterr().err == f"bpnn: error: cannot write --report {tmp_path / 'r.html'}: the disk is full; " \
                                      f"free some space or write elsewhere\n"
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_evaluate_draws_a_classifier_s_figures_on_the_data_given(tmp_path, capsys, figures):
    rng = np.random.default_rng(9)
    x1, x2 = rng.normal(size=120), rng.normal(size=120)
    frame = pd.DataFrame({"长度": x1, "宽度": x2, "类别": np.where(x1 + x2 > 0, "高", "低")})
    frame.to_csv(tmp_path / "c.csv", index=False)
    model = tmp_path / "c.bpnn"
    assert main(["train", str(tmp_path / "c.csv"), "--target", "类别", "--epochs", "30", "--out", str(model),
                 "--quiet"]) == 0
    assert main(["evaluate", str(model), str(tmp_path / "c.csv"), "--plots", str(tmp_path / "f")]) == 0
    assert sorted(p.name for p in (tmp_path / "f").iterdir()) == ["confusion.png", "decision_boundary.png",
                                                                 "network.png", "roc.png"]
    predicted = load(model).predict(frame[["长度", "宽度"]].to_numpy())
    counts = skm.confusion_matrix(frame["类别"], predicted, labels=["低", "高"])
    shown = figures["confusion.png"].axes[0].get_images()[0].get_array()  # each true class's share per prediction
    np.testing.assert_allclose(shown, counts / counts.sum(axis=1, keepdims=True), rtol=4 * EPS)
    boundary = figures["decision_boundary.png"].axes[0]
    assert (boundary.get_xlabel(), boundary.get_ylabel()) == ("长度", "宽度")


def test_info_shows_an_older_model_file_s_mape_fraction_in_percent(capsys):
    from pathlib import Path

    old = Path(__file__).parent / "data" / "before-restructure" / "table.bpnn"
    stored = read(old).info["metrics"]["All"]["mape"]  # an earlier bpnn kept MAPE as a fraction
    assert main(["info", str(old)]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.strip("│| ").startswith("All"))
    cells = re.split(r"\s*[│|]\s*", row.strip("│| "))
    assert float(cells[5]) == pytest.approx(100 * stored, rel=5e-4)  # split, samples, MSE, RMSE, MAE, MAPE (%): 4 digits


def test_info_records_the_rows_drop_missing_left_out(tmp_path, capsys):
    frame = messy_csv(tmp_path / "messy.csv")
    model = tmp_path / "m.bpnn"
    assert main(["train", str(tmp_path / "messy.csv"), "--target", "y", "--exclude", "note", "--drop-missing",
                 "--epochs", "5", "--out", str(model), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["info", str(model)]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if "dropped (--drop-missing)" in line)
    assert f"{frame['temp'].isna().sum()} row(s) with missing values" in line
