"""Every export predicts like ``bpnn predict`` on 200 new rows (some with missing values, filled with the training
mean): a regressor, a multiclass classifier with a text feature and a several-target regressor, trained by
``bpnn train``; ONNX run by onnxruntime, C compiled by the system's ``cc``, MATLAB by GNU Octave, the Excel
workbook computed by the ``formulas`` package, the Python module imported.

Tolerance 1e-9 (float64), relative to each target's largest magnitude and absolute for probabilities: every export
performs bpnn's own operations (imputation, one-hot, ``gain * (x - xmin) + offset`` or ``(x - mean) / std``, the
activations' formulas, the inverse scaling) in the same order on the same doubles; only the sums of the matrix
products run in another order (BLAS blocking, MMULT, a C loop), and libm's exp and tanh may differ by an ulp. Each
dot product of n <= 10 terms is within n ε Σ|a_i w_i| of the exact value, a few ulp per layer; through two layers
with O(1-10) weights and the inverse target scaling, that stays near 1e-14 relative (measured: at most 4e-16 for
ONNX, C and Octave, 2.5e-14 for the Excel formulas, 0 for the Python module). 1e-9 leaves five orders of magnitude
for other BLAS kernels and libm implementations and still catches any wrong constant, formula or order of steps,
which moves results by 1e-3 or more. The new rows are float32 numbers, so the ONNX graph's float32 inputs hold them
exactly; on rows that are not, the float32 inputs cost ~1e-7 relative (measured 2e-8 to 1.1e-7) and the test asks
for 1e-5.
"""

import io
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from bpnn._version import __version__
from bpnn.cli import main
from bpnn.exporters.model import read_predictor

N_NEW = 200
TOL64, TOL32 = 1e-9, 1e-5


def float32_exact(values):
    return np.asarray(values, dtype=np.float32).astype(np.float64)


def with_missing(frame, rng, columns, count=4):
    """``frame`` with ``count`` cells of each of ``columns`` emptied (never in the same row twice)."""
    frame = frame.copy()
    rows = rng.choice(len(frame), size=(len(columns), count), replace=False)
    for column, chosen in zip(columns, rows):
        frame.loc[chosen, column] = np.nan
    return frame


def regression_rows(rng, n):
    temperature, pressure, flow = rng.uniform(0, 3, n), rng.uniform(1, 2, n), rng.normal(50, 10, n)
    frame = pd.DataFrame({"温度": float32_exact(temperature), "pressure": float32_exact(pressure),
                          "flow": float32_exact(flow)})
    frame["产量"] = 100 * np.sin(temperature) + 30 * pressure**2 + 0.5 * flow
    return frame


def classification_rows(rng, n):
    species = np.array(["setosa", "versicolor", "virginica"])[rng.integers(0, 3, n)]
    centre = {"setosa": 0.0, "versicolor": 3.0, "virginica": 6.0}
    size = np.array([centre[s] for s in species]) + rng.normal(0, 1.2, n)
    colour = np.where(rng.uniform(size=n) < 0.7, np.where(species == "virginica", "blue", "red"),
                      rng.choice(["red", "blue", "green"], n))
    return pd.DataFrame({"size": float32_exact(size), "weight": float32_exact(rng.uniform(1, 2, n)), "colour": colour,
                         "species": species})


def several_targets_rows(rng, n):
    X = rng.normal(size=(n, 4)) * [1, 10, 0.1, 5] + [0, 100, 1, -3]
    frame = pd.DataFrame(float32_exact(X), columns=["a", "b", "c", "d"])
    frame["y1"] = 1e3 * np.tanh(X[:, 0]) + X[:, 1]
    frame["y2"] = 0.01 * X[:, 2] * X[:, 3]
    frame["y3"] = np.cos(X[:, 0] + X[:, 3] / 5) - 40
    return frame


def binary_rows(rng, n):
    frame = classification_rows(rng, n)
    frame["species"] = np.where(frame["species"] == "setosa", "setosa", "other")
    return frame


MODELS = {  # name -> (rows, targets, text columns, bpnn train options)
    "regressor": (regression_rows, ["产量"], [], ["--hidden", "8"]),
    "classifier": (classification_rows, ["species"], ["colour"], ["--hidden", "6"]),
    "several": (several_targets_rows, ["y1", "y2", "y3"], [], ["--hidden", "10,5", "--scaling", "standard"]),
    "binary": (binary_rows, ["species"], ["colour"], ["--hidden", "4", "--activation", "sigmoid"]),  # one sigmoid unit
}
EXCEL_ROWS = {"binary": 40}  # the formulas package takes ~0.2 s a row; the three models of the issue get all 200


class Case:
    """A trained model, 200 new rows (as a frame and a CSV file) and bpnn predict's output for them."""

    def __init__(self, folder, name):
        make, targets, text, options = MODELS[name]
        self.folder, self.name, self.targets = folder, name, targets
        rng = np.random.default_rng(list(MODELS).index(name))
        make(rng, 240).to_csv(folder / "train.csv", index=False)
        self.model = folder / f"{name}.bpnn"
        assert main(["train", str(folder / "train.csv"), "--target", *targets, "--epochs", "40", "--quiet",
                     "--out", str(self.model), *options]) == 0
        new = make(rng, N_NEW).drop(columns=targets)
        self.frame = with_missing(new, rng, list(new.columns))
        self.csv = folder / "new.csv"
        self.frame.to_csv(self.csv, index=False)
        assert main(["predict", str(self.model), str(self.csv), "--impute", "mean", "-o", str(folder / "expected.csv")]) == 0
        self.expected = pd.read_csv(folder / "expected.csv", keep_default_na=False, na_values=[""])
        self.predictor = read_predictor(self.model, "mean")
        self.classes = self.predictor.classes

    @property
    def expected_values(self):
        """(labels or None, probabilities or target values) of bpnn predict."""
        if self.classes is not None:
            target = self.targets[0]
            return (self.expected[f"{target}_predicted"].astype(str).to_numpy(),
                    self.expected[[f"P({target}={c})" for c in self.classes]].to_numpy())
        return None, self.expected[[f"{t}_predicted" for t in self.targets]].to_numpy()

    def check(self, labels, values, tolerance=TOL64):
        """``values`` (probabilities or targets) within ``tolerance`` of bpnn predict's, ``labels`` equal to its
        labels; returns the largest difference (relative to each target's largest magnitude for regression)."""
        expected_labels, expected = self.expected_values
        values = np.asarray(values, dtype=float).reshape(expected.shape)
        scale = 1.0 if self.classes is not None else np.maximum(np.abs(expected).max(axis=0), 1.0)
        difference = float((np.abs(values - expected) / scale).max())
        assert difference <= tolerance, f"{self.name}: largest difference {difference:.3g} > {tolerance:g}"
        if self.classes is not None:
            labels = np.asarray([str(label) for label in np.ravel(labels)])
            top = np.sort(expected, axis=1)
            clear = top[:, -1] - top[:, -2] > tolerance  # a near-tie may go either way within the tolerance
            np.testing.assert_array_equal(labels[clear], expected_labels[clear])
        return difference

    def head(self, n):
        """This case with bpnn predict's output for its first ``n`` rows only."""
        head = Case.__new__(Case)
        head.__dict__.update(self.__dict__, expected=self.expected.iloc[:n])
        return head

    def numeric_matrix(self, first_index):
        """The rows as numbers: a text feature as its category's index from ``first_index``; NaN for missing."""
        return np.column_stack([self.frame[c.name].to_numpy(float) if c.categories is None else
                                self.frame[c.name].map({v: i + first_index for i, v in enumerate(c.categories)})
                                .to_numpy(float) for c in self.predictor.columns])


@pytest.fixture(scope="module", params=list(MODELS))
def case(request, tmp_path_factory):
    return Case(tmp_path_factory.mktemp(request.param), request.param)


def test_cases_have_missing_values_and_text(case):
    assert case.frame.isna().sum().min() == 4 and len(case.frame) == N_NEW
    assert [c.categories for c in case.predictor.columns if c.categories] == \
        ([["blue", "green", "red"]] if case.name in ("classifier", "binary") else [])
    assert case.predictor.network.layer_sizes[-1] == {"classifier": 3, "several": 3}.get(case.name, 1)


def onnx_feeds(case, frame):
    return {c.name: frame[c.name].to_numpy(np.float32)[:, None] if c.categories is None else
            frame[c.name].fillna("").astype(str).to_numpy(object)[:, None] for c in case.predictor.columns}


def test_onnx(case):
    onnx = pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    from bpnn.exporters.onnx import OPSET, export_onnx

    path = export_onnx(case.predictor, case.folder / "model.onnx")
    model = onnx.load(str(path))
    assert model.opset_import[0].version == OPSET == 19
    props = {p.key: p.value for p in model.metadata_props}
    assert props["model_sha256"] == case.predictor.sha256 and props["targets"] == ", ".join(case.targets)
    assert case.predictor.sha256 in model.doc_string
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == [c.name for c in case.predictor.columns]
    assert [i.shape for i in session.get_inputs()] == [["N", 1]] * len(case.predictor.columns)
    names = [o.name for o in session.get_outputs()]
    out = dict(zip(names, session.run(None, onnx_feeds(case, case.frame))))
    if case.classes is not None:
        assert names == ["prediction", "probabilities"] and out["prediction"].shape == (N_NEW, 1)
        case.check(out["prediction"], out["probabilities"])
    else:
        assert names == ["prediction"] and out["prediction"].shape == (N_NEW, len(case.targets))
        case.check(None, out["prediction"])


def test_onnx_float32_inputs_on_rows_that_are_not_float32(case, tmp_path):
    """Rows with float64 values: the graph sees them rounded to float32 (relative 6e-8), bpnn predict does not."""
    ort = pytest.importorskip("onnxruntime")
    from bpnn.exporters.onnx import export_onnx

    rng = np.random.default_rng(7)
    frame = case.frame.copy()
    for column in case.predictor.columns:
        if column.categories is None:
            frame[column.name] = frame[column.name] * (1 + rng.uniform(-1e-3, 1e-3, len(frame)))
    frame.to_csv(tmp_path / "rows.csv", index=False)
    assert main(["predict", str(case.model), str(tmp_path / "rows.csv"), "--impute", "mean", "-o",
                 str(tmp_path / "expected.csv")]) == 0
    rows = Case.__new__(Case)
    rows.__dict__.update(case.__dict__, expected=pd.read_csv(tmp_path / "expected.csv", keep_default_na=False,
                                                             na_values=[""]))
    session = ort.InferenceSession(str(export_onnx(case.predictor, tmp_path / "m.onnx")),
                                   providers=["CPUExecutionProvider"])
    out = session.run(None, onnx_feeds(case, frame))
    difference = rows.check(out[0], out[-1], TOL32)
    assert difference > 1e-12  # the float32 rounding is there, and stays within 1e-5


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler (cc) on this machine")
def test_c(case):
    from bpnn.exporters.c import export_c

    source = export_c(case.predictor, case.folder / "model.c")
    text = source.read_text()
    assert case.predictor.sha256 in text and f"bpnn {__version__}" in text
    program = case.folder / "model"
    subprocess.run(["cc", "-std=c99", "-O2", "-Wall", "-Wextra", "-pedantic", "-Werror", "-DBPNN_MAIN", str(source),
                    "-o", str(program), "-lm"], check=True, capture_output=True, text=True)
    with open(case.csv, "rb") as rows:
        out = subprocess.run([str(program)], stdin=rows, capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    assert len(lines) == N_NEW
    table = pd.read_csv(io.StringIO(out), header=None, keep_default_na=False)
    if case.classes is not None:
        case.check(table[0], table.iloc[:, 1:].to_numpy())
    else:
        case.check(None, table.to_numpy())
    # the library function, compiled without BPNN_MAIN, on the numeric inputs (text as category index, NaN missing)
    library = case.folder / "use.c"
    X = case.numeric_matrix(0)
    n_out = len(case.classes) if case.classes is not None else len(case.targets)
    library.write_text("#include <math.h>\n#include <stdio.h>\nvoid bpnn_predict(const double *, double *);\n"
                       f"static const double X[{N_NEW}][{X.shape[1]}] = {{"
                       + ",".join("{" + ",".join("NAN" if np.isnan(v) else repr(float(v)) for v in row) + "}" for row in X)
                       + f"}};\nint main(void) {{ double y[{n_out}];\n for (int i = 0; i < {N_NEW}; i++) {{"
                       f" bpnn_predict(X[i], y); for (int k = 0; k < {n_out}; k++) printf(k ? \",%.17g\" : \"%.17g\", y[k]);"
                       " putchar('\\n'); }\n return 0; }\n")
    subprocess.run(["cc", "-std=c99", "-O2", str(library), str(source), "-o", str(case.folder / "use"), "-lm"], check=True)
    out = subprocess.run([str(case.folder / "use")], capture_output=True, text=True, check=True).stdout
    values = np.loadtxt(io.StringIO(out), delimiter=",", ndmin=2)
    case.check(None if case.classes is None else np.asarray(case.classes)[values.argmax(axis=1)], values)


@pytest.mark.skipif(shutil.which("octave-cli") is None, reason="GNU Octave (octave-cli) is not installed")
def test_matlab_in_octave(case):
    from bpnn.exporters.matlab import export_matlab

    path = export_matlab(case.predictor, case.folder / f"predict_{case.name}.m")
    assert case.predictor.sha256 in path.read_text()
    np.savetxt(case.folder / "x.txt", case.numeric_matrix(1), fmt="%.17g")
    code = (f"cd('{case.folder}'); X = load('x.txt'); "
            + (f"[Y, labels] = predict_{case.name}(X); fid = fopen('labels.txt', 'w'); "
               "fprintf(fid, '%s\\n', labels{:}); fclose(fid); " if case.classes is not None else
               f"Y = predict_{case.name}(X); ")
            + "assert(isequal(size(Y), [size(X, 1), " + str(len(case.classes or case.targets)) + "])); "
            "dlmwrite('y.csv', Y, 'precision', '%.17g');")
    subprocess.run(["octave-cli", "--no-gui", "--norc", "--eval", code], check=True, capture_output=True, text=True,
                   timeout=120)
    values = np.loadtxt(case.folder / "y.csv", delimiter=",", ndmin=2)
    labels = (case.folder / "labels.txt").read_text().splitlines() if case.classes is not None else None
    case.check(labels, values)


@pytest.mark.slow
def test_excel_computed_by_formulas(case):
    formulas = pytest.importorskip("formulas")
    import openpyxl
    from openpyxl.utils import get_column_letter

    from bpnn.exporters.excel import export_excel

    n = EXCEL_ROWS.get(case.name, N_NEW)
    path = export_excel(case.predictor, case.folder / "model.xlsx", rows=n)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["predict", "model", "calc"]
    sheet = book["predict"]
    columns = case.predictor.columns
    first = len(columns) + 1
    header = [cell.value for cell in sheet[1]]
    expected_header = [c.name for c in columns] + (
        [case.targets[0], *(f"P({case.targets[0]}={c})" for c in case.classes)] if case.classes else case.targets)
    assert header == expected_header
    for i in range(n):
        for j, column in enumerate(columns):
            value = case.frame[column.name].iloc[i]
            sheet.cell(i + 2, j + 1, None if pd.isna(value) else float(value) if column.categories is None else str(value))
    filled = case.folder / "filled.xlsx"
    book.save(filled)
    solution = formulas.ExcelModel().loads(str(filled)).finish().calculate()

    def value(row, column):
        got = solution[f"'[filled.xlsx]PREDICT'!{get_column_letter(column)}{row}"].value
        return got.ravel()[0] if hasattr(got, "ravel") else got

    table = [[value(r, k) for k in range(first, len(header) + 1)] for r in range(2, n + 2)]
    if case.classes is not None:
        case.head(n).check([row[0] for row in table], [row[1:] for row in table])
    else:
        case.head(n).check(None, table)


def test_excel_workbook_has_formulas_for_1000_rows(case):
    import openpyxl

    from bpnn.exporters.excel import ROWS, export_excel

    book = openpyxl.load_workbook(export_excel(case.predictor, case.folder / "full.xlsx"))
    sheet = book["predict"]
    first = len(case.predictor.columns) + 1
    assert ROWS == 1000 and sheet.max_row == ROWS + 1
    formula = sheet.cell(ROWS + 1, first).value
    assert formula.startswith(f'=IF(COUNTA(A{ROWS + 1}:') and "calc!" in formula
    text = "\n".join(str(cell.value) for row in book["model"].iter_rows(max_col=2) for cell in row)
    assert case.predictor.sha256 in text and f"bpnn {__version__}" in text
    used = {name for row in book["calc"].iter_rows(min_row=2, max_row=2) for cell in row
            for name in ("MMULT", "TANH", "EXP") if name in str(cell.value)}
    assert "MMULT" in used and ("EXP" if case.name == "binary" else "TANH") in used  # sigmoid units, else tanh


def test_python(case):
    from bpnn.exporters.python import export_python

    assert export_python(case.predictor, case.folder / f"{case.name}_module.py").exists()
    code = (f"import sys; sys.path.insert(0, {str(case.folder)!r}); import pandas as pd; import numpy as np; "
            f"import {case.name}_module as m; frame = pd.read_csv({str(case.csv)!r}); "
            + ("np.savetxt(sys.stdout, m.predict_proba(frame), delimiter=',', fmt='%.17g'); "
               "print('\\n'.join(map(str, m.predict(frame))), file=sys.stderr)" if case.classes is not None else
               "np.savetxt(sys.stdout, np.reshape(m.predict(frame), (len(frame), -1)), delimiter=',', fmt='%.17g')"))
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    values = np.loadtxt(io.StringIO(run.stdout), delimiter=",", ndmin=2)
    case.check(run.stderr.splitlines() if case.classes is not None else None, values)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus"])
def test_every_hidden_activation_in_every_export(tmp_path, activation):
    """A core network (two hidden layers of ``activation``, removeconstant + mapminmax on the inputs, standardised
    targets) against its own predict, on 12 rows spanning the activations' kinks (z < 0 and z > 0)."""
    import openpyxl

    from bpnn.core import Network
    from bpnn.exporters.c import export_c
    from bpnn.exporters.excel import export_excel
    from bpnn.exporters.matlab import export_matlab
    from bpnn.exporters.model import predictor_of
    from bpnn.preprocessing import Chain, MapMinMax, RemoveConstant, Standardize

    rng = np.random.default_rng(3)
    X = np.column_stack([rng.normal(5, 3, 40), np.full(40, 7.0), rng.uniform(-1, 1, 40)])  # a constant column
    Y = rng.normal(100, 20, (40, 2))
    x_scaler, y_scaler = Chain([RemoveConstant(), MapMinMax()]).fit(X), Standardize().fit(Y)
    network = Network([2, 5, 4, 2], activation, "identity", random_state=1)
    network.params[...] *= 3  # units well into both sides of every kink
    predictor = predictor_of(network)
    predictor.x_steps = [s for step in [x_scaler.to_dict()] for s in step["steps"]]
    predictor.y_steps = [y_scaler.to_dict()]
    X_new = X[:12] + rng.normal(0, 2, (12, 3))
    expected = y_scaler.inverse_transform(network.predict(x_scaler.transform(X_new)))
    tolerance = TOL64 * np.abs(expected).max()
    outputs = {}
    if shutil.which("cc"):
        source = export_c(predictor, tmp_path / "m.c")
        (tmp_path / "use.c").write_text(
            "#include <stdio.h>\nvoid bpnn_predict(const double *, double *);\nint main(void) { double x[3], y[2];\n"
            " while (scanf(\"%lf %lf %lf\", x, x + 1, x + 2) == 3) {\n"
            "  bpnn_predict(x, y); printf(\"%.17g %.17g\\n\", y[0], y[1]); }\n"
            " return 0; }\n")
        subprocess.run(["cc", "-std=c99", "-O2", str(tmp_path / "use.c"), str(source), "-o", str(tmp_path / "use"), "-lm"],
                       check=True)
        text = "\n".join(" ".join(repr(v) for v in row) for row in X_new.tolist())
        run = subprocess.run([str(tmp_path / "use")], input=text, capture_output=True, text=True, check=True)
        outputs["c"] = np.loadtxt(io.StringIO(run.stdout), ndmin=2)
    if shutil.which("octave-cli"):
        export_matlab(predictor, tmp_path / "net.m")
        np.savetxt(tmp_path / "x.txt", X_new, fmt="%.17g")
        subprocess.run(["octave-cli", "--no-gui", "--norc", "--eval", f"cd('{tmp_path}'); Y = net(load('x.txt')); "
                        "dlmwrite('y.csv', Y, 'precision', '%.17g');"], check=True, capture_output=True, timeout=120)
        outputs["matlab"] = np.loadtxt(tmp_path / "y.csv", delimiter=",", ndmin=2)
    try:
        import onnxruntime as ort

        from bpnn.exporters.onnx import export_onnx
    except ImportError:
        pass
    else:
        session = ort.InferenceSession(str(export_onnx(predictor, tmp_path / "m.onnx")), providers=["CPUExecutionProvider"])
        X32 = float32_exact(X_new)  # the graph's float32 inputs hold these exactly
        expected32 = y_scaler.inverse_transform(network.predict(x_scaler.transform(X32)))
        got = session.run(None, {f"x{j + 1}": X32[:, [j]].astype(np.float32) for j in range(3)})[0]
        assert np.abs(got - expected32).max() <= tolerance, activation
    try:
        import formulas
    except ImportError:
        pass
    else:
        book = openpyxl.load_workbook(export_excel(predictor, tmp_path / "m.xlsx", rows=len(X_new)))
        for i, row in enumerate(X_new.tolist()):
            for j, value in enumerate(row):
                book["predict"].cell(i + 2, j + 1, value)
        book.save(tmp_path / "filled.xlsx")
        solution = formulas.ExcelModel().loads(str(tmp_path / "filled.xlsx")).finish().calculate()
        outputs["excel"] = np.array([[np.ravel(solution[f"'[filled.xlsx]PREDICT'!{c}{r}"].value)[0] for c in "DE"]
                                     for r in range(2, len(X_new) + 2)], dtype=float)
    for name, got in outputs.items():
        assert np.abs(got - expected).max() <= tolerance, (name, activation, np.abs(got - expected).max())


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_an_ensemble_is_refused_not_exported_as_its_first_network(tmp_path):
    import bpnn
    from bpnn.estimators import BPRegressor

    X = np.random.default_rng(0).normal(size=(50, 3))
    ensemble = BPRegressor(hidden_layer_sizes=(3,), max_iter=5, n_init=2, ensemble=True, random_state=0).fit(X, X.sum(1))
    path = bpnn.save(ensemble, tmp_path / "e.bpnn")
    with pytest.raises(ValueError, match="holds an ensemble of 2 networks, whose predictions are their mean; exports write "
                                         "one network"):
        read_predictor(path)


@pytest.mark.parametrize(("target", "name"), [("python", "m_export.py"), ("onnx", "m.onnx"), ("c", "m.c"),
                                              ("matlab", "predict_m.m"), ("excel", "m.xlsx")])
def test_bpnn_export_writes_each_target(tmp_path, capsys, target, name):
    pytest.importorskip("onnx") if target == "onnx" else None
    model = tmp_path / "m.bpnn"
    classification_rows(np.random.default_rng(5), 60).to_csv(tmp_path / "t.csv", index=False)
    assert main(["train", str(tmp_path / "t.csv"), "--target", "species", "--epochs", "10", "--quiet", "--out", str(model)]) == 0
    capsys.readouterr()
    assert main(["export", str(model), "--to", target, str(tmp_path / name), "--impute", "median"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"wrote {tmp_path / name}: ") and out.count("\n") == 1
    data = (tmp_path / name).read_bytes()
    assert data  # every target carries the model's SHA-256 (inside the zip for Excel)
    if target != "excel":
        assert read_predictor(model).sha256.encode() in data
    fill = read_predictor(model, "median").fill["size"]
    if target in ("python", "c", "matlab"):
        assert repr(fill).encode() in data  # the median fills the numeric column


@pytest.mark.parametrize(("argv", "message"), [
    (["--to", "c", "m.py"], "--to c writes a .c file; give FILE a name ending in .c"),
    (["--to", "matlab", "my-model.m"], "'my-model.m' is not a MATLAB function file name"),
    (["--to", "python", "my-model.py"], "'my-model.py' is not a Python module name"),
])
def test_bpnn_export_refuses_a_file_name_the_target_cannot_use(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    classification_rows(np.random.default_rng(5), 60).to_csv("t.csv", index=False)
    assert main(["train", "t.csv", "--target", "species", "--epochs", "5", "--quiet", "--out", "m.bpnn"]) == 0
    capsys.readouterr()
    assert main(["export", "m.bpnn", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    assert not [p for p in tmp_path.iterdir() if p.suffix in (".c", ".m", ".py")]
