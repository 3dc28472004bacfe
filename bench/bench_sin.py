"""Levenberg–Marquardt against Adam on MATLAB's "SIN" benchmark and two small regressions.

For each problem, 30 random starts (random_state 0..29) of the same network train until the training MSE
reaches the goal: LM (trainlm defaults, at most 1000 epochs) and full-batch Adam (one step per epoch, at most
20000 epochs) with each learning rate in {0.001, 0.01, 0.05}. The table gives, per solver, how many starts
reached the goal and the median epochs and milliseconds to it (a start that never reached it counts as
infinite). Adam's best learning rate is the one with the lowest median time. BLAS runs on one thread and
times are the process's CPU time (``time.process_time``), which equals wall time on an idle machine and is
not inflated by other processes on a shared one; the solvers run interleaved, start by start.

    python bench/bench_sin.py            # the table
    python bench/bench_sin.py --scaling  # LM against SCG as the parameter count grows (sets LM_MAX_PARAMS)

Problems (inputs and targets already in [-1, 1], as mapminmax leaves them):
- SIN: 1-5-1, tanh hidden, linear output, one period of a sine on 41 points, goal MSE 0.002 (MATLAB's).
- 1-10-1: y = 0.6 sin(3πx/2) + 0.3 sin(5πx/2) on 101 points, goal MSE 0.001.
- 2-10-1: y = sin(πx₁) cos(πx₂/2) on 200 uniform random points, goal MSE 0.001.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

from bpnn.core import Network, make_optimizer, train
from bpnn.core.solvers import get_solver

STARTS = 30
LEARNING_RATES = (0.001, 0.01, 0.05)
LM_EPOCHS, ADAM_EPOCHS = 1000, 20000


def problems() -> list[tuple[str, list[int], np.ndarray, np.ndarray, float]]:
    x1 = np.linspace(-1, 1, 41)[:, None]
    x2 = np.linspace(-1, 1, 101)[:, None]
    x3 = np.random.default_rng(0).uniform(-1, 1, (200, 2))
    return [
        ("SIN 1-5-1", [1, 5, 1], x1, np.sin(np.pi * x1), 0.002),
        ("1-10-1", [1, 10, 1], x2, 0.6 * np.sin(1.5 * np.pi * x2) + 0.3 * np.sin(2.5 * np.pi * x2), 0.001),
        ("2-10-1", [2, 10, 1], x3, (np.sin(np.pi * x3[:, 0]) * np.cos(np.pi * x3[:, 1] / 2))[:, None], 0.001),
    ]


def run_lm(sizes: list[int], X: np.ndarray, Y: np.ndarray, goal: float, seed: int) -> tuple[float, float]:
    """(epochs, seconds) to the goal; inf when it was not reached."""
    net = Network(sizes, "tanh", "identity", random_state=seed)
    started = time.process_time()
    history = get_solver("lm")(net, X, Y, "squared_error", goal=goal, max_iter=LM_EPOCHS)
    seconds = time.process_time() - started
    return (history.epochs, seconds) if history.stop_reason == "goal met" else (np.inf, np.inf)


def run_adam(sizes: list[int], X: np.ndarray, Y: np.ndarray, goal: float, seed: int, rate: float) -> tuple[float, float]:
    net = Network(sizes, "tanh", "identity", random_state=seed)
    reached = []

    def at_goal(epoch: int, history: object, network: Network) -> bool:
        if 2 * history.loss[-1] <= goal:  # J = MSE/2 for one output
            reached.append(epoch + 1)
            return True
        return False

    started = time.process_time()
    train(net, X, Y, "squared_error", make_optimizer("adam", learning_rate=rate), epochs=ADAM_EPOCHS,
          batch_size=None, callbacks=[at_goal])
    seconds = time.process_time() - started
    return (reached[0], seconds) if reached else (np.inf, np.inf)


def summary(runs: list[tuple[float, float]]) -> tuple[int, float, float]:
    epochs, seconds = np.array(runs).T
    return int(np.isfinite(epochs).sum()), float(np.median(epochs)), float(np.median(seconds)) * 1e3


def table() -> None:
    print(f"{'problem':<11} {'solver':<14} {'reached':>8} {'median epochs':>14} {'median ms':>10} {'LM faster':>10}")
    for name, sizes, X, Y, goal in problems():
        runs: dict = {"lm": [], **{rate: [] for rate in LEARNING_RATES}}
        for seed in range(STARTS):
            runs["lm"].append(run_lm(sizes, X, Y, goal, seed))
            for rate in LEARNING_RATES:
                runs[rate].append(run_adam(sizes, X, Y, goal, seed, rate))
        lm = summary(runs["lm"])
        adam = {rate: summary(runs[rate]) for rate in LEARNING_RATES}
        best = min(LEARNING_RATES, key=lambda rate: adam[rate][2])
        print(f"{name:<11} {'lm':<14} {lm[0]:>5}/{STARTS} {lm[1]:>14.0f} {lm[2]:>10.2f}")
        for rate in LEARNING_RATES:
            reached, epochs, ms = adam[rate]
            label = f"adam {rate:g}" + (" *" if rate == best else "")
            print(f"{'':<11} {label:<14} {reached:>5}/{STARTS} {epochs:>14.0f} {ms:>10.2f} {ms / lm[2]:>9.1f}x")
    print("ms: CPU milliseconds. * Adam's best learning rate (lowest median time); LM faster = Adam's median time / LM's")


def scaling() -> None:
    """Seconds per LM epoch and seconds to a goal, LM against SCG, as the hidden layer widens (1000 samples)."""
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (1000, 8))
    Y = (np.sin(np.pi * X[:, :4]).sum(axis=1) * np.cos(X[:, 4:]).prod(axis=1) / 3)[:, None]
    print(f"{'goal':>6} {'hidden':>6} {'params':>7} {'lm s/epoch':>11} {'lm epochs':>10} {'lm s':>8} {'scg epochs':>11} "
          f"{'scg s':>8}")
    for goal in (0.004, 0.0005):
        for hidden in (25, 50, 100, 200):
            result = {}
            for solver, limit in (("lm", 300), ("scg", 50000)):
                net = Network([8, hidden, 1], "tanh", "identity", random_state=0)
                started = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)  # the large-network warning this table justifies
                    history = get_solver(solver)(net, X, Y, "squared_error", goal=goal, max_iter=limit, time_limit=120.0)
                seconds = time.perf_counter() - started
                met = history.stop_reason == "goal met"
                result[solver] = (history.epochs if met else np.inf, seconds if met else np.inf, seconds / history.epochs)
            print(f"{goal:>6g} {hidden:>6} {net.n_params:>7} {result['lm'][2]:>11.3f} {result['lm'][0]:>10} "
                  f"{result['lm'][1]:>8.2f} {result['scg'][0]:>11} {result['scg'][1]:>8.2f}")
    print("inf: not reached within the epoch limit (lm 300, scg 50000) or 120 s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scaling", action="store_true", help="LM against SCG as the parameter count grows")
    arguments = parser.parse_args()
    with threadpool_limits(1):
        scaling() if arguments.scaling else table()
