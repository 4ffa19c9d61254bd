"""What each real SDK raises for each fault the fake provider serves, and how it classifies."""

from __future__ import annotations

import asyncio

import pytest
from backend_support import make_backend, request, run, text

from evals.backends._errors import classify, parse_retry_after
from evals.records import ErrorInfo
from evals.testing.fake_provider import FakeConfig, FakeProvider

BACKENDS = [("openai", "gpt-4o"), ("anthropic", "claude-3-5-haiku"), ("gemini", "gemini-2.0-flash")]


def failure(fake: FakeProvider, backend_type: str, model: str, fault: str, timeout: float = 5.0) -> ErrorInfo:
    fake.script("*", [fault])
    backend = make_backend(fake, backend_type, model)

    async def call() -> object:
        return await asyncio.wait_for(backend.generate(request(text(f"q [sample:{fault}]"))), timeout)

    with pytest.raises(BaseException) as caught:
        run(backend, call)
    return backend.classify_error(caught.value)


@pytest.mark.parametrize(("backend_type", "model"), BACKENDS)
def test_rate_limit_is_retryable_with_retry_after(fake: FakeProvider, backend_type: str, model: str) -> None:
    info = failure(fake, backend_type, model, "429")
    assert (info.kind, info.retryable, info.status) == ("rate_limit", True, 429)
    assert info.retry_after == pytest.approx(0.05)
    assert fake.state.requests("429") == 1  # the SDK did not retry by itself


@pytest.mark.parametrize(("backend_type", "model"), BACKENDS)
@pytest.mark.parametrize("fault", ["500", "503", "529"])
def test_server_errors_are_retryable(fake: FakeProvider, backend_type: str, model: str, fault: str) -> None:
    info = failure(fake, backend_type, model, fault)
    assert (info.kind, info.retryable, info.status) == ("server", True, int(fault))
    assert fake.state.requests(fault) == 1


@pytest.mark.parametrize(("backend_type", "model"), BACKENDS)
def test_unauthorized_is_final_and_names_the_variable(
    fake: FakeProvider, backend_type: str, model: str
) -> None:
    info = failure(fake, backend_type, model, "401")
    assert (info.kind, info.retryable, info.status) == ("auth", False, 401)
    variable = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY", "gemini": "GEMINI_API_KEY"}
    assert f"set {variable[backend_type]}" in info.message
    assert "test-0123456789" not in info.message


@pytest.mark.parametrize(("backend_type", "model"), BACKENDS)
@pytest.mark.parametrize(
    ("fault", "kind"), [("400", "bad_request"), ("403", "permission"), ("404", "not_found")]
)
def test_client_errors_are_final(
    fake: FakeProvider, backend_type: str, model: str, fault: str, kind: str
) -> None:
    info = failure(fake, backend_type, model, fault)
    assert (info.kind, info.retryable) == (kind, False)


@pytest.mark.parametrize(("backend_type", "model"), BACKENDS)
def test_dropped_connection_is_retryable(fake: FakeProvider, backend_type: str, model: str) -> None:
    info = failure(fake, backend_type, model, "drop")
    assert (info.kind, info.retryable) == ("connection", True)
    assert fake.state.requests("drop") == 1  # no hidden SDK retry


@pytest.mark.parametrize(("backend_type", "model"), BACKENDS)
@pytest.mark.parametrize("fault", ["malformed", "empty"])
def test_bad_bodies_are_final(fake: FakeProvider, backend_type: str, model: str, fault: str) -> None:
    info = failure(fake, backend_type, model, fault)
    assert (info.kind, info.retryable) == ("bad_response", False), info.message


@pytest.mark.parametrize(("backend_type", "model"), BACKENDS)
def test_hang_is_a_timeout(fake: FakeProvider, backend_type: str, model: str) -> None:
    info = failure(fake, backend_type, model, "hang", timeout=0.3)
    assert (info.kind, info.retryable) == ("timeout", True)


@pytest.mark.parametrize(("backend_type", "model"), BACKENDS[:2])
def test_x_should_retry_is_obeyed(fake: FakeProvider, backend_type: str, model: str) -> None:
    fake.configure(FakeConfig(should_retry=False))
    assert failure(fake, backend_type, model, "503").retryable is False
    fake.configure(FakeConfig(should_retry=True))
    assert failure(fake, backend_type, model, "400").retryable is True


def test_refused_connection_is_retryable() -> None:
    from evals.backends.base import BackendConfig, backend_registry

    for backend_type in ("openai", "anthropic", "gemini"):
        url = "http://127.0.0.1:9/v1" if backend_type == "openai" else "http://127.0.0.1:9"
        config = BackendConfig(name="b", type=backend_type, base_url=url)
        backend = backend_registry.get(backend_type)(config)
        with pytest.raises(BaseException) as caught:
            run(backend, lambda b=backend: asyncio.wait_for(b.generate(request(text("x"))), 5))  # type: ignore[misc]
        info = backend.classify_error(caught.value)
        assert (info.kind, info.retryable) == ("connection", True), (backend_type, info)


def test_retry_after_headers() -> None:
    assert parse_retry_after({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert parse_retry_after({"retry-after": "2"}) == 2.0
    assert parse_retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None


def test_plain_exceptions() -> None:
    assert classify(TimeoutError()).kind == "timeout"
    assert classify(ConnectionResetError()).kind == "connection"
    assert classify(ValueError("bug")).kind == "internal"
