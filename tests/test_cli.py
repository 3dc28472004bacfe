"""The command line, driven through ``main([...])`` on files in ``tmp_path``."""

import base64
import importlib.util
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from bpnn.cli import main
from bpnn.files.modelfile import load, read

FAST = ["--epochs", "60", "--quiet"]


def classification_frame(n: int = 90) -> pd.DataFrame:
    """Three species separable on two numeric features, a text feature, a text class column."""
    rng = np.random.default_rng(0)
    species = np.array(["setosa", "versicolor", "virginica"])[np.arange(n) % 3]
    centre = {"setosa": 0.0, "versicolor": 3.0, "virginica": 6.0}
    size = np.array([centre[s] for s in species]) + rng.normal(0, 0.5, n)
    return pd.DataFrame({"size": size, "weight": rng.uniform(1, 2, n), "colour": rng.choice(["red", "blue"], n),
                         "species": species})


def regression_frame(n: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    temperature, pressure = rng.uniform(0, 3, n), rng.uniform(1, 2, n)
    return pd.DataFrame({"温度": temperature, "压力": pressure, "产量": np.sin(temperature) + pressure**2})


def error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.count("\n") == 1, err
    return err


def import_file(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_help_imports_no_heavy_packages():
    code = ("import sys; from bpnn.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('sklearn', 'matplotlib', 'pandas', 'rich', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "train" in out and "predict" in out and "explain" in out
    assert out.strip().splitlines()[-1] == "[]"


def test_classification_csv_trains_predicts_evaluates_and_exports(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    classification_frame().to_csv("flowers.csv", index=False)
    assert main(["train", "flowers.csv", "--target", "species", *FAST]) == 0
    contents = read("flowers.bpnn")  # the default name comes from the data file
    assert contents.kind == "BPClassifier" and contents.info["targets"] == ["species"]
    assert contents.info["features"]["columns"][2] == {"name": "colour", "categories": ["blue", "red"]}
    assert set(contents.info["metrics"]) == {"Training", "Validation", "Test", "All"}
    assert contents.info["metrics"]["All"]["accuracy"] > 0.9

    new = classification_frame(12).drop(columns="species")
    new.to_csv("new.csv", index=False)
    assert main(["predict", "flowers.bpnn", "new.csv", "-o", "predicted.csv"]) == 0
    predicted = pd.read_csv("predicted.csv")
    assert list(predicted.columns) == [*new.columns, "species_predicted", "P(species=setosa)",
                                       "P(species=versicolor)", "P(species=virginica)"]
    np.testing.assert_allclose(predicted.filter(like="P(").sum(axis=1), 1.0)

    import bpnn
    from bpnn.cli.fitted import Fitted

    fitted = Fitted.from_file("flowers.bpnn")
    reloaded = bpnn.load("flowers.bpnn")
    X = fitted.inputs(new, "new.csv")
    np.testing.assert_array_equal(reloaded.predict_proba(X), fitted.estimator.predict_proba(X))

    assert main(["export", "flowers.bpnn", "--to", "python", "flowers_model.py"]) == 0
    module = import_file(tmp_path / "flowers_model.py")
    np.testing.assert_allclose(module.predict_proba(new), predicted.filter(like="P(").to_numpy(), rtol=0, atol=1e-12)
    assert module.predict(new).tolist() == predicted["species_predicted"].tolist()

    capsys.readouterr()
    classification_frame().to_csv("labelled.csv", index=False)
    assert main(["evaluate", "flowers.bpnn", "labelled.csv"]) == 0
    out = capsys.readouterr().out
    assert "accuracy" in out and "Confusion matrix" in out and "versicolor" in out

    assert main(["info", "flowers.bpnn"]) == 0
    out = capsys.readouterr().out
    for expected in ("BPClassifier", "4 → 10 → 3", "tanh, softmax", "setosa, versicolor, virginica",
                     "colour (text: blue, red)", "mapminmax to [-1, 1]", "Metrics at training", "scg"):
        assert expected in out, expected


def test_evaluate_refuses_a_class_unseen_at_training(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    classification_frame().to_csv("flowers.csv", index=False)
    assert main(["train", "flowers.csv", "--target", "species", *FAST]) == 0
    frame = classification_frame(6)
    frame.loc[0, "species"] = "rose"
    frame.to_csv("odd.csv", index=False)
    capsys.readouterr()
    assert main(["evaluate", "flowers.bpnn", "odd.csv"]) == 2
    assert "class label 'rose' was not seen at training (known: setosa, versicolor, virginica)" in error_line(capsys)


def test_regression_gbk_csv_with_chinese_columns(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    regression_frame().to_csv("产量.csv", index=False, encoding="gbk")
    assert main(["train", "产量.csv", "--target", "产量", "--epochs", "40", "--report", "r.html", "--plots", "figs"]) == 0
    out = capsys.readouterr().out
    assert "MSE" in out and "R²" in out and "Test" in out
    contents = read("产量.bpnn")
    assert contents.kind == "BPRegressor" and contents.info["settings"]["solver"] == "lm"  # LM, like fitnet
    assert contents.info["metrics"]["Test"]["r"] > 0.99
    # fitnet's defaults, kept by the estimator: mapminmax of inputs and targets, a random 70/15/15 division
    assert contents.meta["params"]["scaling"] == "mapminmax" and contents.meta["params"]["division"] == "random"
    assert contents.meta["y_scaling"]["kind"] == "mapminmax" and "x_scaling" not in contents.info
    assert [contents.info["data"][f"{name} rows"] for name in ("Training", "Validation", "Test")] == [84, 18, 18]
    estimator = contents.build()
    np.testing.assert_array_equal(np.sort(estimator.division_.test), estimator.division_.test)
    assert len(contents.info["training"]["curves"]["Test"]) == estimator.n_iter_  # measured every epoch
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == [
        "error_histogram.png", "network.png", "performance.png", "predictions.png", "regression.png",
        "training_state.png"]
    html = (tmp_path / "r.html").read_text("utf-8")
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    assert len(images) == 6 and all(base64.b64decode(image).startswith(b"\x89PNG") for image in images)
    assert "产量" in html and "http" not in html.replace("http-equiv", "")

    regression_frame(5).drop(columns="产量").to_csv("new.csv", index=False, encoding="gbk")
    assert main(["predict", "产量.bpnn", "new.csv", "-o", "new.xlsx"]) == 0
    predicted = pd.read_excel("new.xlsx")
    assert "产量_predicted" in predicted.columns
    assert main(["export", "产量.bpnn", "--to", "python", "yield_model.py"]) == 0
    module = import_file(tmp_path / "yield_model.py")
    np.testing.assert_allclose(module.predict(predicted[["温度", "压力"]].to_numpy()), predicted["产量_predicted"],
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet"])
def test_excel_and_parquet_tables_train(tmp_path, monkeypatch, suffix):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / f"table{suffix}"
    frame = classification_frame()
    frame.to_excel(path, index=False) if suffix == ".xlsx" else frame.to_parquet(path, index=False)
    assert main(["train", str(path), "--target", "species", "--features", "size", "colour", "--out", "m.bpnn", *FAST]) == 0
    assert read("m.bpnn").info["features"]["columns"] == [{"name": "size", "categories": None},
                                                           {"name": "colour", "categories": ["blue", "red"]}]
    assert main(["predict", "m.bpnn", str(path), "-o", f"out{suffix}"]) == 0


def test_two_numeric_inputs_give_a_decision_boundary(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    classification_frame().drop(columns="colour").to_csv("two.csv", index=False)
    assert main(["train", "two.csv", "--target", "species", "--plots", "figs", "--division", "1,0,0", *FAST]) == 0
    assert (tmp_path / "figs" / "decision_boundary.png").stat().st_size > 10_000


@pytest.mark.parametrize(("argv", "message"), [
    (["train", "data.csv", "--target", "specis"], "no target column 'specis'; did you mean 'species'?"),
    (["train", "data.csv", "--target", "species", "--hidden", "10,x"], "--hidden takes positive layer sizes"),
    (["train", "data.csv", "--target", "species", "--division", "0.5,0.5"], "--division takes three non-negative ratios"),
    (["train", "data.csv", "--target", "species", "--activation", "swish"], "unknown --activation 'swish'; choose one of"),
    (["train", "data.csv", "--target", "species", "--solver", "newton"], "unknown --solver 'newton'; choose one of"),
    (["train", "data.csv", "--target", "species", "--solver", "lm"], "solver 'lm' minimises squared errors"),
    (["train", "data.csv", "--target", "species", "--scaling", "log"], "unknown --scaling 'log'"),
    (["train", "nosuch.csv", "--target", "species"], "nosuch.csv: no such file"),
    (["predict", "data.csv", "data.csv"], "data.csv is not a bpnn model file"),
    (["info", "nosuch.bpnn"], "nosuch.bpnn: no such model file"),
    (["demo", "nosuch"], "unknown data set 'nosuch'; choose one of flower, moons"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    classification_frame().to_csv("data.csv", index=False)
    assert main(argv) == 2
    assert message in error_line(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]  # nothing half-written


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_model_file_with_the_scaling_beside_the_model_is_refused(tmp_path, monkeypatch, capsys):
    import bpnn
    from bpnn.estimators import BPRegressor
    from bpnn.tables import FeatureEncoder

    monkeypatch.chdir(tmp_path)
    frame = regression_frame(20)
    estimator = BPRegressor(hidden_layer_sizes=(3,), solver="lm", max_iter=2).fit(frame[["温度", "压力"]], frame["产量"])
    info = {"task": "regression", "targets": ["产量"], "features": FeatureEncoder.fit(frame, ["温度", "压力"]).to_dict(),
            "x_scaling": {"kind": "mapminmax"}}  # how an earlier bpnn train kept it
    bpnn.save(estimator, "old.bpnn", info)
    frame.to_csv("rows.csv", index=False)
    for argv in (["predict", "old.bpnn", "rows.csv"], ["export", "old.bpnn", "--to", "python", "m.py"]):
        assert main(argv) == 2
        assert "old.bpnn was saved by an earlier bpnn that kept the scaling outside the model" in error_line(capsys)


def test_a_corrupted_model_file_exits_2(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    classification_frame().to_csv("data.csv", index=False)
    assert main(["train", "data.csv", "--target", "species", *FAST]) == 0
    data = bytearray((tmp_path / "data.bpnn").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / "data.bpnn").write_bytes(bytes(data))
    capsys.readouterr()
    assert main(["predict", "data.bpnn", "data.csv"]) == 2
    assert "fails its checksum" in error_line(capsys)


def test_internal_errors_exit_1_with_one_line(monkeypatch, capsys):
    import bpnn.cli.demo

    def broken(args):
        raise RuntimeError("something broke")

    monkeypatch.setattr(bpnn.cli.demo, "run_datasets", broken)
    assert main(["datasets"]) == 1
    assert "bpnn: internal error: RuntimeError: something broke (run again with bpnn --traceback" in error_line(capsys)
    with pytest.raises(RuntimeError):
        main(["--traceback", "datasets"])


def test_datasets_lists_every_demo(capsys):
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    for name in ("xor", "moons", "circles", "spiral", "flower", "breast_cancer", "iris", "wine", "digits", "diabetes"):
        assert re.search(rf"^{name}\s", out, re.MULTILINE), name


def test_demo_trains_the_seed_network_and_reports(tmp_path, capsys):
    assert main(["demo", "xor", "--out", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert "the seed's two-layer network" in out and "Training" in out
    html = (tmp_path / "demo" / "report.html").read_text()
    assert "Class regions of the trained network over its two inputs" in html
    assert (tmp_path / "demo" / "decision_boundary.png").exists()
    assert re.search(r"Training\s*│\s*4\s*│\s*1\.0000", out)  # all four XOR corners right


def test_demo_of_a_scikit_learn_set_trains_through_the_estimators(tmp_path):
    assert main(["demo", "iris", "--out", str(tmp_path), "--epochs", "50", "--quiet"]) == 0
    contents = read(tmp_path / "iris.bpnn")
    assert contents.kind == "BPClassifier" and contents.info["data"]["classes"] == "setosa, versicolor, virginica"
    assert (tmp_path / "report.html").exists()


@pytest.mark.slow
def test_plain_demo_finishes_well_within_a_minute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    started = time.perf_counter()
    assert main(["demo", "--quiet"]) == 0
    assert time.perf_counter() - started < 60
    assert (tmp_path / "bpnn-demo" / "report.html").exists()


@pytest.mark.slow
def test_ctrl_c_then_train_resume_alone_ends_with_the_uninterrupted_model_bit_for_bit(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1000, 2))
    pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "y": np.sin(X.sum(axis=1))}).to_csv(tmp_path / "d.csv", index=False)
    options = ["--target", "y", "--solver", "adam", "--batch-size", "2", "--hidden", "3", "--max-fail", "0", "--epochs",
               "20", "--quiet"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    command = [sys.executable, "-c", "import sys; from bpnn.cli import main; sys.exit(main())", "train"]
    checkpoint, model, full = tmp_path / "run.ckpt", tmp_path / "m.bpnn", tmp_path / "full.bpnn"
    process = subprocess.Popen([*command, str(tmp_path / "d.csv"), *options, "--checkpoint", str(checkpoint), "--out",
                                str(model)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(600):  # the first epoch's checkpoint: the handler is in place and training under way
        if checkpoint.exists() or process.poll() is not None:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 130
    assert f"continue with bpnn train --resume {checkpoint}" in process.stderr.read()

    assert main(["train", "--resume", str(checkpoint), "--seed", "5"]) == 2  # a result-deciding option that differs
    assert "was trained with --seed 0, and this command gives 5; leave --seed out" in error_line(capsys)
    resumed = subprocess.run([*command, "--resume", str(checkpoint)], env=env, capture_output=True, text=True, timeout=120,
                             cwd=tmp_path.parent)  # another folder: the checkpoint keeps absolute paths
    assert resumed.returncode == 0, resumed.stderr
    uninterrupted = subprocess.run([*command, str(tmp_path / "d.csv"), *options, "--out", str(full)], env=env,
                                   capture_output=True, text=True, timeout=120)
    assert uninterrupted.returncode == 0, uninterrupted.stderr
    resumed_model, full_model = load(model), load(full)
    assert resumed_model.n_iter_ == full_model.n_iter_ == 20
    assert np.array_equal(resumed_model.network_.params, full_model.network_.params)


def test_train_without_data_or_resume_is_refused_in_one_line(tmp_path, capsys):
    assert main(["train", "--quiet"]) == 2
    assert "bpnn train needs DATA and --target COL (or --resume FILE" in error_line(capsys)
