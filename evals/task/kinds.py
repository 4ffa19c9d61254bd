"""What each task kind means by default: its instruction and its scorers.

Media parts come first, one per media column the dataset declares (in the order declared),
then the kind's instruction. A task file can override either.
"""

from __future__ import annotations

from dataclasses import dataclass

from evals.task.spec import (
    AudioPartSpec,
    ImagePartSpec,
    PartSpec,
    PromptSpec,
    ScorerSpec,
    TaskSpec,
    TextPartSpec,
    VideoPartSpec,
)

_CHOICES = "{% for option in choices %}{{ 'ABCDEFGHIJKLMNOP'[loop.index0] }}. {{ option }}\n{% endfor %}"


# OCR is scored on the text as written: the Whisper normaliser (spelling, numbers) is for speech.
_RAW = {"normalizer": "none"}


@dataclass(frozen=True)
class KindDefaults:
    instruction: str | None
    scorers: tuple[str | tuple[str, dict[str, str]], ...]
    output: str = "text"
    # What a backend must produce for the answer to be scored. A tts task is scored on a
    # transcript of the audio, so it needs both (the tts-roundtrip backend gives both).
    needs: frozenset[str] = frozenset({"text"})


KINDS: dict[str, KindDefaults] = {
    "vqa": KindDefaults(
        "{{ question }}\nAnswer the question using a single word or phrase.",
        ("vqa_accuracy", "exact_match"),
    ),
    "ocr": KindDefaults(
        "Transcribe all the text in this image exactly as written. Reply with the text only.",
        (("cer", _RAW), ("wer", _RAW)),
    ),
    "handwriting": KindDefaults(
        "Read the handwritten text in this image. Reply with the text only.",
        ("exact_match", ("cer", _RAW)),
    ),
    "chart": KindDefaults(
        "{{ question }}\nAnswer with a single number or word, without units.",
        ("relaxed_accuracy",),
    ),
    "counting": KindDefaults("{{ question }}\nAnswer with a single number.", ("count",)),
    "asr": KindDefaults("Transcribe this audio. Reply with the transcript only.", ("wer", "cer")),
    "spatial": KindDefaults("{{ question }}", ("spatial_accuracy",)),
    "multiple_choice": KindDefaults(
        "{{ question }}\n" + _CHOICES + "Answer with the option's letter.", ("multiple_choice",)
    ),
    "yes_no": KindDefaults("{{ question }}\nAnswer yes or no.", ("yes_no",)),
    "tts": KindDefaults("{{ text }}", ("wer",), output="audio", needs=frozenset({"audio", "text"})),
    "custom": KindDefaults(None, ()),
    "speech-translation": KindDefaults(
        "Translate this speech into English. Reply with the English translation only.", ("bleu", "chrf")
    ),
    "diarization": KindDefaults(
        "Who speaks when in this audio? Reply with one line per turn: start and end in seconds and "
        "a speaker label, separated by spaces (e.g. 0.50 3.20 A).",
        ("der", "jer"),
    ),
    # Image generation (docs/image-generation.md): the row's prompt in, an image out.
    "text_to_image": KindDefaults(
        "{{ prompt }}", ("image_checks",), output="image", needs=frozenset({"image"})
    ),
    # An edit: the source image (and its mask, from a dataset image column named `mask`) with
    # the instruction; scored on what changed outside the edit region.
    "image_edit": KindDefaults(
        "{{ instruction }}",
        ("image_checks", "edit_preservation"),
        output="image",
        needs=frozenset({"image"}),
    ),
    # Image–text matching (docs/robustness.md): the options are captions (one image: which
    # caption fits?) or images (one caption: which image fits?); the row's question says which.
    "image_text_match": KindDefaults(
        "{{ question }}\n" + _CHOICES + "Answer with the option's letter.", ("multiple_choice",)
    ),
    # The instruction is written from the task's schema (evals/task/extract.py).
    "extract": KindDefaults("", ("fields",)),
}

MASK_COLUMN = "mask"


def default_prompt(spec: TaskSpec) -> PromptSpec | None:
    instruction = KINDS[spec.kind].instruction
    if instruction is None:
        return None
    parts: list[PartSpec] = []
    if spec.kind == "image_edit":
        parts += [
            ImagePartSpec(image=c, role="mask" if c == MASK_COLUMN else "source") for c in spec.dataset.images
        ]
    else:
        parts += [ImagePartSpec(image=c) for c in spec.dataset.images]
    parts += [AudioPartSpec(audio=c) for c in spec.dataset.audio]
    parts += [VideoPartSpec(video=c) for c in spec.dataset.video]
    parts.append(TextPartSpec(text=instruction))
    return PromptSpec(parts=parts)


def default_scorers(spec: TaskSpec) -> list[ScorerSpec]:
    specs = []
    for entry in KINDS[spec.kind].scorers:
        name, options = (entry, {}) if isinstance(entry, str) else entry
        specs.append(ScorerSpec(name=name, options=dict(options)))
    return specs
