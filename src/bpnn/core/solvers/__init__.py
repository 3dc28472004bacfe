"""Solvers as data: one frozen :class:`Solver` record per public name, which callers ask instead of reading a
function's signature (see :mod:`bpnn.core.network` for conventions).

Full-batch solvers (lm, br, rprop, scg, lbfgs) are functions with this signature (made by
:func:`bpnn.core.solvers.runner.full_batch_solver` from each solver's loop), imported lazily (SciPy only
inside the solvers that need it)::

    solve(network, X, Y, loss, *, sample_weight=None, alpha=0.0, max_iter=..., validation=None,
          score=None, early_stopping=None, callbacks=(), history=None, test=None, **options, objective=None,
          checkpoint=None, checkpoint_every=1, resume=None, stop=None) -> History

They train ``network`` in place and return a :class:`bpnn.core.training.History` whose ``loss`` has one entry per
iteration (epoch); solver-specific series (gradient norm, μ, γ, …) go in ``history.extra``; ``stop_reason`` names
why it stopped. The stepwise solvers (sgd, adam, rmsprop) are optimizers stepped by
:func:`bpnn.core.training.train` through mini-batches; their records say so and carry no ``run``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class Solver:
    """What one solver is and what it supports.

    ``options`` are its own options (MATLAB's trainParam names) with their defaults; ``run`` is the
    ``"module:function"`` of a full-batch solver. ``resumable``: takes ``checkpoint``/``resume``/``stop``.
    ``validation_stop``: stops after ``max_fail`` epochs without a lower validation loss (MATLAB's validation
    checks). ``squared_error_only``: minimises a sum of squared errors (regression). ``distributed``: takes
    ``objective=``, so it can train on data spread over a cluster.
    """

    name: str
    title: str
    full_batch: bool
    run: str | None = None
    options: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    resumable: bool = True
    validation_stop: bool = False
    squared_error_only: bool = False
    distributed: bool = True

    def function(self) -> Callable:
        """The full-batch solver's function, imported on first use."""
        if self.run is None:
            raise ValueError(f"solver {self.name!r} steps through mini-batches (bpnn.core.training.train); it has no "
                             f"full-batch function")
        module, function = self.run.split(":")
        return getattr(importlib.import_module(module), function)


def _options(**defaults: object) -> MappingProxyType:
    return MappingProxyType(defaults)


INF = float("inf")
_LM_OPTIONS = {"mu_dec": 0.1, "mu_inc": 10.0, "mu_max": 1e10, "min_grad": 1e-7}  # options in the functions' order

SOLVERS: dict[str, Solver] = {record.name: record for record in (
    Solver("sgd", "stochastic gradient descent (momentum, Nesterov)", full_batch=False),
    Solver("adam", "Adam", full_batch=False),
    Solver("rmsprop", "RMSprop", full_batch=False),
    Solver("lbfgs", "L-BFGS-B (SciPy)", full_batch=True, run="bpnn.core.solvers.lbfgs:solve_lbfgs", resumable=False,
           options=_options(tol=1e-4, ftol=2.220446049250313e-09, max_fun=15000, memory=10)),
    Solver("lm", "Levenberg–Marquardt (MATLAB's trainlm)", full_batch=True, run="bpnn.core.solvers.lm:solve_lm",
           options=_options(goal=0.0, mu=0.001, **_LM_OPTIONS, max_fail=6, time_limit=INF, chunk_rows=None),
           validation_stop=True, squared_error_only=True),
    Solver("br", "Bayesian regularization on LM (MATLAB's trainbr)", full_batch=True, run="bpnn.core.solvers.br:solve_br",
           options=_options(goal=0.0, mu=0.005, **_LM_OPTIONS, max_fail=0, time_limit=INF, chunk_rows=None),
           validation_stop=True, squared_error_only=True),
    Solver("rprop", "resilient backpropagation (MATLAB's trainrp)", full_batch=True,
           run="bpnn.core.solvers.rprop:solve_rprop", validation_stop=True,
           options=_options(goal=0.0, min_grad=1e-5, max_fail=6, time_limit=INF, delta0=0.07, delt_inc=1.2,
                            delt_dec=0.5, deltamax=50.0)),
    Solver("scg", "Møller's scaled conjugate gradient (MATLAB's trainscg)", full_batch=True,
           run="bpnn.core.solvers.scg:solve_scg", validation_stop=True,
           options=_options(goal=0.0, min_grad=1e-6, max_fail=6, time_limit=INF, sigma=5e-5, lambda_=5e-7)),
)}
FULL_BATCH_SOLVERS: tuple[str, ...] = tuple(name for name, record in SOLVERS.items() if record.full_batch)
STEPWISE_SOLVERS: tuple[str, ...] = tuple(name for name, record in SOLVERS.items() if not record.full_batch)


# MATLAB's training functions by the registry's names: bpnn train --solver and the estimators' solver= take either
# (the one table of them)
SOLVER_ALIASES: MappingProxyType = MappingProxyType({"trainlm": "lm", "trainbr": "br", "trainscg": "scg",
                                                     "trainrp": "rprop", "trainbfg": "lbfgs", "traingdx": "sgd"})


def solver_name(name: str) -> str:
    """The registry's name for ``name``: itself, or the solver a MATLAB name stands for (trainlm → lm), in any
    case; an unknown name is returned as it is."""
    key = str(name).strip().lower()
    return SOLVER_ALIASES.get(key, key if key in SOLVERS else name)


def solver_record(name: str) -> Solver:
    """The record of ``name`` (or of the solver a MATLAB name stands for); an unknown name raises ValueError
    listing the valid ones."""
    if solver_name(name) not in SOLVERS:
        raise ValueError(f"unknown solver {name!r}; valid solvers are {', '.join(SOLVERS)} (or MATLAB's "
                         f"{', '.join(SOLVER_ALIASES)})")
    return SOLVERS[solver_name(name)]


def get_solver(name: str) -> Callable:
    """The function of the full-batch solver ``name`` (or of the one a MATLAB name stands for)."""
    if solver_name(name) not in FULL_BATCH_SOLVERS:
        raise ValueError(f"unknown full-batch solver {name!r}; valid solvers are {', '.join(FULL_BATCH_SOLVERS)}")
    return SOLVERS[solver_name(name)].function()
