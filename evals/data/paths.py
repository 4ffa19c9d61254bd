"""Media paths in a dataset are relative to its file and may not leave its folder."""

from __future__ import annotations

from pathlib import Path, PurePosixPath, PureWindowsPath

from evals.errors import MediaError


def resolve_inside(root: Path, relative: str) -> Path:
    """Resolve `relative` under `root`; refuse absolute paths, `..` escapes and symlink escapes."""
    if not relative or "\x00" in relative:
        raise MediaError(f"empty or invalid media path {relative!r}")
    if PurePosixPath(relative).is_absolute() or PureWindowsPath(relative).is_absolute():
        raise MediaError(f"media path {relative!r} is absolute; give it relative to the dataset's folder")
    base = root.resolve()
    target = (base / relative).resolve()
    if not target.is_relative_to(base):
        raise MediaError(f"media path {relative!r} leaves the dataset's folder {base}")
    return target
