"""What the user sees when the tool itself fails: one line and a crash log, never a traceback.

An internal crash (a bug, or a case nobody foresaw) exits with its own code, `EXIT_CRASH`, so
CI can tell it from a model whose error rate is too high (1) or a bad input (2). The traceback
goes to a file, scrubbed of keys like everything else the tool writes; the line names that file.
Failures of the machine rather than the input (a full disk, a folder that cannot be written, a
path that is a file) are one line with the path and the fix, exit 2.
"""

from __future__ import annotations

import datetime
import errno
import os
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path

from evals.secrets import scrub

EXIT_CRASH = 4  # an internal error (3 is `gate --strict`'s "inconclusive")


def crash_dir() -> Path:
    """Where crash logs go: $EVALS_CRASH_DIR, else the user's cache folder."""
    env = os.environ.get("EVALS_CRASH_DIR")
    if env:
        return Path(env)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("multimodal-evals")) / "crashes"


def write_crash_log(exc: BaseException, argv: Sequence[str]) -> Path | None:
    """The traceback, the command and the versions in a new file; None if nothing can be written."""
    from evals.version import __version__

    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S")
    text = "".join(
        [
            f"run-eval {__version__} crashed at {stamp} UTC (python {sys.version.split()[0]})\n",
            f"command: run-eval {' '.join(argv)}\n\n",
            *traceback.format_exception(exc),
        ]
    )
    data = scrub(text).encode("utf-8", "backslashreplace")
    for folder in (crash_dir(), Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f"crash-{stamp}-", suffix=".log", dir=folder)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            return Path(name)
        except OSError:
            continue
    return None


def crash_line(exc: BaseException, log: Path | None) -> str:
    """One line: what failed, where the details are, and what to do."""
    what = " ".join(scrub(str(exc)).split())[:300] or "(no message)"
    where = f"the traceback is in {log}" if log else "no crash log could be written"
    return (
        f"internal error: {type(exc).__name__}: {what} — {where} "
        f"(fix: a bug in run-eval: report it with that file; a run continues with --resume RUN_DIR)"
    )


_ENVIRONMENT = {
    errno.ENOSPC: ("no space left on the device", "free some space, then continue with --resume RUN_DIR"),
    errno.EDQUOT: ("disk quota exceeded", "free some space, then continue with --resume RUN_DIR"),
    errno.EACCES: ("permission denied", "choose a folder you can write, or fix its permissions"),
    errno.EPERM: ("operation not permitted", "choose a folder you can write, or fix its permissions"),
    errno.EROFS: ("read-only file system", "choose a writable folder"),
    errno.ENOTDIR: ("a file is in the way where a folder is needed", "give a folder, not a file"),
    errno.EEXIST: ("a file is in the way where a folder is needed", "give a folder, not a file"),
    errno.EISDIR: ("is a folder where a file is needed", "give a file, not a folder"),
    errno.ENAMETOOLONG: ("the path is too long", "choose a shorter path"),
    errno.EMFILE: ("too many open files", "raise the limit (ulimit -n) or lower --concurrency"),
}


def environment_line(exc: OSError) -> str | None:
    """One line for an OSError the user can fix (full disk, unwritable folder…), else None."""
    found = _ENVIRONMENT.get(exc.errno or -1)
    if found is None:
        return None
    what, fix = found
    path = exc.filename if exc.filename is not None else None
    where = f"{path}: " if path else ""
    return scrub(f"{where}{what} (fix: {fix})")
