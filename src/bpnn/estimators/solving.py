"""Training an estimator's network: the optimizer, schedule and stop rules built from its parameters, then
:func:`bpnn.core.training.train` (stepwise solvers: sgd, adam, rmsprop) or the full-batch solver
``get_solver(name)(network, X, Y, loss, **keywords)`` (lbfgs, lm, br, rprop, scg). What a solver supports comes
from its record in :data:`bpnn.core.solvers.SOLVERS`.

The functions take the estimator (a BPClassifier or BPRegressor) for its parameters, ``network_`` and
``history_``; a stepwise run keeps its optimizer and schedule in ``_optimizer`` and ``_schedule`` (partial_fit
continues them and model files save the optimizer's state).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np

from bpnn.core.network import Network
from bpnn.core.optimizers import SCHEDULE_ALIASES, GradientDescent, InverseScaling, make_optimizer, make_schedule
from bpnn.core.solvers import get_solver, solver_name, solver_record
from bpnn.core.training import EarlyStopping, History, train
from bpnn.estimators.data import TASKS, TrainingData
from bpnn.estimators.parameters import holds_out_validation, solver_options

# stepwise solver -> the core optimizer built from the estimator's parameters
OPTIMIZERS: dict[str, Callable[[object], GradientDescent]] = {
    "sgd": lambda est: (make_optimizer("nesterov" if est.nesterovs_momentum else "momentum",
                                       learning_rate=est.learning_rate_init, momentum=est.momentum)
                        if est.momentum > 0 else make_optimizer("gd", learning_rate=est.learning_rate_init)),
    "adam": lambda est: make_optimizer("adam", learning_rate=est.learning_rate_init, beta_1=est.beta_1,
                                       beta_2=est.beta_2, epsilon=est.epsilon),
    "rmsprop": lambda est: make_optimizer("rmsprop", learning_rate=est.learning_rate_init, epsilon=est.epsilon),
}
# full-batch solver -> the options it takes from the estimator's parameters (beyond alpha and max_iter)
FULL_BATCH_OPTIONS: dict[str, Callable[[object], dict]] = {
    "lbfgs": lambda est: {"tol": est.tol, "max_fun": est.max_fun},
    "br": lambda est: {"alpha": 0.0},  # Bayesian regularization estimates its own penalty: alpha is not used
}
DEFAULT_MAX_FAIL = 6  # MATLAB's max_fail, for the solvers that have no default of their own
MIN_LEARNING_RATE = 1e-6  # the "adaptive" schedule stops training once the rate has fallen this low
UNCONVERGED = ("maximum epochs", "maximum function evaluations")  # stop reasons that warn ConvergenceWarning


def make_stepwise_optimizer(est: object) -> GradientDescent:
    """The core optimizer of the stepwise solver ``est.solver``, from the estimator's parameters."""
    return OPTIMIZERS[solver_name(est.solver)](est)


def make_rate_schedule(est: object) -> object:
    """The learning-rate schedule of the stepwise solvers, from learning_rate and its options."""
    name = SCHEDULE_ALIASES.get(est.learning_rate, est.learning_rate)
    options = {"invscaling": {"power_t": est.power_t},
               "plateau": {"patience": est.n_iter_no_change, "tol": est.tol, "min_learning_rate": 0.0}}
    return make_schedule(name, est.learning_rate_init, **options.get(name, {}))


def max_fail(est: object) -> int:
    """max_fail, or when None the solver's own default (MATLAB's: 6, and 0 for br)."""
    if est.max_fail is not None:
        return int(est.max_fail)
    return int(solver_record(est.solver).options.get("max_fail", DEFAULT_MAX_FAIL))


def stopping(est: object, data: TrainingData) -> EarlyStopping | None:
    """The validation stop rule the estimator builds (see "Validation and stopping" in the class docstring);
    None leaves stopping to the solver (the MATLAB solvers apply max_fail themselves)."""
    if data.validation is None:
        return None
    if holds_out_validation(est):
        return EarlyStopping(est.monitor, patience=est.n_iter_no_change, min_delta=est.tol)
    record = solver_record(est.solver)
    takes_max_fail = record.full_batch and record.validation_stop
    if est.division is not None and not takes_max_fail and max_fail(est) > 0:
        return EarlyStopping("val_loss", patience=max_fail(est), min_delta=0.0)  # MATLAB's rule
    return None


def print_epoch(epoch: int, history: History, network: Network) -> None:
    """The verbose line of one epoch, as scikit-learn's MLP prints it."""
    line = f"Iteration {epoch + 1}, loss = {history.loss[-1]:.8f}"
    if history.val_loss:
        line += f", validation loss = {history.val_loss[-1]:.8f}"
    if history.val_score:
        line += f", validation score = {history.val_score[-1]:.6f}"
    print(line)


def epoch_callbacks(est: object, extra: Sequence[Callable] = ()) -> list[Callable]:
    """The estimator's callbacks, ``extra`` after them and the verbose printer before them."""
    callbacks = [*(est.callbacks or ()), *extra]
    if est.verbose:
        callbacks.insert(0, print_epoch)
    return callbacks


def full_batch_options(est: object) -> dict:
    """Keyword arguments of the full-batch solver beyond the data: alpha, its own options, solver_options,
    max_fail for the solvers that apply it themselves."""
    from_params = FULL_BATCH_OPTIONS.get(solver_name(est.solver), lambda est: {})(est)
    options = {"alpha": est.alpha, **from_params, **solver_options(est.solver, est.solver_options)}
    if solver_record(est.solver).validation_stop:
        options["max_fail"] = max_fail(est)
    return options


def train_full_batch(est: object, data: TrainingData, checkpointing: dict) -> None:
    """``est.network_`` trained by the full-batch solver on ``data`` (every full-batch solver measures ``test``)."""
    options = {**est._full_batch_options(), **checkpointing}
    max_iter = options.pop("epochs", est.max_iter)
    if data.test is not None:
        options["test"] = data.test
    solve = get_solver(est.solver)
    solve(est.network_, data.X, data.Y, TASKS[est._target_type][1], sample_weight=data.sample_weight,
          max_iter=max_iter, validation=data.validation,
          score=est._validation_score if data.validation is not None else None,
          early_stopping=est._stopping(data), callbacks=est._callbacks(), history=est.history_, **options)


def train_stepwise(est: object, data: TrainingData, rng: np.random.Generator, incremental: bool,
                   checkpointing: dict) -> None:
    """``est.network_`` trained by mini-batch steps: max_iter epochs (fit) or one (partial_fit, which continues
    the optimizer and keeps the rate where it is)."""
    n = data.X.shape[0]
    if not incremental or not hasattr(est, "_optimizer"):
        est._optimizer = est._new_optimizer()
        est._schedule = est._make_schedule()
        if isinstance(est._schedule, InverseScaling):  # scikit-learn's invscaling: t counts the samples seen
            est._schedule.samples_per_epoch, est._schedule.samples_before = n, est.t_
            est._schedule.epochs_before = est.history_.epochs
    batch_size = min(200, n) if est.batch_size == "auto" else est.batch_size
    if batch_size > n:
        warnings.warn(f"batch_size={batch_size} is larger than n_samples={n}; it is clipped to {n}", stacklevel=4)
    rule, extra = est._stopping(data), []
    adaptive = SCHEDULE_ALIASES.get(est.learning_rate, est.learning_rate) == "plateau"
    if incremental:
        rule = None
    elif rule is None and not adaptive:  # scikit-learn's rule: stop when the training loss stalls
        rule = EarlyStopping("loss", patience=est.n_iter_no_change, min_delta=est.tol, restore_best=False)
    elif rule is None:  # "adaptive": the schedule lowers the rate on plateaus; stop once it is tiny
        extra.append(rate_bottomed_out(est))
    checkpointing = dict(checkpointing)
    train(est.network_, data.X, data.Y, TASKS[est._target_type][1], est._optimizer,
          epochs=1 if incremental else checkpointing.pop("epochs", est.max_iter), batch_size=min(batch_size, n),
          shuffle=est.shuffle,
          rng=rng, sample_weight=data.sample_weight, alpha=est.alpha, validation=data.validation,
          score=est._validation_score if data.validation is not None else None,
          schedule=None if incremental else est._schedule, early_stopping=rule,
          callbacks=est._callbacks(extra), history=est.history_, test=data.test, **checkpointing)
    if rule is None or not rule.restore_best:
        est.history_.best_epoch = est.history_.epochs - 1  # the weights kept are the last epoch's
    est._no_improvement_count = 0 if rule is None else rule.wait  # epochs since the last improvement (scikit-learn's)


def rate_bottomed_out(est: object) -> Callable:
    """The callback that ends the adaptive schedule: the rate fell below MIN_LEARNING_RATE after plateau after
    plateau."""
    def callback(epoch: int, history: History, network: Network) -> bool:
        rate = est._optimizer.learning_rate
        if rate >= MIN_LEARNING_RATE:
            return False
        history.message = (f"learning rate {rate:.3g} < {MIN_LEARNING_RATE:g}: the training loss "
                           f"stopped improving by tol={est.tol:g} at every rate the adaptive schedule tried")
        return True
    return callback
