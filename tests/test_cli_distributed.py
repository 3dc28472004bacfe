"""``bpnn train --scheduler``: training on a local Dask cluster through the CLI, and its one-line refusals."""

import numpy as np
import pytest

pytest.importorskip("distributed")

from bpnn.cli import main  # noqa: E402
from bpnn.files.modelfile import load, read  # noqa: E402


@pytest.fixture
def table(tmp_path):
    import pandas as pd

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    frame = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "c": X[:, 2], "label": np.where(X[:, 0] - X[:, 1] > 0, "yes", "no")})
    path = tmp_path / "rows.csv"
    frame.to_csv(path, index=False)
    return path, frame


@pytest.mark.slow
def test_train_on_two_local_workers_saves_a_model_that_predicts_like_the_metrics_say(table, tmp_path, capsys):
    path, frame = table
    out = tmp_path / "model.bpnn"
    code = main(["train", str(path), "--target", "label", "--scheduler", "local:2", "--partitions", "3",
                 "--solver", "lbfgs", "--epochs", "40", "--hidden", "4", "--out", str(out)])
    assert code == 0
    assert "2 worker(s), 3 partition(s), 200 rows" in capsys.readouterr().out
    info, model = read(out).info, load(out)
    accuracy = float(np.mean(model.predict(frame[["a", "b", "c"]].to_numpy()) == frame["label"].to_numpy()))
    assert info["metrics"]["Training"]["accuracy"] == pytest.approx(accuracy, abs=1e-12)  # every row, by the client
    assert accuracy > 0.95 and info["data"]["rows"] == 200 and info["settings"]["scheduler"] == "local:2"
    assert main(["predict", str(out), str(path), "-o", str(tmp_path / "p.csv")]) == 0  # the usual model file


@pytest.mark.parametrize(("options", "message"), [
    (["--scheduler", "nowhere"], "--scheduler 'nowhere' is neither local:N nor a scheduler address"),
    (["--scheduler", "local:0"], "give the number of workers as local:N with N >= 1"),
    (["--scheduler", "local:2", "--scaling", "standard"], "--scaling cannot be used with --scheduler"),
    (["--scheduler", "local:2", "--division", "0.8,0.2,0"], "--division cannot be used with --scheduler"),
    (["--scheduler", "local:2", "--partitions", "0"], "--partitions must be at least 1; got 0"),
    (["--scheduler", "local:2", "--importance"], "--importance cannot be used with --scheduler"),
])
def test_bad_cluster_options_exit_2_with_one_line(table, tmp_path, capsys, options, message):
    path, _ = table
    assert main(["train", str(path), "--target", "label", "--features", "a", "b", *options,
                 "--out", str(tmp_path / "m.bpnn")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("bpnn: error: ") and message in error


def test_help_imports_no_dask_pandas_or_sklearn():
    import subprocess
    import sys

    code = ("import sys; from bpnn.cli import main\ntry: main(['train', '--help'])\nexcept SystemExit: pass\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'dask', 'distributed', 'pandas', 'sklearn'}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "--scheduler" in result.stdout and result.stdout.strip().endswith("[]")


def closed_port() -> int:
    """A local TCP port nothing listens on: one the system just handed out, closed again."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("command", [["train"], ["tune", "--hidden", "2"]])
def test_an_address_where_no_scheduler_answers_is_one_line_within_seconds(table, tmp_path, capsys, command):
    import time

    from bpnn.distributed.cluster import CONNECT_SECONDS

    path, _ = table
    address = f"tcp://127.0.0.1:{closed_port()}"
    started = time.perf_counter()
    assert main([command[0], str(path), *command[1:], "--target", "label", "--scheduler", address,
                 "--out", str(tmp_path / "m.bpnn")]) == 2
    elapsed = time.perf_counter() - started
    # was 30 s, Dask's default connect timeout; now CONNECT_SECONDS, plus reading the table and Dask's import
    assert elapsed < CONNECT_SECONDS + 10
    assert capsys.readouterr().err.splitlines() == [
        f"bpnn: error: --scheduler {address}: no Dask scheduler answered there within {CONNECT_SECONDS} s; start one "
        f"(dask scheduler --port PORT) and give its address, or use local:4 to start 4 local workers"]
    assert not (tmp_path / "m.bpnn").exists()


def test_an_address_where_a_scheduler_runs_connects():
    from distributed import LocalCluster

    from bpnn.distributed import client_from_scheduler

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster:
        with client_from_scheduler(cluster.scheduler_address) as client:
            assert client.submit(sum, [1, 2, 3]).result() == 6
