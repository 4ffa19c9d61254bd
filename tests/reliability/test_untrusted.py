"""Untrusted content: YAML is loaded safely, templates run in a sandbox, plug-ins load only by
entry point or an explicit `module:Class`, and model output (and anything else a dataset or a
provider supplies) is shown as text in every HTML view — checked in the HTML source."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from aiohttp import web

from evals.backends.base import backend_registry
from evals.cli.main import main
from evals.config import load_config
from evals.errors import InputError
from evals.records import Sample
from evals.scoring import scorer_registry
from evals.task.prompt import PromptBuilder
from evals.task.spec import GenerationSpec, PromptSpec
from evals.testing.fake_provider import FakeConfig, FakeProvider, FakeRequest
from evals.yamlfile import load_yaml

# --- YAML -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tag",
    [
        '!!python/object/apply:os.system ["touch {marker}"]',
        '!!python/object/new:subprocess.Popen [["touch", "{marker}"]]',
        "!!python/name:os.system",
        "!!python/module:os",
        "!!python/object:builtins.dict {{a: 1}}",
    ],
)
def test_yaml_python_tags_are_refused_and_never_run(tmp_path: Path, tag: str) -> None:
    marker = tmp_path / "ran.txt"
    path = tmp_path / "evil.yaml"
    path.write_text(
        "name: x\nbackends:\n  - name: o\n    type: oracle\n    model: " + tag.format(marker=marker) + "\n"
    )
    with pytest.raises(InputError) as caught:
        load_yaml(path)
    assert "refused YAML tag" in caught.value.message and caught.value.line == 5
    assert "safe loader" in (caught.value.fix or "")
    with pytest.raises(InputError):
        load_config(path)
    assert not marker.exists()


# --- templates --------------------------------------------------------------------------------

ESCAPES = [
    "{{ question.__class__.__mro__[1].__subclasses__() }}",
    "{{ ''.__class__.__base__.__subclasses__() }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ cycler.__init__.__globals__.os.system('id') }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ self.__init__.__globals__ }}",
    "{{ question.format.__self__.__class__ }}",
    "{{ '{0.__class__.__mro__}'.format(question) }}",
    "{{ choices.append('x') }}",
    "{{ choices.__setitem__(0, 'x') }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    "{{ config }}",
    "{{ request.environ }}",
    "{{ range(10**9) | list | length }}",
]


@pytest.mark.parametrize("template", ESCAPES)
def test_templates_cannot_reach_python_internals(template: str) -> None:
    prompt = PromptSpec.model_validate({"parts": [{"text": template}]})
    builder = PromptBuilder("t", prompt, GenerationSpec())
    sample = Sample("s1", {"question": "What?"}, ["a"], {}, ["x", "y"])
    with pytest.raises(InputError) as caught:
        builder.build(sample)
    assert any(word in caught.value.message for word in ("sandbox", "undefined")), caught.value
    assert sample.choices == ["x", "y"]


# --- plug-ins ---------------------------------------------------------------------------------


def test_plugins_load_only_by_entry_point_or_an_explicit_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A bare name is looked up among entry points only: nothing is imported by that name.
    for registry in (backend_registry, scorer_registry):
        for name in ("os", "subprocess", "evals.cli.main"):
            with pytest.raises(InputError, match="unknown"):
                registry.get(name)
        with pytest.raises(InputError, match="not a subclass"):
            registry.get("os:system")  # an explicit path to something that is not a plug-in
    # A module beside the task or config is not importable just by being there.
    marker = tmp_path / "imported.txt"
    (tmp_path / "beside_the_config.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match="cannot import"):
        backend_registry.get("beside_the_config:Backend")
    assert not marker.exists()


# --- HTML views -------------------------------------------------------------------------------

SCRIPT = "<script>alert('xss')</script>"
IMG = '<img src=x onerror="alert(1)">'
PAYLOADS = [SCRIPT, IMG, '"><svg onload=alert(2)>', "</td></tr></table><iframe src=//evil>"]


class Tags(HTMLParser):
    """Every tag and attribute of a page, as the browser would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def check_page(html: str) -> None:
    parser = Tags()
    parser.feed(html)
    names = {tag for tag, _ in parser.tags}
    assert not names & {"script", "iframe", "svg", "object", "embed"}, names
    for tag, attrs in parser.tags:
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        if tag == "img":
            assert (attrs.get("src") or "").startswith("data:image/"), attrs
    assert "&lt;script&gt;alert(" in html, "the model's output is shown, as text"


class HostileProvider(FakeProvider):
    """Its error bodies carry markup too."""

    async def _fault(self, request: web.Request, provider: str, fault: str) -> web.StreamResponse:
        return self._error(provider, 400, f"bad input {SCRIPT} {IMG}")


def target(i: int) -> str:
    return PAYLOADS[(i + 1) % 4]


def prediction(i: int, round_: int) -> str:
    """Right on every other sample, a different half in each round: the comparison changes."""
    return target(i) if (i + round_) % 2 == 0 else PAYLOADS[i % 4]


def write_task(folder: Path) -> Path:
    rows = [
        {"id": f"s{i}", "question": f"Say it {PAYLOADS[i % 4]}", "answer": target(i), "tag": PAYLOADS[i % 4]}
        for i in range(8)
    ]
    (folder / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    task = folder / "hostile.yaml"
    task.write_text(
        "name: hostile\nkind: custom\n"
        "dataset: {source: jsonl, path: rows.jsonl, metadata: [tag]}\n"
        'prompt:\n  parts:\n    - text: "{{ question }} [sample:{{ sample_id }}]"\n'
        "scorers: [exact_match]\nbreakdowns: [tag]\n"
    )
    return task


def test_model_output_is_text_in_report_and_compare_html(tmp_path: Path) -> None:
    task = write_task(tmp_path)
    runs = []
    for round_ in range(2):

        def answer(request: FakeRequest, round_: int = round_) -> str:
            return prediction(int(request.sample[1:]), round_)

        with HostileProvider(answer=answer, config=FakeConfig(script={"s7": ["400"]})) as fake:
            out = tmp_path / f"run{round_}"
            config = tmp_path / f"run{round_}.yaml"
            config.write_text(
                f"name: hostile\ntasks: [{task}]\nmax_error_rate: 1\nbackends:\n"
                f"  - {{name: gpt, type: openai, model: gpt-4o-mini, base_url: '{fake.openai_url}'}}\n"
            )
            assert main(["run", str(config), "--out", str(out), "--no-cache", "--quiet"]) == 0
        runs.append(out)
    records = [json.loads(line) for line in (runs[0] / "samples.jsonl").read_text().splitlines()]
    assert {r["prediction"] for r in records if r["prediction"]} <= set(PAYLOADS)
    assert any(SCRIPT in (r["error"] or {}).get("message", "") for r in records)

    report = (runs[0] / "report.html").read_text()
    check_page(report)
    assert "&lt;img src=x onerror=" in report
    markdown = (runs[0] / "report.md").read_text()
    assert SCRIPT not in markdown and IMG not in markdown

    assert main(["compare", str(runs[0]), str(runs[1]), "--out", str(tmp_path / "cmp"), "--show", "20"]) in (
        0,
        1,
    )
    compare = (tmp_path / "cmp" / "compare.html").read_text()
    check_page(compare)
    assert "&lt;img src=x onerror=" in compare
