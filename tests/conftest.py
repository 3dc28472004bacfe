"""Fixtures shared by the test files."""

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture
def one_blas_thread():
    """One BLAS thread: the tests' matrices are small, and extra threads only add contention on a shared machine.

    Files opt in with ``pytestmark = pytest.mark.usefixtures("one_blas_thread")``; it is not autouse, so tests
    that measure BLAS threading see the machine as it is.
    """
    with threadpool_limits(1):
        yield
