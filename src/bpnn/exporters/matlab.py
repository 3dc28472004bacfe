"""``bpnn export MODEL --to matlab FILE.m``: a function like MATLAB's ``genFunction``, for MATLAB and GNU Octave.

``Y = NAME(X)`` (NAME is the file's name): ``X`` is N-by-F numeric, one column per feature in training order (a
text feature as the 1-based index of its category, as listed in the file's help text; NaN is a missing value,
filled as at training); ``Y`` is N-by-K: the targets in original units (regression) or the class probabilities
(classification), and ``[Y, labels] = NAME(X)`` also gives the predicted class labels as an N-by-1 cell array of
strings (argmax of the output logits; one sigmoid unit: z > 0). Only core functions are used (``bsxfun``,
``tanh``, ``exp``, ``expm1``, ``log1p``, ``max``), so it runs in any MATLAB since R2009b and in Octave.

The scaling and activations are bpnn's operations in the same order; the matrix products use MATLAB's BLAS,
which sums in another order than NumPy's.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from bpnn.exporters.model import Predictor, number_literal, shown
from bpnn.files.modelfile import atomic_write

ACTIVATIONS = {  # the element formulas of bpnn.core.activations on a matrix Z
    "sigmoid": "1 ./ (1 + exp(-Z))",
    "tanh": "tanh(Z)",
    "relu": "max(Z, 0)",
    "leaky_relu": "max(Z, 0.01 * Z)",
    "elu": "max(Z, 0) + expm1(min(Z, 0))",
    "softplus": "max(Z, 0) + log1p(exp(-abs(Z)))",
    "identity": "Z",
}


def matlab_string(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def matlab_matrix(values: object, indent: str = "    ") -> str:
    """A numeric matrix literal, rows on their own lines and long rows continued with ``...``."""
    values = np.atleast_2d(np.asarray(values, dtype=float))
    rows = []
    for row in values:
        pieces, line = [], ""
        for item in ("NaN" if np.isnan(v) else number_literal(v) for v in row):  # NaN: a fill value the model lacks
            if len(line) + len(item) > 100:
                pieces.append(line + "...")
                line = ""
            line += item + " "
        pieces.append(line.rstrip())
        rows.append(f"\n{indent}  ".join(pieces))
    if len(rows) == 1 and len(rows[0]) < 90:
        return "[" + rows[0] + "]"
    return "[\n" + "".join(f"{indent}  {row}\n" for row in rows) + indent + "]"


def matlab_function(predictor: Predictor, name: str) -> str:
    """The text of ``name.m`` for ``predictor`` (see the module docstring)."""
    predictor.check()
    columns = predictor.columns
    classification = predictor.classes is not None
    keep, steps = predictor.input_scaling()
    outputs = "the class probabilities, one column per class" if classification else \
        "the targets " + ", ".join(map(shown, predictor.target_names)) + " in original units"
    helptext = [f"{name.upper()}  Predictions of a bpnn model.",
                f"  {'[Y, labels]' if classification else 'Y'} = {name}(X): X is N-by-{len(columns)}, one column per "
                f"feature in the order below",
                "  (a text feature as the 1-based index of its category; NaN: missing).",
                f"  Y is N-by-{len(predictor.classes) if classification else predictor.output_scaling()[1].size}: "
                f"{outputs}."]
    if classification:
        helptext.append("  labels: the predicted class labels, an N-by-1 cell array of strings.")
    helptext += ["", *predictor.header(first_index=1)]
    fills = [np.nan if c.fill is None else float(c.fill) if c.categories is None else
             float(c.categories.index(c.fill) + 1) for c in columns]
    lines = [f"function {'[Y, labels]' if classification else 'Y'} = {name}(X)",
             *(f"%{' ' + line if line else ''}" for line in helptext), "",
             f"  if size(X, 2) ~= {len(columns)}",
             f"    error('{name}: X needs {len(columns)} columns (the features), not %d', size(X, 2));",
             "  end",
             "  X = double(X);",
             f"  fill = {matlab_matrix([fills])};  % the value a missing cell takes (NaN: none)",
             f"  ncategories = {matlab_matrix([[len(c.categories or []) for c in columns]])};  % 0: a number",
             f"  E = zeros(size(X, 1), {predictor.n_encoded});",
             "  k = 0;",
             f"  for j = 1:{len(columns)}",
             "    v = X(:, j);",
             "    if ~isnan(fill(j))",
             "      v(isnan(v)) = fill(j);",
             "    end",
             "    if ncategories(j) == 0",
             "      E(:, k + 1) = v;",
             "      k = k + 1;",
             "    else",
             "      for c = 1:ncategories(j)",
             "        E(:, k + c) = double(v == c);  % one-hot",
             "      end",
             "      k = k + ncategories(j);",
             "    end",
             "  end",
             f"  A = E(:, {matlab_matrix([keep + 1])});"]
    for step in steps:
        center, gain = matlab_matrix([step.center], "  "), matlab_matrix([step.gain], "  ")
        if step.kind == "mapminmax":
            lines.append(f"  A = bsxfun(@plus, bsxfun(@times, {gain}, bsxfun(@minus, A, {center})), "
                         f"{matlab_matrix([step.offset], '  ')});")
        else:
            lines.append(f"  A = bsxfun(@rdivide, bsxfun(@minus, A, {center}), {gain});")
    layers = predictor.layers
    for number, layer in enumerate(layers, 1):
        lines += [f"  % layer {number}: {layer.activation}", f"  W = {matlab_matrix(layer.W, '  ')};",
                  f"  b = {matlab_matrix([layer.b], '  ')};", "  Z = bsxfun(@plus, A * W, b);"]
        if number < len(layers) or not classification:
            if layer.activation == "softmax":
                raise ValueError("softmax is an output activation; this network has it inside")
            lines.append(f"  A = {ACTIVATIONS[layer.activation]};")
    if classification:
        classes = "{" + ", ".join(matlab_string(c) for c in predictor.classes) + "}"
        if len(predictor.classes) == 2:
            lines += ["  Y = [1 ./ (1 + exp(Z)), 1 ./ (1 + exp(-Z))];", "  index = (Z > 0) + 1;"]
        else:
            lines += ["  [~, index] = max(Z, [], 2);  % the first largest logit",
                      "  Y = exp(bsxfun(@minus, Z, max(Z, [], 2)));", "  Y = bsxfun(@rdivide, Y, sum(Y, 2));"]
        lines += [f"  classes = {classes};", "  labels = reshape(classes(index), [], 1);"]
    else:
        y_keep, values, y_steps = predictor.output_scaling()
        for step in reversed(y_steps):
            center, gain = matlab_matrix([step.center], "  "), matlab_matrix([step.gain], "  ")
            if step.kind == "mapminmax":
                lines.append(f"  A = bsxfun(@plus, bsxfun(@rdivide, bsxfun(@minus, A, {matlab_matrix([step.offset], '  ')}), "
                             f"{gain}), {center});")
            else:
                lines.append(f"  A = bsxfun(@plus, bsxfun(@times, A, {gain}), {center});")
        lines += [f"  Y = repmat({matlab_matrix([values], '  ')}, size(X, 1), 1);",
                  f"  Y(:, {matlab_matrix([y_keep + 1])}) = A;"]
    lines.append("end")
    return "\n".join(lines) + "\n"


def export_matlab(predictor: Predictor, path: str | Path) -> Path:
    """Write ``NAME.m`` for ``predictor`` to ``path`` (atomically); NAME must be a MATLAB function name."""
    path = Path(path)
    if path.suffix != ".m" or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,62}", path.stem):
        raise ValueError(f"{path.name!r} is not a MATLAB function file name (a letter, then letters, digits or _, "
                         f"at most 63, and .m); give a name such as predict_model.m")
    return atomic_write(path, matlab_function(predictor, path.stem).encode("utf-8"))
