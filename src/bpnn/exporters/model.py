"""What every exporter needs of a fitted model, as plain values: the one place that unpacks a model for them.

A :class:`Predictor` holds the whole predictor of a model from ``bpnn train`` (or an estimator, or a core
Network) in plain NumPy arrays and strings, so that an exporter only writes them out in its language:

1. the table's feature columns in training order (:class:`Column`: name, categories of a text column, the value a
   missing cell is filled with), then one-hot encoding of each text column in the order of its categories;
2. the input scaling (``x_steps``: :mod:`bpnn.preprocessing` ``to_dict()`` records), which
   :meth:`Predictor.input_scaling` turns into ``keep`` (the encoded columns the network sees) and elementwise
   :class:`Affine` steps;
3. the network's layers (:class:`Layer`: ``W`` of shape (n_in, n_out), ``b``, the activation's name):
   Z[l] = A[l-1] W[l] + b[l], A[l] = g_l(Z[l]);
4. for regression, the inverse target scaling (:meth:`Predictor.output_scaling`); for classification, the class
   labels: a softmax output's argmax, or one sigmoid unit's z > 0 for two classes.

:func:`read_predictor` builds one from a model file without importing an estimator class: it reads the file's
JSON state (layer sizes, activations, scaling, classes) and its parameter vector. :meth:`Predictor.header` is the
text every export carries: bpnn's version, the features, the targets and the model file's SHA-256.

The steps are the ones :mod:`bpnn.preprocessing` computes, written as the same operations in the same order
(``gain * (x - xmin) + offset``, ``(x - mean) / std`` and their inverses), so an export differs from
``bpnn predict`` only by the order of the sums in the matrix products.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bpnn._version import __version__
from bpnn.core.network import Network

Array = np.ndarray

SCALING_KINDS = ("removeconstant", "mapminmax", "standard")
EXPORTABLE = ("BPClassifier", "BPRegressor", "Network")  # model kinds whose prediction is one feed-forward pass
IMPUTE = ("mean", "median", "most_frequent")  # bpnn.tables.IMPUTE: the statistics a model keeps per column


@dataclass
class Column:
    """A feature column of the table: ``categories`` None for a number, the sorted text values (one-hot encoded in
    this order) for text; ``fill`` the value a missing cell takes (None: the model holds none)."""

    name: str
    categories: list | None = None
    fill: float | str | None = None


@dataclass
class Layer:
    W: Array  # (n_in, n_out)
    b: Array  # (n_out,)
    activation: str


@dataclass
class Affine:
    """One elementwise scaling step on every column it sees. ``mapminmax``: y = gain * (x - center) + offset, its
    inverse x = (y - offset) / gain + center; ``standard``: y = (x - center) / gain, inverse x = y * gain + center
    (gain is the standard deviation, offset 0)."""

    kind: str
    center: Array
    gain: Array
    offset: Array

    def forward(self, X: Array) -> Array:
        return self.gain * (X - self.center) + self.offset if self.kind == "mapminmax" else (X - self.center) / self.gain

    def inverse(self, Y: Array) -> Array:
        return (Y - self.offset) / self.gain + self.center if self.kind == "mapminmax" else Y * self.gain + self.center


@dataclass
class Predictor:
    network: Network
    classes: list | None = None
    x_steps: list = field(default_factory=list)
    y_steps: list = field(default_factory=list)
    features: list = field(default_factory=list)  # [(name, categories or None)], empty: a numeric matrix as it is
    source: str = ""
    targets: list = field(default_factory=list)  # target column names (empty: y1, y2, … or the class column "label")
    fill: dict = field(default_factory=dict)  # feature name -> the value a missing cell takes
    impute: str | None = None  # the statistic of ``fill`` (mean, median, most_frequent)
    sha256: str = ""  # of the model file

    @property
    def task(self) -> str:
        if self.classes is None:
            return "regression"
        multilabel = self.network.activations[-1].name == "sigmoid" and self.network.layer_sizes[-1] > 1
        return "multilabel classification" if multilabel else "classification"

    # ---- the plain values ---------------------------------------------------------------------------------------
    @property
    def columns(self) -> list[Column]:
        """The input columns in order; without a table encoding, x1 … xn, numeric."""
        if not self.features:
            return [Column(f"x{i + 1}") for i in range(self.n_encoded)]
        return [Column(name, None if categories is None else list(categories), self.fill.get(name))
                for name, categories in self.features]

    @property
    def n_encoded(self) -> int:
        """The width of the encoded input (one-hot text columns expanded), before scaling."""
        for step in self.x_steps:
            if step["kind"] == "removeconstant":
                return len(step["keep"])
            return len(step["xmin"] if step["kind"] == "mapminmax" else step["mean"])
        return self.network.layer_sizes[0]

    @property
    def target_names(self) -> list[str]:
        if self.targets:
            return list(self.targets)
        if self.classes is not None:
            return ["label"]
        return [f"y{i + 1}" for i in range(self.output_scaling()[0].size)]

    @property
    def layers(self) -> list[Layer]:
        return [Layer(np.asarray(W), np.asarray(b), g.name)
                for W, b, g in zip(self.network.weights, self.network.biases, self.network.activations)]

    @property
    def dtype(self) -> np.dtype:
        return self.network.dtype

    def input_scaling(self) -> tuple[Array, list[Affine]]:
        """(keep, steps): the network's input is ``steps`` applied in order to the encoded columns ``keep``."""
        return scaling(self.x_steps, self.n_encoded)

    def output_scaling(self) -> tuple[Array, Array, list[Affine]]:
        """(keep, values, steps) of a regressor: the network's outputs go through ``inverse`` of ``steps`` in reverse
        order and become the targets ``keep``; the other targets are the constants ``values``."""
        n_out = self.network.layer_sizes[-1]
        width = n_out
        for step in self.y_steps:
            if step["kind"] == "removeconstant":
                width = len(step["keep"])
        keep, steps = scaling(self.y_steps, width)
        values = np.zeros(width)
        for step in self.y_steps:
            if step["kind"] == "removeconstant":
                values = np.where(np.asarray(step["keep"], dtype=bool), 0.0, np.asarray(step["values"], dtype=float))
        if keep.size != n_out:
            raise ValueError(f"the target scaling keeps {keep.size} columns but the network has {n_out} outputs")
        return keep, values, steps

    def check(self) -> None:
        """The pieces fit together; ValueError saying what an exporter cannot write."""
        if self.task == "multilabel classification":
            raise ValueError("exports cover regression and single-target classification; this model is multilabel")
        keep, _ = self.input_scaling()
        if keep.size != self.network.layer_sizes[0]:
            raise ValueError(f"the input scaling keeps {keep.size} columns but the network takes {self.network.layer_sizes[0]}")
        width = sum(1 if c.categories is None else len(c.categories) for c in self.columns)
        if width != self.n_encoded:
            raise ValueError(f"the features encode to {width} columns but the scaling takes {self.n_encoded}")
        if self.classes is None:
            self.output_scaling()
        elif len(self.classes) != max(2, self.network.layer_sizes[-1]) or \
                (len(self.classes) == 2) != (self.network.activations[-1].name == "sigmoid"):
            raise ValueError(f"the network's outputs do not match the classes {self.classes}")

    def header(self, width: int = 100, first_index: int = 0) -> list[str]:
        """The lines every export carries (without comment marks): version, source, checksum, task, features, targets;
        a text feature's categories numbered from ``first_index``."""
        network = self.network
        lines = [f"Generated by bpnn {__version__} (bpnn export){f' from {shown(self.source)}' if self.source else ''}.",
                 f"Model SHA-256: {self.sha256 or 'unknown (not exported from a model file)'}",
                 f"Task: {self.task}; network {' -> '.join(map(str, network.layer_sizes))} "
                 f"({', '.join(g.name for g in network.activations)}), computed in {network.dtype.name}.",
                 "Features, in this order:"]
        for i, column in enumerate(self.columns):
            missing = "" if column.fill is None else f"; missing -> {column.fill!r}"
            kind = "number" if column.categories is None else \
                "text, categories " + ", ".join(f"{j}={c!r}" for j, c in enumerate(column.categories, first_index))
            lines.append(f"  {i + 1}. {shown(column.name)} ({kind}{missing})")
        if self.impute and any(c.fill is not None for c in self.columns):
            lines.append(f"Missing values are filled with the training data's {self.impute.replace('_', ' ')} "
                         f"(text: its most frequent category).")
        if self.classes is None:
            lines.append(f"Targets (original units): {', '.join(map(shown, self.target_names))}")
        else:
            lines.append(f"Target: {shown(self.target_names[0])}; classes, in this order: {', '.join(map(shown, self.classes))}")
        return [piece for line in lines for piece in wrap(line, width)]


def shown(text: object) -> str:
    """``text`` for a header line: as it is when printable, else its repr (a line break in a column name must not end
    a comment in the generated code)."""
    text = str(text)
    return text if text.isprintable() else repr(text)


def wrap(line: str, width: int) -> list[str]:
    """``line`` cut at spaces into pieces of at most ``width`` characters (continuations indented)."""
    pieces = []
    while len(line) > width and " " in line[:width].strip():
        cut = line.rindex(" ", 0, width)
        pieces.append(line[:cut])
        line = "    " + line[cut + 1:].lstrip()
    return [*pieces, line]


def steps_of(scaler_dict: dict | None) -> list:
    """The flat list of scaling steps of a :mod:`bpnn.preprocessing` ``to_dict()`` (a Chain is unrolled)."""
    if not scaler_dict:
        return []
    if scaler_dict["kind"] == "chain":
        return [step for inner in scaler_dict["steps"] for step in steps_of(inner)]
    return [scaler_dict]


def scaling(steps: list, width: int) -> tuple[Array, list[Affine]]:
    """(keep, affine steps) of a list of ``to_dict()`` steps on ``width`` columns; removeconstant must come first."""
    keep = np.arange(width)
    affine = []
    for position, step in enumerate(steps):
        if step["kind"] not in SCALING_KINDS:
            raise ValueError(f"exports know the scaling steps {', '.join(SCALING_KINDS)}; not {step['kind']!r}")
        if step["kind"] == "removeconstant":
            if position:
                raise ValueError("exports take removeconstant as the first scaling step only")
            keep = np.flatnonzero(np.asarray(step["keep"], dtype=bool))
        elif step["kind"] == "mapminmax":
            xmin, xmax = np.asarray(step["xmin"], dtype=float), np.asarray(step["xmax"], dtype=float)
            xrange = xmax - xmin
            constant = xrange == 0  # as bpnn.preprocessing.MapMinMax: gain 1, centred
            gain = np.where(constant, 1.0, (step["ymax"] - step["ymin"]) / np.where(constant, 1.0, xrange))
            offset = np.where(constant, (step["ymin"] + step["ymax"]) / 2, step["ymin"]).astype(float)
            affine.append(Affine("mapminmax", xmin, gain, offset))
        else:
            mean = np.asarray(step["mean"], dtype=float)
            affine.append(Affine("standard", mean, np.asarray(step["std"], dtype=float), np.zeros_like(mean)))
    return keep, affine


def check_record(features: list, fill: dict, classes: list | None, targets: list) -> None:
    """The table record of a model file holds what an export writes: names as text, categories as lists of text,
    a number (or a known category) to fill each column, labels as text or numbers; ValueError otherwise."""
    for name, categories in features:
        if not isinstance(name, str) or not (categories is None or isinstance(categories, list) and categories
                                             and all(isinstance(c, str) for c in categories)):
            raise ValueError(f"feature {name!r} with categories {categories!r} is no feature encoding")
        value = fill.get(name)
        number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if value is not None and not (number if categories is None else value in categories):
            raise ValueError(f"the fill value {value!r} does not fit column {name!r}")
    if not (isinstance(targets, list) and all(isinstance(t, str) for t in targets)):
        raise ValueError(f"the targets {targets!r} are not a list of names")
    if classes is not None and not (isinstance(classes, list) and all(
            isinstance(c, (str, int, float)) for c in classes)):
        raise ValueError(f"the classes {classes!r} are not a list of labels")


def predictor_of(model: object, features: list | None = None, source: str = "", classes: list | None = None) -> Predictor:
    """The :class:`Predictor` of a fitted BPClassifier or BPRegressor (its network, classes and scaling) or of a
    core Network (``classes`` names a Network's outputs; an estimator's own classes win)."""
    scalers = [getattr(model, name, None) for name in ("x_scaler_", "y_scaler_")]
    x_steps, y_steps = (steps_of(None if scaler is None else scaler.to_dict()) for scaler in scalers)
    classes = model.classes_.tolist() if hasattr(model, "classes_") else classes
    return Predictor(getattr(model, "network_", model), classes, x_steps, y_steps, features or [], source)


def read_predictor(path: str | Path, impute: str | None = None) -> Predictor:
    """The :class:`Predictor` of the model file at ``path``, from its JSON state and parameters (no estimator class
    is imported). ``impute`` picks the statistic that fills missing values (default: the training's ``--impute``
    where the file records it, else the mean); raises :class:`~bpnn.files.modelfile.ModelFileError` for a file
    that is no model and ValueError for one an export cannot write."""
    from bpnn.files.modelfile import ModelFileError, check_network, network_from_state, read

    path = Path(path)
    contents = read(path)
    info, meta = contents.info, contents.meta
    if "x_scaling" in info:
        raise ModelFileError(f"{path} was saved by an earlier bpnn that kept the scaling outside the model; "
                             f"train it again with this bpnn")
    settings = info.get("settings", {}) if isinstance(info.get("settings"), dict) else {}
    impute = impute or settings.get("impute") or "mean"
    if impute not in IMPUTE:
        raise ValueError(f"unknown imputation {impute!r}; choose one of {', '.join(IMPUTE)}")
    if contents.kind not in EXPORTABLE:
        raise ValueError(f"{path} holds a {contents.kind}; exports write {', '.join(EXPORTABLE)} models")
    members = meta.get("members")
    if isinstance(members, list) and members:  # ensemble=True: predictions average the members' networks
        raise ValueError(f"{path} holds an ensemble of {len(members)} networks, whose predictions are their mean; "
                         f"exports write one network: train the model without an ensemble to export it")
    with contents.checked():
        check_network(meta, contents.arrays, str(path))
        network = network_from_state(meta, contents.arrays)
        classes = None
        if contents.kind == "BPClassifier":
            classes = meta["classes"] if "classes" in meta else contents.arrays["classes"].tolist()
        elif contents.kind == "Network":
            classes = info.get("classes")
        features, fill = [], {}
        if "features" in info:
            features = [(column["name"], column["categories"]) for column in info["features"]["columns"]]
            fill = {name: values[impute] for name, values in info["features"].get("fill", {}).items() if values}
        check_record(features, fill, classes, info.get("targets", []))
        predictor = Predictor(network, classes, steps_of(meta.get("x_scaling")), steps_of(meta.get("y_scaling")),
                              features, path.name, list(info.get("targets", [])), fill, impute,
                              hashlib.sha256(path.read_bytes()).hexdigest())
        predictor.check()
    return predictor


def number_literal(value: float) -> str:
    """A float as a literal that C, MATLAB/Octave and Excel read back to the same double (repr round-trips)."""
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"cannot export the non-finite value {value}")
    text = repr(value)
    return text if ("e" in text or "." in text) else text + ".0"
