"""Fixtures shared by the test files, and the one setting the suite needs before SciPy loads."""

import os

import pytest

# scikit-learn's estimator checks include array-API checks that only run when SciPy's array-API mode is on; they
# check bpnn's estimators on NumPy's namespace (the one they support), instead of being skipped.
os.environ.setdefault("SCIPY_ARRAY_API", "1")


@pytest.fixture
def one_blas_thread():
    """One BLAS thread: the tests' matrices are small, and extra threads only add contention on a shared machine.

    Files opt in with ``pytestmark = pytest.mark.usefixtures("one_blas_thread")``; it is not autouse, so tests
    that measure BLAS threading see the machine as it is. threadpoolctl is imported here, not at the top, so that
    the core's tests run with NumPy and pytest alone; without it the fixture leaves BLAS as it is.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(1):
        yield


@pytest.fixture(scope="session", autouse=True)
def nothing_written_into_the_working_directory():
    """Tests write into their tmp_path, never where pytest runs (a default output path such as ``bpnn train
    d.csv`` writing d.bpnn into the current folder once left files in the checkout): fail the session otherwise."""
    before = set(os.listdir("."))
    yield
    new = sorted(set(os.listdir(".")) - before - {".pytest_cache", "__pycache__"})
    assert not new, f"the tests wrote {new} into {os.getcwd()}; give those commands a path under tmp_path"


@pytest.fixture
def figures(monkeypatch) -> dict:
    """The matplotlib figures bpnn writes, by file name, as they were handed to the PNG writer."""
    from bpnn.reports import plots  # here, not at the top: the core's tests run without matplotlib

    drawn, save = {}, plots.save

    def keep(figure, path):
        drawn[str(path).rsplit("/", 1)[-1]] = figure
        return save(figure, path)

    monkeypatch.setattr(plots, "save", keep)
    return drawn


@pytest.fixture
def fonts(monkeypatch):
    """The plots' font list made anew for the test, and restored after it."""
    from bpnn.reports import plots

    monkeypatch.setattr(plots, "chosen_fonts", [])
    monkeypatch.setattr(plots, "missing_glyphs", {})
    plots.sans_serif_fonts.cache_clear()
    yield monkeypatch
    plots.sans_serif_fonts.cache_clear()
