"""Offline engine throughput on this machine, with every core in use.

    python benchmarks/bench_engines.py [--repeats 5] [--quick]   (from the repository root)

- OCR lines per second: tesseract and rapidocr on single rendered lines (`text_layout: line`,
  the mode OCR line tasks use) and on 6-line blocks (`block`: tesseract PSM 6, rapidocr with its
  text detector), counted as reference lines read per wall-clock second.
- Speech real-time factor: pocketsphinx (and faster-whisper when installed) on espeak-ng speech,
  as wall-clock seconds per second of audio with all workers busy (lower is faster; 0.25 means
  four seconds of audio transcribed per second), and the per-clip engine RTF on one core.
- Synthesis real-time factor of espeak-ng, the same way.

Each backend runs as the runner runs it: its default process pool (one worker per core) and as
many samples in flight as its concurrency. A warm-up pass starts the pool and loads the models
first; figures are medians over the repeats. The machine is shared: the load average is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from _common import append_results, median_of

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "engines"))
from engine_samples import (
    ASR_VOICE,
    LINES,
    SENTENCES,
    make,
    media_request,
    render_block,
    render_line,
    speech_request,
)

from evals.backends.base import Backend
from evals.engines.espeak import EspeakBackend
from evals.engines.pocketsphinx import PocketSphinxBackend
from evals.engines.rapidocr import RapidOCRBackend
from evals.engines.tesseract import TesseractBackend
from evals.records import Request, Response

MORE_LINES = [
    "Meeting moved to room 4B at 10:30 on Friday",
    "Order #A-77120 shipped via ground, 3 parcels",
    "Keep out of reach of children. Store below 25°C.",
    "Net weight 500 g (17.6 oz) - best before 09/2027",
    "Platform 2 for trains to Leeds, York and Durham",
    "Password must contain at least 12 characters",
]


async def run_all(backend: Backend, requests: list[Request]) -> list[Response]:
    """All requests through the backend, at most its concurrency in flight (as the runner does)."""
    gate = asyncio.Semaphore(backend.config.concurrency)

    async def one(request: Request) -> Response:
        async with gate:
            response = await backend.generate(request)
        if response.error is not None:
            raise RuntimeError(f"{backend.name}: {response.error.message}")
        return response

    return await asyncio.gather(*(one(r) for r in requests))


def timed(backend: Backend, requests: list[Request], repeats: int) -> tuple[float, list[Response]]:
    """Median wall-clock seconds for the whole batch, after a warm-up pass."""
    last: list[Response] = []

    def once() -> float:
        nonlocal last
        started = time.perf_counter()
        last = asyncio.run(run_all(backend, requests))
        return time.perf_counter() - started

    once()  # warm-up: start the workers, load the models
    seconds, _ = median_of(repeats, once)
    return seconds, last


def ocr_rows(repeats: int, copies: int) -> list[str]:
    texts = (LINES + MORE_LINES) * copies
    lines = [media_request("image", render_line(t), {"text_layout": "line"}) for t in texts]
    blocks = [render_block(texts[i : i + 6]) for i in range(0, len(texts), 6)]
    block_requests = [media_request("image", b, {"text_layout": "block"}) for b in blocks]
    rows = []
    for cls in (TesseractBackend, RapidOCRBackend):
        backend = make(cls)
        try:
            for layout, requests in (("line", lines), ("block", block_requests)):
                seconds, _ = timed(backend, requests, repeats)
                speed = len(texts) / seconds
                rows.append(
                    f"| {cls.type_name} | {layout} | {len(requests)} images, {len(texts)} lines "
                    f"| {speed:.1f} lines/s | {1000 * seconds / len(texts):.0f} ms |"
                )
                print(rows[-1], flush=True)
        finally:
            asyncio.run(backend.aclose())
    return rows


def speech_rows(repeats: int, copies: int) -> list[str]:
    espeak = make(EspeakBackend, voice=ASR_VOICE)
    said = [speech_request(s) for s in SENTENCES * copies]
    rows = []
    try:
        seconds, spoken = timed(espeak, said, repeats)
    finally:
        asyncio.run(espeak.aclose())
    audio = sum(r.usage.audio_seconds or 0.0 for r in spoken)
    rows.append(rtf_row("espeak (synthesis)", seconds, audio, spoken))
    print(rows[-1], flush=True)
    clips = [media_request("audio", r.audio or b"") for r in spoken]
    recognisers: list[Callable[[], Backend]] = [lambda: make(PocketSphinxBackend)]
    try:
        from evals.engines.whisper import FasterWhisperBackend, shipped_model

        if shipped_model() is not None:
            recognisers.append(lambda: make(FasterWhisperBackend))
    except ImportError:
        pass
    for build in recognisers:
        backend = build()
        try:
            seconds, heard = timed(backend, clips, repeats)
        finally:
            asyncio.run(backend.aclose())
        rows.append(rtf_row(backend.type_name, seconds, audio, heard))
        print(rows[-1], flush=True)
    return rows


def rtf_row(name: str, seconds: float, audio: float, responses: list[Response]) -> str:
    per_clip = [float((r.raw or {}).get("rtf") or 0.0) for r in responses]
    return (
        f"| {name} | {len(responses)} clips, {audio:.1f} s of audio | {seconds / audio:.3f} "
        f"| {statistics.median(per_clip):.3f} |"
    )


def versions() -> str:
    found: dict[str, str] = {}
    for cls in (TesseractBackend, RapidOCRBackend, PocketSphinxBackend, EspeakBackend):
        found |= make(cls).versions()
    try:
        from evals.engines.whisper import FasterWhisperBackend

        found |= make(FasterWhisperBackend).versions()
    except ImportError:
        pass
    return ", ".join(f"{name} {version}" for name, version in sorted(found.items()))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--quick", action="store_true", help="one repeat of a smaller sample, printed, not saved"
    )
    args = parser.parse_args()
    repeats, copies = (1, 1) if args.quick else (args.repeats, 2)
    nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=False).stdout.strip()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"nproc {nproc}, Python {platform.python_version()}, load average {load}", flush=True)
    ocr = ocr_rows(repeats, copies)
    speech = speech_rows(repeats, copies)
    lines = [
        f"nproc {nproc}; engines in a pool of {make(TesseractBackend).workers} worker processes, as many "
        f"samples in flight; median of {repeats} repeats after a warm-up; load average at start {load} "
        "(a shared machine). Versions: " + versions() + ".",
        "",
        "| OCR engine | layout | sample | throughput | wall time per line, all workers |",
        "| --- | --- | --- | --- | --- |",
        *ocr,
        "",
        "Real-time factor (RTF): seconds of work per second of audio; below 1 is faster than real time.",
        "",
        "| speech engine | sample | RTF, all workers (wall clock) | RTF per clip, one core (median) |",
        "| --- | --- | --- | --- |",
        *speech,
    ]
    if args.quick:
        print("\n".join(lines))
    else:
        append_results("Offline engines (bench_engines.py)", lines)


if __name__ == "__main__":
    main()
