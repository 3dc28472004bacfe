"""``bpnn train --resume FILE``: what a checkpoint of ``bpnn train`` keeps of its command line, and the command
line of a resumed run merged from it."""

from __future__ import annotations

import argparse
from pathlib import Path

from bpnn.cli._common import UsageError, parse_division, parse_sizes

# The options of bpnn train its checkpoints keep (info["train"]), so `bpnn train --resume FILE` needs no other:
# those that decide the result must match when given again; the outputs may be given anew.
RESUME_FIXED = ("data", "target", "features", "exclude", "sheet", "header_row", "task", "encoding",
                "impute", "drop_missing", "hidden", "activation", "solver",
                "epochs", "learning_rate", "batch_size", "alpha", "division", "scaling", "max_fail", "seed", "init",
                "goal", "min_grad", "mu", "mu_dec", "mu_inc", "mu_max")
RESUME_OUTPUTS = ("out", "report", "plots", "checkpoint", "checkpoint_every")
PATH_OPTIONS = ("data", "out", "report", "plots", "checkpoint")  # kept absolute: a resume works from any folder


def option_value(name: str, value: object) -> object:
    """An option of bpnn train as a checkpoint keeps it: paths absolute, so a resume works from any folder."""
    return str(Path(value).absolute()) if name in PATH_OPTIONS and value is not None else value


def same_option(name: str, first: object, second: object) -> bool:
    """Whether two values of an option (as kept) ask for the same; layer sizes and ratios are compared parsed."""
    parse = {"hidden": parse_sizes, "division": parse_division}.get(name)
    if parse is None or first is None or second is None:
        return first == second
    return parse(first) == parse(second)


def relative_to(checkpoint: str | Path, options: dict) -> dict:
    """``options`` with their paths relative to the checkpoint's folder, so that a checkpoint copied elsewhere with
    its files reads and writes there, never in the folder it was first written to."""
    import os

    folder = Path(checkpoint).absolute().parent
    return {name: os.path.relpath(value, folder) if name in PATH_OPTIONS and value is not None else value
            for name, value in options.items()}


def train_options(args: argparse.Namespace) -> dict:
    """What a checkpoint of this bpnn train run keeps of its command line."""
    return {name: option_value(name, getattr(args, name)) for name in RESUME_FIXED + RESUME_OUTPUTS}


def resumed_options(args: argparse.Namespace, defaults: dict) -> argparse.Namespace:
    """``args`` completed from the checkpoint given to --resume: an option left at its default (``defaults``, by
    option name) takes the checkpoint's value; one given that decides the result must equal it."""
    from bpnn.files.checkpoint import load_checkpoint

    _, info = load_checkpoint(args.resume)
    saved = (info or {}).get("train")
    if saved is None:  # written by fit(checkpoint=...), not by bpnn train: the command line must say it all
        if args.data is None or args.target is None:
            raise UsageError(f"--resume {args.resume} keeps no data file or options (it was not written by bpnn train); "
                             f"give DATA and --target with it")
        return args
    folder = Path(args.resume).absolute().parent  # paths kept relative to the checkpoint (absolute ones as they are)
    saved = {name: str(folder / value) if name in PATH_OPTIONS and value is not None else value
             for name, value in saved.items()}
    merged = vars(args).copy()
    for name in RESUME_FIXED + RESUME_OUTPUTS:
        given = option_value(name, getattr(args, name))
        if same_option(name, given, option_value(name, defaults[name])):
            merged[name] = saved.get(name)
        elif name in RESUME_FIXED and not same_option(name, given, saved.get(name)):
            option = "DATA" if name == "data" else "--" + name.replace("_", "-")
            raise UsageError(f"--resume {args.resume} was trained with {option} {saved.get(name)!r}, and this command gives "
                             f"{given!r}; leave {option} out to continue with the checkpoint's, or train anew without --resume")
    return argparse.Namespace(**merged)
