"""API keys never reach anything a run writes or prints, for every real SDK backend.

Recognisable keys are set for every provider (one through `api_key_env` under a name that does
not look secret), the run goes through `run-eval run -vv` in a child process against a fake
provider that echoes the presented key back in its error bodies (as real providers partly do),
with successes, 401s, 400s and 500s until the retries run out. Then every file of the run directory and of the cache folder, and the captured output, is searched
for any piece of any key.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp import web
from records_support import latest, read_journal
from soak_support import BACKENDS, answer, write_task

from evals.testing.fake_provider import FakeConfig, FakeProvider

MARK = "RECOGNISABLE"
SECRETS = {
    "OPENAI_API_KEY": f"sk-{MARK}-openai-7d1e",
    "ANTHROPIC_API_KEY": f"sk-ant-{MARK}-anthropic-41c9",
    "GEMINI_API_KEY": f"AIza-{MARK}-gemini-93bb",
    "LLAMA_AUTH": f"llama-{MARK}-local-5a2f",  # api_key_env: a name that does not say "key"
}
URL_PASSWORD = f"pw-{MARK}-url"


class KeyEchoingProvider(FakeProvider):
    """Error bodies quote the key the client presented (OpenAI's 401 quotes part of it)."""

    async def _fault(self, request: web.Request, provider: str, fault: str) -> web.StreamResponse:
        if fault.isdigit():
            key = (
                request.headers.get("Authorization", "").removeprefix("Bearer ")
                or request.headers.get("x-api-key", "")
                or request.headers.get("x-goog-api-key", "")
            )
            status = int(fault)
            return self._error(provider, status, f"Incorrect API key provided: {key}. Request refused.")
        return await super()._fault(request, provider, fault)


def backend_entry(name: str, kind: str, url: str, model: str, **extra: object) -> dict[str, object]:
    return {
        "name": name,
        "type": kind,
        "model": model,
        "base_url": url,
        "timeout": 5,
        "max_retries": 2,
        "max_retry_wait": 0.05,
        "tasks": [name],
        **extra,
    }


def test_no_key_reaches_any_file_log_or_message(tmp_path: Path) -> None:
    folder = tmp_path / "tasks"
    for backend in BACKENDS:
        write_task(folder, backend, 5)
    script = {}
    for backend in BACKENDS:  # sample 0 answers; 1: 401; 2: 400; 3: 500 until retries run out
        script[f"{backend.name}-00001"] = ["401"]
        script[f"{backend.name}-00002"] = ["400"]
        script[f"{backend.name}-00003"] = ["500", "500", "500"]
        script[f"{backend.name}-00004"] = ["500"]  # fails once, then answers
    fake = KeyEchoingProvider(answer=answer, config=FakeConfig(script=script, retry_after_s=0.05))
    with fake:
        entries = [
            backend_entry("openai", "openai", f"{fake.url}/v1", "gpt-4o-mini"),
            backend_entry("anthropic", "anthropic", fake.url, "claude-haiku-4-5"),
            backend_entry("gemini", "gemini", fake.url, "gemini-2.5-flash"),
            backend_entry(
                "openai-compatible",
                "openai-compatible",
                f"{fake.url}/v1",
                "llava-test",
                api_key_env="LLAMA_AUTH",
            ),
            backend_entry(
                "openai-transcribe",
                "openai-transcribe",
                f"{fake.url}/v1",
                "whisper-1",
                options={"prompt_from_text": True},
            ),
        ]
        import yaml

        config = tmp_path / "run.yaml"
        tasks = [str(folder / f"{b.name}.yaml") for b in BACKENDS]
        config.write_text(yaml.safe_dump({"name": "secrets", "tasks": tasks, "backends": entries}))
        out, cache = tmp_path / "run", tmp_path / "cache"
        env = {**os.environ, **SECRETS}
        env.pop("EVALS_CACHE_DIR", None)
        process = subprocess.run(
            [
                sys.executable,
                "-m",
                "evals",
                "-vv",
                "run",
                str(config),
                "--out",
                str(out),
                "--cache-dir",
                str(cache),
            ],
            env=env,
            capture_output=True,
            timeout=120,
        )
        hits = fake.state.snapshot()
    assert process.returncode == 1, process.stderr.decode()[-3000:]  # 60% errors > max_error_rate

    # The run did what it should: keys were sent, faults were served and journaled.
    assert {h.provider for h in hits} == {"openai", "anthropic", "gemini"} and len(hits) >= 40
    records = latest(read_journal(out / "samples.jsonl")[0])
    kinds = {
        (b, s.rsplit("-", 1)[1]): r["error"]["kind"] if r["error"] else "ok"
        for (_, b, s), r in records.items()
    }
    for backend in BACKENDS:
        assert [kinds[(backend.name, f"{i:05d}")] for i in range(5)] == [
            "ok",
            "auth",
            "bad_request",
            "server",
            "ok",
        ]
    assert "[REDACTED]" in (out / "samples.jsonl").read_text()

    # Nothing holds a key or a fragment of one.
    fragments = [*SECRETS.values(), MARK]
    written = [p for p in [*out.rglob("*"), *cache.rglob("*")] if p.is_file()]
    names = {p.name for p in written}
    assert {
        "run.json",
        "samples.jsonl",
        "summary.json",
        "samples.parquet",
        "report.md",
        "report.html",
    } <= names
    assert any(n.startswith("responses.sqlite") for n in names)
    assert len(process.stderr) > 1000, "-vv logs something"
    for label, data in [(str(p), p.read_bytes()) for p in written] + [
        ("stdout", process.stdout),
        ("stderr", process.stderr),
    ]:
        for fragment in fragments:
            assert fragment.encode() not in data, f"{label} leaks {fragment}"


@pytest.mark.parametrize(
    ("backend", "variable"),
    [("openai", "OPENAI_API_KEY"), ("anthropic", "ANTHROPIC_API_KEY"), ("gemini", "GEMINI_API_KEY")],
)
def test_a_missing_key_names_its_variable_and_sends_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    backend: str,
    variable: str,
) -> None:
    from evals.cli.main import main

    monkeypatch.delenv(variable)
    chosen = next(b for b in BACKENDS if b.name == backend)
    task = write_task(tmp_path, chosen, 2)
    with FakeProvider() as fake:
        url = f"{fake.url}/v1" if backend == "openai" else fake.url
        config = tmp_path / "run.yaml"
        config.write_text(
            f"name: nokey\ntasks: [{task}]\nbackends:\n  - {{name: {backend}, type: {backend}, base_url: '{url}'}}\n"
        )
        code = main(["run", str(config), "--out", str(tmp_path / "run"), "--quiet"])
        assert fake.state.requests() == 0
    err = capsys.readouterr().err
    assert code == 2 and f"export {variable}=" in err and str(config) in err, err


def test_credentials_in_a_base_url_are_refused_before_anything_is_sent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The SDKs cannot use them (aiohttp refuses the mix with their key header; httpx swaps the
    key for Basic auth): one clear error, the password not repeated, nothing sent or written."""
    from evals.cli.main import main

    chosen = next(b for b in BACKENDS if b.name == "openai-compatible")
    task = write_task(tmp_path, chosen, 2)
    password = f"pw-{MARK}-url"
    with FakeProvider() as fake:
        url = fake.openai_url.replace("http://", f"http://user:{password}@")
        config = tmp_path / "run.yaml"
        config.write_text(
            f"name: creds\ntasks: [{task}]\nbackends:\n"
            f"  - {{name: local, type: openai-compatible, model: m, base_url: '{url}'}}\n"
        )
        code = main(["-v", "run", str(config), "--out", str(tmp_path / "run"), "--quiet"])
        assert fake.state.requests() == 0
    captured = capsys.readouterr()
    assert code == 2 and f"{config}:4: backends.0.base_url" in captured.err and "api_key_env" in captured.err
    assert password not in captured.err + captured.out
    assert not (tmp_path / "run").exists()
