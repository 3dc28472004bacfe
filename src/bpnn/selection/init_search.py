"""Searching the start weights ("GA-BP", "PSO-BP") against plain restarts, at the same budget of epochs; what
``bpnn tune --init-search ga,pso,restarts`` runs.

The protocol, the same for every method: it proposes ``population × generations`` start vectors (the network's
flat parameter vector, :mod:`bpnn.core.network`); each is *screened*: trained ``screen_epochs`` epochs on the
estimator's own division and scored by the loss that keeps n_init's trials apart (the validation loss at the
weights the stop rule keeps, the training loss without validation rows; :func:`bpnn.estimators.trials.criterion`).
The start vector with the lowest score is then trained again from its start for the estimator's ``max_iter``
epochs: the network the method returns. The budget of every method is therefore the same,

    budget = population × generations × screen_epochs + max_iter     # epochs at most

and each result counts the epochs it really ran (a stop rule may end a training earlier).

The screening methods (:data:`INIT_SEARCHES`) differ only in which start vectors they propose:

- ``restarts``: draws of the estimator's initialiser, seeds as ``n_init`` draws them
  (:func:`bpnn.estimators.trials.trial_seeds`): what ``--restarts`` would start from.
- ``ga``: SciPy's differential evolution (``scipy.optimize.differential_evolution``, an evolutionary algorithm:
  mutation, crossover, selection), its first generation the first ``population`` of those draws, then
  ``generations - 1`` generations; deferred updating, so each generation is screened as one batch.
- ``pso``: pymoo's particle swarm (``pymoo.algorithms.soo.nonconvex.pso.PSO``, the extra ``bpnn[search]``), its
  swarm starting at the same first draws, ``generations`` iterations.

And plain restarts given the same total, for comparison: ``full`` trains networks in full (up to ``max_iter``
epochs each) from the same draws, one after another, the last one cut to the epochs left, until the budget is
spent, and keeps the one with the lowest score, as ``n_init`` does.

Every start vector lies in a box around zero: each layer's weights and biases within the initialiser's range
(:data:`SPREADS`: the limit of a uniform draw, three standard deviations of a normal one, β for Nguyen–Widrow);
the draws are clipped to it (a no-op for the uniform initialisers and Nguyen–Widrow). The screenings are
independent tasks (:mod:`bpnn.selection.tasks`: local processes or a Dask cluster) and the optimisers are seeded
from ``random_state``, so one seed gives bit-identical results wherever they run.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from bpnn.core.initializers import get_initializer, nguyen_widrow_scale
from bpnn.core.network import Network
from bpnn.estimators import BPClassifier, BPRegressor
from bpnn.estimators.data import random_streams
from bpnn.estimators.parameters import MIN_REFIT_ROWS
from bpnn.estimators.trials import as_seed, criterion, trial_seeds

Array = np.ndarray

# initialiser -> the half-width of the box its draws of a layer (n_in -> n_out) lie in
SPREADS: dict[str, Callable[[int, int], float]] = {
    "glorot_uniform": lambda n_in, n_out: math.sqrt(6.0 / (n_in + n_out)),  # U(±√(6/(n_in+n_out)))
    "glorot_normal": lambda n_in, n_out: 3.0 * math.sqrt(2.0 / (n_in + n_out)),  # 3σ of N(0, 2/(n_in+n_out))
    "he_uniform": lambda n_in, n_out: math.sqrt(6.0 / n_in),  # U(±√(6/n_in))
    "he_normal": lambda n_in, n_out: 3.0 * math.sqrt(2.0 / n_in),  # 3σ of N(0, 2/n_in)
    "small_normal": lambda n_in, n_out: 3.0 * 0.01,  # 3σ of 0.01·randn
    "nguyen_widrow": nguyen_widrow_scale,  # ‖w_j‖ = β, |b_j| ≤ β: every weight and bias within ±β
}


class SearchError(ValueError):
    """Search settings that cannot be used; the message names the parameter."""


# ---- one network from given start weights ---------------------------------------------------------------------
class _Shape(Exception):  # noqa: N818 - carries the network a probe built, not an error
    def __init__(self, network: Network) -> None:
        self.network = network


class _StartsFrom:
    """An estimator whose network starts from ``start_weights`` (set before fit) instead of its initialiser's draw;
    with ``start_weights`` None, fit stops as soon as the network is built and raises :class:`_Shape` with it."""

    start_weights: Array | None = None

    def _start_network(self, n_features: int, n_outputs: int, dtype: np.dtype, rng: np.random.Generator) -> None:
        super()._start_network(n_features, n_outputs, dtype, rng)
        if self.start_weights is None:
            raise _Shape(self.network_)
        self.network_.unpack(self.start_weights)


class _RegressorFrom(_StartsFrom, BPRegressor):
    pass


class _ClassifierFrom(_StartsFrom, BPClassifier):
    pass


def _estimator(task: str, params: dict, start: Array | None) -> BPRegressor | BPClassifier:
    est = (_ClassifierFrom if task == "classification" else _RegressorFrom)(**params)
    est.start_weights = start
    return est


def network_of(task: str, params: dict, X: Array, y: Array) -> Network:
    """The network the estimator of ``params`` builds for (X, y), from its own preparation of the data (encoded
    targets, constant inputs removed), without training it."""
    try:
        _estimator(task, params, None).fit(X, y)
    except _Shape as shape:
        return shape.network
    raise AssertionError("fit trained without building a network")  # pragma: no cover - _start_network always runs


def fit_quietly(est: BPRegressor | BPClassifier, X: Array, y: Array) -> BPRegressor | BPClassifier:
    """``est.fit(X, y)`` on one BLAS thread, the ConvergenceWarning of a short screening kept quiet."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y)


def train_from(X: Array, y: Array, task: str, params: dict, start: Array) -> BPRegressor | BPClassifier:
    """The estimator of ``params`` fitted on (X, y) from the start weights ``start``."""
    return fit_quietly(_estimator(task, params, start), X, y)


def trained(X: Array, y: Array, task: str, params: dict, start: Array) -> tuple[object, float, int]:
    """(fitted estimator or None, score, epochs run) of one start vector trained for ``params["max_iter"]`` epochs
    and scored by :func:`bpnn.estimators.trials.criterion`; a start whose weights became non-finite scores inf and
    gives no estimator."""
    est = _estimator(task, params, start)
    try:
        fit_quietly(est, X, y)
    except ValueError:
        if not hasattr(est, "network_") or np.isfinite(est.network_.params).all():
            raise
        return None, math.inf, int(est.history_.epochs)
    return est, criterion(est.trials_[0]), int(est.history_.epochs)


def screen(X: Array, y: Array, task: str, params: dict, start: Array) -> tuple[float, int]:
    """(score, epochs run) of one start vector trained ``params["max_iter"]`` epochs, the screening's."""
    return trained(X, y, task, params, start)[1:]


def as_plain(est: BPRegressor | BPClassifier) -> BPRegressor | BPClassifier:
    """The fitted network as a plain BPRegressor or BPClassifier (what model files hold); its trial record has no
    seed, since its start weights came from the search."""
    plain = (BPClassifier if isinstance(est, BPClassifier) else BPRegressor)(**est.get_params(deep=False))
    params = plain.get_params(deep=False)
    for name, value in vars(est).items():
        if name not in params and name != "start_weights":
            setattr(plain, name, value)
    plain.trials_ = [{**plain.trials_[0], "seed": None}]
    return plain


# ---- the box and the first draws ------------------------------------------------------------------------------
def half_widths(network: Network, init: str) -> Array:
    """Per parameter of the flat vector, the half-width of the box the search keeps it in: the range of the
    initialiser of its layer (:data:`SPREADS`; the output layer takes the initialiser's ``output`` record when it
    names one, as :meth:`Network.initialize` does)."""
    widths, output = [], network.n_layers - 1
    for layer, ((n_in, n_out), g) in enumerate(zip(network.shapes, network.activations)):
        record = get_initializer(init, g.name)
        if layer == output and record.output is not None:
            record = get_initializer(record.output, g.name)
        widths.append(np.full(n_in * n_out + n_out, SPREADS[record.name](n_in, n_out)))
    return np.concatenate(widths)


def draws(network: Network, init: str, seeds: list[int], half: Array) -> Array:
    """``(len(seeds), n_params)``: the start weights a fit with ``random_state=seed`` draws, clipped to the box."""
    rows = []
    for seed in seeds:
        network.initialize(init, random_streams(seed)[0])  # the initialisation stream of that seed's fit
        rows.append(np.clip(network.pack().astype(np.float64), -half, half))
    return np.array(rows)


# ---- screening in batches --------------------------------------------------------------------------------------
@dataclass
class Screening:
    """Screens batches of start vectors as parallel tasks and records every one in the order screened."""

    X: Array
    y: Array
    task: str
    params: dict  # the estimator's, max_iter the screening's epochs
    jobs: int = 1
    client: object | None = None
    starts: list = field(default_factory=list)
    scores: list = field(default_factory=list)
    epochs: list = field(default_factory=list)

    def batch(self, starts: Array) -> Array:
        """The scores of ``starts`` (one start vector a row), screened as independent tasks."""
        from bpnn.selection.tasks import map_tasks

        starts = np.atleast_2d(np.asarray(starts, dtype=np.float64))
        outcomes = list(map_tasks(screen, (self.X, self.y), [(self.task, self.params, start) for start in starts],
                                  self.jobs, self.client))
        self.starts += list(starts)
        self.scores += [score for score, _ in outcomes]
        self.epochs += [epochs for _, epochs in outcomes]
        return np.array([score for score, _ in outcomes])

    def map(self, function: Callable, vectors: object) -> list[float]:
        """SciPy's ``workers`` protocol: with deferred updating differential evolution hands over a generation's
        vectors at once; they are screened as one batch (``function`` is :func:`screen` as SciPy wraps it)."""
        return list(self.batch(np.array(list(vectors))))

    def one(self, start: Array) -> float:
        """The score of one start vector (the objective handed to SciPy; its ``workers`` map batches the calls)."""
        return float(self.batch(start[None])[0])


# ---- the methods ---------------------------------------------------------------------------------------------
def propose_restarts(screening: Screening, first: Array, half: Array, generations: int, seed: int,
                     more: Callable[[int], Array]) -> None:
    """Random restarts: the initialiser's draws, one population at a time."""
    population = len(first)
    every = more(population * generations)
    for generation in range(generations):
        screening.batch(every[generation * population:(generation + 1) * population])


def propose_ga(screening: Screening, first: Array, half: Array, generations: int, seed: int,
               more: Callable[[int], Array]) -> object:
    """SciPy's differential evolution from the first draws (best1bin, mutation dithered in [0.5, 1), crossover
    0.7: SciPy's defaults), ``generations - 1`` further generations, no polishing (it would spend epochs outside
    the budget) and no convergence stop before the last generation (tol = atol = 0)."""
    from scipy.optimize import differential_evolution

    return differential_evolution(screening.one, list(zip(-half, half)), init=first, maxiter=generations - 1,
                                  tol=0.0, atol=0.0, polish=False, updating="deferred", workers=screening.map, rng=seed)


def propose_pso(screening: Screening, first: Array, half: Array, generations: int, seed: int,
                more: Callable[[int], Array]) -> object:
    """pymoo's particle swarm (its defaults: inertia 0.9 adapted, c1 = c2 = 2, velocity at most 20 % of the box)
    from the first draws, ``generations`` iterations of the whole swarm."""
    try:
        from pymoo.algorithms.soo.nonconvex.pso import PSO
        from pymoo.core.problem import Problem
        from pymoo.optimize import minimize
    except ImportError:
        raise SearchError("the 'pso' start-weight search uses pymoo, which is not installed; "
                          "pip install 'bpnn[search]' (or pymoo)") from None

    class StartWeights(Problem):
        def __init__(self) -> None:
            super().__init__(n_var=len(half), n_obj=1, xl=-half, xu=half)

        def _evaluate(self, x: Array, out: dict, *args: object, **kwargs: object) -> None:
            out["F"] = screening.batch(x)

    return minimize(StartWeights(), PSO(pop_size=len(first), sampling=first), ("n_gen", generations), seed=seed,
                    verbose=False)


def propose_full(screening: Screening, first: Array, half: Array, generations: int, seed: int,
                 more: Callable[[int], Array], budget: int = 0, max_iter: int = 0) -> BPRegressor | BPClassifier:
    """Plain restarts given the same total: full trainings of up to ``max_iter`` epochs from the initialiser's draws,
    one after another here (each depends on the epochs left), until ``budget`` epochs are spent (the last one cut
    to the epochs left); returns the network with the lowest score (the first of equal ones)."""
    spent, kept = 0, None
    while spent < budget:
        start = more(len(screening.scores) + 1)[-1]
        est, score, epochs = trained(screening.X, screening.y, screening.task,
                                     {**screening.params, "max_iter": min(max_iter, budget - spent)}, start)
        if est is not None and (kept is None or score < min(screening.scores)):
            kept = est
        screening.starts.append(start)
        screening.scores.append(score)
        screening.epochs.append(epochs)
        spent += max(epochs, 1)  # a training its stop rule ended before the first epoch counts one: the loop ends
    if kept is None:
        raise ValueError(f"every one of the {len(screening.scores)} full trainings diverged (non-finite weights)")
    return kept


@dataclass(frozen=True)
class InitSearch:
    """One way of proposing start vectors: ``propose(screening, first population, half-widths, generations, seed,
    more)`` screens them through ``screening`` (``more(n)`` gives the first n initialiser draws) and returns the
    optimiser's own result, or None. ``screens``: False for ``full``, whose candidates are trained in full, the best
    kept as it is (``propose`` then takes the budget and max_iter too)."""

    name: str
    library: str
    propose: Callable[..., object]
    screens: bool = True


INIT_SEARCHES: dict[str, InitSearch] = {record.name: record for record in (
    InitSearch("restarts", "the initialiser's draws", propose_restarts),
    InitSearch("ga", "scipy.optimize.differential_evolution", propose_ga),
    InitSearch("pso", "pymoo PSO", propose_pso),
    InitSearch("full", "the initialiser's draws, trained in full", propose_full, screens=False),
)}


def parse_methods(value: str, option: str = "--init-search") -> list[str]:
    """Method names from "ga,pso,restarts"; unknown names raise SearchError listing the valid ones."""
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in INIT_SEARCHES]
    if unknown or not names:
        raise SearchError(f"{option} takes {', '.join(INIT_SEARCHES)} separated by commas; got {value!r}")
    return list(dict.fromkeys(names))


# ---- running a comparison -------------------------------------------------------------------------------------
@dataclass
class SearchResult:
    """One method's search: every start vector screened (``starts``, in order, with its ``scores`` and
    ``epochs``), the best one's index, and the network trained fully from it (for ``full``, that candidate's own
    network: ``retrained`` False)."""

    method: str
    starts: Array
    scores: Array
    epochs: Array
    best: int
    estimator: BPRegressor | BPClassifier
    budget: int
    screen_epochs: int
    max_iter: int  # the epochs a full training may run (the estimator's max_iter)
    optimizer: object = None
    seconds: float = 0.0
    retrained: bool = True

    @property
    def screening_epochs(self) -> int:
        return int(self.epochs.sum())

    @property
    def final_epochs(self) -> int:
        return int(self.estimator.history_.epochs) if self.retrained else 0

    def summary(self) -> dict:
        """The comparison's row: candidates screened, epochs (screening, final, all, the budget), the best screened
        score, the final network's training and validation loss at its kept weights, its test figures."""
        record = self.estimator.trials_[0]
        return {"method": self.method, "candidates": len(self.scores), "screening_epochs": self.screening_epochs,
                "final_epochs": self.final_epochs, "epochs": self.screening_epochs + self.final_epochs,
                "budget": self.budget, "best_screened": float(self.scores[self.best]), "loss": record["loss"],
                "val_loss": record["val_loss"], "test": dict(self.estimator.test_scores_ or {}),
                "seconds": self.seconds}


def search_starts(task: str, params: dict, X: object, y: object, methods: list[str], *, population: int = 10,
                  generations: int = 5, screen_epochs: int = 10, jobs: int = 1, client: object | None = None,
                  report: Callable[[SearchResult], None] | None = None) -> list[SearchResult]:
    """Each method of ``methods`` (names of :data:`INIT_SEARCHES`) at the same budget (see the module docstring):
    ``population × generations`` start vectors screened for ``screen_epochs`` epochs, the best trained for
    ``params["max_iter"]``. ``params`` are a BPRegressor's or BPClassifier's (``task`` "regression" or
    "classification") with n_init=1; ``random_state`` seeds the draws and the optimisers. The screenings run on
    ``jobs`` processes or the Dask ``client``; ``report(result)`` is called as each method finishes."""
    for name, value, low in (("population", population, 1), ("generations", generations, 1),
                             ("screen_epochs", screen_epochs, 1)):
        if not (isinstance(value, (int, np.integer)) and value >= low):
            raise SearchError(f"{name} must be an integer >= {low}; got {value!r}")
    methods = parse_methods(",".join(methods), "methods")
    if "ga" in methods and population < 5:
        raise SearchError(f"population must be at least 5 for 'ga' (differential evolution mixes three other "
                          f"members into each); got {population}")
    if params.get("n_init", 1) != 1 or params.get("ensemble"):
        raise SearchError("the start-weight search trains one network per start vector; set n_init=1 and "
                          "ensemble=False")
    X, y = np.asarray(X), np.asarray(y)
    seed = as_seed(params.get("random_state"))
    division_seed = params.get("division_random_state")
    params = {**params, "random_state": seed, "division_random_state": seed if division_seed is None else division_seed}
    if params.get("early_stopping", "refit") == "refit" and params.get("division") is None:
        # as with n_init: "refit" would train each start twice and score the second run, on every row, by its training
        # loss (counting one run's epochs); True scores each start once on its held-out rows, False where "refit"
        # would hold none out (fewer than MIN_REFIT_ROWS)
        held_out = math.ceil(params.get("validation_fraction", 0.1) * len(X))
        params["early_stopping"] = held_out >= MIN_REFIT_ROWS
    network = network_of(task, params, X, y)
    init = params.get("init", "glorot_uniform")
    half = half_widths(network, init)
    seeds = trial_seeds(seed, population * generations)

    def more(n: int) -> Array:
        """The initialiser's first n draws, clipped to the box."""
        nonlocal seeds
        if n > len(seeds):  # trial_seeds' draws are a prefix of a longer list's
            seeds = trial_seeds(seed, max(n, 2 * len(seeds)))
        return draws(network, init, seeds[:n], half)

    first = more(population)
    max_iter = int(params["max_iter"])
    budget = population * generations * screen_epochs + max_iter
    results = []
    for name in methods:
        started = time.perf_counter()
        record = INIT_SEARCHES[name]
        screening = Screening(X, y, task, {**params, "max_iter": screen_epochs}, jobs, client)
        if record.screens:
            optimizer = record.propose(screening, first, half, generations, seed, more)
            final = None
        else:
            optimizer, final = None, record.propose(screening, first, half, generations, seed, more, budget, max_iter)
        scores = np.array(screening.scores)
        best = int(np.argmin(scores))  # the first of equal scores
        if final is None:
            final = train_from(X, y, task, params, screening.starts[best])  # the best start trained fully, here
        result = SearchResult(name, np.array(screening.starts), scores, np.array(screening.epochs), best,
                              as_plain(final), budget, screen_epochs, max_iter, optimizer, time.perf_counter() - started,
                              retrained=record.screens)
        results.append(result)
        if report is not None:
            report(result)
    return results


def best_of(results: list[SearchResult]) -> SearchResult:
    """The method whose fully trained network has the lowest validation loss (training loss without validation
    rows); ties go to the method listed first."""
    return min(results, key=lambda r: criterion(r.estimator.trials_[0]))
