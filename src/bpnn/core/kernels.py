"""Compiled optimizer updates: Adam's and RMSprop's rules as one loop over the parameters, with Numba.

An optional accelerator (``pip install bpnn[fast]``), never required: used when Numba is installed and either
the parameter vector has at least ``MIN_PARAMS`` entries, or the compiled loops are loaded in this process
already (by an earlier large fit, or by :func:`load`), since from then on using them costs nothing. Otherwise
the optimizers run their NumPy form in :mod:`bpnn.core.optimizers`.

Why: the NumPy form of Adam is 12 whole-vector operations, each a pass over memory and one a ``sqrt`` that
alone costs about four passes in float64; the loop reads g, m, v and θ once and writes m, v and θ once, so
on W4 (203,530 parameters) one update takes about a quarter of the NumPy form's time (bench/adam_kernel.md).

Same numbers: each kernel performs the NumPy form's operations in the same order, in the parameters' dtype
(every scalar is passed as a scalar of that dtype, as NumPy converts a Python float), with no fused
multiply-add and no reordering (Numba's default, no fastmath), so the results are bit-identical to the
NumPy form's: which path runs never changes a trained network (tests/test_fused_updates.py).

Cost: importing Numba and loading the compiled loops (cached in ``__pycache__`` after the first
compilation) takes about half a second once per process, which is why small networks, whose NumPy update
takes microseconds, do not load it themselves: on W3 (9,610 parameters) the loop takes about 18 us of the
NumPy form's 34 per update in float64, so a fit would need some 30,000 steps to win back the load. Once loaded, it serves them
too: a process that fits many networks (a search, a notebook) calls :func:`load` once.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable

import numpy as np

Array = np.ndarray

MIN_PARAMS = 1 << 17  # parameters from which the compiled update is loaded: it saves ~0.5 ms a step in float64 at W4's size
RULES = ("adam", "rmsprop")
loaded = False  # the compiled loops are in this process: every size uses them


def for_params(rule: str, params: Array, *vectors: Array) -> Callable | None:
    """The compiled update of ``rule`` for ``params`` and the other ``vectors`` it reads or writes (gradient,
    state), or None where the NumPy form should run: Numba not installed, fewer than ``MIN_PARAMS`` parameters
    while the loops are not loaded yet, or vectors that are not contiguous, of one shape and of one float dtype."""
    if (params.size < MIN_PARAMS and not loaded) or params.ndim != 1 or params.dtype.kind != "f" \
            or not params.flags.c_contiguous:
        return None
    if any(v.dtype != params.dtype or v.shape != params.shape or not v.flags.c_contiguous for v in vectors):
        return None
    return compiled(rule)


def load() -> bool:
    """Load the compiled updates now (Numba, and the loops from their cache), so that every later Adam and
    RMSprop update in this process uses them, small networks included. Returns whether Numba is installed."""
    return all(compiled(rule) is not None for rule in RULES)


@functools.cache
def compiled(rule: str) -> Callable | None:
    """The Numba-compiled update loop of ``rule`` (one of ``RULES``), or None when Numba is not installed."""
    if rule not in RULES:
        raise ValueError(f"unknown compiled update {rule!r}; valid ones are {', '.join(RULES)}")
    if importlib.util.find_spec("numba") is None:
        return None
    import numba  # lazily: importing bpnn, or training a small network, never loads it

    global loaded
    loop = _adam if rule == "adam" else _rmsprop
    # error_model="numpy": a division by zero gives inf/nan as in NumPy, and the loop stays vectorised
    try:
        kernel = numba.njit(cache=True, nogil=True, error_model="numpy")(loop)
    except RuntimeError:  # no writable cache folder next to the package or in the user's cache: compile every process
        kernel = numba.njit(cache=False, nogil=True, error_model="numpy")(loop)
    loaded = True
    return kernel


def _adam(params: Array, grad: Array, m: Array, v: Array, b1: float, b2: float, one_minus_b1: float,
          second_scale: float, epsilon: float, rate: float) -> None:
    """Adam's update, element by element in the NumPy form's order (see ``Adam.update``)."""
    for i in range(params.shape[0]):
        work = grad[i] * one_minus_b1  # (1-β1) g
        m[i] = m[i] * b1 + work  # m ← β1 m + (1-β1) g
        work = work * work * second_scale  # (1-β2) g², from ((1-β1) g)²
        v[i] = v[i] * b2 + work  # v ← β2 v + (1-β2) g²
        params[i] -= m[i] / (np.sqrt(v[i]) + epsilon) * rate  # θ ← θ - η_t m / (√v + ε)


def _rmsprop(params: Array, grad: Array, s: Array, rho: float, one_minus_rho: float, epsilon: float,
             rate: float) -> None:
    """RMSprop's update, element by element in the NumPy form's order (see ``RMSprop.update``)."""
    for i in range(params.shape[0]):
        s[i] = s[i] * rho + grad[i] * grad[i] * one_minus_rho  # s ← ρ s + (1-ρ) g²
        params[i] -= grad[i] / (np.sqrt(s[i]) + epsilon) * rate  # θ ← θ - η g / (√s + ε)
