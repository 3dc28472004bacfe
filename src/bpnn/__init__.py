"""bpnn: backpropagation neural networks, from the textbook derivation to MATLAB-style engineering
workflows and scikit-learn estimators.

``import bpnn`` is lazy: it loads none of bpnn's modules, nor NumPy. Each public name loads its module
on first use (PEP 562): ``bpnn.Network``, ``bpnn.train`` and ``bpnn.gradcheck`` the NumPy-only core,
``bpnn.TwoLayerNet`` the seed's network, ``bpnn.BPClassifier``/``bpnn.BPRegressor`` the estimators
(scikit-learn), ``bpnn.save``/``bpnn.load`` model files and ``bpnn.explain`` the explain trace. So a
script or the ``bpnn`` command pays only for what it uses.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_LAZY = {
    "__version__": "bpnn._version",  # a leaf: lower layers import it from there, never from this root
    "Network": "bpnn.core",
    "gradcheck": "bpnn.core",
    "train": "bpnn.core",
    "TwoLayerNet": "bpnn.seed",
    "BPClassifier": "bpnn.estimators",
    "BPRegressor": "bpnn.estimators",
    "NARXRegressor": "bpnn.estimators",
    "save": "bpnn.files.modelfile",
    "load": "bpnn.files.modelfile",
    "explain": "bpnn.derivation",
    "ExtrapolationWarning": "bpnn.files.fitted",
    "importance": "bpnn.selection.importance",
}
__all__ = ["BPClassifier", "BPRegressor", "ExtrapolationWarning", "NARXRegressor", "Network", "TwoLayerNet",
           "__version__", "explain", "gradcheck", "importance", "load", "save", "train"]

if TYPE_CHECKING:  # for type checkers and editors; at run time the names load in __getattr__
    from bpnn._version import __version__
    from bpnn.core import Network, gradcheck, train
    from bpnn.derivation import explain
    from bpnn.estimators import BPClassifier, BPRegressor, NARXRegressor
    from bpnn.files.fitted import ExtrapolationWarning
    from bpnn.files.modelfile import load, save
    from bpnn.seed import TwoLayerNet
    from bpnn.selection.importance import importance


def __getattr__(name: str) -> object:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module 'bpnn' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
