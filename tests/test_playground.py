"""``bpnn playground`` in a real browser: Playwright drives Debian's headless Chromium (/usr/bin/chromium, which
.ci/run installs with apt-get; no browser download) against the server running in this process.

The browser test skips only when /usr/bin/chromium is absent. It checks that Train moves the epoch and lowers
the loss, Pause stops it, Reset restores the same start weights, Step shows 8-11, 8-14 and 8-19 with the
numbers of ``bpnn.explain`` at the same weights, 中文 switches the labels, an uploaded CSV (Chinese headers)
trains and a bad one gets the command line's message; it writes a screenshot of the page after training
(``SCREENSHOT``). The other tests need no browser: the size limit on uploads, the temporary folder, the
default address, the command's parser.
"""

from __future__ import annotations

import json
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from bpnn.cli import build_parser
from bpnn.derivation import explain
from bpnn.web import server as web

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOT = Path(tempfile.gettempdir()) / "bpnn-playground.png"
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at "
                                    "/usr/bin/chromium (.ci/run installs it: apt-get install chromium)")


@pytest.fixture(scope="module")
def served():
    sock = web.bind("127.0.0.1", 0)
    server = web.make_server(sock)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield web.url_of(sock), server.config.app
    server.should_exit = True
    thread.join(timeout=20)


def post(url: str, data: bytes, path: str) -> tuple[int, dict]:
    request = urllib.request.Request(url + path, data=data, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def number(page, label: str) -> float:
    return float(page.get_by_label(label, exact=True).text_content())


@needs_chromium
def test_the_page_trains_pauses_steps_resets_switches_language_and_takes_a_file(served, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    url, app = served
    session = app.state.session
    start = session.network.params.copy()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url)
        epoch = page.get_by_label("epoch", exact=True)
        expect(epoch).to_have_text("0")
        expect(page.get_by_label("loss", exact=True)).not_to_have_text("–")
        first_loss = number(page, "loss")
        expect(page.get_by_label("decision boundary")).to_be_visible()

        # Train moves the epoch and lowers the loss; Pause stops it
        page.get_by_role("button", name="Train").click()
        page.wait_for_function("Number(document.getElementById('epoch').textContent) >= 300", timeout=30_000)
        page.get_by_role("button", name="Pause").click()
        page.wait_for_function("!document.getElementById('train').classList.contains('running')")
        paused = number(page, "epoch")
        assert number(page, "loss") < 0.8 * first_loss
        time.sleep(0.6)
        assert number(page, "epoch") == paused == session.epoch
        page.screenshot(path=str(SCREENSHOT), full_page=True)

        # Reset: epoch 0 and the same start weights
        page.get_by_role("button", name="Reset").click()
        expect(epoch).to_have_text("0")
        np.testing.assert_array_equal(session.network.params, start)
        assert number(page, "loss") == first_loss

        # Step: one epoch, and the trace of the start weights equals bpnn.explain's
        page.get_by_role("button", name="Step").click()
        expect(epoch).to_have_text("1")
        for formula in ("8-11", "8-14", "8-19"):
            expect(page.locator(f'#trace tr[data-number="{formula}"]')).to_have_count(1)
        X, Y = session.inputs(session.train_rows[:8])
        weights = [(W.reshape(n_in, n_out), b) for W, b, (n_in, n_out) in
                   zip(*session.network.split(start), session.network.shapes)]
        trace = explain(X=X, y=Y.ravel(), hidden=session.settings.hidden, weights=weights, steps=0)
        for name, formula in (("L", "8-11"), ("dw2", "8-14"), ("db1", "8-19")):
            row = page.locator(f'#trace tr[data-name="{name}"]')
            expect(row.locator(".num")).to_have_text(formula)
            shown = np.array(json.loads(row.locator("code").get_attribute("data-value")))
            np.testing.assert_allclose(shown, trace[name].value, rtol=1e-12, atol=1e-15)
        assert "z1" in page.locator("#trace").text_content()

        # 中文 switches the labels, English back
        page.get_by_role("button", name="中文").click()
        expect(page.get_by_role("button", name="训练")).to_be_visible()
        expect(page.locator("#lang")).to_have_text("English")
        expect(page.locator("h1")).to_have_text("bpnn 演练场")
        page.get_by_role("button", name="English").click()
        expect(page.get_by_role("button", name="Train")).to_be_visible()

        # an own CSV with Chinese headers trains; a bad one gets the command line's message
        rng = np.random.default_rng(1)
        points = rng.normal(size=(120, 2))
        lines = ["身高,体重,编号,类别"] + [f"{a:.4f},{b:.4f},{i},{'是' if a + b > 0 else '否'}"
                                         for i, (a, b) in enumerate(points)]
        own = tmp_path / "我的数据.csv"
        own.write_text("\n".join(lines) + "\n", encoding="utf-8")
        page.get_by_label("data file").set_input_files(str(own))
        expect(page.locator("#data")).to_have_value("own")
        expect(page.locator("#class1")).to_have_text("类别 = 是")
        expect(page.locator("#x1")).to_have_value("身高")
        expect(epoch).to_have_text("0")
        own_loss = number(page, "loss")
        page.get_by_role("button", name="Train").click()
        page.wait_for_function("Number(document.getElementById('epoch').textContent) >= 100", timeout=30_000)
        page.get_by_role("button", name="Pause").click()
        assert number(page, "loss") < 0.5 * own_loss
        bad = tmp_path / "three.csv"
        bad.write_text("a,b,c\n1,2,x\n2,3,y\n3,4,z\n4,5,x\n", encoding="utf-8")
        page.get_by_label("data file").set_input_files(str(bad))
        expect(page.locator("#message")).to_contain_text("exactly two values")
        expect(page.locator("#message")).to_contain_text("three.csv")

        # one tab per session: a second tab takes it over and the first one says so
        second = browser.new_page()
        second.goto(url)
        expect(second.get_by_label("epoch", exact=True)).to_have_text(str(session.epoch))
        expect(page.locator("#message")).to_contain_text("another tab")
        assert not errors, errors
        browser.close()


def test_uploads_over_the_limit_are_refused_and_files_stay_in_the_temporary_folder(served, monkeypatch):
    url, app = served
    monkeypatch.setattr(web, "MAX_UPLOAD", 1000)
    status, answer = post(url, b"a,b,c\n" + b"1,2,3\n" * 400, "api/upload?name=big.csv")
    assert status == 413 and "limit" in answer["error"]
    status, answer = post(url, b"a,b,c\n1,2,0\n", "api/upload?name=../../evil.exe")
    assert status == 400 and "CSV" in answer["error"]
    folder = app.state.folder
    assert folder.is_relative_to(Path(tempfile.gettempdir()))
    assert all(path.parent == folder for path in folder.iterdir())


def test_an_excel_upload_with_chosen_columns_trains(served, tmp_path):
    import pandas as pd

    url, app = served
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"编号": np.arange(60), "甲": rng.normal(size=60), "乙": rng.normal(size=60)})
    frame["结果"] = np.where(frame["甲"] > 0, "好", "坏")
    frame["备注"] = "无"
    path = tmp_path / "数据.xlsx"
    frame.to_excel(path, index=False)
    query = urllib.parse.urlencode({"name": path.name, "x1": "乙", "x2": "甲", "label": "结果"})
    status, answer = post(url, path.read_bytes(), f"api/upload?{query}")
    assert status == 200, answer
    session = app.state.session
    assert (session.data.features, session.data.label, session.data.classes) == (("乙", "甲"), "结果", ("坏", "好"))
    status, _ = post(url, json.dumps({"batch_size": 16}).encode(), "api/settings")
    assert status == 200
    before = session.losses()[0]
    for _ in range(30):
        assert post(url, b"", "api/step")[0] == 200
    assert session.epoch == 30 and session.losses()[0] < 0.7 * before
    status, answer = post(url, path.read_bytes(), f"api/upload?{urllib.parse.urlencode({'name': path.name})}")
    assert status == 400 and "two values" in answer["error"] and "数据.xlsx" in answer["error"]  # 备注: one value


def test_the_command_binds_to_this_computer_by_default():
    args = build_parser().parse_args(["playground", "--no-browser"])
    assert (args.host, args.port, args.no_browser) == ("127.0.0.1", 8765, True)
    assert web.DEFAULT_HOST == "127.0.0.1"


def test_explain_at_given_weights_is_the_trace_of_those_weights_in_both_forms():
    drawn = explain(hidden=3, seed=4)  # the seed's draw: w1 (3, 2), w2 (1, 3), biases 0
    weights = [(drawn["w1"].value.T, drawn["b1"].value.ravel()), (drawn["w2"].value.T, drawn["b2"].value.ravel())]
    given = explain(hidden=3, seed=99, weights=weights)
    for name in ("L", "dw2", "db1"):
        np.testing.assert_array_equal(given[name].value, drawn[name].value)
    layered = explain(hidden=3, seed=99, weights=weights, general=True)
    np.testing.assert_allclose(layered["dW[1]"].value, drawn["dw1"].value.T, rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError, match="weights must be"):
        explain(hidden=4, weights=weights)
