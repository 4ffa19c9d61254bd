"""examples/analysis.ipynb runs top to bottom against a run this test suite made."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "analysis.ipynb"


def test_example_notebook_executes(run_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVALS_RUN_DIR", str(run_dir))
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
    assert f"run {run_dir}" in printed and "160 results" in printed
    assert sys.prefix in printed  # the kernel ran in this environment
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert "model-a" in html and "s03" in html  # the pivot and the disagreements tables
    figures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(figures) >= 4  # scores, breakdown, latency, cost
