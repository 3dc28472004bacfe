"""The one entry every full-batch solver shares, so that a solver's module holds only its mathematics.

A solver is written as its loop, ``loop(network, objective, record, saved, *, max_iter, <own options>)``:
``objective`` gives the cost and its derivatives at a parameter vector (a
:class:`bpnn.core.objective.LocalObjective`, or the ``objective=`` given, e.g. a
:class:`bpnn.distributed.DaskObjective`); ``record`` is the run's :class:`bpnn.core.record.EpochRecorder`
(MATLAB's record), to which the loop hands every epoch (``record.end_epoch(...)``, stopping when it returns
True); ``saved`` is the solver's own variables from the checkpoint to resume (None otherwise). The loop
leaves its result in ``network``.

:func:`full_batch_solver` turns the loop into the public function, called as::

    solve(network, X, Y, loss, *, sample_weight=None, alpha=0.0, max_iter=..., validation=None, score=None,
          early_stopping=None, callbacks=(), history=None, test=None, <own options>, objective=None,
          checkpoint=None, checkpoint_every=1, resume=None, stop=None) -> History

(without ``checkpoint`` … ``stop`` when the solver cannot resume). The own options are the loop's
keyword-only parameters, in their order and with their defaults (MATLAB's trainParam); of them ``goal``,
``min_grad``, ``max_fail`` and ``time_limit`` are the record's stop rules and ``chunk_rows`` the
objective's, so the loop declares them (for their defaults) but is not handed them. ``alpha`` and
``max_iter`` are handed to a loop that names them; the loop's ``max_iter`` default is the public one.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

from bpnn.core.losses import Loss, get_loss
from bpnn.core.network import Network
from bpnn.core.objective import LocalObjective
from bpnn.core.record import STOP_REASONS, EpochRecorder, History

__all__ = ["STOP_REASONS", "checked_loss", "full_batch_solver", "require_squared_error"]

_P = inspect.Parameter
COMMON = {"sample_weight": None, "alpha": 0.0, "max_iter": None, "validation": None, "score": None,
          "early_stopping": None, "callbacks": (), "history": None, "test": None}
RESUMING = {"checkpoint": None, "checkpoint_every": 1, "resume": None, "stop": None}
RECORD_OPTIONS = ("goal", "min_grad", "max_fail", "time_limit")  # the stop rules of MATLAB's record
OBJECTIVE_OPTIONS = ("chunk_rows",)


def checked_loss(loss: Loss | str) -> Loss:
    return get_loss(loss) if isinstance(loss, str) else loss


def require_squared_error(loss: Loss | str, solver: str) -> Loss:
    """LM and BR minimise a sum of squared errors; refuse any other loss and name the solvers that take it."""
    loss = checked_loss(loss)
    if loss.name != "squared_error":
        raise ValueError(f"solver {solver!r} minimises a sum of squared errors and needs the squared_error loss; "
                         f"got {loss.name!r}. For {loss.name} use solver 'scg', 'rprop' or 'lbfgs'.")
    return loss


def full_batch_solver(name: str, *, squared_error_only: bool = False, resumable: bool = True,
                      check: Callable[[Network, float], None] | None = None) -> Callable[[Callable], Callable]:
    """Make the public solver ``name`` of ``loop`` (see the module docstring). ``squared_error_only``: the
    loss defaults to, and must be, squared_error. ``check(network, alpha)`` runs first (refusals, warnings)."""

    def decorate(loop: Callable) -> Callable:
        declared = {p.name: p for p in inspect.signature(loop).parameters.values() if p.kind is _P.KEYWORD_ONLY}
        own = {key: p.default for key, p in declared.items() if key not in COMMON}
        common = {**COMMON, "max_iter": declared["max_iter"].default}
        handed = [key for key in declared if key not in RECORD_OPTIONS + OBJECTIVE_OPTIONS]
        signature = inspect.Signature(
            [_P("network", _P.POSITIONAL_OR_KEYWORD), _P("X", _P.POSITIONAL_OR_KEYWORD),
             _P("Y", _P.POSITIONAL_OR_KEYWORD),
             _P("loss", _P.POSITIONAL_OR_KEYWORD, **({"default": "squared_error"} if squared_error_only else {})),
             *[_P(key, _P.KEYWORD_ONLY, default=default)
               for key, default in {**common, **own, "objective": None, **(RESUMING if resumable else {})}.items()]])

        @functools.wraps(loop)
        def solve(*args: object, **kwargs: object) -> History:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            given = bound.arguments
            network = given["network"]
            loss = require_squared_error(given["loss"], name) if squared_error_only else checked_loss(given["loss"])
            if check is not None:
                check(network, given["alpha"])
            data = given["objective"]
            if data is None:
                data = LocalObjective(network, given["X"], given["Y"], loss, given["sample_weight"], given["alpha"],
                                      given.get("chunk_rows"))
            record = EpochRecorder(network, loss, alpha=given["alpha"], validation=given["validation"],
                                   test=given["test"], score=given["score"], early_stopping=given["early_stopping"],
                                   callbacks=given["callbacks"], history=given["history"], matlab=True,
                                   **{key: given[key] for key in RECORD_OPTIONS if key in given},
                                   **{key: given.get(key, default) for key, default in RESUMING.items()
                                      if key != "resume"})
            resume = given.get("resume")
            if resume is not None:
                record.restore(resume)
            loop(network, data, record, None if resume is None else resume["solver"],
                 **{key: given[key] for key in handed})
            return record.finish(network)

        solve.__signature__ = signature
        return solve

    return decorate
