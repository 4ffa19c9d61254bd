"""`--executor ray`: engines as Ray actors on a local cluster the test starts (loopback only).

A run through Ray must equal a run through the in-process pool on the same samples (summary and
per-sample answers); the actors load their model once each; and a run without the flag never
imports Ray. Ray's start-up costs ~10-15 s, so one cluster serves the whole module.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
OCR = ROOT / "tasks" / "ocr-lines.yaml"
SPEECH = ROOT / "tasks" / "speech.yaml"

pytestmark = [
    pytest.mark.engines,
    pytest.mark.skipif(
        subprocess.run(["which", "tesseract"], capture_output=True).returncode != 0,
        reason="needs tesseract: apt-get install tesseract-ocr tesseract-ocr-eng",
    ),
]

# Ray reads these when it is first imported, by whichever test comes first: no usage report,
# every server on 127.0.0.1. Set for the whole module (harmless to anything without Ray).
RAY_ENV = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
for _name, _value in RAY_ENV.items():
    os.environ.setdefault(_name, _value)


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A local two-CPU Ray cluster on loopback; its GCS address."""
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield str(ray.get_runtime_context().gcs_address)
    finally:
        ray.shutdown()


def run_eval(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evals", "run", *args, "--no-cache", "--quiet"],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=1800,
    )


def outcome(rundir: Path) -> tuple[list[dict[str, Any]], dict[tuple[str, str, str], Any]]:
    """The summary's cells without timings, and each sample's answer and scores."""
    summary = json.loads((rundir / "summary.json").read_text())
    timing = {"latency_s", "ttft_s", "ttfa_s"}
    cells = [{k: v for k, v in cell.items() if k not in timing} for cell in summary["cells"]]
    samples = {}
    for line in (rundir / "samples.jsonl").read_text().splitlines():
        record = json.loads(line)
        key = (record["task"], record["backend"], record["sample_id"])
        samples[key] = (record["status"], record["prediction"], record["scores"])
    return cells, samples


def test_cluster_is_on_loopback_only(cluster: str) -> None:
    import ray

    assert cluster.startswith("127.0.0.1:")
    assert {node["NodeManagerAddress"] for node in ray.nodes()} == {"127.0.0.1"}


def test_actors_load_their_model_once_and_run_outside_this_process(cluster: str) -> None:
    from evals.backends.base import BackendConfig
    from evals.engines.ray_pool import Placement, RayEnginePool
    from evals.engines.tesseract import TesseractBackend, _recognise

    backend = TesseractBackend(BackendConfig(name="tess", type="tesseract"))
    loader, args = backend.loader()
    pool = RayEnginePool(loader, args, Placement(actors=2, num_cpus=1, num_gpus=0))
    image = (ROOT / "datasets" / "ocr-lines" / "images").glob("*.png").__next__().read_bytes()

    async def six() -> list[Any]:
        try:
            return await asyncio.gather(*(pool.run(_recognise, image, "eng", "--psm 7") for _ in range(6)))
        finally:
            await pool.aclose()

    results = asyncio.run(six())
    stamps = [stamp for _, stamp in results]
    assert len({text for text, _ in results}) == 1  # the same image read the same way by each actor
    assert {s.model_loads for s in stamps} == {1}  # loaded once per actor, never per sample
    assert 1 <= len({s.pid for s in stamps}) <= 2 and os.getpid() not in {s.pid for s in stamps}


def compare_runs(tmp_path: Path, cluster: str, limit: int, backends: list[dict[str, Any]]) -> None:
    """The same config run by the CLI twice: in-process pools, then Ray actors via --ray-address."""
    config = tmp_path / "run.yaml"
    config.write_text(
        json.dumps({"name": "ray", "tasks": [str(OCR), str(SPEECH)], "backends": backends, "limit": limit})
    )
    local = run_eval(str(config), "--out", str(tmp_path / "local"))
    assert local.returncode == 0, local.stderr
    remote = run_eval(
        str(config), "--out", str(tmp_path / "ray"), "--executor", "ray", "--ray-address", cluster
    )
    assert remote.returncode == 0, remote.stderr
    assert f"Ray cluster {cluster}: " in remote.stderr
    assert_same(tmp_path / "local", tmp_path / "ray")


def assert_same(local: Path, ray: Path) -> None:
    """Equal summaries and answers, every sample answered in both runs."""
    ray_cells, ray_samples = outcome(ray)
    local_cells, local_samples = outcome(local)
    assert ray_samples.keys() == local_samples.keys() and {s[0] for s in ray_samples.values()} == {"ok"}
    assert ray_samples == local_samples
    assert ray_cells == local_cells
    assert [c["n_total"] for c in ray_cells] == [c["n_total"] for c in local_cells]


def test_ray_run_equals_the_in_process_run(tmp_path: Path, cluster: str) -> None:
    """In this process (already in the cluster, so no second start-up); the CLI and
    --ray-address are exercised by the 200-sample test."""
    from evals.config import RunConfig
    from evals.session import RunOptions, start_run

    config = RunConfig.model_validate(
        {"name": "ray", "tasks": [str(OCR)], "backends": [{"name": "tess", "type": "tesseract"}], "limit": 8}
    )
    outcomes = []
    for executor in ("local", "ray"):
        options = RunOptions(out=tmp_path / executor, use_cache=False, quiet=True, executor=executor)
        outcomes.append(outcome(start_run(config, ROOT, options).rundir.path))
    (local_cells, local_samples), (ray_cells, ray_samples) = outcomes
    assert len(ray_samples) == 8 and {s[0] for s in ray_samples.values()} == {"ok"}
    assert ray_samples == local_samples and ray_cells == local_cells
    import ray

    assert ray.is_initialized()  # the run left the cluster it did not start as it found it


@pytest.mark.slow
@pytest.mark.timeout(3600)  # 2 × 200 samples of OCR and speech on a shared 2-core machine
def test_ray_run_of_200_ocr_and_speech_samples_equals_the_in_process_run(
    tmp_path: Path, cluster: str
) -> None:
    backends = [
        {"name": "tess", "type": "tesseract", "tasks": ["ocr-lines"]},
        {"name": "sphinx", "type": "pocketsphinx", "tasks": ["speech"]},
    ]
    compare_runs(tmp_path, cluster, 100, backends)  # 100 lines + 100 clips


def test_a_run_without_the_flag_never_imports_ray(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from evals.cli.main import main\n"
        f"code = main(['run', {str(OCR)!r}, '--backends', 'tess=tesseract', '--limit', '1', "
        f"'--out', {str(tmp_path / 'run')!r}, '--no-cache', '--quiet'])\n"
        "assert code == 0, code\n"
        "print('ray' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False"


def test_executor_ray_without_ray_installed_is_one_line_and_exit_2(tmp_path: Path) -> None:
    hidden = tmp_path / "no-ray"
    (hidden / "ray").mkdir(parents=True)
    (hidden / "ray" / "__init__.py").write_text("raise ImportError(\"No module named 'ray'\")\n")
    path = os.pathsep.join([str(hidden), os.environ.get("PYTHONPATH", "")])
    done = run_eval(
        str(OCR),
        "--backends",
        "tess=tesseract",
        "--limit",
        "2",
        "--executor",
        "ray",
        env={"PYTHONPATH": path},
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert "--executor" in lines[0] and "multimodal-evals[ray]" in lines[0]


def engines(*specs: dict[str, Any]) -> dict[str, Any]:
    from evals.backends.base import BackendConfig
    from evals.engines.rapidocr import RapidOCRBackend
    from evals.engines.tesseract import TesseractBackend

    classes = {"tesseract": TesseractBackend, "rapidocr": RapidOCRBackend}
    return {s["name"]: classes[s["type"]](BackendConfig.model_validate(s)) for s in specs}


def test_engines_share_the_cluster_and_declare_their_resources() -> None:
    pytest.importorskip("ray")
    from evals.runner.ray_executor import place_engines

    backends = engines(
        {"name": "tess", "type": "tesseract"},
        {"name": "rapid", "type": "rapidocr", "options": {"num_cpus": 2}},
    )
    placed = place_engines(backends, "127.0.0.1:1", {"CPU": 8.0})
    assert placed.actors == {"tess": (4, 1.0, 0.0), "rapid": (2, 2.0, 0.0)}  # 4 CPUs each
    assert backends["tess"].concurrency == 4 and placed.remote == {"tess", "rapid"}
    # the cache key does not change with where the work runs
    assert (
        backends["tess"].cache_identity()
        == engines({"name": "tess", "type": "tesseract"})["tess"].cache_identity()
    )


@pytest.mark.parametrize(
    ("options", "field"),
    [({"num_gpus": 1}, "num_gpus"), ({"workers": 3}, "workers")],
)
def test_placement_the_cluster_cannot_hold_is_refused(options: dict[str, Any], field: str) -> None:
    pytest.importorskip("ray")
    from evals.errors import InputError
    from evals.runner.ray_executor import place_engines

    backends = engines({"name": "tess", "type": "tesseract", "options": options})
    with pytest.raises(InputError) as raised:
        place_engines(backends, "127.0.0.1:1", {"CPU": 2.0})
    assert field in (raised.value.field or "")


def test_an_address_where_no_cluster_answers_is_one_line_and_exit_2(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = tmp_path / "run"
    done = run_eval(
        str(OCR),
        "--backends",
        "tess=tesseract",
        "--executor",
        "ray",
        "--ray-address",
        f"127.0.0.1:{port}",
        "--out",
        str(out),
    )
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "--ray-address" in done.stderr and "no Ray cluster answers" in done.stderr
    assert not out.exists()  # refused before a run directory was made
