"""Media previews: from the run's stored copy (media held only in memory, such as a seeded
generator's, are stored at journal time), else from the file when it is unchanged; never from
anything whose hash differs from what was sent, and never by reading a task's dataset again."""

from __future__ import annotations

import base64
import hashlib
import io
from pathlib import Path

from PIL import Image

from evals.config import RunConfig
from evals.report.media import Budget, MediaLookup, image_thumbnail, preview
from evals.rundata import MediaRef
from evals.rundir import RunDir
from evals.session import RunOptions, start_run

TASK = (
    "name: swatches\nkind: custom\n"
    "dataset: {source: generator, name: 'report_fakes:Swatches', n: 6, id: id, images: [image]}\n"
    "prompt: {parts: [{image: image}, {text: 'Which colour?'}]}\n"
    "scorers: [exact_match]\n"
)


def _run(tmp_path: Path) -> Path:
    task = tmp_path / "swatches.yaml"
    task.write_text(TASK)
    config = RunConfig.model_validate(
        {"name": "gen", "tasks": [str(task)], "backends": [{"name": "majority", "type": "majority"}]}
    )
    options = RunOptions(out=tmp_path / "run", use_cache=False, quiet=True)
    return start_run(config, tmp_path, options).rundir.path


def test_generated_media_are_previewed_from_the_runs_stored_copy(tmp_path: Path) -> None:
    run_dir = _run(tmp_path)
    journal = (run_dir / "samples.jsonl").read_text()
    assert '"path":null' in journal  # generated media have no file behind them
    distinct = {ref.sha256 for record in RunDir(run_dir).records() for ref in record.inputs}
    assert (
        '"stored":"media/' in journal and len(list((run_dir / "media").glob("*.png"))) == len(distinct) == 3
    )
    (tmp_path / "swatches.yaml").unlink()  # the report never needs the task or its dataset
    html = (run_dir / "report.html").read_text()
    start = html.index('<img src="data:image/png;base64,', html.index('class="sample"')) + len('<img src="')
    uri = html[start : html.index('"', start)]
    thumbnail = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    assert thumbnail.size == (240, 160)  # 300×200 rendered, then shrunk to fit 240 px
    assert thumbnail.convert("RGB").getpixel((10, 10)) in {(255, 0, 0), (0, 128, 0), (0, 0, 255)}


def test_a_stored_copy_whose_bytes_changed_is_not_shown(tmp_path: Path) -> None:
    run_dir = _run(tmp_path)
    record = RunDir(run_dir).records()[0]
    ref = record.inputs[0]
    lookup = MediaLookup(RunDir(run_dir).media)
    good = lookup.read(ref)
    assert good is not None and hashlib.sha256(good).hexdigest() == ref.sha256
    stored = run_dir / str(ref.stored)
    stored.write_bytes(b"tampered")
    assert lookup.read(ref) is None


def test_a_file_whose_bytes_changed_is_not_shown(tmp_path: Path) -> None:
    image = tmp_path / "a.png"
    Image.new("RGB", (10, 10), "red").save(image)
    lookup = MediaLookup(None)
    ref = MediaRef(kind="image", path=str(image), sha256="f" * 64)
    assert lookup.read(ref) is None
    ref.sha256 = hashlib.sha256(image.read_bytes()).hexdigest()
    assert lookup.read(ref) == image.read_bytes()


def test_previews_of_bad_or_odd_media() -> None:
    assert image_thumbnail(b"not an image") is None
    budget = Budget(10_000_000)
    assert preview("image", b"junk", budget).caption == "image (no preview: cannot decode)"
    assert preview("audio", b"junk", budget).caption == "audio (no preview: cannot decode)"
    assert preview("video", b"....", budget).caption == "video (no preview)"
    out = io.BytesIO()
    Image.new("RGBA", (1000, 400), (0, 0, 255, 128)).save(out, "PNG")
    thumb = image_thumbnail(out.getvalue())
    assert thumb is not None and Image.open(io.BytesIO(thumb)).size == (240, 96)
