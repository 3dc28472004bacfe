"""The explain trace printed: plain text, Markdown lecture notes (matrices as tables) or a complete LaTeX
document (matrices as ``bmatrix``), in English or Chinese.

:func:`render` walks a :class:`~bpnn.derivation.trace.Trace` in the seed's order and tells a writer what to
set: headings, paragraphs from :mod:`bpnn.derivation.words`, formulas, matrices, scalars. One writer per
format decides how each looks. The renderers only format numbers (6 significant digits; relative errors 2);
every number comes from the trace.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from collections.abc import Sequence

import numpy as np

from bpnn.derivation.trace import MAX_SAMPLES, STEP, Quantity, Trace
from bpnn.derivation.walk import walk
from bpnn.derivation.words import DESCRIPTIONS, LANGUAGES, REASONS, WORDS

Array = np.ndarray

FORMATS = ("text", "markdown", "latex")


def number(value: float, digits: int = 6) -> str:
    """A computed number as printed: ``digits`` significant digits (6 unless --digits), no negative zero."""
    return f"{float(value) + 0.0:.{digits}g}"


def error_number(value: float) -> str:
    """A relative error as printed: 2 significant digits."""
    return f"{float(value):.2g}"


_CLOSING = set("，。；：、）》」』！？")  # full-width punctuation a line never starts with
_OPENING = set("（《「『")  # and never ends with


def _wide(c: str) -> bool:
    return unicodedata.east_asian_width(c) in ("W", "F")


def wrap_wide(text: str, width: int) -> str:
    """Chinese prose wrapped by display width (a full-width character takes two columns): a line breaks only
    next to a full-width character, never inside a run of formula text such as "α = 1" or "第 1 步", and never
    before closing punctuation."""
    chunks: list[str] = []
    for c in text:
        # a full-width character is a chunk of its own (closing punctuation joins the one before); a run of
        # narrow characters, with its spaces, is one chunk, together with the full-width text around its spaces
        if chunks and (c in _CLOSING or chunks[-1][-1] in _OPENING or not (_wide(c) or _wide(chunks[-1][-1]))):
            chunks[-1] += c
        elif chunks and not _wide(c) and chunks[-1][-1] != " " and c != " " and not _wide(chunks[-1][-1]):
            chunks[-1] += c
        else:
            chunks.append(c)
    merged: list[str] = []
    for chunk in chunks:  # "第 1 步": a narrow run between spaces binds to its neighbours
        if merged and (chunk.startswith(" ") or merged[-1].endswith(" ")):
            merged[-1] += chunk
        else:
            merged.append(chunk)
    lines, line, size = [], "", 0
    for chunk in merged:
        cost = sum(2 if _wide(c) else 1 for c in chunk)
        if line and size + cost > width:
            lines.append(line.rstrip())
            line, size = chunk.lstrip(), cost
        else:
            line, size = line + chunk, size + cost
    return "\n".join(lines + [line.rstrip()])


def _space(label: str) -> str:
    """No space after a full-width colon: it carries its own."""
    return "" if not label or label.endswith("：") else " "


class _TextWriter:
    """Plain text: matrices as bracketed rows."""

    digits = 6  # significant digits of every computed number
    blank = False  # a worksheet's blanked quantity: cells left empty
    BLANK = "____"

    def cell(self, value: float) -> str:
        return self.BLANK if self.blank else number(value, self.digits)

    def __init__(self, lang: str) -> None:
        self.lang, self.lines = lang, []

    def heading(self, level: int, title: str) -> None:
        if level == 1:
            self.lines += [title, "=" * sum(2 if _wide(c) else 1 for c in title)]  # by display width
        else:
            self.lines += ["", f"== {title} ==" if level == 2 else title]

    def para(self, text: str) -> None:
        if self.lang == "en":
            wrapped = textwrap.fill(text, 100, break_long_words=False, break_on_hyphens=False)
        else:
            wrapped = wrap_wide(text, 100)
        self.lines += ["", wrapped] if self.lines and self.lines[-1] else [wrapped]

    def formula(self, label: str, text: str, tex: str) -> None:
        self.lines.append(f"  {label}{_space(label)}{text}")

    def note(self, label: str, text: str) -> None:
        self.lines.append(f"  {label}{_space(label)}{text}".rstrip())

    def caption(self, text: str, tex: str) -> None:
        self.lines.append(f"  {text}")

    def matrix(self, value: Array, sample_axis: int | None) -> None:
        rows = np.atleast_2d(value)
        cells = [[self.cell(v) for v in row] for row in rows]
        width = max(len(c) for row in cells for c in row)
        self.lines += ["    [ " + "  ".join(c.rjust(width) for c in row) + " ]" for row in cells]

    def scalar(self, label: str, symbol: str, value: str) -> None:
        self.lines.append(f"  {label} {symbol} = {value}" if label else f"  {symbol} = {value}")

    def finish(self) -> str:
        return "\n".join(self.lines) + "\n"


class _MarkdownWriter(_TextWriter):
    """Markdown lecture notes: formulas as display math, matrices as tables."""

    BLANK = r"\_\_\_\_"

    def heading(self, level: int, title: str) -> None:
        self.lines += ["", "#" * level + " " + title, ""] if self.lines and self.lines[-1] else ["#" * level + " " + title, ""]

    def para(self, text: str) -> None:
        self.lines += [text, ""]

    def formula(self, label: str, text: str, tex: str) -> None:
        self.lines += [f"**{label}**", "", "$$", tex, "$$", ""]

    def note(self, label: str, text: str) -> None:
        self.lines += [f"**{label}**{_space(label)}{text}".rstrip(), ""]

    def caption(self, text: str, tex: str) -> None:
        self.lines += [f"${tex}$", ""]

    def matrix(self, value: Array, sample_axis: int | None) -> None:
        rows = np.atleast_2d(value)
        sample = WORDS[self.lang]["sample"]
        columns = [f"{sample} {j + 1}" if sample_axis == 1 else str(j + 1) for j in range(rows.shape[1])]
        self.lines += ["| | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
        for i, row in enumerate(rows):
            label = f"{sample} {i + 1}" if sample_axis == 0 else str(i + 1)
            self.lines.append(f"| **{label}** | " + " | ".join(self.cell(v) for v in row) + " |")
        self.lines.append("")

    def scalar(self, label: str, symbol: str, value: str) -> None:
        self.lines += [f"{label} {symbol} = {value}".lstrip(), ""]

    def finish(self) -> str:
        return "\n".join(self.lines).strip() + "\n"


_TEX_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "—": "---",
                "…": r"\ldots{}"}
_TEX_MATH = {"σ": r"\sigma", "⊙": r"\odot", "Σ": r"\Sigma", "α": r"\alpha", "ε": r"\varepsilon", "θ": r"\theta",
             "→": r"\to", "←": r"\leftarrow", "·": r"\cdot", "‖": r"\|", "ᵀ": r"^{\mathsf T}", "′": "'", "<": "<",
             ">": ">", "∂": r"\partial"}


def tex_text(text: str) -> str:
    """Prose for LaTeX: special characters escaped, math symbols set in math mode."""
    return "".join(_TEX_ESCAPES.get(c) or (rf"\ensuremath{{{_TEX_MATH[c]}}}" if c in _TEX_MATH else c) for c in text)


def tex_number(text: str) -> str:
    """1.5e-05 → 1.5\\times 10^{-5}; inf → \\infty."""
    special = {"inf": r"\infty", "-inf": r"-\infty", "nan": r"\mathrm{nan}"}
    if text in special:
        return special[text]
    match = re.fullmatch(r"(-?[\d.]+)e([+-])0*(\d+)", text)
    if not match:
        return text
    mantissa, sign, exponent = match.groups()
    return rf"{mantissa}\times 10^{{{'-' if sign == '-' else ''}{exponent}}}"


def tex_name(name: str) -> str:
    """dw2 → dw_2, dZ[2] → dZ^{[2]}, A[0] → A^{[0]}, σ′(z2) → \\sigma'(z_2)."""
    if name.startswith("σ′(z"):
        return rf"\sigma'(z_{name[-2]})"
    name = re.sub(r"\[(\d+)\]", r"^{[\1]}", name)
    return re.sub(r"^([a-zA-Z]+)(\d+)$", r"\1_{\2}", name)


class _LatexWriter:
    """A complete LaTeX document: formulas as display math, matrices as bmatrix (article; ctexart for zh,
    compiled with XeLaTeX)."""

    digits = 6
    blank = False
    BLANK = r"\underline{\hspace{2em}}"

    def cell(self, value: float) -> str:
        return self.BLANK if self.blank else tex_number(number(value, self.digits))

    def __init__(self, lang: str) -> None:
        self.lang, self.lines, self.title = lang, [], ""

    def heading(self, level: int, title: str) -> None:
        if level == 1:
            self.title = title
        else:
            self.lines += ["", (r"\section*{" if level == 2 else r"\subsection*{") + tex_title(title) + "}"]

    def para(self, text: str) -> None:
        self.lines += ["", tex_text(text), ""]

    def formula(self, label: str, text: str, tex: str) -> None:
        self.lines += [r"\noindent " + tex_text(label), r"\[ " + tex + r" \]"]

    def note(self, label: str, text: str) -> None:
        self.lines += [r"\noindent\textit{" + tex_text(label) + "} " + tex_text(text), ""]

    def caption(self, text: str, tex: str) -> None:
        self.lines += ["", r"\noindent $" + tex + "$"]

    def matrix(self, value: Array, sample_axis: int | None) -> None:
        rows = np.atleast_2d(value)
        body = r" \\ ".join(" & ".join(self.cell(v) for v in row) for row in rows)
        self.lines.append(r"\[ \begin{bmatrix} " + body + r" \end{bmatrix} \]")

    def scalar(self, label: str, symbol: str, value: str) -> None:
        self.lines += [rf"\noindent {tex_text(label)} ${_TEX_MATH.get(symbol, symbol)} = {tex_number(value)}$", ""]

    def finish(self) -> str:
        head = ([r"\documentclass[UTF8]{ctexart}"] if self.lang == "zh" else [r"\documentclass{article}"]) + [
            r"\usepackage{amsmath}", r"\usepackage[margin=2cm]{geometry}",
            rf"\setcounter{{MaxMatrixCols}}{{{MAX_SAMPLES}}}", r"\begin{document}", "",
            r"\begin{center}{\Large\bfseries " + tex_title(self.title) + r"}\end{center}"]
        return "\n".join(head + self.lines + ["", r"\end{document}"]) + "\n"


def tex_title(title: str) -> str:
    """A heading: quantity names in math (``dw2`` → ``$dw_2$``), the rest as prose."""
    name, sep, rest = title.partition(" — ")
    if not sep:
        return tex_text(title)
    number_, _, symbol = name.rpartition(" ")
    return (tex_text(number_) + " " if number_ else "") + f"${tex_name(symbol)}$ --- " + tex_text(rest)


WRITERS = {"text": _TextWriter, "markdown": _MarkdownWriter, "latex": _LatexWriter}


def render(trace: Trace, format: str = "text", lang: str = "en", digits: int = 6, blanks: Sequence[str] = ()) -> str:
    """The trace as text, Markdown or a LaTeX document, in English (en) or Chinese (zh); computed numbers
    rounded to ``digits`` significant digits (relative errors always to 2). ``blanks`` makes a worksheet: those
    quantities (names as printed, "dz2", "dW[1]") are left blank, without their numerical gradient, and an
    answer key at the end gives them."""
    names = [q.name for q in trace.parameters + trace.forward + trace.loss + trace.backward]
    unknown = [name for name in blanks if name not in names]
    if unknown:
        raise ValueError(f"cannot blank {', '.join(unknown)}: not in this trace; choose from {', '.join(names)}")
    if not (isinstance(digits, (int, np.integer)) and 1 <= digits <= 17):
        raise ValueError(f"digits must be a whole number from 1 to 17; got {digits!r}")
    writer = _writer(format, lang)
    writer.digits = int(digits)
    writer.blanks = tuple(blanks)
    words, s = WORDS[lang], trace.settings
    seed_form = trace.form == "seed"
    sizes = [s["inputs"], *s["hidden"], 1]
    writer.heading(1, words["title_seed"] if seed_form else words["title_layers"].format(n=len(sizes) - 1))
    fields = dict(s, hidden=", ".join(map(str, s["hidden"])), sizes="-".join(map(str, sizes)), scale=f"{s['scale']:g}",
                  learning_rate=f"{s['learning_rate']:g}")
    writer.para(words["setup_seed" if seed_form else "setup_layers"].format(**fields) + (" " if lang == "en" else "")
                + words["init_given" if s.get("given_weights") else "init"].format(**fields))
    columns = s.get("layout") == "columns"
    writer.symbols = _symbols_columns if columns else _symbols_rows
    writer.para(words["convention_seed" if seed_form else "convention_columns" if columns else "convention_layers"])
    writer.para(words["numbers"].format(step=f"{STEP:.2g}", digits=writer.digits))
    if s["scale"] == 0:
        writer.para(words["symmetry"])
    writer.heading(2, words["parameters"])
    for quantity in trace.parameters:
        _write_quantity(writer, quantity, words, lang)
    order = " → ".join(q.name for q in trace.forward if q.kind not in ("y", "Y"))
    writer.heading(2, words["forward"].format(order=order))
    for quantity in trace.forward:
        _write_quantity(writer, quantity, words, lang)
    writer.heading(2, words["loss"])
    for quantity in trace.loss:
        _write_quantity(writer, quantity, words, lang)
    writer.heading(2, words["backward"].format(order=" → ".join(q.name for q in trace.backward)))
    for quantity in trace.backward:
        _write_quantity(writer, quantity, words, lang)
    write_verdict(writer, trace, words)
    if not seed_form:  # the vanishing-gradient lesson: how the gradient's size changes layer by layer
        norms = sorted((q.layer, float(np.linalg.norm(q.value))) for q in trace.gradients if q.kind == "dW")
        names = {q.layer: q.name for q in trace.gradients if q.kind == "dW"}
        writer.para(words["norms"].format(activation=s["activation"], weights="w_l" if columns else "W[l]",
                                          norms=words["list_sep"].join(f"‖{names[l]}‖ = {number(norm, 3)}"
                                                                        for l, norm in norms)))
    if trace.slip is not None:
        _write_slip(writer, trace.slip, words, lang, s)
    if trace.walk is not None:
        walked = walk({q.name: q.value for q in trace.parameters + trace.forward}, trace.walk.sample, writer.digits)
        writer.heading(2, words["walk_title"].format(k=walked.sample))
        writer.para(words["walk_intro"].format(k=walked.sample))
        for line in walked.lines:
            writer.formula(line.number or "", line.text, line.tex)
        writer.para(words["walk_average"].format(m=s["samples"]))
        for line in walked.average:
            writer.formula(line.number or "", line.text, line.tex)
    if trace.steps:
        writer.heading(2, words["update"].format(learning_rate=f"{s['learning_rate']:g}"))
        rule = "rule_seed" if seed_form else "rule_columns" if columns else "rule_layers"
        writer.para(words["update_rule"].format(rule=words[rule]))
        for step in trace.steps:
            writer.heading(3, words["step"].format(k=step.number))
            for quantity in step.parameters:
                _write_update(writer, quantity)
            writer.scalar(words["new_cost"], "J", number(step.cost, writer.digits))
    if blanks:
        writer.heading(2, words["key"])
        for name in blanks:
            _write_quantity(writer, trace[name], words, lang, key=True)
    return writer.finish()


def write_verdict(writer, trace: Trace, words: dict) -> None:
    """The gradient check's verdict: against the thresholds its own error estimate derives; kinks named
    only where a relu-type unit sits at one."""
    worst = trace.worst
    verdict = "check_ok" if trace.passed else "check_bad"
    writer.para(words[verdict].format(name=worst.name, error=error_number(worst.relative_error),
                                      tolerance=error_number(worst.tolerance)))
    writer.scalar(words["largest"], "ε", error_number(trace.max_relative_error))
    unresolved = [q.name for q in trace.gradients if q.too_small]
    if unresolved:
        writer.para(words["unresolved_names"].format(names=words["list_sep"].join(unresolved)))
    kinks = {q.name: q.kinks for q in trace.gradients if q.kinks}
    if kinks:
        writer.para(words["kinks"].format(count=sum(kinks.values()), names=words["list_sep"].join(kinks)))


def _write_slip(writer, slip, words: dict, lang: str, settings: dict) -> None:
    """The slip's section: each changed quantity computed the slipped way beside the batch form, then whether
    the gradient check catches it."""
    writer.heading(2, words["slip_title"].format(slip=slip.name))
    writer.para(words[f"slip_{slip.name}"].format(m=settings["samples"], n_h=settings["hidden"][0],
                                                  n_x=settings["inputs"]))
    for q in slip.quantities:
        prefix = f"{q.formula.number} " if q.formula.number else ""
        writer.heading(3, f"{prefix}{q.name} — {words['slip_as']}")
        writer.formula(words["slip_formula"], q.formula.text, q.formula.tex)
        if q.undefined is not None:
            (r1, c1), (r2, c2) = q.undefined
            writer.note(words["slip_undefined"].format(left=(r1, c1), right=(r2, c2), a=c1, b=r2), "")
        else:
            writer.note(words["shape"], str(q.value.shape))
            writer.matrix(q.value, 1 if q.value.shape[-1] == settings["samples"] and q.name in ("z2", "a2") else None)
        writer.note(words["slip_correct"], str(q.correct.shape))
        writer.matrix(q.correct, 1 if q.name in ("z2", "a2") else None)
        if q.wrong_shape:
            parameter = {"db2": "b2", "db1": "b1", "dw2": "w2", "dw1": "w1"}[q.name]
            result = np.broadcast_shapes(q.correct.shape, q.value.shape)
            writer.note(words["slip_shape"].format(name=q.name, shape=q.value.shape, parameter=parameter,
                                                   want=q.correct.shape, result=result), "")
        elif q.relative_error is not None:
            writer.scalar(words["error"], "ε", error_number(q.relative_error))
            writer.note(words["allowed"], error_number(q.tolerance))
    parts = []
    if slip.failing:
        parts.append(words["slip_fails"].format(names=words["list_sep"].join(slip.failing)))
    if slip.broken:
        parts.append(words["slip_broken"].format(names=words["list_sep"].join(slip.broken)))
    writer.para(words["slip_verdict"].format(verdict=words["slip_join"].join(parts)) if parts else words["slip_missed"])


def _writer(format: str, lang: str) -> _TextWriter | _LatexWriter:
    if format not in WRITERS:
        raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    return WRITERS[format](lang)


def _write_quantity(writer, quantity: Quantity, words: dict, lang: str, key: bool = False) -> None:
    """One quantity: heading, formulas, shape, value, and for a gradient its check. In a worksheet a blanked one
    shows its formula and shape only (its value in the answer key, ``key``, which shows the value alone)."""
    blank = quantity.name in getattr(writer, "blanks", ()) and not key
    description = DESCRIPTIONS[lang][quantity.kind].format(
        l=quantity.layer, **getattr(writer, "symbols", _symbols_rows)(quantity.layer))
    if key:
        writer.heading(3, f"{quantity.name} — {description}")
        if quantity.value.ndim == 0:
            writer.scalar("", quantity.name, number(quantity.value, writer.digits))
        else:
            writer.matrix(quantity.value, quantity.sample_axis)
        return
    formula = quantity.formula
    prefix = f"{formula.number} " if formula and formula.number else ""
    writer.heading(3, f"{prefix}{quantity.name} — {description}")
    if quantity.value.ndim == 0:
        if formula:
            writer.formula(words["formula"], formula.text, formula.tex)
        writer.scalar("", quantity.name, writer.BLANK if blank else number(quantity.value, writer.digits))
        return
    if formula and formula.seed_text:
        writer.formula(words["seed"], formula.seed_text, formula.seed_tex)
        label = ("corrected_typo" if quantity.name == "z2" else "corrected") if formula.slip else "computed"
        writer.formula(words[label], formula.text, formula.tex)
        if formula.slip:
            writer.note(words["why"], REASONS[lang][quantity.name])
    elif formula:
        generalised = quantity.layer is not None and formula.number
        writer.formula(f"{words['generalises']} {formula.number}:" if generalised else words["formula"], formula.text,
                       formula.tex)
    writer.note(words["shape"], str(quantity.shape))
    writer.blank = blank
    writer.matrix(quantity.value, quantity.sample_axis)
    writer.blank = False
    if blank:
        writer.note(words["your_turn"], "")
        return
    if quantity.kind == "da2" and not np.isfinite(quantity.value).all():
        writer.note(words["note"], words["saturated"])
    if quantity.numeric is not None:
        writer.note(words["numeric"], "")
        writer.matrix(quantity.numeric, quantity.sample_axis)
        writer.scalar(words["error"], "ε", error_number(quantity.relative_error))
        writer.note(words["allowed"], words["unresolved"] if quantity.too_small else error_number(quantity.tolerance))


def _symbols_rows(l: int | None) -> dict[str, str]:
    """How the descriptions of a layer's quantities name the others: the core's Z[l], or the textbook's z_l."""
    return {"A": f"A[{l}]", "Z": f"Z[{l}]", "W": f"W[{l}]", "b": f"b[{l}]"}


def _symbols_columns(l: int | None) -> dict[str, str]:
    return {"A": f"a{l}", "Z": f"z{l}", "W": f"w{l}", "b": f"b{l}"}


def _write_update(writer, quantity: Quantity) -> None:
    name, tex = quantity.name, tex_name(quantity.name)
    writer.caption(f"{name} ← {name} - α d{name}", rf"{tex} \leftarrow {tex} - \alpha\, d{tex}")
    writer.matrix(quantity.value, None)

