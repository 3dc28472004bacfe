"""Several trainings against one (issue 15): on 5 regression and 3 classification data sets, the test score of
one training (the median over 10 start-weight seeds), of ``n_init=10`` (the trial with the lowest validation loss),
of an ensemble of 10 (their mean), and of ``bpnn tune``'s pick (the hidden size whose n_init=10 model has the lowest
validation loss, on the division's validation rows as ``bpnn tune`` without --folds judges).

Set-up: MATLAB's workflow as ``bpnn train`` runs it: mapminmax scaling, a random 70/15/15 division, tanh hidden
units, max_fail 6; trainlm (``solver="lm"``) for regression, trainscg (``"scg"``) for classification, at most 1000
epochs. Default hidden size 10; tune's candidates 2, 5, 10, 15, 20. Each data set is divided 5 times
(``division_random_state`` 0..4: the same rows for every method within a division) and every figure is the median
over those 5 divisions. One ``fit(n_init=10, ensemble=True)`` per hidden size and division gives every figure:
its ``trials_`` are the 10 single trainings (each the fit with that seed alone, bit for bit), the trial kept is
n_init=10's model, the mean its ensemble.

Start weights at equal epochs (``bpnn tune --init-search``, :mod:`bpnn.selection.init_search`): on the same
divisions, hidden 10, GA (SciPy's differential evolution), PSO (pymoo) and screened random restarts each screen
10 × 5 start vectors for 10 epochs and train the best one fully (at most 1000 epochs): a budget of 1500 epochs for
every method; "full" trains random starts fully (at most 1000 epochs each) until the same 1500 epochs are spent,
keeping the one with the lowest validation loss. The test score of each method's network, the epochs it really
ran, the best screened validation loss (scaled units), and in how many divisions GA or PSO beat the screened
restarts and the full trainings on the test rows.

Scores on the test rows: R² (regression), accuracy (classification). Run ``python bench/bench_restarts.py``
(``--quick``: 2 divisions, 3 sizes); it writes ``bench/restarts.md``.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np

SIZES, DEFAULT_SIZE, RESTARTS, DIVISIONS = (2, 5, 10, 15, 20), 10, 10, 5
METHODS, POPULATION, GENERATIONS, SCREEN_EPOCHS = ("restarts", "ga", "pso", "full"), 10, 5, 10  # tune's defaults


def datasets() -> dict:
    from sklearn import datasets as sk

    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, (300, 1))
    friedman2 = sk.make_friedman2(500, noise=10, random_state=0)
    return {
        "diabetes (442×10)": ("regression", *sk.load_diabetes(return_X_y=True)),
        "friedman1 (500×10, noise 1)": ("regression", *sk.make_friedman1(500, noise=1.0, random_state=0)),
        "friedman2 (500×4)": ("regression", friedman2[0], friedman2[1]),
        "friedman3 (500×4)": ("regression", *sk.make_friedman3(500, noise=0.05, random_state=0)),
        "noisy sine (300×1)": ("regression", x, np.sin(2 * x[:, 0]) + 0.2 * rng.standard_normal(300)),
        "breast cancer (569×30)": ("classification", *sk.load_breast_cancer(return_X_y=True)),
        "wine (178×13)": ("classification", *sk.load_wine(return_X_y=True)),
        "iris (150×4)": ("classification", *sk.load_iris(return_X_y=True)),
    }


def one_division(task: str, X: np.ndarray, y: np.ndarray, division: int, sizes: tuple) -> dict:
    """The figures of one division: per hidden size the trials' test scores, the kept trial's, the ensemble's,
    and the kept model's validation loss (what tune compares)."""
    from threadpoolctl import threadpool_limits

    from bpnn.estimators import BPClassifier, BPRegressor

    out = {}
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for size in sizes:
            params = dict(hidden_layer_sizes=(size,), activation="tanh", alpha=0.0, max_iter=1000, scaling="mapminmax",
                          division="random", random_state=100 + division, division_random_state=division,
                          n_init=RESTARTS, ensemble=True)
            if task == "regression":
                est = BPRegressor(solver="lm", **params).fit(X, y)
                key = "r2"
            else:
                est = BPClassifier(solver="scg", **params).fit(X, y)
                key = "accuracy"
            test = est.division_.test
            kept = est.trials_[est.best_trial_ - 1]
            out[size] = {"trials": [t["test"][key] for t in est.trials_], "kept": kept["test"][key],
                         "ensemble": float(est.score(X[test], y[test])), "val_loss": kept["val_loss"]}
            if size == DEFAULT_SIZE:
                out["search"] = start_weights(task, {**params, "n_init": 1, "ensemble": False}, X, y, key)
    return out


def start_weights(task: str, params: dict, X: np.ndarray, y: np.ndarray, key: str) -> dict:
    """Per method of --init-search: the test score of its network, the epochs it ran and its best screened loss."""
    from bpnn.selection.init_search import search_starts

    params = {**params, "solver": "lm" if task == "regression" else "scg"}
    results = search_starts(task, params, X, y, list(METHODS), population=POPULATION, generations=GENERATIONS,
                            screen_epochs=SCREEN_EPOCHS)
    return {r.method: {"test": r.estimator.test_scores_[key], "epochs": r.summary()["epochs"], "budget": r.budget,
                       "screened": float(r.scores[r.best])} for r in results}


def main() -> None:
    from joblib import Parallel, delayed

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sizes = (2, 10, 20) if args.quick else SIZES
    divisions = 2 if args.quick else DIVISIONS
    sets = datasets()
    started = time.perf_counter()
    jobs = [(name, d) for name in sets for d in range(divisions)]
    results = Parallel(n_jobs=2)(delayed(one_division)(sets[name][0], sets[name][1], sets[name][2], d, sizes)
                                 for name, d in jobs)
    by_set: dict[str, list] = {}
    for (name, _), result in zip(jobs, results):
        by_set.setdefault(name, []).append(result)
    rows = []
    for name, runs in by_set.items():
        single = [np.median(run[DEFAULT_SIZE]["trials"]) for run in runs]
        worst = [np.min(run[DEFAULT_SIZE]["trials"]) for run in runs]
        best = [np.max(run[DEFAULT_SIZE]["trials"]) for run in runs]
        kept = [run[DEFAULT_SIZE]["kept"] for run in runs]
        ensemble = [run[DEFAULT_SIZE]["ensemble"] for run in runs]
        picks = [min((size for size in run if size != "search"), key=lambda size: (run[size]["val_loss"], size))
                 for run in runs]
        tuned = [run[size]["kept"] for run, size in zip(runs, picks)]
        rows.append((name, sets[name][0], *(float(np.median(v)) for v in (worst, single, best, kept, ensemble, tuned)),
                     ", ".join(map(str, picks))))
    seconds = time.perf_counter() - started
    lines = [
        "# Several trainings against one: n_init, ensembles and bpnn tune", "",
        f"Written by `python bench/bench_restarts.py{' --quick' if args.quick else ''}` ({seconds:.0f} s on two "
        "processes). Test R² (regression) or accuracy (classification) on the division's test rows, median over "
        f"{divisions} random 70/15/15 divisions; {RESTARTS} start-weight seeds per division; hidden {DEFAULT_SIZE} "
        f"tanh units unless tuned (candidates {', '.join(map(str, sizes))}). See the script's docstring.", "",
        "| data set | score | worst of 10 | n_init=1 (median of 10 seeds) | best of 10 (by test: out of reach) | "
        "n_init=10 (kept by validation) | ensemble of 10 | tune's pick (n_init=10) | sizes tune picked |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, task, *figures, picks in rows:
        score = "R²" if task == "regression" else "accuracy"
        lines.append(f"| {name} | {score} | " + " | ".join(f"{v:.4f}" for v in figures) + f" | {picks} |")
    budget = POPULATION * GENERATIONS * SCREEN_EPOCHS + 1000
    lines += [
        "", "## Start weights at equal epochs: GA and PSO against restarts", "",
        f"Hidden {DEFAULT_SIZE}; each method screens {POPULATION} × {GENERATIONS} start vectors for {SCREEN_EPOCHS} "
        f"epochs and trains the best one fully (at most 1000 epochs): a budget of {budget} epochs each; full trains "
        "random starts fully until the budget is spent. "
        f"Medians over the {divisions} divisions; \"beat\": divisions where GA's or PSO's test score was "
        "higher than the screened restarts' or the full trainings' (ties not counted).", "",
        "| data set | score | screened restarts | GA (SciPy differential evolution) | PSO (pymoo) | full trainings | "
        "GA / PSO beat restarts | GA / PSO beat full | epochs run: restarts / GA / PSO / full | "
        "best screened validation loss: restarts / GA / PSO / full |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, runs in by_set.items():
        found = [run["search"] for run in runs]

        def median(method: str, figure: str, found: list = found) -> float:
            return float(np.median([f[method][figure] for f in found]))

        def beat(other: str, found: list = found) -> str:
            return " / ".join(f"{sum(f[m]['test'] > f[other]['test'] for f in found)}" for m in ("ga", "pso")) + \
                f" of {len(found)}"

        score = "R²" if sets[name][0] == "regression" else "accuracy"
        lines.append(f"| {name} | {score} | " + " | ".join(f"{median(m, 'test'):.4f}" for m in METHODS)
                     + f" | {beat('restarts')} | {beat('full')} | "
                     + " / ".join(f"{median(m, 'epochs'):.0f}" for m in METHODS)
                     + " | " + " / ".join(f"{median(m, 'screened'):.3g}" for m in METHODS) + " |")
    Path(__file__).with_name("restarts.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
