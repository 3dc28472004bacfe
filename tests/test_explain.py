"""The explain trace and the gradcheck command.

Every number the trace prints is parsed back out of the rendered text, Markdown and LaTeX (in English and
Chinese) and compared with the core's own results: bpnn.core.Network at the same weights (transposed
to the core's rows convention), its forward pass, cost, backward pass, central differences and updates.
"""

import argparse
import re
import shutil
import subprocess
import warnings

import numpy as np
import pytest

import bpnn
from bpnn.cli import UsageError
from bpnn.cli.explain import register
from bpnn.core import Network, gradcheck
from bpnn.core.losses import get_loss, output_delta, per_sample_loss
from bpnn.datasets import xor
from bpnn.derivation import REASONS, SEED_FORMULAS, explain, render
from bpnn.seed import TwoLayerNet
from test_core import central_difference_error
from test_lm import EPS, gradient_rounding

FORMATS = ("text", "markdown", "latex")
LANGS = ("en", "zh")
BCE = get_loss("binary_cross_entropy")
SEED_ORDER = ["8-11", "8-12", "8-13", "8-14", "8-15", "8-16", "8-17", "8-18", "8-19"]


# ---- the core's own numbers, in the order the trace prints them -----------------------------------------
def core_reference(net: Network, X, Y, learning_rate: float, steps: int, seed_form: bool, columns: bool | None = None):
    """(matrices, J, relative errors, new costs) computed by the core alone, in the order the trace prints
    them; matrices in the seed's orientation (samples as columns) when ``seed_form`` or ``columns``."""
    orient = (lambda a: np.atleast_2d(a).T) if (seed_form if columns is None else columns) else (lambda a: a)
    L = net.n_layers

    def parameters():
        return [orient(p).copy() for W, b in zip(net.weights, net.biases) for p in (W, b)]

    initial = parameters()
    cache = net.forward(X)
    forward = [orient(X), orient(Y)] + [orient(a) for l in range(1, L + 1) for a in (cache.Z[l], cache.A[l])]
    losses = per_sample_loss(BCE, net.activations[-1], Y, cache.Z[L], cache.A[L])[:, None]
    J = net.cost(cache, Y, BCE)
    check = gradcheck(net, X, Y, BCE)
    dWs, dbs = net.split(check.analytic)
    num_W, num_b = net.split(check.numeric)
    dZ = output_delta(BCE, net.activations[-1], Y, cache.Z[L], cache.A[L])  # A[L] - Y
    backward = [orient(BCE.grad_a(Y, cache.A[L]))]
    if seed_form:  # σ′(z2) = a2(1 - a2), printed between da2 and dz2
        backward.append(orient(cache.A[L] * (1 - cache.A[L])))
    backward.append(orient(dZ))
    errors = []
    for l in range(L, 0, -1):
        backward += [orient(dWs[l - 1]), orient(num_W[l - 1]), orient(dbs[l - 1]), orient(num_b[l - 1])]
        errors += [check.errors[f"W[{l}]"], check.errors[f"b[{l}]"]]
        if l > 1:
            dA = dZ @ net.weights[l - 1].T  # dA[l-1] = dZ[l] W[l]ᵀ
            dZ = dA * net.activations[l - 2].df(cache.Z[l - 1], cache.A[l - 1])  # dZ[l-1] = dA[l-1] ⊙ g'(Z[l-1])
            backward.append(orient(dA))
            if seed_form:  # σ′(z1) = a1(1 - a1), printed between da1 and dz1
                backward.append(orient(cache.A[l - 1] * (1 - cache.A[l - 1])))
            backward.append(orient(dZ))
    updates, costs = [], []
    grad = check.analytic
    for _ in range(steps):
        net.params -= learning_rate * grad  # θ ← θ - α dJ/dθ
        cost, grad = net.loss_and_grad(X, Y, BCE)
        updates += parameters()
        costs.append(cost)
    matrices = initial + forward + [orient(losses)] + backward + updates
    return matrices, J, errors + [max(errors)], costs


def seed_reference(X, y, n_h: int, seed: int, scale: float, learning_rate: float, steps: int):
    """The seed network's initial weights (TwoLayerNet's own draw), then everything else from the core."""
    seed_net = TwoLayerNet(X.shape[1], n_h, seed=seed, scale=scale)
    net = Network([X.shape[1], n_h, 1], "sigmoid", "sigmoid")
    for W, b, w_seed, b_seed in zip(net.weights, net.biases, (seed_net.w1, seed_net.w2), (seed_net.b1, seed_net.b2)):
        W[...], b[...] = w_seed.T, b_seed.ravel()
    return core_reference(net, X, y.reshape(-1, 1).astype(float), learning_rate, steps, seed_form=True)


def layered_reference(X, y, hidden, activation: str, seed: int, scale: float, learning_rate: float, steps: int,
                      columns: bool = False):
    """Weights drawn independently as the seed draws them: w_l = scale·N(0, 1) as (n_out, n_in), in order."""
    net = Network([X.shape[1], *hidden, 1], activation, "sigmoid")
    rng = np.random.default_rng(seed)
    for W in net.weights:
        W[...] = (rng.standard_normal(W.shape[::-1]) * scale).T
    return core_reference(net, X, y.reshape(-1, 1).astype(float), learning_rate, steps, seed_form=False,
                          columns=columns)


# ---- parsing the rendered output ---------------------------------------------------------------------------
def to_float(token: str) -> float:
    match = re.fullmatch(r"(-?[\d.]+)\\times 10\^\{(-?\d+)\}", token.strip())
    return float(f"{match[1]}e{match[2]}") if match else float(token)


def parse(output: str, format: str) -> tuple[list[np.ndarray], list[float]]:
    """The matrices and the scalars (J = …, ε = …) of a rendered trace, in order."""
    matrices = []
    if format == "latex":
        for body in re.findall(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", output, re.S):
            matrices.append(np.array([[to_float(c) for c in row.split("&")] for row in body.split(r"\\")]))
        scalars = [to_float(v) for _, v in re.findall(r"\$(J|\\varepsilon) = ([^$]+)\$", output)]
        return matrices, scalars
    rows: list[list[float]] = []
    for line in output.splitlines() + [""]:
        if format == "text" and (m := re.fullmatch(r"\s+\[ (.*) \]", line)):
            rows.append([float(v) for v in m[1].split()])
        elif format == "markdown" and line.startswith("| **"):
            rows.append([float(v) for v in line.strip("|").split("|")[1:]])
        elif rows:
            matrices.append(np.array(rows))
            rows = []
    scalars = [float(v) for _, v in re.findall(r"(?:^|\s)(J|ε) = ([-+0-9.e]+)(?=[\s,(（]|$)", output, re.M)]
    return matrices, scalars


def assert_matches(output: str, format: str, reference) -> None:
    """Every matrix and scalar printed equals the core's, to the printed digits."""
    matrices, scalars = parse(output, format)
    want_matrices, want_J, want_errors, want_costs = reference
    assert len(matrices) == len(want_matrices)
    for got, want in zip(matrices, want_matrices):
        # 6 significant digits: half a unit of the 6th is at most 5e-6 of the value (its leading digit >= 1)
        np.testing.assert_allclose(got, np.atleast_2d(want), rtol=6e-6, atol=1e-300)
    assert len(scalars) == 1 + len(want_errors) + len(want_costs)
    J, errors, costs = scalars[0], scalars[1:1 + len(want_errors)], scalars[1 + len(want_errors):]
    assert J == pytest.approx(want_J, rel=6e-6)
    np.testing.assert_allclose(costs, want_costs, rtol=6e-6)
    # ε is printed with 2 digits: half a unit of the 2nd is at most 5% of the value. The seed form's analytic
    # gradient is TwoLayerNet's, equal to the core's up to rounding (~1e-17), far below g - g_num (~1e-11), so ε
    # agrees to the printed digits. (Whether ε is small enough is test_numerical_and_analytic_gradients_agree's.)
    np.testing.assert_allclose(errors, want_errors, rtol=0.06)


def parser() -> argparse.ArgumentParser:
    """The CLI's parser shape: ``bpnn`` with sub-commands, ours registered on it."""
    top = argparse.ArgumentParser(prog="bpnn")
    register(top.add_subparsers(dest="command"))
    return top


def run(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    return args.handler(args)


# ---- every printed number is the core's ---------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("format", FORMATS)
def test_seed_form_prints_the_cores_numbers(format, lang):
    X, y = xor()
    trace = explain("xor", hidden=3, seed=0, learning_rate=1.0, steps=2)
    assert_matches(render(trace, format, lang), format, seed_reference(X, y, 3, seed=0, scale=1.0, learning_rate=1.0,
                                                                        steps=2))


@pytest.mark.parametrize("layout", ["rows", "columns"])
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("format", FORMATS)
def test_layered_form_prints_the_cores_numbers(format, lang, layout):
    X, y = xor()
    trace = explain("xor", hidden=(4, 3), seed=1, learning_rate=0.5, steps=1, layout=layout)
    assert trace.form == "layers"
    assert_matches(render(trace, format, lang), format, layered_reference(X, y, (4, 3), "sigmoid", seed=1, scale=1.0,
                                                                           learning_rate=0.5, steps=1,
                                                                           columns=layout == "columns"))


def test_other_data_activation_and_scale_print_the_cores_numbers():
    from bpnn.datasets import moons

    X, y = moons(n_samples=6, random_state=2)
    trace = explain("moons", samples=6, hidden=(3, 2), activation="tanh", seed=2, scale=0.5, learning_rate=0.3, steps=3)
    reference = layered_reference(X, y, (3, 2), "tanh", seed=2, scale=0.5, learning_rate=0.3, steps=3)
    assert_matches(render(trace, "markdown", "en"), "markdown", reference)


def test_seed_form_data_is_twolayernets_own_computation():
    """The trace's values are TwoLayerNet's forward/backward/update, bit for bit."""
    X, y = xor()
    x, Y = X.T, y[None, :].astype(float)
    net = TwoLayerNet(2, 3, seed=0, scale=1.0)
    trace = explain("xor", hidden=3, steps=1)
    for name, value in net.params.items():
        np.testing.assert_array_equal(trace[name].value, value)
    cache = net.forward(x)
    for name in ("z1", "a1", "z2", "a2"):
        np.testing.assert_array_equal(trace[name].value, cache[name])
    assert trace.cost == net.cost(cache.a2, Y)
    grads = net.backward(x, Y, cache)
    assert [q.name for q in trace.backward] == ["da2", "σ′(z2)", "dz2", "dw2", "db2", "da1", "σ′(z1)", "dz1", "dw1",
                                                "db1"]
    np.testing.assert_array_equal(trace["σ′(z2)"].value, cache.a2 * (1 - cache.a2))
    np.testing.assert_array_equal(trace["σ′(z1)"].value, cache.a1 * (1 - cache.a1))
    for name, value in grads.items():
        np.testing.assert_array_equal(trace[name].value, value)
        assert trace[name].shape == value.shape
    net.update(grads, 1.0)
    for quantity in trace.steps[0].parameters:
        np.testing.assert_array_equal(quantity.value, net.params[quantity.name])
    assert trace.steps[0].cost == net.cost(net.forward(x).a2, Y)


def test_layered_form_with_one_hidden_layer_is_the_seed_form_transposed():
    seed_trace, layered = explain(hidden=3, seed=4), explain(hidden=3, seed=4, general=True)
    pairs = {"w1": "W[1]", "w2": "W[2]", "z1": "Z[1]", "a1": "A[1]", "z2": "Z[2]", "a2": "A[2]", "da2": "dA[2]",
             "dz2": "dZ[2]", "dw2": "dW[2]", "da1": "dA[1]", "dz1": "dZ[1]", "dw1": "dW[1]"}
    # the same formulas on transposed arrays, so sums in another order: each entry a dot product of at most 4
    # terms per layer, forward and back through 2 layers, so within a few ulp × 4 × depth of its terms' size
    # (rtol 1e-12 ≈ 4500 ulp; atol for entries that cancel to near 0 from terms of size <= 1)
    for seed_name, layer_name in pairs.items():
        np.testing.assert_allclose(seed_trace[seed_name].value, layered[layer_name].value.T, rtol=1e-12, atol=1e-15)
    for seed_name, layer_name in (("db2", "db[2]"), ("db1", "db[1]")):
        np.testing.assert_allclose(seed_trace[seed_name].value.ravel(), layered[layer_name].value, rtol=1e-12, atol=1e-15)
    assert seed_trace.cost == pytest.approx(layered.cost, rel=1e-14)  # a mean of 4 positive losses: a few ulp


# ---- gradients ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("options", [
    dict(), dict(data="moons", samples=8, seed=3), dict(data="flower", samples=10, hidden=5),
    dict(data="circles", samples=6, hidden=(4, 3, 2)), dict(data="moons", samples=8, hidden=(3, 3), activation="relu", seed=5),
    dict(general=True, scale=0.1),
])
def test_numerical_and_analytic_gradients_agree(options):
    trace = explain(**options)
    assert len(trace.gradients) == 2 * (len(trace.settings["hidden"]) + 1)
    bounds = central_difference_bounds(trace)
    for quantity in trace.gradients:
        g, g_num = quantity.value, quantity.numeric
        error = np.linalg.norm(g - g_num) / (np.linalg.norm(g) + np.linalg.norm(g_num))
        assert error <= bounds[quantity.name], (quantity.name, error, bounds[quantity.name])
        assert quantity.relative_error == pytest.approx(error, rel=16 * EPS)  # two norms and a quotient, reordered
    assert trace.max_relative_error == max(quantity.relative_error for quantity in trace.gradients)


def central_difference_bounds(trace):
    """Per gradient of the trace, the relative error a correct backprop may show against central differences:
    the central difference's own error (test_core.central_difference_error, on the core network with the trace's
    weights and data), plus the analytic gradient's rounding (gradient_rounding) over the same norms."""
    seed = trace.form == "seed"
    names = [q.name for q in trace.parameters]
    values = {q.name: q.value for q in trace.parameters + trace.forward}
    X, Y = (values["x"].T, values["y"].T) if seed else (values["A[0]"], values["Y"])
    net = Network([X.shape[1], *trace.settings["hidden"], 1], trace.settings["activation"], "sigmoid")
    for l, (W, b) in enumerate(zip(net.weights, net.biases)):
        weight, bias = values[names[2 * l]], values[names[2 * l + 1]]
        W[...], b[...] = (weight.T, bias.ravel()) if seed else (weight, bias)
    bounds = central_difference_error(net, X, Y, "binary_cross_entropy", step=1e-6)  # the STEP explain uses
    rounding = gradient_rounding(net, X, Y, "binary_cross_entropy")
    result = {}
    for quantity in trace.gradients:
        layer = quantity.name[-1] if seed else quantity.name[-2]  # "dw1" or "dW[1]"
        key = ("W" if quantity.kind in ("dw1", "dw2", "dW") else "b") + f"[{layer}]"
        scale = np.linalg.norm(quantity.value) + np.linalg.norm(quantity.numeric)
        result[quantity.name] = bounds[key] + rounding / scale
    return result


def test_relu_at_its_kink_is_left_out_and_named():
    """XOR's input (0, 0) with zero biases puts every first-layer unit at Z = 0, relu's kink: the bias steps cross
    it, so those parameters are left out (their differences average two slopes) and the output says why."""
    trace = explain(hidden=(3, 3), activation="relu", seed=5)
    assert trace.passed
    kinked = {q.name: q.kinks for q in trace.gradients if q.kinks}
    assert kinked and set(kinked) <= {"db[1]", "db[2]", "dW[2]"}
    output = render(trace, "text")
    assert "crosses its kink" in " ".join(output.split())
    assert "不参加检验" in render(trace, "text", "zh") or "未参加检验" in render(trace, "text", "zh")


@pytest.mark.parametrize("argv", [["--scale", "0.01"], ["--scale", "0.05"], ["flower", "--samples", "8", "--scale", "0.01"],
                                  ["--scale", "0.01", "--general"], ["--hidden", "4,3", "--scale", "0.01"]])
@pytest.mark.parametrize("lang", LANGS)
def test_textbook_scales_pass_the_check_and_no_kink_is_blamed(argv, lang, capsys):
    """The cases issue 23 found crying wolf (a fixed 1e-7 against central differences with h = 1e-6 on gradients
    of ~3e-6): an all-sigmoid network, so no kink can be named; the check passes."""
    assert run(["explain", *argv, "--lang", lang]) == 0
    output = " ".join(capsys.readouterr().out.split())
    assert {"en": "agree with the numerical ones", "zh": "与数值梯度一致"}[lang] in output
    assert "kink" not in output and "折点" not in output and "NOT" not in output
    assert {"en": "too small", "zh": "太小"}[lang] not in output  # every gradient is resolved and checked


@pytest.mark.parametrize("lang", LANGS)
def test_gradients_too_small_to_check_are_named_not_passed_off(lang, capsys):
    """Three sigmoid layers at weights of 1e-3: the lowest layers' gradients (‖dW[1]‖ ≈ 2e-15, the vanishing
    gradient) move J over a step by less than J's own rounding, so the check allows anything there. The trace says
    so for exactly those arrays, and the verdict names a gradient it did check."""
    trace = explain(hidden=(4, 3, 3), scale=1e-3)
    unresolved = [q.name for q in trace.gradients if q.tolerance >= 1]
    resolved = [q for q in trace.gradients if q.tolerance < 1]
    assert unresolved and resolved and trace.worst.tolerance < 1
    # the core's verdict says the same: exactly those arrays unresolved, the rest agree; passed, though not resolved
    assert [q.name for q in trace.gradients if q.verdict == "unresolved"] == unresolved
    assert {q.verdict for q in resolved} == {"agree"} and trace.passed
    assert sorted("d" + name for name in trace.check.unresolved) == sorted(unresolved) and not trace.check.resolved
    # "too small" in the plain sense: every gradient left unchecked is smaller than every gradient checked, and
    # below 1e-11, where J (about 0.69, rounded to ε·J ≈ 1.5e-16) moves by < 1e-14 over a step of 7.4e-4
    largest = max(np.linalg.norm(trace[name].value) for name in unresolved)
    assert largest < min(np.linalg.norm(q.value) for q in resolved) and largest < 1e-11
    output = " ".join(render(trace, "text", lang).split())
    words = {"en": ("allowed: any (too small to check", "too small for central differences to check"),
             "zh": ("允许值：不限（太小，无法检验", "太小，中心差分无法检验")}[lang]
    assert output.count(words[0]) == len(unresolved)
    assert f"{(', ' if lang == 'en' else '、').join(unresolved)}: {words[1]}".replace(": 太", "：太") in output
    assert run(["gradcheck", "--hidden", "4,3,3", "--lang", lang]) == 0  # a fresh network: every array resolved
    assert {"en": "any (", "zh": "不限"}[lang] not in capsys.readouterr().out


# ---- the lesson: order, slips, words ------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("hidden", [3, (4, 3)])
def test_formula_numbers_appear_in_the_seeds_order(format, lang, hidden):
    output = render(explain(hidden=hidden), format, lang)
    first_seen = list(dict.fromkeys(re.findall(r"8-1\d", output)))
    assert first_seen == SEED_ORDER


CORRECTED = {  # (seed's printed form, corrected batch form), plain text, as docs/seed.md tabulates them
    "z2": ("z2 = w2 x + b2", "z2 = w2 a1 + b2"),
    "dw2": ("(1/m)(a2 - y) a1", "dw2 = (1/m) dz2 a1ᵀ"),
    "db2": ("= ∂L/∂Z2 = a2 - y", "db2 = (1/m) Σ_i dz2_i"),
    "da1": ("= (a2 - y) w2", "da1 = w2ᵀ dz2"),
    "dz1": ("= (a2 - y) w2 σ′(Z1)", "dz1 = da1 ⊙ σ′(z1)"),
    "dw1": ("= (a2 - y) w2 σ′(Z1) x", "dw1 = (1/m) dz1 xᵀ"),
    "db1": ("∂Z1/∂b1 = (a2 - y) w2 σ′(Z1)", "db1 = (1/m) Σ_i dz1_i"),
}


@pytest.mark.parametrize("lang", LANGS)
def test_text_shows_the_seeds_form_the_correction_and_why(lang):
    output = render(explain(), "text", lang)
    blocks = re.split(r"\n(?=\S)", output)  # one block per quantity heading
    corrected = {"en": "corrected:", "zh": "修正（批量形式）："}[lang]
    typo = {"en": "corrected (a misprint):", "zh": "更正（排印错误）："}[lang]  # z2's fix is a misprint's
    for name, (seed_form, batch_form) in CORRECTED.items():
        block = next(b for b in blocks if re.match(rf"(8-1\d )?{name} — ", b))
        seed_line = next(line for line in block.splitlines() if seed_form in line)
        corrected_line = next(line for line in block.splitlines() if batch_form in line)
        assert block.index(seed_line) < block.index(corrected_line)
        assert (typo if name == "z2" else corrected) in corrected_line
        assert REASONS[lang][name] in block
    assert output.count(corrected) == len(CORRECTED) - 1 and output.count(typo) == 1


@pytest.mark.parametrize("hidden", [3, (4, 3)])
def test_chinese_is_wrapped_by_display_width_never_inside_a_formula(hidden):
    """Wrapped at 100 columns, a full-width character counting 2; no line ends inside "α = 1" or "第 1 步"; no
    space follows a full-width colon; the cost J, not the loss L, has the parameter gradients."""
    from unicodedata import east_asian_width

    output = render(explain(hidden=hidden, steps=2), "text", "zh")
    for line in output.splitlines():
        if not line.startswith((" ", "== ")):  # prose (headings, matrices and formula lines are never wrapped)
            assert sum(2 if east_asian_width(c) in "WF" else 1 for c in line) <= 100 + 2, line
        assert set(line) == {"="} or not re.search(r"( =|第|（)$", line.rstrip()), line  # nor after an opening bracket
        assert not line.startswith(("，", "。", "；", "）")), line
        assert "： " not in line, line
    assert "学习率 α = 1，梯度下降 2 步" in output
    assert "在真实数字上" not in output and "以种子" not in output and "随机种子为 0" in output
    assert "代价 J 对" in output and "损失函数对" not in output


def test_english_says_textbook_and_random_seed_apart():
    output = " ".join(render(explain(), "text", "en").split())
    assert "with random seed 0, in the textbook's layout" in output
    assert "the seed's" not in output and "seed prints" not in output


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("format", ["markdown", "latex"])
def test_lecture_notes_show_the_seeds_latex_and_the_corrected_form(format, lang):
    output = render(explain(), format, lang)
    for name in CORRECTED:
        formula = SEED_FORMULAS[name]
        assert formula.slip and formula.seed_tex in output and formula.tex in output
        assert output.index(formula.seed_tex) < output.index(formula.tex)
    assert r"\frac{1}{m}(a_2 - y)a_1" in output  # 8-14 exactly as the seed prints it
    assert r"dw_1 = \frac{1}{m}\, dz_1\, x^{\mathsf T}" in output


@pytest.mark.parametrize("format", FORMATS)
def test_chinese_uses_the_seeds_terms(format):
    output = render(explain(), format, "zh")
    for term in ("反向传播", "损失函数", "链式求导", "梯度", "权重", "偏置", "激活函数", "交叉熵", "学习率", "隐藏层", "输出层",
                 "训练样本", "梯度下降"):
        assert term in output


def test_layered_form_states_its_orientation():
    output = " ".join(render(explain(hidden=(4, 3)), "text", "en").split())  # undo the paragraph wrapping
    assert "samples are rows" in output and "W[l] is (n[l-1], n[l])" in output and "dW[l] = dw_lᵀ" in output
    assert "dZ[2] = dA[2] ⊙ σ′(Z[2])" in output and "dW[1] = (1/m) A[0]ᵀ dZ[1]" in output
    zh = render(explain(hidden=(4, 3)), "text", "zh")
    assert "约定：样本按行排列" in zh


COLUMN_NAME = {"A[0]": "x", "Y": "y"}  # the rest: W[2] → w2, dZ[1] → dz1, …


def column_name(name: str) -> str:
    return COLUMN_NAME.get(name) or re.sub(r"^(d?)([A-Za-z])\[(\d+)\]$", lambda m: m[1] + m[2].lower() + m[3], name)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_columns_layout_is_the_rows_trace_transposed_exactly(activation):
    rows = explain(hidden=(4, 3), activation=activation, steps=2, layout="rows")
    columns = explain(hidden=(4, 3), activation=activation, steps=2, layout="columns")
    assert columns.settings["layout"] == "columns" and rows.settings["layout"] == "rows"
    pairs = [(r, c) for part in ("parameters", "forward", "loss", "backward")
             for r, c in zip(getattr(rows, part), getattr(columns, part), strict=True)]
    pairs += [(r, c) for a, b in zip(rows.steps, columns.steps, strict=True)
              for r, c in zip(a.parameters, b.parameters, strict=True)]
    for r, c in pairs:
        assert c.name == column_name(r.name)
        transposed = np.atleast_2d(r.value).T if r.value.ndim else r.value  # a bias (n,) becomes the column (n, 1)
        np.testing.assert_array_equal(c.value, transposed)  # bit for bit: a transpose only moves numbers
        if r.numeric is not None:
            np.testing.assert_array_equal(c.numeric, np.atleast_2d(r.numeric).T)
            assert (c.relative_error, c.tolerance) == (r.relative_error, r.tolerance)
    sizes = [2, 4, 3, 1]  # xor's 2 inputs, the hidden sizes, one output; m = 4
    for l in (1, 2, 3):
        assert columns[f"w{l}"].shape == columns[f"dw{l}"].shape == (sizes[l], sizes[l - 1])  # (n_out, n_in)
        assert columns[f"b{l}"].shape == columns[f"db{l}"].shape == (sizes[l], 1)
        assert columns[f"z{l}"].shape == columns[f"a{l}"].shape == columns[f"dz{l}"].shape == (sizes[l], 4)
    assert columns["x"].shape == (2, 4) and columns["y"].shape == (1, 4) and columns["L"].shape == (1, 4)
    text = render(columns, "text", "en")
    for q in columns.parameters + columns.forward + columns.backward:  # each heading, then its shape as printed
        heading = re.search(rf"^(?:8-1\d )?{re.escape(q.name)} — ", text, re.M)
        block = text[heading.start():]
        assert f"shape {q.shape}" in block[:block.index("\n\n")]


def test_columns_layout_follows_the_textbooks_formulas():
    """The printed formulas of the columns layout, recomputed here from the printed quantities with NumPy:
    z_l = w_l a_(l-1) + b_l, dw_l = (1/m) dz_l a_(l-1)ᵀ, db_l = (1/m) Σ_i dz_l, da_l = w_(l+1)ᵀ dz_(l+1)."""
    t = explain(hidden=(4, 3), activation="tanh", layout="columns")
    m = t["x"].shape[1]
    below = {1: t["x"].value, 2: t["a1"].value, 3: t["a2"].value}
    for l in (1, 2, 3):
        w, b = t[f"w{l}"].value, t[f"b{l}"].value
        # sums of at most 4 products of terms of size <= |w||a| + |b|: within 6ε of that (the core sums in
        # another order)
        scale = np.abs(w) @ np.abs(below[l]) + np.abs(b)
        np.testing.assert_allclose(t[f"z{l}"].value, w @ below[l] + b, rtol=0, atol=float(6 * EPS * scale.max()))
        dz = t[f"dz{l}"].value
        grad_scale = np.abs(dz) @ np.abs(below[l]).T / m
        np.testing.assert_allclose(t[f"dw{l}"].value, dz @ below[l].T / m, rtol=0,
                                   atol=float(6 * EPS * grad_scale.max()))
        np.testing.assert_allclose(t[f"db{l}"].value, dz.sum(axis=1, keepdims=True) / m, rtol=0,
                                   atol=float(6 * EPS * np.abs(dz).sum(axis=1).max() / m))
        assert f"z{l} = w{l} {'x' if l == 1 else f'a{l - 1}'} + b{l}" in render(t, "text", "en")
    for l in (1, 2):
        w, dz = t[f"w{l + 1}"].value, t[f"dz{l + 1}"].value
        np.testing.assert_allclose(t[f"da{l}"].value, w.T @ dz, rtol=0,
                                   atol=float(6 * EPS * (np.abs(w).T @ np.abs(dz)).max()))


def test_columns_layout_with_one_hidden_layer_holds_the_seeds_numbers():
    seed_trace, columns = explain(hidden=3, seed=4), explain(hidden=3, seed=4, general=True, layout="columns")
    # the seed form's TwoLayerNet and the core compute the same formulas, summing in another order: within
    # rtol 1e-12 (as test_layered_form_with_one_hidden_layer_is_the_seed_form_transposed argues)
    for name in ("w1", "b1", "w2", "b2", "x", "z1", "a1", "z2", "a2", "da2", "dz2", "dw2", "db2", "da1", "dz1",
                 "dw1", "db1"):
        assert columns[name].shape == seed_trace[name].shape, name
        np.testing.assert_allclose(columns[name].value, seed_trace[name].value, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("lang", LANGS)
def test_columns_layout_states_its_orientation(lang):
    output = " ".join(render(explain(hidden=(4, 3), layout="columns"), "text", lang).split())
    if lang == "en":
        assert "samples are columns, as in the textbook" in output and "w_l is (n[l], n[l-1])" in output
        assert "dz2 = da2 ⊙ σ′(z2)" in output and "dw1 = (1/m) dz1 xᵀ" in output and "‖dw1‖ = " in output
        assert "derivative of the loss with respect to z2" in output and "w_l ← w_l - α dw_l" in output
    else:
        assert "约定：与原文相同，样本按列排列" in output and "损失函数关于 z2 的导数" in output
    assert "W[" not in output and "Z[" not in output and "A[" not in output


def test_layout_on_the_command_line_and_refusals(capsys):
    assert run(["explain", "--hidden", "4,3", "--layout", "columns", "--format", "latex"]) == 0
    assert capsys.readouterr().out == render(explain(hidden=(4, 3), layout="columns"), "latex")
    assert run(["explain", "--general", "--layout", "rows"]) == 0
    assert capsys.readouterr().out == render(explain(general=True), "text")
    with pytest.raises(UsageError, match=re.escape("the textbook's two-layer form has samples as columns; ask for the "
                                                   "layered form (--general) to see samples as rows")):
        run(["explain", "--layout", "rows"])
    with pytest.raises(ValueError, match="unknown layout 'diagonal'; choose one of rows, columns"):
        explain(hidden=(4, 3), layout="diagonal")


def test_gradcheck_layout_columns_names_and_shapes_as_the_textbook(capsys):
    assert run(["gradcheck", "--hidden", "4,3", "--layout", "columns"]) == 0
    columns = capsys.readouterr().out.splitlines()
    assert run(["gradcheck", "--hidden", "4,3"]) == 0
    rows = capsys.readouterr().out.splitlines()
    # sizes 3-4-3-1: w_l is (n_out, n_in), b_l a column; W[l] is (n_in, n_out), b[l] flat; the same errors
    shapes = {"w1": "(4, 3)", "b1": "(4, 1)", "w2": "(3, 4)", "b2": "(3, 1)", "w3": "(1, 3)", "b3": "(1, 1)"}
    core = {"W[1]": "(3, 4)", "b[1]": "(4,)", "W[2]": "(4, 3)", "b[2]": "(3,)", "W[3]": "(3, 1)", "b[3]": "(1,)"}
    for line, (name, shape), (core_name, core_shape), row in zip(columns[1:7], shapes.items(), core.items(), rows[1:7]):
        assert line.split()[0] == name and line.split(")")[0] + ")" == f"  {name:<6} {shape}"
        assert row.split()[0] == core_name and row.split(")")[0] + ")" == f"  {core_name:<6} {core_shape}"
        assert line.split(")", 1)[1].strip() == row.split(")", 1)[1].strip()  # the same error and allowance


def test_markdown_renders_matrices_as_tables():
    output = render(explain(), "markdown", "en")
    table = output[output.index("### z1 — "):].split("\n\n")
    rows = next(part for part in table if part.startswith("| |")).splitlines()
    assert rows[0] == "| | sample 1 | sample 2 | sample 3 | sample 4 |"
    assert rows[1] == "|---|---|---|---|---|"
    assert len(rows) == 2 + 3  # z1 is (n_h, m) = (3, 4)


# ---- the slips, computed and caught -------------------------------------------------------------------------
SLIP_NAMES = ("no-1/m", "no-transpose", "z2-from-x", "no-sum")


def seed_values(trace):
    """x, y, a1, a2, w2, b2 of a seed-form trace, and m."""
    v = {q.name: q.value for q in trace.parameters + trace.forward}
    return v["x"], v["y"], v["a1"], v["a2"], v["w2"], v["b2"], v["x"].shape[1]


def test_slip_no_1_over_m_is_m_times_the_gradient():
    trace = explain(hidden=3, slip="no-1/m")
    x, y, a1, a2, _, _, m = seed_values(trace)
    rows = {q.name: q for q in trace.slip.quantities}
    dz2 = a2 - y  # 8-13, from the printed forward values
    np.testing.assert_allclose(rows["dw2"].value, dz2 @ a1.T, rtol=1e-12)  # no 1/m
    np.testing.assert_allclose(rows["db2"].value, [[dz2.sum()]], rtol=1e-12)
    for name in ("dw2", "db2", "dw1", "db1"):
        np.testing.assert_allclose(rows[name].value, m * trace[name].value, rtol=1e-12)
        # ‖m g - g‖ / (‖m g‖ + ‖g‖) = (m - 1)/(m + 1) = 3/5 for m = 4, as g_num ≈ g to 1e-10
        assert rows[name].relative_error == pytest.approx((m - 1) / (m + 1), rel=1e-8)
    assert trace.slip.failing == ["dw2", "db2", "dw1", "db1"] and trace.slip.caught
    assert set(trace.slip.check.verdicts.values()) == {"disagree"}  # the core's verdict, which failing reads
    assert {q.name: q.verdict for q in trace.gradients} == dict.fromkeys(["dw2", "db2", "dw1", "db1"], "agree")


def test_slip_no_transpose_runs_when_n_h_equals_m_and_is_wrong():
    """The README's XOR with n_h = m = 4: dz2 (1, 4) a1 (4, 4) is defined, has w2's shape, and is 11.5% off."""
    trace = explain(hidden=4, slip="no-transpose")
    x, y, a1, a2, _, _, m = seed_values(trace)
    rows = {q.name: q for q in trace.slip.quantities}
    slipped = (a2 - y) @ a1 / m
    np.testing.assert_allclose(rows["dw2"].value, slipped, rtol=1e-12)
    g = trace["dw2"].value
    expected = np.linalg.norm(slipped - g) / (np.linalg.norm(slipped) + np.linalg.norm(g))
    assert expected == pytest.approx(0.115, abs=0.001)
    assert rows["dw2"].relative_error == pytest.approx(expected, rel=1e-6)
    assert rows["dw1"].value is None and rows["dw1"].undefined == ((4, 4), (2, 4))  # dz1 (n_h, m) times x (n_x, m)
    assert trace.slip.failing == ["dw2"] and trace.slip.broken == ["dw1"]
    with_3 = explain(hidden=3, slip="no-transpose").slip
    assert with_3.broken == ["dw2", "dw1"] and not with_3.failing  # (1, 4) times (3, 4): undefined


def test_slip_z2_from_x_is_undefined_unless_n_h_equals_n_x():
    assert explain(hidden=3, slip="z2-from-x").slip.quantities[0].undefined == ((1, 3), (2, 4))
    trace = explain(hidden=2, slip="z2-from-x")
    x, y, _, _, w2, b2, m = seed_values(trace)
    rows = {q.name: q for q in trace.slip.quantities}
    z2 = w2 @ x + b2  # as printed
    np.testing.assert_allclose(rows["z2"].value, z2, rtol=1e-12)
    a2 = 1 / (1 + np.exp(-z2))
    np.testing.assert_allclose(rows["dw2"].value, (a2 - y) @ x.T / m, rtol=1e-12)
    assert rows["dw1"].relative_error == pytest.approx(1.0)  # 0 against a nonzero gradient: ‖g‖ / ‖g‖
    assert set(trace.slip.failing) == {"dw2", "db2", "dw1", "db1"}


def test_slip_no_sum_gives_one_column_per_sample():
    trace = explain(hidden=3, slip="no-sum")
    rows = {q.name: q for q in trace.slip.quantities}
    assert rows["db1"].value.shape == (3, 4) and rows["db2"].value.shape == (1, 4)
    np.testing.assert_allclose(rows["db1"].value.sum(axis=1, keepdims=True), trace["db1"].value, rtol=1e-12)
    assert trace.slip.broken == ["db2", "db1"] and trace.slip.caught
    output = render(trace, "text")
    assert "would make b1 a (3, 4) matrix" in " ".join(output.split())


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("slip", SLIP_NAMES)
def test_every_slip_renders_in_every_format_and_language(slip, format, lang):
    trace = explain(hidden=4 if slip == "no-transpose" else 2 if slip == "z2-from-x" else 3, slip=slip)
    output = render(trace, format, lang)
    assert {"en": "the slip is caught", "zh": "错误被发现"}[lang] in " ".join(output.split())
    for q in trace.slip.quantities:
        assert (q.formula.tex if format != "text" else q.formula.text) in output
    if format == "latex":
        assert output.count(r"\begin{bmatrix}") == output.count(r"\end{bmatrix}")
        if lang == "en":
            assert output.isascii()


def test_slip_command_line_and_refusals(capsys):
    assert run(["explain", "--slip", "no-1/m", "--lang", "zh"]) == 0
    assert capsys.readouterr().out == render(explain(slip="no-1/m"), "text", "zh")
    with pytest.raises(ValueError, match="unknown slip 'nope'; choose one of no-1/m, no-transpose"):
        explain(slip="nope")
    with pytest.raises(UsageError, match="the slip 'no-sum' is in the textbook's formulas for one hidden layer"):
        run(["explain", "--slip", "no-sum", "--general"])


# ---- one sample through the chain rule ------------------------------------------------------------------------
HAND = dict(X=np.array([[1.0, 2.0], [-1.0, 0.5]]), y=np.array([1, 0]), hidden=2, steps=0,
            weights=[(np.array([[0.1, 0.4], [-0.2, 0.3]]), np.array([0.01, -0.02])),  # W[1] = w1ᵀ
                     (np.array([[0.5], [-0.6]]), np.array([0.05]))])


def test_sample_walk_matches_the_hand_worked_step():
    """test_seed's hand-worked network: sample 1 is x = (1, 2), y = 1; the numbers there were worked by hand."""
    trace = explain(**HAND, sample=1)
    lines = {line.text.split(" = ")[0]: line.value for line in trace.walk.lines}
    a2 = 0.457040432212816
    assert float(lines["da2"]) == pytest.approx(-1 / a2, rel=1e-12)  # -y/a2 with y = 1
    assert float(lines["σ′(z2)"]) == pytest.approx(a2 * (1 - a2), rel=1e-12)
    assert float(lines["dz2"]) == pytest.approx(a2 - 1, rel=1e-12)  # da2·σ′(z2) = -(1 - a2) = a2 - y
    np.testing.assert_allclose(lines["da1"], [-0.271479783893592, 0.3257757406723104], rtol=1e-12)  # w2ᵀ dz2
    a1 = np.array([0.42800386706848137, 0.7271082163411295])
    np.testing.assert_allclose(lines["σ′(z1)"], a1 * (1 - a1), rtol=1e-12)
    np.testing.assert_allclose(lines["dz1"], [-0.0664627459452857, 0.06464102777844455], rtol=1e-11)
    np.testing.assert_allclose(lines["dw1(i)"], np.outer([-0.0664627459452857, 0.06464102777844455], [1, 2]), rtol=1e-11)
    average = {line.text.split(" = ")[0]: line.value for line in trace.walk.average}
    # the batch averages are test_seed's hand-worked gradients
    np.testing.assert_allclose(average["dw1"], [[-0.06445771507379114, -0.05084957489471155],
                                                [0.06945050919849888, 0.04607603012380625]], rtol=1e-11)
    np.testing.assert_allclose(average["db1"], [[-0.002005030871494555], [-0.004809481420054336]], rtol=1e-10)
    np.testing.assert_allclose(average["dw2"], [[-0.0020958954947069147, -0.08827139418420843]], rtol=1e-11)
    for name in ("dw2", "db2", "dw1", "db1"):
        np.testing.assert_allclose(average[name], trace[name].value, rtol=1e-12, atol=1e-17)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("format", FORMATS)
def test_sample_walk_prints_each_product_on_its_own_line(format, lang):
    output = render(explain(sample=2, steps=0), format, lang)
    assert {"en": "One sample through the chain rule: sample 2", "zh": "单个样本的链式求导：第 2 个样本"}[lang] in output
    if format == "text":
        walk = output[output.index({"en": "One sample", "zh": "单个样本的链式求导"}[lang]):].splitlines()
        for start in ("8-12 da2 = ", "σ′(z2) = a2 (1 - a2) = ", "8-13 dz2 = da2 · σ′(z2) = ", "8-16 da1 = w2ᵀ dz2 = ",
                      "σ′(z1) = a1 ⊙ (1 - a1) = ", "8-17 dz1 = da1 ⊙ σ′(z1) = ", "8-19 db1(i) = dz1 = "):
            assert sum(line.strip().startswith(start) for line in walk) == 1, start


def test_sample_refusals():
    with pytest.raises(ValueError, match="sample must be between 1 and m = 4; got 5"):
        explain(sample=5)
    with pytest.raises(ValueError, match="sample walks one sample through the textbook's chain rule"):
        explain(sample=1, general=True)


# ---- classroom numbers: --scale 0, --digits ---------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
def test_scale_zero_keeps_the_hidden_units_equal_and_says_why(lang):
    trace = explain("moons", samples=5, scale=0, steps=3)
    assert trace.passed
    for step in trace.steps:
        w1 = next(q.value for q in step.parameters if q.name == "w1")
        assert np.all(w1 == w1[0])  # every hidden unit (row of w1) the same: the symmetry is never broken
    assert np.any(next(q.value for q in trace.steps[-1].parameters if q.name == "w1") != 0)
    output = render(trace, "text", lang).replace("\n", " " if lang == "en" else "")
    assert {"en": "the hidden units stay equal at every step", "zh": "隐藏单元仍然完全相同"}[lang] in output
    assert "hidden units stay equal" not in " ".join(render(explain(), "text", "en").split())


@pytest.mark.parametrize("format", FORMATS)
def test_digits_rounds_every_computed_number(format):
    trace = explain(steps=1)
    coarse, _ = parse(render(trace, format, "en", digits=3), format)
    fine, _ = parse(render(trace, format, "en"), format)
    assert len(coarse) == len(fine)
    for got, full in zip(coarse, fine):
        want = np.vectorize(lambda v: float(f"{v:.3g}"))(full)  # the 6-digit numbers rounded again: exact here
        np.testing.assert_allclose(got, want, rtol=6e-3)  # (6-digit rounding can move the 3rd digit by 1 unit)
    assert "rounded to 3 significant digits" in " ".join(render(trace, "text", "en", digits=3).split())
    with pytest.raises(ValueError, match="digits must be a whole number from 1 to 17; got 0"):
        render(trace, format, "en", digits=0)


def test_digits_and_scale_on_the_command_line(capsys):
    assert run(["explain", "--digits", "3", "--scale", "0", "--lang", "zh"]) == 0
    assert capsys.readouterr().out == render(explain(scale=0), "text", "zh", digits=3)
    with pytest.raises(UsageError, match="--digits must be a whole number from 1 to 17; got 18"):
        run(["explain", "--digits", "18"])
    with pytest.raises(UsageError, match="--scale must be 0 or a positive number; got -1"):
        run(["explain", "--scale", "-1"])


# ---- --weights FILE -----------------------------------------------------------------------------------------------
def test_weights_file_round_trips_the_numbers_exactly(tmp_path, capsys):
    """A trace's start weights written as JSON in the textbook's layout and read back by --weights: the same
    numbers bit for bit (JSON keeps Python's shortest round-tripping repr), so the same trace."""
    import json

    drawn = explain(hidden=3, seed=7, scale=0.37)
    record = {q.name: q.value.tolist() for q in drawn.parameters}  # w1 (3, 2), b1 (3, 1), w2 (1, 3), b2 (1, 1)
    path = tmp_path / "start.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    assert run(["explain", "--weights", str(path), "--digits", "17"]) == 0
    given = capsys.readouterr().out
    for name in ("w1", "b1", "w2", "b2"):
        assert re.search(rf"\n{name} — ", given)
    weights = [(np.array(record["w1"]).T, np.ravel(record["b1"])), (np.array(record["w2"]).T, np.ravel(record["b2"]))]
    trace = explain(weights=weights)
    for q, p in zip(trace.parameters, drawn.parameters):
        np.testing.assert_array_equal(q.value, p.value)
    assert trace.cost == drawn.cost
    assert given == render(trace, "text", "en", digits=17)
    # 17 significant digits print a float64 exactly: the weights as printed are the file's, bit for bit
    printed, _ = parse(given, "text")
    for got, p in zip(printed[:4], drawn.parameters):
        np.testing.assert_array_equal(got, p.value)
    assert "Start weights and biases as given" in " ".join(given.split())
    # the layered form reads the same file layout: w3, b3 for a second hidden layer
    deeper = {"w1": [[0.1, -0.2], [0.3, 0.4]], "b1": [0, 0.5], "w2": [[1.0, -1.0]], "b2": [[0.25]],
              "w3": [[2.0]], "b3": [-0.5]}
    path.write_text(json.dumps(deeper), encoding="utf-8")
    assert run(["explain", "--weights", str(path)]) == 0
    assert "3-layer network" in capsys.readouterr().out


@pytest.mark.parametrize("content, message", [
    ("{nope", "not a JSON file"),
    ('{"w1": [[1, 2]], "b1": [0]}', "needs the keys w1, b1, w2, b2"),
    ('{"w1": [[1, 2]], "b1": [0, 1], "w2": [[1]], "b2": [0]}', "w1 must be a finite (n_out, n_in) matrix and b1 hold"),
    ('{"w1": [[1, 2]], "b1": [0], "w2": [[1, 1]], "b2": [0]}', "w2 takes 2 inputs but w1 gives 1 outputs"),
    ('{"w1": [[1, 2]], "b1": [0], "w2": [[1], [2]], "b2": [0, 0]}', "the output layer w2 must have 1 row"),
])
def test_weights_file_refusals(content, message, tmp_path):
    path = tmp_path / "w.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError, match=re.escape(message)):
        run(["explain", "--weights", str(path)])


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("lang", LANGS)
def test_layered_trace_prints_per_layer_gradient_norms(lang, activation):
    trace = explain(hidden=(4, 3, 3), activation=activation)
    output = render(trace, "text", lang).replace("\n", " " if lang == "en" else "")
    # the norms from the core alone: the network drawn as the seed draws it, its own gradient
    X, y = xor()
    net = Network([2, 4, 3, 3, 1], activation, "sigmoid")
    rng = np.random.default_rng(0)
    for W in net.weights:
        W[...] = rng.standard_normal(W.shape[::-1]).T
    dWs, _ = net.split(net.loss_and_grad(X, y.reshape(-1, 1).astype(float), BCE)[1])
    for l, dW in enumerate(dWs, start=1):
        assert f"‖dW[{l}]‖ = {float(np.linalg.norm(dW)):.3g}" in output
    assert (activation + (" hidden units" if lang == "en" else "）")) in output
    assert {"en": "vanishing gradient", "zh": "梯度消失"}[lang] in output
    assert "vanishing" not in render(explain(), "text", "en")  # the seed form has one hidden layer


# ---- worksheets ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("hidden, blanks", [(3, ("dz2", "dw2", "db1", "J")), ((4, 3), ("dZ[2]", "dW[1]"))])
def test_worksheet_answer_key_equals_the_full_trace(format, lang, hidden, blanks):
    trace = explain(hidden=hidden, steps=1)
    full, _ = parse(render(trace, format, lang), format)
    sheet = render(trace, format, lang, blanks=blanks)
    matrices, scalars = parse(sheet.replace(r"\underline{\hspace{2em}}", "nan").replace(r"\_\_\_\_", "nan")
                              .replace("____", "nan"), format)
    gradients = [name for name in blanks if trace[name].numeric is not None]
    blanked_matrices = [name for name in blanks if trace[name].value.ndim]
    # the blanked matrices print as blanks, without their numerical gradients; the key adds them back at the end
    assert len(matrices) == len(full) - len(gradients) + len(blanked_matrices)
    key = matrices[-len(blanked_matrices):]
    for name, got in zip(blanked_matrices, key):
        np.testing.assert_allclose(got, np.atleast_2d(trace[name].value), rtol=6e-6)
    assert sum(bool(np.isnan(m).all()) for m in matrices) == len(blanked_matrices)
    if "J" in blanks:
        assert scalars[-1] == pytest.approx(trace.cost, rel=6e-6)
    assert {"en": "Answer key", "zh": "答案"}[lang] in sheet


def test_worksheet_on_the_command_line_and_refusals(capsys):
    assert run(["explain", "--worksheet", "dz2, dw1", "--format", "markdown"]) == 0
    assert capsys.readouterr().out == render(explain(), "markdown", "en", blanks=("dz2", "dw1"))
    with pytest.raises(UsageError, match="cannot blank dW2: not in this trace; choose from w1, b1"):
        run(["explain", "--worksheet", "dW2"])


# ---- LaTeX ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("hidden, slip, layout", [(3, None, None), ((4, 3), None, "rows"), ((4, 3), None, "columns"),
                                                  (4, "no-transpose", None), (2, "z2-from-x", None), (3, "no-sum", None),
                                                  (3, "no-1/m", None)])
def test_latex_is_a_complete_document_with_balanced_environments(lang, hidden, slip, layout):
    sample = 2 if np.isscalar(hidden) else None  # the one-sample walk, in the seed form
    output = render(explain(hidden=hidden, steps=2, slip=slip, sample=sample, layout=layout), "latex", lang)
    assert output.startswith(r"\documentclass") and output.rstrip().endswith(r"\end{document}")
    assert (r"{ctexart}" in output) == (lang == "zh")
    stack = []
    for kind, name in re.findall(r"\\(begin|end)\{(\w+\*?)\}", output):
        if kind == "begin":
            stack.append(name)
        else:
            assert stack.pop() == name
    assert not stack
    assert output.count(r"\[") == output.count(r"\]")
    body = re.sub(r"\\[{}$]", "", output)  # escaped braces and dollars are text
    assert body.count("{") == body.count("}")
    assert body.count("$") % 2 == 0
    if lang == "en":
        assert output.isascii()  # pdflatex needs no Unicode setup


ENGINES = {"en": "pdflatex", "zh": "xelatex"}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("hidden, slip, layout", [(3, None, None), ((4, 3), None, "rows"), ((4, 3), None, "columns"),
                                                  (4, "no-transpose", None), (2, "z2-from-x", None), (3, "no-sum", None),
                                                  (3, "no-1/m", None)])
def test_latex_compiles(lang, hidden, slip, layout, tmp_path):
    engine = shutil.which(ENGINES[lang])
    if engine is None:
        pytest.skip(f"{ENGINES[lang]} is not installed (the balanced-environment test still runs)")
    sample = 2 if np.isscalar(hidden) else None
    blanks = ("dz2", "dw1", "J") if slip == "no-sum" else ()  # a worksheet with its answer key
    trace = explain(hidden=hidden, slip=slip, sample=sample, layout=layout)
    (tmp_path / "trace.tex").write_text(render(trace, "latex", lang, blanks=blanks), encoding="utf-8")
    result = subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error", "trace.tex"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:]
    assert (tmp_path / "trace.pdf").stat().st_size > 0


# ---- the data form and bad input ---------------------------------------------------------------------------
def test_bpnn_explain_is_the_function_even_after_importing_the_derivation():
    import bpnn.derivation as module  # the module has its own name, so it never shadows the function

    assert bpnn.explain(steps=0).cost == module.explain(steps=0).cost
    assert isinstance(bpnn.explain(steps=0), module.Trace)


def test_explain_takes_arrays():
    X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.3, -0.2]])
    y = np.array([1, 0, 1])
    trace = explain(X=X, y=y, hidden=2, steps=0)
    np.testing.assert_array_equal(trace["x"].value, X.T)
    assert trace.settings["data"] == "given arrays" and trace.steps == []


@pytest.mark.parametrize("options, message", [
    (dict(data="nosuch"), "unknown data set 'nosuch'; choose one of xor, moons"),
    (dict(data="spiral", samples=6), "the labels of 'spiral' are [0, 1, 2]; the textbook's network has one sigmoid output"),
    (dict(samples=65), "samples must be between 1 and 64"),
    (dict(steps=101), "steps must be between 0 and 100"),
    (dict(hidden=(3, 0)), "hidden layer sizes must be positive integers"),
    (dict(learning_rate=-1.0), "the learning rate must be a positive number"),
    (dict(activation="tanh"), "the textbook's two-layer network uses sigmoid, not 'tanh'; ask for the layered form"),
    (dict(activation="nope", general=True), "unknown activation 'nope'"),
])
def test_bad_input_raises_a_clear_error(options, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        explain(**options)


def test_render_refuses_unknown_format_and_language():
    trace = explain(steps=0)
    with pytest.raises(ValueError, match="unknown format 'html'; choose one of text, markdown, latex"):
        render(trace, "html")
    with pytest.raises(ValueError, match="unknown language 'fr'; choose one of en, zh"):
        render(trace, "text", "fr")


# ---- the command line ----------------------------------------------------------------------------------------
def test_explain_command_prints_the_trace(capsys):
    assert run(["explain", "--lang", "zh", "--format", "markdown", "--steps", "2"]) == 0
    assert capsys.readouterr().out == render(explain(steps=2), "markdown", "zh")


def test_explain_command_options_and_output_file(tmp_path, capsys):
    path = tmp_path / "notes.tex"
    assert run(["explain", "moons", "--samples", "5", "--hidden", "2", "--depth", "2", "--seed", "3", "--scale", "0.5",
                "--learning-rate", "0.2", "--format", "latex", "-o", str(path)]) == 0
    expected = explain("moons", samples=5, hidden=(2, 2), seed=3, scale=0.5, learning_rate=0.2)
    assert path.read_text(encoding="utf-8") == render(expected, "latex")
    assert capsys.readouterr().out == ""


def test_explain_command_reads_a_csv_file(tmp_path, capsys):
    path = tmp_path / "points.csv"
    path.write_text("u,v,label\n0.5,1,1\n-1,0.25,0\n2,-1,1\n", encoding="utf-8")
    assert run(["explain", str(path), "--general", "--activation", "tanh"]) == 0
    X = np.array([[0.5, 1], [-1, 0.25], [2, -1]])
    assert capsys.readouterr().out == render(explain(str(path), X=X, y=np.array([1, 0, 1]), general=True,
                                                     activation="tanh"))


@pytest.mark.parametrize("argv, message", [
    (["explain", "--hidden", "4,x"], "--hidden takes positive layer sizes separated by commas, such as 4,3; got '4,x'"),
    (["explain", "--hidden", "4,3", "--depth", "3"], "--hidden gives 2 sizes but --depth asks for 3 layers"),
    (["explain", "nosuch"], "unknown data set 'nosuch'; give one of xor, moons"),
    (["explain", "--activation", "relu"], "the textbook's two-layer network uses sigmoid, not 'relu'; ask for the layered "
                                          "form (--general) to trace relu"),
    (["explain", "--samples", "0"], "--samples must be between 1 and 64"),
    (["explain", "--sample", "9"], "--sample must be between 1 and m = 4; got 9"),
    (["explain", "--steps", "101"], "--steps must be between 0 and 100"),
    (["gradcheck", "model.bpnn"], "gradcheck takes a MODEL file and a DATA file together, or neither"),
    (["gradcheck", "--loss", "nope"], "unknown loss 'nope'; valid losses are"),
    (["gradcheck", "--loss", "cce"], "categorical_cross_entropy needs at least 2 outputs; got 1"),
])
def test_bad_command_line_raises_usage_error(argv, message):
    with pytest.raises(UsageError, match=re.escape(message)):
        run(argv)


def test_explain_command_refuses_a_bad_csv(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("u,label\n0.5,1\nabc,0\n", encoding="utf-8")
    with pytest.raises(UsageError, match="must hold numbers"):
        run(["explain", str(path)])


def test_gradcheck_fresh_network_passes_with_per_layer_errors(capsys):
    assert run(["gradcheck", "--hidden", "5,4", "--activations", "relu,tanh", "--samples", "6", "--seed", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Gradient check: a 3-5-4-1 network (relu/tanh hidden, sigmoid output)")
    network = Network([3, 5, 4, 1], ["relu", "tanh"], "sigmoid", random_state=2)
    rng = np.random.default_rng(2)
    X, Y = rng.standard_normal((6, 3)), rng.integers(0, 2, (6, 1)).astype(float)
    errors = gradcheck(network, X, Y, "binary_cross_entropy").errors
    for line, (name, error) in zip(out[1:-1], errors.items()):
        assert line.split()[0] == name
        printed = float(re.search(r"relative error (\S+?),", line)[1])
        assert printed == pytest.approx(error, rel=0.06)  # 2 digits printed: within 5%
    assert out[-1].startswith("PASS: every relative error is within")


@pytest.mark.parametrize("loss, outputs", [("categorical_cross_entropy", 3), ("squared_error", 2)])
def test_gradcheck_other_losses(loss, outputs, capsys):
    assert run(["gradcheck", "--loss", loss, "--outputs", str(outputs), "--lang", "zh"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("通过：所有相对误差")


def test_gradcheck_fails_below_the_tolerance_with_exit_1(capsys):
    assert run(["gradcheck", "--tolerance", "1e-15"]) == 1
    assert capsys.readouterr().out.splitlines()[-1].startswith("FAIL: the relative error")
    assert run(["gradcheck", "--tolerance", "1e-3"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("PASS: every relative error is below the --tolerance")


def test_gradcheck_saved_model_on_its_data(tmp_path, capsys):
    pytest.importorskip("bpnn.files.modelfile", reason="bpnn.files.modelfile (the model-file format) is not written yet")
    X, y = xor()
    with warnings.catch_warnings():  # a few epochs only: the check needs weights, not a converged fit
        warnings.simplefilter("ignore")
        estimator = bpnn.BPClassifier(hidden_layer_sizes=(3,), activation="tanh", max_iter=20, random_state=0).fit(X, y)
    model = tmp_path / "xor.bpnn"
    bpnn.save(estimator, model)
    data = tmp_path / "xor.csv"
    data.write_text("x1,x2,label\n" + "".join(f"{a},{b},{c}\n" for (a, b), c in zip(X, y)), encoding="utf-8")
    assert run(["gradcheck", str(model), str(data)]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("PASS")


@pytest.mark.parametrize("lang", LANGS)
def test_saturated_output_shows_da2_blowing_up_and_says_why(lang):
    """scale=100 saturates a2 to exactly 0 or 1: TwoLayerNet's da2 divides by zero, dz2 stays finite."""
    trace = explain(scale=100)
    assert not np.isfinite(trace["da2"].value).all() and np.isfinite(trace["dz2"].value).all()
    bounds = central_difference_bounds(trace)
    assert all(q.relative_error <= bounds[q.name] for q in trace.gradients)
    output = render(trace, "text", lang)
    assert {"en": "never forms da2", "zh": "不经过 da2"}[lang] in output
    assert list(dict.fromkeys(re.findall(r"8-1\d", output))) == SEED_ORDER
