"""Stop rules shared by the MATLAB-class solvers (lm, br, rprop, scg) and their training record.

Conventions: one epoch is one iteration of the solver over the whole training set. After each epoch the
solver calls :meth:`TrainingRecord.end_epoch` with the cost it minimises (J of :mod:`bpnn.core.network`) and
its gradient norm; the record appends, like MATLAB's ``tr``:

- ``history.loss`` (J), ``history.val_loss`` and ``history.val_score`` (as in :func:`bpnn.core.training.train`),
  ``history.seconds`` (the epoch's duration), ``history.best_epoch`` and ``history.stop_reason``;
- ``history.extra``: ``"perf"``, ``"val_perf"``, ``"test_perf"`` (MATLAB's performance: the mean squared
  error over samples and outputs for the squared_error loss, where perf = 2J/K; the cost J for other
  losses), ``"gradient"``, ``"val_fail"`` and the solver's own series (``"mu"``, ``"gamma"``, …).

Stop reasons, checked after every epoch in MATLAB's order: "goal met" (perf <= goal), "maximum mu",
"minimum gradient" (gradient < min_grad), "time limit" (total seconds > time_limit), "validation stop"
(``max_fail`` epochs in a row without a lower validation loss, or the given ``early_stopping``; "no improvement"
when that one monitors the training loss), "stopped by callback"; "maximum epochs"
when the solver ran all its epochs. The test set is only ever measured, never used for training.

Checkpoints, as in :func:`bpnn.core.training.train`: a solver that passes ``state`` (a function returning its own
variables) to ``end_epoch`` hands ``checkpoint`` the complete state every ``checkpoint_every`` epochs (before the
callbacks), and ``resume=`` that state continues the run; a set ``stop`` flag ends training at the epoch's end
with stop reason "interrupted", after a last checkpoint.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence

import numpy as np

from bpnn.core.losses import Loss, get_loss
from bpnn.core.network import Network
from bpnn.core.training import Callback, EarlyStopping, History, Score, restore_history

Array = np.ndarray

STOP_REASONS = ("goal met", "maximum epochs", "minimum gradient", "maximum mu", "validation stop", "time limit",
                "no improvement", "stopped by callback", "interrupted")


def checked_loss(loss: Loss | str) -> Loss:
    return get_loss(loss) if isinstance(loss, str) else loss


def require_squared_error(loss: Loss | str, solver: str) -> Loss:
    """LM and BR minimise a sum of squared errors; refuse any other loss and name the solvers that take it."""
    loss = checked_loss(loss)
    if loss.name != "squared_error":
        raise ValueError(f"solver {solver!r} minimises a sum of squared errors and needs the squared_error loss; "
                         f"got {loss.name!r}. For {loss.name} use solver 'scg', 'rprop' or 'lbfgs'.")
    return loss


class TrainingRecord:
    """Per-epoch bookkeeping and stop rules of one solver run; see the module docstring."""

    def __init__(self, network: Network, loss: Loss, *, alpha: float = 0.0, validation: tuple | None = None,
                 test: tuple | None = None, score: Score | None = None, early_stopping: EarlyStopping | None = None,
                 callbacks: Sequence[Callback] = (), history: History | None = None, goal: float = 0.0,
                 min_grad: float = 0.0, max_fail: int = 0, time_limit: float = np.inf,
                 checkpoint: Callable[[dict], object] | None = None, checkpoint_every: int = 1,
                 stop: object | None = None) -> None:
        self.loss, self.alpha, self.score, self.callbacks = loss, alpha, score, callbacks
        self.goal, self.min_grad, self.time_limit = goal, min_grad, time_limit
        self.checkpoint, self.checkpoint_every, self.stop = checkpoint, checkpoint_every, stop
        self.history = History() if history is None else history
        n_outputs = network.layer_sizes[-1]
        self.perf_scale = 2.0 / n_outputs if loss.name == "squared_error" else 1.0  # perf = 2J/K = mean squared error
        self.validation = self._data(network, validation, "validation")
        self.test = self._data(network, test, "test")
        if early_stopping is None and self.validation is not None and max_fail > 0:
            early_stopping = EarlyStopping("val_loss", patience=int(max_fail), min_delta=0.0)
        if early_stopping is not None and early_stopping.monitor.startswith("val") and self.validation is None:
            raise ValueError(f"early stopping on {early_stopping.monitor!r} needs validation data; "
                             f"pass validation=(X_val, Y_val)")
        self.early_stopping = early_stopping
        self.started = self.last = time.perf_counter()

    @staticmethod
    def _data(network: Network, data: tuple | None, name: str) -> tuple | None:
        if data is None:
            return None
        if len(data) not in (2, 3):
            raise ValueError(f"{name} must be (X, Y) or (X, Y, sample_weight); got a tuple of {len(data)}")
        weights = data[2] if len(data) == 3 else None
        return network.as_input(data[0]), network.as_input(data[1]), weights

    def _cost(self, network: Network, data: tuple) -> float:
        X, Y, weights = data
        return network.cost(network.forward(X), Y, self.loss, weights, self.alpha)

    def resumed(self, resume: dict | None) -> dict | None:
        """Restore the history and early-stopping record from a checkpoint's state; returns the solver's own
        variables (None without ``resume``)."""
        if resume is None:
            return None
        restore_history(self.history, resume["history"])
        if self.early_stopping is not None and resume["early_stopping"] is not None:
            for key, value in resume["early_stopping"].items():
                setattr(self.early_stopping, key, value)
        return resume["solver"]

    def _save(self, network: Network, state: Callable[[], dict] | None) -> None:
        if self.checkpoint is None or state is None:
            return
        stopping = self.early_stopping
        self.checkpoint({"params": network.params.copy(), "history": dataclasses.asdict(self.history),
                         "early_stopping": None if stopping is None else {
                             "best_value": stopping.best_value, "wait": stopping.wait,
                             "best_params": None if stopping.best_params is None else stopping.best_params.copy()},
                         "solver": state()})

    def end_epoch(self, network: Network, loss_value: float, gradient: float, *, maximum_mu: bool = False,
                  singular: str = "", state: Callable[[], dict] | None = None, **series: float) -> bool:
        """Record the epoch that just ended; True when a stop rule (or a callback) ends training. ``singular``
        says why the damped systems could not be solved, when μ passed its maximum for that reason."""
        history = self.history
        history.loss.append(loss_value)
        perf = self.perf_scale * loss_value
        history.log("perf", perf)
        history.log("gradient", gradient)
        for name, value in series.items():
            history.log(name, value)
        if self.validation is not None:
            history.val_loss.append(self._cost(network, self.validation))
            history.log("val_perf", self.perf_scale * history.val_loss[-1])
            if self.score is not None:
                history.val_score.append(self.score(network, *self.validation))
        if self.test is not None:
            history.log("test_perf", self.perf_scale * self._cost(network, self.test))
        if self.early_stopping is not None:
            self.early_stopping.improved(history, network.params)
            history.log("val_fail", self.early_stopping.wait)
        else:
            history.best_epoch = history.epochs - 1
        now = time.perf_counter()
        history.seconds.append(now - self.last)
        self.last = now
        epoch = history.epochs
        if perf <= self.goal:
            return self._stop("goal met", f"performance {perf:.6g} <= goal {self.goal:g} at epoch {epoch}")
        if maximum_mu:
            return self._stop("maximum mu", singular or f"no step lowered the cost before mu passed its maximum, "
                                                        f"at epoch {epoch}")
        if gradient < self.min_grad:
            return self._stop("minimum gradient", f"gradient {gradient:.3g} < min_grad {self.min_grad:g} at epoch {epoch}")
        if now - self.started > self.time_limit:
            return self._stop("time limit", f"{now - self.started:.3g} s > time limit {self.time_limit:g} s at epoch {epoch}")
        stopping = self.early_stopping
        if stopping is not None and stopping.should_stop:
            reason = "validation stop" if stopping.monitor.startswith("val") else "no improvement"
            return self._stop(reason, f"{stopping.monitor} did not improve in {stopping.patience} epochs; "
                                      f"best epoch {history.best_epoch + 1}")
        if self.stop is not None and self.stop.is_set():
            self._save(network, state)
            return self._stop("interrupted", f"at the end of epoch {epoch}")
        if epoch % self.checkpoint_every == 0:
            self._save(network, state)
        if any([bool(callback(epoch - 1, history, network)) for callback in self.callbacks]):
            return self._stop("stopped by callback", f"a callback stopped training at epoch {epoch}")
        return False

    def _stop(self, reason: str, message: str) -> bool:
        self.history.stop_reason = reason
        self.history.message = f"{reason}: {message}"
        return True

    def finish(self, network: Network) -> History:
        """Close the record ("maximum epochs" unless a rule stopped it) and restore the best weights."""
        if not self.history.stop_reason:
            self._stop("maximum epochs", f"ran all {self.history.epochs} epochs")
        stopping = self.early_stopping
        if stopping is not None and stopping.restore_best and stopping.best_params is not None:
            network.unpack(stopping.best_params)
        return self.history
