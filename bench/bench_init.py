"""Nguyen–Widrow (MATLAB's initnw) against Glorot-uniform where the command line follows MATLAB.

Every fit is the estimator ``bpnn train`` builds: 10 tanh hidden units, scaling="mapminmax", division="random"
70/15/15, max_fail=6, alpha=0, max_iter=1000, and ``init`` either "glorot_uniform" or "nguyen_widrow". Each
problem's data are fixed (drawn once from data seed 0); only random_state changes, 0..SEEDS-1. The same
random_state gives the same division for both inits (bpnn draws the division and the weights from separate
streams), so the two inits are compared seed by seed on the same rows ("NW better / worse" counts the seeds where
Nguyen–Widrow scored better and worse; the rest tie).

Problems:

- SIN: MATLAB's benchmark. 1-5-1 tanh network, linear output, x = linspace(-1, 1, 41), y = sin(πx), LM,
  goal MSE 0.002, every row trained on (division=None, as the benchmark does). x and y already span [-1, 1]
  exactly (sin(±π/2) = ±1 is on the grid), so mapminmax is the identity on both and the goal, which the
  solver compares with the training MSE in scaled units, is also in the user's units. Reported: seeds
  reaching the goal, epochs run (to the goal or to the stop), final training MSE.
- simplefit-like: 94 points of a smooth curve on x in [0, 10] (MATLAB's simplefit_dataset has this shape;
  its exact values are not public, so this is a stand-in: y = 5 + 2.5 sin(1.2x) + 2 sin(0.4x + 0.5)).
- peaks: MATLAB's peaks(x1, x2) at 300 uniform points of [-3, 3]², plus N(0, 0.2²) noise.
- friedman1: sklearn.datasets.make_friedman1(n_samples=300, noise=1.0).
- diabetes: sklearn.datasets.load_diabetes (442 rows, 10 inputs).
  Each with LM (fitnet's trainlm), BR (trainbr, with the command line's max_fail=6) and Rprop (trainrp).
  Reported: the division's test rows (``test_scores_``, what ``bpnn train`` reports): test MSE and R², and
  "bad" runs (test R² < 0.5); for the synthetic problems also R² on 2000 fresh rows of the same
  distribution (noise-free targets), a steadier measure than 15 % of a few hundred rows; epochs run.
- iris, wine: patternnet-like classifiers, SCG (trainscg) and Rprop: test accuracy of the division's test rows.

BLAS runs on one thread (threadpoolctl); ConvergenceWarnings are silenced. The markdown table is printed
and written to bench/init.md (or --out) with the command and date.

    python bench/bench_init.py               # 20 seeds, about a minute
    python bench/bench_init.py --seeds 5     # a quick look
"""

from __future__ import annotations

import argparse
import datetime
import platform
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.datasets import load_diabetes, load_iris, load_wine, make_friedman1
from threadpoolctl import threadpool_limits

import bpnn

INITS = ("glorot_uniform", "nguyen_widrow")
SHORT = {"glorot_uniform": "GU", "nguyen_widrow": "NW"}
BAD_R2 = 0.5
FRESH_ROWS = 2000
MATLAB_LIKE = dict(hidden_layer_sizes=(10,), activation="tanh", scaling="mapminmax", division="random",
                   division_ratios=(0.7, 0.15, 0.15), max_fail=6, alpha=0.0, max_iter=1000)


# ---- problems -------------------------------------------------------------------------------------------
def peaks(x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
    """MATLAB's peaks function."""
    return (3 * (1 - x1) ** 2 * np.exp(-x1 ** 2 - (x2 + 1) ** 2)
            - 10 * (x1 / 5 - x1 ** 3 - x2 ** 5) * np.exp(-x1 ** 2 - x2 ** 2)
            - np.exp(-(x1 + 1) ** 2 - x2 ** 2) / 3)


def simplefit(x: np.ndarray) -> np.ndarray:
    return 5 + 2.5 * np.sin(1.2 * x) + 2 * np.sin(0.4 * x + 0.5)


def regression_problems() -> list[tuple[str, np.ndarray, np.ndarray, tuple | None]]:
    """(name, X, y, (X_fresh, y_fresh) or None)."""
    rng = np.random.default_rng(0)
    x = np.linspace(0, 10, 94)[:, None]
    x_fresh = rng.uniform(0, 10, (FRESH_ROWS, 1))
    P = rng.uniform(-3, 3, (300, 2))
    P_fresh = rng.uniform(-3, 3, (FRESH_ROWS, 2))
    F, f = make_friedman1(n_samples=300, noise=1.0, random_state=0)
    F_fresh, f_fresh = make_friedman1(n_samples=FRESH_ROWS, noise=0.0, random_state=1)
    D, d = load_diabetes(return_X_y=True)
    return [
        ("simplefit-like (94×1)", x, simplefit(x[:, 0]), (x_fresh, simplefit(x_fresh[:, 0]))),
        ("peaks + noise (300×2)", P, peaks(P[:, 0], P[:, 1]) + rng.normal(0, 0.2, len(P)),
         (P_fresh, peaks(P_fresh[:, 0], P_fresh[:, 1]))),
        ("friedman1 (300×10)", F, f, (F_fresh, f_fresh)),
        ("diabetes (442×10)", D, d, None),
    ]


# ---- measuring ------------------------------------------------------------------------------------------
@dataclass
class Runs:
    """One (problem, solver, init): per seed, the figures named in ``values``, and epochs run."""

    values: dict[str, list[float]] = field(default_factory=dict)
    epochs: list[int] = field(default_factory=list)
    stops: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, epochs: int, stop: str, seconds: float, **figures: float) -> None:
        for name, value in figures.items():
            self.values.setdefault(name, []).append(float(value))
        self.epochs.append(int(epochs))
        self.stops[stop] = self.stops.get(stop, 0) + 1
        self.seconds += seconds


def fit(estimator: object, X: np.ndarray, y: np.ndarray) -> tuple[object, float]:
    started = time.perf_counter()
    estimator.fit(X, y)
    return estimator, time.perf_counter() - started


def run_sin(seeds: int) -> dict[str, Runs]:
    x = np.linspace(-1, 1, 41)[:, None]
    y = np.sin(np.pi * x[:, 0])
    out = {}
    for init in INITS:
        runs = out[init] = Runs()
        for seed in range(seeds):
            est, seconds = fit(bpnn.BPRegressor(hidden_layer_sizes=(5,), activation="tanh", solver="lm",
                                                scaling="mapminmax", division=None, alpha=0.0, max_iter=1000,
                                                solver_options={"goal": 0.002}, init=init, random_state=seed), x, y)
            record = est.training_record_
            mse = float(np.mean((est.predict(x) - y) ** 2))  # user's units = scaled units here
            runs.add(record["num_epochs"], record["stop"], seconds, mse=mse, reached=record["stop"] == "goal met")
    return out


def run_regression(X: np.ndarray, y: np.ndarray, fresh: tuple | None, solver: str, seeds: int) -> dict[str, Runs]:
    out = {}
    for init in INITS:
        runs = out[init] = Runs()
        for seed in range(seeds):
            est, seconds = fit(bpnn.BPRegressor(solver=solver, init=init, random_state=seed, **MATLAB_LIKE), X, y)
            record = est.training_record_
            figures = {"mse": est.test_scores_["mse"], "r2": est.test_scores_["r2"]}
            if fresh is not None:
                figures["fresh_r2"] = est.score(*fresh)
            runs.add(record["num_epochs"], record["stop"], seconds, **figures)
    return out


def run_classification(X: np.ndarray, y: np.ndarray, solver: str, seeds: int) -> dict[str, Runs]:
    out = {}
    for init in INITS:
        runs = out[init] = Runs()
        for seed in range(seeds):
            est, seconds = fit(bpnn.BPClassifier(solver=solver, init=init, random_state=seed, **MATLAB_LIKE), X, y)
            record = est.training_record_
            runs.add(record["num_epochs"], record["stop"], seconds, accuracy=est.test_scores_["accuracy"])
    return out


# ---- the table ------------------------------------------------------------------------------------------
def fmt(value: float) -> str:
    if not np.isfinite(value):
        return "inf"
    magnitude = abs(value)
    if magnitude == 0 or 1e-3 <= magnitude < 1e5:
        return f"{value:.4g}" if magnitude < 10 else f"{value:.1f}"
    return f"{value:.3g}"


def median_mean(values: list[float]) -> str:
    return f"{fmt(float(np.median(values)))} / {fmt(float(np.mean(values)))}"


def better(runs: dict[str, Runs], name: str, higher: bool) -> str:
    """Seeds where Nguyen–Widrow scored better / worse than Glorot on the same division, e.g. '12 / 5' (the
    other seeds tie)."""
    gu, nw = (np.array(runs[init].values[name]) for init in INITS)
    wins, losses = ((nw > gu), (nw < gu)) if higher else ((nw < gu), (nw > gu))
    return f"{int(wins.sum())} / {int(losses.sum())}"


def epochs_cell(runs: dict[str, Runs]) -> str:
    return " / ".join(f"{np.median(runs[init].epochs):g}" for init in INITS)


def rows_for(problem: str, solver: str, runs: dict[str, Runs],
             metrics: list[tuple[str, str, bool]]) -> list[list[str]]:
    rows = []
    for i, (name, label, higher) in enumerate(metrics):
        rows.append([problem, solver, label, *(median_mean(runs[init].values[name]) for init in INITS),
                     better(runs, name, higher), epochs_cell(runs) if i == 0 else ""])
    return rows


def count_row(problem: str, solver: str, label: str, counts: dict[str, str]) -> list[str]:
    return [problem, solver, label, *(counts[init] for init in INITS), "", ""]


HEADER = ["problem", "solver", "metric", "glorot_uniform median / mean", "nguyen_widrow median / mean",
          "seeds NW better / worse", "median epochs GU / NW"]


def markdown(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "|".join("---" for _ in HEADER) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def stop_summary(runs: dict[str, Runs]) -> str:
    return "; ".join(f"{SHORT[init]}: " + ", ".join(f"{k} {v}" for k, v in sorted(runs[init].stops.items()))
                     for init in INITS)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="random_state 0..SEEDS-1 per problem (default 20)")
    parser.add_argument("--out", default=str(Path(__file__).with_name("init.md")), help="markdown file to write")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")  # ConvergenceWarning at max epochs
    started = time.perf_counter()
    rows, stops, seconds = [], [], {init: 0.0 for init in INITS}

    def note(problem: str, solver: str, runs: dict[str, Runs]) -> None:
        stops.append(f"- {problem}, {solver}: {stop_summary(runs)}")
        for init in INITS:
            seconds[init] += runs[init].seconds
        print(f"  {problem} {solver} done ({time.perf_counter() - started:.0f} s)", file=sys.stderr)

    with threadpool_limits(limits=1):
        runs = run_sin(args.seeds)
        reached = {init: f"{int(sum(runs[init].values['reached']))}/{args.seeds}" for init in INITS}
        rows.append(count_row("SIN 1-5-1 (41 pts)", "lm", "reached goal 0.002", reached))
        rows += rows_for("SIN 1-5-1 (41 pts)", "lm", runs, [("mse", "final training MSE", False)])
        note("SIN 1-5-1", "lm", runs)

        for problem, X, y, fresh in regression_problems():
            for solver in ("lm", "br", "rprop"):
                runs = run_regression(X, y, fresh, solver, args.seeds)
                metrics = [("mse", "test MSE", False), ("r2", "test R²", True)]
                if fresh is not None:
                    metrics.append(("fresh_r2", f"R² on {FRESH_ROWS} fresh rows", True))
                rows += rows_for(problem, solver, runs, metrics)
                bad = {init: f"{int(np.sum(np.array(runs[init].values['r2']) < BAD_R2))}/{args.seeds}"
                       for init in INITS}
                rows.append(count_row(problem, solver, f"bad runs (test R² < {BAD_R2})", bad))
                note(problem, solver, runs)

        for problem, (X, y) in (("iris (150×4, 3 classes)", load_iris(return_X_y=True)),
                                ("wine (178×13, 3 classes)", load_wine(return_X_y=True))):
            for solver in ("scg", "rprop"):
                runs = run_classification(X, y, solver, args.seeds)
                rows += rows_for(problem, solver, runs, [("accuracy", "test accuracy", True)])
                note(problem, solver, runs)

    elapsed = time.perf_counter() - started
    table = markdown(rows)
    print(table)
    command = "python " + " ".join([sys.argv[0], *(argv if argv is not None else sys.argv[1:])])
    text = "\n".join([
        "# Initialisation: Nguyen–Widrow against Glorot-uniform (bench/bench_init.py)",
        "",
        f"Command: `{command}`  ",
        f"Date: {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}; bpnn {getattr(bpnn, '__version__', '?')}, "
        f"numpy {np.__version__}, Python {platform.python_version()}, one BLAS thread; "
        f"{elapsed:.0f} s in all (fit time GU {seconds['glorot_uniform']:.1f} s, NW {seconds['nguyen_widrow']:.1f} s).",
        "",
        f"Seeds (random_state) 0..{args.seeds - 1} per row; each fit is `bpnn train`'s estimator: 10 tanh units "
        "(SIN: 5), mapminmax, random division 70/15/15, max_fail 6, alpha 0, at most 1000 epochs. Test figures "
        "are the division's test rows (`test_scores_`, user's units); \"fresh rows\" are 2000 new noise-free rows "
        "of the synthetic problems. SIN trains on all 41 points (no division) to goal MSE 0.002, which is in "
        "the user's units too: mapminmax is the identity on x, y ∈ [-1, 1]. \"NW better / worse\" counts the "
        "seeds where Nguyen–Widrow scored strictly better / worse on the same division (the rest tie). Epochs "
        "are those run (including the 6 validation-fail epochs when the stop is a validation stop).",
        "",
        table,
        "",
        "Stop reasons:",
        "",
        *stops,
        "",
    ])
    Path(args.out).write_text(text, encoding="utf-8")
    print(f"\nwritten to {args.out} ({elapsed:.0f} s)")


if __name__ == "__main__":
    main()
