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
from dataclasses import dataclass

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
from bpnn.cli.outputs import describe_run, performance_measure
from bpnn.cli.restarts import add_to_run, counting_trials
from bpnn.core.solvers import SOLVER_ALIASES, SOLVERS, solver_name, solver_record

MAX_SEED = 2**32 - 1  # NumPy's seeds
MEMORY_SHARE = 0.5  # LM and BR may take at most this share of the memory available for their JᵀJ


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
    max_fail: int
    seed: int
    init: str | None = None
    restarts: int = 1  # n_init, ensemble, division_random_state: bpnn.cli.restarts
    ensemble: bool = False
    division_seed: int | None = None


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
    if not 0 <= args.seed <= MAX_SEED:
        raise UsageError(f"--seed takes a whole number from 0 to {MAX_SEED}; got {args.seed}")
    init = getattr(args, "init", None)
    if init is not None:
        init = check_choice(init, INITIALIZER_NAMES, "--init")
    return Settings(parse_sizes(args.hidden), activation, args.solver, args.epochs, args.learning_rate, args.batch_size,
                    args.alpha, parse_division(args.division), check_choice(args.scaling, SCALINGS, "--scaling"),
                    args.max_fail, args.seed, init, *check_restart_options(args))


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
    """The estimator of MATLAB's workflow: scaling, random division and max_fail validation stop are its own."""
    from bpnn.estimators import BPClassifier, BPRegressor

    params = {"hidden_layer_sizes": settings.hidden, "activation": settings.activation, "solver": solver,
              "alpha": settings.alpha, "max_iter": epochs, "random_state": settings.seed, "callbacks": callbacks,
              "learning_rate_init": settings.learning_rate,
              "batch_size": "auto" if settings.batch_size is None else settings.batch_size,
              "scaling": None if settings.scaling == "none" else settings.scaling, "division": "random",
              "division_ratios": settings.division, "max_fail": settings.max_fail, "init": choose_init(settings, solver),
              "n_init": settings.restarts, "ensemble": settings.ensemble, "division_random_state": settings.division_seed}
    return (BPClassifier if task == "classification" else BPRegressor)(**params)


def fit_dataset(dataset, settings: Settings, quiet: bool, title: str, checkpointing: dict | None = None):
    """Train on a :class:`bpnn.tables.Dataset`; returns the :class:`Fitted` model and the :class:`bpnn.reports.html.Run`.
    ``checkpointing`` holds fit's checkpoint, checkpoint_every and resume; a first Ctrl-C then ends training
    after the current batch (stop reason "interrupted"), a second one at once."""
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
    sizes = [dataset.X.shape[1], *settings.hidden, n_outputs]
    check_memory(solver, settings.solver or solver, sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:])))
    epochs = settings.epochs or default_epochs(solver)
    measure, to_measure = performance_measure(dataset.task, n_outputs, settings.scaling != "none")
    progress = TrainingProgress(epochs, f"{solver} on {dataset.source}", quiet=quiet,
                                max_fail=settings.max_fail if settings.division[1] > 0 else None, measure=measure,
                                to_measure=to_measure)
    several = settings.restarts > 1 or settings.ensemble
    callback = counting_trials(progress, settings.restarts) if several else progress.callback
    estimator = make_estimator(dataset.task, settings, solver, epochs, [callback])
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
    estimator.set_params(callbacks=None)  # callbacks hold the progress display; the model file keeps none
    fitted = Fitted(estimator, dataset.encoder, dataset.task, dataset.target_names, dataset.source)
    division = estimator.division_
    rows = {name: part for name, part in zip(SPLITS, (division.train, division.val, division.test)) if part.size}
    run = describe_run(fitted, dataset, rows, settings, solver, seconds, title)
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
