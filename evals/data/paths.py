"""Media paths in a dataset are relative to its file and may not leave its folder."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path, PurePosixPath, PureWindowsPath

from evals.errors import MediaError


def resolve_inside(root: Path, relative: str) -> Path:
    """Resolve `relative` under `root`; refuse absolute paths, `..` escapes and symlink escapes."""
    if not relative or "\x00" in relative:
        raise MediaError(f"empty or invalid media path {relative!r}")
    if PurePosixPath(relative).is_absolute() or PureWindowsPath(relative).is_absolute():
        raise MediaError(f"media path {relative!r} is absolute; give it relative to the dataset's folder")
    base = _real(str(root))
    target = os.path.realpath(os.path.join(base, relative))
    if os.path.commonpath((base, target)) != base:
        raise MediaError(f"media path {relative!r} leaves the dataset's folder {base}")
    return Path(target)


@lru_cache(maxsize=64)
def _real(folder: str) -> str:
    return os.path.realpath(folder)
