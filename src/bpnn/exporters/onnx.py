"""``bpnn export MODEL --to onnx FILE.onnx``: the whole predictor as one ONNX graph (opset ``OPSET``).

Inputs: one per feature column, named as the column, shape [N, 1]: float32 for a numeric column (NaN is a missing
value), string for a text column (the empty string is a missing value; a category unseen at training encodes as
all zeros, where ``bpnn predict`` refuses the row). Inside the graph, in the order of ``bpnn predict``: missing
values filled with the training statistic, text one-hot encoded (``Equal`` against the categories), the columns
concatenated, the input scaling, the network (in the model's dtype), then

- regression: ``prediction`` [N, k] float64 in the targets' original units (the inverse target scaling);
- classification: ``probabilities`` [N, C] (the model's dtype) and ``prediction`` [N, 1], the class labels
  (string, int64 or float64 like the classes), the argmax of the output logits (one sigmoid unit: z > 0).

Numbers are cast to float64 before imputation and scaling, as bpnn does; only the input's float32 rounding
separates the graph from ``bpnn predict`` on float64 data. The model's metadata (``doc_string`` and
``metadata_props``) carry bpnn's version, the features, the targets and the model file's SHA-256.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bpnn._version import __version__
from bpnn.exporters.model import Predictor
from bpnn.files.modelfile import atomic_write

OPSET = 19  # string Equal (used for the one-hot encoding) is in ai.onnx from opset 19
IR_VERSION = 9  # the IR version of opset 19
OUTPUTS = ("prediction", "probabilities")
ACTIVATIONS = {"sigmoid": ("Sigmoid", {}), "tanh": ("Tanh", {}), "relu": ("Relu", {}),
               "softmax": ("Softmax", {"axis": 1}), "identity": ("Identity", {})}  # one ONNX operator each
# leaky_relu, elu and softplus are built from elementary operators (onnxruntime has no float64 LeakyRelu, Elu or
# Softplus kernel): max(z, 0.01 z); max(z, 0) + (exp(min(z, 0)) - 1); max(z, 0) + log(1 + exp(-|z|))


class Graph:
    """Nodes and constants under construction; every intermediate name starts with ``bpnn/``."""

    def __init__(self) -> None:
        from onnx import helper, numpy_helper

        self.helper, self.numpy_helper = helper, numpy_helper
        self.nodes: list = []
        self.initializers: list = []
        self.count = 0

    def name(self, hint: str) -> str:
        self.count += 1
        return f"bpnn/{self.count}_{hint}"

    def constant(self, value: object, hint: str, dtype: object = None) -> str:
        name = self.name(hint)
        array = np.asarray(value, dtype=dtype)
        if array.dtype.kind in "US":
            array = array.astype(object)
        self.initializers.append(self.numpy_helper.from_array(array, name))
        return name

    def node(self, op: str, inputs: list[str], hint: str, output: str | None = None, **attributes: object) -> str:
        output = output or self.name(hint)
        self.nodes.append(self.helper.make_node(op, inputs, [output], name=self.name(op), **attributes))
        return output


def onnx_model(predictor: Predictor) -> object:
    """The ``onnx.ModelProto`` of ``predictor`` (see the module docstring)."""
    from onnx import TensorProto, checker, helper

    predictor.check()
    columns = predictor.columns
    clash = [c.name for c in columns if c.name in OUTPUTS]
    if clash:
        raise ValueError(f"a feature column is named {clash[0]!r}, which is an output of the ONNX graph; rename it")
    graph = Graph()
    dtype = predictor.dtype
    onnx_dtype = TensorProto.FLOAT if dtype == np.float32 else TensorProto.DOUBLE
    inputs, blocks = [], []
    for column in columns:
        if column.categories is None:
            inputs.append(helper.make_tensor_value_info(column.name, TensorProto.FLOAT, ["N", 1]))
            x = graph.node("Cast", [column.name], "x", to=TensorProto.DOUBLE)
            if column.fill is not None:
                missing = graph.node("IsNaN", [x], "missing")
                x = graph.node("Where", [missing, graph.constant(float(column.fill), "fill", np.float64), x], "filled")
            blocks.append(x)
            continue
        inputs.append(helper.make_tensor_value_info(column.name, TensorProto.STRING, ["N", 1]))
        x = column.name
        if column.fill is not None:
            missing = graph.node("Equal", [x, graph.constant("", "empty")], "missing")
            x = graph.node("Where", [missing, graph.constant(str(column.fill), "fill"), x], "filled")
        hot = graph.node("Equal", [x, graph.constant([column.categories], "categories")], "onehot")
        blocks.append(graph.node("Cast", [hot], "onehot", to=TensorProto.DOUBLE))
    x = blocks[0] if len(blocks) == 1 else graph.node("Concat", blocks, "encoded", axis=1)
    keep, steps = predictor.input_scaling()
    if keep.size != predictor.n_encoded:
        x = graph.node("Gather", [x, graph.constant(keep, "keep", np.int64)], "kept", axis=1)
    for step in steps:
        x = affine(graph, x, step, inverse=False)
    if dtype == np.float32:
        x = graph.node("Cast", [x], "x32", to=TensorProto.FLOAT)
    z = x
    for layer in predictor.layers:
        z = graph.node("MatMul", [x, graph.constant(layer.W, "W", dtype)], "xW")
        z = graph.node("Add", [z, graph.constant(layer.b, "b", dtype)], "z")
        x = activation(graph, z, layer.activation, dtype)
    outputs = []
    if predictor.classes is None:
        keep, values, steps = predictor.output_scaling()
        y = x if dtype == np.float64 else graph.node("Cast", [x], "y64", to=TensorProto.DOUBLE)
        for step in reversed(steps):
            y = affine(graph, y, step, inverse=True)
        if keep.size != values.size:  # constant targets: place the network's outputs (×1 and + 0 are exact)
            placement = np.zeros((keep.size, values.size))
            placement[np.arange(keep.size), keep] = 1
            y = graph.node("MatMul", [y, graph.constant(placement, "placement", np.float64)], "placed")
            y = graph.node("Add", [y, graph.constant(values, "constants", np.float64)], "full")
        graph.node("Identity", [y], "prediction", output="prediction")
        outputs.append(helper.make_tensor_value_info("prediction", TensorProto.DOUBLE, ["N", values.size]))
    else:
        classes = np.asarray(predictor.classes)
        label_type = {"U": TensorProto.STRING, "i": TensorProto.INT64, "u": TensorProto.INT64, "b": TensorProto.INT64,
                      "f": TensorProto.DOUBLE}[classes.dtype.kind]
        classes = classes.astype({TensorProto.STRING: object, TensorProto.INT64: np.int64,
                                  TensorProto.DOUBLE: np.float64}[label_type])
        if len(predictor.classes) == 2:  # one sigmoid unit: [1 - p, p], label by z > 0
            one_minus = graph.node("Sub", [graph.constant(1.0, "one", dtype), x], "one_minus_p")
            graph.node("Concat", [one_minus, x], "probabilities", output="probabilities", axis=1)
            index = graph.node("Cast", [graph.node("Greater", [z, graph.constant(0.0, "zero", dtype)], "positive")], "index",
                               to=TensorProto.INT64)
        else:
            graph.node("Identity", [x], "probabilities", output="probabilities")
            index = graph.node("ArgMax", [z], "index", axis=1, keepdims=1)
        graph.node("Gather", [graph.constant(classes, "classes"), index], "prediction", output="prediction", axis=0)
        outputs += [helper.make_tensor_value_info("prediction", label_type, ["N", 1]),
                    helper.make_tensor_value_info("probabilities", onnx_dtype, ["N", len(predictor.classes)])]
    header = "\n".join(predictor.header())
    model = helper.make_model(
        helper.make_graph(graph.nodes, "bpnn_predictor", inputs, outputs, graph.initializers, doc_string=header),
        opset_imports=[helper.make_opsetid("", OPSET)], ir_version=IR_VERSION, producer_name="bpnn",
        producer_version=__version__, doc_string=header)
    helper.set_model_props(model, {"bpnn_version": __version__, "model_sha256": predictor.sha256,
                                   "features": ", ".join(c.name for c in columns),
                                   "targets": ", ".join(predictor.target_names),
                                   **({"classes": ", ".join(map(str, predictor.classes))} if predictor.classes else {})})
    checker.check_model(model, full_check=True)
    return model


def activation(graph: Graph, z: str, name: str, dtype: np.dtype) -> str:
    """The nodes of the activation ``name`` on ``z`` (the formulas of :mod:`bpnn.core.activations`)."""
    if name in ACTIVATIONS:
        op, attributes = ACTIVATIONS[name]
        return graph.node(op, [z], name, **attributes)
    zero = graph.constant(0.0, "zero", dtype)
    if name == "leaky_relu":
        return graph.node("Max", [z, graph.node("Mul", [z, graph.constant(0.01, "slope", dtype)], "slope_z")], name)
    positive = graph.node("Max", [z, zero], "positive")
    one = graph.constant(1.0, "one", dtype)
    if name == "elu":
        negative = graph.node("Sub", [graph.node("Exp", [graph.node("Min", [z, zero], "negative")], "exp"), one], "expm1")
        return graph.node("Add", [positive, negative], name)
    if name == "softplus":
        e = graph.node("Exp", [graph.node("Neg", [graph.node("Abs", [z], "abs")], "neg")], "exp")
        return graph.node("Add", [positive, graph.node("Log", [graph.node("Add", [one, e], "one_plus")], "log1p")], name)
    raise ValueError(f"the ONNX export knows no activation {name!r}")


def affine(graph: Graph, x: str, step: object, inverse: bool) -> str:
    """The nodes of one scaling step (the operations and order of :class:`bpnn.exporters.model.Affine`)."""
    center, gain = (graph.constant(v[None, :], hint, np.float64) for v, hint in ((step.center, "center"), (step.gain, "gain")))
    if step.kind == "mapminmax":
        offset = graph.constant(step.offset[None, :], "offset", np.float64)
        if inverse:  # (y - offset) / gain + center
            return graph.node("Add", [graph.node("Div", [graph.node("Sub", [x, offset], "d"), gain], "q"), center], "x")
        return graph.node("Add", [graph.node("Mul", [gain, graph.node("Sub", [x, center], "d")], "p"), offset], "y")
    if inverse:  # y * std + mean
        return graph.node("Add", [graph.node("Mul", [x, gain], "p"), center], "x")
    return graph.node("Div", [graph.node("Sub", [x, center], "d"), gain], "y")  # (x - mean) / std


def export_onnx(predictor: Predictor, path: str | Path) -> Path:
    """Write the ONNX model of ``predictor`` to ``path`` (atomically)."""
    return atomic_write(Path(path), onnx_model(predictor).SerializeToString())
