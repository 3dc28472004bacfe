"""bpnn demo --activation and --lang, and the report's section on the derivation behind the training (bpnn explain)."""

import html
import json
import re
import shlex

import numpy as np
import pytest

from bpnn.cli import main
from bpnn.cli.demo import CoreTwoLayer
from bpnn.datasets import GENERATED
from bpnn.preprocessing import dividerand
from bpnn.seed import TwoLayerNet

HEADINGS = {"en": "The derivation behind the training (bpnn explain)", "zh": "训练背后的推导（bpnn explain）"}


def section(report: str, lang: str) -> tuple[str, str]:
    """(paragraph, preformatted trace) of the report's derivation section, unescaped."""
    start = report.index(f"<h2>{HEADINGS[lang]}</h2>")
    body = report[start:report.index("<h2>", start + 4)]
    paragraph = html.unescape(re.search(r"<p>(.*?)</p>", body, re.S)[1])
    trace = re.search(r"<pre>(.*?)</pre>", body, re.S)
    return paragraph, html.unescape(trace[1]) if trace else ""


def command_of(out: str) -> list[str]:
    """The explain command the demo printed on its last line, as argv for main."""
    line = out.strip().splitlines()[-1]
    assert line.startswith("derivation: bpnn explain ")
    return shlex.split(line.removeprefix("derivation: bpnn "))


@pytest.mark.parametrize("activation, lang", [("tanh", "zh"), ("sigmoid", "en")])
def test_demo_traces_its_own_first_step_and_the_command_prints_it(activation, lang, tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "moons", "--activation", activation, "--lang", lang, "--epochs", "20", "--quiet",
                 "--out", str(out)]) == 0
    argv = command_of(capsys.readouterr().out)
    report = (out / "report.html").read_text(encoding="utf-8")
    paragraph, trace = section(report, lang)
    assert " ".join(["bpnn", *argv]) in paragraph  # the command, in the section's own words
    assert ("--general" in argv) == (activation != "sigmoid") and argv[argv.index("--lang") + 1] == lang
    assert main(argv) == 0
    assert capsys.readouterr().out == trace  # the command prints the report's trace, byte for byte
    assert (("Backpropagation in the textbook's two-layer network" in trace) if activation == "sigmoid"
            else ("反向传播算法" in trace and "a1 = tanh(z1)" in trace))
    assert re.search(rf"<td>hidden activation</td><td>{activation}</td>", report)
    assert re.search(rf"<td>activations</td><td>{activation}, sigmoid</td>", report)
    # the files are the run's own: its first 8 training rows (the same division, drawn independently here) and
    # the seed network's start weights (TwoLayerNet's own draw with the demo's seed and hidden size)
    X, y = GENERATED["moons"](random_state=0)
    first = dividerand(len(y), 0.7, 0.15, 0.15, random_state=0).train[:8]
    rows = np.loadtxt(out / "derivation.csv", delimiter=",", skiprows=1)
    np.testing.assert_array_equal(rows[:, :2], X[first])
    np.testing.assert_array_equal(rows[:, 2], y[first])
    weights = json.loads((out / "start-weights.json").read_text())
    for name, value in TwoLayerNet(2, 4, 1, seed=0).params.items():
        np.testing.assert_array_equal(np.array(weights[name]), value)


def test_demo_of_three_classes_and_of_a_scikit_learn_set_give_a_command_that_runs(tmp_path, capsys):
    assert main(["demo", "spiral", "--epochs", "3", "--quiet", "--out", str(tmp_path / "s")]) == 0
    argv = command_of(capsys.readouterr().out)
    assert argv[:4] == ["explain", "--hidden", "24", "--activation"] and "--general" not in argv
    paragraph, trace = section((tmp_path / "s" / "report.html").read_text(encoding="utf-8"), "en")
    assert "traces the same hidden layers on XOR" in paragraph and " ".join(["bpnn", *argv]) in paragraph
    assert trace == ""
    assert main(argv) == 0
    capsys.readouterr()
    assert main(["demo", "iris", "--activation", "relu", "--lang", "zh", "--epochs", "5", "--quiet",
                 "--out", str(tmp_path / "i")]) == 0
    argv = command_of(capsys.readouterr().out)
    assert argv == ["explain", "--hidden", "10", "--activation", "relu", "--general", "--layout", "columns",
                    "--lang", "zh"]
    report = (tmp_path / "i" / "report.html").read_text(encoding="utf-8")
    assert "在 XOR 上演算同样的隐藏层" in section(report, "zh")[0]
    assert re.search(r"<td>activations</td><td>relu, softmax</td>", report)
    assert main(argv) == 0


def test_demo_refuses_an_unknown_activation(capsys):
    assert main(["demo", "xor", "--activation", "softmax"]) == 2
    assert "--activation: unknown activation 'softmax'; valid hidden activations are sigmoid" in capsys.readouterr().err


def test_core_two_layer_is_the_seed_network_when_sigmoid():
    """CoreTwoLayer (the core Network behind TwoLayerNet's interface) against TwoLayerNet itself, from the same
    weights: forward, cost, gradients and one update agree to rounding (the same formulas summed in another order:
    sums of 2 to 4 terms of size <= 1 per layer, so within rtol 1e-12 as in test_explain's seed/layered test)."""
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((2, 6)), (rng.random((1, 6)) > 0.5).astype(float)
    seed = TwoLayerNet(2, 3, 1, seed=1, scale=1.0)
    core = CoreTwoLayer(TwoLayerNet(2, 3, 1, seed=1, scale=1.0), "sigmoid")
    for name, value in seed.params.items():
        np.testing.assert_array_equal(core.params[name], value)
    cache_seed, cache_core = seed.forward(x), core.forward(x)
    np.testing.assert_allclose(cache_core.a2, cache_seed.a2, rtol=1e-12)
    assert core.cost(cache_core.a2, y) == pytest.approx(seed.cost(cache_seed.a2, y), rel=1e-12)
    grads_seed, grads_core = seed.backward(x, y, cache_seed), core.backward(x, y, cache_core)
    for name in ("dw1", "db1", "dw2", "db2"):
        np.testing.assert_allclose(grads_core[name], grads_seed[name], rtol=1e-12, atol=1e-15)
    seed.update(grads_seed, 0.5)
    core.update(grads_core, 0.5)
    for name, value in seed.params.items():  # the update reached the core network's own arrays
        np.testing.assert_allclose(core.params[name], value, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(core.net.weights[0], seed.w1.T, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(core.predict_proba(x), seed.predict_proba(x), rtol=1e-12)
