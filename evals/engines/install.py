"""What each engine needs installed, checked before a run, with the command that installs it."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
import shutil
import subprocess

from evals.errors import InputError

PIP_LOCAL = "pip install 'multimodal-evals[local]'"
_VERSION = re.compile(r"\d+(\.\d+)+")


def require_module(backend: str, module: str, install: str = PIP_LOCAL) -> None:
    """Refuse the run when a Python package is missing, naming the command that installs it."""
    if importlib.util.find_spec(module) is None:
        raise InputError(
            f"backend {backend!r} needs the Python module {module!r}, which is not installed",
            field=f"backends.{backend}",
            fix=install,
        )


def require_binary(backend: str, command: str, install: str) -> str:
    """The full path of an executable (a name on PATH or a path), or refuse the run."""
    found = shutil.which(command)
    if found is None:
        where = "at that path" if os.sep in command else "on PATH"
        raise InputError(
            f"backend {backend!r} needs the program {command!r}, which is not installed {where}",
            field=f"backends.{backend}",
            fix=install,
        )
    return found


def package_version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def program_version(*argv: str) -> str | None:
    """The version number a program prints for its version flag (the first `N.N…` of its first
    line, e.g. "5.3.0" from "tesseract 5.3.0"), or None when it does not run."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = (done.stdout or done.stderr).strip().splitlines()
    if not lines:
        return None
    number = _VERSION.search(lines[0])
    return number.group(0) if number else lines[0].strip()
