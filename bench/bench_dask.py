"""Full-batch L-BFGS on a Dask cluster against the local estimator, and a run beyond a worker's memory limit.

    python bench/bench_dask.py                 # 400,000 x 100 rows, 100-64-1 network, 20 iterations
    python bench/bench_dask.py --rows 40000    # a smoke run

Protocol:
- Data: X ~ N(0, 1) of ``--rows`` x 100 in float64, drawn by ``dask.array.random.default_rng(0)`` in blocks
  of ``--chunk`` rows; y = tanh(X w) + 0.1 ε. The Dask runs draw the blocks on the workers; the local run
  computes the same array into memory first (not timed).
- Model: ``BPRegressor(hidden_layer_sizes=(64,), activation="tanh", solver="lbfgs", tol=0)`` for
  ``--iterations`` iterations, random_state=0: the same L-BFGS steps everywhere, up to summation order.
- Runs, in this order: the local estimator (BLAS threads as the machine gives them); DaskBPRegressor on a
  LocalCluster of 1 worker process, then of 2 worker processes (one thread each, so one BLAS thread each);
  then 1 worker process whose ``--memory-limit`` is below the size of the data, which Dask must spill to disk.
- Wall time of ``fit`` (the Dask runs include reading the blocks into worker memory once; cluster start-up,
  with the workers importing bpnn, is reported apart). Each run is done ``--repeats`` times and the median is reported.
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import time
import warnings

import dask.array as da
import numpy as np
from distributed import Client, LocalCluster

from bpnn.distributed import DaskBPRegressor
from bpnn.estimators import BPRegressor

N_FEATURES = 100


def data(rows: int, chunk: int) -> tuple[da.Array, da.Array]:
    rng = da.random.default_rng(0)
    X = rng.standard_normal((rows, N_FEATURES), chunks=(chunk, N_FEATURES))
    w = np.random.default_rng(1).standard_normal(N_FEATURES) / np.sqrt(N_FEATURES)
    y = da.tanh(X @ w) + 0.1 * rng.standard_normal(rows, chunks=chunk)  # y = tanh(Xw) + 0.1 ε
    return X, y


def options(iterations: int) -> dict:
    return dict(hidden_layer_sizes=(64,), activation="tanh", solver="lbfgs", max_iter=iterations, tol=0.0,
                random_state=0)


def timed(fit: callable, repeats: int) -> tuple[float, object]:
    seconds, model = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        model = fit()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), model


def spilled(client: Client) -> int:
    """Bytes the workers hold on disk now (Dask's spill storage, measured by sizeof)."""
    return sum(client.run(lambda dask_worker: dask_worker.data.spilled_total.memory).values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--chunk", type=int, default=25_000)
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--memory-limit", default="350MB", help="of the single worker of the last run")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # ConvergenceWarning: the iteration count is fixed on purpose
    X, y = data(args.rows, args.chunk)
    size_mb = X.nbytes / 1e6
    print(f"data {args.rows} x {N_FEATURES} float64 ({size_mb:.0f} MB), 100-64-1 tanh network, "
          f"{args.iterations} L-BFGS iterations, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    in_memory = da.compute(X, y, scheduler="threads")
    seconds, local = timed(lambda: BPRegressor(**options(args.iterations)).fit(*in_memory), args.repeats)
    rows = [("local BPRegressor (in memory)", "-", seconds, local, "")]
    runs = [("1 worker process", 1, "4GB"), ("2 worker processes", 2, "4GB"),
            (f"1 worker process, memory limit {args.memory_limit}", 1, args.memory_limit)]
    for name, workers, limit in runs:
        started = time.perf_counter()
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, memory_limit=limit,
                          dashboard_address=":0", silence_logs=50) as cluster, Client(cluster) as client:
            client.run(importlib.import_module, "bpnn.distributed")  # the workers' imports count as start-up
            start_up = time.perf_counter() - started
            seconds, model = timed(lambda: DaskBPRegressor(client=client, **options(args.iterations)).fit(X, y),
                                   args.repeats)
            note = f"{spilled(client) / 1e6:.0f} MB on disk at the end" if limit != "4GB" else ""
        rows.append((name, f"{start_up:.1f}", seconds, model, note))
    print()
    print("| run | cluster start (s) | fit (s) | s / iteration | final loss | vs local | note |")
    print("|---|---|---|---|---|---|---|")
    for name, start_up, seconds, model, note in rows:
        print(f"| {name} | {start_up} | {seconds:.1f} | {seconds / model.n_iter_:.2f} | {model.loss_curve_[-1]:.6f} "
              f"| {rows[0][2] / seconds:.2f}x | {note} |")
    gap = max(np.max(np.abs(np.subtract(model.loss_curve_, local.loss_curve_)) / np.abs(local.loss_curve_))
              for *_, model, _ in rows[1:])
    print(f"\nlargest relative difference of the loss curves from the local run: {gap:.1e}")


if __name__ == "__main__":
    main()
