"""``bpnn playground``: a local page that trains bpnn's own core live (:mod:`bpnn.web`, the ``web`` extra)."""

from __future__ import annotations

import argparse
import sys

from bpnn.cli._common import UsageError

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8765  # as bpnn.web.server's, which this module imports only when it runs


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``playground`` to the ``bpnn`` command's sub-parsers."""
    parser = commands.add_parser(
        "playground", help="a local page that trains a network live: decision boundary, loss curves, the formulas",
        description="Start a local server and open a page that trains bpnn's own network live on built-in 2-D data "
                    "or your own CSV/Excel file: decision boundary, loss curves, the network drawn, and a Step view "
                    "of the backward pass (formulas 8-11 … 8-19). Ctrl-C stops it.")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any free port)")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"address to listen on (default {DEFAULT_HOST}: this computer only)")
    parser.add_argument("--no-browser", action="store_true", help="print the address only; do not open a browser")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535; got {args.port}")
    try:
        from bpnn.web.server import bind, serve
    except ImportError as error:
        raise UsageError(f"the playground needs the web extra ({error.name} is missing): "
                         f"pip install 'bpnn[web]'") from None
    try:
        bind(args.host, args.port).close()  # a taken port or a foreign address: one line, exit 2
    except OSError as error:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {error.strerror or error}; "
                         f"choose another --port") from None
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"bpnn playground: listening on {args.host}: anyone who can reach this address can use the page and "
              f"upload files to it", file=sys.stderr)
    serve(args.host, args.port, open_browser=not args.no_browser)
    print("bpnn playground: stopped")
    return 0
