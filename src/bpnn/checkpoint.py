"""Training checkpoints: the complete state of an unfinished run, in one file, written atomically.

A checkpoint file is a bpnn model file (see :mod:`bpnn.modelfile`: signature, JSON header, aligned arrays,
SHA-256) of kind ``"checkpoint"``, which :func:`bpnn.load` refuses with a message saying what it is. Its
``meta`` is the state as nested JSON in which every NumPy array is replaced by ``{"__array__": NAME}`` (the
array itself is stored under NAME) and every non-finite float by ``{"__float__": "inf"}`` (JSON has none);
``info`` is free JSON of the caller (the command line keeps its settings there).

The state a training run hands its ``checkpoint`` function (see :func:`bpnn.core.training.train` and
:class:`bpnn.core.solvers.stopping.TrainingRecord`) goes in unchanged and comes back equal: arrays bit for
bit, Python ints of any size (a generator's state), floats exactly (JSON writes the shortest repr).

Writing goes through :func:`bpnn.modelfile.atomic_write` (temporary file, flush, fsync, rename), so a run
killed while writing leaves the previous checkpoint whole.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from bpnn.modelfile import atomic_write, encode, read

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


def save_checkpoint(path: str | Path, state: dict, info: dict | None = None) -> Path:
    """Write ``state`` (nested dicts and lists of JSON values and NumPy arrays) to ``path`` atomically."""
    arrays: dict = {}
    meta = _flatten(state, arrays, "state")
    return atomic_write(path, encode(KIND, meta, arrays, info))


def load_checkpoint(path: str | Path) -> tuple[dict, dict]:
    """(state, info) of the checkpoint at ``path``; a damaged or foreign file raises
    :class:`bpnn.modelfile.ModelFileError` naming it."""
    contents = read(path, kinds=(KIND,))
    with contents.checked():
        return _restore(contents.meta, contents.arrays), contents.info
