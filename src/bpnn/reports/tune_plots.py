"""The figure and report section of ``bpnn tune``: error against hidden size, with the spread over folds and trials
and the range of the √(n+m)+a rule marked (:mod:`bpnn.selection.tune` measures the candidates).

Like :mod:`bpnn.reports.plots`: the function draws on its own ``matplotlib.figure.Figure``, writes ``path``
atomically as PNG and returns it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from bpnn.reports.html import Section
from bpnn.reports.plots import save, with_fonts

TUNE_FIGURE = "tuning.png"


@with_fonts
def plot_tuning(summaries: Sequence[dict], path: str | Path, measure: str, best: str,
                rule: tuple[int, int] | None = None, held_out: str = "validation") -> Path:
    """Mean error over trainings ± its standard deviation and the kept model's error per candidate, the best and
    worst trial as a bar behind them, every
    candidate along x (one-layer sizes by their size, other architectures in the order given), the best candidate
    ringed and the rule of thumb's range shaded."""
    figure = Figure(figsize=(8, 4.8), layout="constrained")
    axes = figure.add_subplot()
    labels = [s["hidden"] for s in summaries]
    one_layer = all("," not in label for label in labels)
    x = np.array([int(label) for label in labels]) if one_layer else np.arange(len(labels))
    mean, std = np.array([s["mean"] for s in summaries]), np.array([s["std"] for s in summaries])
    best_trial, worst_trial = np.array([s["best"] for s in summaries]), np.array([s["worst"] for s in summaries])
    width = 0.35 * (np.min(np.diff(np.sort(x))) if len(x) > 1 else 1)
    axes.bar(x, worst_trial - best_trial, bottom=best_trial, width=width, color="tab:gray", alpha=0.25,
             label="best to worst trial")
    axes.fill_between(x, mean - std, mean + std, color="tab:blue", alpha=0.15, label="± standard deviation")
    axes.errorbar(x, mean, yerr=std, color="tab:blue", marker="o", capsize=3, label="mean over trainings")
    kept = np.array([s["kept"] for s in summaries])
    axes.plot(x, kept, color="tab:green", marker="s", linestyle="--", label="kept model (chooses)")
    if rule is not None and one_layer:
        axes.axvspan(rule[0] - 0.5, rule[1] + 0.5, color="tab:orange", alpha=0.12,
                     label=f"√(n+m)+a, a = 1…10: {rule[0]}…{rule[1]}")
    chosen = labels.index(best)
    axes.plot(x[chosen], kept[chosen], "o", markersize=14, markerfacecolor="none", markeredgecolor="black",
              markeredgewidth=1.5, label=f"chosen: {best}")
    if not one_layer:
        axes.set_xticks(x, labels, rotation=30 if len(labels) > 8 else 0)
    axes.set_xlabel("hidden units" if one_layer else "hidden layer sizes")
    low = min(float(best_trial.min()), float((mean - std).min()))
    if low > 0 and float(worst_trial.max()) > 20 * low:  # errors over decades: a log scale shows the small ones
        axes.set_yscale("log")
    axes.set_ylabel(measure)
    axes.set_title(f"{measure.capitalize()} ({held_out}) by hidden size")
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize="small")
    return save(figure, path)


def tuning_section(summaries: Sequence[dict], measure: str, best: str, rule: tuple[int, int] | None,
                   held_out: str, text: str) -> Section:
    """The report's section: the candidates' table and the figure."""
    header = ["hidden", f"kept model's {measure}", "over trainings: mean", "± std", "best trial", "worst trial",
              "trainings", "seconds", "chosen"]
    rows = [[s["hidden"], f"{s['kept']:.4g}" + (f" ± {s['kept_std']:.2g}" if s["kept_std"] else ""), f"{s['mean']:.4g}",
             f"{s['std']:.2g}", f"{s['best']:.4g}", f"{s['worst']:.4g}", s["fits"], f"{s['seconds']:.1f}",
             "yes" if s["hidden"] == best else ""] for s in summaries]
    return Section("Hidden size", text, header, rows, figure=TUNE_FIGURE,
                   draw=lambda path: plot_tuning(summaries, path, measure, best, rule, held_out),
                   caption=f"{measure.capitalize()} ({held_out}) by hidden size: mean and standard deviation over "
                           f"every training, the kept model's error (which chooses), best to worst trial behind them"
                           + (f", the rule √(n+m)+a's range {rule[0]}…{rule[1]} shaded." if rule else "."))
