"""Data-parallel training of bpnn networks on a Dask cluster (the optional extra ``dask[distributed]``).

Conventions:
- Samples are rows, as in :mod:`bpnn.core.network`. A Dask collection is split by rows into partitions;
  each partition becomes one *block* ``(X, Y, s)``, persisted once on the workers
  (:mod:`~bpnn.distributed.partitions`).
- The cost is the core's J over *all* partitions: each partition returns sums, never means, a tree of
  additions on the workers reduces them, and the client divides by the total weight, so the distributed loss
  and gradient equal the single-machine ones up to summation order.
- Full-batch solvers see the cluster through :class:`DaskObjective` (:mod:`~bpnn.distributed.objective`);
  mini-batch solvers run local SGD with synchronous averaging (:mod:`~bpnn.distributed.local_sgd`).
- Work is expressed as Dask graphs of delayed calls and run on ``client`` when given, on the default client
  when one exists, and on Dask's configured scheduler otherwise (:mod:`~bpnn.distributed.cluster`).
- :class:`DaskBPClassifier` and :class:`DaskBPRegressor` are the scikit-learn estimators on top
  (:mod:`~bpnn.distributed.estimators`): every fitted attribute is the plain estimator's.

The modules, lowest first: ``cluster`` (where the work runs), ``partitions`` (blocks on the workers and their
reduction), ``objective``, ``local_sgd``, ``estimators``.
"""

from bpnn.distributed.cluster import client_from_scheduler, default_client, limit_blas_threads
from bpnn.distributed.estimators import DaskBPClassifier, DaskBPRegressor
from bpnn.distributed.local_sgd import LocalState, local_round, local_sgd
from bpnn.distributed.objective import (
    DaskObjective,
    partition_gauss_newton,
    partition_loss,
    partition_loss_and_grad,
    partition_sse,
)
from bpnn.distributed.partitions import (
    Block,
    Partitions,
    array_block,
    as_dask_rows,
    persist_blocks,
    read_partitioned,
    row_partitions,
    tree_sum,
)

__all__ = ["Block", "DaskBPClassifier", "DaskBPRegressor", "DaskObjective", "LocalState", "Partitions", "array_block",
           "as_dask_rows", "client_from_scheduler", "default_client", "limit_blas_threads", "local_round", "local_sgd",
           "partition_gauss_newton", "partition_loss", "partition_loss_and_grad", "partition_sse", "persist_blocks",
           "read_partitioned", "row_partitions", "tree_sum"]
