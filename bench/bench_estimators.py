"""bpnn's BPClassifier/BPRegressor against scikit-learn's MLPClassifier/MLPRegressor at equal budgets.

Both get the same hidden layers, epoch limit and batch size and otherwise their own defaults; each dataset
is split 75/25 (stratified for classification) and standard-scaled on the training part, over 5 seeds
(the seed drives the split and both models' random_state). Scores are test accuracy (classification) or
R² (load_diabetes); times are the wall-clock seconds of ``fit``, with BLAS pinned to one thread so the
comparison measures the training code, not thread scheduling. The two models alternate within every
seed so drifts in machine load hit both.

    python bench/bench_estimators.py [--seeds 5] [--hidden 64] [--epochs 200] [--batch-size 32]

Acceptance: bpnn's mean score >= scikit-learn's and its mean fit time lower, on every dataset; the script
prints the table and exits with status 1 when any row fails.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from bpnn import BPClassifier, BPRegressor

# name -> (loader, is regression)
DATASETS = {
    "breast_cancer": (load_breast_cancer, False),
    "digits": (load_digits, False),
    "iris": (load_iris, False),
    "wine": (load_wine, False),
    "diabetes": (load_diabetes, True),
}


def timed_fit(model: object, X: np.ndarray, y: np.ndarray) -> float:
    started = time.perf_counter()
    model.fit(X, y)
    return time.perf_counter() - started


def run(name: str, seeds: int, budget: dict) -> dict:
    loader, regression = DATASETS[name]
    X, y = loader(return_X_y=True)
    results = {"sklearn": {"score": [], "seconds": [], "epochs": []}, "bpnn": {"score": [], "seconds": [], "epochs": []}}
    for seed in range(seeds):
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=seed,
                                                            stratify=None if regression else y)
        scaler = StandardScaler().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
        models = {"sklearn": (MLPRegressor if regression else MLPClassifier)(random_state=seed, **budget),
                  "bpnn": (BPRegressor if regression else BPClassifier)(random_state=seed, **budget)}
        for label, model in models.items():
            seconds = timed_fit(model, X_train, y_train)
            results[label]["seconds"].append(seconds)
            results[label]["score"].append(model.score(X_test, y_test))
            results[label]["epochs"].append(model.n_iter_)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args(argv)
    budget = {"hidden_layer_sizes": (args.hidden,), "max_iter": args.epochs, "batch_size": args.batch_size}
    print(f"budget: hidden_layer_sizes=({args.hidden},), max_iter={args.epochs}, batch_size={args.batch_size}; "
          f"{args.seeds} seeds; 1 BLAS thread")
    header = (f"{'dataset':<14}{'metric':<9}{'sklearn score':>15}{'bpnn score':>15}{'sklearn fit s':>15}"
              f"{'bpnn fit s':>12}{'time ratio':>12}{'epochs sk/bp':>15}  result")
    print(header)
    print("-" * len(header))
    failures = 0
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name, (_, regression) in DATASETS.items():
            results = run(name, args.seeds, budget)
            sk, bp = results["sklearn"], results["bpnn"]
            ratio = np.mean(bp["seconds"]) / np.mean(sk["seconds"])
            passed = np.mean(bp["score"]) >= np.mean(sk["score"]) and ratio < 1
            failures += not passed
            print(f"{name:<14}{'R²' if regression else 'accuracy':<9}"
                  f"{np.mean(sk['score']):>8.4f} ±{np.std(sk['score']):.3f}"
                  f"{np.mean(bp['score']):>8.4f} ±{np.std(bp['score']):.3f}"
                  f"{np.mean(sk['seconds']):>15.3f}{np.mean(bp['seconds']):>12.3f}{ratio:>12.2f}"
                  f"{np.mean(sk['epochs']):>9.0f}/{np.mean(bp['epochs']):<5.0f}  {'pass' if passed else 'FAIL'}")
    print(f"{len(DATASETS) - failures} of {len(DATASETS)} datasets pass (bpnn score >= scikit-learn's and lower fit time)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
