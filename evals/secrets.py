"""Keep API keys out of everything the tool writes: they are read from the environment only,
and any text that reaches a file (error messages, raw bodies) is scrubbed of their values."""

from __future__ import annotations

import functools
import os
import re
from typing import Any
from urllib.parse import urlsplit

_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s]+@", re.IGNORECASE)
_SECRET_QUERY = re.compile(
    r"([?&;](?:key|api[_-]?key|token|access[_-]?token|auth|authorization|password|passwd|pwd|secret|"
    r"client[_-]?secret|sig|signature|credentials?)=)[^&#\s]+",
    re.I,
)


def base_url_problem(url: str) -> tuple[str, str] | None:
    """What is wrong with a provider's base_url, and the fix (None: nothing). Never repeats the
    URL: it may hold a key. Credentials (user:password@, ?api-key=, #token) are refused: they
    would be written to run.json and the reports, and the SDKs cannot use them (they append
    their paths after a query string, and send their own key header)."""
    try:
        parts = urlsplit(url)
        credentials = bool(parts.username or parts.password)
        hostname = parts.hostname
    except ValueError:  # a malformed host or port
        return "base_url is not a URL", "write it as http(s)://host[:port]/path"
    key_fix = "put the key in an environment variable (api_key_env: NAME)"
    if credentials:
        return "base_url carries credentials (user:password@host)", f"remove them from the URL and {key_fix}"
    if parts.query or parts.fragment:
        return (
            "base_url has a query string or fragment (not repeated here: it may hold a key)",
            f"remove the query string and fragment from the URL and {key_fix}",
        )
    if parts.scheme not in ("http", "https") or not hostname:
        return "base_url needs http:// or https:// and a host", "write it as http(s)://host[:port]/path"
    return None


def redact(text: str) -> str:
    """Remove credentials embedded in URLs (user:pass@host, ?key=...)."""
    return _SECRET_QUERY.sub(r"\1REDACTED", _URL_CREDENTIALS.sub(r"\g<scheme>REDACTED@", text))


def redact_value(value: Any) -> Any:
    """Scrub every string inside a JSON-like value (see `scrub`)."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_value(v) for v in value]
    return value


_SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL)", re.IGNORECASE)
_MIN_SECRET_LENGTH = 8


# Keys a backend read from the environment: secret whatever their variable is called
# (`api_key_env: LLAMA_AUTH` does not say "key").
_READ_KEYS: set[str] = set()


def remember_secret(value: str) -> None:
    """Treat this value as a secret from now on (a key read through `api_key_env`)."""
    if len(value) >= _MIN_SECRET_LENGTH:
        _READ_KEYS.add(value)


@functools.lru_cache(maxsize=4096)
def _secret_name(name: str) -> bool:
    # Memoised: scrub() reads the environment for every text it writes (thousands a run), and
    # the environment may change between calls, but what a name says does not.
    return _SECRET_NAME.search(name) is not None


def secret_values() -> list[str]:
    """Values of environment variables whose names say they are secrets, and keys backends
    have read, longest first."""
    found = {
        value for name, value in os.environ.items() if len(value) >= _MIN_SECRET_LENGTH and _secret_name(name)
    }
    return sorted(found | _READ_KEYS, key=len, reverse=True)


def scrub(text: str, secrets: list[str] | None = None) -> str:
    """Replace secret values and URL credentials in text that is about to be written."""
    for value in secret_values() if secrets is None else secrets:
        if value in text:
            text = text.replace(value, "[REDACTED]")
    return redact(text)
