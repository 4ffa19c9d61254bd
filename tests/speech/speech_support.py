"""Helpers for the speech tests: scorer records, random segment lists, media items."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from evals.rundata import MetricDecl, SampleRecord
from evals.scoring import MediaItem, SampleScore, ScoreInput, Scorer, ScoringContext
from evals.segments import Segment


def record(scorer: Scorer, score: SampleScore, sample_id: str) -> SampleRecord:
    return SampleRecord(
        task="t",
        backend="b",
        sample_id=sample_id,
        status="ok",
        scores=score.values,
        details={scorer.name: score.details},
    )


def declared(scorer: Scorer) -> MetricDecl:
    metric = scorer.metrics[0]
    return metric.model_copy(update={"scorer": scorer.name})


def random_turns(rng: random.Random, speakers: int, turns: int, overlap: bool = False) -> list[Segment]:
    """Turns of `speakers` talkers with pauses, and some overlaps when asked."""
    at, found = rng.uniform(0.0, 1.0), []
    for _ in range(turns):
        length = rng.uniform(0.3, 4.0)
        found.append(Segment(round(at, 3), round(at + length, 3), f"spk{rng.randrange(speakers)}"))
        step = length + rng.uniform(-0.5 if overlap else 0.05, 1.0)
        at = max(0.0, at + step)
    return found


def jitter(rng: random.Random, turns: list[Segment], relabel: float) -> list[Segment]:
    """A system's answer: edges moved by up to 0.3 s, some labels wrong, a turn dropped at times."""
    out = []
    for turn in turns:
        if rng.random() < 0.1:
            continue
        start = max(0.0, turn.start + rng.uniform(-0.3, 0.3))
        end = max(start + 0.05, turn.end + rng.uniform(-0.3, 0.3))
        speaker = f"S{rng.randrange(4)}" if rng.random() < relabel else turn.speaker.upper()
        out.append(Segment(round(start, 3), round(end, 3), speaker))
    return out


def audio_item(data: bytes, mime: str = "audio/wav") -> MediaItem:
    return MediaItem(kind="audio", mime=mime, sha256=None, name="speech", load=lambda: data)


def score_media(scorer: Scorer, audio: bytes, targets: list[str] | None = None) -> SampleScore:
    item = ScoreInput(
        task="t",
        backend="b",
        sample_id="s",
        prediction="",
        targets=targets or [],
        outputs=[audio_item(audio)],
    )
    return asyncio.run(scorer.evaluate(item, ScoringContext()))


def as_lines(turns: list[Segment]) -> str:
    return "\n".join(f"{t.start} {t.end} {t.speaker}" for t in turns)


def details_of(records: list[SampleRecord], scorer: str) -> list[dict[str, Any]]:
    return [dict(r.details[scorer]) for r in records]
