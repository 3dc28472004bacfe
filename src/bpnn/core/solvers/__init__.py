"""Full-batch solvers over the packed parameter vector (see :mod:`bpnn.core.network` for conventions).

Every solver is a function with this signature, registered in ``FULL_BATCH_SOLVERS`` under its public
name, and imported lazily (SciPy only inside the solvers that need it)::

    solve(network, X, Y, loss, *, sample_weight=None, alpha=0.0, max_iter=..., validation=None,
          score=None, early_stopping=None, callbacks=(), history=None, **options) -> History

It trains ``network`` in place and returns a :class:`bpnn.core.training.History` whose ``loss`` has one
entry per iteration (epoch); solver-specific series (gradient norm, μ, γ, …) go in ``history.extra`` via
``history.log(name, value)``; ``stop_reason`` names why it stopped. ``validation``, ``score``,
``early_stopping`` and ``callbacks`` mean what they mean in :func:`bpnn.core.training.train`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

# public name -> "module:function", resolved on first use so importing the core never imports SciPy
FULL_BATCH_SOLVERS: dict[str, str] = {
    "lbfgs": "bpnn.core.solvers.lbfgs:solve_lbfgs",  # SciPy L-BFGS-B
    "lm": "bpnn.core.solvers.lm:solve_lm",  # Levenberg–Marquardt (trainlm)
    "br": "bpnn.core.solvers.br:solve_br",  # Bayesian regularization on LM (trainbr)
    "rprop": "bpnn.core.solvers.rprop:solve_rprop",  # resilient backpropagation (trainrp)
    "scg": "bpnn.core.solvers.scg:solve_scg",  # Møller's scaled conjugate gradient (trainscg)
}


def get_solver(name: str) -> Callable:
    if name not in FULL_BATCH_SOLVERS:
        raise ValueError(f"unknown full-batch solver {name!r}; valid solvers are {', '.join(FULL_BATCH_SOLVERS)}")
    module, function = FULL_BATCH_SOLVERS[name].split(":")
    return getattr(importlib.import_module(module), function)
