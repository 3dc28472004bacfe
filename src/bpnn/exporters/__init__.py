"""Exporters: a fitted model as standalone code for other runtimes; none imports an estimator class."""
