"""Weight initialisers: Nguyen–Widrow's defining property, the registry's errors, and the command line's choice."""

import numpy as np
import pytest

from bpnn.core import Network
from bpnn.core.initializers import INITIALIZERS, get_initializer, nguyen_widrow_scale


@pytest.mark.parametrize("sizes", [[1, 5, 1], [2, 10, 1], [4, 7, 3, 2], [13, 1, 1]])
def test_nguyen_widrow_norms_and_bias_spread(sizes):
    net = Network(sizes, "tanh", "identity", init="nguyen_widrow", random_state=3)
    for W, b in zip(net.weights[:-1], net.biases[:-1]):  # the hidden layers
        n_in, n_out = W.shape
        beta = 0.7 * n_out ** (1 / n_in)  # β = 0.7 H^(1/N), written out again here
        assert beta == pytest.approx(nguyen_widrow_scale(n_in, n_out), rel=1e-15)
        # each unit's input weight vector has norm β: a norm of n_in terms is exact to a few ε·β
        np.testing.assert_allclose(np.linalg.norm(W, axis=0), beta, rtol=0, atol=1e-12)
        assert np.all(np.abs(b) <= beta * (1 + 1e-15))  # biases inside [-β, β]
        if n_out > 1:  # spread evenly: the sorted |b| take the values β·|linspace(-1, 1, H)|
            np.testing.assert_allclose(np.sort(np.abs(b)), np.sort(np.abs(beta * np.linspace(-1, 1, n_out))), atol=1e-15)
            assert np.abs(b).max() == pytest.approx(beta, rel=1e-15)
    out = net.weights[-1]
    limit = np.sqrt(6 / sum(out.shape))  # the linear output layer is Glorot-uniform, bias zero
    assert np.all(np.abs(out) <= limit) and not net.biases[-1].any()


def test_nguyen_widrow_is_deterministic_and_aliased():
    first = Network([3, 6, 1], "tanh", "identity", init="nguyen_widrow", random_state=0).params
    second = Network([3, 6, 1], "tanh", "identity", init="initnw", random_state=0).params
    np.testing.assert_array_equal(first, second)


def test_unknown_initializer_lists_the_valid_ones():
    with pytest.raises(ValueError, match="valid initializers are auto, " + ", ".join(INITIALIZERS)):
        get_initializer("uniform", "tanh")


def test_estimator_starts_from_nguyen_widrow():
    from bpnn import BPRegressor

    X = np.linspace(-1, 1, 41)[:, None]
    est = BPRegressor(hidden_layer_sizes=(5,), activation="tanh", solver="lm", init="nguyen_widrow", max_iter=1,
                      scaling="mapminmax", random_state=0,
                      solver_options={"mu_max": 1e-10})  # μ0 = 1e-3 > μ_max: no step is taken
    est.fit(X, np.sin(np.pi * X[:, 0]))
    np.testing.assert_allclose(np.linalg.norm(est.coefs_[0], axis=0), nguyen_widrow_scale(1, 5), rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="valid initializers"):
        BPRegressor(init="initialise").fit(X, X[:, 0])


def test_cli_uses_nguyen_widrow_for_matlab_solvers_and_takes_init(tmp_path, monkeypatch, capsys):
    import pandas as pd

    from bpnn.cli import main
    from bpnn.files.modelfile import load

    monkeypatch.chdir(tmp_path)
    x = np.linspace(0, 3, 60)
    pd.DataFrame({"x": x, "y": np.sin(x)}).to_csv("sin.csv", index=False)
    assert main(["train", "sin.csv", "--target", "y", "--epochs", "3", "--quiet"]) == 0  # LM with mapminmax
    assert load("sin.bpnn").init == "nguyen_widrow"
    assert main(["train", "sin.csv", "--target", "y", "--epochs", "3", "--quiet", "--solver", "adam", "--out", "a.bpnn"]) == 0
    assert load("a.bpnn").init == "glorot_uniform"
    assert main(["train", "sin.csv", "--target", "y", "--epochs", "3", "--quiet", "--init", "he_uniform", "--out", "h.bpnn"]) == 0
    assert load("h.bpnn").init == "he_uniform"
    capsys.readouterr()
    assert main(["train", "sin.csv", "--target", "y", "--init", "uniform"]) == 2
    err = capsys.readouterr().err
    assert "--init" in err and "nguyen_widrow" in err and "Traceback" not in err
