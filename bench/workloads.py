"""The benchmark's workloads and one runner per framework, set up identically.

Every runner trains the same architecture from the same initial weights (scikit-learn's Glorot-uniform
scheme: U(±√(f/(n_in+n_out))) for weights and biases, f = 2 for logistic units and 6 otherwise, drawn
from ``RandomState(seed)`` exactly as scikit-learn draws them), for the same epochs, batch size,
learning rate, L2 penalty (α = 1e-4, scikit-learn's default, on the weights only) and optimizer
(plain SGD without momentum, or Adam with β = (0.9, 0.999), ε = 1e-8), shuffling every epoch.

A runner takes the workload, the data ``(X, y)`` (``y`` integer labels) and the optimizer name and returns
``(seconds, final_loss)``: the wall time of the whole fit, including building the one-hot targets and the
model, and the training loss of the last epoch (mean data loss; each framework adds its own L2 term,
which at α = 1e-4 is small).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np

ALPHA = 1e-4
SEED = 0


@dataclass(frozen=True)
class Workload:
    name: str
    title: str
    n_features: int
    hidden: tuple  # hidden layer sizes
    activation: str  # hidden activation (scikit-learn's name)
    batch_size: int | None  # None: the whole training set (full-batch gradient descent)
    epochs: int
    n_classes: int
    learning_rate: dict = field(default_factory=dict)  # optimizer name -> learning rate

    @property
    def layer_sizes(self) -> list:
        return [self.n_features, *self.hidden, 1 if self.n_classes == 2 else self.n_classes]

    @property
    def n_params(self) -> int:
        sizes = self.layer_sizes
        return sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))


WORKLOADS = {
    "W1": Workload("W1", "seed: flower 2-D, 400 samples, 2-4-1 sigmoid, full batch", 2, (4,), "logistic", None, 1000, 2,
                   {"sgd": 0.5, "adam": 0.01}),
    "W2": Workload("W2", "tabular: breast cancer standardised, 30-64-1 relu, batch 32", 30, (64,), "relu", 32, 100, 2,
                   {"sgd": 0.01, "adam": 0.001}),
    "W3": Workload("W3", "digits: 64-128-10 relu, batch 64", 64, (128,), "relu", 64, 100, 10, {"sgd": 0.05, "adam": 0.001}),
    "W4": Workload("W4", "MNIST-shaped: synthetic 60000x784, 784-256-10 relu, batch 128", 784, (256,), "relu", 128, 3, 10,
                   {"sgd": 0.01, "adam": 0.001}),
    "W5": Workload("W5", "wide: synthetic 200000x100, 100-512-512-1 relu, batch 1024", 100, (512, 512), "relu", 1024, 2, 2,
                   {"sgd": 0.01, "adam": 0.001}),
}
QUICK = {"W1": {"epochs": 100}, "W2": {"epochs": 10}, "W3": {"epochs": 10}, "W4": {"epochs": 1, "rows": 6000},
         "W5": {"epochs": 1, "rows": 10240}}  # --quick: fewer epochs and rows, for smoke runs


def load(name: str, dtype: np.dtype, rows: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The workload's training data ``(X, y)``: ``X`` C-contiguous in ``dtype``, ``y`` integer labels."""
    if name == "W1":
        from bpnn.datasets import flower
        X, y = flower(400, random_state=SEED)
    elif name == "W2":
        from sklearn.datasets import load_breast_cancer
        X, y = load_breast_cancer(return_X_y=True)
        X = (X - X.mean(axis=0)) / X.std(axis=0)
    elif name == "W3":
        from sklearn.datasets import load_digits
        X, y = load_digits(return_X_y=True)
        X = X / 16.0
    else:  # synthetic: Gaussian inputs, labels from a random linear teacher, so there is something to learn
        rng = np.random.default_rng(SEED)
        n, d = (60000, 784) if name == "W4" else (200000, 100)
        n = rows or n
        X = rng.standard_normal((n, d), dtype=np.float32 if dtype == np.float32 else np.float64)
        scores = X @ rng.standard_normal((d, 10 if name == "W4" else 1), dtype=X.dtype)
        y = scores.argmax(axis=1) if name == "W4" else (scores[:, 0] + np.sin(3 * X[:, 0]) > 0).astype(int)
    return np.ascontiguousarray(X, dtype=dtype), np.asarray(y, dtype=np.int64)


def initial_params(work: Workload, dtype: np.dtype) -> list:
    """[(W, b), …] drawn as scikit-learn's MLP draws them for ``random_state=SEED``."""
    rng = np.random.RandomState(SEED)
    factor = 2.0 if work.activation == "logistic" else 6.0
    params = []
    sizes = work.layer_sizes
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        bound = np.sqrt(factor / (n_in + n_out))
        W = rng.uniform(-bound, bound, (n_in, n_out)).astype(dtype)
        b = rng.uniform(-bound, bound, n_out).astype(dtype)
        params.append((W, b))
    return params


# ---- the frameworks ------------------------------------------------------------------------------
def fit_bpnn(work: Workload, X: np.ndarray, y: np.ndarray, optimizer: str, epochs: int,
             init: list | None = None) -> tuple[float, float]:
    from bpnn.core import Network, train
    from bpnn.core.optimizers import Adam, GradientDescent

    init = init or initial_params(work, X.dtype)
    started = time.perf_counter()
    binary = work.n_classes == 2
    Y = y[:, None] == 1 if binary else np.eye(work.n_classes, dtype=bool)[y]  # one-hot, as scikit-learn's (boolean)
    activation = "sigmoid" if work.activation == "logistic" else work.activation
    net = Network(work.layer_sizes, activation, "sigmoid" if binary else "softmax", dtype=X.dtype)
    for (W, b), (W0, b0) in zip(zip(net.weights, net.biases), init):
        W[...], b[...] = W0, b0
    rate = work.learning_rate[optimizer]
    rule = GradientDescent(learning_rate=rate) if optimizer == "sgd" else Adam(learning_rate=rate)
    history = train(net, X, Y, "binary_cross_entropy" if binary else "categorical_cross_entropy", rule,
                    epochs=epochs, batch_size=work.batch_size, shuffle=True, rng=np.random.default_rng(SEED),
                    alpha=ALPHA, blas_threads=None)  # None: the benchmark pins the same thread count for everyone
    return time.perf_counter() - started, history.loss[-1]


def fit_sklearn(work: Workload, X: np.ndarray, y: np.ndarray, optimizer: str, epochs: int,
                init: list | None = None) -> tuple[float, float]:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    started = time.perf_counter()
    model = MLPClassifier(hidden_layer_sizes=work.hidden, activation=work.activation, solver=optimizer,
                          alpha=ALPHA, batch_size=work.batch_size or X.shape[0], learning_rate="constant",
                          learning_rate_init=work.learning_rate[optimizer], max_iter=epochs, shuffle=True,
                          random_state=SEED, tol=0.0, n_iter_no_change=10**9, momentum=0.0, nesterovs_momentum=False,
                          beta_1=0.9, beta_2=0.999, epsilon=1e-8, early_stopping=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    return time.perf_counter() - started, float(model.loss_)


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def fit_torch(work: Workload, X: np.ndarray, y: np.ndarray, optimizer: str, epochs: int,
              init: list | None = None) -> tuple[float, float]:
    import torch

    init = init or initial_params(work, X.dtype)
    started = time.perf_counter()
    binary = work.n_classes == 2
    dtype = torch.float64 if X.dtype == np.float64 else torch.float32
    inputs = torch.from_numpy(X)
    targets = torch.from_numpy(y[:, None].astype(X.dtype)) if binary else torch.from_numpy(y)
    sizes = work.layer_sizes
    layers = []
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(n_in, n_out, dtype=dtype))
        if l < len(sizes) - 2:
            layers.append(torch.nn.Sigmoid() if work.activation == "logistic" else torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    linears = [layer for layer in layers if isinstance(layer, torch.nn.Linear)]
    with torch.no_grad():
        for layer, (W, b) in zip(linears, init):
            layer.weight.copy_(torch.from_numpy(W.T.copy()))  # torch stores W as (n_out, n_in)
            layer.bias.copy_(torch.from_numpy(b))
    n = X.shape[0]
    batch = work.batch_size or n
    groups = [{"params": [layer.weight for layer in linears], "weight_decay": ALPHA / batch},  # α/m W, as sklearn
              {"params": [layer.bias for layer in linears], "weight_decay": 0.0}]
    rate = work.learning_rate[optimizer]
    step = (torch.optim.SGD(groups, lr=rate) if optimizer == "sgd"
            else torch.optim.Adam(groups, lr=rate, betas=(0.9, 0.999), eps=1e-8))
    loss_fn = torch.nn.BCEWithLogitsLoss() if binary else torch.nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(SEED)
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator)
        total = torch.zeros((), dtype=dtype)
        for start in range(0, n, batch):
            rows = order[start:start + batch]
            step.zero_grad(set_to_none=True)
            loss = loss_fn(model(inputs[rows]), targets[rows])
            loss.backward()
            step.step()
            total += loss.detach() * len(rows)
    return time.perf_counter() - started, float(total) / n


FRAMEWORKS = {"bpnn": fit_bpnn, "sklearn": fit_sklearn, "torch": fit_torch}


# ---- the same-run matrix-multiply reference --------------------------------------------------------
def gemm_reference(work: Workload, n_rows: int, dtype: np.dtype, min_seconds: float = 0.3) -> dict:
    """Time the matrix products of one training step alone, at the workload's shapes and dtype.

    Per layer l: forward A[l-1] @ W[l], weight gradient A[l-1]ᵀ @ dZ[l] and, for l > 1, dZ[l] @ W[l]ᵀ
    (backprop needs no dA[0]). Returns the exact FLOP count of one step (2·m·n_in·n_out per product), the
    mean seconds per step over a loop of ``min_seconds``, GFLOP/s and the GEMM-only seconds per epoch (steps
    scaled by n_rows / m).
    """
    rng = np.random.default_rng(SEED)
    m = work.batch_size or n_rows
    sizes = work.layer_sizes
    products, flops = [], 0
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        A = rng.standard_normal((m, n_in)).astype(dtype)
        W = rng.standard_normal((n_in, n_out)).astype(dtype)
        dZ = rng.standard_normal((m, n_out)).astype(dtype)
        products.append((A, W, np.empty((m, n_out), dtype)))  # Z = A W
        products.append((A.T, dZ, np.empty((n_in, n_out), dtype)))  # dW = Aᵀ dZ
        flops += 2 * (2 * m * n_in * n_out)
        if l > 0:
            products.append((dZ, W.T, np.empty((m, n_in), dtype)))  # dA = dZ Wᵀ
            flops += 2 * m * n_in * n_out

    def one_step() -> None:
        for left, right, out in products:
            np.matmul(left, right, out=out)

    seconds = _mean_seconds(one_step, min_seconds)
    return {"flops_per_step": flops, "seconds_per_step": seconds, "gflops": flops / seconds / 1e9,
            "seconds_per_epoch": seconds * n_rows / m, "flops_per_epoch": flops * n_rows / m}


def update_reference(n_params: int, dtype: np.dtype, min_seconds: float = 0.3) -> dict:
    """Seconds per optimizer update alone on a parameter vector of ``n_params``, and per pass of one
    whole-vector operation (``w = 0.5 g``), the unit an update is built from. (The updates run in their own
    work vector: repeated in the gradient's buffer, they would shrink it into subnormal numbers.)"""
    from bpnn.core.optimizers import Adam, GradientDescent

    rng = np.random.default_rng(SEED)
    params, grad, work = (rng.standard_normal(n_params).astype(dtype) for _ in range(3))
    result = {"one_pass": _mean_seconds(lambda: np.multiply(grad, 0.5, out=work), min_seconds)}
    for name, rule in (("sgd", GradientDescent(learning_rate=1e-6)), ("adam", Adam(learning_rate=1e-6))):
        result[name] = _mean_seconds(lambda rule=rule: rule.update(params, grad), min_seconds)
    return result


def _mean_seconds(action, min_seconds: float) -> float:
    """Mean seconds per call of ``action`` over a loop of at least ``min_seconds`` (after one warm-up call)."""
    action()
    reps = 1
    while True:
        started = time.perf_counter()
        for _ in range(reps):
            action()
        elapsed = time.perf_counter() - started
        if elapsed >= min_seconds:
            return elapsed / reps
        reps = max(reps * 2, int(reps * min_seconds / max(elapsed, 1e-9)))
