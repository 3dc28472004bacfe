"""``bpnn playground``: a local page that trains bpnn's own core live.

:mod:`~bpnn.web.data` holds the built-in 2-D sets and reads an uploaded CSV/Excel file (with
:mod:`bpnn.tables`, so a bad file gets the command line's messages); :mod:`~bpnn.web.session` holds one
training session (the network, its optimizer, the worker thread that trains it, the Step view's trace from
:func:`bpnn.derivation.explain`); :mod:`~bpnn.web.server` is the Starlette application and ``serve``, run by
uvicorn. The page and its script and style are in ``static/`` and ship in the package: nothing is loaded from
elsewhere. The server binds to 127.0.0.1 unless told otherwise and writes only into one temporary folder.
"""
