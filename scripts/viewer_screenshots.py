"""Screenshots of the viewer's pages for docs/ (run with the dev extras and Debian's chromium).

    python scripts/viewer_screenshots.py RUNS_FOLDER RUN_ID [--out docs/viewer]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "viewer"))

from playwright.sync_api import sync_playwright
from viewer_support import serve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("run")
    parser.add_argument("--out", type=Path, default=Path("docs/viewer"))
    parser.add_argument("--sample", default="task=shapes&id=s05")
    parser.add_argument("--backends", default="a=model-b&b=model-a")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    pages = {
        "runs": "",
        "run": f"runs/{args.run}",
        "samples": f"runs/{args.run}/samples?task=shapes&backend=model-a&vs=model-b&outcome=failed",
        "sample": f"runs/{args.run}/sample?{args.sample}",
        "compare": f"runs/{args.run}/compare?{args.backends}",
    }
    with serve([args.folder]) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        for name, path in pages.items():
            page.goto(server.url + path)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(args.out / f"{name}.png"), full_page=name != "run")
            print(args.out / f"{name}.png")
        browser.close()


if __name__ == "__main__":
    main()
