"""Training on a table, shared by ``train``, ``demo`` and the cluster path: the settings from the command line,
the solver and initialiser MATLAB's workflow would choose, the estimator, and the fit with Ctrl-C handling.

Solver names and what each solver is (full-batch, MATLAB-style validation stop, resumable, squared error only)
come from :data:`bpnn.core.solvers.SOLVERS`.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from bpnn.cli._common import (
    FULL_BATCH_EPOCHS,
    SCALINGS,
    SPLITS,
    STEPWISE_EPOCHS,
    UsageError,
    check_choice,
    parse_division,
    parse_sizes,
)
from bpnn.cli.fitted import Fitted
from bpnn.cli.outputs import WeightsPerEpoch, describe_run, performance_measure
from bpnn.cli.restarts import add_to_run, counting_trials
from bpnn.core.solvers import SOLVER_ALIASES, SOLVERS, solver_name, solver_record

MAX_SEED = 2**32 - 1  # NumPy's seeds
MEMORY_SHARE = 0.5  # LM and BR may take at most this share of the memory available for their JᵀJ


@dataclass(frozen=True)
class SolverFlag:
    """A flag of ``bpnn train`` that sets one option of MATLAB's trainParam (``solver_options`` of the estimator);
    the solvers that take it are those whose record lists ``option``; its bounds are
    :data:`bpnn.estimators.parameters.OPTION_CHECKS`'s."""

    flag: str
    option: str
    help: str


SOLVER_FLAGS: tuple[SolverFlag, ...] = (
    SolverFlag("--goal", "goal", "stop once the training performance is at most GOAL (MATLAB's goal; default 0): the "
                                 "training mean squared error in the targets' units, as the performance plot shows it "
                                 "(several targets of different ranges: of the scaled targets; classification: the "
                                 "cross-entropy)"),
    SolverFlag("--min-grad", "min_grad", "stop once the gradient's norm falls below MIN_GRAD (MATLAB's min_grad; "
                                         "default 1e-7 for lm and br, 1e-5 rprop, 1e-6 scg)"),
    SolverFlag("--mu", "mu", "initial damping μ of lm and br (MATLAB's mu; default 0.001, br 0.005)"),
    SolverFlag("--mu-dec", "mu_dec", "μ is multiplied by MU_DEC (< 1) after a step that lowers the error (default 0.1)"),
    SolverFlag("--mu-inc", "mu_inc", "μ is multiplied by MU_INC (> 1) after one that does not (default 10)"),
    SolverFlag("--mu-max", "mu_max", "stop once μ passes MU_MAX (MATLAB's mu_max; default 1e10)"),
)


def add_solver_flags(group: argparse._ArgumentGroup, goal: bool = True) -> None:
    """--goal, --min-grad, --mu, --mu-dec, --mu-inc, --mu-max: MATLAB's trainParam of the full-batch solvers; without
    ``goal`` (bpnn tune, which judges each candidate by its validation error) no --goal."""
    for flag in SOLVER_FLAGS:
        if goal or flag.option != "goal":
            group.add_argument(flag.flag, type=float, metavar=flag.option.upper(), help=flag.help)


def solver_flags_of(args: argparse.Namespace) -> dict:
    """{option: value} of the trainParam flags given, each checked in the flag's words."""
    from bpnn.estimators.parameters import OPTION_CHECKS

    options = {}
    for flag in SOLVER_FLAGS:
        value = getattr(args, flag.option, None)
        if value is None:
            continue
        try:
            OPTION_CHECKS[flag.option](flag.flag, value)
        except ValueError as error:
            raise UsageError(str(error)) from None
        options[flag.option] = value
    return options


def solver_options_for(settings: Settings, solver: str, goal: bool = False) -> dict | None:
    """The estimator's solver_options from the trainParam flags; a flag the solver does not take is refused,
    naming the solvers that take it. --goal is among them with ``goal`` (no target scaling, so the solver's goal
    is in the targets' units); otherwise :class:`Goal` applies it in the table's units."""
    for option in settings.solver_options:
        if option not in SOLVERS[solver].options:
            flag = next(f.flag for f in SOLVER_FLAGS if f.option == option)
            takers = [name for name, record in SOLVERS.items() if option in record.options]
            chosen = "" if settings.solver else " (the default for this table; choose one with --solver)"
            raise UsageError(f"{flag} applies to --solver {', '.join(takers)}; this run trains with {solver}{chosen}")
    return {name: value for name, value in settings.solver_options.items() if goal or name != "goal"} or None


class Goal:
    """--goal as MATLAB has it: a training callback that stops once the training performance in the targets' units
    is at most ``goal``. The solver's own goal compares the MSE of the scaled targets; scaling is affine per
    target, y' = a·y + c, so MSE = MSE' / a² when every target has the same a (one target always), and the
    scaled figure stands otherwise (as in the Training curve). The estimator's stop reason becomes "goal met"
    (:meth:`name_stop`)."""

    def __init__(self, goal: float) -> None:
        self.goal, self.estimator, self.met = goal, None, None

    def factor(self) -> float:
        """1/a² of the estimator's target scaling (1 without one, or when targets are scaled differently)."""
        import numpy as np

        scaler = getattr(self.estimator, "y_scaler_", None)
        if scaler is None:
            return 1.0
        k = scaler.n_features  # the targets, before constant ones are removed
        slope = (scaler.transform(np.ones((1, k))) - scaler.transform(np.zeros((1, k)))).ravel()  # a per target
        return float(1 / slope[0] ** 2) if slope.size and np.all(slope == slope[0]) and slope[0] != 0 else 1.0

    def __call__(self, epoch: int, history: object, network: object) -> bool:
        perf = history.extra.get("perf")
        if not perf:
            return False
        value = perf[-1] * self.factor()  # MSE = MSE' / a²
        if value <= self.goal:
            self.met = f"performance {value:.6g} <= --goal {self.goal:g} at epoch {epoch + 1}"
            return True
        return False

    def name_stop(self, estimator: object) -> None:
        """The stop this callback caused, named as MATLAB's goal: stop reason "goal met"."""
        if self.met and estimator.history_.stop_reason == "stopped by callback":
            estimator.history_.stop_reason, estimator.history_.message = "goal met", f"goal met: {self.met}"


def resolved_max_fail(settings: Settings, solver: str) -> int:
    """--max-fail, or when not given the solver's MATLAB default: 6, and 0 (no validation stop) for br."""
    from bpnn.estimators.solving import DEFAULT_MAX_FAIL

    if settings.max_fail is not None:
        return settings.max_fail
    return int(SOLVERS[solver].options.get("max_fail", DEFAULT_MAX_FAIL))


@dataclass
class Settings:
    hidden: tuple[int, ...]
    activation: str
    solver: str | None
    epochs: int | None
    learning_rate: float
    batch_size: int | None
    alpha: float
    division: tuple[float, float, float]
    scaling: str
    max_fail: int | None  # None: the solver's MATLAB default (resolved_max_fail)
    seed: int
    init: str | None = None
    restarts: int = 1  # n_init, ensemble, division_random_state: bpnn.cli.restarts
    ensemble: bool = False
    division_seed: int | None = None
    solver_options: dict = field(default_factory=dict)  # --goal, --min-grad, --mu, ...: SOLVER_FLAGS


def settings_of(args: argparse.Namespace) -> Settings:
    from bpnn.cli.restarts import check_restart_options
    from bpnn.core.activations import HIDDEN_ACTIVATIONS, get_activation
    from bpnn.core.initializers import INITIALIZER_NAMES

    try:
        activation = get_activation(args.activation, hidden=True).name
    except ValueError:
        raise UsageError(f"unknown --activation {args.activation!r}; choose one of {', '.join(HIDDEN_ACTIVATIONS)}") from None
    if args.epochs is not None and args.epochs < 1:
        raise UsageError(f"--epochs must be at least 1; got {args.epochs}")
    if args.max_fail is not None and args.max_fail < 0:
        raise UsageError(f"--max-fail takes a number of epochs from 0 (0: no validation stop); got {args.max_fail}")
    if not 0 <= args.seed <= MAX_SEED:
        raise UsageError(f"--seed takes a whole number from 0 to {MAX_SEED}; got {args.seed}")
    init = getattr(args, "init", None)
    if init is not None:
        init = check_choice(init, INITIALIZER_NAMES, "--init")
    return Settings(parse_sizes(args.hidden), activation, args.solver, args.epochs, args.learning_rate, args.batch_size,
                    args.alpha, parse_division(args.division), check_choice(args.scaling, SCALINGS, "--scaling"),
                    args.max_fail, args.seed, init, *check_restart_options(args), solver_options=solver_flags_of(args))


def choose_init(settings: Settings, solver: str) -> str:
    """The initialiser asked for, else MATLAB's where the command follows MATLAB: Nguyen–Widrow (initnw, the default
    of fitnet and patternnet) for its solvers on mapminmax-scaled inputs, Glorot-uniform otherwise."""
    if settings.init is not None:
        return settings.init
    matlab = solver_record(solver).validation_stop  # lm, br, rprop, scg: MATLAB's solvers with its validation checks
    return "nguyen_widrow" if matlab and settings.scaling == "mapminmax" else "glorot_uniform"


def choose_solver(settings: Settings, task: str, n_inputs: int, n_outputs: int) -> str:
    """The solver asked for, else MATLAB's: LM for a small regression network (fitnet's trainlm), scaled conjugate
    gradient otherwise (patternnet's trainscg, and what LM's size warning recommends)."""
    from bpnn.core.solvers.lm import LM_MAX_PARAMS

    if settings.solver is not None:
        solver = check_choice(solver_name(settings.solver), (*SOLVERS, *SOLVER_ALIASES), "--solver")
        if SOLVERS[solver].squared_error_only and task == "classification":
            raise UsageError(f"solver {solver!r} minimises squared errors, which suits regression; for classification "
                             f"use scg, rprop, lbfgs or adam")
        return solver
    sizes = [n_inputs, *settings.hidden, n_outputs]
    n_params = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
    return "lm" if task == "regression" and n_params <= LM_MAX_PARAMS else "scg"


def check_memory(solver: str, given: str, n_params: int) -> None:
    """LM and BR form the P × P matrix JᵀJ (P² × 8 bytes for P parameters): refused before training when it would
    take more than ``MEMORY_SHARE`` of the memory available, naming the figure and the solvers that fit."""
    if not SOLVERS[solver].squared_error_only:  # lm and br: the Gauss–Newton solvers
        return
    need = 8.0 * n_params ** 2
    available = available_memory()
    if available is None or need <= MEMORY_SHARE * available:
        return
    raise UsageError(f"--solver {given} needs {size_text(need)} for the {n_params:,} × {n_params:,} matrix JᵀJ of a network "
                     f"of {n_params:,} parameters (P² × 8 bytes), more than half the {size_text(available)} of memory "
                     f"available; use --solver scg or --solver lbfgs (memory in proportion to P), or a smaller --hidden")


def available_memory() -> float | None:
    """The bytes of memory available (Linux: MemAvailable), else the physical memory, else None."""
    import os

    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):
        return None


def size_text(size: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.3g} {unit}" if unit != "bytes" else f"{size:.0f} bytes"
        size /= 1024
    return f"{size:.3g} TiB"


def default_epochs(solver: str) -> int:
    """The --epochs default: more for the full-batch solvers, which take one step per epoch."""
    return FULL_BATCH_EPOCHS if SOLVERS[solver].full_batch else STEPWISE_EPOCHS


def make_estimator(task: str, settings: Settings, solver: str, epochs: int, callbacks: list):
    """The estimator of MATLAB's workflow: scaling, random division and max_fail validation stop are its own.
    --goal adds a :class:`Goal` to ``callbacks`` (a list: the training of bpnn train, not the parameters tune
    hands around: bpnn tune has no --goal)."""
    from bpnn.estimators import BPClassifier, BPRegressor

    goal = None
    if "goal" in settings.solver_options:
        solver_options_for(settings, solver)  # --goal with a solver without one is refused
        if callbacks is None:
            raise UsageError("--goal applies to bpnn train; bpnn tune judges each candidate by its validation error")
        goal = Goal(settings.solver_options["goal"])
        callbacks = [*callbacks, goal]

    params = {"hidden_layer_sizes": settings.hidden, "activation": settings.activation, "solver": solver,
              "alpha": settings.alpha, "max_iter": epochs, "random_state": settings.seed, "callbacks": callbacks,
              "learning_rate_init": settings.learning_rate,
              "batch_size": "auto" if settings.batch_size is None else settings.batch_size,
              "scaling": None if settings.scaling == "none" else settings.scaling, "division": "random",
              "division_ratios": settings.division, "max_fail": settings.max_fail, "init": choose_init(settings, solver),
              "solver_options": solver_options_for(settings, solver),
              "n_init": settings.restarts, "ensemble": settings.ensemble, "division_random_state": settings.division_seed}
    estimator = (BPClassifier if task == "classification" else BPRegressor)(**params)
    if goal is not None:
        goal.estimator = estimator
    return estimator


def fit_dataset(dataset, settings: Settings, quiet: bool, title: str, checkpointing: dict | None = None,
                figures: bool = True):
    """Train on a :class:`bpnn.tables.Dataset`; returns the :class:`Fitted` model and the :class:`bpnn.reports.html.Run`.
    ``checkpointing`` holds fit's checkpoint, checkpoint_every and resume; a first Ctrl-C then ends training
    after the current batch (stop reason "interrupted"), a second one at once. ``figures``: the run will be drawn
    (several targets then keep each epoch's weights for a performance curve per target, one forward pass of every
    row per epoch after training)."""
    import warnings

    import numpy as np

    from bpnn.estimators.parameters import in_cli_words
    from bpnn.reports.progress import TrainingProgress

    if dataset.task == "regression":
        n_outputs = dataset.y.shape[1] if dataset.y.ndim == 2 else 1
    else:
        n_classes = len(np.unique(dataset.y))
        n_outputs = 1 if n_classes == 2 else n_classes  # one sigmoid unit for two classes, softmax otherwise
    solver = choose_solver(settings, dataset.task, dataset.X.shape[1], n_outputs)
    settings = replace(settings, max_fail=resolved_max_fail(settings, solver))  # shown and recorded as a number
    sizes = [dataset.X.shape[1], *settings.hidden, n_outputs]
    n_params = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
    check_memory(solver, settings.solver or solver, n_params)
    epochs = settings.epochs or default_epochs(solver)
    measure, to_measure = performance_measure(dataset.task, n_outputs, settings.scaling != "none")
    progress = TrainingProgress(epochs, f"{solver} on {dataset.source}", quiet=quiet,
                                max_fail=settings.max_fail if settings.division[1] > 0 else None, measure=measure,
                                to_measure=to_measure)
    several = settings.restarts > 1 or settings.ensemble
    callback = counting_trials(progress, settings.restarts) if several else progress.callback
    weights = None  # several targets: each epoch's weights, for a performance curve per target in its units
    if figures and n_outputs > 1 and dataset.task == "regression" and not several and settings.scaling != "none" and (
            epochs * n_params * 8 <= WeightsPerEpoch.BUDGET):
        weights = WeightsPerEpoch()
    estimator = make_estimator(dataset.task, settings, solver, epochs, [callback, *([weights] if weights else [])])
    checkpointing = dict(checkpointing or {})
    if several:  # a Ctrl-C ends the trials with those so far; no checkpoint (bpnn.cli.restarts refuses --checkpoint)
        checkpointing.pop("checkpoint", None)
    if checkpointing.pop("only_on_interrupt", False) and not SOLVERS[solver].resumable:
        del checkpointing["checkpoint"]  # a solver that saves no state leaves Ctrl-C to stop it without one
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught, progress:
        warnings.simplefilter("always")
        try:
            with stop_on_interrupt() as stop:
                estimator.fit(dataset.X, dataset.y, stop=stop, **checkpointing)
        except ValueError as error:
            message = in_cli_words(str(error))  # an option's error names the option, not the data file
            raise UsageError(message if message.startswith("--") else f"{dataset.source}: {message}") from None
        progress.callback(estimator.history_.epochs - 1, estimator.history_, None)  # the epoch a stop rule ended
    seconds = time.perf_counter() - started
    for message in dict.fromkeys(cli_note(w, solver, epochs) for w in caught):
        print(f"bpnn: note: {message}", file=sys.stderr)
    for callback in estimator.callbacks:
        if isinstance(callback, Goal):
            callback.name_stop(estimator)
    estimator.set_params(callbacks=None)  # callbacks hold the progress display; the model file keeps none
    fitted = Fitted(estimator, dataset.encoder, dataset.task, dataset.target_names, dataset.source)
    division = estimator.division_
    rows = {name: part for name, part in zip(SPLITS, (division.train, division.val, division.test)) if part.size}
    run = describe_run(fitted, dataset, rows, settings, solver, seconds, title, weights)
    add_to_run(run, estimator, dataset.task)
    return fitted, run


def cli_note(caught, solver: str, epochs: int) -> str:
    """A warning of the fit in the command's words: the epoch limit names --epochs."""
    from bpnn.estimators.parameters import in_cli_words

    if caught.category.__name__ == "ConvergenceWarning" and "maximum iterations" in str(caught.message):
        return f"{solver}: stopped at the epoch limit, --epochs {epochs}, before converging; raise --epochs to train longer"
    return in_cli_words(str(caught.message))


@contextmanager
def stop_on_interrupt() -> Iterator[threading.Event]:
    """An event the first Ctrl-C sets (training stops after the current batch); a second one interrupts at once."""
    stop = threading.Event()

    def handler(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        print("\nbpnn: stopping after the current batch (Ctrl-C again to abort at once)", file=sys.stderr)

    if threading.current_thread() is not threading.main_thread():  # signals reach the main thread only
        yield stop
        return
    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)
