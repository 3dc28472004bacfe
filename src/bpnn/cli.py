"""The ``bpnn`` command. Sub-commands import what they need when they run, so ``bpnn --help`` stays fast.

Exit codes: 0 success, 2 bad input or usage (one line, no traceback), 1 internal error.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence


class UsageError(Exception):
    """Bad input or usage: reported in one line, exit code 2."""


def progress_printer(total: int, every: int, stream=None):
    """A callback ``(epoch, cost)`` printing a one-line progress bar, redrawn in place on a terminal."""
    stream = stream or sys.stderr
    interactive = stream.isatty()
    started = time.perf_counter()

    def show(epoch: int, cost: float) -> None:
        done = epoch + 1
        if done % every and done != total:
            return
        filled = int(30 * done / total)
        line = (f"epoch {done:>{len(str(total))}}/{total} [{'#' * filled}{'.' * (30 - filled)}] "
                f"cost {cost:.6f}  {time.perf_counter() - started:.1f}s")
        stream.write(("\r" + line) if interactive else line + "\n")
        if interactive and done == total:
            stream.write("\n")
        stream.flush()

    return show


def run_demo(args: argparse.Namespace) -> int:
    from bpnn.datasets import GENERATED
    from bpnn.seed import TwoLayerNet

    if args.name not in GENERATED:
        raise UsageError(f"unknown data set {args.name!r}; choose one of {', '.join(GENERATED)}")
    X, y = GENERATED[args.name](random_state=args.seed)
    print(f"bpnn demo: the seed's two-layer network (sigmoid hidden layer of {args.hidden}, sigmoid output, "
          f"cross-entropy 8-11) on {args.name!r}: {X.shape[0]} samples, 2 features")
    net = TwoLayerNet(2, args.hidden, seed=args.seed)
    costs = net.fit(X.T, (y[None, :] > 0).astype(float), learning_rate=args.learning_rate, epochs=args.epochs,
                    callback=progress_printer(args.epochs, max(1, args.epochs // 50)))
    accuracy = float((net.predict(X.T).ravel() == (y > 0)).mean())
    print(f"final cost {costs[-1]:.6f} (first {costs[0]:.6f}); training accuracy {accuracy:.2%}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bpnn", description="Backpropagation neural networks.")
    parser.add_argument("--version", action="version", version=_version())
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser("demo", help="train the seed's two-layer network on built-in 2-D data")
    demo.add_argument("name", nargs="?", default="flower", help="data set (default: flower)")
    demo.add_argument("--hidden", type=int, default=4, help="hidden units (default 4)")
    demo.add_argument("--epochs", type=int, default=5000, help="gradient-descent epochs (default 5000)")
    demo.add_argument("--learning-rate", type=float, default=2.0, help="learning rate α (default 2.0)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    demo.set_defaults(handler=run_demo)
    return parser


def _version() -> str:
    from bpnn import __version__

    return f"bpnn {__version__}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return args.handler(args)
    except UsageError as error:
        print(f"bpnn: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bpnn: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
