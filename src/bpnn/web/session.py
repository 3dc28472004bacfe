"""One playground session: the data, bpnn's core network and optimizer, and the worker thread that trains it.

The page changes settings, starts (Train), stops (Pause), takes one epoch (Step) or starts over (Reset); the
server streams :meth:`Session.frame` while the worker trains. Inputs are standardised with the training
points' mean and deviation; the network is ``bpnn.core.Network([2, *hidden, 1], activation, "sigmoid")``
trained on binary cross-entropy (the seed's 8-11), its start weights drawn with the seed, so Reset gives the
same start weights again. The Step view is :func:`bpnn.derivation.explain` at the current weights.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, replace

import numpy as np

from bpnn.core import Network, make_optimizer
from bpnn.core.activations import HIDDEN_ACTIVATIONS
from bpnn.web.data import BUILT_IN, Data, built_in

Array = np.ndarray

LOSS = "binary_cross_entropy"
SOLVERS = ("gd", "momentum", "nesterov", "adam", "rmsprop")
GRID = 48  # the decision boundary's cells per side
HISTORY = 400  # loss-curve points sent to the page (the record is thinned to this many)
RECORD = 20_000  # epochs kept in the record; past that every other old one is dropped (hours of training fit)
EPOCH_PAUSE = 0.002  # seconds between epochs: curves a person can follow, and the server stays responsive
TRACE_SAMPLES = 8  # the Step view's batch: the first training points, at most this many


@dataclass
class Settings:
    data: str = "flower"
    hidden: tuple[int, ...] = (4,)
    activation: str = "sigmoid"  # with one hidden layer: the Step view in the seed's names (x, z1, a1 …)
    learning_rate: float = 0.1
    solver: str = "adam"
    batch_size: int = 0  # 0: the whole training set
    l2: float = 0.0
    noise: float = 0.2
    test_fraction: float = 0.3
    seed: int = 0

    @classmethod
    def parse(cls, given: dict, old: Settings) -> Settings:
        """Settings from the page's JSON, each value checked; ValueError names the one that is wrong."""
        values = asdict(old)
        for key, value in given.items():
            if key not in values:
                raise ValueError(f"unknown setting {key!r}")
            values[key] = value
        hidden = values["hidden"]
        if isinstance(hidden, str):
            hidden = [part for part in hidden.replace(" ", "").split(",") if part]
        try:
            hidden = tuple(int(n) for n in hidden)
        except (TypeError, ValueError):
            raise ValueError(f"hidden layers: give sizes such as 4 or 8,4; got {values['hidden']!r}") from None
        if not 1 <= len(hidden) <= 4 or not all(1 <= n <= 16 for n in hidden):
            raise ValueError(f"hidden layers: 1 to 4 layers of 1 to 16 units; got {values['hidden']!r}")
        settings = cls(str(values["data"]), hidden, str(values["activation"]), float(values["learning_rate"]),
                       str(values["solver"]), int(values["batch_size"]), float(values["l2"]), float(values["noise"]),
                       float(values["test_fraction"]), int(values["seed"]))
        if settings.activation not in HIDDEN_ACTIVATIONS:
            raise ValueError(f"activation: choose one of {', '.join(HIDDEN_ACTIVATIONS)}")
        if settings.solver not in SOLVERS:
            raise ValueError(f"solver: choose one of {', '.join(SOLVERS)}")
        if not (0 < settings.learning_rate <= 100):
            raise ValueError("learning rate: a number above 0 and at most 100")
        if settings.batch_size < 0 or not 0 <= settings.l2 <= 100 or not 0 <= settings.noise <= 2:
            raise ValueError("batch size ≥ 0 (0: all points), 0 ≤ L2 ≤ 100, 0 ≤ noise ≤ 2")
        if not 0 <= settings.test_fraction <= 0.9:
            raise ValueError("test share: between 0 and 0.9")
        return settings


class Session:
    """The state one page works on; every method may be called from the server while the worker trains."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.settings = Settings()
        self.own: Data | None = None  # the uploaded table, once there is one
        self.version = 0  # grows whenever the points change; the page fetches them again
        self.worker: threading.Thread | None = None
        self.running = threading.Event()
        self.closed = False
        self.rebuild()

    # ---- setting up ------------------------------------------------------------------------------------
    def configure(self, given: dict) -> None:
        settings = Settings.parse(given, self.settings)
        if settings.data == "own" and self.own is None:
            raise ValueError("choose a data file first")
        if settings.data != "own" and settings.data not in BUILT_IN:
            raise ValueError(f"data: choose one of {', '.join(BUILT_IN)} or own")
        self.pause()  # never while holding the lock: the worker takes it for every epoch
        with self.lock:
            self.settings = settings
            self.rebuild()

    def use_own(self, data: Data) -> None:
        self.pause()
        with self.lock:
            self.own = data
            self.settings = replace(self.settings, data="own")
            self.rebuild()

    def rebuild(self) -> None:
        """Data, division, scaling, network and optimizer from the settings; epoch 0 (the worker paused)."""
        with self.lock:
            s = self.settings
            self.data = self.own if s.data == "own" else built_in(s.data, s.noise, s.seed)
            n = len(self.data.y)
            order = np.random.default_rng(s.seed).permutation(n)
            n_test = int(round(s.test_fraction * n)) if n >= 4 else 0
            self.test_rows, self.train_rows = np.sort(order[:n_test]), np.sort(order[n_test:])
            train = self.data.X[self.train_rows]
            self.mean, self.scale = train.mean(axis=0), train.std(axis=0)
            self.scale[self.scale == 0] = 1.0
            self.version += 1
            self._start()

    def reset(self) -> None:
        """The start weights for the seed again, a fresh optimizer, epoch 0, no record."""
        self.pause()
        with self.lock:
            self._start()

    def _start(self) -> None:
        with self.lock:
            s = self.settings
            self.network = Network([2, *s.hidden, 1], s.activation, "sigmoid", random_state=s.seed)
            self.optimizer = make_optimizer(s.solver, learning_rate=s.learning_rate)
            self.rng = np.random.default_rng(s.seed)
            self.epoch = 0
            self.record: dict[str, list[float]] = {"epoch": [], "train": [], "test": []}
            self.error = ""
            self._remember()

    def inputs(self, rows: Array) -> tuple[Array, Array]:
        """The standardised inputs and the 0/1 column of targets of these rows."""
        return (self.data.X[rows] - self.mean) / self.scale, self.data.y[rows].reshape(-1, 1).astype(np.float64)

    # ---- training --------------------------------------------------------------------------------------
    def train(self) -> None:
        """Start the worker (if it is not running)."""
        with self.lock:
            if self.closed or self.running.is_set():
                return
            self.running.set()
            self.worker = threading.Thread(target=self._work, name="bpnn-playground-training", daemon=True)
            self.worker.start()

    def pause(self) -> None:
        """Stop the worker after its current epoch and wait for it."""
        self.running.clear()
        worker = self.worker
        if worker is not None and worker is not threading.current_thread():
            worker.join()
        self.worker = None

    def step(self, sample: int | None = None) -> dict:
        """Pause, then one epoch; returns the Step view (:meth:`trace`) of the weights the epoch started from."""
        self.pause()
        with self.lock:
            view = self.trace(sample)
            self._epoch()
            return view

    def close(self) -> None:
        self.closed = True
        self.pause()

    def _work(self) -> None:
        while self.running.is_set():
            with self.lock:
                if not self._epoch():
                    self.running.clear()
            time.sleep(EPOCH_PAUSE)

    def _epoch(self) -> bool:
        """One pass over the training points in mini-batches (whole batch when batch_size is 0); False when the
        loss is no longer finite (the page says so)."""
        X, Y = self.inputs(self.train_rows)
        n, size = len(Y), self.settings.batch_size
        if size <= 0 or size >= n:
            batches = [slice(None)]
        else:
            order = self.rng.permutation(n)
            batches = [order[i:i + size] for i in range(0, n, size)]
        with np.errstate(all="ignore"):
            for rows in batches:
                _, grad = self.network.loss_and_grad(X[rows], Y[rows], LOSS, alpha=self.settings.l2)
                self.optimizer.update(self.network.params, grad, overwrite_grad=True)
        self.epoch += 1
        return self._remember()

    def _remember(self) -> bool:
        train, test = self.losses()
        self.record["epoch"].append(self.epoch)
        self.record["train"].append(train)
        self.record["test"].append(test)
        if len(self.record["epoch"]) > RECORD:  # thin the past, keep the newest epoch
            for values in self.record.values():
                values[:-1] = values[:-1:2]
        if not np.isfinite(train):
            self.error = "the loss is no longer a finite number: lower the learning rate and press Reset"
            return False
        return True

    def losses(self) -> tuple[float, float | None]:
        """The training and test cost J (binary cross-entropy, without the L2 term)."""
        result = []
        for rows in (self.train_rows, self.test_rows):
            if len(rows) == 0:
                result.append(None)
                continue
            X, Y = self.inputs(rows)
            with np.errstate(all="ignore"):
                result.append(self.network.cost(self.network.forward(X), Y, LOSS))
        return result[0], result[1]

    # ---- what the page shows ---------------------------------------------------------------------------
    def frame(self) -> dict:
        """The streamed state: epoch, losses, the thinned loss curves, the boundary's grid, the weights."""
        with self.lock:
            X = self.data.X
            low, high = X.min(axis=0), X.max(axis=0)
            pad = np.where(high > low, 0.08 * (high - low), 1.0)
            low, high = low - pad, high + pad
            g1, g2 = np.linspace(low[0], high[0], GRID), np.linspace(low[1], high[1], GRID)
            cells = np.column_stack([np.tile(g1, GRID), np.repeat(g2[::-1], GRID)])  # rows from the top
            with np.errstate(all="ignore"):
                p = self.network.predict((cells - self.mean) / self.scale).reshape(GRID, GRID)
            pick = np.unique(np.linspace(0, len(self.record["epoch"]) - 1, HISTORY).astype(int))
            train, test = self.record["train"][-1], self.record["test"][-1]
            return {
                "type": "frame", "epoch": self.epoch, "running": self.running.is_set(), "version": self.version,
                "loss": _number(train), "test_loss": _number(test), "error": self.error,
                "curves": {key: [_number(values[i]) for i in pick] for key, values in self.record.items()},
                "grid": {"low": low.tolist(), "high": high.tolist(), "size": GRID,
                         "p": np.round(np.nan_to_num(p, nan=0.5), 3).ravel().tolist()},
                "layers": self.network.layer_sizes,
                "weights": [W.tolist() for W in self.network.weights],
                "biases": [b.tolist() for b in self.network.biases],
            }

    def points(self) -> dict:
        with self.lock:
            d = self.data
            split = np.zeros(len(d.y), dtype=int)
            split[self.test_rows] = 1
            return {"version": self.version, "name": d.name, "X": d.X.tolist(), "y": d.y.tolist(),
                    "test": split.tolist(), "features": list(d.features), "label": d.label, "classes": list(d.classes),
                    "columns": d.columns, "numeric": d.numeric, "notes": d.notes,
                    "settings": {**asdict(self.settings), "hidden": ",".join(map(str, self.settings.hidden))}}

    def trace(self, sample: int | None = None) -> dict:
        """The Step view: :func:`bpnn.derivation.explain` at the current weights, on one training point
        (``sample``, an index into the training points) or on the first ``TRACE_SAMPLES`` of them."""
        from bpnn.derivation import explain

        with self.lock:
            rows = self.train_rows[[sample]] if sample is not None else self.train_rows[:TRACE_SAMPLES]
            X, Y = self.inputs(rows)
            s = self.settings
            weights = [(W.copy(), b.copy()) for W, b in zip(self.network.weights, self.network.biases)]
            general = not (len(s.hidden) == 1 and s.activation == "sigmoid")
            with np.errstate(all="ignore"):
                trace = explain(X=X, y=Y.ravel(), hidden=s.hidden, activation=s.activation, weights=weights,
                                general=general, steps=0, data=self.data.name)
        quantities = []
        for q in trace.forward + trace.loss + trace.backward:
            formula = q.formula
            quantities.append({"name": q.name, "number": formula.number if formula else None,
                               "formula": formula.text if formula else "", "shape": list(q.value.shape),
                               "value": np.nan_to_num(q.value, nan=0.0, posinf=1e308, neginf=-1e308).tolist()})
        return {"form": trace.form, "epoch": self.epoch, "samples": len(rows), "rows": rows.tolist(),
                "weights": [[W.tolist(), b.tolist()] for W, b in weights], "X": X.tolist(), "y": Y.ravel().tolist(),
                "quantities": quantities}


def _number(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)
