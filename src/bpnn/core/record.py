"""The record of a training run and the one per-epoch recorder every training loop shares: the mini-batch loop
(:func:`bpnn.core.training.train`), local SGD on Dask (:mod:`bpnn.distributed`) and every full-batch solver
(:mod:`bpnn.core.solvers`). A loop computes its epoch; the recorder writes it down and says whether to stop.

Per epoch, :meth:`EpochRecorder.end_epoch` appends to the :class:`History`: the cost J (``loss``), the
learning rate (loops with an optimizer; its schedule is stepped here), the validation cost and score, the
test set's cost (measured only, never steering), the seconds, and the early-stopping record. It then checks
the stop rules, hands ``checkpoint`` the state every ``checkpoint_every`` epochs (before the callbacks, so
a callback that ends the process leaves that epoch's state behind), honours a set ``stop`` flag (anything
with ``is_set()``: stop reason "interrupted", after a last checkpoint) and calls the callbacks
(``callback(epoch, history, network)``; a truthy return stops). :meth:`EpochRecorder.finish` closes the
record ("maximum epochs" when nothing stopped it) and restores the best weights early stopping kept.

Two styles of record, one recorder:

- the stepwise loops' (``matlab=False``): the test cost goes to the series ``"test_loss"``; early stopping
  ends with "no improvement of <monitor> in <patience> epochs"; only "interrupted" and "diverged" carry a
  message.
- MATLAB's training record ``tr`` (``matlab=True``, the full-batch solvers): ``history.extra`` also gets
  ``"perf"``, ``"val_perf"``, ``"test_perf"`` (MATLAB's performance: perf = 2J/K, the mean squared error
  over samples and outputs, for the squared_error loss; J itself for other losses), ``"gradient"``,
  ``"val_fail"`` and the solver's own series (``"mu"``, ``"gamma"``, …); without early stopping every epoch
  is the best one. The stop rules, checked in MATLAB's order: "goal met" (perf <= goal), "maximum mu",
  "minimum gradient" (gradient < min_grad), "time limit" (total seconds > time_limit), "validation stop"
  (``max_fail`` epochs in a row without a lower validation loss, or the given ``early_stopping``; "no
  improvement" when that one monitors the training loss), "interrupted", "stopped by callback", and
  "maximum epochs"; each message starts with its reason.
"""

from __future__ import annotations

import copy
import dataclasses
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from bpnn.core.losses import Loss, get_loss
from bpnn.core.network import Network

Array = np.ndarray
Callback = Callable[[int, "History", Network], object]
Score = Callable[[Network, Array, Array, Array | None], float]

STOP_REASONS = ("goal met", "maximum epochs", "minimum gradient", "maximum mu", "validation stop", "time limit",
                "no improvement", "stopped by callback", "interrupted")  # those of MATLAB's record
# how MATLAB's training window words the stop reasons it shares (shown by bpnn train beside bpnn's own)
MATLAB_STOP_WORDS = {"goal met": "Performance goal met", "maximum epochs": "Maximum epoch reached",
                     "minimum gradient": "Minimum gradient reached", "maximum mu": "Maximum mu reached",
                     "validation stop": "Validation stop", "time limit": "Maximum time elapsed"}


class DivergenceWarning(RuntimeWarning):
    """Training produced a non-finite loss or weight and was stopped."""


@dataclass
class History:
    """Per-epoch record of a training run."""

    loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_score: list = field(default_factory=list)
    learning_rate: list = field(default_factory=list)
    seconds: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)  # solver-specific per-epoch series: "gradient", "mu", "gamma", …
    best_epoch: int | None = None
    stop_reason: str = ""
    message: str = ""

    @property
    def epochs(self) -> int:
        return len(self.loss)

    def log(self, name: str, value: float) -> None:
        """Append one epoch's value to the solver-specific series ``name``."""
        self.extra.setdefault(name, []).append(value)


@dataclass
class EarlyStopping:
    """Stop after ``patience`` epochs in which ``monitor`` did not improve by ``min_delta``.

    ``monitor`` is ``"val_loss"`` (lower is better), ``"val_score"`` (higher is better) or ``"loss"`` (the
    training loss). The best weights are restored at the end when ``restore_best`` is on.
    """

    monitor: str = "val_loss"
    patience: int = 10
    min_delta: float = 1e-4
    restore_best: bool = True
    best_value: float = np.inf
    best_params: Array | None = None
    wait: int = 0

    def __post_init__(self) -> None:
        if self.monitor not in ("val_loss", "val_score", "loss"):
            raise ValueError(f"unknown monitor {self.monitor!r}; valid monitors are val_loss, val_score, loss")

    def improved(self, history: History, params: Array) -> bool:
        """Record the epoch just ended; True when it is the best so far."""
        value = getattr(history, self.monitor)[-1]
        value = -value if self.monitor == "val_score" else value
        if value < self.best_value - self.min_delta:
            self.best_value, self.wait = value, 0
            self.best_params = params.copy()
            history.best_epoch = history.epochs - 1
            return True
        self.wait += 1
        return False

    @property
    def should_stop(self) -> bool:
        return self.wait >= self.patience


class EpochRecorder:
    """Per-epoch bookkeeping and stop rules of one training run; see the module docstring.

    ``validation`` and ``test`` are ``(X, Y)`` or ``(X, Y, sample_weight)``; ``score(network, X, Y,
    sample_weight)`` is evaluated on the validation set. ``optimizer`` (and its ``schedule``): the
    learning rate is recorded and stepped. ``matlab`` selects MATLAB's record, with the stop rules ``goal``,
    ``min_grad``, ``max_fail`` and ``time_limit``.
    """

    def __init__(self, network: Network, loss: Loss | str, *, alpha: float = 0.0, validation: tuple | None = None,
                 test: tuple | None = None, score: Score | None = None, early_stopping: EarlyStopping | None = None,
                 callbacks: Sequence[Callback] = (), history: History | None = None, optimizer: object | None = None,
                 schedule: Callable[[int, float], float] | None = None,
                 checkpoint: Callable[[dict], object] | None = None, checkpoint_every: int = 1,
                 stop: object | None = None, matlab: bool = False, goal: float = 0.0, min_grad: float = 0.0,
                 max_fail: int = 0, time_limit: float = np.inf) -> None:
        self.loss = get_loss(loss) if isinstance(loss, str) else loss
        self.alpha, self.score, self.callbacks, self.optimizer, self.schedule = alpha, score, callbacks, optimizer, schedule
        self.checkpoint, self.checkpoint_every, self.stop = checkpoint, checkpoint_every, stop
        self.matlab, self.goal, self.min_grad, self.time_limit = matlab, goal, min_grad, time_limit
        self.history = History() if history is None else history
        self.perf_scale = 2.0 / network.layer_sizes[-1] if self.loss.name == "squared_error" else 1.0  # perf = 2J/K
        self.validation = _data(network, validation, "validation")
        self.test = _data(network, test, "test")
        if early_stopping is None and self.validation is not None and max_fail > 0:  # MATLAB's validation checks
            early_stopping = EarlyStopping("val_loss", patience=int(max_fail), min_delta=0.0)
        if early_stopping is not None and early_stopping.monitor.startswith("val") and self.validation is None:
            raise ValueError(f"early stopping on {early_stopping.monitor!r} needs validation data; "
                             f"pass validation=(X_val, Y_val)")
        self.early_stopping = early_stopping
        self.stopped = False
        self.started = self.last = time.perf_counter()

    def start_epoch(self) -> None:
        """Start the epoch's clock; without this call an epoch's seconds run from the end of the one before."""
        self.last = time.perf_counter()

    def end_epoch(self, network: Network, loss_value: float, *, gradient: float = np.inf, maximum_mu: bool = False,
                  singular: str = "", state: Callable[[], dict] | None = None, **series: float) -> bool:
        """Record the epoch that just ended (J = ``loss_value`` at the network's weights); True when a stop rule
        or a callback ends training. ``gradient`` is the gradient's norm (MATLAB's record); ``maximum_mu``
        says that μ passed its maximum, ``singular`` why, when the damped systems could not be solved;
        ``state()`` returns what a checkpoint holds (a solver's own variables, in MATLAB's record)."""
        history = self.history
        history.loss.append(loss_value)
        if self.optimizer is not None:
            history.learning_rate.append(self.optimizer.learning_rate)
        if self.matlab:
            history.log("perf", self.perf_scale * loss_value)
            history.log("gradient", gradient)
        for name, value in series.items():
            history.log(name, value)
        if self.validation is not None:
            history.val_loss.append(self._cost(network, self.validation))
            if self.matlab:
                history.log("val_perf", self.perf_scale * history.val_loss[-1])
            if self.score is not None:
                history.val_score.append(self.score(network, *self.validation))
        if self.test is not None:  # measured only
            cost = self._cost(network, self.test)
            history.log(*(("test_perf", self.perf_scale * cost) if self.matlab else ("test_loss", cost)))
        if self.schedule is not None:
            self.optimizer.learning_rate = self.schedule(history.epochs - 1, loss_value)
        if self.early_stopping is not None:
            self.early_stopping.improved(history, network.params)
            if self.matlab:
                history.log("val_fail", self.early_stopping.wait)
        elif self.matlab:
            history.best_epoch = history.epochs - 1
        now = time.perf_counter()
        history.seconds.append(now - self.last)
        self.last = now
        if (self.matlab or self.early_stopping is not None) and self._stop_rules(gradient, maximum_mu, singular, now):
            return True
        return self._epoch_end(network, state)

    def _stop_rules(self, gradient: float, maximum_mu: bool, singular: str, now: float) -> bool:
        epoch, stopping = self.history.epochs, self.early_stopping
        if self.matlab:
            perf = self.perf_scale * self.history.loss[-1]
            if perf <= self.goal:
                return self._stop("goal met", f"performance {perf:.6g} <= goal {self.goal:g} at epoch {epoch}")
            if maximum_mu:
                return self._stop("maximum mu", singular or f"no step lowered the cost before mu passed its maximum, "
                                                            f"at epoch {epoch}")
            if gradient < self.min_grad:
                return self._stop("minimum gradient", f"gradient {gradient:.3g} < min_grad {self.min_grad:g} at epoch "
                                                      f"{epoch}")
            if now - self.started > self.time_limit:
                return self._stop("time limit", f"{now - self.started:.3g} s > time limit {self.time_limit:g} s at "
                                                f"epoch {epoch}")
        if stopping is None or not stopping.should_stop:
            return False
        if not self.matlab:
            return self._stop(f"no improvement of {stopping.monitor} in {stopping.patience} epochs")
        reason = "validation stop" if stopping.monitor.startswith("val") else "no improvement"
        return self._stop(reason, f"{stopping.monitor} did not improve in {stopping.patience} epochs; "
                                  f"best epoch {self.history.best_epoch + 1}")

    def _epoch_end(self, network: Network, state: Callable[[], dict] | None) -> bool:
        """The interrupt flag, the checkpoint and the callbacks, in that order."""
        epoch = self.history.epochs
        if self.stop is not None and self.stop.is_set():
            return self.interrupted(network, f"at the end of epoch {epoch}", state)
        if self.checkpoint is not None and epoch % self.checkpoint_every == 0:
            self._save(network, state)
        if self.callbacks and any([bool(callback(epoch - 1, self.history, network)) for callback in self.callbacks]):
            return self._stop("stopped by callback", f"a callback stopped training at epoch {epoch}")
        return False

    def interrupted(self, network: Network, where: str, state: Callable[[], dict] | None) -> bool:
        """End training with stop reason "interrupted" and hand ``checkpoint`` the state; returns True."""
        if self.matlab:  # MATLAB's record saves before it says why it stopped
            self._save(network, state)
            return self._stop("interrupted", where)
        self._stop("interrupted", f"interrupted {where}; the state was handed to the checkpoint function, if any")
        self._save(network, state)
        return True

    def diverged(self, message: str) -> None:
        """End training with stop reason "diverged" and warn with ``message`` (attributed to the loop's caller)."""
        self.history.stop_reason, self.history.message, self.stopped = "diverged", message, True
        warnings.warn(message, DivergenceWarning, stacklevel=3)

    def concluded(self, reason: str, message: str) -> None:
        """End training with a reason the loop itself found (e.g. SciPy's), message as given."""
        self.history.stop_reason, self.history.message, self.stopped = reason, message, True

    def _stop(self, reason: str, message: str = "") -> bool:
        """Set the stop reason; MATLAB's record says why in a message starting with the reason (the stepwise
        loops' record keeps its message for interruptions and divergence)."""
        self.history.stop_reason, self.stopped = reason, True
        if self.matlab:
            self.history.message = f"{reason}: {message}"
        elif reason == "interrupted":
            self.history.message = message
        return True

    def _cost(self, network: Network, data: tuple) -> float:
        X, Y, weights = data
        return network.cost(network.forward(X), Y, self.loss, weights, self.alpha)

    def _save(self, network: Network, state: Callable[[], dict] | None) -> None:
        if self.checkpoint is None or state is None:
            return
        if self.matlab:  # the solver's own variables, wrapped with the weights and the record
            self.checkpoint({"params": network.params.copy(), **self.saved(), "solver": state()})
        else:  # the loop's complete state
            self.checkpoint(state())

    def saved(self) -> dict:
        """The record as a checkpoint holds it: the history and the early-stopping state (copies)."""
        stopping = self.early_stopping
        return {"history": dataclasses.asdict(self.history),
                "early_stopping": None if stopping is None else {
                    "best_value": stopping.best_value, "wait": stopping.wait,
                    "best_params": None if stopping.best_params is None else stopping.best_params.copy()}}

    def restore(self, state: dict) -> None:
        """Set the history and early-stopping record to those :meth:`saved` made; the stop reason and message,
        which described the saved run's end, are cleared."""
        for key, value in copy.deepcopy(state["history"]).items():
            setattr(self.history, key, value)
        self.history.stop_reason = self.history.message = ""
        if self.early_stopping is not None and state["early_stopping"] is not None:
            for key, value in state["early_stopping"].items():
                setattr(self.early_stopping, key, value)

    def finish(self, network: Network) -> History:
        """Close the record ("maximum epochs" unless something stopped it; MATLAB's record also keeps a reason
        the history held before) and restore the best weights early stopping kept."""
        if not self.stopped and not (self.matlab and self.history.stop_reason):
            self._stop("maximum epochs", f"ran all {self.history.epochs} epochs")
        stopping = self.early_stopping
        if stopping is not None and stopping.restore_best and stopping.best_params is not None:
            network.unpack(stopping.best_params)
        return self.history


def _data(network: Network, data: tuple | None, name: str) -> tuple | None:
    """``(X, Y, sample_weight)`` in the network's dtype from ``(X, Y)`` or ``(X, Y, sample_weight)``."""
    if data is None:
        return None
    if len(data) not in (2, 3):
        raise ValueError(f"{name} must be (X, Y) or (X, Y, sample_weight); got a tuple of {len(data)}")
    weights = data[2] if len(data) == 3 else None
    return network.as_input(data[0]), network.as_input(data[1]), weights
