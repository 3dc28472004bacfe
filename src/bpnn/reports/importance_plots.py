"""Figures of input importance: a bar chart of :func:`bpnn.selection.importance.importance`'s table and the
partial dependence (with ICE) curves of :func:`bpnn.selection.importance.partial_dependence`.

Like :mod:`bpnn.reports.plots`: each function draws on its own ``matplotlib.figure.Figure`` (never pyplot),
writes ``path`` atomically as PNG and returns it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from bpnn.reports.html import Section
from bpnn.reports.plots import grid, save, with_fonts

SIGN_COLORS = {1.0: "tab:blue", -1.0: "tab:red"}  # larger input raises / lowers the output
NO_SIGN_COLOR = "tab:gray"
MAX_BARS = 40  # more features than this: the most important ones, the rest counted in the title
MAX_ICE_LINES = 60  # ICE curves drawn per panel (a fixed, evenly spaced choice of rows)
IMPORTANCE_FIGURE = "importance.png"  # its file name among a training run's figures
COLUMNS = ("importance", "percent", "sign", "spread")


def plain(text: object) -> str:
    """``text`` as matplotlib shows it literally: a "$" would start mathtext."""
    return str(text).replace("$", r"\$")


def importance_rows(table) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of an importance table as text: feature, importance (4 significant digits), % (one decimal),
    sign (+/−), spread and any per-output columns; a column of blanks (no sign, no spread) is left out."""

    def number(value: float) -> str:
        return "" if math.isnan(value) else f"{value:.4g}"

    extra = [name for name in table.columns if name not in COLUMNS]
    show_sign, show_spread = bool(table["sign"].notna().any()), bool(table["spread"].notna().any())
    header = ["feature", "importance", "%", *(["sign"] if show_sign else []), *(["spread"] if show_spread else []), *extra]
    rows = []
    for name, row in table.iterrows():
        sign = float(row["sign"])
        cells = [str(name), number(float(row["importance"])), f"{float(row['percent']):.1f}"]
        if show_sign:
            cells.append("" if math.isnan(sign) else "+" if sign > 0 else "−" if sign < 0 else "0")
        if show_spread:
            cells.append(number(float(row["spread"])))
        rows.append(cells + [number(float(row[column])) for column in extra])
    return header, rows


def importance_section(table, title: str = "Input importance") -> Section:
    """The report's section of an importance table: what was measured, the table and its bar chart."""
    rows = table.attrs.get("rows")
    text = table.attrs.get("description", "") + (f"; on {rows} rows" if rows else "") + "."
    header, cells = importance_rows(table)
    return Section(title=title, text=text, header=header, rows=cells, figure=IMPORTANCE_FIGURE,
                   draw=lambda path: plot_importance(table, path, title),
                   caption="Importance of each input column, most important first (blue: a larger input raises the "
                           "output, red: lowers it, grey: no sign; error bars: the spread).")


@with_fonts
def plot_importance(table: object, path: str | Path, title: str | None = None) -> Path:
    """A horizontal bar per feature, the most important on top: its importance with the spread as an error bar,
    coloured by its sign (blue: a larger input raises the output, red: lowers it, grey: no sign), labelled with
    its share in percent. ``table`` is the DataFrame of :func:`bpnn.selection.importance.importance`."""
    shown = table.iloc[:MAX_BARS]
    names = [plain(name) for name in shown.index][::-1]
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
    axes.set_title(plain(title or "Input importance") + more)
    axes.set_xlabel(plain(method if len(method) < 95 else table.attrs.get("method", "importance")))
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
            label = f"P({plain(name)})" if several else "average"
            style = {"marker": "s", "markersize": 7, "linestyle": "-" if several else "none"} if curve["categorical"] else {}
            axes.plot(x, average[k], color=f"C{k}" if several else "tab:orange", linewidth=2.2, label=label, **style)
        if curve["categorical"]:
            axes.set_xticks(x, [plain(v) for v in grid_values], rotation=30 if max(len(str(v)) for v in grid_values) > 4 else 0)
            axes.set_xlim(-0.5, len(x) - 0.5)
        axes.set_xlabel(plain(curve["feature"]))
        axes.set_ylabel("prediction" if not several else "probability")
        axes.grid(True, alpha=0.3)
        if several or (individual is not None):
            if individual is not None and not several:
                axes.plot([], [], color="tab:gray", alpha=0.6, linewidth=0.8, label="ICE (one row each)")
            axes.legend(fontsize=7, loc="best")
    ice = " and ICE" if any(c["individual"] is not None for c in curves) else ""
    figure.suptitle(plain(title or f"Partial dependence{ice}"))
    return save(figure, path)
