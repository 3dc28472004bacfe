"""Where the trainings of ``bpnn tune`` run: independent tasks (a candidate on a fold, one start vector's screening)
on ``jobs`` local processes through joblib, or as tasks on a Dask cluster through a ``distributed`` client.

Each task is a pure function of its arguments (every seed is among them), so the results are the same, bit for
bit, wherever and in whatever order the tasks run; they come back in the order the tasks were given. The data
every task shares (the table's X and y) goes to a cluster once (``client.scatter``), not with every task.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence


def map_tasks(function: Callable, shared: Sequence, tasks: Sequence[Sequence], jobs: int = 1,
              client: object | None = None) -> Iterator:
    """``function(*shared, *task)`` for every task, yielded in the order of ``tasks``: on the Dask ``client``
    when one is given (``shared`` scattered to the workers once), else on ``jobs`` processes (joblib; one
    process runs them here, in turn)."""
    if client is not None:
        scattered = client.scatter(list(shared), broadcast=True, hash=False) if shared else []
        futures = [client.submit(function, *scattered, *task, pure=False) for task in tasks]
        try:
            for future in futures:
                yield future.result()
        finally:
            client.cancel(futures)  # a task that failed, or a caller that stopped early, leaves none running
        return
    from joblib import Parallel, delayed

    workers = max(1, min(jobs, len(tasks)))
    yield from Parallel(n_jobs=workers, return_as="generator")(delayed(function)(*shared, *task) for task in tasks)
