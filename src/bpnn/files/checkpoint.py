"""Training checkpoints: the complete state of an unfinished run, in one file, written atomically.

A checkpoint file is a bpnn model file (see :mod:`bpnn.files.modelfile`: a safetensors file, bpnn's JSON header,
SHA-256) of kind ``"checkpoint"``, which :func:`bpnn.load` refuses with a message saying what it is. Its
``meta`` is the state as nested JSON in which every NumPy array is replaced by ``{"__array__": NAME}`` (the
array itself is stored under NAME) and every non-finite float by ``{"__float__": "inf"}`` (JSON has none);
``info`` is free JSON of the caller (the command line keeps its settings there).

The state a training run hands its ``checkpoint`` function (see :func:`bpnn.core.training.train` and
:class:`bpnn.core.solvers.stopping.TrainingRecord`) goes in unchanged and comes back equal: arrays bit for
bit, Python ints of any size (a generator's state), floats exactly (JSON writes the shortest repr).

Writing goes through :func:`bpnn.files.modelfile.atomic_write` (temporary file, flush, fsync, rename), so a run
killed while writing leaves the previous checkpoint whole; the temporary file it leaves (``.NAME.XXXXXXXX.tmp``
beside NAME) is removed by the next successful write of NAME.

An estimator's checkpoint (:class:`Checkpointing`, what ``fit(checkpoint=, checkpoint_every=, resume=,
stop=)`` asks for) holds ``estimator`` (the class name), ``params`` (its parameters as JSON), ``division``
(the rows of the training, validation and test sets, or None), ``n_train`` and ``training``: the state of
:func:`bpnn.core.training.train` or of the full-batch solver. The stepwise solvers, ``lm``, ``br``, ``rprop``
and ``scg`` resume; L-BFGS cannot: SciPy keeps its curvature memory inside ``minimize``, where no checkpoint can reach it.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bpnn.files.modelfile import atomic_write, encode, jsonable, read

KIND = "checkpoint"


def _flatten(value: object, arrays: dict, path: str) -> object:
    """``value`` as JSON, its arrays moved into ``arrays`` under their path in the state."""
    if isinstance(value, dict):
        return {str(key): _flatten(item, arrays, f"{path}/{key}") for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_flatten(item, arrays, f"{path}/{index}") for index, item in enumerate(value)]
    if isinstance(value, np.ndarray):
        arrays[path] = value
        return {"__array__": path}
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return {"__float__": repr(value)}
    return value


def _restore(value: object, arrays: dict) -> object:
    if isinstance(value, dict):
        if set(value) == {"__array__"}:
            return arrays[value["__array__"]]
        if set(value) == {"__float__"}:
            return float(value["__float__"])
        return {key: _restore(item, arrays) for key, item in value.items()}
    if isinstance(value, list):
        return [_restore(item, arrays) for item in value]
    return value


def remove_stale_temporaries(path: Path) -> list[Path]:
    """Remove the temporary files that writes of ``path`` killed before their rename left beside it: exactly the
    names :func:`bpnn.files.modelfile.atomic_write` makes (``tempfile.mkstemp``: ``.NAME.`` + 8 of [a-z0-9_] + ``.tmp``)."""
    pattern = re.compile(rf"\.{re.escape(path.name)}\.[a-z0-9_]{{8}}\.tmp")
    stale = [entry for entry in path.parent.iterdir() if pattern.fullmatch(entry.name) and entry.is_file()]
    for entry in stale:
        entry.unlink(missing_ok=True)
    return stale


def save_checkpoint(path: str | Path, state: dict, info: dict | None = None) -> Path:
    """Write ``state`` (nested dicts and lists of JSON values and NumPy arrays) to ``path`` atomically, then remove
    what earlier writes killed before their rename left."""
    arrays: dict = {}
    meta = _flatten(state, arrays, "state")
    path = atomic_write(path, encode(KIND, meta, arrays, info))
    remove_stale_temporaries(path)
    return path


def load_checkpoint(path: str | Path) -> tuple[dict, dict]:
    """(state, info) of the checkpoint at ``path``; a damaged or foreign file raises
    :class:`bpnn.files.modelfile.ModelFileError` naming it."""
    contents = read(path, kinds=(KIND,))
    with contents.checked():
        return _restore(contents.meta, contents.arrays), contents.info


def estimator_params(estimator: object) -> dict:
    """The estimator's parameters as JSON (values without a JSON form by their repr), as a checkpoint keeps them;
    callbacks and verbose, which do not change the result, are left out."""
    params = {name: value for name, value in estimator.get_params().items() if name not in ("callbacks", "verbose")}
    return json.loads(json.dumps(jsonable(params), default=repr))


@dataclass
class Checkpointing:
    """What ``fit(checkpoint=PATH, checkpoint_every=N, resume=PATH, stop=FLAG)`` asks of a run; ``info`` is
    stored beside the state (the command line keeps its settings there)."""

    path: str | Path | None = None
    every: int = 1
    resume: str | Path | None = None
    stop: object = None
    info: dict | None = None

    def load(self, estimator: object) -> dict | None:
        """The state to resume from (None when not resuming), checked against ``estimator``."""
        if isinstance(self.every, bool) or not isinstance(self.every, int) or self.every < 1:
            raise ValueError(f"checkpoint_every must be an int >= 1; got {self.every!r}")
        if self.resume is None:
            return None
        state, _ = load_checkpoint(self.resume)
        kind = type(estimator).__name__
        if state.get("estimator") != kind:
            raise ValueError(f"{self.resume} is a checkpoint of a {state.get('estimator')}; resume it with that "
                             f"estimator, not a {kind}")
        now = estimator_params(estimator)
        for name, value in now.items():
            if state["params"].get(name) != value:
                raise ValueError(f"{self.resume} was saved with {name}={state['params'].get(name)!r}; this {kind} has "
                                 f"{name}={value!r}. Resume with the parameters it was saved with")
        return state

    def training_options(self, estimator: object, data: object, saved: dict | None) -> dict:
        """The keyword arguments of ``train`` or the solver: checkpoint, checkpoint_every, resume, stop, and
        ``epochs`` (the epochs left) when resuming."""
        from bpnn.core.solvers import solver_record

        resumable = solver_record(estimator.solver).resumable
        if not resumable and (self.path is not None or saved is not None):
            lbfgs = solver_record(estimator.solver).name == "lbfgs"
            why = ("SciPy's L-BFGS keeps its curvature memory inside minimize, out of reach" if lbfgs
                   else "it does not save its state yet")
            raise ValueError(f"solver {estimator.solver!r} cannot be checkpointed or resumed: {why}; use solver 'lm', "
                             f"'br', 'scg', 'rprop' or a stepwise solver ('adam', 'sgd', 'rmsprop') for checkpoints")
        if not resumable:
            return {}  # a stop flag too is left to the solvers that check it
        n_train = int(data.X.shape[0])
        options: dict = {"stop": self.stop, "checkpoint_every": self.every}
        if saved is not None:
            if saved["n_train"] != n_train:
                raise ValueError(f"{self.resume} was trained on {saved['n_train']} training rows and this data gives "
                                 f"{n_train}; resume with the data it was saved with")
            done = len(saved["training"]["history"]["loss"])
            options.update(resume=saved["training"], epochs=max(estimator.max_iter - done, 0))
        if self.path is not None:
            head = {"estimator": type(estimator).__name__, "params": estimator_params(estimator),
                    "division": None if data.division is None else dict(vars(data.division)), "n_train": n_train}
            options["checkpoint"] = lambda state: save_checkpoint(self.path, {**head, "training": state}, self.info)
        return options
