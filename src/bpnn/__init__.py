"""bpnn: backpropagation neural networks, from the textbook derivation to MATLAB-style engineering
workflows and scikit-learn estimators.

``import bpnn`` loads NumPy and the core only; the estimators (scikit-learn) load on first use.
"""

from __future__ import annotations

from bpnn.core import Network, gradcheck, train
from bpnn.seed import TwoLayerNet

__version__ = "0.1.0"
__all__ = ["Network", "TwoLayerNet", "gradcheck", "train", "__version__"]
