"""``bpnn export MODEL --to c FILE.c``: the predictor as one C99 file that needs libm only.

The file defines ``void bpnn_predict(const double *inputs, double *outputs)``: ``inputs`` holds one value per
feature column in training order (a text column: the index of its category, 0-based, as listed in the file's
header; NaN: a missing value, filled as at training); ``outputs`` receives the targets in original units
(regression) or the class probabilities (classification), and ``int bpnn_predict_class(inputs, probabilities)``
returns the predicted class's index as ``bpnn predict`` picks it (argmax of the output logits; one sigmoid
unit: z > 0). Compiled with ``-DBPNN_MAIN`` it is a program that reads CSV rows with a header line from standard
input (columns found by name, in any order, others ignored; an empty cell is missing; text cells are matched to
the categories) and prints one line per row: the targets, or the label followed by the probabilities (``%.17g``).

The arithmetic is bpnn's, operation by operation (scaling, Σ a_i W_ij then + b_j, the activations' formulas), in
double; only the order of the sums differs from NumPy's matrix products. ``cc -std=c99`` keeps
``a * b + c`` as two rounded operations (no fused multiply-add contraction in ISO C mode).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bpnn.exporters.model import Predictor, number_literal, shown
from bpnn.files.modelfile import atomic_write

SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-+.,:;=()[]{}<>/|!@#$%^&*~'`")

ACTIVATIONS = {  # the element formulas of bpnn.core.activations, on double z
    "sigmoid": "1.0 / (1.0 + exp(-z))",
    "tanh": "tanh(z)",
    "relu": "(z > 0.0 ? z : 0.0)",
    "leaky_relu": "(z > 0.01 * z ? z : 0.01 * z)",
    "elu": "(z > 0.0 ? z : 0.0) + expm1(z < 0.0 ? z : 0.0)",
    "softplus": "(z > 0.0 ? z : 0.0) + log1p(exp(-fabs(z)))",
    "identity": "z",
}

RUNTIME = r"""
#ifdef BPNN_MAIN
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One CSV record from f into a growing buffer: fields split at commas, quotes ("" inside) removed.
   Returns the number of fields, -1 at the end of the input. */
static int bpnn_read_record(FILE *f, char **buffer, size_t *size, char ***fields, size_t *capacity) {
    size_t length = 0, n = 0;
    int c = fgetc(f), quoted = 0, any = 0;
    if (c == EOF) return -1;
    if (*capacity == 0) { *capacity = 16; *fields = malloc(*capacity * sizeof(char *)); }
    size_t *starts = malloc(*capacity * sizeof(size_t));
    starts[n++] = 0;
    for (; c != EOF; c = fgetc(f)) {
        any = 1;
        if (length + 2 >= *size) { *size = 2 * *size + 64; *buffer = realloc(*buffer, *size); }
        if (quoted) {
            if (c == '"') {
                int next = fgetc(f);
                if (next == '"') { (*buffer)[length++] = '"'; continue; }
                quoted = 0;
                if (next == EOF) break;
                c = next;
            } else { (*buffer)[length++] = (char)c; continue; }
        }
        if (c == '"') { quoted = 1; continue; }
        if (c == '\r') continue;
        if (c == '\n') break;
        if (c == ',') {
            (*buffer)[length++] = '\0';
            if (n == *capacity) {
                *capacity *= 2;
                *fields = realloc(*fields, *capacity * sizeof(char *));
                starts = realloc(starts, *capacity * sizeof(size_t));
            }
            starts[n++] = length;
            continue;
        }
        (*buffer)[length++] = (char)c;
    }
    if (length + 1 >= *size) { *size = length + 64; *buffer = realloc(*buffer, *size); }
    (*buffer)[length] = '\0';
    for (size_t i = 0; i < n; i++) (*fields)[i] = *buffer + starts[i];
    free(starts);
    return any ? (int)n : 0;
}

int main(void) {
    char *buffer = NULL, **fields = NULL;
    size_t size = 0, capacity = 0;
    int column[BPNN_N_FEATURES];
    int n = bpnn_read_record(stdin, &buffer, &size, &fields, &capacity);
    if (n <= 0) { fprintf(stderr, "bpnn: no header line on standard input\n"); return 2; }
    if ((unsigned char)fields[0][0] == 0xEF && (unsigned char)fields[0][1] == 0xBB && (unsigned char)fields[0][2] == 0xBF)
        fields[0] += 3; /* a UTF-8 byte-order mark */
    for (int j = 0; j < BPNN_N_FEATURES; j++) {
        column[j] = -1;
        for (int i = 0; i < n; i++) if (strcmp(fields[i], bpnn_features[j]) == 0) { column[j] = i; break; }
        if (column[j] < 0) { fprintf(stderr, "bpnn: the header lacks the feature column %s\n", bpnn_features[j]); return 2; }
    }
    double inputs[BPNN_N_FEATURES], outputs[BPNN_N_OUTPUTS];
    for (long row = 2; (n = bpnn_read_record(stdin, &buffer, &size, &fields, &capacity)) >= 0; row++) {
        if (n == 0) continue; /* a blank line */
        for (int j = 0; j < BPNN_N_FEATURES; j++) {
            const char *cell = column[j] < n ? fields[column[j]] : "";
            inputs[j] = NAN;
            if (cell[0] == '\0') continue; /* missing */
            if (bpnn_n_categories[j] == 0) {
                char *end;
                inputs[j] = strtod(cell, &end);
                if (*end != '\0') {
                    fprintf(stderr, "bpnn: row %ld: %s is not a number: %s\n", row, bpnn_features[j], cell);
                    return 1;
                }
                continue;
            }
            for (int k = 0; k < bpnn_n_categories[j]; k++)
                if (strcmp(cell, bpnn_categories[j][k]) == 0) { inputs[j] = k; break; }
            if (isnan(inputs[j])) {
                fprintf(stderr, "bpnn: row %ld: %s holds %s, a value not seen at training\n", row, bpnn_features[j], cell);
                return 1;
            }
        }
#if BPNN_N_CLASSES > 0
        int label = bpnn_predict_class(inputs, outputs);
        fputs(bpnn_classes[label], stdout);
        for (int k = 0; k < BPNN_N_OUTPUTS; k++) printf(",%.17g", outputs[k]);
#else
        bpnn_predict(inputs, outputs);
        for (int k = 0; k < BPNN_N_OUTPUTS; k++) printf(k ? ",%.17g" : "%.17g", outputs[k]);
#endif
        putchar('\n');
    }
    free(buffer);
    free(fields);
    return 0;
}
#endif
"""


def c_string(text: str) -> str:
    """``text`` as a C string literal: UTF-8, every byte outside a safe ASCII set as a three-digit octal escape (no
    trigraph can form, and no hexadecimal escape swallows the next character)."""
    return '"' + "".join(chr(byte) if chr(byte) in SAFE else f"\\{byte:03o}" for byte in text.encode("utf-8")) + '"'


def c_array(name: str, values: object, kind: str = "double") -> str:
    values = np.asarray(values).reshape(-1)
    items = [number_literal(v) for v in values] if kind == "double" else [str(int(v)) for v in values]
    lines, line = [], "    "
    for item in items:
        if len(line) + len(item) + 2 > 110:
            lines.append(line.rstrip())
            line = "    "
        line += item + ", "
    lines.append(line.rstrip().rstrip(","))
    return f"static const {kind} {name}[{max(1, len(items))}] = {{\n" + "\n".join(lines) + ("0" if not items else "") + "\n};"


def c_source(predictor: Predictor) -> str:
    """The text of the C file for ``predictor`` (see the module docstring)."""
    predictor.check()
    columns = predictor.columns
    classification = predictor.classes is not None
    keep, steps = predictor.input_scaling()
    layers = predictor.layers
    n_outputs = len(predictor.classes) if classification else predictor.output_scaling()[1].size
    header = [line.replace("*/", "* /") for line in predictor.header()]
    usage = [
        "",
        "C99, libm only: cc -std=c99 -O2 -c model.c (link with -lm), or as a program reading CSV on standard input:",
        "    cc -std=c99 -O2 -DBPNN_MAIN model.c -o model -lm && ./model < rows.csv",
        "void bpnn_predict(const double *inputs, double *outputs):",
        f"    inputs: {len(columns)} values, the features in the order above; a text feature as the index of its",
        "    category (0-based, as numbered above; any other value encodes as no category); NaN: missing.",
        f"    outputs: {n_outputs} values: " + (
            f"the probabilities of the classes {', '.join(map(shown, predictor.classes))}." if classification else
            f"the targets {', '.join(map(shown, predictor.target_names))} in original units."),
    ]
    if classification:
        usage += ["int bpnn_predict_class(const double *inputs, double *probabilities): the predicted class's index",
                  "    into bpnn_classes (and the probabilities, as bpnn_predict).",
                  "The program prints, per row: the label, then the probabilities."]
    else:
        usage += ["The program prints, per row: the targets, comma-separated."]
    usage = [line.replace("*/", "* /") for line in usage]
    parts = ["/*\n" + "\n".join(f" * {line}".rstrip() for line in header + usage) + "\n */",
             "#include <math.h>\n#include <stddef.h>",
             f"#define BPNN_N_FEATURES {len(columns)}\n#define BPNN_N_OUTPUTS {n_outputs}\n"
             f"#define BPNN_N_CLASSES {len(predictor.classes) if classification else 0}",
             "static const char *const bpnn_features[BPNN_N_FEATURES] = {"
             + ", ".join(c_string(c.name) for c in columns) + "};",
             c_array("bpnn_n_categories", [len(c.categories or []) for c in columns], "int")]
    for j, column in enumerate(columns):
        if column.categories is not None:
            parts.append(f"static const char *const bpnn_categories_{j}[{len(column.categories)}] = {{"
                         + ", ".join(c_string(c) for c in column.categories) + "};")
    parts.append("static const char *const *const bpnn_categories[BPNN_N_FEATURES] = {"
                 + ", ".join(f"bpnn_categories_{j}" if c.categories is not None else "NULL" for j, c in enumerate(columns))
                 + "};")
    fills = [np.nan if c.fill is None else float(c.fill) if c.categories is None else float(c.categories.index(c.fill))
             for c in columns]
    parts += [c_array("bpnn_has_fill", [not np.isnan(v) for v in fills], "int"),
              c_array("bpnn_fill", np.nan_to_num(fills, nan=0.0)),
              c_array("bpnn_keep", keep, "int")]
    for s, step in enumerate(steps):
        parts += [c_array(f"bpnn_x{s}_center", step.center), c_array(f"bpnn_x{s}_gain", step.gain)]
        if step.kind == "mapminmax":  # standardisation has no offset
            parts.append(c_array(f"bpnn_x{s}_offset", step.offset))
    for number, layer in enumerate(layers, 1):
        parts += [f"/* layer {number}: W[{layer.W.shape[0]}][{layer.W.shape[1]}] (row i: input i), b, {layer.activation} */",
                  c_array(f"bpnn_W{number}", layer.W), c_array(f"bpnn_b{number}", layer.b)]
    if classification:
        parts.append("static const char *const bpnn_classes[BPNN_N_CLASSES] = {"
                     + ", ".join(c_string(str(c)) for c in predictor.classes) + "};")
    else:
        y_keep, values, y_steps = predictor.output_scaling()
        parts += [c_array("bpnn_y_keep", y_keep, "int"), c_array("bpnn_y_values", values)]
        for s, step in enumerate(y_steps):
            parts += [c_array(f"bpnn_y{s}_center", step.center), c_array(f"bpnn_y{s}_gain", step.gain)]
            if step.kind == "mapminmax":  # standardisation has no offset
                parts.append(c_array(f"bpnn_y{s}_offset", step.offset))
    parts.append(forward_function(predictor, keep, steps))
    parts.append(RUNTIME.strip())
    return "\n\n".join(parts) + "\n"


def forward_function(predictor: Predictor, keep: np.ndarray, steps: list) -> str:
    """``bpnn_run`` (the whole predictor) and the public functions around it."""
    layers = predictor.layers
    n_encoded = predictor.n_encoded
    widest = max([keep.size, *(layer.W.shape[1] for layer in layers)])
    body = [
        "/* The predictor: inputs -> outputs; *label (if not NULL) gets the class index from the output logits. */",
        "static void bpnn_run(const double *inputs, double *outputs, int *label) {",
        f"    double encoded[{n_encoded}], a[{widest}], next[{widest}];",
        "    int k = 0;",
        "    for (int j = 0; j < BPNN_N_FEATURES; j++) {",
        "        double v = inputs[j];",
        "        if (isnan(v) && bpnn_has_fill[j]) v = bpnn_fill[j];",
        "        if (bpnn_n_categories[j] == 0) { encoded[k++] = v; continue; }",
        "        for (int c = 0; c < bpnn_n_categories[j]; c++) encoded[k++] = v == (double)c ? 1.0 : 0.0; /* one-hot */",
        "    }",
        "    (void)k;",
        f"    for (int i = 0; i < {keep.size}; i++) a[i] = encoded[bpnn_keep[i]];",
    ]
    for s, step in enumerate(steps):
        formula = (f"bpnn_x{s}_gain[i] * (a[i] - bpnn_x{s}_center[i]) + bpnn_x{s}_offset[i]" if step.kind == "mapminmax"
                   else f"(a[i] - bpnn_x{s}_center[i]) / bpnn_x{s}_gain[i]")
        body.append(f"    for (int i = 0; i < {keep.size}; i++) a[i] = {formula};")
    n_in = keep.size
    for number, layer in enumerate(layers, 1):
        n_out = layer.W.shape[1]
        body += [f"    /* layer {number}: {layer.activation} */",
                 f"    for (int j = 0; j < {n_out}; j++) {{",
                 "        double s = 0.0;",
                 f"        for (int i = 0; i < {n_in}; i++) s += a[i] * bpnn_W{number}[i * {n_out} + j];",
                 f"        next[j] = s + bpnn_b{number}[j];",
                 "    }"]
        last = number == len(layers)
        if last and predictor.classes is not None:
            body += classification_tail(layer.activation, n_out)
        elif layer.activation == "softmax":
            raise ValueError("softmax is an output activation; this network has it inside")
        else:
            body += [f"    for (int j = 0; j < {n_out}; j++) {{ double z = next[j]; a[j] = {ACTIVATIONS[layer.activation]}; }}"]
        n_in = n_out
    if predictor.classes is None:
        y_keep, values, y_steps = predictor.output_scaling()
        for s in reversed(range(len(y_steps))):
            formula = (f"(a[j] - bpnn_y{s}_offset[j]) / bpnn_y{s}_gain[j] + bpnn_y{s}_center[j]"
                       if y_steps[s].kind == "mapminmax" else f"a[j] * bpnn_y{s}_gain[j] + bpnn_y{s}_center[j]")
            body.append(f"    for (int j = 0; j < {y_keep.size}; j++) a[j] = {formula};")
        body += [f"    for (int t = 0; t < {values.size}; t++) outputs[t] = bpnn_y_values[t];",
                 f"    for (int j = 0; j < {y_keep.size}; j++) outputs[bpnn_y_keep[j]] = a[j];",
                 "    if (label) *label = -1;"]
    body.append("}")
    body += ["", "void bpnn_predict(const double *inputs, double *outputs) { bpnn_run(inputs, outputs, NULL); }"]
    if predictor.classes is not None:
        body += ["", "int bpnn_predict_class(const double *inputs, double *probabilities) {",
                 "    int label;", "    bpnn_run(inputs, probabilities, &label);", "    return label;", "}"]
    return "\n".join(body)


def classification_tail(activation: str, n_out: int) -> list[str]:
    """Probabilities and the label from the output logits ``next``."""
    if activation == "sigmoid":  # one unit, two classes: [σ(-z), σ(z)] and z > 0
        return ["    outputs[0] = 1.0 / (1.0 + exp(next[0]));",
                "    outputs[1] = 1.0 / (1.0 + exp(-next[0]));",
                "    if (label) *label = next[0] > 0.0 ? 1 : 0;"]
    return ["    int best = 0;",
            f"    for (int j = 1; j < {n_out}; j++) if (next[j] > next[best]) best = j;",
            "    double total = 0.0;",
            f"    for (int j = 0; j < {n_out}; j++) {{ outputs[j] = exp(next[j] - next[best]); total += outputs[j]; }}",
            f"    for (int j = 0; j < {n_out}; j++) outputs[j] /= total;",
            "    if (label) *label = best;"]


def export_c(predictor: Predictor, path: str | Path) -> Path:
    """Write the C file of ``predictor`` to ``path`` (atomically)."""
    return atomic_write(Path(path), c_source(predictor).encode("utf-8"))
