"""Speech quality as a listener panel would rate it: DNSMOS, and the speaking rate.

`mos` runs Microsoft's DNSMOS P.835 model (Reddy et al., ICASSP 2022) as the `speechmos`
package ships and runs it (`speechmos.dnsmos.run`, ONNX models inside the wheel, nothing
downloaded): per clip, the predicted signal quality (SIG), background noise (BAK) and overall
quality (OVRL) on the 1-5 MOS scale, plus the P.808 overall MOS. A clip shorter than the model's
9 s window is repeated to fill it (speechmos's rule). It rates how the audio sounds, not what it
says: pair it with the round-trip `wer`.

`speaking_rate` counts the words of the text the backend was asked to speak over the seconds
of its audio from the first to the last sound (leading and trailing silence cut), and checks the
rate against a declared range.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import Field, model_validator

from evals.references import most_common
from evals.scorers._speech_audio import RATE, output_speech, voiced_seconds
from evals.scoring import Metric, SampleScore, ScoreInput, Scorer, ScorerFailed, ScorerOptions, ScoringContext


def dnsmos(samples: Any) -> dict[str, float]:
    """speechmos's DNSMOS of 16 kHz samples: ovrl_mos, sig_mos, bak_mos, p808_mos."""
    from speechmos import dnsmos as model

    found = model.run(samples, RATE)
    return {key: float(found[key]) for key in ("ovrl_mos", "sig_mos", "bak_mos", "p808_mos")}


class MOS(Scorer):
    """DNSMOS P.835 SIG/BAK/OVRL and P.808 MOS of the output audio (speechmos's ONNX models)."""

    name = "mos"
    needs_outputs = frozenset({"audio"})

    @property
    def metrics(self) -> tuple[Metric, ...]:
        about = "predicted by DNSMOS (speechmos), 1-5; per clip, averaged over clips"
        return (
            Metric(name="mos_ovrl", description=f"overall quality (P.835 OVRL) {about}"),
            Metric(name="mos_sig", description=f"speech signal quality (P.835 SIG) {about}"),
            Metric(name="mos_bak", description=f"background noise, 5 = none (P.835 BAK) {about}"),
            Metric(name="mos_p808", description=f"overall quality (P.808) {about}"),
        )

    async def evaluate(self, item: ScoreInput, context: ScoringContext) -> SampleScore:
        samples = output_speech(item)
        if len(samples) < RATE // 10:
            raise ScorerFailed("the output audio is shorter than 0.1 s")
        # ~1 s of CPU per clip: off the event loop, so other samples' calls go on meanwhile
        found = await asyncio.to_thread(dnsmos, samples)
        values = {
            "mos_ovrl": found["ovrl_mos"],
            "mos_sig": found["sig_mos"],
            "mos_bak": found["bak_mos"],
            "mos_p808": found["p808_mos"],
        }
        return SampleScore(values, {"seconds": round(len(samples) / RATE, 3)})


class RateOptions(ScorerOptions):
    min_wpm: float = Field(120.0, gt=0, description="slowest acceptable words per minute")
    max_wpm: float = Field(200.0, gt=0, description="fastest acceptable words per minute")

    @model_validator(mode="after")
    def _ordered(self) -> RateOptions:
        if self.min_wpm > self.max_wpm:
            raise ValueError("min_wpm is above max_wpm")
        return self


class SpeakingRate(Scorer):
    """Words per minute of the spoken output, and whether it is within [min_wpm, max_wpm]."""

    name = "speaking_rate"
    needs_outputs = frozenset({"audio"})
    Options = RateOptions
    options: RateOptions

    @property
    def metrics(self) -> tuple[Metric, ...]:
        o = self.options
        return (
            Metric(
                name="words_per_minute",
                description="words of the text over the audio's seconds from first to last sound, × 60",
            ),
            Metric(
                name="rate_in_range",
                binary=True,
                description=f"share of clips spoken at {o.min_wpm:g}-{o.max_wpm:g} words per minute",
            ),
        )

    async def evaluate(self, item: ScoreInput, context: ScoringContext) -> SampleScore:
        if not item.targets:
            raise ScorerFailed("the sample has no text to count words in")
        words = len(most_common(item.targets).split())
        seconds = voiced_seconds(output_speech(item))
        if seconds <= 0:
            return SampleScore({"words_per_minute": 0.0, "rate_in_range": 0.0}, {"seconds": 0.0}, ("silent",))
        wpm = words / seconds * 60
        inside = self.options.min_wpm <= wpm <= self.options.max_wpm
        details = {"words": words, "seconds": round(seconds, 3)}
        flags = () if inside else (("too_slow",) if wpm < self.options.min_wpm else ("too_fast",))
        return SampleScore({"words_per_minute": wpm, "rate_in_range": float(inside)}, details, flags)
