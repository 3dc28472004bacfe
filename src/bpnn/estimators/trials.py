"""Several trainings of one estimator: ``n_init`` trials from different start weights on the same division, the
best kept (``trials_`` records each), or with ``ensemble=True`` every one kept (``estimators_``) and their mean
predicted.

Seeds. A trial is an ordinary fit with ``n_init=1``: trial k trains a copy of the estimator with
``random_state=seed_k`` and ``division_random_state=division_seed``. ``seed_1`` is ``random_state`` itself (an int;
None draws one, a RandomState or Generator gives one draw), the others come from ``default_rng(seed_1)``; the
division seed (it draws the random division or the early-stopping split) is ``division_random_state`` when given,
else ``seed_1``, so every trial trains and is judged on the same rows. Each trial is thus reproduced, bit for bit,
by ``fit`` with the seeds its record holds, and the first trial is the fit ``n_init=1`` would make.

The trial kept is the one with the lowest validation loss at the weights it keeps (its best epoch when a stop rule
restored them, else its last); without validation rows, the lowest training loss. Ties go to the earlier trial.

Checkpoints (``checkpoint=``, ``resume=``) save and continue one network's training, so fit refuses them with
``n_init > 1`` or ``ensemble=True``; ``warm_start`` continues one fitted network, so it is refused there too, and
``partial_fit`` is not available on such an estimator.
"""

from __future__ import annotations

import math
import warnings
from numbers import Integral

import numpy as np
from sklearn.utils.validation import check_is_fitted

from bpnn.estimators.data import dense, random_streams, warn_outside_range
from bpnn.files.fitted import ExtrapolationWarning, labels_of_proba, mean_and_spread

Array = np.ndarray
SEED_LIMIT = np.iinfo(np.int32).max


def several(est: object) -> bool:
    """Whether ``est``'s fit trains several trials or an ensemble (n_init > 1 or ensemble=True)."""
    return est.n_init != 1 or bool(est.ensemble)


def partial_fit_available(est: object) -> bool:
    """partial_fit continues one network: stepwise solvers only, and neither n_init > 1 nor an ensemble."""
    from bpnn.core.solvers import STEPWISE_SOLVERS, solver_name

    return solver_name(est.solver) in STEPWISE_SOLVERS and not several(est)


def streams(est: object) -> list[np.random.Generator]:
    """(initialisation, division or split, shuffling) generators of one fit: from random_state, the second from
    division_random_state when it is given."""
    init_rng, split_rng, shuffle_rng = random_streams(est.random_state)
    if est.division_random_state is not None:
        split_rng = random_streams(est.division_random_state)[1]
    return [init_rng, split_rng, shuffle_rng]


def as_seed(random_state: object) -> int:
    """An int seed from random_state: itself, one draw of a RandomState or Generator, or fresh entropy for None."""
    if random_state is None:
        return int(np.random.SeedSequence().generate_state(1)[0] % SEED_LIMIT)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(SEED_LIMIT))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(SEED_LIMIT))
    random_streams(random_state, 1)  # raises ValueError on anything else
    return int(random_state)


def trial_seeds(random_state: object, n_init: int) -> list[int]:
    """The weight seeds of ``n_init`` trials: random_state's seed first, then draws of default_rng(it)."""
    first = as_seed(random_state)
    return [first, *(int(seed) for seed in np.random.default_rng(first).integers(SEED_LIMIT, size=n_init - 1))]


def trial_record(est: object, number: int, seed: int | None, division_seed: int | None) -> dict:
    """What ``trials_`` holds of one fitted trial: its seeds, epochs, stop reason, and the training loss,
    validation loss and score at the weights kept, the test figures of the division and the seconds taken."""
    history = est.history_
    kept = history.best_epoch if history.best_epoch is not None else len(history.loss) - 1

    def at(series: list) -> float | None:
        return float(series[kept]) if series and 0 <= kept < len(series) else None

    return {"trial": number, "seed": seed, "division_seed": division_seed, "epochs": history.epochs,
            "best_epoch": kept + 1, "stop_reason": history.stop_reason, "loss": at(history.loss),
            "val_loss": at(history.val_loss), "val_score": at(history.val_score),
            "test": None if est.test_scores_ is None else dict(est.test_scores_),
            "seconds": float(sum(history.seconds))}


def record_single_fit(est: object) -> None:
    """``trials_`` of a fit with n_init=1 (one record), and no ensemble left from an earlier fit."""
    seed = est.random_state if isinstance(est.random_state, Integral) else None
    division = est.division_random_state if est.division_random_state is not None else est.random_state
    est.trials_ = [{**trial_record(est, 1, seed, division if isinstance(division, Integral) else None), "kept": True}]
    est.best_trial_ = 1
    vars(est).pop("estimators_", None)


def criterion(record: dict) -> float:
    """What selects the trial kept: the validation loss, else the training loss; lower is better, NaN worst."""
    value = record["val_loss"] if record["val_loss"] is not None else record["loss"]
    return math.inf if value is None or not math.isfinite(value) else value


def fit_trials(est: object, X: object, y: object, sample_weight: object, validation_data: tuple | None,
               run: object) -> object:
    """Fit ``est`` by ``n_init`` trials (see the module docstring); returns ``est`` holding the best trial's
    network and fitted attributes, ``trials_`` and, with ensemble=True, ``estimators_``."""
    several_words = f"n_init={est.n_init}" if est.n_init != 1 else "ensemble=True"
    if run.path is not None or run.resume is not None:
        raise ValueError(f"checkpoint and resume save and continue the training of one network; {several_words} "
                         f"trains several. Set n_init=1 and ensemble=False to checkpoint")
    if est.warm_start:
        raise ValueError(f"warm_start continues one fitted network; {several_words} trains new ones from different "
                         f"start weights. Set warm_start=False, or n_init=1 and ensemble=False")
    seeds = trial_seeds(est.random_state, est.n_init)
    division_seed = seeds[0] if est.division_random_state is None else as_seed(est.division_random_state)
    params = est.get_params(deep=False)
    members, records = [], []
    for number, seed in enumerate(seeds, start=1):
        member = type(est)(**{**params, "n_init": 1, "ensemble": False, "random_state": seed,
                              "division_random_state": division_seed})
        member.fit(X, y, sample_weight, validation_data, stop=run.stop)
        members.append(member)
        records.append(trial_record(member, number, seed, division_seed))
        if run.stop is not None and run.stop.is_set():
            break  # interrupted: the trials so far
    best = min(range(len(records)), key=lambda k: criterion(records[k]))
    for name, value in vars(members[best]).items():
        if name not in params:
            setattr(est, name, value)
    for record in records:
        record["kept"] = record["trial"] == best + 1 or bool(est.ensemble)
    est.trials_ = records
    est.best_trial_ = best + 1
    if est.ensemble:
        est.estimators_ = members
    else:
        vars(est).pop("estimators_", None)
    return est


def members_of(est: object) -> list:
    check_is_fitted(est)
    return getattr(est, "estimators_", None) or []


def has_members(est: object) -> bool:
    """Whether ``est`` is a fitted ensemble (predicts the mean of ``estimators_``)."""
    return bool(getattr(est, "estimators_", None))


def ensemble_predict(est: object, X: object, return_std: bool) -> Array | tuple[Array, Array]:
    """A regressor's prediction: the mean over the ensemble's members and, with return_std, their standard
    deviation (population, ddof=0), each ``(n_samples,)`` or ``(n_samples, n_outputs)``."""
    members = members_of(est)
    if not members:
        raise ValueError("return_std=True gives the spread over the members of an ensemble; fit with ensemble=True "
                         "(and n_init > 1) first")
    mean, std = mean_and_spread(member_outputs(est, members, X, "predict"))
    return (mean, std) if return_std else mean


def ensemble_proba(est: object, X: object) -> Array:
    """A classifier ensemble's probabilities: the mean of its members' predict_proba."""
    return np.mean(member_outputs(est, members_of(est), X, "predict_proba"), axis=0)


def member_outputs(est: object, members: list, X: object, method: str) -> list[Array]:
    """Each member's ``method``(X), with one ExtrapolationWarning for the ensemble rather than one per member (the
    members were fitted on the same X, so they share its range)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExtrapolationWarning)
        outputs = [getattr(member, method)(X) for member in members]
    warn_outside_range(est, np.asarray(dense(X), dtype=np.float64))  # X passed the members' checks
    return outputs


def ensemble_labels(est: object, X: object) -> Array:
    """A classifier ensemble's labels, from the mean probabilities (the class of the largest; p > 0.5 per label)."""
    return labels_of_proba(ensemble_proba(est, X), est._target_type, est.classes_)


def spread(est: object) -> dict | None:
    """The trials' spread: for each figure the trials record (validation loss, test figures, ...), its mean,
    standard deviation, minimum and maximum over trials; None before fit."""
    records = getattr(est, "trials_", None)
    if not records:
        return None
    figures = {}
    for name in ("loss", "val_loss", "val_score"):
        figures[name] = [record[name] for record in records]
    for name in (records[0]["test"] or {}):
        figures[f"test_{name}"] = [(record["test"] or {}).get(name) for record in records]
    summary = {}
    for name, values in figures.items():
        values = np.asarray([np.nan if v is None else v for v in values], dtype=np.float64)
        if np.isfinite(values).any():
            finite = values[np.isfinite(values)]
            summary[name] = {"mean": float(finite.mean()), "std": float(finite.std()), "min": float(finite.min()),
                             "max": float(finite.max())}
    return summary
