"""scikit-learn's own MLP test suite (``sklearn/neural_network/tests/test_mlp.py`` of the installed
scikit-learn) run against BPClassifier and BPRegressor, the way a user switching would: the import of
MLPClassifier/MLPRegressor replaced by factories of bpnn's estimators with scikit-learn's training defaults
(bpnn's own defaults differ; with scikit-learn's values the behaviour is scikit-learn's).

Nothing is copied into the repository: the installed file is read, its import line substituted, the result
written into a temporary folder and run by pytest in a subprocess (its fixtures, such as
``global_random_seed``, come from scikit-learn's conftest through the ``sklearn.conftest`` plugin). Every test
must pass except those in ``EXPECTED_FAILURES``, which reach scikit-learn's private attributes; they are
marked ``xfail(strict=True)`` inside the run (by name, or by test id for one case of a parametrized
test), so a private test that starts passing is reported too.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

IMPORT_LINE = "from sklearn.neural_network import MLPClassifier, MLPRegressor\n"
SHIM = '''\
from bpnn import BPClassifier as _BPClassifier, BPRegressor as _BPRegressor

# scikit-learn's MLP defaults where bpnn's differ (bpnn: adaptive schedule, learning_rate_init=0.01, alpha=1e-3,
# early_stopping="refit", n_iter_no_change=20, early stopping on the validation loss; scikit-learn's MLP always
# watches the validation score)
SKLEARN_DEFAULTS = dict(learning_rate="constant", learning_rate_init=1e-3, alpha=1e-4, init="glorot_uniform",
                        monitor="val_score", early_stopping=False, n_iter_no_change=10)


def MLPClassifier(*args, **kwargs):
    return _BPClassifier(*args, **{**SKLEARN_DEFAULTS, **kwargs})


def MLPRegressor(*args, **kwargs):
    return _BPRegressor(*args, **{**SKLEARN_DEFAULTS, **kwargs})
'''
# test -> why it cannot pass: it reads or writes scikit-learn's private training state
EXPECTED_FAILURES = {
    "test_fit": "builds an unfitted MLPClassifier by assigning coefs_, intercepts_ and private optimizer state "
                "(_coef_velocity, _no_improvement_count) before partial_fit",
    "test_gradient": "calls the private MLPClassifier._loss_grad_lbfgs(theta, X, Y, ...)",
    "test_n_iter_no_change": "reads the private counter _no_improvement_count, expecting n_iter_no_change + 1 at the "
                             "stop; bpnn keeps the counter but stops after n_iter_no_change epochs without improvement, "
                             "one epoch before scikit-learn",
}


def sklearn_test_file() -> Path | None:
    spec = importlib.util.find_spec("sklearn")
    path = Path(spec.origin).parent / "neural_network" / "tests" / "test_mlp.py"
    return path if path.is_file() else None


def substituted_source(source: str) -> str:
    """test_mlp.py with bpnn's estimators imported under scikit-learn's names."""
    assert IMPORT_LINE in source, "test_mlp.py no longer imports the MLP estimators in one line"
    return source.replace(IMPORT_LINE, SHIM)


def marking_conftest() -> str:
    """A conftest.py marking the expected failures xfail(strict=True), by test name or by test id."""
    return f"""import pytest

XFAIL = {EXPECTED_FAILURES!r}


def pytest_collection_modifyitems(items):
    for item in items:
        reason = XFAIL.get(item.name, XFAIL.get(item.originalname))
        if reason is not None:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=True))
"""


@pytest.mark.slow
def test_sklearn_mlp_suite(tmp_path: Path) -> None:
    path = sklearn_test_file()
    if path is None:
        pytest.skip("the installed scikit-learn ships without its tests")
    test_file = tmp_path / "test_mlp_on_bpnn.py"
    test_file.write_text(substituted_source(path.read_text()))
    (tmp_path / "conftest.py").write_text(marking_conftest())
    report = tmp_path / "report.xml"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "sklearn.conftest", "-p", "no:cacheprovider",
         "--rootdir", str(tmp_path), "-W", "ignore::DeprecationWarning", f"--junitxml={report}", str(test_file)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    outcomes = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        kinds = {child.tag for child in case} & {"failure", "error", "skipped"}
        outcome = "passed" if not kinds else kinds.pop()
        if outcome == "skipped" and "xfail" in (case.find("skipped").get("type") or "") + (
                case.find("skipped").get("message") or ""):
            outcome = "xfailed"
        outcomes[case.get("name")] = outcome
    bad = {name: outcome for name, outcome in outcomes.items() if outcome in ("failure", "error")}
    assert not bad, f"{len(bad)} of {len(outcomes)} scikit-learn MLP tests fail on bpnn: {sorted(bad)}\n" + run.stdout[-6000:]
    xfailed = {name for name, outcome in outcomes.items() if outcome == "xfailed"}
    expected = set(EXPECTED_FAILURES)
    assert {name if name in expected else name.split("[")[0] for name in xfailed} == expected, run.stdout[-3000:]
    assert len(outcomes) >= 59 and run.returncode == 0, run.stdout[-3000:]


# ---- the behaviour above, on bpnn's own terms ----------------------------------------------------------------
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_coefs_and_intercepts_are_assignable_views():
    import numpy as np
    from sklearn.datasets import load_iris

    from bpnn import BPClassifier

    X, y = load_iris(return_X_y=True)
    est = BPClassifier(hidden_layer_sizes=(3,), max_iter=3, random_state=0).fit(X, y)
    est.coefs_ = [np.full((4, 3), 0.5), np.full((3, 3), -0.25)]
    est.intercepts_ = [np.zeros(3), np.arange(3.0)]
    assert est.coefs_[0][0, 0] == 0.5 and est.network_.weights[1][2, 2] == -0.25
    assert np.shares_memory(est.coefs_[0], est.network_.params) and est.intercepts_[1][2] == 2.0
    est.coefs_[1][0, 0] = 7.0  # a view: writing into it writes into the network
    assert est.network_.weights[1][0, 0] == 7.0
    with pytest.raises(ValueError, match=r"coefs_ takes 2 arrays of shapes \[\(4, 3\), \(3, 3\)\]"):
        est.coefs_ = [np.ones((2, 2))]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_sparse_poisson_and_refusals():
    import numpy as np
    import scipy.sparse as sp
    from sklearn.datasets import load_iris

    from bpnn import BPClassifier, BPRegressor

    X, y = load_iris(return_X_y=True)
    params = dict(solver="lbfgs", hidden_layer_sizes=(5,), max_iter=30, random_state=0)
    dense = BPClassifier(**params).fit(X, y)
    sparse = BPClassifier(**params).fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(sparse.predict_proba(sp.csr_array(X)), dense.predict_proba(X))
    counts = np.random.default_rng(0).poisson(np.exp(X[:, 0] - 5))
    poisson = BPRegressor(loss="poisson", solver="lbfgs", hidden_layer_sizes=(3,), random_state=0).fit(X, counts)
    assert poisson.out_activation_ == "exp" and (poisson.predict(X) > 0).all()
    with pytest.raises(ValueError, match="loss='poisson' needs targets y >= 0"):
        BPRegressor(loss="poisson").fit(X, -counts - 1)
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping=True"):
        BPRegressor(early_stopping=True).partial_fit(X, X[:, 0])
    assert not hasattr(BPRegressor(early_stopping=True), "partial_fit")
    with pytest.raises(ValueError, match="Solver produced non-finite parameter weights"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        BPRegressor(max_iter=5).fit(np.finfo(np.float64).max * np.random.default_rng(0).random((10, 2)), np.ones(10))
