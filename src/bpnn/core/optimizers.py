"""Stepwise optimizers and learning-rate schedules.

Conventions: an optimizer updates one flat parameter vector ``params`` in place from a flat gradient
``grad`` of the same layout (see :mod:`bpnn.core.network`), so each rule is a few whole-vector array
operations and never a Python loop over layers. ``t`` counts updates. Optimizer state (velocities,
moments) lives in flat vectors too and is exposed by ``state()`` / ``set_state()`` for checkpoints.

An update allocates nothing: its operations write into the state vectors and one work vector (``out=``).
The work vector is the optimizer's own (allocated on first use), or, with ``overwrite_grad=True``, the
gradient itself: the training loop passes that, since it recomputes the gradient every step, and saves
one parameter-sized vector. Without it ``grad`` is left unchanged. Either way the arithmetic is the same,
so the results are identical.

Every scalar enters the array operations as a Python ``float`` (``float(...)``): NumPy treats a Python float
as a weak scalar that takes the array's dtype, but a NumPy ``float64`` scalar (``np.sqrt`` of a Python float
is one, and so may be a learning rate that a schedule or an estimator computed) makes a float32 operation
run in float64 and cast back, about 6× slower per pass.

Adam and RMSprop on large networks (``kernels.MIN_PARAMS`` parameters or more) run as one compiled loop
when Numba is installed (:mod:`bpnn.core.kernels`, the optional accelerator): the same operations in the
same order, so bit-identical results, in about a quarter of the time of the 12 whole-vector passes. numexpr
2.14 (without Intel's VML) took about 3× the NumPy update on a W4-sized vector and is not used.

A schedule maps the epoch number (0-based, the epoch that just ended) and the training loss to the
learning rate of the next epoch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from bpnn.core import kernels

Array = np.ndarray


@dataclass
class GradientDescent:
    """θ ← θ - η g"""

    learning_rate: float = 0.01
    t: int = 0
    scratch: Array | None = field(default=None, init=False, repr=False, compare=False)  # the own work vector

    def update(self, params: Array, grad: Array, overwrite_grad: bool = False) -> None:
        self.t += 1
        step = np.multiply(grad, float(self.learning_rate), out=self.work_vector(params, grad, overwrite_grad))
        params -= step  # θ ← θ - η ∇J

    def work_vector(self, params: Array, grad: Array, overwrite_grad: bool) -> Array:
        """Where intermediate results go: ``grad`` when it may be overwritten, else the own work vector."""
        if overwrite_grad:
            return grad
        if self.scratch is None or self.scratch.shape != params.shape or self.scratch.dtype != params.dtype:
            self.scratch = np.empty_like(params)
        return self.scratch

    def state(self) -> dict:
        return {"t": self.t, "learning_rate": self.learning_rate}

    def set_state(self, state: dict) -> None:
        for key, value in state.items():
            setattr(self, key, value.copy() if isinstance(value, np.ndarray) else value)

    def __getstate__(self) -> dict:
        return {**self.__dict__, "scratch": None}  # pickles and copies leave the work vector behind


@dataclass
class Momentum(GradientDescent):
    """v ← μv - ηg; θ ← θ + v (Nesterov: θ ← θ + μv - ηg, the look-ahead form)."""

    momentum: float = 0.9
    nesterov: bool = False
    velocity: Array | None = field(default=None, repr=False)

    def update(self, params: Array, grad: Array, overwrite_grad: bool = False) -> None:
        if self.velocity is None:
            self.velocity = np.zeros_like(params)
        self.t += 1
        v = self.velocity
        mu = float(self.momentum)
        step = np.multiply(grad, float(self.learning_rate), out=self.work_vector(params, grad, overwrite_grad))  # η g
        v *= mu
        v -= step  # v ← μ v - η g
        if self.nesterov:  # θ ← θ + μ v - η g
            params -= step
            params += np.multiply(v, mu, out=step)
        else:
            params += v  # θ ← θ + v

    def state(self) -> dict:
        return {**super().state(), "velocity": self.velocity}


@dataclass
class Adam(GradientDescent):
    """Adam (Kingma & Ba 2015) with bias correction folded into the step size."""

    learning_rate: float = 0.001
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-8
    first_moment: Array | None = field(default=None, repr=False)
    second_moment: Array | None = field(default=None, repr=False)

    def update(self, params: Array, grad: Array, overwrite_grad: bool = False) -> None:
        if self.first_moment is None:
            self.first_moment = np.zeros_like(params)
            self.second_moment = np.zeros_like(params)
        self.t += 1
        m, v, b1, b2 = self.first_moment, self.second_moment, float(self.beta_1), float(self.beta_2)
        rate = float(self.learning_rate) * math.sqrt(1 - b2 ** self.t) / (1 - b1 ** self.t)  # a Python float
        compiled = kernels.for_params("adam", params, grad, m, v)
        if compiled is not None:  # the same operations in one loop (bpnn.core.kernels), scalars in the dtype
            scalar = params.dtype.type
            compiled(params, grad, m, v, scalar(b1), scalar(b2), scalar(1 - b1), scalar((1 - b2) / (1 - b1) ** 2),
                     scalar(float(self.epsilon)), scalar(rate))
            return
        work = np.multiply(grad, 1 - b1, out=self.work_vector(params, grad, overwrite_grad))  # (1-β1) g; grad not read again
        m *= b1
        m += work  # m ← β1 m + (1-β1) g
        work *= work
        work *= (1 - b2) / (1 - b1) ** 2  # (1-β2) g², from ((1-β1) g)²
        v *= b2
        v += work  # v ← β2 v + (1-β2) g²
        # θ ← θ - η_t m / (√v + ε),  η_t = η √(1-β2^t) / (1-β1^t)
        np.sqrt(v, out=work)
        work += float(self.epsilon)
        np.divide(m, work, out=work)
        work *= rate
        params -= work

    def state(self) -> dict:
        return {**super().state(), "first_moment": self.first_moment, "second_moment": self.second_moment}


@dataclass
class RMSprop(GradientDescent):
    """s ← ρs + (1-ρ)g²; θ ← θ - η g / (√s + ε)"""

    learning_rate: float = 0.001
    rho: float = 0.9
    epsilon: float = 1e-8
    mean_square: Array | None = field(default=None, repr=False)

    def update(self, params: Array, grad: Array, overwrite_grad: bool = False) -> None:
        if self.mean_square is None:
            self.mean_square = np.zeros_like(params)
        self.t += 1
        rho = float(self.rho)
        compiled = kernels.for_params("rmsprop", params, grad, self.mean_square)
        if compiled is not None:  # the same operations in one loop (bpnn.core.kernels), scalars in the dtype
            scalar = params.dtype.type
            compiled(params, grad, self.mean_square, scalar(rho), scalar(1 - rho), scalar(float(self.epsilon)),
                     scalar(float(self.learning_rate)))
            return
        s, work = self.mean_square, self.work_vector(params, grad, False)  # g is needed after g²: the own vector
        s *= rho
        np.multiply(grad, grad, out=work)
        work *= 1 - rho
        s += work  # s ← ρ s + (1-ρ) g²
        np.sqrt(s, out=work)  # θ ← θ - η g / (√s + ε)
        work += float(self.epsilon)
        np.divide(grad, work, out=work)
        work *= float(self.learning_rate)
        params -= work

    def state(self) -> dict:
        return {**super().state(), "mean_square": self.mean_square}


OPTIMIZERS: dict[str, type[GradientDescent]] = {
    "gd": GradientDescent,
    "momentum": Momentum,
    "adam": Adam,
    "rmsprop": RMSprop,
}


def make_optimizer(name: str, **options: object) -> GradientDescent:
    """Build an optimizer by name; ``"nesterov"`` is momentum with the look-ahead step."""
    if name == "nesterov":
        return Momentum(nesterov=True, **options)
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; valid optimizers are {', '.join(OPTIMIZERS)}, nesterov")
    return OPTIMIZERS[name](**options)


# ---- learning-rate schedules ---------------------------------------------------------------------
@dataclass
class Constant:
    initial: float

    def __call__(self, epoch: int, loss: float) -> float:
        return self.initial


@dataclass
class StepDecay(Constant):
    drop: float = 0.5
    every: int = 10

    def __call__(self, epoch: int, loss: float) -> float:
        return self.initial * self.drop ** ((epoch + 1) // self.every)  # η_e = η0 · drop^⌊e/every⌋


@dataclass
class ExponentialDecay(Constant):
    gamma: float = 0.95

    def __call__(self, epoch: int, loss: float) -> float:
        return self.initial * self.gamma ** (epoch + 1)  # η_e = η0 · γ^e


@dataclass
class InverseScaling(Constant):
    """η = η0 / (t + 1)^power_t after epoch e: t = e + 1 epochs, or with ``samples_per_epoch`` the samples seen,
    t = samples_before + (e + 1 - epochs_before) · samples_per_epoch (scikit-learn's invscaling, whose t counts
    samples, across warm-started fits too)."""

    power_t: float = 0.5
    samples_per_epoch: int = 0
    samples_before: int = 0
    epochs_before: int = 0

    def __call__(self, epoch: int, loss: float) -> float:
        if self.samples_per_epoch:
            t = self.samples_before + (epoch + 1 - self.epochs_before) * self.samples_per_epoch
            return self.initial / (t + 1) ** self.power_t
        return self.initial / (epoch + 2) ** self.power_t  # η_e = η0 / (e + 1)^power_t


@dataclass
class ReduceOnPlateau(Constant):
    """Divide η by ``1/factor`` once the loss has failed to drop by ``tol`` for ``patience`` epochs."""

    factor: float = 0.2
    patience: int = 2
    tol: float = 1e-4
    min_learning_rate: float = 1e-6
    current: float | None = None
    best: float = np.inf
    bad_epochs: int = 0

    def __call__(self, epoch: int, loss: float) -> float:
        if self.current is None:
            self.current = self.initial
        if loss < self.best - self.tol:
            self.best, self.bad_epochs = loss, 0
        else:
            self.bad_epochs += 1
        if self.bad_epochs >= self.patience:
            self.current = max(self.current * self.factor, self.min_learning_rate)
            self.bad_epochs = 0
        return self.current


SCHEDULES: dict[str, type[Constant]] = {
    "constant": Constant,
    "step": StepDecay,
    "exponential": ExponentialDecay,
    "invscaling": InverseScaling,
    "plateau": ReduceOnPlateau,
}
SCHEDULE_ALIASES = {"adaptive": "plateau"}


def make_schedule(name: str, initial: float, **options: object) -> Constant:
    key = SCHEDULE_ALIASES.get(name, name)
    if key not in SCHEDULES:
        raise ValueError(f"unknown learning-rate schedule {name!r}; valid schedules are "
                         f"{', '.join(SCHEDULES)} (aliases: {', '.join(SCHEDULE_ALIASES)})")
    return SCHEDULES[key](initial, **options)
