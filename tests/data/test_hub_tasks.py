"""The real-benchmark task files in tasks/hub/, checked offline on tiny look-alike datasets.

For each file, a three-row `datasets.Dataset` with the benchmark's column names and feature
types (Image()/Audio() media, nested answer lists, class labels…) is saved to disk; the task is
loaded and only its source is swapped for `hf_disk` (the field mapping stays as written). The
test then checks what the mapping yields (question in the prompt, media part, references,
options, breakdown fields) and that the oracle scores perfectly.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile
import yaml
from data_support import TASKS, cell, run_tasks, scorers_available
from PIL import Image

from evals.task.loader import build_task, check_task, load_task
from evals.task.spec import TaskSpec

datasets = pytest.importorskip("datasets")

_HUB_KEYS = ("source", "hub_id", "config", "split", "revision", "streaming")


def png(shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (12, 8), (shade, 90, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def flac(seconds: float) -> bytes:
    buffer = io.BytesIO()
    tone = 0.2 * np.sin(np.linspace(0, 440 * 2 * np.pi * seconds, int(16000 * seconds)))
    soundfile.write(buffer, tone, 16000, format="FLAC")
    return buffer.getvalue()


def string() -> Any:
    return datasets.Value("string")


def int64() -> Any:
    return datasets.Value("int64")


@dataclass
class Case:
    """A tiny stand-in for one benchmark: its features, rows, and what the mapping should give."""

    features: dict[str, Any]
    rows: Callable[[int], dict[str, Any]]
    question: Callable[[int], str]  # text the prompt must contain for row i
    targets: Callable[[int], list[str]]
    choices: Callable[[int], list[str] | None] = lambda i: None
    media: str = "image"
    extra: dict[str, Any] = field(default_factory=dict)


# As in VQAv2's files, the usual answer is already in processed form ("2", not "two"): the
# official evaluation turns an answer "two" into "2" but leaves the references as they are.
VQA_ANSWERS = [
    ["2"] * 6 + ["two"] * 3 + ["3"],
    ["red"] * 4 + ["dark red"] * 3 + ["pink"] * 3,
    ["yes"] * 10,
]

CASES: dict[str, Case] = {
    "vqav2": Case(
        features={
            "question_type": string(),
            "multiple_choice_answer": string(),
            "answers": [{"answer": string(), "answer_confidence": string(), "answer_id": int64()}],
            "image_id": int64(),
            "answer_type": string(),
            "question_id": int64(),
            "question": string(),
            "image": datasets.Image(),
        },
        rows=lambda i: {
            "question_type": "how many",
            "multiple_choice_answer": VQA_ANSWERS[i][0],
            "answers": [
                {"answer": a, "answer_confidence": "yes", "answer_id": k + 1}
                for k, a in enumerate(VQA_ANSWERS[i])
            ],
            "image_id": 100 + i,
            "answer_type": ["number", "other", "yes/no"][i],
            "question_id": 5000 + i,
            "question": f"What is shown in picture {i}?",
            "image": png(i),
        },
        question=lambda i: f"What is shown in picture {i}?",
        targets=lambda i: VQA_ANSWERS[i],
    ),
    "textvqa": Case(
        features={
            "image_id": string(),
            "question_id": datasets.Value("int32"),
            "question": string(),
            "question_tokens": datasets.Sequence(string()),
            "image": datasets.Image(),
            "image_width": datasets.Value("int32"),
            "image_height": datasets.Value("int32"),
            "flickr_original_url": string(),
            "flickr_300k_url": string(),
            "answers": datasets.Sequence(string()),
            "image_classes": datasets.Sequence(string()),
            "set_name": string(),
            "ocr_tokens": datasets.Sequence(string()),
        },
        rows=lambda i: {
            "image_id": f"img{i}",
            "question_id": 30 + i,
            "question": f"What does sign {i} say?",
            "question_tokens": ["what", "does"],
            "image": png(i),
            "image_width": 12,
            "image_height": 8,
            "flickr_original_url": "",
            "flickr_300k_url": "",
            "answers": VQA_ANSWERS[i],
            "image_classes": ["Sign"],
            "set_name": "val",
            "ocr_tokens": ["stop"],
        },
        question=lambda i: f"What does sign {i} say?",
        targets=lambda i: VQA_ANSWERS[i],
    ),
    "docvqa": Case(
        features={
            "questionId": string(),
            "question": string(),
            "question_types": datasets.Sequence(string()),
            "image": datasets.Image(),
            "docId": int64(),
            "ucsf_document_id": string(),
            "ucsf_document_page_no": string(),
            "answers": datasets.Sequence(string()),
            "data_split": string(),
        },
        rows=lambda i: {
            "questionId": f"q{i}",
            "question": f"What is the date on page {i}?",
            "question_types": ["form"],
            "image": png(i),
            "docId": 7 + i,
            "ucsf_document_id": "abc",
            "ucsf_document_page_no": "1",
            "answers": [f"March {i + 1}, 1998", f"3/{i + 1}/98"],
            "data_split": "val",
        },
        question=lambda i: f"What is the date on page {i}?",
        targets=lambda i: [f"March {i + 1}, 1998", f"3/{i + 1}/98"],
    ),
    "chartqa": Case(
        features={
            "image": datasets.Image(),
            "query": string(),
            "label": datasets.Sequence(string()),
            "human_or_machine": datasets.ClassLabel(names=["human", "machine"]),
        },
        rows=lambda i: {
            "image": png(i),
            "query": f"What is the value of bar {i}?",
            "label": [str(10 + i)],
            "human_or_machine": i % 2,
        },
        question=lambda i: f"What is the value of bar {i}?",
        targets=lambda i: [str(10 + i)],
    ),
    "countbenchqa": Case(
        features={
            "image": datasets.Image(),
            "text": string(),
            "question": string(),
            "number": datasets.Value("int32"),
        },
        rows=lambda i: {
            "image": png(i),
            "text": "three dogs",
            "question": f"How many dogs are in photo {i}?",
            "number": i + 2,
        },
        question=lambda i: f"How many dogs are in photo {i}?",
        targets=lambda i: [str(i + 2)],
    ),
    "cv-bench": Case(
        features={
            "idx": int64(),
            "type": string(),
            "task": string(),
            "image": datasets.Image(),
            "question": string(),
            "choices": datasets.Sequence(string()),
            "answer": string(),
            "prompt": string(),
            "source": string(),
        },
        rows=lambda i: {
            "idx": i,
            "type": "2D",
            "task": ["Relation", "Count", "Relation"][i],
            "image": png(i),
            "question": f"Where is the lamp in scene {i}?",
            "choices": ["left", "right"] if i != 1 else ["1", "2", "3"],
            "answer": ["(A)", "(C)", "(B)"][i],
            "prompt": "",
            "source": "COCO",
        },
        question=lambda i: f"Where is the lamp in scene {i}?",
        targets=lambda i: [["(A)", "(C)", "(B)"][i]],
        choices=lambda i: ["left", "right"] if i != 1 else ["1", "2", "3"],
    ),
    "librispeech-test-clean": Case(
        features={
            "audio": datasets.Audio(sampling_rate=16000),
            "gt": string(),
            "source": string(),
            "task": string(),
        },
        rows=lambda i: {
            "audio": flac(0.2 + 0.1 * i),
            "gt": ["HE HOPED THERE WOULD BE STEW", "STUFF IT INTO YOU", "AFTER EARLY NIGHTFALL"][i],
            "source": "librispeech_test_clean",
            "task": "asr_en",
        },
        question=lambda i: "Transcribe this audio.",
        targets=lambda i: [["HE HOPED THERE WOULD BE STEW", "STUFF IT INTO YOU", "AFTER EARLY NIGHTFALL"][i]],
        media="audio",
    ),
    "mmmu": Case(
        features={
            "id": string(),
            "question": string(),
            "options": datasets.Sequence(string()),
            "explanation": string(),
            "img_type": string(),
            "Answer(Option)": string(),
            "topic_difficulty": string(),
            "question_type": string(),
            "subfield": string(),
            "local_image_path": string(),
            "subject": string(),
            "num_options": int64(),
            "__index_level_0__": int64(),
            "image": datasets.Image(),
        },
        rows=lambda i: {
            "id": f"validation_Art_{i}",
            "question": f"<image 1> Which period is painting {i} from?",
            "options": ["Baroque", "Rococo", "Cubism", "Gothic"],
            "explanation": "",
            "img_type": "['Paintings']",
            "Answer(Option)": "ABD"[i],
            "topic_difficulty": "Easy",
            "question_type": "multiple-choice",
            "subfield": "Art History",
            "local_image_path": "",
            "subject": "Art",
            "num_options": 4,
            "__index_level_0__": i,
            "image": png(i),
        },
        question=lambda i: f"Which period is painting {i} from?",
        targets=lambda i: ["ABD"[i]],
        choices=lambda i: ["Baroque", "Rococo", "Cubism", "Gothic"],
    ),
    "pope": Case(
        features={
            "id": string(),
            "question_id": string(),
            "question": string(),
            "answer": string(),
            "image_source": string(),
            "image": datasets.Image(),
            "category": string(),
        },
        rows=lambda i: {
            "id": str(i),
            "question_id": str(i + 1),
            "question": f"Is there a dog in image {i}?",
            "answer": ["yes", "no", "no"][i],
            "image_source": "COCO_val2014",
            "image": png(i),
            "category": ["adversarial", "popular", "random"][i],
        },
        question=lambda i: f"Is there a dog in image {i}?",
        targets=lambda i: [["yes", "no", "no"][i]],
    ),
    "gqa": Case(
        features={
            "question_id": string(),
            "question": string(),
            "answer": string(),
            "image": datasets.Image(),
        },
        rows=lambda i: {
            "question_id": f"20{i}",
            "question": f"Which side is the cup on in room {i}?",
            "answer": ["left", "right", "no"][i],
            "image": png(i),
        },
        question=lambda i: f"Which side is the cup on in room {i}?",
        targets=lambda i: [["left", "right", "no"][i]],
    ),
}


def save_lookalike(case: Case, folder: Path) -> None:
    """Save three rows with the benchmark's features; media go in as arrow structs and are cast to
    Image()/Audio() (encoding Audio examples would need torchcodec; casting does not)."""
    rows = [case.rows(i) for i in range(3)]
    media = {k: v for k, v in case.features.items() if isinstance(v, datasets.Image | datasets.Audio)}
    plain = {k: v for k, v in case.features.items() if k not in media}
    columns: dict[str, list[Any]] = {name: [row[name] for row in rows] for name in case.features}
    for name in media:
        columns[name] = [{"bytes": value, "path": f"{name}{i}"} for i, value in enumerate(columns[name])]
    struct = {"bytes": datasets.Value("binary"), "path": string()}
    dataset = datasets.Dataset.from_dict(
        columns, features=datasets.Features({**plain, **dict.fromkeys(media, struct)})
    )
    for name, feature in media.items():
        dataset = dataset.cast_column(name, feature)
    assert dataset.features == datasets.Features(case.features)
    dataset.save_to_disk(str(folder))


def offline_copy(path: Path, data: Path, out: Path) -> Path:
    """The task file with its hub source swapped for the saved folder; the mapping is untouched."""
    spec = load_task(path).spec.model_dump(mode="json")
    dataset = {k: v for k, v in spec["dataset"].items() if k not in _HUB_KEYS}
    spec["dataset"] = {"source": "hf_disk", "path": str(data), **dataset}
    TaskSpec.model_validate(spec)
    out.write_text(yaml.safe_dump(spec, sort_keys=False))
    return out


def test_every_hub_task_has_a_case() -> None:
    assert sorted(p.stem for p in (TASKS / "hub").glob("*.yaml")) == sorted(CASES)
    for path in (TASKS / "hub").glob("*.yaml"):
        spec = load_task(path).spec
        assert spec.dataset.source == "hf" and "/" in spec.dataset.hub_id


@pytest.fixture(scope="module")
def offline_tasks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hub")
    tasks = {}
    for name, case in CASES.items():
        save_lookalike(case, folder / f"{name}-data")
        tasks[name] = offline_copy(
            TASKS / "hub" / f"{name}.yaml", folder / f"{name}-data", folder / f"{name}.yaml"
        )
    return tasks


@pytest.mark.parametrize("name", sorted(CASES))
def test_mapping_yields_the_prompt_fields(name: str, offline_tasks: dict[str, Path]) -> None:
    case = CASES[name]
    task = load_task(offline_tasks[name])
    check_task(task)
    samples = list(task.samples())
    assert len(samples) == 3 and len({s.id for s in samples}) == 3
    for i, sample in enumerate(samples):
        request = task.builder.build(sample)
        assert case.question(i) in request.prompt_text()
        parts = request.media_parts()
        assert [p.kind for p in parts] == [case.media]
        assert parts[0].media.data == (case.rows(i)[case.media]), "media bytes pass through undecoded"
        assert sample.targets == case.targets(i)
        assert sample.choices == case.choices(i)
        for option in sample.choices or []:
            assert option in request.prompt_text()
        for breakdown in task.spec.breakdowns:
            assert sample.metadata[breakdown] is not None


@pytest.fixture(scope="module")
def summary(offline_tasks: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    names = sorted({s.name for name in CASES for s in load_task(offline_tasks[name]).spec.scorers or []})
    missing = scorers_available(names)
    if missing:
        pytest.skip(f"scorers not written yet: {', '.join(missing)}")
    return run_tasks(list(offline_tasks.values()), ["oracle"], tmp_path_factory.mktemp("reports"))


@pytest.mark.parametrize("name", sorted(CASES))
def test_oracle_is_perfect_through_the_mapping(name: str, summary: dict[str, Any]) -> None:
    entry = cell(summary, name, "oracle")
    assert entry["n_scored"] == 3 and entry["n_errors"] == 0
    for metric_name, metric in entry["metrics"].items():
        best = 1.0 if metric["higher_is_better"] else 0.0
        assert metric["value"] == pytest.approx(best), f"{metric_name} = {metric['value']}"


def test_hub_loader_is_asked_for_the_pinned_revision(monkeypatch: pytest.MonkeyPatch) -> None:
    """The `hf` source passes id, config, split and revision to load_dataset unchanged."""
    calls: list[tuple[Any, ...]] = []

    def fake_load_dataset(*args: Any, **kwargs: Any) -> Any:
        calls.append((*args, kwargs))
        raise ConnectionError("offline")

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    task = build_task(load_task(TASKS / "hub" / "docvqa.yaml").spec)
    with pytest.raises(Exception, match="lmms-lab/DocVQA"):
        list(task.samples())
    assert calls == [
        (
            "lmms-lab/DocVQA",
            "DocVQA",
            {
                "split": "validation",
                "revision": "700643acd865ff3ede094825df884d69d4f7cc10",
                "streaming": True,
            },
        )
    ]
