"""Where the work runs: a Dask client from the command line's ``--scheduler``, the default client, and the
two calls every other module goes through (``persist`` and ``compute``), which use ``client`` when given and
Dask's configured scheduler otherwise (the synchronous one in tests)."""

from __future__ import annotations

import dask

CONNECT_SECONDS = 5  # how long to wait for a scheduler to answer: one on a network answers in milliseconds, and Dask
# retries a refused connection until its timeout (30 s by default), so a wrong address waited half a minute


def default_client(client: object | None = None) -> object | None:
    """``client`` itself, else the default Dask client if one exists, else None (Dask's own scheduler)."""
    if client is not None:
        return client
    try:
        from distributed import default_client as current
    except ImportError:
        return None
    try:
        return current()
    except ValueError:
        return None


def persist(client: object | None, *collections: object) -> tuple:
    return tuple(client.persist(list(collections))) if client is not None else dask.persist(*collections)


def compute(client: object | None, *collections: object) -> tuple:
    return tuple(client.compute(list(collections), sync=True)) if client is not None else dask.compute(*collections)


def client_from_scheduler(spec: str) -> object:
    """A Dask client from the command line's ``--scheduler``: ``local:N`` starts a LocalCluster of N
    single-threaded worker processes (closed with the client); ``tcp://HOST:PORT`` (or any Dask address
    with a protocol) connects to a running scheduler, ValueError in one line when none answers within
    ``CONNECT_SECONDS``."""
    from distributed import Client

    kind, _, value = spec.partition(":")
    if kind == "local":
        if not value.isdigit() or int(value) < 1:
            raise ValueError(f"--scheduler {spec!r}: give the number of workers as local:N with N >= 1, e.g. local:4")
        return Client(n_workers=int(value), threads_per_worker=1, processes=True, dashboard_address=":0")
    if "://" in spec:
        try:
            return Client(spec, timeout=CONNECT_SECONDS)
        except OSError:  # refused, unreachable or silent: Dask says "Timed out trying to connect" for each
            raise ValueError(f"--scheduler {spec}: no Dask scheduler answered there within {CONNECT_SECONDS} s; start "
                             f"one (dask scheduler --port PORT) and give its address, or use local:4 to start 4 local "
                             f"workers") from None
    raise ValueError(f"--scheduler {spec!r} is neither local:N nor a scheduler address; "
                     f"use local:4 to start 4 local workers or tcp://HOST:PORT to join a running cluster")


def limit_blas_threads(client: object | None) -> None:
    """One BLAS thread per worker. Worker nannies already set this through the environment; in-process
    (threaded) clusters do not, and their threads would oversubscribe the cores."""
    if client is not None:
        client.run(_one_blas_thread)


def _one_blas_thread() -> None:
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")

