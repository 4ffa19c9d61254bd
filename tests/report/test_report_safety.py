"""Untrusted model output: escaped in HTML and Markdown; the HTML loads nothing from anywhere."""

from __future__ import annotations

import re
from pathlib import Path

from report_fakes import INJECTION
from report_helpers import cells, markdown_tables, parse_html

from evals.report.markdown import escape, table
from evals.report.tables import Cell, Table


def test_html_is_self_contained(run_dir: Path) -> None:
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    parsed = parse_html(html)
    assert not {"script", "link", "iframe", "object", "embed", "base", "form"} & set(parsed.tags)
    for tag, attribute, value in parsed.urls:
        if attribute == "href":
            assert value.startswith("#"), f"<{tag} href={value!r}> leaves the page"
        else:
            assert value.startswith(
                ("data:image/png;base64,", "data:image/jpeg;base64,", "data:audio/ogg;base64,")
            ), f"<{tag} {attribute}={value[:60]!r}> is not an embedded data URI"
    style = html[html.index("<style>") : html.index("</style>")]
    assert "url(" not in style and "@import" not in style and "@font-face" not in style
    assert "default-src 'none'" in html  # CSP: no script, no network, even if escaping failed
    assert parsed.tags.count("img") >= 10


def test_injected_markup_is_shown_as_text(run_dir: Path) -> None:
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert "&lt;script&gt;document.title=&#39;pwned&#39;" in html
    parsed = parse_html(html)
    assert any("<script>document.title='pwned'" in chunk for chunk in parsed.text)


def test_markdown_escapes_cells() -> None:
    assert escape("a|b") == "a\\|b"
    assert escape("line1\nline2\r\nline3") == "line1<br>line2<br>line3"
    assert escape("<script>x</script>") == "&lt;script&gt;x&lt;/script&gt;"
    assert escape("**bold** `code` [link](x) ~~s~~ @someone") == (
        "\\*\\*bold\\*\\* \\`code\\` \\[link\\](x) \\~\\~s\\~\\~ &#64;someone"
    )
    assert escape("back\\slash|") == "back\\\\slash\\|"
    assert escape("x" * 500).endswith("…") and len(escape("x" * 500)) == 300
    rendered = table(Table(["a", "b"], [[Cell(INJECTION), Cell("1", numeric=True)]]))
    lines = rendered.splitlines()
    assert len(lines) == 3 and lines[1] == "|---|---:|"
    assert len(cells(lines[2])) == 2 and "<script" not in rendered


def test_markdown_tables_are_well_formed(run_dir: Path) -> None:
    text = (run_dir / "report.md").read_text(encoding="utf-8")
    found = markdown_tables(text)
    assert len(found) >= 12
    for lines in found:
        assert len(lines) >= 2, lines
        width = len(cells(lines[0]))
        assert re.fullmatch(r"\|(?:-{3,}:?\|)+", lines[1]), lines[1]
        assert lines[1].count("|") == width + 1
        for line in lines[2:]:
            assert len(cells(line)) == width, line
    assert "INJECTED" in text and "<script" not in text
