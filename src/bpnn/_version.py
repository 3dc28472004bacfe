"""bpnn's version: a leaf module, so any layer may import it without importing the package's root.
pyproject.toml's ``version`` says the same (tests/test_architecture.py holds the two together)."""

__version__ = "0.1.0"
