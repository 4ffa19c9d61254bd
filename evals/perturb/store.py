"""A content-addressed store of perturbed media across runs (opt-in: `EVALS_PERTURB_CACHE`).

Perturbing is a pure function of the source's bytes, the perturbation, its level, the seed and
the library versions that draw the pixels, so its output can be kept under a hash of those: a
repeated sweep (a new backend on the same sweep, a resumed run) reads the bytes back instead of
decoding, perturbing and re-encoding every medium again. Off by default, because a sweep of a
large image set at many levels writes a copy of every perturbed medium.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import cache
from pathlib import Path

import numpy as np
import PIL
import scipy
import soundfile

ENV = "EVALS_PERTURB_CACHE"
# Bump when a perturbation or its encoding changes the bytes it gives for the same inputs.
FORMAT = 2


@cache
def _versions() -> str:
    return f"{FORMAT}:{PIL.__version__}:{np.__version__}:{scipy.__version__}:{soundfile.__version__}"


class PerturbedStore:
    """Files named by the hash of what made them, two hex digits per folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def key(self, source_sha256: str, name: str, severity: int, seed: int) -> str:
        text = "\x00".join([_versions(), source_sha256, name, str(severity), str(seed)])
        return hashlib.sha256(text.encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / key

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except OSError:
            return None

    def put(self, key: str, data: bytes) -> None:
        """Written whole or not at all (a temporary file renamed into place); a store that
        cannot be written is skipped, never an error of the run."""
        path = self._path(key)
        temporary: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except OSError:
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)


def store_from_env() -> PerturbedStore | None:
    root = os.environ.get(ENV, "").strip()
    return PerturbedStore(Path(root).expanduser()) if root else None
