"""Self-contained HTML reports: one file, styles inline, every image embedded as base64 PNG data.

A :class:`Report` collects blocks in order (headings, paragraphs, tables, images) and renders them; all text
is HTML-escaped, so data values and column names can never inject markup. The file refers to nothing
outside itself, so it can be mailed or archived as it is.

A :class:`Run` holds what a training report shows, as plain values; :func:`run_report` lays it out
(:func:`bpnn.reports.plots.draw_run` draws its figures).
"""

from __future__ import annotations

import base64
import datetime
import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bpnn._version import __version__
from bpnn.files.modelfile import atomic_write

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "Microsoft YaHei", sans-serif;
       max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { border-bottom: 2px solid #1f77b4; padding-bottom: .2em; }
h2 { margin-top: 1.8em; color: #1f4e79; }
table { border-collapse: collapse; margin: .6em 0 1.2em; font-size: .92em; }
th, td { border: 1px solid #ccc; padding: .25em .7em; text-align: right; }
th { background: #eef3f8; }
td:first-child, th:first-child { text-align: left; }
figure { margin: 1em 0 2em; }
figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { color: #555; font-size: .9em; }
.muted { color: #666; font-size: .9em; }
pre { background: #f7f7f7; border: 1px solid #ddd; padding: .6em; overflow-x: auto; font-size: .85em; }
"""


def cell(value: object) -> str:
    """A table cell's text: floats in [0.01, 1] to 4 decimals (accuracies line up), others to 4 significant
    digits; None as a dash."""
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4f}" if 0.01 <= abs(value) <= 1 else f"{value:.4g}"
    return str(value)


class Report:
    def __init__(self, title: str, subtitle: str = "") -> None:
        self.title = title
        self.blocks: list[str] = []
        stamp = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
        self.paragraph(f"{subtitle + ' · ' if subtitle else ''}written {stamp} by bpnn {bpnn_version()}", muted=True)

    def heading(self, text: str) -> None:
        self.blocks.append(f"<h2>{html.escape(text)}</h2>")

    def paragraph(self, text: str, muted: bool = False) -> None:
        opening = '<p class="muted">' if muted else "<p>"
        self.blocks.append(f"{opening}{html.escape(text)}</p>")

    def preformatted(self, text: str) -> None:
        self.blocks.append(f"<pre>{html.escape(text)}</pre>")

    def table(self, rows: Sequence[Sequence[object]], header: Sequence[str] = ()) -> None:
        head = "<tr>" + "".join(f"<th>{html.escape(str(h))}</th>" for h in header) + "</tr>" if header else ""
        body = "".join("<tr>" + "".join(f"<td>{html.escape(cell(v))}</td>" for v in row) + "</tr>" for row in rows)
        self.blocks.append(f"<table>{head}{body}</table>")

    def key_values(self, mapping: Mapping[str, object]) -> None:
        self.table([(key, value) for key, value in mapping.items()], ("", "value"))

    def image(self, png: str | Path | bytes, caption: str) -> None:
        data = png if isinstance(png, bytes) else Path(png).read_bytes()
        source = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        self.blocks.append(f'<figure><img src="{source}" alt="{html.escape(caption)}">'
                           f"<figcaption>{html.escape(caption)}</figcaption></figure>")

    def html(self) -> str:
        return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                f"<title>{html.escape(self.title)}</title><style>{STYLE}</style></head>\n<body>"
                f"<h1>{html.escape(self.title)}</h1>\n" + "\n".join(self.blocks) + "\n</body></html>\n")

    def write(self, path: str | Path) -> Path:
        return atomic_write(path, self.html().encode("utf-8"))


def bpnn_version() -> str:
    return __version__


@dataclass
class Section:
    """A further part of a training report, after the figures: a heading, a paragraph, a table and a figure.
    ``draw`` writes the figure to the path it is given (the plots folder's ``figure``, a file name) and returns it;
    :func:`bpnn.reports.plots.draw_run` calls it with the run's other figures, :func:`run_report` shows it here."""

    title: str
    text: str = ""
    header: Sequence[str] = ()
    rows: Sequence[Sequence[object]] = ()
    figure: str | None = None
    draw: Callable[[Path], Path] | None = None
    caption: str = ""
    preformatted: str = ""  # text shown as it is, in a fixed-width block (bpnn explain's trace in bpnn demo)


@dataclass
class Run:
    """What a training report shows. Splits are named "Training", "Validation", "Test", "All".

    ``results`` maps a split to ``(targets, outputs)`` for regression (original units) or to
    ``(labels, predicted labels, probabilities (m, n_classes))`` for classification. ``boundary`` is
    ``(predict_proba, X, y)`` for a classifier of two numeric inputs, for the decision-boundary figure.
    """

    title: str
    task: str  # "classification" or "regression"
    data: dict  # data summary, shown as a table
    settings: dict  # training settings, shown as a table
    model: dict  # model summary, shown as a table
    layer_sizes: list
    layer_labels: list
    curves: dict  # split -> per-epoch performance
    measure: str  # what the curves measure
    best_epoch: int | None
    stop_reason: str
    metrics: dict  # split -> metrics of bpnn.reports.metrics
    counts: dict  # split -> number of samples
    results: dict
    state: dict = field(default_factory=dict)  # gradient, mu, val_fail, … per epoch
    classes: list | None = None
    feature_names: list = field(default_factory=list)
    target_names: list = field(default_factory=list)
    boundary: tuple[Callable, object, object] | None = None
    sections: list = field(default_factory=list)  # Section: input importance and the like, after the figures
    understanding: dict = field(default_factory=dict)  # converted, excluded, imputed: bpnn.tables.understanding
    target_curves: dict = field(default_factory=dict)  # target -> split -> MSE per epoch in its units (several
    # targets scaled by different factors, whose pooled ``curves`` are in scaled units)


def understanding_rows(record: dict) -> list[tuple[str, str]]:
    """The rows "column converted", "excluded", "imputed", … of a :func:`bpnn.tables.understanding` record, for
    ``bpnn info`` and the report."""
    rows = [(f"{column}: converted", note) for column, note in record.get("converted", {}).items()]
    rows += [("file", note) for note in record.get("file", [])]
    if record.get("excluded"):
        rows.append(("excluded (--exclude)", ", ".join(record["excluded"])))
    for column, fill in record.get("imputed", {}).items():
        value = f"{fill['value']:.6g}" if isinstance(fill["value"], float) else repr(fill["value"])
        rows.append((f"{column}: imputed", f"{fill['cells']} missing cell(s) filled with the "
                                           f"{fill['strategy'].replace('_', ' ')}, {value} (--impute {fill['strategy']})"))
    if record.get("dropped_rows"):
        rows.append(("dropped (--drop-missing)", f"{record['dropped_rows']} row(s) with missing values"))
    return rows


def run_report(run: Run, figures: Sequence[tuple[Path, str]]) -> Report:
    """The HTML report of a training run with its drawn ``figures`` (path, caption)."""
    from bpnn.reports.metrics import metric_notes, table

    report = Report(run.title, f"{run.task}, data: {run.data.get('source', '')}")
    report.heading("Data")
    report.key_values(run.data)
    if run.understanding:
        report.heading("How the table was read")
        report.table(understanding_rows(run.understanding), ("", "what was done"))
    if run.settings:
        report.heading("Settings")
        report.key_values(run.settings)
    report.heading("Metrics" + (" per target" if len(run.target_names) > 1 else ""))
    epochs = max((len(values) for values in run.curves.values()), default=0)
    if epochs:
        best = f"; best epoch {run.best_epoch + 1}" if run.best_epoch is not None else ""
        report.paragraph(f"Trained {epochs} epochs, stopped by {run.stop_reason or 'the epoch limit'}{best}.")
    if run.task == "regression":
        report.paragraph("In the table's units" + (", one row per target (a figure pooled over targets of different "
                                                   "ranges would describe none of them)" if len(run.target_names) > 1
                                                   else "") + "; MAPE in percent, over the rows whose target is not 0.")
    report.table(*reversed(table(run.metrics, run.counts, run.target_names)))
    for note in metric_notes(run.metrics, run.target_names):
        report.paragraph(note + ".", muted=True)
    own = {section.figure: section for section in run.sections if section.figure}
    report.heading("Figures")
    for path, caption in figures:
        if Path(path).name not in own:
            report.image(path, caption)
    for section in run.sections:
        report.heading(section.title)
        if section.text:
            report.paragraph(section.text)
        if section.preformatted:
            report.preformatted(section.preformatted)
        if section.rows:
            report.table(section.rows, section.header)
        for path, caption in figures:
            if section.figure and Path(path).name == section.figure:
                report.image(path, caption)
    report.heading("Model")
    report.key_values(run.model)
    return report
