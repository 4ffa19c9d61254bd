"""Media paths in a dataset are relative to its file and may not leave its folder."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path, PurePosixPath, PureWindowsPath

from evals.errors import MediaError


def resolve_inside(root: Path, relative: str) -> Path:
    """Resolve `relative` under `root`; refuse absolute paths, `..` escapes and symlink escapes.

    Folders are resolved once (cached: a dataset has few and thousands of files); each file
    costs one `lstat`, and a file that is itself a symlink is followed to where it points.
    """
    if not relative or "\x00" in relative:
        raise MediaError(f"empty or invalid media path {relative!r}")
    if PurePosixPath(relative).is_absolute() or PureWindowsPath(relative).is_absolute():
        raise MediaError(f"media path {relative!r} is absolute; give it relative to the dataset's folder")
    base = _real(str(root))
    folder, name = os.path.split(os.path.join(base, relative))
    target = os.path.join(_real(folder), name)
    if os.path.islink(target):
        target = os.path.realpath(target)
    if not _inside(target, base) or name in ("", ".", ".."):
        raise MediaError(f"media path {relative!r} leaves the dataset's folder {base}")
    return Path(target)


def _inside(path: str, folder: str) -> bool:
    return path.startswith(folder.rstrip(os.sep) + os.sep)


@lru_cache(maxsize=4096)
def _real(folder: str) -> str:
    return os.path.realpath(folder)
