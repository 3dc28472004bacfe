"""bpnn's numeric core: NumPy only (SciPy lazily inside the solvers that need it).

Samples are rows throughout the core; see :mod:`bpnn.core.network` for every convention.
"""

from bpnn.core.activations import ACTIVATIONS, get_activation
from bpnn.core.gradcheck import GradCheck, Verdict, gradcheck
from bpnn.core.losses import LOSSES, get_loss
from bpnn.core.network import Cache, Network
from bpnn.core.optimizers import OPTIMIZERS, SCHEDULES, make_optimizer, make_schedule
from bpnn.core.training import DivergenceWarning, EarlyStopping, History, train

__all__ = ["ACTIVATIONS", "LOSSES", "OPTIMIZERS", "SCHEDULES", "Cache", "DivergenceWarning", "EarlyStopping",
           "GradCheck", "History", "Network", "Verdict", "get_activation", "get_loss", "gradcheck",
           "make_optimizer", "make_schedule", "train"]
