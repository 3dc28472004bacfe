"""Old home of estimator helpers, kept only so that imports written before the split keep working (until
``bpnn.cli`` and ``bpnn.distributed`` commit their switch to the public names); new code imports from the modules
named below, and solver support comes from :func:`bpnn.core.solvers.solver_record`. To be removed."""

from __future__ import annotations

from bpnn.core.solvers import solver_record
from bpnn.estimators.data import random_streams, refuse_dask
from bpnn.estimators.metrics import accuracy, r2
from bpnn.estimators.parameters import ESTIMATOR_OWNED, OPTION_ALIASES, PARAMETERS, solver_options
from bpnn.estimators.record import training_record, validation_failures
from bpnn.estimators.state import plain

__all__ = ["ESTIMATOR_OWNED", "OPTION_ALIASES", "accuracy", "check_interval", "plain", "r2", "random_streams",
           "refuse_dask", "solver_options", "solver_parameters", "training_record", "validation_failures"]

_CHECKPOINT_KEYWORDS = {"checkpoint": None, "checkpoint_every": 1, "resume": None, "stop": None}


def check_interval(name: str, value: object) -> None:
    """Raise ValueError when ``value`` is outside the interval of the parameter ``name`` (its table check)."""
    PARAMETERS[name].validate(value)


def solver_parameters(solver: str) -> dict[str, object]:
    """The options of ``solver`` with their defaults, plus checkpoint, checkpoint_every, resume and stop for a
    resumable one: what its signature used to be read for (see :class:`bpnn.core.solvers.Solver`)."""
    record = solver_record(solver)
    return {**record.options, **(_CHECKPOINT_KEYWORDS if record.resumable else {})}
