"""One classification of SDK and transport failures into error kinds, for every provider backend.

What the SDKs raise (FACTS.md; checked against openai 3.57, anthropic 2.14, google-genai 3.6):
openai/anthropic raise typed status errors carrying `status_code` and the response (headers
included), `APIConnectionError`/`APITimeoutError` for transport failures; google-genai raises
`errors.ClientError`/`ServerError` carrying `.code`, and lets the HTTP library's own errors
through (httpx2 `RemoteProtocolError`, aiohttp `ServerDisconnectedError`, …). Malformed bodies
surface as `json.JSONDecodeError` or a pydantic `ValidationError`. Classes are matched by name
along the MRO so no SDK has to be imported here.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import math
import time
from collections.abc import Mapping
from typing import Any

from evals.records import ErrorInfo, ErrorKind, Response
from evals.secrets import scrub

RETRYABLE_STATUS = frozenset({408, 409, 429}) | frozenset(range(500, 600))
_BY_STATUS: dict[int, ErrorKind] = {
    400: "bad_request",
    401: "auth",
    403: "permission",
    404: "not_found",
    408: "timeout",
    409: "server",
    413: "bad_request",
    422: "bad_request",
    429: "rate_limit",
}
_TIMEOUT_NAMES = frozenset(
    {
        "APITimeoutError",
        "TimeoutException",
        "ReadTimeout",
        "ConnectTimeout",
        "PoolTimeout",
        "ServerTimeoutError",
    }
)
_CONNECTION_NAMES = frozenset(
    {
        "APIConnectionError",
        "TransportError",
        "NetworkError",
        "ConnectError",
        "ReadError",
        "WriteError",
        "RemoteProtocolError",
        "ProtocolError",
        "ClientConnectionError",
        "ClientConnectorError",
        "ClientOSError",
        "ServerDisconnectedError",
        "ClientPayloadError",
        "ContentLengthError",
        "IncompleteRead",
    }
)
_DISCONNECT_NAMES = frozenset(
    {
        "ServerDisconnectedError",
        "RemoteProtocolError",
        "ClientOSError",
        "ClientConnectorError",
        "ConnectError",
        "ReadError",
        "WriteError",
        "ClientPayloadError",
        "ConnectionResetError",
        "ConnectionRefusedError",
        "ConnectionAbortedError",
        "BrokenPipeError",
        "IncompleteRead",
    }
)
_BAD_BODY_NAMES = frozenset({"JSONDecodeError", "ValidationError", "APIResponseValidationError"})


class BadResponse(Exception):
    """The provider answered 200 with a body that has no usable answer (empty, no candidates)."""


def refused(reason: str, response: Response) -> Response:
    """The model declined or its answer was blocked: an error of kind `refusal` (counted, never
    an empty answer), keeping the usage that was paid for."""
    response.error = ErrorInfo(kind="refusal", message=f"the model refused: {reason}"[:500], retryable=False)
    response.text = ""
    return response


def counted(*values: Any) -> Any:
    """The sum of token counts when all are whole numbers, else the first bad one (for `Usage`
    to flag): arithmetic on what a provider reported must not crash on a string."""
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return sum(values)
    return next(v for v in values if not (isinstance(v, int) and not isinstance(v, bool)))


def _names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def _chain(exc: BaseException, depth: int = 6) -> list[BaseException]:
    """The exception and its causes (explicit or implicit), nearest first."""
    out = [exc]
    while len(out) < depth:
        nxt = out[-1].__cause__ or out[-1].__context__
        if nxt is None or nxt in out:
            break
        out.append(nxt)
    return out


def _status(exc: BaseException) -> int | None:
    for attr in ("status_code", "code", "status"):
        value = getattr(exc, attr, None)
        if isinstance(value, int) and 100 <= value < 600:
            return value
    return None


def _headers(exc: BaseException) -> Mapping[str, str]:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    return headers if isinstance(headers, Mapping) or hasattr(headers, "get") else {}  # type: ignore[return-value]


def parse_retry_after(headers: Mapping[str, str] | Any) -> float | None:
    """Seconds to wait from `retry-after-ms`, then `retry-after` (seconds or an HTTP date)."""
    try:
        millis = headers.get("retry-after-ms")
        if millis is not None:
            value = float(millis) / 1000.0
            return value if math.isfinite(value) and value >= 0 else None
        raw = headers.get("retry-after")
    except (AttributeError, TypeError, ValueError):
        return None
    if raw is None:
        return None
    try:
        value = float(raw)
        return value if math.isfinite(value) and value >= 0 else None
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(str(raw))
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _should_retry_header(headers: Mapping[str, str] | Any) -> bool | None:
    try:
        value = headers.get("x-should-retry")
    except AttributeError:
        return None
    return {"true": True, "false": False}.get(str(value).lower()) if value is not None else None


def _message(exc: BaseException) -> str:
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return scrub(f"{type(exc).__name__}: {text}")[:2000]


def classify(exc: BaseException, *, key_env: str | None = None) -> ErrorInfo:
    """Kind, retryability and wait for any failure a provider backend can meet."""
    names = _names(exc)
    if isinstance(exc, UnsupportedInput):
        return ErrorInfo(kind="unsupported", message=_message(exc), retryable=False)
    status = _status(exc) if names & {"APIStatusError", "APIError", "ClientError", "ServerError"} else None
    if status is not None:
        headers = _headers(exc)
        kind: ErrorKind = _BY_STATUS.get(status, "server" if status >= 500 else "bad_request")
        retryable = status in RETRYABLE_STATUS
        override = _should_retry_header(headers)
        if override is not None:
            retryable = override
        message = _message(exc)
        if status == 401:
            variable = key_env or "the API key variable"
            message = f"authentication failed (401): set {variable} to a valid key. {message}"
        elif status == 403:
            where = key_env or "the environment"
            message = f"permission denied (403): the key in {where} may lack access. {message}"
        elif status == 404:
            message = f"not found (404): check the backend's model name and base_url. {message}"
        elif kind == "bad_request":
            message = (
                f"bad request ({status}): the provider refused this request as sent; check the "
                f"backend's model and options and this sample's inputs. {message}"
            )
        return ErrorInfo(
            kind=kind,
            message=message,
            retryable=retryable,
            status=status,
            retry_after=parse_retry_after(headers) if retryable else None,
        )
    chain = _chain(exc)
    chain_names = set().union(*(_names(e) for e in chain))
    # A disconnect anywhere in the cause chain wins: openai's aiohttp transport reports a
    # dropped connection as httpx ConnectTimeout -> APITimeoutError, caused by
    # aiohttp.ServerDisconnectedError.
    if chain_names & _DISCONNECT_NAMES:
        return ErrorInfo(kind="connection", message=_message(exc), retryable=True)
    if any(isinstance(e, asyncio.TimeoutError | TimeoutError) for e in chain) or chain_names & _TIMEOUT_NAMES:
        return ErrorInfo(kind="timeout", message=_message(exc), retryable=True)
    if chain_names & _CONNECTION_NAMES or isinstance(exc, ConnectionError):
        return ErrorInfo(kind="connection", message=_message(exc), retryable=True)
    if isinstance(exc, BadResponse):
        return ErrorInfo(kind="bad_response", message=_message(exc), retryable=False)
    if isinstance(exc, json.JSONDecodeError) or names & _BAD_BODY_NAMES:
        message = f"the provider's answer could not be parsed (a malformed body). {_message(exc)}"
        return ErrorInfo(kind="bad_response", message=message, retryable=False)
    if isinstance(exc, RuntimeError) and _looks_like_connection(exc):
        # google-genai turns some refused connections into a bare RuntimeError (FACTS.md).
        return ErrorInfo(kind="connection", message=_message(exc), retryable=True)
    if isinstance(exc, OSError):
        return ErrorInfo(kind="connection", message=_message(exc), retryable=True)
    return ErrorInfo(kind="internal", message=_message(exc), retryable=False)


def _looks_like_connection(exc: BaseException) -> bool:
    chained = exc.__cause__ or exc.__context__
    if chained is not None and chained is not exc:
        inner = classify(chained)
        if inner.kind in ("connection", "timeout"):
            return True
    text = str(exc).lower()
    return any(word in text for word in ("connect", "connection", "session is closed", "disconnected"))


class UnsupportedInput(Exception):
    """The request holds something this backend or mode cannot send (e.g. video to OpenAI)."""
