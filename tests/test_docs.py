"""The documentation site (mkdocs.yml, docs/): it builds with ``mkdocs build --strict``, every example on it runs
during that build (docs/_hooks/bpnn_docs.py), a broken example fails the build, the MATLAB table names only what
exists in bpnn, and the pages open in headless Chromium without console errors.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import importlib
import importlib.util
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml", reason="the docs extra (mkdocs) is not installed")
pytest.importorskip("mkdocs", reason="the docs extra (mkdocs-material, mkdocstrings) is not installed")

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
TABLE = yaml.safe_load((DOCS / "_data" / "matlab.yml").read_text(encoding="utf-8"))
FENCE = re.compile(r"^[ ]*```(\w*)[^\n]*\n(.*?)^[ ]*```[ ]*$", re.M | re.S)
# Fenced blocks the build shows without running: what a build cannot do (install, start a server, a 40-minute
# benchmark, join a running Dask scheduler), MATLAB's own code beside bpnn's, and plain text. Every other block
# is python or console and runs.
SHOWN_ONLY = {"bash": ("pip install", "bpnn playground", "python bench/"), "matlab": None, "text": None}
NEEDS_A_CLUSTER = re.compile(r"^bpnn \w+ .*--scheduler tcp://")


def site_pages() -> list[Path]:
    excluded = {"distributed.md"}  # excluded from the site in mkdocs.yml (its examples need a running cluster)
    return sorted(p for p in DOCS.rglob("*.md") if "_hooks" not in p.parts and p.name not in excluded)


def build(config: Path, site: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
                          cwd=config.parent, capture_output=True, text=True, timeout=900)


# ---- the MATLAB mapping table ---------------------------------------------------------------------------------
@functools.cache
def parser_options() -> dict[str, set[str]]:
    from bpnn.cli import build_parser

    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return {name: {s for action in sub._actions for s in action.option_strings} for name, sub in commands.choices.items()}


@functools.cache
def choices(command: str, option: str) -> tuple:
    from bpnn.cli import build_parser

    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    action = next(a for a in commands.choices[command]._actions if option in a.option_strings)
    return tuple(action.choices)


@functools.cache
def fitted_regressor():
    import numpy as np

    from bpnn import BPRegressor

    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (60, 2))
    y = np.sin(X[:, 0]) + X[:, 1] ** 2
    return BPRegressor(hidden_layer_sizes=(4,), solver="lm", scaling="mapminmax", division="random", max_iter=30,
                       random_state=0).fit(X, y)


@functools.cache
def plots_written(task: str) -> frozenset[str]:
    """The files bpnn train --plots writes for a small regression or classification table."""
    import tempfile

    import numpy as np
    import pandas as pd

    from bpnn.cli import main

    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (80, 2))
    target = X[:, 0] + X[:, 1] ** 2 if task == "regression" else np.where(X[:, 0] > X[:, 1], "yes", "no")
    with tempfile.TemporaryDirectory() as folder:
        pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "y": target}).to_csv(Path(folder) / "t.csv", index=False)
        status = main(["train", str(Path(folder) / "t.csv"), "--target", "y", "--epochs", "20", "--quiet", "--plots",
                       str(Path(folder) / "figs"), "--out", str(Path(folder) / "t.bpnn")])
        assert status == 0
        return frozenset(p.name for p in (Path(folder) / "figs").iterdir())


def resolve(dotted: str) -> object:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            obj = getattr(obj, name)
        return obj
    raise ImportError(dotted)


def check(kind: str, value: str) -> None:
    """Fails unless bpnn has what one entry of docs/_data/matlab.yml says it has."""
    from bpnn import BPClassifier, BPRegressor

    if kind == "flag":
        command, option = value.split()
        assert option in parser_options()[command], f"bpnn {command} has no {option}"
    elif kind == "command":
        assert value in parser_options(), f"bpnn has no command {value}"
    elif kind == "param":
        assert value in BPRegressor().get_params() or value in BPClassifier().get_params(), value
    elif kind == "attr":
        assert hasattr(fitted_regressor(), value), value
    elif kind == "record":
        assert value in fitted_regressor().training_record_, value
    elif kind == "python":
        assert resolve(value) is not None
    elif kind == "solver":
        from bpnn.core.solvers import SOLVERS, solver_name

        assert solver_name(value) in SOLVERS, value  # what bpnn train --solver and solver= resolve names with
    elif kind == "activation":
        from bpnn.core.activations import get_activation

        get_activation(value)
    elif kind == "init":
        from bpnn.core.initializers import get_initializer

        get_initializer(value, "tanh")
    elif kind == "loss":
        from bpnn.core.losses import get_loss

        get_loss(value)
    elif kind == "scaling":
        from bpnn.preprocessing import make_scaler

        make_scaler(value)
    elif kind == "division":
        from bpnn.estimators.parameters import check_division

        check_division("division", value)
    elif kind == "option":
        from bpnn.core.solvers import SOLVERS

        solver, option = value.split()
        assert option in SOLVERS[solver].options, f"solver {solver} has no option {option}"
    elif kind == "plot":
        assert value in plots_written("regression") | plots_written("classification"), value
    elif kind == "export":
        assert value in choices("export", "--to"), value
    elif kind == "method":
        assert value in choices("importance", "--method"), value
    else:
        raise AssertionError(f"unknown check {kind!r} in docs/_data/matlab.yml")


@pytest.mark.parametrize("entry", [e for e in TABLE if e.get("checks")], ids=lambda e: e["matlab"])
def test_matlab_table_entry_exists_in_bpnn(entry):
    for item in entry["checks"]:
        (kind, value), = item.items()
        check(kind, str(value))


def test_matlab_table_covers_forty_names_and_marks_the_missing():
    names = {name.strip() for e in TABLE if e.get("checks") for name in e["matlab"].split(" / ")}
    assert len(names) >= 40, sorted(names)
    for entry in TABLE:
        if not entry.get("checks"):  # nothing in bpnn stands for it, and the note says so in both languages
            assert entry["note_en"].startswith("No equivalent") and entry["note_zh"].startswith("无对应"), entry


def test_a_wrong_matlab_entry_fails():
    for kind, value in [("flag", "train --no-such-flag"), ("param", "trainParam"), ("record", "best_epochs"),
                        ("activation", "radbas"), ("solver", "traincgf"), ("plot", "plotfit.png")]:
        with pytest.raises((AssertionError, ValueError)):
            check(kind, value)


# ---- what the pages hold ----------------------------------------------------------------------------------
def test_every_block_on_the_site_runs_or_is_one_a_build_cannot_run():
    for page in site_pages():
        for language, body in FENCE.findall(page.read_text(encoding="utf-8")):
            where = f"{page.relative_to(ROOT)}: a ```{language} block"
            if language in ("python", "console"):
                continue
            assert language in SHOWN_ONLY, f"{where}: blocks are python or console (run by the build), or {set(SHOWN_ONLY)}"
            if language == "bash":
                for line in filter(str.strip, body.splitlines()):
                    assert line.strip().startswith(SHOWN_ONLY["bash"]) or NEEDS_A_CLUSTER.match(line.strip()), \
                        f"{where} holds {line!r}: make it a console block"
            if language == "text":
                assert not re.search(r"^\s*(\$ |bpnn |import |from \w+ import)", body, re.M), f"{where} holds code"


def test_the_cli_reference_is_generated_from_the_parser():
    hook = importlib.util.spec_from_file_location("bpnn_docs", DOCS / "_hooks" / "bpnn_docs.py")
    module = importlib.util.module_from_spec(hook)
    hook.loader.exec_module(module)
    text = module.cli_reference()
    for command, options in parser_options().items():
        assert f"## bpnn {command}\n" in text
        for option in options:
            assert f"`{option}" in text or f", {option}" in text, f"{option} of bpnn {command} is missing"


# ---- the build -----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    result = build(ROOT / "mkdocs.yml", folder)
    assert result.returncode == 0, result.stderr[-4000:]
    return folder


@pytest.mark.slow
def test_the_site_builds_strictly_in_both_languages_with_generated_outputs(site):
    for page in ("index.html", "getting-started/index.html", "matlab/index.html", "reference/cli/index.html",
                 "reference/api/index.html", "learn/gradient-step/index.html"):
        assert (site / page).is_file(), page
        assert (site / "zh" / page).is_file(), f"zh/{page}"
    start = (site / "getting-started" / "index.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in start  # the demo's figures, made by the build
    assert "report: bpnn-demo/report.html" in start  # bpnn demo's own last line
    zh = (site / "zh" / "matlab" / "index.html").read_text(encoding="utf-8")
    assert "贝叶斯正则化" in zh and "BPClassifier" in zh
    api = (site / "reference" / "api" / "index.html").read_text(encoding="utf-8")
    assert "hidden_layer_sizes" in api and "training_record_" in api


def test_a_broken_example_fails_the_build(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Broken\n\n```python\nimport math\nprint(math.sqrt(-1))\n```\n\n"
                                                "```console\n$ bpnn train missing.csv --target y\n```\n",
                                                encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(f"site_name: broken\ndocs_dir: docs\nhooks:\n  - {DOCS / '_hooks' / 'bpnn_docs.py'}\n",
                                         encoding="utf-8")
    result = build(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert result.returncode != 0
    assert "docs/index.md, line 3: python example raised ValueError: math domain error" in result.stderr
    assert "docs/index.md, line 8: 'bpnn train missing.csv --target y' exited with 2" in result.stderr


@pytest.mark.slow
def test_the_pages_open_in_chromium_without_console_errors(site, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("no /usr/bin/chromium (CI installs it with apt-get)")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    shots = Path(os.environ.get("BPNN_DOCS_SCREENSHOTS", tmp_path))
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors = []
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            for path in ("", "getting-started/", "matlab/", "learn/gradient-step/", "reference/cli/",
                         "zh/", "zh/getting-started/", "zh/matlab/"):
                page.goto(url + path, wait_until="networkidle")
                assert page.title(), path
                if path in ("getting-started/", "zh/getting-started/"):
                    page.screenshot(path=str(shots / f"docs-{path.strip('/').replace('/', '-')}.png"))
            browser.close()
    finally:
        server.shutdown()
    assert not errors, errors
    assert (shots / "docs-getting-started.png").stat().st_size > 10_000
