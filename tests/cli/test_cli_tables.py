"""Tables printed by the CLI are never cut: off a terminal (a pipe, a CI log) whatever COLUMNS
says, names and intervals are printed whole; on a narrow terminal cells fold, never '…'."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from cli_run import run_eval, run_eval_on_terminal

# A backend name longer than an 80-column table (and a Markdown cell's 80 characters of free
# text) leaves room for, in the style of a real one.
LONG_BACKEND = (
    "whisper-tiny.en-reference-answers-under-a-name-longer-than-the-eighty-characters-of-a-markdown-cell"
)
RULES = f"""\
rules:
  - name: counting-exact-may-not-drop-by-more-than-five-points
    task: counting
    backend: [{LONG_BACKEND}, echo]
    metric: count_exact
    max_drop: 0.05
"""


@pytest.fixture(scope="module")
def run_and_output(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One small real run (4 counting samples, a long-named oracle and echo), piped at COLUMNS=80."""
    folder = tmp_path_factory.mktemp("tables")
    backends = f"{LONG_BACKEND}=oracle,echo"
    args = ["run", "counting", "--backends", backends, "--limit", "4", "--reports", "runs", "--no-cache"]
    ran = run_eval(args, folder)
    assert ran.code == 0, ran.err
    (run_dir,) = (folder / "runs").iterdir()
    return run_dir, ran.out


def test_run_summary_is_whole_when_piped_at_80_columns(run_and_output: tuple[Path, str]) -> None:
    out = run_and_output[1]
    for whole in (f"{LONG_BACKEND} (baseline)", "count_exact", "count_off_by_one", "count_abs_error"):
        assert whole in out, out
    assert "1.000 (1.000–1.000)" in out and "0.000 (0.000–0.000)" in out
    assert "…" not in out
    row = next(line for line in out.splitlines() if LONG_BACKEND in line)
    assert len(row) > 80  # the table took the width its content needs


def test_gate_table_keeps_names_whole(run_and_output: tuple[Path, str], tmp_path: Path) -> None:
    run_dir = run_and_output[0]
    (tmp_path / "rules.yaml").write_text(RULES)
    args = [
        "gate",
        str(run_dir),
        "--rules",
        "rules.yaml",
        "--baseline",
        str(run_dir),
        "--markdown",
        "gate.md",
    ]
    ran = run_eval(args, tmp_path)
    assert ran.code == 0, ran.err
    assert f"counting / {LONG_BACKEND}" in ran.out and "0.0000 [0.0000, 0.0000]" in ran.out
    markdown = (tmp_path / "gate.md").read_text()
    assert f"| {LONG_BACKEND} |" in markdown
    assert "…" not in ran.out and "…" not in markdown


def test_compare_names_both_sides_whole(run_and_output: tuple[Path, str], tmp_path: Path) -> None:
    run_dir = run_and_output[0]
    ran = run_eval(["compare", f"{run_dir}:echo", f"{run_dir}:{LONG_BACKEND}"], tmp_path)
    assert ran.code == 0, ran.err
    assert f"· {LONG_BACKEND}" in ran.out and "+1.0000 [+1.0000, +1.0000]" in ran.out
    assert "…" not in ran.out


def test_dry_run_table_is_whole_when_piped_even_with_force_color(tmp_path: Path) -> None:
    model = "gpt-4o-mini-2024-07-18"
    ran = run_eval(
        [
            "run",
            "counting",
            "--backends",
            f"{LONG_BACKEND}=oracle,openai:{model}",
            "--limit",
            "7",
            "--dry-run",
        ],
        tmp_path,
        # FORCE_COLOR (set by many CI systems) makes rich treat a pipe as a terminal: still whole.
        env={"OPENAI_API_KEY": "sk-test", "FORCE_COLOR": "1"},
    )
    assert ran.code == 0, ran.err
    rows = [line for line in ran.out.splitlines() if line.startswith("│ counting")]
    assert len(rows) == 2, ran.out
    assert LONG_BACKEND in rows[0] and f"openai:{model}" in rows[1] and f"│ {model} " in rows[1]
    assert " 7 │" in rows[0] and " 7 │" in rows[1]
    assert "…" not in ran.out


def test_list_on_a_terminal_fits_its_width_one_line_per_backend(tmp_path: Path) -> None:
    ran = run_eval_on_terminal(["list", "backends"], tmp_path, columns=100)
    assert ran.code == 0, ran.err
    lines = [line for line in ran.out.splitlines() if line.strip()]
    assert max(len(line) for line in lines) <= 100, ran.out
    names = [line.split("│")[1].strip() for line in lines if line.startswith("│")]
    assert "openai" in names and "oracle" in names and "tts-roundtrip" in names, ran.out
    assert all(names), ran.out  # no row continued on a second line
    status = next(line for line in lines if line.startswith("│ openai "))
    assert "missing key (OPENAI_API_KEY)" in status or "installed" in status  # the status column stays


def test_a_narrow_console_folds_summary_cells_and_never_cuts(run_and_output: tuple[Path, str]) -> None:
    from rich.console import Console

    from evals.console import task_tables
    from evals.rundir import RunDir

    summary = RunDir(run_and_output[0]).read_summary()
    assert summary is not None
    narrow = Console(width=50, file=io.StringIO(), force_terminal=True, color_system=None)
    for table in task_tables(summary):
        narrow.print(table)
    text = narrow.file.getvalue()  # type: ignore[attr-defined]
    assert "…" not in text and max(len(line) for line in text.splitlines()) <= 50
    # The backend column, read down: its folded pieces put back together are the whole name.
    backend = "".join(line.split("│")[1].strip() for line in text.splitlines() if line.count("│") > 2)
    assert backend.startswith(LONG_BACKEND), backend
    header = "".join(line.split("┃")[2].strip() for line in text.splitlines() if line.count("┃") > 2)
    assert header == "count_exact", header
