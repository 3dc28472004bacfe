"""The fitted attributes of the estimators, all read from ``network_`` and ``history_``, and MATLAB's training
record ``tr`` (``training_record_``) built from a :class:`~bpnn.core.training.History`."""

from __future__ import annotations

import math

import numpy as np
from sklearn.utils.validation import check_is_fitted

from bpnn.core.training import History
from bpnn.estimators.data import TASKS
from bpnn.estimators.parameters import holds_out_validation

Array = np.ndarray


def validation_failures(val_loss: list) -> list[int]:
    """For each epoch, the epochs in a row without a lower validation loss than all before (MATLAB's val_fail)."""
    failures, best, count = [], math.inf, 0
    for value in val_loss:
        count = 0 if value < best else count + 1
        best = min(best, value)
        failures.append(count)
    return failures


def training_record(history: History, loss: str, n_outputs: int) -> dict:
    """MATLAB's training record ``tr`` from a :class:`History`: see ``training_record_`` in the estimators.

    perf = 2J/K for the squared_error loss (the mean squared error over samples and outputs, MATLAB's mse),
    J otherwise; the same for the validation and test sets.
    """
    scale = 2.0 / n_outputs if loss == "squared_error" else 1.0  # perf = 2J/K = mean squared error
    extra = history.extra

    def series(values: list | None, factor: float = 1.0) -> Array | None:
        return None if not values else factor * np.asarray(values, dtype=np.float64)

    record = {
        "epoch": np.arange(1, history.epochs + 1),
        "perf": series(history.loss, scale),
        "vperf": series(history.val_loss, scale),
        "tperf": series(extra["test_perf"]) if "test_perf" in extra else series(extra.get("test_loss"), scale),
        "time": np.cumsum(history.seconds),
        "val_fail": (np.asarray(extra["val_fail"] if "val_fail" in extra else validation_failures(history.val_loss))
                     if history.val_loss else None),
        **{name: series(extra[name]) for name in ("gradient", "mu", "gamma", "alpha", "beta", "ssw") if name in extra},
        **({"learning_rate": series(history.learning_rate)} if history.learning_rate else {}),
    }
    best = history.best_epoch
    for name in ("perf", "vperf", "tperf"):
        values = record[name]
        record[f"best_{name}"] = None if best is None or values is None or best >= len(values) else float(values[best])
    record.update(num_epochs=history.epochs, best_epoch=None if best is None else best + 1, stop=history.stop_reason,
                  message=history.message)
    return record


def assign_layers(est: object, name: str, views: list[Array], values: list) -> None:
    """Copy ``values``, one array per layer, into the network's parameter ``views`` (coefs_ or intercepts_)."""
    check_is_fitted(est)
    values = list(values)
    shapes = [view.shape for view in views]
    arrays = [np.asarray(value, dtype=views[0].dtype) for value in values]
    if [array.shape for array in arrays] != shapes:
        raise ValueError(f"{name} takes {len(shapes)} arrays of shapes {shapes} (the fitted network's); got "
                         f"{[array.shape for array in arrays]}. Fit a network of the size wanted first")
    for view, array in zip(views, arrays):
        view[...] = array


class FittedAttributes:
    """scikit-learn's fitted attributes of the MLP (and MATLAB's ``tr``) as views of ``network_`` and ``history_``."""

    @property
    def coefs_(self) -> list[Array]:
        """The weight matrices W[l] ``(n_in, n_out)``: views into ``network_.params``, so writing into one changes
        the network; assigning a list of arrays (``est.coefs_ = [...]``) copies them in, shapes checked."""
        return self.network_.weights

    @coefs_.setter
    def coefs_(self, values: list) -> None:
        assign_layers(self, "coefs_", self.network_.weights, values)

    @property
    def intercepts_(self) -> list[Array]:
        """The bias vectors b[l] ``(n_out,)``: views into ``network_.params``, assignable like ``coefs_``."""
        return self.network_.biases

    @intercepts_.setter
    def intercepts_(self, values: list) -> None:
        assign_layers(self, "intercepts_", self.network_.biases, values)

    @property
    def n_iter_(self) -> int:
        """Epochs (iterations) of the latest fit or partial_fit call, as in scikit-learn: a warm-started fit
        counts its own; ``history_`` and ``loss_curve_`` hold every epoch."""
        return self.history_.epochs - getattr(self, "_epochs_before_fit", 0)

    @property
    def loss_curve_(self) -> list[float]:
        return self.history_.loss

    @property
    def validation_loss_curve_(self) -> list[float] | None:
        return self.history_.val_loss or None

    @property
    def validation_scores_(self) -> list[float] | None:
        return self.history_.val_score or None

    @property
    def best_loss_(self) -> float | None:
        """The lowest training loss; None when early stopping watched a validation set (scikit-learn's meaning;
        after early_stopping="refit" the final training has none, so it is the loss of that training)."""
        watched = holds_out_validation(self) and bool(self.history_.val_loss)
        return None if watched else min(self.history_.loss, default=None)

    @property
    def best_validation_score_(self) -> float | None:
        return max((score for score in self.history_.val_score if score == score), default=None)  # nan left out

    @property
    def n_layers_(self) -> int:
        return len(self.network_.layer_sizes)

    @property
    def training_record_(self) -> dict:
        """MATLAB's training record ``tr``, per epoch of ``history_``: see the class docstring."""
        check_is_fitted(self)
        return training_record(self.history_, TASKS[self._target_type][1], self.n_outputs_)

    @property
    def out_activation_(self) -> str:
        return self.network_.activations[-1].name
