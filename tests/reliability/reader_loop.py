"""Read a run directory in a loop while another process writes it (run as a script):
`evals.load_run`, and run.json, summary.json and samples.parquet read directly, until a stop
file appears. Writes what it saw as JSON: reads that succeeded, and every failure by type."""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path


def main() -> None:
    import pyarrow.parquet as pq

    import evals

    run_dir, stop, result = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    seen: Counter[str] = Counter()
    failures: list[str] = []
    deadline = time.monotonic() + 120
    while not stop.exists() and time.monotonic() < deadline:
        try:
            evals.load_run(run_dir)
            seen["load_run"] += 1
            for name in ("run.json", "summary.json"):
                path = run_dir / name
                if path.exists():
                    json.loads(path.read_text(encoding="utf-8"))
                    seen[name] += 1
            parquet = run_dir / "samples.parquet"
            if parquet.exists():
                pq.read_table(parquet)
                seen["samples.parquet"] += 1
        except FileNotFoundError as exc:  # a file not written yet is not a half-written one
            seen[f"not yet: {Path(str(exc.filename)).name}"] += 1
        except Exception as exc:
            failures.append(f"{type(exc).__name__}: {exc}")
    result.write_text(json.dumps({"seen": seen, "failures": failures}))


if __name__ == "__main__":
    main()
