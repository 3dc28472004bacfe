"""Numerical gradient check: backpropagation against Richardson-extrapolated central differences, with a
pass threshold derived from the check's own error estimate (NumPy only).

For every parameter θ_j, a step h_j = h0·s_j, where s_j is the parameter's natural scale (1/rms of the input
column its weight multiplies, 1 for a bias) and h0 = ε^(1/5) (7.4e-4 in float64, 0.041 in float32), the
optimum for the extrapolated estimate below; h_j is then rounded so that θ_j ± h_j is exact. J depends on a
weight only through its unit's Z = θ·a + …, and every activation and loss bends on the scale |ΔZ| ≈ 1, so
the step that moves Z by h0 is h0/rms(a), whatever |θ| is. A step h0·|θ| instead (the usual rule for a
function of θ alone) moves Z by h0·|θ·a| ≈ h0·|Z|: at weights of 3 or 10 the four evaluations reach past
a saturated unit's turn and, in float32 (h0 = 0.04), D(h), D(2h), D(4h) can happen to shrink by 4 across
it, a wrong estimate that looks converged. s_j ≥ 16·ε·|θ_j|/h0 keeps θ ± h apart from θ by 16 ulp or more.
The central differences D(h) = (J(θ + h e_j) - J(θ - h e_j)) / 2h at h, 2h and 4h give

- the estimate R(h) = (4 D(h) - D(2h)) / 3 (Richardson: the h² error term cancels, leaving O(h⁴));
- its truncation error, bounded by |R(2h) - R(h)| (that difference is 15 times R(h)'s error when the h⁴
  term rules);
- its rounding error, at most 1.5 ρ/h, where ρ bounds the rounding error of one computed cost J
  (:func:`cost_rounding`); 2 ρ/h is allowed.

An array (W[l] or b[l]) passes when ‖g - g_num‖ is within twice the 2-norm of those per-parameter bounds
plus the rounding of the analytic gradient itself (:func:`gradient_rounding`). The relative error
‖g - g_num‖ / (‖g‖ + ‖g_num‖) and the relative tolerance that threshold amounts to are reported per array;
comparing absolute errors gives the check its floor where a gradient is tiny (a fixed relative threshold
such as 1e-7 fails a correct gradient of 3e-6 whenever the cost's rounding, ε·|J|/h, reaches 3e-13).

Each array gets a :class:`Verdict`: "disagree" beyond that threshold; "unresolved" where the threshold reaches
‖g‖ + ‖g_num‖ (the gradient moves J over a step by less than J's own rounding, so any g, even m times too large,
would be within it; or a kink left out every parameter); "agree" otherwise. ``GradCheck.passed()`` means no
array disagrees; ``GradCheck.resolved`` that, besides, none is unresolved (``passed(strict=True)``).

A parameter's step is divided by 8 (up to ``SHRINKS`` times) while its evaluations move a relu-type or elu
unit across Z = 0, or while D(h/2), D(h), D(2h), D(4h) are not yet in the h² regime and rounding does not
hide them: there each difference of successive D is 4 times the one before, 4·(1 + O(h²)); 3 to 16/3 is
accepted. Three points with ratios anywhere in 2 … 8 were fooled, in float32 at weights of 3, by a step across
a saturated unit's turn (ratio 4.1, estimate -0.024 where dJ/dθ is 3.9e-4); the fourth point, D(h/2), checks
the ratio a second time and is not used in the estimate. Causes are named only when they apply: a relu-type
unit (relu, leaky_relu) still crossing its kink at the smallest step makes the differences average two
slopes, so those parameters are left out of the verdict and counted in ``GradCheck.kinks``. An elu unit
crossing zero only breaks the second derivative: the differences err by O(h), and the bound for those
parameters, like for any that never reach the h² regime, adds |D(2h) - D(h)| + |D(4h) - D(2h)|.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from bpnn.core.losses import Loss, get_loss, output_delta, per_sample_loss
from bpnn.core.network import Network, sample_weights

Array = np.ndarray

KINKED = ("relu", "leaky_relu")  # the first derivative jumps at z = 0
SECOND_KINKED = ("elu",)  # the second derivative jumps at z = 0
SHRINKS = 4  # a step is divided by 8 at most this many times
SAFETY = 2.0  # the error estimates are bounds for the leading terms; twice them is what is allowed


def relative_step(dtype: object = np.float64) -> float:
    """h0 = ε^(1/5): balances the extrapolated estimate's truncation, O(h⁴), against its rounding, O(ε/h)."""
    return float(np.finfo(dtype).eps) ** 0.2


class Verdict(str, Enum):
    """What the check says of one array (a str: ``Verdict.AGREE == "agree"``)."""

    AGREE = "agree"  # ‖g - g_num‖ within what the check's error allows, and that is below ‖g‖ + ‖g_num‖
    DISAGREE = "disagree"  # ‖g - g_num‖ beyond what the check's error allows (or not a number)
    UNRESOLVED = "unresolved"  # what it allows reaches ‖g‖ + ‖g_num‖, or nothing was compared: no g could fail


def verdict(error: float, tolerance: float, compared: bool = True) -> Verdict:
    """The verdict on one array from its relative error and the relative error the check allows it (1 when what
    it allows reaches ‖g‖ + ‖g_num‖: a relative error is at most 1, so then every g passes); ``compared`` is false
    when a kink left out all its parameters."""
    if not error <= tolerance:  # NaN disagrees
        return Verdict.DISAGREE
    return Verdict.UNRESOLVED if tolerance >= 1 or not compared else Verdict.AGREE


@dataclass
class GradCheck:
    analytic: Array
    numeric: Array
    errors: dict  # name ("W[1]", "b[1]", …) -> relative error ‖g - g_num‖ / (‖g‖ + ‖g_num‖), checked parameters
    max_error: float
    tolerances: dict = field(default_factory=dict)  # name -> the relative error the check's own error allows
    kinks: dict = field(default_factory=dict)  # name -> parameters left out: their steps cross a relu-type kink
    bound: Array | None = None  # per parameter, the bound on |g_num - dJ/dθ| (truncation + rounding)
    steps: Array | None = None  # per parameter, h
    verdicts: dict = field(default_factory=dict)  # name -> Verdict (by default, from errors and tolerances)

    def __post_init__(self) -> None:
        for name, error in self.errors.items():
            self.verdicts.setdefault(name, verdict(error, self.tolerances.get(name, 1.0)))

    def failing(self, tolerance: float | None = None) -> list[str]:
        """The arrays whose error exceeds ``tolerance``, or, by default, those the check says disagree."""
        if tolerance is not None:
            return [name for name, error in self.errors.items() if not error < tolerance]
        return [name for name, v in self.verdicts.items() if v is Verdict.DISAGREE]

    @property
    def unresolved(self) -> list[str]:
        """The arrays the check cannot resolve: their gradient is below the cost's rounding over a step (or a
        kink left out every parameter), so it would pass any g there, a wrong one included."""
        return [name for name, v in self.verdicts.items() if v is Verdict.UNRESOLVED]

    @property
    def resolved(self) -> bool:
        """Every array resolved: none is "unresolved", so :meth:`passed` speaks for all of them."""
        return not self.unresolved

    def passed(self, tolerance: float | None = None, strict: bool = False) -> bool:
        """No array fails (see :meth:`failing`): none disagrees. An unresolved array passes, as it could not fail;
        ``strict=True`` asks, besides, that every array be resolved (:attr:`resolved`). A given ``tolerance``
        replaces the derived thresholds."""
        return not self.failing(tolerance) and (self.resolved or not strict)

    @property
    def worst(self) -> str:
        """The array with the largest error relative to what it is allowed, among those the check resolves if any."""
        return max(self.errors, key=lambda name: (self.verdicts[name] is not Verdict.UNRESOLVED,
                                                  self.errors[name] / max(self.tolerances.get(name, 1.0), 1e-300)))


def relative_error(analytic: Array, numeric: Array) -> float:
    scale = np.linalg.norm(analytic) + np.linalg.norm(numeric)
    return float(np.linalg.norm(analytic - numeric) / max(scale, np.finfo(float).tiny))


def numerical_gradient(network: Network, X: Array, Y: Array, loss: Loss | str, sample_weight: Array | None = None,
                       alpha: float = 0.0, step: float | Array = 1e-6) -> Array:
    """Plain central-difference estimate of dJ/dθ with step ``step`` (one h, or one per parameter), one
    parameter at a time (restores the parameters)."""
    steps = np.broadcast_to(np.asarray(step, dtype=np.float64), (network.n_params,))
    numeric = np.empty(network.n_params, dtype=np.float64)
    for j in range(network.n_params):
        saved = network.params[j]
        network.params[j] = saved + steps[j]
        plus = network.cost(network.forward(X), Y, loss, sample_weight, alpha)
        network.params[j] = saved - steps[j]
        minus = network.cost(network.forward(X), Y, loss, sample_weight, alpha)
        network.params[j] = saved
        numeric[j] = (plus - minus) / (2 * steps[j])  # dJ/dθ_j ≈ (J(θ+h) - J(θ-h)) / 2h
    return numeric


def parameter_steps(network: Network, X: Array, relative: float | None = None) -> Array:
    """h_j = h0·s_j, s_j = 1/rms of the input column W[l][i, :] multiplies (1 for a bias, and where that column
    is all zeros), clipped to [1e-6, 1e6] and at least 16ε|θ_j|/h0 (module docstring: the step moves Z by
    about h0, whatever |θ_j| is); rounded so that θ_j + h_j - θ_j = h_j exactly."""
    h0 = relative_step(network.dtype) if relative is None else float(relative)
    cache = network.forward(X)
    scales = np.ones(network.n_params)
    scale_W, _ = network.split(scales)
    for l, W in enumerate(scale_W):
        rms = np.sqrt(np.mean(np.square(np.asarray(cache.A[l], dtype=np.float64)), axis=0))
        natural = np.where(rms > 0, 1 / np.where(rms > 0, rms, 1), 1.0)
        W[...] = np.clip(natural, 1e-6, 1e6)[:, None]
    theta = np.asarray(network.params, dtype=np.float64)
    eps = float(np.finfo(network.dtype).eps)
    h = np.maximum(h0 * scales, 16 * eps * np.abs(theta))  # ΔZ ≈ h0 on each unit; never below 16 ulp of θ
    exact = (network.params + h.astype(network.dtype)).astype(np.float64) - theta
    return np.where(exact > 0, exact, h)


def cost_rounding(network: Network, X: Array, Y: Array, loss: Loss | str, sample_weight: Array | None = None,
                  alpha: float = 0.0) -> float:
    """A bound on the rounding error of one computed cost J = Σ_i w_i L_i (+ α/(2S)‖W‖²): each loss term moves
    by |∂L/∂z|·δz from the error δz of its output Z[L] (the dot products' (fan-in + 2)·ε·(|A||W| + |b|), times
    the depth for what earlier layers pass on), by |∂L/∂a|·ε|a| when the loss is taken from a, and by a few ε
    of the terms it is formed from; summing the m·K terms adds m·K·ε·Σ|w L|."""
    loss = get_loss(loss) if isinstance(loss, str) else loss
    eps = float(np.finfo(network.dtype).eps)
    cache = network.forward(X)
    Y = network.as_input(Y).reshape(cache.Z[-1].shape)
    w, total = sample_weights(Y.shape[0], sample_weight, network.dtype)
    w = np.broadcast_to(np.asarray(w, dtype=np.float64).reshape(-1, 1), (Y.shape[0], 1))
    z, a, y = (np.asarray(v, dtype=np.float64) for v in (cache.Z[-1], cache.A[-1], Y))
    output = network.activations[-1]
    with np.errstate(all="ignore"):
        slope = np.abs(np.asarray(output_delta(loss, output, Y, cache.Z[-1], cache.A[-1]), dtype=np.float64))
        from_a = 0.0 if output.name == loss.canonical_output else np.abs(loss.grad_a(y, a)) * np.abs(a)
        A, W, b = (np.abs(np.asarray(v, dtype=np.float64)) for v in (cache.A[-2], network.weights[-1], network.biases[-1]))
        dz = (network.layer_sizes[-2] + 2) * network.n_layers * eps * (A @ W + b)
        per_sample = np.abs(np.asarray(per_sample_loss(loss, output, Y, cache.Z[-1], cache.A[-1]), dtype=np.float64))
        lse = np.log(z.shape[1]) + np.max(np.abs(z), axis=1, keepdims=True)  # bounds a softmax's log-sum-exp
        terms = per_sample[:, None] + (1 + np.abs(y)) * (np.abs(z) + (lse if z.shape[1] > 1 else 0))
        if loss.name == "binary_cross_entropy" and output.name == loss.canonical_output and np.all(y * (1 - y) == 0):
            # L = softplus(z) - y z with 0/1 labels: y z is exact, and softplus (log1p(e^z), or z + log1p(e^-z)) is
            # within a few ε of itself, which is within a few ε of L unless y = 1 and z > 0. There softplus(z) is
            # the float nearest z + t, t = L, and z is a float t away, so it errs by at most min(ε|z|, L), and
            # subtracting z is exact. A fitted network's J is far below ε|z| (float32: 1e-5 at z = 100).
            exact = np.logaddexp(0, np.where(y == 1, -z, z))  # L per unit, computed without the cancellation
            cancels = (y == 1) & (z > 0)
            terms = per_sample[:, None] + np.where(cancels, np.minimum(2 * np.abs(z), exact / eps), exact)
        per_unit = slope * dz + 4 * eps * (from_a + terms)
        error = float(np.sum(w * per_unit)) + y.size * eps * float(np.sum(w[:, 0] * per_sample))
    penalty = alpha / (2 * total) * sum(float(np.sum(np.square(W, dtype=np.float64))) for W in network.weights)
    error += network.n_params * eps * penalty
    return error if np.isfinite(error) else np.inf


def gradient_rounding(network: Network, X: Array, Y: Array, loss: Loss | str, sample_weight: Array | None = None,
                      alpha: float = 0.0) -> Array:
    """Per parameter, a bound on the rounding error of the computed dJ/dθ: it sums the m per-sample terms
    w_i ∇L_i, each formed in a handful of operations per layer, so it errs by at most
    (m + 4·depth·fan-in)·ε·Σ_i w_i |∇L_i|, and the penalty's α/S·W adds 2ε·α/S·|W|."""
    eps = float(np.finfo(network.dtype).eps)
    X, Y = network.as_input(X), network.as_input(Y).reshape(X.shape[0], -1)
    w, total = sample_weights(X.shape[0], sample_weight, network.dtype)
    w = np.broadcast_to(np.asarray(w, dtype=np.float64).reshape(-1), (X.shape[0],))
    magnitude = np.zeros(network.n_params)
    for i in np.flatnonzero(w):
        magnitude += w[i] * np.abs(np.asarray(network.loss_and_grad(X[i:i + 1], Y[i:i + 1], loss)[1], dtype=np.float64))
    operations = X.shape[0] + 4 * network.n_layers * max(network.layer_sizes)
    mask = network.weight_mask().astype(np.float64)
    return operations * eps * magnitude + 2 * eps * alpha / total * mask * np.abs(np.asarray(network.params, np.float64))


def richardson_gradient(network: Network, X: Array, Y: Array, loss: Loss | str, sample_weight: Array | None = None,
                        alpha: float = 0.0, step: float | None = None, rounding: float | None = None
                        ) -> tuple[Array, Array, Array, Array]:
    """(estimate, truncation bound, kinked, steps): Richardson-extrapolated central differences per parameter
    (module docstring). A parameter's step is divided by 8 (at most ``SHRINKS`` times) while its evaluations
    move a relu-type or elu unit across z = 0, or while D(h/2), D(h), D(2h), D(4h) are not yet in the h² regime
    (their successive differences should shrink by 4, unless rounding, ``rounding``/h, hides them). ``kinked`` marks
    parameters still crossing a zero at the smallest step; where the regime is never reached the truncation
    bound adds both differences. ``step`` is h0; ``rounding`` bounds one cost's rounding error."""
    loss = get_loss(loss) if isinstance(loss, str) else loss
    if rounding is None:
        rounding = cost_rounding(network, X, Y, loss, sample_weight, alpha)
    steps = parameter_steps(network, X, step)
    watched = [l for l, g in enumerate(network.activations, start=1) if g.name in KINKED + SECOND_KINKED]
    base = network.forward(X)
    base_signs = {l: np.sign(base.Z[l]) for l in watched}
    estimate, truncation = np.empty(network.n_params), np.empty(network.n_params)
    kinked = np.zeros(network.n_params, dtype=bool)

    def differences(j: int, h: float) -> tuple[list[float], bool, bool]:
        saved, D, first, second = network.params[j], [], False, False
        for k in (0.5, 1, 2, 4):
            values, points = [], []
            for sign in (1, -1):
                network.params[j] = saved + sign * k * h
                points.append(float(network.params[j]))  # θ ± kh as stored: the step actually taken
                cache = network.forward(X)
                values.append(network.cost(cache, Y, loss, sample_weight, alpha))
                for l in watched:
                    if not np.array_equal(np.sign(cache.Z[l]), base_signs[l]):
                        first |= network.activations[l - 1].name in KINKED
                        second |= network.activations[l - 1].name in SECOND_KINKED
            D.append((values[0] - values[1]) / (points[0] - points[1]))  # D(kh) = (J(θ+kh) - J(θ-kh)) / 2kh
        network.params[j] = saved
        return D, first, second

    for j in range(network.n_params):
        h = float(steps[j])
        for attempt in range(SHRINKS + 1):
            D, first, second = differences(j, h)
            d0, d1, d2 = D[1] - D[0], D[2] - D[1], D[3] - D[2]
            # in the h² regime each difference is 4 times the one before; rounding moves D(kh) by up to ρ/kh,
            # so d0 by 3ρ/h and d1 by 1.5ρ/h (twice that allowed). D(h/2) only checks: four points shrinking
            # by 4 twice over do not line up by chance, where three did across a saturated unit's turn
            settled = not second and (abs(d1) <= 4 * rounding / h or 3 <= d2 / d1 <= 16 / 3) and (
                abs(d0) <= 8 * rounding / h or 3 <= d1 / d0 <= 16 / 3)
            if (settled and not first) or attempt == SHRINKS:
                break
            h = float((network.params[j] + network.dtype.type(h / 8)) - network.params[j]) or h / 8
        R1, R2 = (4 * D[1] - D[2]) / 3, (4 * D[2] - D[3]) / 3  # R(h), R(2h): the h² term cancelled
        estimate[j], steps[j], kinked[j] = R1, h, first
        # an elu zero crossed, or the h² regime never reached: D errs by O(h), which |D(2h) - D(h)| bounds
        truncation[j] = abs(R2 - R1) + (0.0 if settled else abs(d1) + abs(d2))
    return estimate, truncation, kinked, steps


def gradcheck(network: Network, X: Array, Y: Array, loss: Loss | str, sample_weight: Array | None = None,
              alpha: float = 0.0, step: float | None = None, analytic: Array | None = None) -> GradCheck:
    """Compare backprop's gradient (or ``analytic``, a flat vector laid out like ``params``) with extrapolated
    central differences, per parameter array, each against the threshold its own error estimate gives."""
    loss = get_loss(loss) if isinstance(loss, str) else loss
    if analytic is None:
        _, analytic = network.loss_and_grad(X, Y, loss, sample_weight, alpha)
    analytic = np.asarray(analytic, dtype=np.float64).reshape(network.n_params)
    rho = cost_rounding(network, X, Y, loss, sample_weight, alpha)
    numeric, truncation, kinked, steps = richardson_gradient(network, X, Y, loss, sample_weight, alpha, step, rho)
    rounding = 2 * rho / steps
    bound = truncation + rounding
    allowed = SAFETY * (bound + gradient_rounding(network, X, Y, loss, sample_weight, alpha))
    checked = (~kinked).astype(np.float64)
    parts = [network.split(v) for v in (analytic, numeric, allowed, checked)]
    errors, tolerances, kinks, verdicts = {}, {}, {}, {}
    tiny = np.finfo(np.float64).tiny
    for l in range(network.n_layers):
        for kind, index in (("W", 0), ("b", 1)):
            g, g_num, limit, keep = (part[index][l] for part in parts)
            keep = keep.astype(bool)
            name = f"{kind}[{l + 1}]"
            scale = max(float(np.linalg.norm(g[keep]) + np.linalg.norm(g_num[keep])), tiny)
            errors[name] = float(np.linalg.norm((g - g_num)[keep])) / scale
            allowed = float(np.linalg.norm(limit[keep]))
            tolerances[name] = allowed / scale if allowed < scale else 1.0  # ε <= 1 always: 1 allows anything
            kinks[name] = int(np.count_nonzero(~keep))
            verdicts[name] = verdict(errors[name], tolerances[name], compared=bool(keep.any()))
    return GradCheck(analytic, numeric, errors, max(errors.values()), tolerances, kinks, bound, steps, verdicts)
