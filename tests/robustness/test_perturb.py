"""Perturbations: byte-identical for the same seed, stronger with severity, measured where a
parameter can be measured (SNR, JPEG quality), expanded into `ID@NAME=LEVEL` samples, recorded
in the journal, and served from the cache on a re-run."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile
from backend_support import run_config, write_task
from PIL import Image

from evals.cli.main import main
from evals.errors import InputError
from evals.perturb import expand, parse_cli, perturb_bytes
from evals.perturb.audio import AUDIO_LEVELS, mix_at_snr, mu_law
from evals.perturb.image import IMAGE_LEVELS
from evals.perturb.video import VIDEO_LEVELS
from evals.session import RunOptions, start_run
from evals.task.loader import load_task
from evals.testing.fake_provider import FakeProvider

ROOT = Path(__file__).resolve().parents[2]
LINE = (ROOT / "datasets/ocr-lines/images/line-0003.png").read_bytes()
CLIP = (ROOT / "datasets/speech/audio/utt-0004.flac").read_bytes()


def _pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("L"), dtype=np.float64)


def _audio(data: bytes) -> np.ndarray:
    samples, _ = soundfile.read(io.BytesIO(data), dtype="float64")
    return np.asarray(samples)


@pytest.mark.parametrize("name", list(IMAGE_LEVELS))
def test_image_perturbation_is_byte_identical_for_a_seed_and_changes_the_image(name: str) -> None:
    outputs = [perturb_bytes(LINE, name, level, seed=7) for level in range(1, 6)]
    assert outputs == [perturb_bytes(LINE, name, level, seed=7) for level in range(1, 6)]
    assert len(set(outputs)) == 5  # every level differs from the others
    assert perturb_bytes(LINE, name, 0, seed=7) == LINE  # level 0 is the clean input
    for data in outputs:  # lossless, except the JPEG corruption, which is sent as its JPEG file
        assert Image.open(io.BytesIO(data)).format == ("JPEG" if name == "jpeg" else "PNG")


@pytest.mark.parametrize(
    "name", ["blur", "gaussian_noise", "salt_pepper", "jpeg", "contrast", "occlusion", "moire"]
)
def test_image_damage_grows_with_severity(name: str) -> None:
    clean = _pixels(LINE)
    damage = [
        np.abs(_pixels(perturb_bytes(LINE, name, level, seed=1)) - clean).mean() for level in range(1, 6)
    ]
    assert damage == sorted(damage) and damage[0] > 0


@pytest.mark.parametrize("name", list(AUDIO_LEVELS))
def test_audio_perturbation_is_byte_identical_for_a_seed(name: str) -> None:
    first = perturb_bytes(CLIP, name, 3, seed=11)
    assert first == perturb_bytes(CLIP, name, 3, seed=11)
    assert first != perturb_bytes(CLIP, name, 4, seed=11)
    assert perturb_bytes(CLIP, name, 0, seed=11) == CLIP
    assert first[:4] == b"RIFF" and _audio(first).size > 0


@pytest.mark.parametrize("level", [1, 3, 5])
def test_white_noise_lands_at_the_levels_snr(level: int) -> None:
    clean = _audio(CLIP)
    clean = clean / np.max(np.abs(clean)) * 0.05  # quiet enough that the mixture never peaks over 1
    target = AUDIO_LEVELS["noise"][1][level - 1]
    mixed = mix_at_snr(clean, np.random.default_rng(0).standard_normal(clean.size), target)
    snr = 10 * np.log10(np.mean(clean**2) / np.mean((mixed - clean) ** 2))
    assert snr == pytest.approx(target, abs=1e-6)


def test_mu_law_round_trip_keeps_speech_close_and_quantised() -> None:
    ramp = np.linspace(-1, 1, 10_001)
    coded = mu_law(ramp)
    assert np.max(np.abs(coded - ramp)) < 0.025  # 8-bit mu-law: coarse steps near full scale
    quiet = np.abs(ramp) < 0.01
    assert np.max(np.abs(coded - ramp)[quiet]) < 0.001  # and fine ones near silence
    assert np.unique(coded).size <= 256


def test_jpeg_level_is_the_quality_imagenet_c_uses() -> None:
    image = Image.open(io.BytesIO(LINE)).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=15)
    expected = np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("L"), dtype=np.float64)
    assert np.array_equal(_pixels(perturb_bytes(LINE, "jpeg", 3, seed=0)), expected)


def test_cli_levels_parse_and_bad_ones_are_one_line_errors() -> None:
    assert parse_cli(["blur=0..5", "noise=2", "jpeg=0,3"]) == {
        "blur": [0, 1, 2, 3, 4, 5],
        "noise": [2],
        "jpeg": [0, 3],
    }
    for bad in (["blur"], ["blurr=1"], ["blur=7"], ["blur=a"]):
        with pytest.raises(InputError) as caught:
            parse_cli(bad)
        assert caught.value.field == "--perturb" and "\n" not in str(caught.value)


def test_task_perturb_expands_samples_with_ids_and_metadata(tmp_path: Path) -> None:
    task_path = write_task(tmp_path, 2)
    task_path.write_text(task_path.read_text() + "perturb: {blur: 0..2, jpeg: [4]}\n")
    task = load_task(task_path)
    samples = list(task.samples())
    assert [s.id for s in samples] == [
        "s00@blur=0", "s00@blur=1", "s00@blur=2", "s00@jpeg=4",
        "s01@blur=0", "s01@blur=1", "s01@blur=2", "s01@jpeg=4",
    ]  # fmt: skip
    assert task.count() == 8
    assert samples[1].metadata == {"perturb": "blur", "severity": 1, "perturb_of": "s00"}
    clean = (tmp_path / "data/img0.png").read_bytes()
    assert samples[0].fields["image"].data == clean
    assert samples[1].fields["image"].data == perturb_bytes(clean, "blur", 1, _seed(samples[1]))


def _seed(sample: object) -> int:
    from evals.stats import seed_for

    return seed_for("perturb", "s00", "blur", 1, "image")


def test_a_perturbation_of_media_the_task_lacks_is_refused(tmp_path: Path) -> None:
    task_path = write_task(tmp_path, 2)
    task_path.write_text(task_path.read_text() + "perturb: {babble: 1}\n")
    with pytest.raises(InputError) as caught:
        load_task(task_path)
    assert caught.value.field == "perturb" and "audio" in caught.value.message


def test_sweep_is_journaled_and_a_rerun_is_served_from_the_cache(fake: FakeProvider, tmp_path: Path) -> None:
    task = write_task(tmp_path, 3)
    backend = {"name": "gpt", "type": "openai", "model": "gpt-4o", "base_url": fake.openai_url}
    config = run_config(task, backend, perturb={"blur": "0..2"})
    cache = tmp_path / "cache"
    first = start_run(config, tmp_path, RunOptions(reports=tmp_path / "a", quiet=True, cache_dir=cache))
    sent = fake.state.requests()
    assert sent == 9
    lines = [json.loads(x) for x in first.rundir.journal.read_text().splitlines()]
    assert sorted(x["sample_id"] for x in lines)[:3] == ["s00@blur=0", "s00@blur=1", "s00@blur=2"]
    assert {(x["metadata"]["perturb"], x["metadata"]["severity"]) for x in lines} == {
        ("blur", i) for i in range(3)
    }
    info = json.loads((first.rundir.path / "run.json").read_text())
    assert info["config"]["perturb"] == {"blur": [0, 1, 2]}
    second = start_run(config, tmp_path, RunOptions(reports=tmp_path / "b", quiet=True, cache_dir=cache))
    assert fake.state.requests() == sent  # nothing asked again: same media bytes, same keys
    again = [json.loads(x) for x in second.rundir.journal.read_text().splitlines()]
    assert all(x["cached"] for x in again) and len(again) == 9


def test_cli_perturb_sweeps_and_a_perturbation_no_task_takes_is_exit_2(
    image_dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    args = ["run", str(image_dataset), "--backends", "oracle", "--limit", "2", "--quiet"]
    assert main([*args, "--out", str(out), "--perturb", "rotation=0..1"]) == 0
    ids = sorted(json.loads(x)["sample_id"] for x in (out / "samples.jsonl").read_text().splitlines())
    assert ids == ["s00@rotation=0", "s00@rotation=1", "s01@rotation=0", "s01@rotation=1"]
    assert main([*args, "--out", str(tmp_path / "r2"), "--perturb", "reverb=1"]) == 2
    err = capsys.readouterr().err
    assert "reverb" in err and "no task" in err and "Traceback" not in err


def test_expand_gives_every_level_media_of_its_own(tmp_path: Path) -> None:
    task = load_task(write_task(tmp_path, 1))
    (tmp_path / "data/img0.png").write_bytes(LINE)  # a picture with edges, which blur changes
    (sample,) = task.samples()
    variants = list(expand(sample, {"blur": [0, 1]}))
    for variant in variants:  # the runner releases media once sent: each level reads on its own
        _ = variant.fields["image"].data
        variant.release_media()
    assert len({v.fields["image"].sha256 for v in variants}) == 2


def test_the_perturbed_store_keeps_each_level_and_serves_a_repeat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = load_task(write_task(tmp_path, 1))
    (tmp_path / "data/img0.png").write_bytes(LINE)
    store = tmp_path / "perturbed"

    def levels() -> list[bytes]:
        (sample,) = task.samples()
        variants = list(expand(sample, {"blur": [0, 2], "jpeg": [1]}))
        assert [v.fields["image"].mime for v in variants] == ["image/png", "image/png", "image/jpeg"]
        return [v.fields["image"].data for v in variants]

    monkeypatch.delenv("EVALS_PERTURB_CACHE", raising=False)
    plain = levels()
    assert not store.exists()  # off unless asked for
    monkeypatch.setenv("EVALS_PERTURB_CACHE", str(store))
    assert levels() == plain  # the same bytes with the store as without
    kept = sorted(p for p in store.rglob("*") if p.is_file())
    assert sorted(p.read_bytes() for p in kept) == sorted(plain[1:])  # one file per perturbed level
    for path in kept:  # a repeat reads the store: proven by what it finds there
        path.write_bytes(b"kept:" + path.read_bytes())
    assert levels() == [plain[0], b"kept:" + plain[1], b"kept:" + plain[2]]


def test_docs_list_every_level_as_the_code_has_it() -> None:
    page = (ROOT / "docs/robustness.md").read_text()
    for name, (what, levels) in {**IMAGE_LEVELS, **AUDIO_LEVELS, **VIDEO_LEVELS}.items():
        row = f"| `{name}` | {what} | " + " | ".join(f"{v:g}" for v in levels) + " |"
        assert row in page, f"docs/robustness.md lacks or misstates {name}: {row}"
