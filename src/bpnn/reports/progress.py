"""The terminal side of a training run (rich): a live panel while training, then tables of results.

The live panel shows what MATLAB's training window shows: the epoch out of the maximum with a bar, the
elapsed time, training and validation performance, the gradient, μ (Levenberg–Marquardt) and the
validation checks. Each epoch only stores the latest values; rich redraws the panel a few times a second
from them, so a fast epoch is not slowed by drawing. The panel stays off (updates are no-ops) when
standard error is not a terminal or the user asked for quiet output.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence

from rich.console import Console, Group
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from bpnn.reports.html import cell

REFRESH_PER_SECOND = 8
ROWS = (  # value name -> label in the panel ({} is what the losses measure)
    ("loss", "{} (training)"),
    ("val_loss", "{} (validation)"),
    ("gradient", "Gradient"),
    ("mu", "μ"),
    ("val_fail", "Validation checks"),
)


class TrainingProgress:
    """A context manager around a training run; pass :meth:`callback` to the trainer (core signature
    ``(epoch, history, network)``) or call :meth:`update` yourself."""

    def __init__(self, max_epochs: int, title: str, *, quiet: bool = False, max_fail: int | None = None,
                 measure: str = "Loss", to_measure: Callable[[float], float] = float) -> None:
        """``to_measure`` maps the trainer's loss J to what ``measure`` names (e.g. J to MSE)."""
        self.max_epochs, self.title, self.max_fail = max_epochs, title, max_fail
        self.measure, self.to_measure = measure, to_measure
        self.enabled = not quiet and sys.stderr.isatty()
        self.epoch = 0
        self.values: dict[str, float] = {}
        self.started = time.perf_counter()
        self.live: Live | None = None

    def __enter__(self) -> TrainingProgress:
        self.started = time.perf_counter()
        if self.enabled:
            self.live = Live(get_renderable=self.render, console=Console(stderr=True), refresh_per_second=REFRESH_PER_SECOND)
            self.live.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.live is not None:
            self.live.stop()  # draws the final state once more
            self.live = None

    def update(self, epoch: int, **values: float) -> None:
        """Record the values after ``epoch`` (0-based)."""
        self.epoch = epoch + 1
        self.values.update(values)

    def callback(self, epoch: int, history, network) -> None:
        """Core training callback: reads the latest epoch of ``history``; never stops training."""
        values = {"loss": self.to_measure(history.loss[-1])}
        if history.val_loss:
            values["val_loss"] = self.to_measure(history.val_loss[-1])
        for name in ("gradient", "mu", "val_fail"):
            if history.extra.get(name):
                values[name] = history.extra[name][-1]
        self.update(epoch, **values)

    def render(self) -> Group:
        elapsed = time.perf_counter() - self.started
        head = Table.grid(padding=(0, 1))
        head.add_row(Text(self.title, style="bold"), ProgressBar(total=self.max_epochs, completed=self.epoch, width=30),
                     f"epoch {self.epoch}/{self.max_epochs}", f"{elapsed:.1f} s")
        body = Table.grid(padding=(0, 2))
        for name, label in ROWS:
            if name in self.values:
                value = self.values[name]
                shown = f"{int(value)}/{self.max_fail}" if name == "val_fail" and self.max_fail else cell(float(value))
                body.add_row(Text(label.format(self.measure), style="cyan"), shown)
        return Group(head, body)


def print_table(header: Sequence[str], rows: Sequence[Sequence[object]], title: str = "", file=None) -> None:
    """A table on standard output (plain text when it is not a terminal)."""
    table = Table(title=title or None, title_justify="left", header_style="bold")
    for i, name in enumerate(header):
        numeric = all(isinstance(row[i], (int, float)) or row[i] is None for row in rows)
        table.add_column(name, justify="right" if numeric and i else "left")
    for row in rows:
        table.add_row(*(cell(value) for value in row))
    stream = file or sys.stdout
    Console(file=stream, width=None if stream.isatty() else 200).print(table)
