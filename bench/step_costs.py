"""What each formulation of a small network's training step costs, at W3's shapes (64-128-10, batch 64).

    python bench/step_costs.py          # prints the table (about a minute)

``bench/run.py`` runs it too and puts the table into docs/bench.md. Each row times one part of a step two or
three ways, alone, on one BLAS thread: the best of 60 blocks of 200 calls, in microseconds per step (the best,
since on a shared machine every disturbance only adds). The training loop uses the formulation marked kept;
the others were tried and measured no faster, and the table keeps them so that nobody has to try them again.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits

M, N_IN, N_HIDDEN, N_OUT, N_ROWS = 64, 64, 128, 10, 1797  # W3: digits, 64-128-10, batches of 64 rows


def best_microseconds(action: Callable[[], object], calls: int = 200, blocks: int = 60) -> float:
    action()
    best = float("inf")
    for _ in range(blocks):
        started = time.perf_counter()
        for _ in range(calls):
            action()
        best = min(best, time.perf_counter() - started)
    return best / calls * 1e6


def candidates(dtype: np.dtype) -> list[tuple[str, dict[str, Callable[[], object]], str]]:
    """[(part of the step, {formulation: one step's calls of it}, the formulation kept)]."""
    rng = np.random.default_rng(0)

    def array(*shape: int) -> np.ndarray:
        return rng.standard_normal(shape).astype(dtype)

    X = array(N_ROWS, N_IN)
    X1 = np.concatenate([X, np.ones((N_ROWS, 1), dtype)], axis=1)  # [X 1], made once per training
    rows = rng.permutation(N_ROWS)[:M]
    batch, batch1 = np.empty((M, N_IN), dtype), np.ones((M, N_IN + 1), dtype)
    Wb1, Wb2 = array(N_IN + 1, N_HIDDEN), array(N_HIDDEN + 1, N_OUT)  # [W; b], as the flat vector holds them
    W1, b1, W2, b2 = Wb1[:N_IN], Wb1[N_IN], Wb2[:N_HIDDEN], Wb2[N_HIDDEN]
    Z1, A1, A1_with_ones, dZ1 = array(M, N_HIDDEN), array(M, N_HIDDEN), np.ones((M, N_HIDDEN + 1), dtype), array(M, N_HIDDEN)
    Z2, dZ2, dWb1, dWb2 = array(M, N_OUT), array(M, N_OUT), np.empty_like(Wb1), np.empty_like(Wb2)
    dW1, db1, dW2, db2 = dWb1[:N_IN], dWb1[N_IN], dWb2[:N_HIDDEN], dWb2[N_HIDDEN]
    ones, zeros, mask = np.ones(M, dtype), np.zeros((M, N_HIDDEN), dtype), np.empty((M, N_HIDDEN), bool)
    scratch, exps, column = np.empty_like(Z2), np.empty_like(Z2), np.full((N_OUT, 1), 1.0 / N_OUT, dtype)
    params, grad = np.concatenate([Wb1.ravel(), Wb2.ravel()]), array(Wb1.size + Wb2.size)
    l2, decay = 1e-4 / M, np.empty_like(params)
    factors = np.concatenate([np.r_[np.ones(N_IN * N_HIDDEN), np.zeros(N_HIDDEN)],
                              np.r_[np.ones(N_HIDDEN * N_OUT), np.zeros(N_OUT)]]).astype(dtype) * dtype.type(l2)
    dW1_flat = grad[:N_IN * N_HIDDEN].reshape(N_IN, N_HIDDEN)
    dW2_flat = grad[Wb1.size:Wb1.size + N_HIDDEN * N_OUT].reshape(N_HIDDEN, N_OUT)
    m, v, work = np.zeros_like(params), np.zeros_like(params), np.empty_like(params)
    moments, works = np.zeros((2, params.size), dtype), np.empty((2, params.size), dtype)
    betas = np.array([[0.9], [0.999]], dtype)

    def layer1_plain() -> None:  # gather X, product, bias; backward: product and 1ᵀ dZ
        X.take(rows, axis=0, out=batch, mode="clip")
        np.dot(batch, W1, out=Z1)
        Z1.__iadd__(b1)
        np.dot(batch.T, dZ1, out=dW1)
        np.dot(ones, dZ1, out=db1)

    def layer1_ones_column() -> None:  # gather [X 1]; [X 1] [W; b] and [X 1]ᵀ dZ = [dW; db]
        X1.take(rows, axis=0, out=batch1, mode="clip")
        np.dot(batch1, Wb1, out=Z1)
        np.dot(batch1.T, dZ1, out=dWb1)

    def layer1_gathered_beside_ones() -> None:  # gather X into a buffer whose last column holds ones: strided
        X.take(rows, axis=0, out=batch1[:, :N_IN], mode="clip")
        np.dot(batch1, Wb1, out=Z1)
        np.dot(batch1.T, dZ1, out=dWb1)

    def layer2_plain() -> None:
        np.maximum(Z1, zeros, out=A1)
        np.dot(A1, W2, out=Z2)
        Z2.__iadd__(b2)
        np.dot(A1.T, dZ2, out=dW2)
        np.dot(ones, dZ2, out=db2)

    def layer2_ones_column() -> None:  # relu written beside a column of ones (strided), bias inside the product
        np.maximum(Z1, zeros, out=A1_with_ones[:, :N_HIDDEN])
        np.dot(A1_with_ones, Wb2, out=Z2)
        np.dot(A1_with_ones.T, dZ2, out=dWb2)

    def products(product: Callable) -> Callable[[], None]:
        def run() -> None:
            product(batch, W1, out=Z1)
            product(A1, W2, out=Z2)
            product(A1.T, dZ2, out=dW2)
            product(ones, dZ2, out=db2)
            product(dZ2, W2.T, out=dZ1)
            product(batch.T, dZ1, out=dW1)
            product(ones, dZ1, out=db1)
        return run

    def shift(center: Callable[[], np.ndarray]) -> Callable[[], None]:
        def run() -> None:
            np.subtract(Z2, center(), out=scratch)
            np.exp(scratch, out=exps)
        return run

    def l2_per_layer() -> None:
        dW1_flat.__iadd__(l2 * W1)
        dW2_flat.__iadd__(l2 * W2)

    def l2_flat() -> None:
        grad.__iadd__(np.multiply(params, factors, out=decay))

    def adam_moments_apart() -> None:
        np.multiply(grad, 0.1, out=work)
        m.__imul__(0.9)
        m.__iadd__(work)
        work.__imul__(work)
        work.__imul__(0.1)
        v.__imul__(0.999)
        v.__iadd__(work)

    def adam_moments_stacked() -> None:
        np.multiply(grad, 0.1, out=works[0])
        np.multiply(works[0], works[0], out=works[1])
        works[1].__imul__(0.1)
        moments.__imul__(betas)
        moments.__iadd__(works)

    def relu_derivative_in_dtype() -> None:
        np.greater(Z1, 0, out=A1)
        dZ1.__imul__(A1)

    def relu_derivative_boolean() -> None:
        np.greater(Z1, 0, out=mask)
        dZ1.__imul__(mask)

    return [
        ("layer 1: bias and its gradient", {"X W + b; Xᵀ dZ, 1ᵀ dZ": layer1_plain,
                                            "[X 1] [W; b]; [X 1]ᵀ dZ ([X 1] copied once)": layer1_ones_column,
                                            "the same, X gathered beside the ones (strided)": layer1_gathered_beside_ones},
         "[X 1] [W; b]; [X 1]ᵀ dZ ([X 1] copied once)"),
        ("layer 2: bias and its gradient", {"A W + b; Aᵀ dZ, 1ᵀ dZ": layer2_plain,
                                            "[A 1] [W; b] (relu written beside the ones)": layer2_ones_column},
         "A W + b; Aᵀ dZ, 1ᵀ dZ"),
        ("the step's 7 products", {"np.matmul": products(np.matmul), "np.dot": products(np.dot)}, "np.dot"),
        ("softmax: shift each row by", {"its maximum (a reduction)": shift(lambda: np.maximum.reduce(Z2, axis=1, keepdims=True)),
                                        "its mean (a product)": shift(lambda: np.dot(Z2, column))},
         "its mean (a product)"),
        ("L2 term α/S W", {"per layer, dW += α/S W": l2_per_layer, "flat, grad += θ ⊙ (α/S mask)": l2_flat},
         "per layer, dW += α/S W"),
        ("Adam's moments", {"m and v apart": adam_moments_apart, "m and v stacked, (2, n)": adam_moments_stacked},
         "m and v apart"),
        ("relu's derivative", {"g' in the dtype, dA ⊙ g'": relu_derivative_in_dtype,
                               "g' boolean, dA ⊙ g'": relu_derivative_boolean},
         "g' in the dtype, dA ⊙ g'"),
    ]


def measure() -> dict:
    """{dtype: [{"part", "kept", "microseconds": {formulation: µs per step}}]}."""
    result = {}
    with threadpool_limits(limits=1, user_api="blas"), np.errstate(all="ignore"):
        for dtype in (np.dtype(np.float64), np.dtype(np.float32)):
            result[str(dtype)] = [{"part": part, "kept": kept,
                                   "microseconds": {name: best_microseconds(run) for name, run in ways.items()}}
                                  for part, ways, kept in candidates(dtype)]
    return result


def markdown(costs: dict) -> list[str]:
    lines = ["| part of a W3 step | formulation | float64 µs | float32 µs | used |", "|---|---|---|---|---|"]
    float64, float32 = costs["float64"], costs["float32"]
    for row64, row32 in zip(float64, float32):
        for name, microseconds in row64["microseconds"].items():
            lines.append(f"| {row64['part']} | `{name}` | {microseconds:.2f} | {row32['microseconds'][name]:.2f} | "
                         f"{'yes' if name == row64['kept'] else 'no'} |")
    return lines


if __name__ == "__main__":
    print("\n".join(markdown(measure())))
