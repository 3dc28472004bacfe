"""MkDocs hook of bpnn's site: every example runs while the site builds, and the generated parts are made here.

- A fenced ```python block is executed (one namespace per page, in page order); what it prints is shown below it.
- A fenced ```console block holds commands, each on a line starting with ``$ bpnn``; each runs in-process through
  ``bpnn.cli.main`` and its output (standard output and error, in order) is written under the command. The exit
  status must be 0, or the one the block names: ```console exit="2"```. ``head="N"`` shows the first N lines.
- Both run in one temporary folder per page, so a page's commands read the files its earlier blocks wrote.
- ``<!-- bpnn:figure PATH caption -->`` shows a PNG that a block of the page wrote (inlined as a data URI).
- ``<!-- bpnn:cli -->`` is the reference of every command and flag, generated from ``bpnn.cli.build_parser()``.
- ``<!-- bpnn:matlab-table -->`` is the MATLAB mapping table, from ``docs/_data/matlab.yml``.
- ``<!-- bpnn:markdown bpnn CMD ... -->`` runs a command that writes Markdown (``bpnn explain --format markdown``)
  and shows the command, then its output as part of the page.
- ``<!-- bpnn:include PATH -->`` inserts a Markdown file of the repository (bench/*.md), headings one level down.

A failing example is logged as an error naming the page and line, so ``mkdocs build --strict`` fails on it.
Other fenced languages (``bash``, ``text``) are shown, not run; tests/test_docs.py allows ``bash`` only for the
commands a build cannot run (installing, starting a server) and checks every other block is executed.
Results are cached by the page's blocks, so the Chinese page of an English one with the same code runs once.
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import logging
import os
import re
import shlex
import shutil
import sys
import tempfile
import traceback
from pathlib import Path

import yaml

log = logging.getLogger("mkdocs.hooks.bpnn_docs")
ROOT = Path(__file__).resolve().parents[2]
MATLAB_TABLE = ROOT / "docs" / "_data" / "matlab.yml"

FENCE = re.compile(r"^(?P<indent>[ ]*)```(?P<lang>python|console)(?P<opts>[^\n`]*)\n(?P<body>.*?)^(?P=indent)```[ ]*$",
                   re.M | re.S)
DIRECTIVE = re.compile(r"<!-- bpnn:(?P<name>[a-z-]+)(?P<args>[^\n]*?)-->")
ITEM = re.compile(FENCE.pattern + "|" + DIRECTIVE.pattern, re.M | re.S)
OPTION = re.compile(r'(\w+)="([^"]*)"')
WORDS = {"en": {"output": "Output", "matlab": ("MATLAB", "bpnn train (command line)", "Python", "Notes")},
         "zh": {"output": "输出", "matlab": ("MATLAB", "bpnn train（命令行）", "Python", "说明")}}

# filled in per page and language
OUTPUT_TITLE, MATLAB_PLACEHOLDER, CAPTION = "\x00output\x00", "\x00matlab-table\x00", "\x00caption\x00"

_cache: dict[tuple, list[str]] = {}


class ExampleFailed(Exception):
    """An example of the site did not run as its block says."""


# ---- the hook's events --------------------------------------------------------------------------------------
def on_startup(command: str, dirty: bool) -> None:
    os.environ.setdefault("MPLBACKEND", "Agg")  # figures are written, never shown
    os.environ.setdefault("COLUMNS", "100")  # rich draws tables at this width when writing into a string


def on_page_markdown(markdown: str, page, config, files) -> str:
    language = config.theme["language"] if "language" in config.theme and config.theme["language"] in WORDS else "en"
    items = list(ITEM.finditer(markdown))
    if not items:
        return markdown
    key = tuple(map(what_runs, items))  # the same blocks in the same order run once, in either language
    if key not in _cache:
        _cache[key] = run_page(markdown, items, page.file.src_uri)
    parts, end = [], 0
    for match, rendered in zip(items, _cache[key]):
        caption = html.escape(match.group("args").strip().partition(" ")[2]) if match.group("name") == "figure" else ""
        parts += [markdown[end:match.start()], in_language(rendered, language).replace(CAPTION, caption)]
        end = match.end()
    return "".join(parts) + markdown[end:]


def what_runs(match: re.Match) -> str:
    """A block or directive without what is only shown (a figure's caption), so translations share results."""
    if match.group("name") == "figure":
        return "figure " + match.group("args").split()[0]
    return match.group(0)


def in_language(rendered: str, language: str) -> str:
    """A rendered block with its words (the output's title, the MATLAB table) in the page's language."""
    rendered = rendered.replace(OUTPUT_TITLE, WORDS[language]["output"])
    return rendered.replace(MATLAB_PLACEHOLDER, matlab_table(language)) if MATLAB_PLACEHOLDER in rendered else rendered


ALTERNATE = re.compile(r'<link rel="alternate" href="[^"]*" hreflang="([^"]+)">')


def languages(config) -> tuple[str, list[str]]:
    """The default language and the others, from the i18n plugin's settings (none without the plugin)."""
    plugin = config.plugins.get("i18n")
    if plugin is None:
        return "", []
    chosen = plugin.config.languages
    return next(lang.locale for lang in chosen if lang.default), [lang.locale for lang in chosen if not lang.default]


def on_post_page(output: str, page, config) -> str:
    """Material reads ``<link rel="alternate">`` as each language's root and fetches its sitemap.xml there; the
    i18n plugin points these links at the page's own translation, so they are set to the language roots."""
    default, others = languages(config)
    if not others:
        return output
    up = "../" * page.url.count("/") or "./"
    return ALTERNATE.sub(lambda m: f'<link rel="alternate" href="{up}{"" if m.group(1) == default else m.group(1) + "/"}"'
                                   f' hreflang="{m.group(1)}">', output)


def on_post_build(config) -> None:
    """The i18n plugin writes sitemap.xml for the default language only; the others get a valid, empty one, so
    the browser finds each language's sitemap (no 404 in its console)."""
    for locale in languages(config)[1]:
        sitemap = Path(config.site_dir) / locale / "sitemap.xml"
        if sitemap.parent.is_dir() and not sitemap.exists():
            sitemap.write_text('<?xml version="1.0" encoding="UTF-8"?>\n'
                               '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>\n', encoding="utf-8")


# ---- running a page's examples --------------------------------------------------------------------------------
def run_page(markdown: str, items: list, page: str) -> list[str]:
    """The rendered text of each block or directive of one page, running them in order in a fresh folder."""
    folder = Path(tempfile.mkdtemp(prefix="bpnn-docs-"))
    namespace: dict = {"__name__": "__main__"}
    before = Path.cwd()
    rendered = []
    try:
        os.chdir(folder)
        for match in items:
            line = markdown.count("\n", 0, match.start()) + 1
            try:
                rendered.append(render(match, namespace, folder))
            except ExampleFailed as failure:
                log.error(f"docs/{page}, line {line}: {failure}")
                rendered.append(match.group(0) + f"\n\n!!! failure\n    {html.escape(str(failure))}\n")
    finally:
        os.chdir(before)
        shutil.rmtree(folder, ignore_errors=True)
    return rendered


def render(match: re.Match, namespace: dict, folder: Path) -> str:
    if match.group("name"):
        return directive(match.group("name"), match.group("args").strip(), folder)
    indent, lang = match.group("indent"), match.group("lang")
    options = dict(OPTION.findall(match.group("opts")))
    body = "".join(line[len(indent):] if line.startswith(indent) else line
                   for line in match.group("body").splitlines(keepends=True))
    if lang == "python":
        output = run_python(body, namespace)
        text = fence("python", body, indent)
        if output.strip():
            text += "\n" + fence(f'text title="{OUTPUT_TITLE}"', trim(output, options), indent)
        return text
    return fence("console", run_console(body, options), indent)


def fence(info: str, body: str, indent: str) -> str:
    lines = [f"```{info}", *body.rstrip("\n").splitlines(), "```"]
    return "\n".join(indent + line if line else line for line in lines)


def trim(output: str, options: dict) -> str:
    lines = output.rstrip("\n").splitlines()
    head = int(options.get("head", 0))
    if head and len(lines) > head:
        lines = [*lines[:head], f"… ({len(lines) - head} more lines)"]
    return "\n".join(line.rstrip() for line in lines)


def run_python(code: str, namespace: dict) -> str:
    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            exec(compile(code, "<example>", "exec"), namespace)
    except Exception as error:  # the example is broken: say where, in the example's own lines
        where = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == "<example>"]
        lines = code.splitlines()
        at = f" (line {where[-1].lineno} of the block: {lines[where[-1].lineno - 1].strip()})" if where else ""
        raise ExampleFailed(f"python example raised {type(error).__name__}: {error}{at}") from error
    return buffer.getvalue()


def run_console(body: str, options: dict) -> str:
    from bpnn.cli import main

    expected = int(options.get("exit", 0))
    shown = []
    for line in body.splitlines():
        if not line.strip():
            continue
        if not line.startswith("$ bpnn"):
            raise ExampleFailed(f"a console block holds commands starting with '$ bpnn', got {line!r}")
        command = line[2:].split("  #")[0].strip()  # a comment after two spaces is shown, not run
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            try:
                status = main(shlex.split(command)[1:])
            except SystemExit as exit_:  # --help and --version exit through argparse
                status = int(exit_.code or 0)
        if status != expected:
            raise ExampleFailed(f"{command!r} exited with {status}, the block expects {expected}: "
                                f"{buffer.getvalue().strip()[-300:]}")
        shown += [line, trim(buffer.getvalue(), options)]
    return "\n".join(part for part in shown if part)


# ---- directives ------------------------------------------------------------------------------------------
def directive(name: str, args: str, folder: Path) -> str:
    if name == "figure":
        path = args.split()[0]
        file = folder / path
        if not file.is_file():
            raise ExampleFailed(f"figure {path} was not written by the page's examples")
        data = base64.b64encode(file.read_bytes()).decode("ascii")
        return (f'<figure markdown><img src="data:image/png;base64,{data}" alt="{CAPTION}">'
                f"<figcaption>{CAPTION}</figcaption></figure>")
    if name == "cli":
        return cli_reference()
    if name == "matlab-table":
        return MATLAB_PLACEHOLDER
    if name == "markdown":  # a command's Markdown output, shown as part of the page, after the command itself
        output = run_console(f"$ {args}", {}).split("\n", 1)[1]
        return fence("console", f"$ {args}", "") + "\n\n" + re.sub(r"^(#+) ", r"\1# ", output, flags=re.M)
    if name == "docstring":
        return docstring_markdown(args)
    if name == "parameters":
        return parameters_table()
    if name == "include":
        text = (ROOT / args).read_text(encoding="utf-8")
        return re.sub(r"^(#+) ", r"\1# ", text, flags=re.M)
    raise ExampleFailed(f"unknown directive bpnn:{name}")


def cli_reference() -> str:
    """Every command of ``bpnn`` with its usage and each flag's help, as argparse has them."""
    import argparse

    from bpnn.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {choice.dest: choice.help for choice in commands._choices_actions}
    out = ["## bpnn", "", fence("text", parser.format_usage().strip(), ""), "", table(parser)]
    for name, sub in commands.choices.items():
        out += ["", f"## bpnn {name}", "", escape(helps.get(name) or ""), ""]
        if sub.description:
            out += [escape(" ".join(sub.description.split())), ""]
        out += [fence("text", sub.format_usage().strip(), ""), "", table(sub)]
    return "\n".join(out)


def table(parser) -> str:
    formatter = parser._get_formatter()
    out = []
    for group in parser._action_groups:
        actions = [a for a in group._group_actions if a.help != "==SUPPRESS==" and not a.dest == "command"]
        if not actions:
            continue
        title = group.title if group.title not in ("options", "optional arguments") else "options"
        out += [f"**{escape(title)}**", "", "| argument | meaning |", "|---|---|"]
        for action in actions:
            metavar = formatter._format_args(action, action.dest.upper()) if action.nargs != 0 else ""
            names = ", ".join(action.option_strings) or action.dest
            argument = f"{names} {metavar}".strip()
            helptext = formatter._expand_help(action) if action.help else ""
            out.append(f"| `{argument.replace('|', '¦')}` | {escape(' '.join(helptext.split()))} |")
        out.append("")
    return "\n".join(out)


def escape(text: str) -> str:
    return html.escape(text, quote=False).replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


# ---- docstrings assembled at import (the estimators' parameter docs come from one table) -----------------------
SECTION = re.compile(r"^(\S[^\n]*)\n-{3,}$", re.M)


def docstring_markdown(dotted: str) -> str:
    """The runtime docstring of a class (with its public methods named after it) or function, numpydoc as Markdown.

    mkdocstrings reads docstrings from the source; the estimators' are f-strings filled from the parameter table
    when the module is imported, so this page takes them from the imported objects."""
    import importlib
    import inspect

    module, _, rest = dotted.partition(" ")
    path, _, name = module.rpartition(".")
    obj = getattr(importlib.import_module(path), name)
    methods = rest.split(",") if rest else []
    out = [f"### `{name}`", "", fence("python", f"{name}{inspect.signature(obj)}", ""), "", numpydoc(inspect.getdoc(obj))]
    for method in methods:
        function = getattr(obj, method.strip())
        out += ["", f"#### `{name}.{function.__name__}`", "",
                fence("python", f"{function.__name__}{inspect.signature(function)}", ""), "",
                numpydoc(inspect.getdoc(function) or "")]
    return "\n".join(out)


def numpydoc(doc: str) -> str:
    """numpydoc sections (Parameters, Attributes, ...) as bold headings and lists of entries; prose stays prose."""
    parts = SECTION.split(doc)
    out = [prose(parts[0])]
    for title, body in zip(parts[1::2], parts[2::2]):
        out += ["", f"**{title.strip()}**", ""]
        if title.strip() in ("Parameters", "Attributes", "Returns", "Raises", "Yields", "Other Parameters"):
            out.append(entries(body))
        else:
            out.append(prose(body))
    return "\n".join(out)


def entries(body: str) -> str:
    """``name : type`` lines, each followed by its indented description, as a list."""
    import textwrap

    out = []
    for match in re.finditer(r"^(\S[^\n]*)\n((?:[ ]+[^\n]*\n?|\n)*)", body.strip("\n") + "\n", re.M):
        head, description = match.group(1), textwrap.dedent(match.group(2)).strip()
        name, _, kind = head.partition(" : ")
        out.append(f"- `{name.strip()}`" + (f" : {inline(kind.strip())}" if kind else ""))
        if description:
            out += ["", textwrap.indent(prose(description), "    ")]
        out.append("")
    return "\n".join(out)


def prose(text: str) -> str:
    """Paragraphs and bullets with inline markup escaped; a paragraph ending in ``::`` introduces a code block."""
    import textwrap

    out, lines, i, paragraph = [], text.strip("\n").splitlines(), 0, []
    while i < len(lines):
        line = lines[i]
        if line.rstrip().endswith("::"):
            out.append(inline("\n".join([*paragraph, line.rstrip()[:-1]])))
            paragraph = []
            i += 1
            block = []
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith(" ")):
                block.append(lines[i])
                i += 1
            out += ["", fence("text", textwrap.dedent("\n".join(block)).strip("\n"), ""), ""]
            continue
        if not line.strip() or line.lstrip().startswith("- "):  # a paragraph ends at a blank line or a bullet
            out.append(inline("\n".join(paragraph)))
            paragraph = []
        paragraph.append(line)
        i += 1
    out.append(inline("\n".join(paragraph)))
    return "\n\n".join(part.strip("\n") for part in out if part.strip())


def inline(text: str) -> str:
    """reST's ``code`` as Markdown's `code`; elsewhere the characters Markdown would read as markup escaped."""
    text = re.sub(r":\w+:`~?([^`]+)`", r"``\1``", text)  # Sphinx roles (:mod:`x`) as code
    pieces = re.split(r"``(.+?)``", text, flags=re.S)
    return "".join(f"`{' '.join(piece.split())}`" if k % 2 else re.sub(r"([\\`*_\[\]<>|])", r"\\\1", piece)
                   for k, piece in enumerate(pieces))


def parameters_table() -> str:
    """Every estimator parameter with its default and its bpnn train flag, from bpnn.estimators.parameters."""
    from bpnn.estimators.parameters import PARAMETERS

    out = ["| parameter | default | bpnn train flag |", "|---|---|---|"]
    for parameter in PARAMETERS.values():
        out.append(f"| `{parameter.name}` | `{parameter.default!r}` | {code(parameter.flag)} |")
    return "\n".join(out)


def matlab_table(language: str) -> str:
    rows = yaml.safe_load(MATLAB_TABLE.read_text(encoding="utf-8"))
    head = WORDS[language]["matlab"]
    out = [f"| {' | '.join(head)} |", "|---|---|---|---|"]
    for row in rows:
        note = row.get(f"note_{language}") or row.get("note_en") or ""
        cells = [f"`{row['matlab']}`", code(row.get("cli")), code(row.get("python")), note]
        out.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(out)


def code(text: str | None) -> str:
    return "—" if not text else f"`{text}`"


if __name__ == "__main__":  # python docs/_hooks/bpnn_docs.py: print the CLI reference
    sys.stdout.write(cli_reference() + "\n")
