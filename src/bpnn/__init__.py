"""bpnn: backpropagation neural networks, from the textbook derivation to MATLAB-style engineering
workflows and scikit-learn estimators.

``import bpnn`` loads NumPy and the core only; the estimators (scikit-learn), model files and the
explain trace load on first use of their names.
"""

from __future__ import annotations

import importlib

from bpnn.core import Network, gradcheck, train
from bpnn.seed import TwoLayerNet

__version__ = "0.1.0"

_LAZY = {
    "BPClassifier": "bpnn.estimators",
    "BPRegressor": "bpnn.estimators",
    "save": "bpnn.modelfile",
    "load": "bpnn.modelfile",
    "explain": "bpnn.explain",
}
__all__ = ["Network", "TwoLayerNet", "gradcheck", "train", "__version__", *_LAZY]


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'bpnn' has no attribute {name!r}")
