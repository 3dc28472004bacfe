"""The ``gradcheck`` command: backprop against central differences on any network, and its report.

A fresh network with random data fitting its loss (:func:`random_problem`), or a saved model's network with
the loss its output implies (:func:`loss_for`), is checked array by array in float64
(:func:`check_gradients`, on :func:`bpnn.core.gradcheck.gradcheck`); :func:`render_gradcheck` prints the
per-layer relative errors and a verdict, in English or Chinese.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bpnn.core.gradcheck import GradCheck, Verdict, gradcheck, relative_step
from bpnn.core.losses import LOSSES, get_loss
from bpnn.core.network import Network
from bpnn.derivation.rendering import error_number
from bpnn.derivation.trace import LAYOUTS, LOSS
from bpnn.derivation.words import WORDS

Array = np.ndarray


def random_problem(hidden: Sequence[int] = (4,), activations: str | Sequence[str] = "sigmoid", loss: str = LOSS,
                   output_activation: str | None = None, inputs: int = 3, outputs: int = 1, samples: int = 8,
                   seed: int = 0) -> tuple[Network, Array, Array]:
    """A fresh network (the core's default initialisation) and random data fitting ``loss``: X ~ N(0, 1);
    Y 0/1 for binary cross-entropy, one-hot for categorical, N(0, 1) for squared error."""
    loss = get_loss(loss)
    if loss.name == "categorical_cross_entropy" and outputs < 2:
        raise ValueError(f"categorical_cross_entropy needs at least 2 outputs; got {outputs}")
    if min(inputs, outputs, samples) < 1:
        raise ValueError(f"inputs, outputs and samples must be at least 1; got {inputs}, {outputs}, {samples}")
    network = Network([inputs, *hidden, outputs], activations, output_activation or loss.canonical_output,
                      random_state=seed)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((samples, inputs))
    if loss.name == "binary_cross_entropy":
        Y = rng.integers(0, 2, (samples, outputs)).astype(np.float64)
    elif loss.name == "categorical_cross_entropy":
        Y = np.eye(outputs)[rng.integers(0, outputs, samples)]
    else:
        Y = rng.standard_normal((samples, outputs))
    return network, X, Y


def loss_for(network: Network) -> str:
    """The loss whose natural output activation is the network's (sigmoid → binary cross-entropy, …)."""
    output = network.activations[-1].name
    for name, loss in LOSSES.items():
        if loss.canonical_output == output:
            return name
    raise ValueError(f"no loss has the output activation {output!r} as its natural output; "
                     f"valid pairs: {', '.join(f'{l.canonical_output}/{n}' for n, l in LOSSES.items())}")


def check_gradients(network: Network, X: Array, Y: Array, loss: str, alpha: float = 0.0,
                    step: float | None = None) -> GradCheck:
    """Backprop against extrapolated central differences, per W[l] and b[l] (``bpnn.core.gradcheck``), in
    float64; ``step`` is the relative step h0 (default ε^(1/5))."""
    if network.dtype != np.float64:
        twin = Network(network.layer_sizes, [g.name for g in network.activations[:-1]], network.activations[-1].name)
        twin.unpack(network.params.astype(np.float64))
        network = twin
    return gradcheck(network, X, Y, loss, alpha=alpha, step=step)



def render_gradcheck(check: GradCheck, network: Network, loss: str, samples: int, lang: str = "en",
                     tolerance: float | None = None, step: float | None = None, alpha: float = 0.0,
                     layout: str = "rows") -> str:
    """Per-layer relative errors of a gradient check beside what the check's own error allows (or a fixed
    ``tolerance``), the parameters a kink left out, and a verdict line (plain text). ``layout="columns"`` names
    and shapes the arrays as the textbook writes them (w_l of shape (n_out, n_in), b_l a column) instead of as
    the core holds them (W[l] of shape (n_in, n_out), b[l]); a relative error is the same for both."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; choose one of {', '.join(LAYOUTS)}")
    words = WORDS[lang]
    hidden = [g.name for g in network.activations[:-1]] or ["-"]
    loss_name = get_loss(loss).name + (f" + L2 α = {alpha:g}" if alpha else "")
    lines = [words["gc_title"].format(sizes="-".join(map(str, network.layer_sizes)), activations="/".join(hidden),
                                      output=network.activations[-1].name, loss=loss_name, samples=samples,
                                      step=f"{step if step is not None else relative_step():.2g}")]
    weights, biases = network.split(check.analytic)
    shapes = {f"W[{l + 1}]": W.shape for l, W in enumerate(weights)} | {f"b[{l + 1}]": b.shape for l, b in enumerate(biases)}
    shown = {name: name for name in shapes}
    if layout == "columns":  # W[l] = w_lᵀ, b[l] = b_l as a column
        shapes = {name: (shape[::-1] if len(shape) == 2 else (*shape, 1)) for name, shape in shapes.items()}
        shown = {name: name[0].lower() + name[2:-1] for name in shapes}
    width = max(len(str(shape)) for shape in shapes.values())
    for name, error in check.errors.items():
        allowed = tolerance if tolerance is not None else check.tolerances[name]
        line = f"  {shown[name]:<6} {str(shapes[name]):<{width}}  "
        if check.kinks.get(name, 0) < int(np.prod(shapes[name])):
            too_small = tolerance is None and check.verdicts[name] is Verdict.UNRESOLVED  # below J's rounding over h
            line += f"{words['gc_row']} {error_number(error)}{words['gc_sep']}{words['gc_allowed']} " + (
                words["unresolved"] if too_small else error_number(allowed))
        else:  # every parameter of the array left out: nothing was compared
            line += f"{words['gc_row']} —"
        if check.kinks.get(name):
            line += f"{words['gc_sep']}{words['gc_kinked'].format(count=check.kinks[name])}"
        lines.append(line)
    failing = check.failing(tolerance)
    name = failing[0] if failing else (max(check.errors, key=check.errors.get) if tolerance is not None else check.worst)
    allowed = tolerance if tolerance is not None else check.tolerances[name]
    verdict = ("gc_bad" if tolerance is None else "gc_bad_fixed") if failing else ("gc_ok" if tolerance is None else
                                                                              "gc_ok_fixed")
    lines.append(words[verdict].format(error=error_number(check.errors[name]), name=shown[name],
                                       tolerance=error_number(allowed)))
    if any(check.kinks.values()):
        lines.append(words["gc_kinks"])
    return "\n".join(lines) + "\n"
