"""The scikit-learn estimators on a cluster: :class:`DaskBPClassifier` and :class:`DaskBPRegressor`.

Each partition goes through the plain estimator's own input preparation on its worker; training takes the
full-batch route (:class:`~bpnn.distributed.objective.DaskObjective` under the unchanged solver) or local SGD
(:func:`~bpnn.distributed.local_sgd.local_sgd`); every fitted attribute is the plain estimator's
(``to_local()`` returns one).
"""

from __future__ import annotations

import copy
import functools
import inspect
import warnings
from collections.abc import Callable
from numbers import Integral

import dask
import dask.array as da
import numpy as np
from dask.delayed import delayed
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from bpnn.core.optimizers import SCHEDULE_ALIASES
from bpnn.core.record import EarlyStopping
from bpnn.core.solvers import FULL_BATCH_SOLVERS, get_solver, solver_name
from bpnn.distributed.cluster import compute, default_client, limit_blas_threads
from bpnn.distributed.local_sgd import local_sgd
from bpnn.distributed.objective import DaskObjective
from bpnn.distributed.partitions import Block, Partitions, as_dask_rows, is_frame, persist_blocks
from bpnn.estimators import (
    MIN_LEARNING_RATE,
    TASKS,
    UNCONVERGED,
    BPClassifier,
    BPEstimator,
    BPRegressor,
    TrainingData,
    make_rate_schedule,
    make_stepwise_optimizer,
    prepare_training_data,
    prepare_validation,
    random_streams,
)

Array = np.ndarray


def _prepare_block(estimator: BPEstimator, X: object, y: object, s: object) -> Block:
    """One partition through the fitted estimator's own input preparation (validation, target encoding,
    sample and class weights, dtype), as partial_fit prepares a batch. A partition without rows or weight
    becomes an empty block, which :func:`persist_blocks` drops."""
    if len(X) == 0 or (s is not None and not np.any(s)):
        sizes, dtype = estimator.network_.layer_sizes, estimator.network_.dtype
        return Block(np.empty((0, sizes[0]), dtype), np.empty((0, sizes[-1]), dtype), None)
    data = prepare_training_data(estimator, X, y, s, None, classes=None, reset=False, incremental=True, split_rng=None)
    return Block(np.require(data.X, requirements="CA"), np.require(data.Y, requirements="CA"),
                 None if data.sample_weight is None else np.require(data.sample_weight, requirements="CA"))


def _apply(X: object, estimator: BPEstimator, method: str) -> Array:
    """``estimator.method(X)`` on one block (blocks come first in Dask's map_blocks and map_partitions)."""
    return getattr(estimator, method)(X)


def _with_client(base: type) -> Callable:
    """``__init__`` of a Dask estimator: ``base``'s parameters plus ``client`` and ``local_steps``, with
    early_stopping=False by default: the plain estimators' "refit" holds rows out of one array in memory, and a
    cluster fit splits nothing across partitions (early stopping watches ``validation_data`` given to fit).

    scikit-learn reads parameter names from the signature, so the signature is ``base``'s with the two
    keywords added, and ``base.__init__`` stores the rest, unchanged, as scikit-learn requires.
    """
    def __init__(self: BPEstimator, *args: object, client: object = None, local_steps: int | None = None,
                 **params: object) -> None:
        if len(args) <= position_of_early_stopping:
            params.setdefault("early_stopping", False)  # a cluster fit holds no rows out (see the class docstring)
        base.__init__(self, *args, **params)
        self.client = client
        self.local_steps = local_steps

    keyword = inspect.Parameter.KEYWORD_ONLY
    parameters = [parameter.replace(default=False) if name == "early_stopping" else parameter
                  for name, parameter in inspect.signature(base.__init__).parameters.items()]
    position_of_early_stopping = [parameter.name for parameter in parameters[1:]].index("early_stopping")
    __init__.__signature__ = inspect.signature(base.__init__).replace(parameters=[
        *parameters,
        inspect.Parameter("client", keyword, default=None), inspect.Parameter("local_steps", keyword, default=None)])
    return __init__


class _DaskTraining:
    """``fit`` on a Dask cluster and blockwise prediction for a BPClassifier/BPRegressor subclass; parameters,
    input preparation, prediction rules and fitted attributes are the plain estimator's."""

    _local: type  # the plain estimator class

    def fit(self, X: object, y: object, sample_weight: object = None, validation_data: tuple | None = None) -> object:
        """Train on the cluster. X, y and sample_weight may be Dask arrays, DataFrames or Series (or in-memory
        data, split over the workers); ``validation_data`` = (X_val, y_val[, sample_weight_val]) is held in
        memory and scored on the client every epoch."""
        self._check_params()
        self._check_cluster_options()
        if self.n_init != 1 or self.ensemble:
            raise ValueError(f"n_init={self.n_init!r}, ensemble={self.ensemble!r}: several trainings run in memory with "
                             f"BPClassifier or BPRegressor; a cluster fit trains one network. Set n_init=1 and "
                             f"ensemble=False")
        if self.early_stopping and validation_data is None:
            raise ValueError("early_stopping on a cluster needs validation_data=(X_val, y_val) in memory: the "
                             "validation_fraction split is not made across partitions")
        if isinstance(getattr(self, "class_weight", None), str):
            raise ValueError("class_weight='balanced' needs class counts over all partitions; pass a dict instead, "
                             "e.g. dict(zip(classes, compute_class_weight('balanced', classes=classes, y=y)))")
        if self.local_steps is not None and not (isinstance(self.local_steps, Integral) and self.local_steps >= 1):
            raise ValueError(f"local_steps must be None (one local epoch per round) or an integer >= 1; "
                             f"got {self.local_steps!r}")
        client = default_client(self.client)
        limit_blas_threads(client)
        init_rng, _, shuffle_rng = random_streams(self.random_state)
        if not hasattr(self, "network_") or not self.warm_start:
            self._start(X, y, init_rng, client)
        else:
            self._check_architecture()
        n_partitions = len(client.scheduler_info()["workers"]) if client is not None else 1
        partitions = persist_blocks(X, y, sample_weight, prepare=functools.partial(_prepare_block, self.to_local()),
                                    n_partitions=n_partitions, client=client)
        data = TrainingData(None, None, None, None if validation_data is None else
                            prepare_validation(self, validation_data, self.network_.dtype))
        epochs_before = self.history_.epochs
        self.history_.stop_reason = self.history_.message = ""  # they describe the latest run
        if solver_name(self.solver) in FULL_BATCH_SOLVERS:
            self._fit_full_batch(partitions, data)
        else:
            self._fit_local_sgd(partitions, data, shuffle_rng)
        self.t_ += (self.history_.epochs - epochs_before) * sum(partitions.rows)
        if self.history_.stop_reason in UNCONVERGED:
            warnings.warn(f"{self.solver}: maximum iterations ({self.max_iter}) reached and the optimization hasn't "
                          f"converged yet ({self.history_.message or self.history_.stop_reason}); raise max_iter "
                          f"or tol", ConvergenceWarning, stacklevel=2)
        return self

    def _check_cluster_options(self) -> None:
        """A division and a fitted scaling need every training row in one place, which a cluster never gathers."""
        if self.division is not None:
            raise ValueError(f"division={self.division!r} divides rows held in one process; on a cluster every row "
                             f"trains. Set division=None and pass validation_data=(X_val, y_val) for validation stopping")
        if self.scaling is not None and not (self.warm_start and hasattr(self, "network_")):
            raise ValueError(f"scaling={self.scaling!r} is fitted on all training rows at once, which a cluster never "
                             f"gathers; set scaling=None and scale the data beforehand (e.g. with its known ranges)")

    def _start(self, X: object, y: object, init_rng: np.random.Generator, client: object | None) -> None:
        """Fitted metadata (features, classes, target type) from a few rows and, for class labels, every label
        (computed over all partitions); then a new network."""
        head = 5
        X_head, y_head = (data.head(head, npartitions=-1, compute=False) if is_frame(data) else as_dask_rows(data)[:head]
                          for data in (X, y))
        X_head, y_head = compute(client, X_head, y_head)
        data = prepare_training_data(self, X_head, y_head, None, None, classes=self._class_labels(y, client), reset=True,
                                     incremental=True, split_rng=None)
        self.feature_range_ = None  # the head's rows are no training range, and a cluster's rows are never gathered
        self._start_network(data.X.shape[1], data.Y.shape[1], data.X.dtype, init_rng)

    def _class_labels(self, y: object, client: object | None) -> Array | None:
        """Every class label (classifiers), computed over all partitions."""
        return None

    def _fit_full_batch(self, partitions: Partitions, data: TrainingData) -> None:
        options = self._full_batch_options()
        loss = TASKS[self._target_type][1]
        objective = DaskObjective(self.network_, partitions, loss, options["alpha"], chunk_rows=options.get("chunk_rows"))
        get_solver(self.solver)(self.network_, None, None, loss, max_iter=self.max_iter, validation=data.validation,
                                score=self._validation_score if data.validation is not None else None,
                                early_stopping=self._stopping(data), callbacks=self._callbacks(),
                                history=self.history_, objective=objective, **options)

    def _fit_local_sgd(self, partitions: Partitions, data: TrainingData, rng: np.random.Generator) -> None:
        self._optimizer = make_stepwise_optimizer(self)
        self._schedule = make_rate_schedule(self)
        stopping, extra = self._stopping(data), []
        if stopping is None and SCHEDULE_ALIASES.get(self.learning_rate, self.learning_rate) != "plateau":
            stopping = EarlyStopping("loss", patience=self.n_iter_no_change, min_delta=self.tol, restore_best=False)
        elif stopping is None:  # "adaptive": the schedule lowers the rate on plateaus; stop once it is tiny
            extra.append(lambda epoch, history, network: self._optimizer.learning_rate <= MIN_LEARNING_RATE)
        local_sgd(self.network_, partitions, TASKS[self._target_type][1], self._optimizer, epochs=self.max_iter,
                  batch_size=200 if self.batch_size == "auto" else self.batch_size, local_steps=self.local_steps,
                  shuffle=self.shuffle, rng=rng, alpha=self.alpha, validation=data.validation,
                  score=self._validation_score if data.validation is not None else None, schedule=self._schedule,
                  early_stopping=stopping, callbacks=self._callbacks(extra), history=self.history_)

    def __sklearn_clone__(self) -> object:
        """An unfitted copy sharing ``client``: a connection cannot be deep-copied as clone copies parameters."""
        params = self.get_params(deep=False)
        client = params.pop("client")
        return type(self)(**{name: clone(value, safe=False) for name, value in params.items()}, client=client)

    def to_local(self) -> BPEstimator:
        """The plain fitted estimator (a copy): same parameters but ``client`` and ``local_steps``, same state."""
        check_is_fitted(self)
        params = self.get_params(deep=False)
        local = self._local(**{name: value for name, value in params.items() if name not in ("client", "local_steps")})
        local.__dict__.update({name: value for name, value in vars(self).items() if name not in params})
        return copy.deepcopy(local)

    def _blockwise(self, method: str, X: object) -> object:
        """``method`` of the plain estimator: a Dask array computed block by block for a Dask collection, the
        plain result for in-memory data."""
        local = self.to_local()
        if not dask.is_dask_collection(X):
            return getattr(local, method)(X)
        probe = np.zeros((1, self.n_features_in_), dtype=self.network_.dtype)
        if hasattr(self, "feature_names_in_"):
            import pandas as pd

            probe = pd.DataFrame(probe, columns=self.feature_names_in_)
        meta = getattr(local, method)(probe)[:0]
        local = delayed(local)  # one copy of the model in the graph, not one per block
        if is_frame(X):
            return X.map_partitions(_apply, local, method, meta=meta)
        X = as_dask_rows(X)
        return X.map_blocks(_apply, local, method, dtype=meta.dtype, meta=meta,
                            chunks=(X.chunks[0], *((size,) for size in meta.shape[1:])),
                            drop_axis=[] if meta.ndim == 2 else [1])

    def predict(self, X: object) -> object:
        return self._blockwise("predict", X)


class DaskBPClassifier(_DaskTraining, BPClassifier):
    """BPClassifier trained on a Dask cluster (see the module docstring for how).

    Parameters: all of :class:`bpnn.estimators.BPClassifier`'s, and

    client : distributed.Client or None, default=None
        Where to train; None uses the default client, or Dask's own scheduler when there is none.
    local_steps : int or None, default=None
        Mini-batch solvers: the steps each partition takes between two averagings; None is one local
        epoch. Either way one round counts as one epoch of ``max_iter``.

    early_stopping defaults to False; early stopping needs ``validation_data`` in memory; ``class_weight`` must
    be None or a dict.
    Attributes: those of BPClassifier; :meth:`to_local` returns the plain fitted BPClassifier.
    """

    _local = BPClassifier
    __init__ = _with_client(BPClassifier)

    def _class_labels(self, y: object, client: object | None) -> Array | None:
        if np.ndim(y) == 2 and np.shape(y)[1] > 1:
            return None  # multilabel indicator columns: the labels are the column numbers
        (values,) = compute(client, y.drop_duplicates() if is_frame(y) else da.unique(as_dask_rows(y).ravel()))
        return np.unique(np.asarray(values))

    def predict_proba(self, X: object) -> object:
        return self._blockwise("predict_proba", X)

    def predict_log_proba(self, X: object) -> object:
        return self._blockwise("predict_log_proba", X)


class DaskBPRegressor(_DaskTraining, BPRegressor):
    """BPRegressor trained on a Dask cluster: :class:`bpnn.estimators.BPRegressor`'s parameters plus
    ``client`` and ``local_steps`` (see :class:`DaskBPClassifier`)."""

    _local = BPRegressor
    __init__ = _with_client(BPRegressor)
