"""The viewer over HTTP: every page, filters and paging, live following, traversal, escaping,
headers, and that it never writes into a run directory."""

from __future__ import annotations

import hashlib
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from viewer_support import GrowingRun, Served, serve

from evals.errors import InputError
from evals.journal import write_journal
from evals.rundir import RunDir
from evals.viewer.catalog import Catalog

INJECTED = "<script>document.title='pwned'"


def tree(path: Path) -> dict[str, tuple[int, float]]:
    return {str(p.relative_to(path)): (p.stat().st_size, p.stat().st_mtime) for p in path.rglob("*")}


@pytest.fixture(scope="module")
def served(viewer_run: Path) -> Iterator[Served]:
    with serve([viewer_run.parent]) as server:
        yield server


def rows(html: str) -> list[str]:
    return re.findall(r'<tr class="(?:failing|passing)">(.*?)</tr>', html, re.S)


def test_runs_list_shows_the_run(served: Served) -> None:
    html = served.page("/")
    assert 'href="/runs/run"' in html and "report-test" in html
    assert "finished" in html and "3 × 6" in html
    assert re.search(r"<td class=\"num\" data-count>(\d+)</td>", html).group(1) == "160"  # type: ignore[union-attr]


def test_run_page_leaderboards_errors_cost_latency(served: Served) -> None:
    html = served.page("/runs/run")
    assert html.count('<table class="leaderboard">') == 3
    assert "exact_match" in html and "[" in html  # values with their intervals
    shapes = html.split("<h2>shapes")[1].split("</section>")[0]
    first = re.findall(r"<td>(oracle|majority|model-a|model-b|engine-c)", shapes)
    assert first[0] == "oracle"  # best first
    assert '<span class="tag">baseline</span>' in html
    assert "Errors by kind" in html and "outcome=error" in html
    assert "p95" in html and "$" in html


def test_samples_filter_page_and_sort(served: Served) -> None:
    html = served.page("/runs/run/samples")
    total = int(re.search(r"<span data-total>(\d+)</span>", html).group(1))  # type: ignore[union-attr]
    assert total == 160
    failed = served.page("/runs/run/samples?task=shapes&backend=model-a&outcome=failed")
    found = rows(failed)
    ids = sorted(re.findall(r"id=(s\d\d)", "".join(found)))
    assert ids == ["s03", "s05", "s09"]  # wrong, injected (wrong) and failed; nothing else
    errors = served.page("/runs/run/samples?backend=model-a&outcome=error")
    assert re.findall(r"id=(s\d\d)", "".join(rows(errors))) == ["s09"]
    paged = served.page("/runs/run/samples?per=25&page=2")
    assert len(rows(paged)) == 25 and "page 2 of 7" in paged
    search = served.page("/runs/run/samples?q=even")
    assert len(rows(search)) > 0 and all("answers" in r for r in rows(search))
    upper = served.page("/runs/run/samples?q=EVEN")
    assert len(rows(upper)) == len(rows(search))  # case-insensitive
    assert rows(served.page("/runs/run/samples?q=%25")) == []  # % and _ are literal, not wildcards
    assert rows(served.page("/runs/run/samples?q=_")) == []
    ranged = served.page("/runs/run/samples?task=shapes&min=1&max=1")
    assert rows(ranged) and all(">1.000<" in r for r in rows(ranged))
    by_cost = served.page("/runs/run/samples?sort=cost&order=desc&backend=model-a")
    costs = re.findall(r"\$([0-9.]+)", by_cost)
    assert costs and [float(c) for c in costs] == sorted((float(c) for c in costs), reverse=True)


def test_samples_two_backends_side_by_side(served: Served) -> None:
    html = served.page("/runs/run/samples?task=shapes&backend=model-a&vs=model-b")
    assert "<th>model-b: answer</th>" in html
    assert len(rows(html)) == 16


def test_breakdown_filter(served: Served) -> None:
    html = served.page("/runs/run/samples?task=shapes&backend=oracle&field=colour&value=red")
    assert len(rows(html)) == 8


def test_sample_page_has_media_every_answer_and_scores(served: Served, viewer_run: Path) -> None:
    html = served.page("/runs/run/sample?task=shapes&id=s05")
    images = re.findall(r'<img class="zoom" src="(/runs/run/input/[0-9a-f]{64})"', html)
    assert images
    status, headers, _ = served.get(images[0])
    assert status == 200 and headers["content-type"] == "image/png"
    assert html.count('class="answer-card"') == 5  # every backend that ran the task
    assert "exact_match" in html and "How many circles?" in html
    audio = served.page("/runs/run/sample?task=tones&id=a2")
    assert "<audio controls" in audio


def test_injected_markup_is_escaped_everywhere(served: Served) -> None:
    for path in (
        "/runs/run/samples?backend=model-a&task=shapes",
        "/runs/run/sample?task=shapes&id=s03",
        "/runs/run/compare?a=model-b&b=model-a",
    ):
        html = served.page(path)
        assert INJECTED not in html, path
        assert "&lt;script&gt;" in html, path


def test_compare_page_has_paired_statistics_and_changed_samples(served: Served) -> None:
    html = served.page("/runs/run/compare?a=model-b&b=model-a")
    assert "model-a" in html and "paired samples" in html
    assert "McNemar" in html and "samples changed on" in html
    assert "<svg" in html  # the forest plot of the differences
    empty = served.page("/runs/run/compare")
    assert "Pick two backends" in empty


def test_strict_headers_and_no_writes(served: Served) -> None:
    headers = served.get("/")[1]
    csp = headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    connection_status = served.get("/", host="evil.example:80")[0]
    assert connection_status == 421  # a foreign Host (DNS rebinding) is refused


@pytest.mark.parametrize(
    "path",
    [
        "/runs/run/files/../run.json",
        "/runs/run/files/media/../run.json",
        "/runs/run/files/media/..%2Frun.json",
        "/runs/run/files/media/%2e%2e/run.json",
        "/runs/run/files/run.json",
        "/runs/run/files/samples.jsonl",
        "/runs/run/files/media/../../../../etc/passwd",
        "/runs/../../etc/passwd",
        "/runs/run/files/%2e%2e/%2e%2e/etc/passwd",
        "/static/../viewer/app.py",
        "/runs/nope",
    ],
)
def test_paths_outside_the_served_folders_are_404(served: Served, path: str) -> None:
    status, _, body = served.get(path)
    assert status == 404, (path, status, body[:200])
    assert "root:" not in body and "run_id" not in body


def test_symlink_out_of_media_is_404(viewer_run: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(viewer_run, copy)
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"secret")
    (copy / "media").mkdir(exist_ok=True)
    (copy / "media" / "link.png").symlink_to(secret)
    with serve([copy]) as server:
        assert server.get("/runs/copy/files/media/link.png")[0] == 404


def test_only_get(served: Served) -> None:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
    connection.request("POST", "/runs/run", body=b"x", headers={"Host": f"127.0.0.1:{served.port}"})
    assert connection.getresponse().status == 405
    connection.close()


def test_viewer_never_writes_into_the_run(viewer_run: Path) -> None:
    before = tree(viewer_run)
    digest = hashlib.sha256((viewer_run / "samples.jsonl").read_bytes()).hexdigest()
    with serve([viewer_run.parent]) as server:
        for path in (
            "/",
            "/runs/run",
            "/runs/run/samples?outcome=failed",
            "/runs/run/compare?a=oracle&b=majority",
        ):
            server.page(path)
    assert tree(viewer_run) == before
    assert hashlib.sha256((viewer_run / "samples.jsonl").read_bytes()).hexdigest() == digest


def test_live_run_appears_and_its_count_rises(viewer_run: Path, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    with serve([reports]) as server:
        assert "no runs yet" in server.page("/")
        growing = GrowingRun(viewer_run, reports)
        assert 'href="/runs/live-run"' in server.page("/")
        counts = []
        for batch in (5, 10, 10):
            growing.add(batch)
            time.sleep(0.4)  # the table is brought up to date at most every 0.3 s
            part = server.page("/runs/live-run?part=1")
            counts.append(int(re.search(r"<dd data-count>(\d+)</dd>", part).group(1)))  # type: ignore[union-attr]
        assert counts == [5, 15, 25]
        status, headers, _ = server.get("/runs/live-run/samples?part=1")
        assert status == 200 and headers["x-run-live"] == "1"
        growing.add(1000)
        growing.finish()
        time.sleep(0.4)
        html = server.page("/runs/live-run/samples")
        assert re.search(r"<span data-count>(\d+)</span>", html).group(1) == "160"  # type: ignore[union-attr]
        assert server.get("/runs/live-run?part=1")[1]["x-run-live"] == "0"


def test_bad_paths_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such folder"):
        Catalog.from_paths([tmp_path / "missing"])
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="no such folder"):
        Catalog.from_paths([tmp_path / "file"])
    assert Catalog.from_paths([tmp_path]).runs == {}  # an empty reports folder: runs appear later


def test_keys_in_the_environment_are_never_shown(
    viewer_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-viewer-test-0123456789abcdef"
    monkeypatch.setenv("VIEWER_TEST_API_KEY", secret)
    copy = tmp_path / "leaky"
    shutil.copytree(viewer_run, copy)
    rundir = RunDir(copy)
    records = rundir.records()
    for record in records:
        if record.key == ("shapes", "model-a", "s05"):
            record.prediction = f"my key is {secret}"
            record.metadata["note"] = secret
    write_journal(rundir.journal, records)
    (copy / "samples.parquet").unlink()
    with serve([copy]) as server:
        for path in (
            "/runs/leaky/samples?task=shapes&backend=model-a",
            "/runs/leaky/sample?task=shapes&id=s05",
        ):
            html = server.page(path)
            assert "my key is" in html and secret not in html, path


def test_an_unreadable_run_is_listed_with_its_reason(viewer_run: Path, tmp_path: Path) -> None:
    shutil.copytree(viewer_run, tmp_path / "good")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "run.json").write_text("{not json")
    with serve([tmp_path]) as server:
        html = server.page("/")
        assert 'href="/runs/good"' in html and "bad: cannot be read" in html


def test_quoted_ids_round_trip(served: Served) -> None:
    assert served.get("/runs/run/sample?task=shapes&id=" + quote("nope/../x"))[0] == 404
