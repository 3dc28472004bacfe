"""Figures of input importance: a bar chart of :func:`bpnn.selection.importance.importance`'s table and the
partial dependence (with ICE) curves of :func:`bpnn.selection.importance.partial_dependence`.

Like :mod:`bpnn.reports.plots`: each function draws on its own ``matplotlib.figure.Figure`` (never pyplot),
writes ``path`` atomically as PNG and returns it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from bpnn.reports.plots import grid, save, with_fonts

SIGN_COLORS = {1.0: "tab:blue", -1.0: "tab:red"}  # larger input raises / lowers the output
NO_SIGN_COLOR = "tab:gray"
MAX_BARS = 40  # more features than this: the most important ones, the rest counted in the title
MAX_ICE_LINES = 60  # ICE curves drawn per panel (a fixed, evenly spaced choice of rows)


@with_fonts
def plot_importance(table: object, path: str | Path, title: str | None = None) -> Path:
    """A horizontal bar per feature, the most important on top: its importance with the spread as an error bar,
    coloured by its sign (blue: a larger input raises the output, red: lowers it, grey: no sign), labelled with
    its share in percent. ``table`` is the DataFrame of :func:`bpnn.selection.importance.importance`."""
    shown = table.iloc[:MAX_BARS]
    names = [str(name) for name in shown.index][::-1]
    values = shown["importance"].to_numpy(dtype=float)[::-1]
    spread = shown["spread"].to_numpy(dtype=float)[::-1]
    signs = shown["sign"].to_numpy(dtype=float)[::-1]
    percent = shown["percent"].to_numpy(dtype=float)[::-1]
    figure = Figure(figsize=(7.5, 1.2 + 0.32 * len(names)), layout="constrained")
    axes = figure.add_subplot()
    colors = [SIGN_COLORS.get(float(s), NO_SIGN_COLOR) for s in signs]
    errors = np.where(np.isfinite(spread), spread, 0.0)
    axes.barh(np.arange(len(names)), values, color=colors, xerr=errors if np.any(errors > 0) else None,
              error_kw={"ecolor": "black", "capsize": 3, "linewidth": 1}, height=0.7)
    reach = np.max(values + errors, initial=0.0)
    for y, (value, error, share) in enumerate(zip(values, errors, percent)):
        axes.text(max(value + error, 0) + 0.01 * (reach or 1), y, f"{share:.1f}%", va="center", fontsize=8)
    axes.set_yticks(np.arange(len(names)), names)
    axes.set_xlim(min(0.0, float(np.min(values - errors, initial=0.0))) * 1.1, (reach or 1) * 1.15)
    axes.axvline(0, color="black", linewidth=0.8)
    method = table.attrs.get("description", table.attrs.get("method", "importance"))
    more = f" (top {MAX_BARS} of {len(table)})" if len(table) > MAX_BARS else ""
    axes.set_title(title or f"Input importance{more}")
    axes.set_xlabel(method if len(method) < 95 else table.attrs.get("method", "importance"))
    axes.grid(True, axis="x", alpha=0.3)
    legend = [(color, label) for color, label in ((SIGN_COLORS[1.0], "raises the output"),
                                                   (SIGN_COLORS[-1.0], "lowers the output"), (NO_SIGN_COLOR, "no sign"))
              if color in colors]
    if len(legend) > 1 or legend and legend[0][0] != NO_SIGN_COLOR:
        from matplotlib.patches import Patch

        axes.legend(handles=[Patch(color=color, label=label) for color, label in legend], loc="lower right", fontsize=8)
    return save(figure, path)


@with_fonts
def plot_partial_dependence(curves: Sequence[dict], path: str | Path, title: str | None = None) -> Path:
    """One panel per feature: the partial dependence (the mean prediction as the feature alone moves over its
    grid, thick) and up to ``MAX_ICE_LINES`` ICE curves (one row each, thin); a text column as one point per
    category. With several outputs, one coloured average per output and no ICE. ``curves`` is the list of
    :func:`bpnn.selection.importance.partial_dependence`."""
    figure, axes_list = grid(len(curves), width=4.0, height=3.3)
    for axes, curve in zip(axes_list, curves):
        grid_values, average, individual = curve["grid"], curve["average"], curve["individual"]
        outputs = curve["outputs"]
        x = np.arange(len(grid_values)) if curve["categorical"] else np.asarray(grid_values, dtype=float)
        several = len(outputs) > 1
        if individual is not None and not several:
            rows = individual[0]
            chosen = np.unique(np.linspace(0, len(rows) - 1, min(MAX_ICE_LINES, len(rows))).astype(int))
            style = {"marker": "o", "linestyle": "none", "markersize": 3} if curve["categorical"] else {"linewidth": 0.6}
            for row in rows[chosen]:
                axes.plot(x, row, color="tab:gray", alpha=0.35, **style)
        for k, name in enumerate(outputs):
            label = f"P({name})" if several or curve.get("classifier") else "average"
            style = {"marker": "s", "markersize": 7, "linestyle": "-" if several else "none"} if curve["categorical"] else {}
            axes.plot(x, average[k], color=f"C{k}" if several else "tab:orange", linewidth=2.2, label=label, **style)
        if curve["categorical"]:
            axes.set_xticks(x, [str(v) for v in grid_values], rotation=30 if max(len(str(v)) for v in grid_values) > 4 else 0)
            axes.set_xlim(-0.5, len(x) - 0.5)
        axes.set_xlabel(curve["feature"])
        axes.set_ylabel("prediction" if not several else "probability")
        axes.grid(True, alpha=0.3)
        if several or (individual is not None):
            if individual is not None and not several:
                axes.plot([], [], color="tab:gray", alpha=0.6, linewidth=0.8, label="ICE (one row each)")
            axes.legend(fontsize=7, loc="best")
    figure.suptitle(title or "Partial dependence" + (" and ICE" if any(c["individual"] is not None for c in curves) else ""))
    return save(figure, path)
