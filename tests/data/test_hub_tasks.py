"""The real-benchmark task files in tasks/hub/, checked offline on tiny look-alike datasets.

Each file's provenance declares the dataset's columns and feature types as its card does. For
each file, a three-row `datasets.Dataset` with exactly those features is saved to disk (values
made up per type, with per-benchmark overrides where a column's meaning matters: option letters,
yes/no, counts); the task is loaded and only its source is swapped for `hf_disk` (the field
mapping stays as written). The test checks what the mapping yields (question in the prompt, media
parts, references, options, breakdown fields), that the oracle scores perfectly, and that the
declared benchmark aggregate can be computed from the run's journal.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile
import yaml
from data_support import ROOT, TASKS, scorers_available
from PIL import Image

from evals.benchmark_aggregates import ScoredRow, benchmark_score
from evals.config import RunConfig
from evals.data.fieldpath import get_path
from evals.journal import read_journal
from evals.scoring import build_scorer
from evals.session import RunOptions, start_run
from evals.task.loader import check_task, load_task
from evals.task.prompt import PromptBuilder
from evals.task.spec import HubSource, TaskSpec
from evals.yamlfile import load_model

datasets = pytest.importorskip("datasets")

HUB_FILES = sorted((TASKS / "hub").glob("*.yaml"))
NAMES = [p.stem for p in HUB_FILES]
_HUB_KEYS = ("source", "hub_id", "config", "split", "revision", "streaming", "join")
Row = dict[str, Any]


def spec_of(name: str) -> TaskSpec:
    return load_model(TASKS / "hub" / f"{name}.yaml", TaskSpec)


def png(shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (12, 8), (shade, 90, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def flac(seconds: float) -> bytes:
    buffer = io.BytesIO()
    tone = 0.2 * np.sin(np.linspace(0, 440 * 2 * np.pi * seconds, int(16000 * seconds)))
    soundfile.write(buffer, tone, 16000, format="FLAC")
    return buffer.getvalue()


# --- features as the cards declare them -------------------------------------------------------

_CLASS_LABEL = re.compile(r"class_label\((.+)\)")


def feature(declared: Any) -> Any:
    """A provenance feature type as a `datasets` feature."""
    if isinstance(declared, list):
        return datasets.List(feature(declared[0]))
    if isinstance(declared, dict):
        return {key: feature(value) for key, value in declared.items()}
    if declared == "image":
        return datasets.Image()
    if declared == "audio":
        return datasets.Audio(sampling_rate=16000)
    if m := _CLASS_LABEL.fullmatch(declared):
        return datasets.ClassLabel(names=m.group(1).split(","))
    return datasets.Value(declared)


def made_up(declared: Any, column: str, i: int) -> Any:
    """A value of the declared type for row i (media as raw bytes, cast to Image/Audio later)."""
    if isinstance(declared, list):
        return [made_up(declared[0], column, i)]
    if isinstance(declared, dict):
        return {key: made_up(value, f"{column}.{key}", i) for key, value in declared.items()}
    if declared == "image":
        return png(10 * i + hash(column) % 7)
    if declared == "audio":
        return flac(0.2 + 0.1 * i)
    if declared == "bool":
        return i % 2 == 0
    if declared.startswith(("int", "uint")):
        return i + 1
    if declared.startswith("float"):
        return i + 0.5
    if declared == "binary":
        return b"\x00\x01"
    if _CLASS_LABEL.fullmatch(declared):
        return i % 2
    return f"{column} {i} text"


# --- what matters about each benchmark's rows -------------------------------------------------

VQA_ANSWERS = [
    ["2"] * 6 + ["two"] * 3 + ["3"],
    ["red"] * 4 + ["dark red"] * 3 + ["pink"] * 3,
    ["yes"] * 10,
]
LETTER = ["A", "B", "C"]


def mmbench_row(i: int) -> Row:
    return {
        "A": "cat",
        "B": "dog",
        "C": "bird" if i != 1 else "nan",  # a blank option, as the parquet copies store it
        "D": None if i != 2 else "fish",
        "answer": ["A", "B", "D"][i],
        "hint": [None, "nan", "A hint about picture 2."][i],
        "category": ["ocr", "scene", "ocr"][i],
    }


def blink_row(i: int) -> Row:
    choices = ["left", "right"] if i != 1 else ["1", "2", "3"]
    listed = "\n".join(f"({'ABC'[k]}) {c}" for k, c in enumerate(choices))
    return {
        "image_2": None if i == 0 else png(40 + i),
        "image_3": None,
        "image_4": None,
        "choices": choices,
        "answer": ["(A)", "(C)", "(B)"][i],
        # BLINK's own prompt holds the question and the lettered options.
        "prompt": f"Question {i} about the images?\nSelect from the following choices.\n{listed}",
    }


def mmmu_row(i: int) -> Row:
    return {
        "options": ["['Baroque', 'Rococo', 'Cubism']", "[]", "['1/2', '$x^2$']"][i],
        "answer": ["B", "12.5", "A"][i],
        "question_type": ["multiple-choice", "open", "multiple-choice"][i],
        "image_2": None if i != 1 else png(99),
        **{f"image_{k}": None for k in range(3, 8)},
    }


def esb_row(i: int) -> Row:
    return {"text": ["he hoped there would be stew", "stuff it into you", "after early nightfall"][i]}


ROWS: dict[str, Callable[[int], Row]] = {
    "vqav2": lambda i: {
        "answers": [
            {"answer": a, "answer_confidence": "yes", "answer_id": k + 1}
            for k, a in enumerate(VQA_ANSWERS[i])
        ],
        "answer_type": ["number", "other", "yes/no"][i],
    },
    "textvqa": lambda i: {"answers": VQA_ANSWERS[i]},
    "vizwiz-vqa": lambda i: {"answers": VQA_ANSWERS[i]},
    "chartqa": lambda i: {"label": [str(10 + i)]},
    "cv-bench": lambda i: {
        "choices": ["left", "right"] if i != 1 else ["1", "2", "3"],
        "answer": ["(A)", "(C)", "(B)"][i],
        "source": ["ADE20K", "COCO", "Omni3D"][i],
    },
    "pope": lambda i: {
        "answer": ["yes", "no", "yes"][i],
        "category": ["adversarial", "adversarial", "random"][i],
    },
    "mme": lambda i: {
        "answer": ["Yes", "No", "Yes"][i],
        "category": ["existence", "existence", "code_reasoning"][i],
        "question_id": ["existence/1.png", "existence/1.png", "code_reasoning/7.png"][i],
    },
    "mmbench-en": mmbench_row,
    "mmbench-cn": mmbench_row,
    "mmbench-cc": mmbench_row,
    "seed-bench": lambda i: {
        "answer": LETTER[i],
        "data_type": "image",
        "image": [png(i)] if i != 2 else [png(i), png(i + 50)],  # video questions hold frames
    },
    "mmstar": lambda i: {
        "question": f"What is shown in {i}?\nOptions: A: cat, B: dog, C: bird",
        "answer": LETTER[i],
    },
    "ai2d": lambda i: {"options": ["sun", "moon", "star"], "answer": str(i)},
    "scienceqa-img": lambda i: {
        "choices": ["sun", "moon", "star"],
        "answer": i,
        "hint": ["", "A context.", ""][i],
    },
    "ocrbench": lambda i: {
        "answer": [["STOP"], ["Coca-Cola", "coca cola"], ["x^2+1"]][i],
        "dataset": ["IIIT5K", "docVQA", "HME100k"][i],
        "question_type": [
            "Regular Text Recognition",
            "Doc-oriented VQA",
            "Handwritten Mathematical Expression Recognition",
        ][i],
    },
    "realworldqa": lambda i: {"answer": ["A", "3", "yes"][i]},
    "hallusionbench": lambda i: {"gt_answer": ["1", "0", "1"][i]},
    "mmmu": mmmu_row,
    "mmmu-pro-standard": lambda i: {
        "options": "['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']",
        "answer": ["A", "J", "E"][i],
        **{f"image_{k}": None for k in range(2, 8)},
    },
    "mmmu-pro-vision": lambda i: {"options": "['a', 'b', 'c', 'd']", "answer": LETTER[i]},
    "countbenchqa": lambda i: {"number": i + 2},
    # Video benchmarks name their videos; the files are made in `video_files` below.
    **{
        name: lambda i: {
            "videoID": f"clip{i}",
            "options": ["A. a cat", "B. a dog", "C. a bird", "D. a fish"],
            "answer": LETTER[i],
            "duration": ["short", "medium", "long"][i],
        }
        for name in ("video-mme", "video-mme-audio")
    },
    "mvbench-action-sequence": lambda i: {
        "video": f"clip{i}.mp4",
        "candidates": ["Sat on the bed.", "Opened the door.", "Took the cup."],
        "answer": ["Sat on the bed.", "Opened the door.", "Took the cup."][i],
    },
    "nextqa-mc": lambda i: {"video": i, "answer": i, "type": ["CW", "TN", "DC"][i]},
    **{name: blink_row for name in NAMES if name.startswith("blink-")},
    **{
        name: esb_row
        for name in ("voxpopuli", "tedlium", "ami", "earnings22", "gigaspeech", "spgispeech", "common-voice")
    },
}
# The column whose text must appear in the prompt (None: the prompt has no question).
QUESTION = {"chartqa": "query", "librispeech-test-clean": None, "librispeech-test-other": None}
QUESTION |= {name: "prompt" for name in NAMES if name.startswith("blink-")}
QUESTION |= dict.fromkeys(
    ("voxpopuli", "tedlium", "ami", "earnings22", "gigaspeech", "spgispeech", "common-voice")
)
QUESTION |= {"mmmu-pro-vision": None}


def fixture_rows(name: str, spec: TaskSpec) -> list[Row]:
    assert spec.provenance is not None
    rows = []
    for i in range(3):
        row = {c: made_up(t, c, i) for c, t in spec.provenance.features.items()}
        row.update(ROWS.get(name, lambda i: {})(i))
        rows.append(row)
    return rows


def save_lookalike(features: dict[str, Any], rows: list[Row], folder: Path) -> None:
    """Save rows with the declared features; media go in as arrow structs and are cast to
    Image()/Audio() (encoding Audio examples would need torchcodec; casting does not)."""
    wanted = datasets.Features({c: feature(t) for c, t in features.items()})
    struct = {"bytes": datasets.Value("binary"), "path": datasets.Value("string")}

    def raw(f: Any) -> Any:
        if isinstance(f, datasets.Image | datasets.Audio):
            return struct
        if isinstance(f, datasets.List):
            return datasets.List(raw(f.feature))
        return f

    def wrap(value: Any, f: Any) -> Any:
        if value is None:
            return None
        if isinstance(f, datasets.Image | datasets.Audio):
            return {"bytes": value, "path": "media"}
        if isinstance(f, datasets.List):
            return [wrap(v, f.feature) for v in value]
        return value

    columns = {c: [wrap(r[c], wanted[c]) for r in rows] for c in wanted}
    dataset = datasets.Dataset.from_dict(
        columns, features=datasets.Features({c: raw(f) for c, f in wanted.items()})
    )
    dataset = dataset.cast(wanted)
    assert dataset.features == wanted
    dataset.save_to_disk(str(folder))


def offline_copy(name: str, data: Path, out: Path) -> Path:
    """The task file with its hub source swapped for the saved folder; the mapping is untouched
    (a scorer that does not exist yet is replaced by exact_match, to check the mapping only)."""
    raw = yaml.safe_load((TASKS / "hub" / f"{name}.yaml").read_text())
    raw["dataset"] = {
        "source": "hf_disk",
        "path": str(data),
        **{k: v for k, v in raw["dataset"].items() if k not in _HUB_KEYS},
    }
    names = [s if isinstance(s, str) else s["name"] for s in raw.get("scorers") or []]
    if scorers_available(names):
        raw["scorers"] = ["exact_match"]
        raw.pop("aggregate", None)
    TaskSpec.model_validate(raw)
    out.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True))
    return out


# --- the files themselves ---------------------------------------------------------------------


def test_there_are_forty_hub_tasks_each_with_a_lookalike() -> None:
    assert len(HUB_FILES) >= 40
    runnable = [n for n in NAMES if not scorers_available([s.name for s in spec_of(n).scorers or []])]
    assert len(runnable) >= 40, f"only {len(runnable)} hub tasks can run offline"


@pytest.mark.parametrize("name", NAMES)
def test_every_hub_file_is_pinned_with_a_complete_provenance(name: str) -> None:
    spec = spec_of(name)
    source, provenance = spec.dataset, spec.provenance
    assert isinstance(source, HubSource) and "/" in source.hub_id
    assert provenance is not None, "a hub task needs a provenance block"
    assert re.fullmatch(r"[0-9a-f]{40}", source.revision or "")
    assert source.revision == provenance.revision and source.hub_id == provenance.hub_id
    assert provenance.rows[source.split] >= 1
    for text in (
        provenance.revision_confirmed,
        provenance.rows_confirmed,
        provenance.official_scoring,
        provenance.our_scoring,
    ):
        assert len(text.split()) >= 4
    # Every column the mapping names is one the card declares.
    named = [source.id, source.target, source.choices, *source.images, *source.audio, *source.fields.values()]
    named += [*source.metadata, *(c for cs in source.gather.values() for c in cs)]
    if source.join is not None:
        named.append(source.join.by)
    for path in filter(None, named):
        top = re.split(r"[.\[]", path)[0]
        assert top in provenance.features or top in source.gather or top in {"circular_id", "rotation"}, (
            name,
            path,
        )


@pytest.mark.parametrize("name", NAMES)
def test_validate_checks_the_structure_without_network(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """check_task (what `run-eval validate` runs) reads the declared columns, never the hub."""
    monkeypatch.setattr(datasets, "load_dataset", lambda *a, **k: pytest.fail("validate touched the hub"))
    if scorers_available([s.name for s in spec_of(name).scorers or []]):
        pytest.skip(f"{name}: its scorer is not written yet")
    check_task(load_task(TASKS / "hub" / f"{name}.yaml"))


# --- the mapping on look-alike data -----------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def video_files(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The files the video benchmarks' rows name (clip0.mp4…, 0.mp4…), in the folder their
    `media_files.root` variable points at: real short clips, decoded by the runner."""
    folder = tmp_path_factory.mktemp("videos")
    try:
        from evals.generators.video_encode import encode_mp4
    except ImportError:  # pragma: no cover
        yield folder
        return
    for i in range(3):
        frames = [Image.new("RGB", (32, 24), (40 * i, 9 * k, 90)) for k in range(8)]
        clip = encode_mp4(frames, 4, (32, 24))
        (folder / f"clip{i}.mp4").write_bytes(clip)
        (folder / f"{i}.mp4").write_bytes(clip)
    with pytest.MonkeyPatch.context() as patch:
        for variable in ("VIDEO_MME_DIR", "MVBENCH_VIDEO_DIR", "NEXTQA_VIDEO_DIR"):
            patch.setenv(variable, str(folder))
        yield folder


@pytest.fixture(scope="module")
def offline_tasks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, list[Row]]]:
    folder = tmp_path_factory.mktemp("hub")
    tasks = {}
    for name in NAMES:
        spec = spec_of(name)
        assert spec.provenance is not None
        rows = fixture_rows(name, spec)
        save_lookalike(spec.provenance.features, rows, folder / f"{name}-data")
        tasks[name] = (offline_copy(name, folder / f"{name}-data", folder / f"{name}.yaml"), rows)
    return tasks


def expected_targets(spec: TaskSpec, row: Row) -> list[str]:
    value = get_path(row, spec.dataset.target or "")
    values = value if isinstance(value, list) else [value]
    texts = [str(v) for v in values]
    return [spec.dataset.target_map.get(t, t) for t in texts]


def expected_media(spec: TaskSpec, prompt_media: dict[str, str], row: Row) -> int:
    count = 0
    for name in prompt_media:
        if name in spec.dataset.gather:
            count += sum(1 for c in spec.dataset.gather[name] if row.get(c) is not None)
        else:
            value = row[name]
            count += len(value) if isinstance(value, list) else 1
    return count


@pytest.mark.parametrize("name", NAMES)
def test_mapping_yields_the_prompt_fields(
    name: str, offline_tasks: dict[str, tuple[Path, list[Row]]]
) -> None:
    path, rows = offline_tasks[name]
    task = load_task(path)
    check_task(task)
    spec = spec_of(name)
    samples = list(task.samples())
    rotations = {r["circular_id"] for s in samples if (r := s.metadata).get("circular_id")}
    assert len({s.id for s in samples}) == len(samples) >= 3
    _, media = PromptBuilder.variables(task.prompt)
    question = QUESTION.get(name, "question")
    bases = list(dict.fromkeys(s.metadata.get("circular_id", s.id) for s in samples))
    assert len(bases) == 3, "one question per look-alike row"
    for sample in samples:
        row = rows[bases.index(sample.metadata.get("circular_id", sample.id))]
        request = task.builder.build(sample)
        if question:
            assert str(row[question]).split("\n")[0] in request.prompt_text(), (name, question)
        parts = request.media_parts()
        assert len(parts) == expected_media(spec, media, row) >= 1
        kinds = {"audio"} if spec.dataset.audio else {"video"} if spec.dataset.video else {"image"}
        assert {p.kind for p in parts} == kinds
        if "@rot=" not in sample.id or sample.id.endswith("@rot=0"):
            assert sample.targets == expected_targets(spec, row)
        if name != "mmmu-pro-vision":  # its options are drawn inside the image
            for option in sample.choices or []:
                assert option in request.prompt_text()
        for breakdown in spec.breakdowns:
            assert sample.metadata[breakdown] is not None
    if spec.dataset.circular:
        assert rotations and len(samples) > 3


# --- the oracle through the real runner -------------------------------------------------------


@pytest.fixture(scope="module")
def oracle_run(
    offline_tasks: dict[str, tuple[Path, list[Row]]], tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    runnable = [name for name in NAMES if _offline(name)]
    config = RunConfig.model_validate(
        {
            "name": "hub",
            "tasks": [str(offline_tasks[n][0]) for n in runnable],
            "backends": [{"name": "oracle", "type": "oracle"}],
        }
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("evals.finalize.write_reports", lambda *args, **kwargs: None)
        outcome = start_run(
            config, ROOT, RunOptions(reports=tmp_path_factory.mktemp("reports"), use_cache=False, quiet=True)
        )
    records, _ = read_journal(outcome.rundir.journal)
    return outcome.summary.model_dump(), [r.model_dump(mode="json") for r in records]


def _offline(name: str) -> bool:
    """Whether the task's scorers all run offline (none calls a judge backend)."""
    names = [s.name for s in spec_of(name).scorers or []]
    if scorers_available(names):
        return False
    return not any(build_scorer(s.name, s.options).calls() for s in spec_of(name).scorers or [])


def _cell(summary: dict[str, Any], task: str) -> dict[str, Any]:
    return next(c for c in summary["cells"] if c["task"] == task and c["backend"] == "oracle")


@pytest.mark.parametrize("name", NAMES)
def test_oracle_is_perfect_through_the_mapping(
    name: str, oracle_run: tuple[dict[str, Any], list[dict[str, Any]]]
) -> None:
    if not _offline(name):
        pytest.skip(f"{name}: its scorer needs a judge backend (the mapping is checked above)")
    entry = _cell(oracle_run[0], name)
    assert entry["n_scored"] >= 3 and entry["n_errors"] == 0
    for metric_name, metric in entry["metrics"].items():
        if metric["aggregation"] == "benchmark":
            continue  # the benchmark's own scale (MME's points, OCRBench's count): checked below
        best = 1.0 if metric["higher_is_better"] else 0.0
        assert metric["value"] == pytest.approx(best), f"{metric_name} = {metric['value']}"


@pytest.mark.parametrize("name", [n for n in NAMES if spec_of(n).aggregate is not None])
def test_the_declared_aggregate_reads_the_journal(
    name: str, oracle_run: tuple[dict[str, Any], list[dict[str, Any]]]
) -> None:
    """The aggregate's fields reach the journal; with perfect answers its headline is the best
    possible (or NaN with a note when the three rows miss a group the formula needs)."""
    aggregate = spec_of(name).aggregate
    assert aggregate is not None
    rows = []
    for record in oracle_run[1]:
        if record["task"] == name:
            # Labels are in the details of the scorer that produced them (journal: details[scorer]).
            labels = next((d for d in record["details"].values() if "reference_label" in d), {})
            rows.append(
                ScoredRow(
                    record["sample_id"],
                    record["metadata"],
                    record["scores"],
                    labels.get("reference_label"),
                    labels.get("predicted_label"),
                )
            )
    score = benchmark_score(aggregate, rows)
    if math.isnan(score.value):
        assert score.note
    elif aggregate.kind == "acc_plus":
        pytest.fail("the fixture does not cover every MME subtask; the headline must be NaN")
    elif aggregate.kind == "capped_sum":
        assert score.value == len(rows)
    else:
        assert score.value == pytest.approx(1.0)
    # The summary carries the same headline, first among the cell's metrics.
    cell = _cell(oracle_run[0], name)
    assert cell["benchmark"]["kind"] == aggregate.kind and next(iter(cell["metrics"])) == "benchmark"
    if math.isnan(score.value):
        assert cell["benchmark"]["value"] is None and cell["benchmark"]["note"]
    else:
        assert cell["benchmark"]["value"] == pytest.approx(score.value)
        assert cell["metrics"]["benchmark"]["value"] == pytest.approx(score.value)
