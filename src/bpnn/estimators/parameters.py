"""The estimators' parameters as data: one frozen :class:`Parameter` record per parameter of
:class:`~bpnn.estimators.BPClassifier` and :class:`~bpnn.estimators.BPRegressor`, in their signature order.

The table drives three things: validation (:func:`check_params`, a loop over the records, then the few rules that
join two parameters), the numpydoc "Parameters" section of both estimators (:func:`parameter_docs`) and the
command line's words for them (:func:`in_cli_words`: ``max_iter`` becomes ``--epochs`` in a message shown by
``bpnn train``). Each ``check`` raises ValueError naming its parameter in Python's words.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from numbers import Integral, Real
from types import MappingProxyType

import numpy as np

from bpnn.core.optimizers import make_schedule
from bpnn.core.solvers import FULL_BATCH_SOLVERS, SOLVER_ALIASES, SOLVERS, solver_name, solver_record

Check = Callable[[str, object], None]  # check(name, value) raises ValueError naming ``name``

SCALINGS = ("mapminmax", "standard")
# division -> the bpnn.preprocessing (MATLAB) function making it; the MATLAB names are accepted too
DIVISIONS: dict[str, str] = {"random": "dividerand", "block": "divideblock", "interleaved": "divideint",
                             "indices": "divideind"}


@dataclass(frozen=True)
class Parameter:
    """One estimator parameter: its default, its check, its numpydoc entry and its ``bpnn train`` flag.

    ``signature`` is the numpydoc type line after ``name :`` and ``doc`` its description (lines as rendered);
    ``doc=None`` means the parameter is documented under another one's ``heading`` (beta_2 and epsilon under
    beta_1). ``check`` is None where something else validates the value: the network (activation, init),
    :func:`~bpnn.estimators.data.random_streams` (random_state), the joint rules of :func:`check_params`
    (solver_options, division_indices); the labels class_weight names are checked against y when fitting.
    """

    name: str
    default: object
    check: Check | None = None
    signature: str = ""
    doc: str | None = None
    flag: str | None = None
    heading: str | None = None

    def validate(self, value: object) -> None:
        if self.check is not None:
            self.check(self.name, value)


# ---- checks -------------------------------------------------------------------------------------------
def interval(low: float, high: float, *, low_ok: bool = False, high_ok: bool = False, integer: bool = False) -> Check:
    """A check that the value is a number (an integer when ``integer``) in the interval from low to high."""
    kind = Integral if integer else Real

    def check(name: str, value: object) -> None:
        inside = (isinstance(value, kind) and not isinstance(value, bool)
                  and (low < value or (low_ok and value == low)) and (value < high or (high_ok and value == high)))
        if not inside:
            bounds = f"{'[' if low_ok else '('}{low:g}, {high:g}{']' if high_ok else ')'}"
            raise ValueError(f"{name} must be {'an integer' if integer else 'a number'} in {bounds}; got {value!r}")
    return check


def optional(check: Check) -> Check:
    """``check`` for any value but None."""
    def optional_check(name: str, value: object) -> None:
        if value is not None:
            check(name, value)
    return optional_check


def check_hidden_sizes(name: str, value: object) -> None:
    hidden_sizes(value)


def hidden_sizes(value: object) -> list[int]:
    """hidden_layer_sizes as a list of ints; ValueError unless positive integers."""
    sizes = [value] if isinstance(value, Integral) else list(value)
    if not all(isinstance(n, Integral) and not isinstance(n, bool) and n >= 1 for n in sizes):
        raise ValueError(f"hidden_layer_sizes must be positive integers, one per hidden layer; got {value!r}")
    return [int(n) for n in sizes]


def check_patience(name: str, value: object) -> None:
    """An integer >= 1, or infinity (no stop)."""
    if not (isinstance(value, Real) and not isinstance(value, bool) and value == math.inf):
        interval(1, math.inf, low_ok=True, integer=True)(name, value)


def check_solver(name: str, value: object) -> None:
    """A registry name, or MATLAB's name of one (trainlm, trainbr, ...: SOLVER_ALIASES, in any case)."""
    if not (value in SOLVERS or (isinstance(value, str) and value.strip().lower() in SOLVER_ALIASES)):
        raise ValueError(f"unknown solver {value!r}; valid solvers are {', '.join(SOLVERS)} (or MATLAB's "
                         f"{', '.join(SOLVER_ALIASES)})")


def check_loss(name: str, value: object) -> None:
    if value not in ("squared_error", "poisson"):
        raise ValueError(f"unknown loss {value!r}; BPRegressor's losses are squared_error and poisson")


def check_batch_size(name: str, value: object) -> None:
    if not (value == "auto" or (isinstance(value, Integral) and not isinstance(value, bool) and value >= 1)):
        raise ValueError(f"batch_size must be 'auto' or a positive integer; got {value!r}")


def check_schedule(name: str, value: object) -> None:
    make_schedule(value, 1.0)  # raises on an unknown schedule name


def check_early_stopping(name: str, value: object) -> None:
    if not (isinstance(value, (bool, np.bool_)) or (isinstance(value, str) and value == "refit")):
        raise ValueError(f"early_stopping must be True, False or 'refit'; got {value!r}")


def holds_out_validation(est: object) -> bool:
    """Whether early stopping watches validation rows: early_stopping=True, or "refit" without a division
    (a division brings MATLAB's max_fail rule instead)."""
    if isinstance(est.early_stopping, str):
        return est.division is None
    return bool(est.early_stopping)


# early_stopping="refit" holds rows out only when at least this many would be held out: the mean squared error of
# n held-out rows has a relative standard error of about √(2/n) (Gaussian errors), ±32 % at 20 rows, and an
# epoch count chosen on noisier figures (MATLAB's SIN: 41 rows, 5 held out) stops at the first epochs' noise
MIN_REFIT_ROWS = 20


def refits(est: object, validation_data: object) -> bool:
    """Whether this fit is early_stopping="refit"'s: a held-out run chooses the epochs, then every row trains."""
    return (isinstance(est.early_stopping, str) and est.division is None and validation_data is None
            and est.n_init == 1 and not est.ensemble and not est.warm_start)


def check_monitor(name: str, value: object) -> None:
    if value not in ("val_loss", "val_score"):
        raise ValueError(f"unknown monitor {value!r}; valid monitors are val_loss, val_score")


def check_dtype(name: str, value: object) -> None:
    if value is not None and str(value) not in ("float32", "float64", str(np.float32), str(np.float64)):
        raise ValueError(f"dtype must be None, 'float32' or 'float64'; got {value!r}")


def check_callbacks(name: str, value: object) -> None:
    if value is not None and not all(callable(callback) for callback in value):
        raise ValueError("callbacks must be a list of callables callback(epoch, history, network)")


def check_class_weight(name: str, value: object) -> None:
    if not (value is None or isinstance(value, dict) or (isinstance(value, str) and value == "balanced")):
        raise ValueError(f"class_weight must be None, 'balanced' or a dict {{label: weight}}; got {value!r}")


def check_seed(name: str, value: object) -> None:
    valid = (value is None or isinstance(value, (np.random.RandomState, np.random.Generator))
             or (isinstance(value, Integral) and not isinstance(value, bool) and value >= 0))
    if not valid:
        raise ValueError(f"{name} must be None, an int >= 0, a numpy RandomState or Generator; got {value!r}")


def check_scaling(name: str, value: object) -> None:
    if value is not None and value not in SCALINGS:
        raise ValueError(f"unknown scaling {value!r}; valid scalings are None, {', '.join(SCALINGS)}")


def check_scaling_range(name: str, bounds: object) -> None:
    if not (isinstance(bounds, (tuple, list)) and len(bounds) == 2
            and all(isinstance(b, Real) and not isinstance(b, bool) and math.isfinite(b) for b in bounds)
            and bounds[0] < bounds[1]):
        raise ValueError(f"scaling_range must be two finite numbers (ymin, ymax) with ymin < ymax, such as "
                         f"(-1, 1); got {bounds!r}")


def check_division(name: str, division: object) -> None:
    if division is not None and division not in DIVISIONS and division not in DIVISIONS.values():
        raise ValueError(f"unknown division {division!r}; valid divisions are None, {', '.join(DIVISIONS)} "
                         f"(or MATLAB's {', '.join(DIVISIONS.values())})")


def check_division_ratios(name: str, ratios: object) -> None:
    if not (isinstance(ratios, (tuple, list)) and len(ratios) == 3
            and all(isinstance(r, Real) and not isinstance(r, bool) and 0 <= r < math.inf for r in ratios)
            and ratios[0] > 0):
        raise ValueError(f"division_ratios must be three non-negative numbers (train, validation, test) with "
                         f"train > 0, such as (0.7, 0.15, 0.15); got {ratios!r}")


# ---- the table --------------------------------------------------------------------------------------------
_TABLE = (
    Parameter("loss", "squared_error", check_loss, '{"squared_error", "poisson"}, default="squared_error"',
              'MLPRegressor\'s losses: the squared error on an identity output, or "poisson" (half the Poisson\n'
              'deviance on an exp output, for counts and rates y >= 0; without target scaling).'),
    Parameter('hidden_layer_sizes', (100,), check_hidden_sizes, 'int or sequence of int, default=(100,)',
              'Units of each hidden layer; an empty sequence gives a network without hidden layers.', flag="--hidden"),
    Parameter('activation', "relu", None, 'str or list of str, default="relu"',
              'Hidden activation: one name for every hidden layer or a list with one per hidden layer. Names:\n'
              'sigmoid (alias logistic), tanh, relu, leaky_relu, elu, softplus, identity.', flag="--activation"),
    Parameter('solver', "adam", check_solver, 'str, default="adam"',
              '"sgd", "adam" and "rmsprop" take mini-batch steps; "lbfgs" (SciPy\'s L-BFGS-B) and MATLAB\'s\n'
              'full-batch training functions work on the whole training set: "lm" (trainlm, Levenberg–Marquardt),\n'
              '"br" (trainbr, Bayesian regularization), "rprop" (trainrp), "scg" (trainscg). "lm" and "br" need\n'
              'the squared error, so they train regressors only. MATLAB\'s names are accepted for the solvers they\n'
              'stand for: "trainlm", "trainbr", "trainscg", "trainrp", "trainbfg" (lbfgs), "traingdx" (sgd).',
              flag="--solver"),
    Parameter('alpha', 1e-3, interval(0.0, math.inf, low_ok=True), 'float, default=1e-3',
              'L2 penalty α in J = Σ w_i L_i + α/(2S) Σ‖W‖² (weights only, not biases). Solver "br" estimates\n'
              'its own penalty and does not use alpha.', flag="--alpha"),
    Parameter('batch_size', "auto", check_batch_size, 'int or "auto", default="auto"',
              'Rows per mini-batch; "auto" is min(200, n_samples).', flag="--batch-size"),
    Parameter('learning_rate', "adaptive", check_schedule, 'str, default="adaptive"',
              'Schedule of the step size of the stepwise solvers (all three, not only sgd), per epoch of fit:\n'
              '"adaptive" (divide by 5 after n_iter_no_change epochs without a tol drop of the training loss;\n'
              'stop below 1e-6), "constant", "exponential" (η0 · 0.95^epoch), "invscaling" (η0 / (t + 1)^power_t,\n'
              't the samples seen, as in scikit-learn), '
              '"step" (halve every 10 epochs). partial_fit keeps the current rate.'),
    Parameter('learning_rate_init', 0.01, interval(0.0, math.inf), 'float, default=0.01',
              'Initial step size η0 of the stepwise solvers.', flag="--learning-rate"),
    Parameter('power_t', 0.5, interval(0.0, math.inf, low_ok=True), 'float, default=0.5',
              'Exponent of "invscaling".'),
    Parameter('max_iter', 200, interval(1, math.inf, low_ok=True, integer=True), 'int, default=200',
              "Epochs (stepwise solvers) or iterations (full-batch solvers; MATLAB's ``epochs``, 1000 there).", flag="--epochs"),
    Parameter('shuffle', True, None, 'bool, default=True',
              'Shuffle the rows every epoch (stepwise solvers).'),
    Parameter('random_state', None, None, 'None, int, numpy RandomState or Generator, default=None',
              'Seeds weight initialisation, the validation split and shuffling; the same int gives bit-identical fits.',
              flag="--seed"),
    Parameter('tol', 1e-4, interval(0.0, math.inf, low_ok=True), 'float, default=1e-4',
              'Improvement that counts: of the training loss (stepwise solvers, when not early stopping), of the\n'
              'monitored validation value (early stopping), or the projected-gradient tolerance of "lbfgs".'),
    Parameter('verbose', False, None, 'bool, default=False',
              'Print the loss (and validation values) after every epoch.'),
    Parameter('warm_start', False, None, 'bool, default=False',
              'Continue from the fitted network on the next fit instead of starting afresh.'),
    Parameter('momentum', 0.9, interval(0.0, 1.0, low_ok=True, high_ok=True), 'float, default=0.9',
              'Momentum of "sgd"; 0 gives plain gradient descent.'),
    Parameter('nesterovs_momentum', True, None, 'bool, default=True',
              "Nesterov's look-ahead form of the momentum step."),
    Parameter('early_stopping', "refit", check_early_stopping, 'bool or "refit", default="refit"',
              'True: hold out validation_fraction of the rows (stratified by class where possible), or use the\n'
              "``validation_data`` given to fit or the division's validation rows; stop when ``monitor`` has not\n"
              'improved by tol for n_iter_no_change epochs and restore the best weights (scikit-learn\'s rule).\n'
              '"refit": the same held-out run chooses the number of epochs, then the network is trained again\n'
              'from the same start on every row for that many epochs, so no row is lost to validation. It applies\n'
              'when neither ``division`` nor ``validation_data`` gives validation rows (with a division MATLAB\'s\n'
              'max_fail rule applies, with validation_data it acts as True) and to one training: with n_init > 1,\n'
              'ensemble=True or warm_start=True it acts as True, and fit refuses a checkpoint with it. When\n'
              'validation_fraction of the rows is fewer than 20 rows it holds nothing out and trains on every row\n'
              '(as False). False: no validation split (see "Validation and stopping" above).'),
    Parameter('validation_fraction', 0.1, interval(0.0, 1.0), 'float, default=0.1',
              'Share of the rows held out for early stopping when no validation_data is given.'),
    Parameter('beta_1', 0.9, interval(0.0, 1.0, low_ok=True), 'float, default=0.9, 0.999, 1e-8',
              "Adam's moment decay rates and its (and RMSprop's) ε. RMSprop's decay rate ρ is 0.9.",
              heading="beta_1, beta_2, epsilon"),
    Parameter("beta_2", 0.999, interval(0.0, 1.0, low_ok=True)),  # documented with beta_1
    Parameter("epsilon", 1e-8, interval(0.0, math.inf)),  # documented with beta_1
    Parameter('n_iter_no_change', 20, check_patience, 'int or inf, default=20',
              'Patience, in epochs, of the stop rules above; ``np.inf`` turns them off (as in scikit-learn).'),
    Parameter('max_fun', 15000, interval(1, math.inf, low_ok=True, integer=True), 'int, default=15000',
              'Most loss evaluations of "lbfgs".'),
    Parameter('monitor', "val_loss", check_monitor, '{"val_loss", "val_score"}, default="val_loss"',
              'What early stopping watches: the validation loss (lower is better) or the validation score\n'
              "(SCORE; higher is better). scikit-learn's MLP always watches the score."),
    Parameter("class_weight", None, check_class_weight, 'None, "balanced" or dict, default=None',
              "Weights per class, multiplied into the sample weights: a dict {label: weight} (labels left out\n"
              'weigh 1) or "balanced", n_samples / (n_classes · count of the class). Binary and multiclass targets.'),
    Parameter('init', "glorot_uniform", None, 'str, default="glorot_uniform"',
              'Weight initialiser: "glorot_uniform" (U(±√(6/(n_in+n_out))), scikit-learn\'s scale), "glorot_normal",\n'
              '"he_uniform", "he_normal", "small_normal" (the seed\'s 0.01·randn) or "auto" (He for the relu\n'
              'family, Glorot otherwise). Biases start at zero.', flag="--init"),
    Parameter('dtype', None, check_dtype, 'None, "float32" or "float64", default=None',
              'Compute dtype; None keeps float32 input in float32 and uses float64 for everything else.'),
    Parameter('callbacks', None, check_callbacks, 'list of callables, default=None',
              '``callback(epoch, history, network)`` after every epoch; a truthy return stops training.'),
    Parameter('solver_options', None, None, 'dict, default=None',
              'Options of a full-batch solver under MATLAB\'s trainParam names: "lm" and "br" take goal, mu,\n'
              'mu_dec, mu_inc, mu_max, min_grad, time (seconds) and chunk_rows (rows per Jacobian block); "rprop"\n'
              'goal, min_grad, time, delta0, delt_inc, delt_dec, deltamax; "scg" goal, min_grad, time, sigma,\n'
              'lambda; "lbfgs" tol, ftol, max_fun, memory. Defaults are MATLAB\'s (see :mod:`bpnn.core.solvers`);\n'
              '``goal`` compares with the training performance (the mean squared error, in scaled units when\n'
              'scaling). max_iter, alpha and max_fail are estimator parameters; an unknown name raises ValueError\n'
              'listing the valid ones.'),
    Parameter('max_fail', None, optional(interval(0, math.inf, low_ok=True, integer=True)), 'int or None, default=None',
              "MATLAB's validation stop: epochs in a row without a lower validation loss before training stops\n"
              '(see "Validation and stopping" above); None takes the solver\'s MATLAB default, 6, and 0 (off) for\n'
              '"br".', flag="--max-fail"),
    Parameter('scaling', None, check_scaling, 'None, "mapminmax" or "standard", default=None',
              "Scaling kept in the model (MATLAB's processFcns): constant input columns are removed, then every\n"
              'input column is mapped linearly onto scaling_range ("mapminmax": y = (ymax - ymin)(x - xmin)/(xmax -\n'
              'xmin) + ymin) or to mean 0 and standard deviation 1 ("standard", mapstd); regression targets are\n'
              'scaled the same way. Fitted on the training rows only (``x_scaler_``, ``y_scaler_``) and reversed by\n'
              "predict, so inputs and predictions are in the user's units.", flag="--scaling"),
    Parameter('scaling_range', (-1.0, 1.0), check_scaling_range, '(float, float), default=(-1, 1)',
              'The (ymin, ymax) of "mapminmax".'),
    Parameter('division', None, check_division, 'None, "random", "block", "interleaved" or "indices", default=None',
              "MATLAB's data division of the rows given to fit into training, validation and test sets:\n"
              '"random" (dividerand, drawn from random_state), "block" (divideblock: contiguous blocks in that\n'
              'order), "interleaved" (divideint), "indices" (divideind: the rows of division_indices). The MATLAB\n'
              'names are accepted too. The sets are in ``division_``; see "Validation and stopping" above.'),
    Parameter('division_ratios', (0.7, 0.15, 0.15), check_division_ratios, '(float, float, float), default=(0.7, 0.15, 0.15)',
              'Shares of training, validation and test rows (normalised to sum 1; validation and test get\n'
              'round(share·n) rows, training the rest); a zero share leaves that set out.', flag="--division"),
    Parameter('division_indices', None, None, '(train, val) or (train, val, test) sequences of row numbers, default=None',
              'The sets of division="indices".'),
    Parameter('n_init', 1, interval(1, math.inf, low_ok=True, integer=True), 'int, default=1',
              'Trainings from different start weights on the same division (KMeans\'s name): the trial with the\n'
              'lowest validation loss is kept (the lowest training loss without validation rows). ``trials_``\n'
              'records each (seeds, epochs, stop reason, training, validation and test figures); trial k is the fit\n'
              'with random_state=trials_[k]["seed"] and division_random_state=trials_[k]["division_seed"]. Refuses\n'
              'checkpoints and warm_start; partial_fit is not available (see :mod:`bpnn.estimators.trials`).',
              flag="--restarts"),
    Parameter('ensemble', False, None, 'bool, default=False',
              'Keep every trial (``estimators_``) and predict their mean: the mean prediction (regression; with\n'
              '``predict(X, return_std=True)`` also the standard deviation over members) or the mean probabilities\n'
              '(classification). The network attributes (``coefs_``, ``history_``, ...) are the best trial\'s.',
              flag="--ensemble"),
    Parameter('division_random_state', None, check_seed, 'None, int, numpy RandomState or Generator, default=None',
              'Seeds the random division and the early-stopping split apart from the weights; None takes\n'
              'random_state. Hold it and vary random_state to compare start weights on the same rows.',
              flag="--division-seed"),
)
PARAMETERS: MappingProxyType = MappingProxyType({parameter.name: parameter for parameter in _TABLE})
_REGRESSOR_ONLY, _CLASSIFIER_ONLY = ("loss",), ("class_weight",)
# each estimator's parameters in its __init__ order
CLASSIFIER_PARAMETERS: tuple[str, ...] = tuple(name for name in PARAMETERS if name not in _REGRESSOR_ONLY)
REGRESSOR_PARAMETERS: tuple[str, ...] = tuple(name for name in PARAMETERS if name not in _CLASSIFIER_ONLY)
SHARED_PARAMETERS: tuple[str, ...] = tuple(name for name in PARAMETERS if name not in (*_REGRESSOR_ONLY,
                                                                                       *_CLASSIFIER_ONLY))
DEFAULTS: MappingProxyType = MappingProxyType({name: parameter.default for name, parameter in PARAMETERS.items()})


# ---- options of the full-batch solvers -----------------------------------------------------------
# solver keyword -> the estimator parameter (or fit argument) that sets it, so solver_options may not
ESTIMATOR_OWNED: dict[str, str] = {
    "alpha": "the parameter alpha",
    "max_iter": "the parameter max_iter",
    "epochs": "the parameter max_iter (MATLAB's epochs)",
    "max_fail": "the parameter max_fail",
    "sample_weight": "fit's sample_weight",
    "validation": "fit's validation_data or the parameter division",
    "test": "the parameter division",
    "score": "the estimator (R² or accuracy)",
    "early_stopping": "the parameters early_stopping and max_fail",
    "callbacks": "the parameter callbacks",
    "history": "the estimator (history_)",
    "objective": "bpnn.distributed",
}
OPTION_ALIASES = {"time": "time_limit", "lambda": "lambda_"}  # MATLAB trainParam names that are no Python names
# the values an option may take (the others are checked by their solver); bpnn train's flags check the same bounds
OPTION_CHECKS: MappingProxyType = MappingProxyType({
    "goal": interval(0.0, math.inf, low_ok=True),  # stop once the training MSE <= goal
    "min_grad": interval(0.0, math.inf, low_ok=True),  # stop once the gradient norm < min_grad
    "mu": interval(0.0, math.inf),  # initial damping μ
    "mu_dec": interval(0.0, 1.0),  # μ ← μ·mu_dec after a step that lowers the cost
    "mu_inc": interval(1.0, math.inf),  # μ ← μ·mu_inc after one that does not
    "mu_max": interval(0.0, math.inf),  # stop once μ passes it
    "time_limit": interval(0.0, math.inf, low_ok=True, high_ok=True),  # seconds
})


def solver_options(solver: str, given: dict | None) -> dict:
    """``given`` (MATLAB's trainParam names, e.g. mu, mu_dec, goal, min_grad, time) as keyword arguments of
    the full-batch solver; a name the solver lacks, or one an estimator parameter sets, raises ValueError."""
    if given is None:
        return {}
    if not isinstance(given, dict):
        raise ValueError(f"solver_options must be a dict of option names and values, such as {{'mu': 0.01}}; got {given!r}")
    valid = [name for name in solver_record(solver).options if name not in ESTIMATOR_OWNED]
    aliases = {python: matlab for matlab, python in OPTION_ALIASES.items()}
    options = {}
    for key, value in given.items():
        if key in ESTIMATOR_OWNED:
            raise ValueError(f"solver_options[{key!r}] is set by {ESTIMATOR_OWNED[key]}, not by solver_options")
        name = OPTION_ALIASES.get(key, key)
        if name not in valid:
            names = ", ".join(f"{name} (or {aliases[name]})" if name in aliases else name for name in valid)
            raise ValueError(f"unknown solver_options key {key!r} for solver {solver!r}; valid keys are {names}")
        if name in OPTION_CHECKS:
            OPTION_CHECKS[name](f"solver_options[{key!r}]", value)
        options[name] = value
    return options


# ---- validation ---------------------------------------------------------------------------------------
def check_params(params: dict) -> None:
    """Validate an estimator's parameters (``get_params()``): each record's check, then the rules that join two."""
    for name, value in params.items():
        if name in PARAMETERS:
            PARAMETERS[name].validate(value)
    solver, given = solver_name(params["solver"]), params["solver_options"]
    if solver in FULL_BATCH_SOLVERS:
        solver_options(solver, given)  # raises on a bad option name
    elif given:
        raise ValueError(f"solver_options apply to the full-batch solvers ({', '.join(FULL_BATCH_SOLVERS)}); "
                         f"solver {solver!r} takes its options as estimator parameters")
    division, indices = params["division"], params["division_indices"]
    by_indices = DIVISIONS.get(division, division) == "divideind"
    if by_indices != (indices is not None):
        raise ValueError("division='indices' takes its rows from division_indices=(train, val, test), and "
                         "division_indices apply to division='indices' only; "
                         f"got division={division!r} with division_indices {'None' if indices is None else 'given'}")
    if by_indices and not (isinstance(indices, (tuple, list)) and len(indices) in (2, 3)):
        raise ValueError("division_indices must be (train, val) or (train, val, test): sequences of row numbers")


# ---- documentation and the command line's words ------------------------------------------------------
def parameter_docs(names: Iterable[str], score: str) -> str:
    """The numpydoc entries of ``names`` (first line unindented, the rest at the class docstring's indent);
    SCORE in a description becomes ``score`` (accuracy or R²)."""
    entries = []
    for name in names:
        parameter = PARAMETERS[name]
        if parameter.doc is None:
            continue
        body = "\n".join(f"        {line}" for line in parameter.doc.replace("SCORE", score).split("\n"))
        entries.append(f"    {parameter.heading or name} : {parameter.signature}\n{body}")
    return "\n".join(entries).strip()


FLAGS: MappingProxyType = MappingProxyType({name: p.flag for name, p in PARAMETERS.items() if p.flag is not None})
# a flagged name with an underscore is a parameter wherever it stands; a plain word (solver, alpha, scaling, ...)
# only where it reads as one: before "=" or " must", or after "parameter "
_NAMES = re.compile("|".join(
    rf"\b{re.escape(name)}\b" if "_" in name else rf"(?<=parameter ){re.escape(name)}\b|\b{re.escape(name)}(?==| must)"
    for name in sorted(FLAGS, key=len, reverse=True)))


def in_cli_words(message: str) -> str:
    """``message`` with the estimator parameters that ``bpnn train`` sets by a flag named by that flag, e.g.
    "max_iter must be an integer in [1, inf); got 0" → "--epochs must be an integer in [1, inf); got 0"."""
    return _NAMES.sub(lambda match: FLAGS[match.group(0)], message)
