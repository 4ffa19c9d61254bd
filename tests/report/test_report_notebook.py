"""examples/analysis.ipynb runs top to bottom against a folder of runs this test suite made: it
takes the newest run that finished, names the newer failed one it passed over, and draws its
first figure in a readable shape (it was once a 3,590 × 290 px strip)."""

from __future__ import annotations

import base64
import io
import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from PIL import Image
from report_helpers import copy_run

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "analysis.ipynb"


def failed_run(finished: Path, dest: Path) -> Path:
    """A run that failed before any sample finished, started after `finished`: status failed,
    an empty journal, no summary and no parquet (what a run that crashes at once leaves)."""
    copy = copy_run(finished, dest)
    info = json.loads((copy / "run.json").read_text())
    info.update(run_id="crashed", status="failed", started_at=info["started_at"] + 60)
    (copy / "run.json").write_text(json.dumps(info))
    (copy / "samples.jsonl").write_text("")
    for name in ("summary.json", "samples.parquet"):
        (copy / name).unlink()
    return copy


def test_example_notebook_executes(run_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = tmp_path / "runs"
    finished = copy_run(run_dir, runs / "finished")
    failed_run(run_dir, runs / "crashed")
    monkeypatch.setenv("EVALS_RUN_DIR", str(runs))
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend: figures become outputs
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code"), (
        "commit it without outputs"
    )
    notebook.cells.append(nbformat.v4.new_code_cell("import sys\nprint(sys.prefix)"))
    client = NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "passed over crashed: status failed" in printed
    assert f"run run at {finished} (finished)" in printed and "160 results" in printed
    assert sys.prefix in printed  # the kernel ran in this environment
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert "model-a" in html and "s03" in html  # the pivot and the disagreements tables
    figures = [o["data"]["image/png"] for o in outputs if "image/png" in o.get("data", {})]
    assert len(figures) >= 4  # scores, breakdown, latency, cost
    width, height = Image.open(io.BytesIO(base64.b64decode(figures[0]))).size
    assert width <= 1600 and 1 <= width / height <= 3, (width, height)
