"""Choosing and judging models: which inputs matter (:mod:`bpnn.selection.importance`), the hidden size by
cross-validation (:mod:`bpnn.selection.tune`), the start weights by GA, PSO or restarts at one budget of epochs
(:mod:`bpnn.selection.init_search`), the trainings run as tasks on processes or a Dask cluster
(:mod:`bpnn.selection.tasks`).

The package itself loads nothing; ``bpnn.importance`` is :func:`bpnn.selection.importance.importance`
(the module and the function share the name, so import the function from the module, or use the root's).
This package imports only downward: the core, the estimators' public API, :mod:`bpnn.tables` for a
table's encoding, scikit-learn and pandas; never the command line.
"""
