"""The seed's derivation carried out on real numbers, as data (``explain``) and as lecture notes (``render``).

``explain(...)`` trains a tiny network for a few gradient-descent steps and records every quantity of the
seed's derivation, each with its formula, its value and, for the parameter gradients, the gradient check
(Richardson-extrapolated central differences against a threshold from their own error estimate,
:mod:`bpnn.core.gradcheck`; :mod:`~bpnn.derivation.trace`; the textbook's slips computed in
:mod:`~bpnn.derivation.slips`, one sample walked through the chain rule in :mod:`~bpnn.derivation.walk`;
the formulas, as the seed prints them and as corrected, in
:mod:`~bpnn.derivation.formulas`). ``render(trace, format, lang)``, or ``trace.render(format, lang)``, prints
a trace as text, Markdown or a complete LaTeX document, in English or Chinese
(:mod:`~bpnn.derivation.rendering`, its words in :mod:`~bpnn.derivation.words`). The ``gradcheck`` command's
check of any network and its report are in :mod:`~bpnn.derivation.gradcheck`. docs/seed.md tells the seed's
slips and their corrections.
"""

from bpnn.derivation.formulas import SEED_FORMULAS, Formula, layer_formulas
from bpnn.derivation.gradcheck import check_gradients, loss_for, random_problem, render_gradcheck
from bpnn.derivation.rendering import FORMATS, render
from bpnn.derivation.trace import MAX_SAMPLES, MAX_STEPS, STEP, Quantity, Step, Trace, explain
from bpnn.derivation.words import DESCRIPTIONS, LANGUAGES, REASONS, WORDS

Trace.render = render  # trace.render(format, lang): joined here, where both are known, so neither imports the other

__all__ = ["DESCRIPTIONS", "FORMATS", "LANGUAGES", "MAX_SAMPLES", "MAX_STEPS", "REASONS", "SEED_FORMULAS", "STEP",
           "WORDS", "Formula", "Quantity", "Step", "Trace", "check_gradients", "explain", "layer_formulas",
           "loss_for", "random_problem", "render", "render_gradcheck"]
