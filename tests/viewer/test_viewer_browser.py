"""The viewer in a real headless Chromium (Debian's `chromium`, driven by Playwright): open the
run, filter to one backend's failed samples, open one and see its image and every answer;
injected script never runs; a run started during the test appears and its count rises live."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from viewer_support import GrowingRun, Served, serve

T = TypeVar("T")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)"),
]


def wait_until(read: Callable[[], T], done: Callable[[T], bool], seconds: float = 30.0) -> T:
    """Poll from the test (the page's CSP forbids the eval that wait_for_function needs)."""
    deadline = time.monotonic() + seconds
    value = read()
    while not done(value):
        assert time.monotonic() < deadline, f"still {value!r} after {seconds} s"
        time.sleep(0.2)
        value = read()
    return value


def at_least(target: int) -> Callable[[int], bool]:
    return lambda n: n >= target


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        )
        yield launched
        launched.close()


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    yield opened
    context.close()
    assert not errors  # the viewer's own script ran without errors


@pytest.fixture(scope="module")
def served(viewer_run: Path) -> Iterator[Served]:
    with serve([viewer_run.parent]) as server:
        yield server


def test_filter_failed_open_one_see_image_and_answers(served: Served, page: Any) -> None:
    page.goto(served.url)
    page.click("text=report-test")
    page.wait_for_selector("table.leaderboard")
    page.goto(served.url + "runs/run/samples")
    page.select_option("#f-task", "shapes")  # each change submits the form (the viewer's script)
    page.wait_for_url("**task=shapes**")
    page.select_option("#f-backend", "model-a")
    page.wait_for_url("**backend=model-a**")
    page.select_option("#f-outcome", "failed")
    page.wait_for_url("**outcome=failed**")
    ids = page.locator("a.sample-link").all_inner_texts()
    assert sorted(ids) == ["s03", "s05", "s09"]
    page.click("a.sample-link >> text=s05")
    page.wait_for_selector("article.answer-card")
    image = page.locator("section.inputs img.zoom").first
    assert image.evaluate("img => img.complete && img.naturalWidth") == 120  # the image loaded
    image.click()
    assert "zoomed" in (image.get_attribute("class") or "")
    backends = page.locator("article.answer-card").evaluate_all("cards => cards.map(c => c.dataset.backend)")
    assert {"model-a", "model-b", "oracle"} <= set(backends)
    assert page.locator("article[data-backend=model-a] pre.prediction").inner_text() != ""


def test_injected_script_does_not_run(served: Served, page: Any) -> None:
    page.goto(served.url + "runs/run/sample?task=shapes&id=s03")
    page.wait_for_selector("article.answer-card")
    assert page.title() != "pwned"
    assert "<script>" in page.locator("article[data-backend=model-a] pre.prediction").inner_text()
    assert page.evaluate("document.querySelectorAll('main script').length") == 0
    assert page.evaluate("document.body.innerText.split('INJECTED-RAN').length - 1") == 1  # only the text


def test_run_started_during_the_test_appears_and_counts_rise(
    viewer_run: Path, tmp_path: Path, page: Any
) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    with serve([reports]) as server:
        page.goto(server.url)
        page.wait_for_selector("text=no runs yet")
        growing = GrowingRun(viewer_run, reports)
        row = page.locator("tr[data-run=live-run] [data-count]")
        row.wait_for()  # appeared without a reload
        page.goto(server.url + "runs/live-run")
        count = page.locator("[data-count]")
        seen = [int(count.inner_text())]
        for target in (10, 40):
            growing.add(target - growing.written)
            seen.append(wait_until(lambda: int(count.inner_text()), at_least(target)))
        assert seen[0] < seen[1] < seen[2]  # updated in place: the page was never reloaded
        assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
        growing.add(1000)
        growing.finish()
        assert wait_until(lambda: page.locator(".status").inner_text(), lambda s: s == "finished")
