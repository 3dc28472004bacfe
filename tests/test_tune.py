"""bpnn tune and bpnn.selection.tune: candidates, folds, the errors measured, the best one retrained and saved."""

import numpy as np
import pandas as pd
import pytest

from bpnn.cli import main
from bpnn.files.modelfile import load
from bpnn.selection.tune import TuneError, best_of, error_of, folds_of, parse_candidates, rule_of_thumb, tune

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def test_candidates_ranges_sizes_and_layers():
    assert parse_candidates(["2:6:2"]) == [(2,), (4,), (6,)]
    assert parse_candidates(["2:4", "3", "8,4"]) == [(2,), (3,), (4,), (8, 4)]
    for bad, words in (("5:2", "needs 1 <= A <= B"), ("0:3", "needs 1 <= A"), ("a", "takes ranges"), ("4,0", "takes")):
        with pytest.raises(TuneError, match=words):
            parse_candidates([bad])


def test_rule_of_thumb_and_errors():
    assert rule_of_thumb(4, 1) == (3, 12)  # √5 = 2.24: 3.24 … 12.24
    assert error_of("regression", np.array([1.0, 2.0]), np.array([2.0, 2.0])) == 0.5
    assert error_of("classification", np.array(["a", "b", "b", "a"]), np.array(["a", "b", "a", "a"])) == 0.25


def test_block_folds_are_contiguous_and_shuffled_folds_cover_every_row():
    y = np.arange(12.0)
    blocks = folds_of(12, y, "regression", 3, True, 0)
    assert [held.tolist() for _, held in blocks] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    shuffled = folds_of(12, y, "regression", 3, False, 0)
    assert sorted(np.concatenate([held for _, held in shuffled]).tolist()) == list(range(12))
    with pytest.raises(TuneError, match="--folds must be between 2"):
        folds_of(12, y, "regression", 1, False, 0)


@pytest.fixture(scope="module")
def sine():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (120, 1))
    return X, np.sin(3 * X[:, 0])


def params(**extra):
    return dict(activation="tanh", solver="lm", max_iter=40, alpha=0.0, scaling="mapminmax", division="random",
                division_ratios=(0.8, 0.2, 0.0), random_state=0, **extra)


def test_tune_measures_every_fold_and_trial_and_is_the_same_on_one_or_two_processes(sine):
    X, y = sine
    candidates = [((1,), params(hidden_layer_sizes=(1,), n_init=3)), ((6,), params(hidden_layer_sizes=(6,), n_init=3))]
    results = tune("regression", candidates, X, y, folds=3, jobs=2)
    for candidate in results:
        assert len(candidate.kept) == 3 and all(len(trials) == 3 for trials in candidate.trials)
        assert all(kept in trials for kept, trials in zip(candidate.kept, candidate.trials))
    assert best_of(results).hidden == (6,)  # one tanh unit cannot draw a full sine period
    again = tune("regression", candidates, X, y, folds=3, jobs=1)
    assert [c.kept for c in again] == [c.kept for c in results]


def test_without_folds_the_division_validation_rows_judge(sine):
    from bpnn.estimators import BPRegressor

    X, y = sine
    (candidate,) = tune("regression", [((4,), params(hidden_layer_sizes=(4,)))], X, y, jobs=1)
    single = BPRegressor(**params(hidden_layer_sizes=(4,))).fit(X, y)
    rows = single.division_.val
    assert candidate.kept == [error_of("regression", y[rows], single.predict(X[rows]))]


def test_ensemble_candidates_are_judged_by_the_ensemble_mean(sine):
    from bpnn.estimators import BPRegressor

    X, y = sine
    (candidate,) = tune("regression", [((4,), params(hidden_layer_sizes=(4,), n_init=3, ensemble=True))], X, y, jobs=1)
    est = BPRegressor(**params(hidden_layer_sizes=(4,), n_init=3, ensemble=True)).fit(X, y)
    rows = est.division_.val
    assert candidate.kept == [pytest.approx(error_of("regression", y[rows], est.predict(X[rows])), rel=1e-12)]


@pytest.fixture
def table(tmp_path):
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, (100, 2))
    path = tmp_path / "t.csv"
    pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "y": np.sin(3 * x[:, 0]) + x[:, 1]}).to_csv(path, index=False)
    return path


def test_bpnn_tune_saves_the_best_candidate_with_a_report(table, tmp_path, capsys):
    out, report, plots = tmp_path / "best.bpnn", tmp_path / "r.html", tmp_path / "plots"
    assert main(["tune", str(table), "--target", "y", "--hidden", "1", "4:8:4", "--folds", "3", "--restarts", "2",
                 "--epochs", "40", "--out", str(out), "--report", str(report), "--plots", str(plots)]) == 0
    printed = capsys.readouterr()
    assert "Candidates (mean squared error, 3-fold cross-validation)" in printed.out and "chosen: hidden" in printed.out
    assert "hidden 1: kept model's mean squared error" in printed.err
    model = load(out)
    chosen = printed.out.split("chosen: hidden ")[1].split()[0]
    assert model.hidden_layer_sizes == tuple(int(n) for n in chosen.split(",")) and model.n_init == 2
    html = report.read_text(encoding="utf-8")
    assert "Hidden size" in html and "√(n+m)+a" in html
    assert (plots / "tuning.png").stat().st_size > 10_000


@pytest.fixture(scope="module")
def cluster():
    """A Dask cluster in this process: two single-threaded workers."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as local:
        with distributed.Client(local) as client:
            yield client


def test_tune_and_the_start_weight_search_on_a_dask_cluster_equal_the_serial_run(sine, cluster):
    from bpnn.selection.init_search import search_starts

    X, y = sine
    candidates = [((2,), params(hidden_layer_sizes=(2,), n_init=2)), ((5,), params(hidden_layer_sizes=(5,), n_init=2))]
    serial = tune("regression", candidates, X, y, folds=3, jobs=1)
    on_dask = tune("regression", candidates, X, y, folds=3, client=cluster)
    assert [(c.kept, c.trials) for c in on_dask] == [(c.kept, c.trials) for c in serial]  # bit for bit
    methods = ["restarts", "ga"]
    settings = dict(population=5, generations=2, screen_epochs=3)
    here = search_starts("regression", params(hidden_layer_sizes=(3,)), X, y, methods, jobs=1, **settings)
    there = search_starts("regression", params(hidden_layer_sizes=(3,)), X, y, methods, client=cluster, **settings)
    for a, b in zip(here, there):
        np.testing.assert_array_equal(a.starts, b.starts)
        np.testing.assert_array_equal(a.scores, b.scores)
        np.testing.assert_array_equal(a.estimator.network_.params, b.estimator.network_.params)


def test_bpnn_tune_init_search_compares_the_methods_and_saves_the_best(table, tmp_path, capsys, cluster):
    pytest.importorskip("pymoo", reason="the 'pso' method needs pymoo (pip install 'bpnn[search]')")
    search = ["tune", str(table), "--target", "y", "--hidden", "2", "5", "--epochs", "30", "--init-search",
              "ga,pso,restarts,full", "--population", "5", "--generations", "2", "--screen-epochs", "3"]
    report = tmp_path / "r.html"
    assert main([*search, "--out", str(tmp_path / "here.bpnn"), "--report", str(report), "--jobs", "1"]) == 0
    printed = capsys.readouterr()
    assert "Start weights: search against restarts at equal epochs" in printed.out
    rows = {line.split("│")[1].strip(): [cell.strip() for cell in line.split("│")[2:-1]]
            for line in printed.out.splitlines() if line.startswith("│ ") and line.split("│")[1].strip() in
            ("ga", "pso", "restarts")}
    assert sorted(rows) == ["ga", "pso", "restarts"]
    budget = 5 * 2 * 3 + 30
    for cells in rows.values():  # start vectors, screening epochs, final epochs, epochs (budget)
        assert cells[0] == "10" and int(cells[1]) <= 30 and int(cells[3].split()[0]) <= budget
        assert cells[3].endswith(f"({budget})")
    kept = [name for name, cells in rows.items() if cells[-1] == "yes"]
    assert len(kept) == 1 and f"kept: the network of {kept[0]}" in printed.out
    html = report.read_text(encoding="utf-8")
    assert "Start weights: search against restarts" in html and f"A budget of {budget} epochs for every method" in html
    assert "trained the best one again for up to 30 epochs" in html and "for up to 30 epochs each until" in html
    # the same command with the trainings as tasks on a Dask cluster saves the same network, bit for bit
    assert main([*search, "--out", str(tmp_path / "there.bpnn"), "--quiet", "--scheduler",
                 cluster.scheduler.address]) == 0
    here, there = load(tmp_path / "here.bpnn"), load(tmp_path / "there.bpnn")
    np.testing.assert_array_equal(here.network_.params, there.network_.params)
    assert type(here).__name__ == "BPRegressor" and here.hidden_layer_sizes in ((2,), (5,))


@pytest.mark.parametrize("options, words", [
    (["--hidden", "0:3"], "--hidden range '0:3' needs 1 <= A <= B"),
    (["--hidden", "x"], "--hidden takes ranges A:B[:STEP]"),
    (["--block"], "--block makes the folds of --folds K contiguous"),
    (["--folds", "1"], "--folds must be between 2"),
    (["--restarts", "0"], "--restarts must be at least 1"),
    (["--jobs", "0"], "--jobs must be at least 1"),
    (["--division", "1,0,0"], "the --division gives none"),
    (["--init-search", "ga,de"], "--init-search takes restarts, ga, pso, full separated by commas; got 'ga,de'"),
    (["--init-search", "ga", "--population", "4"], "--population must be at least 5 with ga; got 4"),
    (["--init-search", "restarts", "--screen-epochs", "0"], "--screen-epochs must be at least 1"),
    (["--init-search", "restarts", "--ensemble"], "--init-search trains one network"),
    (["--scheduler", "nowhere"], "--scheduler 'nowhere' is neither local:N nor a scheduler address"),
])
def test_bad_tune_options_are_one_line(table, tmp_path, capsys, options, words):
    code = main(["tune", str(table), "--target", "y", "--hidden", "2", "--epochs", "5", "--quiet",
                 "--out", str(tmp_path / "m.bpnn"), *options])
    err = capsys.readouterr().err
    assert code == 2 and words in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "m.bpnn").exists()


def test_pso_without_pymoo_is_refused_before_any_training(table, tmp_path, capsys, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *rest: None if name == "pymoo" else real(name, *rest))
    code = main(["tune", str(table), "--target", "y", "--hidden", "2", "--init-search", "ga,pso",
                 "--out", str(tmp_path / "m.bpnn")])
    captured = capsys.readouterr()
    assert code == 2 and captured.err.strip() == ("bpnn: error: --init-search pso uses pymoo's particle swarm, which is "
                                                  "not installed; pip install 'bpnn[search]' (or pymoo), or leave out pso")
    assert "candidates" not in captured.err + captured.out and not (tmp_path / "m.bpnn").exists()
