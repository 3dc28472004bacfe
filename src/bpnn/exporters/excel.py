"""``bpnn export MODEL --to excel FILE.xlsx``: a workbook that predicts with ordinary Excel formulas.

Sheet ``predict``: row 1 holds the feature names, then the target names (a classifier: the target's label column,
then ``P(target=class)`` per class, as ``bpnn predict`` names them). A user types inputs from row 2 on (``ROWS``
rows have formulas; a text feature takes its category's text, an empty cell is a missing value, filled as at
training) and the target cells compute the prediction; a row without inputs stays empty. Sheet ``model`` holds the
weights, biases, scaling, fill values and classes; sheet ``calc`` the intermediate values of each row (scaled
inputs, each layer's units), which the ``predict`` sheet's cells read.

Only functions every Excel has since 2007 are used: IF, MMULT (a row of one layer times a column of weights,
a 1-by-1 product), TANH, EXP, LN, MAX, MIN, ABS, SUM, COUNTA, INDEX, MATCH. The scaling and activations are
bpnn's operations in the same order; MMULT sums in its own order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bpnn.exporters.model import Predictor
from bpnn.files.modelfile import atomic_write

ROWS = 1000  # input rows with formulas
ACTIVATIONS = {  # bpnn.core.activations' formulas on a cell z; exp overflows past 709, where σ is 0 to 1e-300
    "sigmoid": "IF({z}<-700,0,1/(1+EXP(-{z})))",
    "tanh": "TANH({z})",
    "relu": "MAX({z},0)",
    "leaky_relu": "MAX({z},0.01*{z})",
    "elu": "MAX({z},0)+(EXP(MIN({z},0))-1)",
    "softplus": "MAX({z},0)+LN(1+EXP(-ABS({z})))",
    "identity": "{z}",
}


def column_letter(index: int) -> str:
    """The letters of the 1-based column ``index`` (1 -> A, 27 -> AA)."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


class ModelSheet:
    """The ``model`` sheet under construction: labelled rows of numbers, each addressable as absolute ranges."""

    def __init__(self, sheet: object) -> None:
        self.sheet = sheet
        self.row = 1

    def block(self, label: str, values: object) -> int:
        """Write ``values`` (a row, or a matrix of rows) from column B under the label in column A; its first row."""
        values = np.atleast_2d(np.asarray(values, dtype=object))
        first = self.row
        self.sheet.cell(first, 1, label)
        for i, row in enumerate(values):
            for j, value in enumerate(row):
                self.sheet.cell(first + i, 2 + j, value.item() if isinstance(value, np.generic) else value)
        self.row += values.shape[0] + 1
        return first

    @staticmethod
    def cell(row: int, column: int) -> str:
        """The absolute address on the model sheet of the value in ``row``, 0-based ``column`` of a block."""
        return f"model!${column_letter(2 + column)}${row}"

    @staticmethod
    def column_range(first: int, rows: int, column: int) -> str:
        letter = column_letter(2 + column)
        return f"model!${letter}${first}:${letter}${first + rows - 1}"

    @staticmethod
    def row_range(row: int, columns: int) -> str:
        return f"model!$B${row}:${column_letter(1 + columns)}${row}"


def workbook(predictor: Predictor, rows: int = ROWS) -> object:
    """The openpyxl Workbook of ``predictor`` (see the module docstring)."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    predictor.check()
    columns = predictor.columns
    classification = predictor.classes is not None
    book = Workbook()
    predict = book.active
    predict.title = "predict"
    model = ModelSheet(book.create_sheet("model"))
    calc = book.create_sheet("calc")
    header = predictor.header(90, first_index=1)
    model.block("about", [[line] for line in header])

    fill_row = model.block("fill (missing value)", [["" if c.fill is None else c.fill for c in columns]])
    category_rows = {j: model.block(f"categories of {c.name}", [c.categories]) for j, c in enumerate(columns)
                     if c.categories is not None}
    keep, steps = predictor.input_scaling()
    step_rows = [(step, model.block(f"input scaling {n + 1}: {step.kind} (center, gain, offset) of the kept inputs",
                                    [step.center, step.gain, step.offset])) for n, step in enumerate(steps)]
    model.block("kept inputs (1-based, of the one-hot encoded features)", [keep + 1])
    layer_rows = []
    for number, layer in enumerate(predictor.layers, 1):
        w = model.block(f"W{number} ({layer.W.shape[0]} inputs x {layer.W.shape[1]} units)", layer.W)
        layer_rows.append((layer, w, model.block(f"b{number}", [layer.b])))

    predict.append([c.name for c in columns])
    n_features = len(columns)
    first_target = n_features + 1
    if classification:
        target = predictor.target_names[0]
        classes_row = model.block("classes", [predictor.classes])
        names = [target, *(f"P({target}={c})" for c in predictor.classes)]
    else:
        y_keep, values, y_steps = predictor.output_scaling()
        y_rows = [(step, model.block(f"target scaling {n + 1}: {step.kind} (center, gain, offset)",
                                     [step.center, step.gain, step.offset])) for n, step in enumerate(y_steps)]
        constants_row = model.block("constant targets", [values])
        names = list(predictor.target_names)
    for j, name in enumerate(names):
        predict.cell(1, first_target + j, name)
    for cell in predict[1]:
        cell.font = Font(bold=True)
    predict.cell(1, 1).comment = Comment("\n".join(header), "bpnn")
    last_input = column_letter(n_features)

    calc_headers: list[str] = []
    for r in range(2, rows + 2):
        cells: list[str] = []  # the calc row's formulas, in order

        def add(formula: str, name: str, cells: list = cells, r: int = r) -> str:
            """Put ``formula`` in the row's next calc cell; its address."""
            cells.append("=" + formula)
            if r == 2:
                calc_headers.append(name)
            return f"calc!{column_letter(len(cells))}{r}"

        def value(j: int, r: int = r) -> str:  # feature j of this row, missing filled
            ref = f"predict!{column_letter(j + 1)}{r}"
            if columns[j].fill is None:
                return ref
            return f'IF({ref}="",{model.cell(fill_row, j)},{ref})'

        encoded = []  # per encoded column, its formula
        for j, column in enumerate(columns):
            if column.categories is None:
                encoded.append(value(j))
            else:
                encoded += [f"IF({value(j)}={model.cell(category_rows[j], c)},1,0)" for c in range(len(column.categories))]
        units = []
        for i, source in enumerate(keep):
            x = encoded[source]
            for step, first in step_rows:
                center, gain, offset = (model.cell(first + k, i) for k in range(3))
                x = f"{gain}*({x}-{center})+{offset}" if step.kind == "mapminmax" else f"({x}-{center})/{gain}"
            units.append(add(x, f"input {i + 1}"))
        for number, (layer, w, b) in enumerate(layer_rows, 1):
            span = f"{units[0]}:{units[-1].split('!')[1]}"
            n_in, n_out = layer.W.shape
            logits = [f"(MMULT({span},{model.column_range(w, n_in, j)})+{model.cell(b, j)})" for j in range(n_out)]
            if number == len(layer_rows) and classification:  # the logits, for the probabilities and the label
                units = [add(z, f"z{number}_{j + 1}") for j, z in enumerate(logits)]
            elif layer.activation in ("tanh", "identity"):  # z appears once: one cell
                units = [add(ACTIVATIONS[layer.activation].format(z=z), f"a{number}_{j + 1}") for j, z in enumerate(logits)]
            else:  # z appears more than once: z cells, then the units (contiguous, for the next MMULT)
                z_cells = [add(z, f"z{number}_{j + 1}") for j, z in enumerate(logits)]
                units = [add(ACTIVATIONS[layer.activation].format(z=z), f"a{number}_{j + 1}") for j, z in enumerate(z_cells)]
        outputs = []
        if classification:
            span = f"{units[0]}:{units[-1].split('!')[1]}"
            classes = model.row_range(classes_row, len(predictor.classes))
            if len(predictor.classes) == 2:
                z = units[0]
                outputs = [f"IF({z}>700,0,1/(1+EXP({z})))", ACTIVATIONS["sigmoid"].format(z=z)]  # [σ(-z), σ(z)]
                label = f"INDEX({classes},1,IF({z}>0,2,1))"
            else:
                shifted = [add(f"EXP({z}-MAX({span}))", f"e{j + 1}") for j, z in enumerate(units)]
                total = add(f"SUM({shifted[0]}:{shifted[-1].split('!')[1]})", "sum")
                outputs = [f"{e}/{total}" for e in shifted]
                label = f"INDEX({classes},1,MATCH(MAX({span}),{span},0))"
            outputs = [label, *outputs]
        else:
            for i, unit in enumerate(units):
                y = unit
                for step, first in reversed(y_rows):
                    center, gain, offset = (model.cell(first + k, int(i)) for k in range(3))
                    y = f"({y}-{offset})/{gain}+{center}" if step.kind == "mapminmax" else f"{y}*{gain}+{center}"
                units[i] = y
            for t in range(values.size):
                placed = np.flatnonzero(y_keep == t)
                outputs.append(units[int(placed[0])] if placed.size else model.cell(constants_row, t))
        for j, formula in enumerate(cells):
            calc.cell(r, j + 1, formula)
        for j, formula in enumerate(outputs):
            predict.cell(r, first_target + j, f'=IF(COUNTA(A{r}:{last_input}{r})=0,"",{formula})')
    for j, name in enumerate(calc_headers):
        calc.cell(1, j + 1, name)
    return book


def export_excel(predictor: Predictor, path: str | Path, rows: int = ROWS) -> Path:
    """Write the workbook of ``predictor`` to ``path`` (atomically); ``rows`` input rows get formulas."""
    import io

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"{path.name!r} is not an .xlsx file name; give a name such as model.xlsx")
    buffer = io.BytesIO()
    workbook(predictor, rows).save(buffer)
    return atomic_write(path, buffer.getvalue())
