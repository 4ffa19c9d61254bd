"""Media payloads: read lazily, once, and content-hashed on first read."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, Literal

MediaKind = Literal["image", "audio", "video"]
MEDIA_KINDS: tuple[MediaKind, ...] = ("image", "audio", "video")

# Magic numbers of the formats we accept, checked in order.
_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"BM", 0, "image/bmp"),
    (b"II*\x00", 0, "image/tiff"),  # little-endian TIFF
    (b"MM\x00*", 0, "image/tiff"),  # big-endian TIFF
    (b"fLaC", 0, "audio/flac"),
    (b"OggS", 0, "audio/ogg"),
    (b"ID3", 0, "audio/mpeg"),
    (b"\x1a\x45\xdf\xa3", 0, "video/webm"),
    (b"ftyp", 4, "video/mp4"),
)


def sniff_mime(data: bytes) -> str | None:
    """Return the MIME type the bytes declare by their magic number, or None."""
    if data[:4] == b"RIFF" and len(data) >= 12:
        return {b"WAVE": "audio/wav", b"WEBP": "image/webp", b"AVI ": "video/x-msvideo"}.get(data[8:12])
    if len(data) >= 2 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0 and data[1] != 0xFF:
        return "audio/mpeg"
    for magic, offset, mime in _SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            if mime == "video/mp4" and data[8:12] in (b"M4A ", b"M4B "):
                return "audio/mp4"
            return mime
    return None


class Media:
    """One image, audio clip or video: bytes loaded on first use, hashed once.

    The loader is called at most once; `release()` drops the bytes but keeps the hash, so a
    sample that has been sent to every backend stops holding memory.

    A medium backed by a file (`from_file`: a video, which may be hours long) is never read
    whole unless `data` is asked for: its hash streams through the file, and decoders read it
    with `open()`.
    """

    __slots__ = ("_data", "_file", "_loader", "_mime", "_sha256", "kind", "path")

    def __init__(
        self,
        kind: MediaKind,
        loader: Callable[[], bytes],
        *,
        path: str | None = None,
        mime: str | None = None,
    ) -> None:
        self.kind = kind
        self.path = path
        self._loader: Callable[[], bytes] | None = loader
        self._data: bytes | None = None
        self._sha256: str | None = None
        self._mime = mime
        self._file: Callable[[], Path] | None = None

    @classmethod
    def from_file(cls, kind: MediaKind, locate: Callable[[], Path], *, path: str | None = None) -> Media:
        """A medium read from a file only as far as it is needed. `locate` returns the file (and
        raises MediaError when it is missing or not allowed); it is called on each use."""
        media = cls(kind, lambda: locate().read_bytes(), path=path)
        media._file = locate
        return media

    def local_file(self) -> Path | None:
        """The file a file-backed medium reads from (checked on each call), else None."""
        return self._file() if self._file is not None else None

    def open(self) -> BinaryIO:
        """A binary stream of the medium's bytes: the file itself when file-backed."""
        if self._file is not None and self._data is None:
            return self._file().open("rb")
        return io.BytesIO(self.data)

    def size(self) -> int:
        """Bytes, without reading a file-backed medium."""
        if self._file is not None and self._data is None:
            return self._file().stat().st_size
        return len(self.data)

    @classmethod
    def from_path(cls, kind: MediaKind, path: Path) -> Media:
        return cls(kind, path.read_bytes, path=str(path))

    @classmethod
    def from_bytes(cls, kind: MediaKind, data: bytes, *, mime: str | None = None) -> Media:
        media = cls(kind, lambda: data, mime=mime)
        return media

    @property
    def data(self) -> bytes:
        if self._data is None:
            if self._loader is None:
                raise RuntimeError(f"{self.kind} {self.path or ''} was released and cannot be read")
            self._data = self._loader()
            if self._sha256 is None:
                self._sha256 = hashlib.sha256(self._data).hexdigest()
        return self._data

    @property
    def sha256(self) -> str:
        if self._sha256 is None and self._data is None and self._file is not None:
            digest = hashlib.sha256()
            with self._file().open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
            self._sha256 = digest.hexdigest()
        if self._sha256 is None:
            _ = self.data
        assert self._sha256 is not None
        return self._sha256

    @property
    def mime(self) -> str:
        if self._mime is None:
            if self._file is not None and self._data is None:
                with self._file().open("rb") as handle:
                    head = handle.read(64)
            else:
                head = self.data
            self._mime = sniff_mime(head) or "application/octet-stream"
        return self._mime

    def release(self) -> None:
        """Forget the bytes (the hash stays); later reads are an error (a file-backed medium
        holds no bytes and stays readable from its file)."""
        if (self._data is not None or self._sha256 is not None) and self._file is None:
            self._loader = None
        self._data = None

    def describe(self) -> dict[str, str | None]:
        """A small JSON-able reference for the journal: never the bytes."""
        mime = self.mime if self._data is not None else self._mime
        return {"kind": self.kind, "path": self.path, "sha256": self._sha256, "mime": mime}

    def __repr__(self) -> str:
        return f"Media({self.kind}, path={self.path!r}, sha256={(self._sha256 or '?')[:12]})"
