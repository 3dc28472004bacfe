"""Do the default estimators use the epoch budget they are given?

For each dataset and seed (0, 1, 2) the rows are split 75/25 (stratified for classification, the seed drives
the split and every model's random_state), and each model is ``make_pipeline(StandardScaler(), model)`` with
its own defaults except max_iter and random_state:

- bpnn (BPClassifier / BPRegressor) at max_iter 200 and 1000, with the schedule chosen on the command line
  (by default the package's own defaults, so the script measures whatever the defaults are);
- scikit-learn (MLPClassifier / MLPRegressor) at max_iter 200 and 1000.

Scores are test accuracy or test R², means over the seeds. A dataset passes when both hold:

- budget: bpnn@1000 >= bpnn@200 - 0.005 (more epochs never hurt);
- sklearn: bpnn@1000 >= sklearn@1000 - 0.005 (at the same budget, no worse than scikit-learn).

Fit times are wall-clock seconds of ``fit``, summed over the seeds, with BLAS pinned to one thread.
ConvergenceWarnings are silenced. A SIN check follows the table: MATLAB's 1-5-1 tanh network on one period
of a sine (41 points), max_iter 200 against 2000, training MSE and epochs run.

    python bench/bench_default_budget.py                       # the package's defaults
    python bench/bench_default_budget.py --learning-rate exponential --learning-rate-init 0.02
    python bench/bench_default_budget.py --learning-rate cosine --learning-rate-init 0.01
    python bench/bench_default_budget.py --learning-rate budget --final-ratio 0.01

"cosine" and "budget" are prototypes of schedules relative to max_iter (T), installed here by patching
bpnn when they are not in bpnn.core.optimizers yet:

- cosine:  η_e = η0 · ½ (1 + cos(π (e+1)/T))   (e = the epoch that just ended, 0-based)
- budget:  η_e = η0 · r^((e+1)/T)              (r = --final-ratio: the rate falls to r·η0 at the last epoch)

The table goes to bench/default_budget.md (or --out) with the settings that produced it; the script exits
with status 1 when any dataset fails.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import math
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_wine, make_classification, make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import bpnn.core.optimizers as optimizers
import bpnn.estimators as estimators
from bpnn import BPClassifier, BPRegressor

SEEDS = (0, 1, 2)
BUDGETS = (200, 1000)
MARGIN = 0.005
OUT = Path(__file__).with_name("default_budget.md")


# ---- data sets ------------------------------------------------------------------------------------
def simplefit(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A 1-D curve in the spirit of MATLAB's simplefit_dataset: 400 points on [0, 10], light noise."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0, 10, 400))
    y = np.sin(x) + 0.5 * np.sin(2.3 * x) + 0.1 * x + rng.normal(0, 0.05, x.size)
    return x[:, None], y


# name -> (loader, is regression, size class); rows x features in the comment
DATASETS = {
    "wine": (lambda: load_wine(return_X_y=True), False, "small"),  # 178 x 13, 3 classes
    "breast_cancer": (lambda: load_breast_cancer(return_X_y=True), False, "small"),  # 569 x 30, 2 classes
    "digits": (lambda: load_digits(return_X_y=True), False, "medium"),  # 1797 x 64, 10 classes
    "classification_4k": (lambda: make_classification(4000, 20, n_informative=10, n_redundant=4, n_classes=3,
                                                      n_clusters_per_class=2, flip_y=0.03, class_sep=1.0,
                                                      random_state=0), False, "medium"),  # 4000 x 20, 3 classes
    "diabetes": (lambda: load_diabetes(return_X_y=True), True, "small"),  # 442 x 10
    "simplefit": (simplefit, True, "small"),  # 400 x 1
    "friedman1_2k": (lambda: make_friedman1(2000, 10, noise=0.5, random_state=0), True, "medium"),  # 2000 x 10
}


# ---- prototype schedules relative to the budget (installed only when bpnn lacks them) ---------------
@dataclass
class CosineDecay(optimizers.Constant):
    """η_e = η0 · ½ (1 + cos(π (e+1)/T)): half a cosine from η0 down to 0 over the T epochs of fit."""

    epochs: int = 200

    def __call__(self, epoch: int, loss: float) -> float:
        progress = min((epoch + 1) / self.epochs, 1.0)
        return self.initial * 0.5 * (1.0 + math.cos(math.pi * progress))


@dataclass
class BudgetDecay(optimizers.Constant):
    """η_e = η0 · r^((e+1)/T): exponential decay that reaches r·η0 at the last of the T epochs of fit."""

    epochs: int = 200
    final_ratio: float = 0.01

    def __call__(self, epoch: int, loss: float) -> float:
        return self.initial * self.final_ratio ** (min(epoch + 1, self.epochs) / self.epochs)


PROTOTYPES = {"cosine": CosineDecay, "budget": BudgetDecay}


def install_prototypes(final_ratio: float) -> None:
    """Register the prototype schedules bpnn does not have and let the estimator pass max_iter to them."""
    for name, cls in PROTOTYPES.items():
        optimizers.SCHEDULES.setdefault(name, cls)
    original = estimators.BPEstimator._make_schedule

    def _make_schedule(self: estimators.BPEstimator) -> object:
        name = optimizers.SCHEDULE_ALIASES.get(self.learning_rate, self.learning_rate)
        if optimizers.SCHEDULES.get(name) in PROTOTYPES.values():
            options = {"epochs": self.max_iter}
            if name == "budget":
                options["final_ratio"] = final_ratio
            return optimizers.make_schedule(name, self.learning_rate_init, **options)
        return original(self)

    estimators.BPEstimator._make_schedule = _make_schedule


# ---- runs -----------------------------------------------------------------------------------------
def bpnn_defaults() -> dict:
    return {name: p.default for name, p in inspect.signature(BPClassifier).parameters.items()}


def models(regression: bool, seed: int, bpnn_params: dict) -> dict:
    """label -> unfitted pipeline."""
    bp, sk = (BPRegressor, MLPRegressor) if regression else (BPClassifier, MLPClassifier)
    out = {}
    for budget in BUDGETS:
        out[f"bpnn@{budget}"] = make_pipeline(StandardScaler(), bp(max_iter=budget, random_state=seed, **bpnn_params))
    for budget in BUDGETS:
        out[f"sklearn@{budget}"] = make_pipeline(StandardScaler(), sk(max_iter=budget, random_state=seed))
    return out


def run_dataset(name: str, bpnn_params: dict) -> dict:
    """label -> {"score": [per seed], "seconds": [...], "epochs": [...]}."""
    loader, regression, _ = DATASETS[name]
    X, y = loader()
    results: dict = {}
    for seed in SEEDS:
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=seed,
                                                            stratify=None if regression else y)
        for label, model in models(regression, seed, bpnn_params).items():
            started = time.perf_counter()
            model.fit(X_train, y_train)
            seconds = time.perf_counter() - started
            record = results.setdefault(label, {"score": [], "seconds": [], "epochs": []})
            record["score"].append(model.score(X_test, y_test))
            record["seconds"].append(seconds)
            record["epochs"].append(model[-1].n_iter_)
    return results


def sin_check(bpnn_params: dict, budgets: tuple[int, ...] = (200, 2000)) -> list[str]:
    """MATLAB's SIN: 1-5-1 tanh on y = sin(πx), 41 points of x in [-1, 1] (one full batch, so an epoch is one
    step); training MSE and epochs run per budget and seed, bpnn and (for reference) scikit-learn."""
    x = np.linspace(-1, 1, 41)[:, None]
    y = np.sin(np.pi * x).ravel()
    network = {"hidden_layer_sizes": (5,), "activation": "tanh"}
    makers = {"bpnn": lambda budget, seed: BPRegressor(max_iter=budget, random_state=seed, **network, **bpnn_params),
              "sklearn": lambda budget, seed: MLPRegressor(max_iter=budget, random_state=seed, **network)}
    lines = ["| model | max_iter | " + " | ".join(f"seed {s}: MSE (epochs)" for s in SEEDS) + " | mean MSE |",
             "|---|---:|" + "---:|" * (len(SEEDS) + 1)]
    for label, make in makers.items():
        for budget in budgets:
            cells, mses = [], []
            for seed in SEEDS:
                model = make_pipeline(StandardScaler(), make(budget, seed)).fit(x, y)
                mse = float(np.mean((model.predict(x) - y) ** 2))
                mses.append(mse)
                cells.append(f"{mse:.2e} ({model[-1].n_iter_})")
            lines.append(f"| {label} | {budget} | " + " | ".join(cells) + f" | {np.mean(mses):.2e} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    defaults = bpnn_defaults()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learning-rate", default=defaults["learning_rate"],
                        help=f"bpnn schedule (default: the package's, {defaults['learning_rate']!r}); also the "
                             f"prototypes {', '.join(PROTOTYPES)}")
    parser.add_argument("--learning-rate-init", type=float, default=defaults["learning_rate_init"])
    parser.add_argument("--alpha", type=float, default=defaults["alpha"])
    parser.add_argument("--final-ratio", type=float, default=0.01, help="r of the 'budget' prototype")
    parser.add_argument("--datasets", nargs="*", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--out", type=Path, default=OUT, help="markdown file for the table ('-' for none)")
    parser.add_argument("--label", default="", help="a title for this run in the markdown file")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="any other bpnn parameter, VALUE a Python literal (repeatable): --set early_stopping=True")
    args = parser.parse_args(argv)
    install_prototypes(args.final_ratio)
    bpnn_params = {"learning_rate": args.learning_rate, "learning_rate_init": args.learning_rate_init,
                   "alpha": args.alpha}
    for assignment in args.set:
        name, _, value = assignment.partition("=")
        bpnn_params[name.strip()] = ast.literal_eval(value.strip())
    setting = ", ".join(f"{k}={v!r}" for k, v in bpnn_params.items())
    if args.learning_rate == "budget":
        setting += f", final_ratio={args.final_ratio}"

    started = time.perf_counter()
    rows = ["| dataset | task, size | metric | bpnn@200 | bpnn@1000 | sklearn@200 | sklearn@1000 "
            "| 1000 ≥ 200 | ≥ sklearn@1000 | epochs bpnn 200/1000, sklearn 200/1000 | fit s bpnn 200/1000, sklearn 200/1000 |",
            "|---|---|---|---:|---:|---:|---:|:---:|:---:|---:|---:|"]
    failures = 0
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name in args.datasets:
            _, regression, size = DATASETS[name]
            results = run_dataset(name, bpnn_params)
            mean = {label: float(np.mean(r["score"])) for label, r in results.items()}
            budget_ok = mean["bpnn@1000"] >= mean["bpnn@200"] - MARGIN
            sklearn_ok = mean["bpnn@1000"] >= mean["sklearn@1000"] - MARGIN
            failures += not (budget_ok and sklearn_ok)
            labels = ("bpnn@200", "bpnn@1000", "sklearn@200", "sklearn@1000")
            epochs = "/".join(f"{np.mean(results[label]['epochs']):.0f}" for label in labels)
            seconds = "/".join(f"{np.sum(results[label]['seconds']):.1f}" for label in labels)
            rows.append(f"| {name} | {'regression' if regression else 'classification'}, {size} "
                        f"| {'R²' if regression else 'accuracy'} | "
                        + " | ".join(f"{mean[label]:.4f}" for label in labels)
                        + f" | {'pass' if budget_ok else 'FAIL'} | {'pass' if sklearn_ok else 'FAIL'} "
                          f"| {epochs} | {seconds} |")
            print(rows[-1], flush=True)
        sin = sin_check(bpnn_params)
    elapsed = time.perf_counter() - started
    summary = (f"{len(args.datasets) - failures} of {len(args.datasets)} datasets pass; "
               f"run time {elapsed:.0f} s")
    report = [f"## {args.label or 'bpnn ' + setting}", "",
              f"bpnn: {setting} (other parameters at their defaults); scikit-learn at its defaults. "
              f"Means of {len(SEEDS)} seeds; test split 25 %; StandardScaler pipeline; 1 BLAS thread. "
              f"Pass: bpnn@1000 ≥ bpnn@200 − {MARGIN} and bpnn@1000 ≥ sklearn@1000 − {MARGIN}.", "",
              *rows, "", summary, "",
              "SIN (1-5-1 tanh, y = sin(πx), 41 points, StandardScaler pipeline): training MSE (epochs run)", "",
              *sin, ""]
    print("\n".join(["", *sin, "", summary]))
    if str(args.out) != "-":
        if not args.out.exists():
            report = ["# Default epoch budget: bpnn@200, bpnn@1000 and scikit-learn's MLP", "",
                      f"Written by `python bench/{Path(__file__).name}` (one section per run; see its docstring).", "",
                      *report]
        with open(args.out, "a", encoding="utf-8") as f:
            f.write("\n".join(report) + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
