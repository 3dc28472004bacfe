"""Figures of a training run and its results, written as PNG files (matplotlib, no display needed).

Every function draws on its own ``matplotlib.figure.Figure`` (never pyplot, so no global state and no GUI
backend), writes ``path`` atomically and returns it. Conventions:
- Per-epoch series are plain sequences, one value per epoch; ``curves`` maps a split name to one.
  :func:`history_curves` takes them from a :class:`bpnn.core.training.History`, whose ``extra`` holds
  the series the MATLAB-class solvers log (``perf``, ``val_perf``, ``test_perf``, ``gradient``, ``mu``,
  ``val_fail``, ``gamma``, …). Epoch numbers are 0-based in data and shown counting from 1.
- ``splits`` maps a split name ("Training", "Validation", "Test", "All") to ``(targets, outputs)`` for
  regression, or to a confusion matrix for classification.
"""

from __future__ import annotations

import functools
import io
import logging
import re
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from bpnn.files.modelfile import atomic_write
from bpnn.reports.metrics import regression_metrics

Array = np.ndarray

SPLIT_COLORS = {"Training": "tab:blue", "Validation": "tab:green", "Test": "tab:red", "All": "tab:gray"}
STATE_LABELS = {  # training-state series: axis label and whether a log scale suits it
    "gradient": ("Gradient norm", True),
    "mu": ("μ (LM damping)", True),
    "val_fail": ("Validation checks", False),
    "gamma": ("γ (effective parameters)", False),
    "learning_rate": ("Learning rate", True),
}
DPI = 110
# fonts with Chinese glyphs, tried after DejaVu Sans for characters it lacks (column names are often Chinese)
CJK_FONTS = ("Microsoft YaHei", "SimHei", "PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "AR PL UMing CN", "AR PL SungtiL GB", "Arial Unicode MS")
# a maintained package that ships a CJK font (pip install "bpnn[cjk]"), for machines without one: (package, file)
SHIPPED_FONTS = (("mplfonts", "fonts/NotoSansCJKsc-Regular.otf"),)
FONT_SUFFIXES = (".ttf", ".otf", ".ttc")
chosen_fonts: list[str] = []  # the family of use_font (--font), tried first
missing_glyphs: dict[str, None] = {}  # characters no font had, in the order met (for font_note)
weight_fallbacks: dict[str, tuple[object, object]] = {}  # family: (weight asked, weight drawn), when the family lacked it


def shipped_fonts() -> list[str]:
    """The families of the fonts in ``SHIPPED_FONTS`` that are installed, registered with matplotlib (the
    package is located, not imported)."""
    import importlib.util

    families = []
    for package, name in SHIPPED_FONTS:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            continue
        for folder in spec.submodule_search_locations:
            path = Path(folder) / name
            if path.is_file():
                font_manager.fontManager.addfont(str(path))
                families.append(font_manager.FontProperties(fname=str(path)).get_name())
                break
    return families


@functools.cache
def sans_serif_fonts() -> list[str]:
    installed = {font.name for font in font_manager.fontManager.ttflist}
    system = [name for name in CJK_FONTS if name in installed]
    return [*chosen_fonts, "DejaVu Sans", *system, *(name for name in shipped_fonts() if name not in system)]


def use_font(font: str) -> str:
    """Draw with ``font`` first: a font file (.ttf, .otf, .ttc) or the family name of an installed font. Returns
    the family; ValueError naming the fix when ``font`` is neither."""
    path = Path(font)
    if path.suffix.lower() in FONT_SUFFIXES or path.is_file():
        if not path.is_file():
            raise ValueError(f"no font file {font}; give a .ttf, .otf or .ttc file, or the name of an installed font")
        try:
            font_manager.fontManager.addfont(str(path))
            family = font_manager.FontProperties(fname=str(path)).get_name()
        except (OSError, RuntimeError, ValueError):
            raise ValueError(f"{font} is no font file matplotlib can read; give a .ttf, .otf or .ttc file") from None
    else:
        installed = sorted({entry.name for entry in font_manager.fontManager.ttflist})
        if font not in installed:  # perhaps installed after matplotlib cached its list of fonts
            add_system_fonts()
            installed = sorted({entry.name for entry in font_manager.fontManager.ttflist})
        if font not in installed:
            raise ValueError(f"no installed font is named {font!r}; give a font file (.ttf, .otf, .ttc) or one of "
                             f"{', '.join(installed)}")
        family = font
    chosen_fonts[:] = [family]
    sans_serif_fonts.cache_clear()
    return family


def add_system_fonts() -> None:
    """Adds to matplotlib's list the system's font files it does not hold: it lists them once and keeps the list in
    its cache, so a font installed later (a CJK font, often) is unknown to it by name."""
    known = {entry.fname for entry in font_manager.fontManager.ttflist}
    for path in font_manager.findSystemFonts():
        if path not in known:
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):  # a file FreeType cannot read: not a font to offer
                continue


def font_note() -> str | None:
    """A note naming the characters drawn as boxes since the last call (no font had them), else None."""
    if not missing_glyphs:
        return None
    shown = "".join(list(missing_glyphs)[:12])
    missing_glyphs.clear()
    return (f"no font here has the characters {shown!r}, so the plots show them as boxes; pip install \"bpnn[cjk]\" "
            f"(a Chinese font), or give the command --font with a font file that has them")


def weight_note() -> str | None:
    """One note naming the fonts drawn in another weight than asked since the last call (a bold-only --font), else
    None."""
    if not weight_fallbacks:
        return None
    shown = "; ".join(f"{family} has no {asked} weight, so its text is drawn in weight {used}"
                      for family, (asked, used) in weight_fallbacks.items())
    weight_fallbacks.clear()
    return f"the plots' fonts: {shown}"


class WeightFallbacks(logging.Filter):
    """Takes matplotlib's "findfont: Failed to find font weight normal for F, now using 700." off its log (once for
    every text size drawn) into ``weight_fallbacks``, for :func:`weight_note` to say once."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith("findfont: Failed to find font weight"):
            return True
        asked, family, used = record.args  # matplotlib's arguments: the weight asked, the family, the weight used
        weight_fallbacks.setdefault(str(family), (asked, used))
        return False


def with_fonts(plot: Callable) -> Callable:
    """Draw with DejaVu Sans and the CJK fonts found as fallbacks (text properties are fixed when a text is
    created, so the whole drawing runs in this setting); a glyph no font has is drawn as a box and noted in
    ``missing_glyphs`` (see :func:`font_note`), and a weight a font lacks in ``weight_fallbacks`` (see
    :func:`weight_note`), not left to warnings the user never sees or sees once for every text size."""

    @functools.wraps(plot)
    def drawn(*args: object, **kwargs: object) -> object:
        log, fallbacks = logging.getLogger(font_manager.__name__), WeightFallbacks()
        log.addFilter(fallbacks)
        try:
            with (matplotlib.rc_context({"font.family": sans_serif_fonts()}),
                  warnings.catch_warnings(record=True) as caught):
                warnings.simplefilter("always")
                result = plot(*args, **kwargs)
        finally:
            log.removeFilter(fallbacks)
        for warning in caught:
            glyph = re.match(r"Glyph (\d+) .* missing from", str(warning.message))  # the number is the code point
            if glyph is None:
                warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
            else:
                missing_glyphs[chr(int(glyph.group(1)))] = None
        return result

    return drawn


def save(figure: Figure, path: str | Path) -> Path:
    """Render ``figure`` as PNG to ``path`` (atomically)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)  # the constrained layout already fits everything in
    return atomic_write(path, buffer.getvalue())


def grid(n: int, width: float = 4.2, height: float = 3.8) -> tuple[Figure, list]:
    """A figure with ``n`` panels, at most three to a row."""
    columns = min(n, 3) if n != 4 else 2
    rows = -(-n // columns)
    figure = Figure(figsize=(width * columns, height * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for unused in axes[n:]:
        unused.set_visible(False)
    return figure, list(axes[:n])


def history_curves(history) -> tuple[dict[str, list], str]:
    """The per-epoch performance curves of a History by split, and what they measure: MATLAB's performance
    (``perf``, ``val_perf``, ``test_perf``) when the solver logged it, else the loss."""
    extra = history.extra
    if "perf" in extra:
        series = {"Training": extra["perf"], "Validation": extra.get("val_perf", []), "Test": extra.get("test_perf", [])}
        measure = "Performance"
    else:
        series = {"Training": history.loss, "Validation": history.val_loss, "Test": extra.get("test_loss", [])}
        measure = "Loss"
    return {name: list(values) for name, values in series.items() if len(values)}, measure


@with_fonts
def plot_performance(curves: dict[str, Sequence[float]], path: str | Path, best_epoch: int | None = None,
                     measure: str = "Loss", stop_reason: str = "") -> Path:
    """Performance per epoch by split (log scale when positive), the best epoch (0-based) marked on the
    validation curve (else the training curve), like MATLAB's plotperform."""
    figure = Figure(figsize=(7, 4.5), layout="constrained")
    performance_panel(figure.add_subplot(), curves, best_epoch, measure, stop_reason)
    return save(figure, path)


@with_fonts
def plot_performance_by_target(curves: dict[str, dict[str, Sequence[float]]], path: str | Path,
                               best_epoch: int | None = None, stop_reason: str = "", epochs: int | None = None) -> Path:
    """One performance panel per target (``curves``: target -> split -> per-epoch mean squared error in that
    target's units), as :func:`plot_performance` draws one: for targets scaled by different factors, whose pooled
    scaled performance has no units. ``epochs``: the run's, when the curves end before it."""
    figure, axes_list = grid(len(curves), width=5.2, height=4.0)
    for axes, (name, by_split) in zip(axes_list, curves.items()):
        performance_panel(axes, by_split, best_epoch, f"Mean squared error of {name} (its units²)", stop_reason, name,
                          epochs)
    return save(figure, path)


def performance_panel(axes, curves: dict[str, Sequence[float]], best_epoch: int | None, measure: str,
                      stop_reason: str, target: str = "", epochs: int | None = None) -> None:
    """One performance plot on ``axes``; ``target`` names it in the title (one panel per target); ``epochs`` the
    run's epochs (default: the longest curve's)."""
    for name, values in curves.items():
        axes.plot(np.arange(1, len(values) + 1), values, color=SPLIT_COLORS.get(name), label=name, linewidth=1.6)
    which = "Validation" if "Validation" in curves else "Training"
    reference = curves.get(which)
    prefix = f"{target}: " if target else ""
    if best_epoch is not None and reference is not None and best_epoch < len(reference):
        axes.axvline(best_epoch + 1, color="black", linestyle=":", linewidth=1)
        axes.plot(best_epoch + 1, reference[best_epoch], "o", markersize=9, markerfacecolor="none",
                  markeredgecolor="black", markeredgewidth=1.5, label=f"Best (epoch {best_epoch + 1})")
        # MATLAB's title; what is measured, and in which units, is the axis label
        axes.set_title(f"{prefix}Best {which.lower()} performance is {reference[best_epoch]:.4g} at epoch "
                       f"{best_epoch + 1}", **({"fontsize": 10} if target else {}))  # several panels: smaller
    else:
        axes.set_title(f"{prefix}{measure} per epoch")
    if all(len(values) and np.min(values) > 0 for values in curves.values()):
        axes.set_yscale("log")
        plain = FuncFormatter(lambda value, _: f"{value:g}")  # 0.2, 0.3 rather than 2×10⁻¹
        axes.yaxis.set_major_formatter(plain)
        low, high = min(np.min(v) for v in curves.values()), max(np.max(v) for v in curves.values())
        axes.yaxis.set_minor_formatter(plain if high < 10 * low else NullFormatter())  # label minor ticks within a decade
    epochs = epochs or max((len(values) for values in curves.values()), default=0)
    axes.set_xlabel(f"Epoch ({epochs} in all{', stopped by ' + stop_reason if stop_reason else ''})")
    axes.set_ylabel(measure)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()


@with_fonts
def plot_training_state(series: dict[str, Sequence[float]], path: str | Path) -> Path | None:
    """Gradient, μ, validation checks and the solver's other series per epoch, like MATLAB's
    plottrainstate (the names of ``STATE_LABELS``, in that order); None, nothing written, when
    ``series`` holds none of them."""
    names = [name for name in STATE_LABELS if len(series.get(name, []))]
    if not names:
        return None
    figure = Figure(figsize=(7, 2.1 * len(names) + 0.4), layout="constrained")
    axes_list = figure.subplots(len(names), 1, sharex=True, squeeze=False).ravel()
    for axes, name in zip(axes_list, names):
        values = np.asarray(series[name], dtype=float)
        label, logarithmic = STATE_LABELS[name]
        epochs = np.arange(1, len(values) + 1)
        if name == "val_fail":
            axes.step(epochs, values, where="post", color="tab:purple")
        else:
            axes.plot(epochs, values, color="tab:blue", marker="." if len(values) <= 50 else None)
        if logarithmic and np.all(values > 0):
            axes.set_yscale("log")
        axes.set_ylabel(label)
        axes.set_title(f"{label} = {values[-1]:.4g} at epoch {len(values)}", fontsize=10)
        axes.grid(True, alpha=0.3)
    axes_list[-1].set_xlabel("Epoch")
    return save(figure, path)


def by_target(targets: Array, outputs: Array) -> tuple[Array, Array]:
    """Targets and outputs as ``(m, k)`` float arrays, one column per target."""
    targets = np.asarray(targets, dtype=float).reshape(len(targets), -1)
    return targets, np.asarray(outputs, dtype=float).reshape(targets.shape)


def target_labels(k: int, target_names: Sequence[str]) -> list[str]:
    return [str(target_names[j]) if j < len(target_names) else f"output {j + 1}" for j in range(k)]


@with_fonts
def plot_regression(splits: dict[str, tuple[Array, Array]], path: str | Path, target_names: Sequence[str] = ()) -> Path:
    """Outputs against targets per split with the least-squares fit line, Y = T and R in the title, like MATLAB's
    plotregression, in the targets' own units: one row of panels per target (R of one target at a time)."""
    first = next(iter(splits.values()))
    k = by_target(*first)[0].shape[1]
    names = target_labels(k, target_names)
    if k == 1:
        figure, axes_list = grid(len(splits))
        panels = [(axes, name, 0) for axes, name in zip(axes_list, splits)]
    else:
        figure = Figure(figsize=(4.2 * len(splits), 3.8 * k), layout="constrained")
        axes_grid = figure.subplots(k, len(splits), squeeze=False)
        panels = [(axes_grid[j, i], name, j) for j in range(k) for i, name in enumerate(splits)]
    for axes, name, j in panels:
        targets, outputs = by_target(*splits[name])
        t, y = targets[:, j], outputs[:, j]
        slope, intercept = np.polyfit(t, y, 1) if np.ptp(t) > 0 else (0.0, float(np.mean(y)))  # Output ≈ a·T + b
        low, high = min(t.min(), y.min()), max(t.max(), y.max())
        line = np.array([low, high])
        color = SPLIT_COLORS.get(name, "tab:blue")
        axes.plot(t, y, "o", markersize=4, markerfacecolor="none", markeredgecolor="black", alpha=0.7, label="Data")
        axes.plot(line, slope * line + intercept, color=color, linewidth=2, label="Fit")
        axes.plot(line, line, ":", color="gray", label="Y = T")
        r = regression_metrics(t, y)["r"]
        axes.set_title(f"{names[j] + ', ' if k > 1 else ''}{name}: " + ("R undefined" if np.isnan(r) else f"R = {r:.5f}"))
        axes.set_xlabel(f"Target {names[j]}")
        axes.set_ylabel(f"Output ≈ {slope:.3g}·Target {'+' if intercept >= 0 else '−'} {abs(intercept):.3g}")
        axes.set_aspect("equal", adjustable="datalim")
        axes.grid(True, alpha=0.3)
        axes.legend(loc="upper left", fontsize=8)
    return save(figure, path)


@with_fonts
def plot_error_histogram(splits: dict[str, tuple[Array, Array]], path: str | Path, bins: int = 20,
                         target_names: Sequence[str] = ()) -> Path:
    """Histogram of errors (target − output) in the target's units, stacked by split, zero error marked, like
    MATLAB's ploterrhist; one panel per target (errors in different units do not share an axis)."""
    parts = {name: by_target(*pair) for name, pair in splits.items() if name != "All" or len(splits) == 1}
    k = next(iter(parts.values()))[0].shape[1]
    names = target_labels(k, target_names)
    figure = Figure(figsize=(7, 4.2 * k), layout="constrained")
    for j, axes in enumerate(figure.subplots(k, 1, squeeze=False).ravel()):
        errors = {name: t[:, j] - y[:, j] for name, (t, y) in parts.items()}  # error = target - output
        edges = np.histogram_bin_edges(np.concatenate(list(errors.values())), bins=bins)
        axes.hist(list(errors.values()), bins=edges, stacked=True, label=list(errors),
                  color=[SPLIT_COLORS.get(name, "tab:blue") for name in errors], edgecolor="white")
        axes.axvline(0, color="tab:orange", linewidth=2, label="Zero error")
        axes.set_title(f"Error histogram{' of ' + names[j] if target_names or k > 1 else ''} with {bins} bins")
        axes.set_xlabel(f"Error = target − output ({names[j]})" if target_names or k > 1 else "Error = target − output")
        axes.set_ylabel("Instances")
        axes.legend()
    return save(figure, path)


@with_fonts
def plot_predictions(targets: Array, outputs: Array, path: str | Path, title: str = "Test set",
                     output_names: Sequence[str] = ()) -> Path:
    """Actual and predicted values sample by sample (one panel per output)."""
    targets = np.asarray(targets, dtype=float).reshape(len(targets), -1)
    outputs = np.asarray(outputs, dtype=float).reshape(targets.shape)
    k = targets.shape[1]
    figure = Figure(figsize=(8, 3.2 * k + 0.3), layout="constrained")
    axes_list = figure.subplots(k, 1, squeeze=False).ravel()
    sample = np.arange(1, targets.shape[0] + 1)
    marker = "o" if targets.shape[0] <= 100 else None
    for j, axes in enumerate(axes_list):
        name = output_names[j] if j < len(output_names) else f"output {j + 1}"
        rmse = regression_metrics(targets[:, j], outputs[:, j])["rmse"]
        axes.plot(sample, targets[:, j], color="tab:blue", marker=marker, markersize=4, label="Actual")
        axes.plot(sample, outputs[:, j], color="tab:red", linestyle="--", marker="x" if marker else None,
                  markersize=4, label="Predicted")
        axes.set_title(f"{title}: {name}, predicted against actual (RMSE {rmse:.4g})")
        axes.set_xlabel("Sample")
        axes.set_ylabel(name)
        axes.grid(True, alpha=0.3)
        axes.legend()
    return save(figure, path)


@with_fonts
def plot_confusion(splits: dict[str, Array], classes: Sequence, path: str | Path) -> Path:
    """Confusion matrices per split: counts (and, up to six classes, the share of all samples) in the non-empty
    cells, shading by the share of the true class."""
    size = min(0.75 * len(classes) + 2.2, 8.0)
    figure, axes_list = grid(len(splits), width=size + 0.6, height=size)
    names = [str(c) for c in classes]
    for axes, (name, counts) in zip(axes_list, splits.items()):
        counts = np.asarray(counts)
        total = max(counts.sum(), 1)
        share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
        axes.imshow(share, cmap="Blues", vmin=0, vmax=1)
        for i, j in np.ndindex(counts.shape):
            if counts[i, j] == 0:
                continue  # empty cells stay blank, so the errors stand out
            text = f"{counts[i, j]}\n{counts[i, j] / total:.1%}" if len(names) <= 6 else str(counts[i, j])
            axes.text(j, i, text, ha="center", va="center", fontsize=8, color="white" if share[i, j] > 0.6 else "black")
        axes.set_xticks(range(len(names)), names, rotation=45 if max(map(len, names)) > 4 else 0)
        axes.set_yticks(range(len(names)), names)
        axes.set_xlabel("Predicted class")
        axes.set_ylabel("True class")
        axes.set_title(f"{name}: accuracy {np.trace(counts) / total:.1%}")
    return save(figure, path)


@with_fonts
def plot_roc(curves: dict[str, tuple[Array, Array, float]], path: str | Path, title: str = "ROC curve") -> Path:
    """ROC curves: ``curves`` maps a label to (false positive rates, true positive rates, AUC)."""
    figure = Figure(figsize=(5.5, 5), layout="constrained")
    axes = figure.add_subplot()
    for name, (fpr, tpr, auc) in curves.items():
        axes.plot(fpr, tpr, linewidth=2, color=SPLIT_COLORS.get(name), label=f"{name} (AUC {auc:.3f})")
    axes.plot([0, 1], [0, 1], ":", color="gray", label="Chance")
    axes.set_xlim(-0.01, 1.01)
    axes.set_ylim(-0.01, 1.01)
    axes.set_aspect("equal")
    axes.set_xlabel("False positive rate")
    axes.set_ylabel("True positive rate")
    axes.set_title(title)
    axes.grid(True, alpha=0.3)
    axes.legend(loc="lower right")
    return save(figure, path)


@with_fonts
def plot_decision_boundary(predict_proba: Callable[[Array], Array], X: Array, y: Array, classes: Sequence,
                           path: str | Path, title: str = "Decision boundary",
                           feature_names: Sequence[str] = ("x1", "x2"), resolution: int = 300) -> Path:
    """Class regions of a model on 2-D inputs, with the samples on top. ``predict_proba`` maps ``(m, 2)``
    inputs to ``(m, n_classes)`` probabilities (or ``(m, 1)``: the probability of ``classes[1]``)."""
    X = np.asarray(X, dtype=float)
    pad = 0.08 * np.ptp(X, axis=0) + 1e-9
    low, high = X.min(axis=0) - pad, X.max(axis=0) + pad
    g1, g2 = np.meshgrid(np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution))
    proba = np.asarray(predict_proba(np.column_stack([g1.ravel(), g2.ravel()])), dtype=float)
    if proba.ndim == 1 or proba.shape[1] == 1:
        proba = np.column_stack([1 - proba.ravel(), proba.ravel()])
    region = proba.argmax(axis=1).reshape(g1.shape)
    colors = [f"C{i}" for i in range(len(classes))]
    figure = Figure(figsize=(6.4, 5.4), layout="constrained")
    axes = figure.add_subplot()
    from matplotlib.colors import ListedColormap

    axes.contourf(g1, g2, region, levels=np.arange(len(classes) + 1) - 0.5, cmap=ListedColormap(colors), alpha=0.25)
    if len(classes) == 2:
        axes.contour(g1, g2, proba[:, 1].reshape(g1.shape), levels=[0.5], colors="black", linewidths=1.2)
    y = np.asarray(y)
    for i, label in enumerate(classes):
        rows = y == label
        axes.scatter(X[rows, 0], X[rows, 1], s=14, color=colors[i], edgecolors="black", linewidths=0.4,
                     label=f"class {label}")
    axes.set_xlim(low[0], high[0])
    axes.set_ylim(low[1], high[1])
    axes.set_xlabel(feature_names[0])
    axes.set_ylabel(feature_names[1])
    axes.set_title(title)
    axes.legend(loc="best", fontsize=9, framealpha=0.9)
    return save(figure, path)


@with_fonts
def plot_network(layer_sizes: Sequence[int], layer_labels: Sequence[str], path: str | Path,
                 max_shown: int = 10) -> Path:
    """A diagram of a dense network: one column of units per layer (at most ``max_shown`` drawn, the rest
    elided), every connection between neighbouring layers, a label under each layer."""
    top = (min(max(layer_sizes), max_shown) - 1) / 2  # units sit one apart, each layer centred on 0
    figure = Figure(figsize=(2.2 * len(layer_sizes) + 1, 1.8 + 0.42 * (2 * top + 1)), layout="constrained")
    axes = figure.add_subplot()
    axes.set_axis_off()
    columns = []
    for size in layer_sizes:
        shown = min(size, max_shown)
        heights = (shown - 1) / 2 - np.arange(shown, dtype=float)
        columns.append(np.delete(heights, -2) if size > shown else heights)  # an elided layer: a gap above its last unit
    for l in range(len(layer_sizes) - 1):
        for a in columns[l]:
            for b in columns[l + 1]:
                axes.plot([l, l + 1], [a, b], color="gray", linewidth=0.4, alpha=0.5, zorder=1)
    for l, (heights, size, label) in enumerate(zip(columns, layer_sizes, layer_labels)):
        color = "tab:green" if l == 0 else ("tab:red" if l == len(layer_sizes) - 1 else "tab:blue")
        axes.scatter(np.full(heights.size, l), heights, s=260, color=color, edgecolors="black", zorder=2)
        if size > max_shown:
            axes.text(l, heights[-1] + 1, "⋮", ha="center", va="center", fontsize=18, zorder=3)
        axes.text(l, -top - 0.8, f"{label}\n{size} unit{'s' if size != 1 else ''}", ha="center", va="top", fontsize=9)
    axes.set_xlim(-0.6, len(layer_sizes) - 0.4)
    axes.set_ylim(-top - 2.6, top + 0.7)
    axes.set_title(" → ".join(str(n) for n in layer_sizes))
    return save(figure, path)


def draw_run(run, folder: str | Path) -> list[tuple[Path, str]]:
    """Every figure of a :class:`bpnn.reports.html.Run` as PNG files in ``folder``: (path, caption) pairs."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    drawn = []
    if run.target_curves:  # several targets scaled by different factors, each in its units
        epochs = max(map(len, run.curves.values()), default=None)
        short = epochs is not None and max(len(v) for c in run.target_curves.values() for v in c.values()) < epochs
        drawn.append((plot_performance_by_target(run.target_curves, folder / "performance.png", run.best_epoch,
                                                 run.stop_reason, epochs),
                      "Mean squared error per epoch of each target in its own units, at the weights each epoch ended "
                      "with; the circle marks the best epoch, whose weights the model keeps"
                      + (f" (the last epoch, which ended on {run.stop_reason}, has no point: its weights were given up "
                         f"for the best ones)." if short else ".")))
    elif run.curves:  # a run of training (bpnn evaluate has none)
        drawn.append((plot_performance(run.curves, folder / "performance.png", run.best_epoch, run.measure, run.stop_reason),
                      f"{run.measure} per epoch; the circle marks the best epoch, whose weights the model keeps."
                      + (" The targets were scaled by different factors, which one curve over all of them cannot undo; "
                         "the metrics give each target in its own units." if run.measure.endswith("scaled targets")
                         else "")))
    state = plot_training_state(run.state, folder / "training_state.png")
    if state is not None:
        drawn.append((state, "Training state per epoch."))
    splits = [name for name in run.results if name != "All" or len(run.results) == 1]
    if run.task == "regression":
        several = len(run.target_names) > 1
        drawn.append((plot_regression(run.results, folder / "regression.png", run.target_names),
                      "Outputs against targets with the least-squares fit and the correlation R, per split"
                      + (" and target" if several else "") + ", in the table's units."))
        drawn.append((plot_error_histogram(run.results, folder / "error_histogram.png", target_names=run.target_names),
                      "Errors in the table's units, stacked by split" + (", one panel per target." if several else ".")))
        last = "Test" if "Test" in run.results else splits[-1]
        drawn.append((plot_predictions(*run.results[last], folder / "predictions.png", f"{last} set", run.target_names),
                      f"Predicted and actual values of the {last.lower()} set, sample by sample."))
    else:
        confusions = {name: run.metrics[name]["confusion"] for name in run.results}
        drawn.append((plot_confusion(confusions, run.classes, folder / "confusion.png"),
                      "Confusion matrices: rows are true classes, columns predicted ones."))
        if len(run.classes) == 2:
            from bpnn.reports.metrics import roc_curve

            curves = {}
            for name in splits:
                labels, _, proba = run.results[name]
                positive = np.asarray(labels) == run.classes[1]
                if positive.any() and not positive.all():
                    curves[name] = (*roc_curve(positive, proba[:, 1])[:2], run.metrics[name]["roc_auc"])
            if curves:
                drawn.append((plot_roc(curves, folder / "roc.png", f"ROC curve (positive class {run.classes[1]})"),
                              "ROC curves per split."))
        if run.boundary is not None:
            predict_proba, X, y = run.boundary
            drawn.append((plot_decision_boundary(predict_proba, X, y, run.classes, folder / "decision_boundary.png",
                                                 f"Decision boundary of the trained network ({len(X)} samples)",
                                                 run.feature_names[:2]),
                          "Class regions of the trained network over its two inputs, with every sample."))
    drawn.append((plot_network(run.layer_sizes, run.layer_labels, folder / "network.png"), "The network."))
    for section in getattr(run, "sections", ()):  # their own figures (input importance, …)
        if section.draw is not None and section.figure:
            drawn.append((section.draw(folder / section.figure), section.caption))
    return drawn
