"""The Jacobian of every per-sample, per-output error with respect to every parameter, and the
Gauss–Newton sums JᵀJ and Jᵀe that Levenberg–Marquardt needs.

Conventions (see :mod:`bpnn.core.network`): samples are rows; K = n_L outputs; P = ``network.n_params``.
The errors of m samples are e_ik = A[L][i, k] - Y[i, k]. ``output_jacobian`` returns ``(m, K, P)``; flattened
sample-major it is the (m·K, P) matrix J with J[i·K + k, j] = ∂e_ik/∂θ_j = ∂a_ik/∂θ_j, its columns laid out
like ``network.params``.

J comes from the backward pass seeded once per output (Hagan & Menhaj 1994), never from finite
differences. S[l][i, k, :] is ∂a_ik/∂Z[l][i, :], the sensitivity of output k of sample i:

    S[L][i, k, j] = δ_kj g_L'(Z[L][i, k])            (output k seeds only its own unit)
    S[l-1] = S[l] W[l]ᵀ ⊙ g_{l-1}'(Z[l-1])           (the delta recursion 8-16, 8-17, per output)
    ∂a_ik/∂W[l][p, q] = A[l-1][i, p] S[l][i, k, q]    (8-14, without the mean)
    ∂a_ik/∂b[l][q] = S[l][i, k, q]                    (8-15, without the sum)

The output activation must have an elementwise derivative (any but softmax).

``gauss_newton`` sums over chunks of rows, so memory is O(P² + chunk·K·P), never O(m·K·P). With sample
weights s_i every sum is weighted: JᵀJ = Σ_i s_i J_iᵀJ_i, Jᵀe = Σ_i s_i J_iᵀe_i, sse = Σ_i s_i ‖e_i‖²
(the rows of sample i are scaled by √s_i). The sums are accumulated in float64 whatever the network's dtype.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpnn.core.network import Cache, Network, sample_weights

Array = np.ndarray

CHUNK_ELEMENTS = 2**21  # at most this many Jacobian entries (16 MiB in float64) are held at once


@dataclass
class GaussNewton:
    """JᵀJ ``(P, P)``, Jᵀe ``(P,)`` and the sum of squared errors, all weighted by the sample weights."""

    JTJ: Array
    JTe: Array
    sse: float


def output_jacobian(network: Network, cache: Cache) -> Array:
    """∂A[L]/∂θ for the samples of a forward cache, ``(m, K, P)``."""
    L = network.n_layers
    g = network.activations[-1]
    if g.df is None:
        raise ValueError(f"the Jacobian needs an output activation with an elementwise derivative; "
                         f"{g.name!r} has none. Use identity, tanh or sigmoid outputs with squared_error.")
    m, K = cache.A[L].shape
    jac = np.empty((m, K, network.n_params), dtype=network.dtype)
    S = np.zeros((m, K, K), dtype=network.dtype)
    S.reshape(m, K * K)[:, ::K + 1] = g.df(cache.Z[L], cache.A[L])  # S[L][i, k, k] = g_L'(z_ik)
    end = network.n_params
    for l in range(L, 0, -1):
        n_in, n_out = network.shapes[l - 1]
        start = end - n_out - n_in * n_out
        # ∂a_ik/∂W[l][p, q] = A[l-1][i, p] S[l][i, k, q], written straight into J's columns of W[l]
        np.multiply(cache.A[l - 1][:, None, :, None], S[:, :, None, :],
                    out=jac[:, :, start:end - n_out].reshape(m, K, n_in, n_out))
        jac[:, :, end - n_out:end] = S  # ∂a_ik/∂b[l][q] = S[l][i, k, q]
        end = start
        if l > 1:
            g_prev = network.activations[l - 2]
            # S[l-1] = S[l] W[l]ᵀ ⊙ g'(Z[l-1])
            S = (S @ network.weights[l - 1].T) * g_prev.df(cache.Z[l - 1], cache.A[l - 1])[:, None, :]
    return jac


def jacobian(network: Network, X: Array) -> Array:
    """The (m·K, P) Jacobian of the errors e = a - y of the samples X (rows i·K + k), whole."""
    return output_jacobian(network, network.forward(X)).reshape(-1, network.n_params)


def chunk_rows(n_outputs: int, n_params: int) -> int:
    """Rows per chunk so that one chunk's Jacobian holds at most ``CHUNK_ELEMENTS`` entries."""
    return max(1, CHUNK_ELEMENTS // (n_outputs * n_params))


def root_weights(m: int, sample_weight: Array | None, dtype: np.dtype) -> Array | None:
    if sample_weight is None:
        return None
    sample_weights(m, sample_weight, dtype)  # validates shape, sign and finiteness
    return np.sqrt(np.asarray(sample_weight, dtype=np.float64).reshape(-1))


def weighted_errors(cache: Cache, Y: Array, root_s: Array | None = None) -> Array:
    """√s_i (a_ik - y_ik) in float64, ``(m, K)``, from a forward cache of the rows of Y."""
    e = np.asarray(cache.A[-1] - Y, dtype=np.float64)  # e_ik = a_ik - y_ik
    return e if root_s is None else e * root_s[:, None]


def sum_squared_errors(network: Network, X: Array, Y: Array, sample_weight: Array | None = None) -> float:
    """sse = Σ_i s_i Σ_k (a_ik - y_ik)² at the current parameters."""
    Y = network.as_input(Y)
    e = weighted_errors(network.forward(X), Y, root_weights(Y.shape[0], sample_weight, network.dtype))
    return float(np.vdot(e, e))


def chunk_sums(network: Network, cache: Cache, Y: Array, root_s: Array | None = None) -> GaussNewton:
    """JᵀJ, Jᵀe and sse of the rows of one forward cache (``root_s``: their √s_i, or None)."""
    e = weighted_errors(cache, Y, root_s).reshape(-1)
    J = np.asarray(output_jacobian(network, cache), dtype=np.float64)
    if root_s is not None:
        J = J * root_s[:, None, None]
    J = J.reshape(-1, network.n_params)
    return GaussNewton(J.T @ J, J.T @ e, float(e @ e))


def gauss_newton(network: Network, X: Array, Y: Array, sample_weight: Array | None = None,
                 rows: int | None = None) -> GaussNewton:
    """JᵀJ, Jᵀe and sse over all samples, accumulated over chunks of ``rows`` rows (default: ``chunk_rows``)."""
    X, Y = network.as_input(X), network.as_input(Y)
    m, K = Y.shape
    rows = chunk_rows(K, network.n_params) if rows is None else max(1, int(rows))
    root_s = root_weights(m, sample_weight, network.dtype)
    total = None
    for start in range(0, m, rows):
        chunk = slice(start, start + rows)
        part = chunk_sums(network, network.forward(X[chunk]), Y[chunk], None if root_s is None else root_s[chunk])
        if total is None:
            total = part
        else:
            total.JTJ += part.JTJ  # JᵀJ = Σ_chunks J_cᵀ J_c
            total.JTe += part.JTe  # Jᵀe = Σ_chunks J_cᵀ e_c
            total.sse += part.sse
    return total
