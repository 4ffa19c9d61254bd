"""The fake provider's batch APIs, driven by the real SDKs: OpenAI Files + Batches (chat and
responses bodies), Anthropic Message Batches, Gemini batch mode; completion after N polls,
scripted partial failures, and the counters tests rely on."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from backend_support import KEYS

from evals.testing.fake_provider import BatchConfig, FakeProvider


def chat_line(custom_id: str, sample: str) -> dict[str, Any]:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"hi [sample:{sample}]"}]}
    return {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": body}


def test_openai_batch_chat_and_partial_failures(fake: FakeProvider) -> None:
    from openai import AsyncOpenAI

    fake.batches.configure(BatchConfig(polls_to_complete=2, script={"b": ["expired"], "c": ["errored"]}))

    async def body() -> tuple[list[Any], dict[str, Any], dict[str, Any]]:
        client = AsyncOpenAI(base_url=fake.openai_url, api_key=KEYS["OPENAI_API_KEY"], max_retries=0)
        lines = [chat_line("id-a", "a"), chat_line("id-b", "b"), chat_line("id-c", "c")]
        data = "".join(json.dumps(line) + "\n" for line in lines).encode()
        uploaded = await client.files.create(file=("in.jsonl", data, "application/jsonl"), purpose="batch")
        batch = await client.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        states = [batch.status]
        while batch.status == "in_progress":
            batch = await client.batches.retrieve(batch.id)
            states.append(batch.status)
        assert batch.output_file_id and batch.error_file_id
        out = (await client.files.content(batch.output_file_id)).text
        err = (await client.files.content(batch.error_file_id)).text
        await client.close()
        by_id = {json.loads(x)["custom_id"]: json.loads(x) for x in (out + err).splitlines() if x}
        return states, by_id, batch.request_counts.model_dump() if batch.request_counts else {}

    states, by_id, counts = asyncio.run(body())
    assert states == ["in_progress", "in_progress", "expired"]  # ended on the 2nd poll
    assert by_id["id-a"]["response"]["status_code"] == 200
    assert by_id["id-a"]["response"]["body"]["choices"][0]["message"]["content"] == "fake answer"
    assert by_id["id-b"]["error"]["code"] == "batch_expired" and by_id["id-b"]["response"] is None
    assert by_id["id-c"]["response"]["status_code"] == 500
    assert counts == {"total": 3, "completed": 1, "failed": 1}
    assert fake.state.samples() == {s: {"requests": 1, "ok": int(s == "a")} for s in "abc"}
    assert fake.batches.counts["files"] == 1 and fake.batches.counts["batches"] == 1


def test_openai_batch_responses_endpoint(fake: FakeProvider) -> None:
    from openai import AsyncOpenAI

    async def body() -> dict[str, Any]:
        client = AsyncOpenAI(base_url=fake.openai_url, api_key=KEYS["OPENAI_API_KEY"], max_retries=0)
        line = {
            "custom_id": "r1",
            "method": "POST",
            "url": "/v1/responses",
            "body": {"model": "gpt-4o-mini", "input": "hello [sample:r]"},
        }
        uploaded = await client.files.create(
            file=("in.jsonl", json.dumps(line).encode(), "application/jsonl"), purpose="batch"
        )
        batch = await client.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/responses", completion_window="24h"
        )
        batch = await client.batches.retrieve(batch.id)
        assert batch.status == "completed" and batch.output_file_id
        text = (await client.files.content(batch.output_file_id)).text
        await client.close()
        result: dict[str, Any] = json.loads(text.splitlines()[0])
        return result

    result = asyncio.run(body())
    assert result["response"]["body"]["object"] == "response"
    assert result["response"]["body"]["output"][0]["content"][0]["text"] == "fake answer"
    assert fake.state.snapshot()[0].endpoint == "batch:responses"


def test_openai_batch_refuses_a_line_for_another_endpoint(fake: FakeProvider) -> None:
    from openai import AsyncOpenAI, BadRequestError

    async def body() -> None:
        client = AsyncOpenAI(base_url=fake.openai_url, api_key=KEYS["OPENAI_API_KEY"], max_retries=0)
        data = json.dumps(chat_line("x", "x")).encode()
        uploaded = await client.files.create(file=("in.jsonl", data, "application/jsonl"), purpose="batch")
        try:
            with pytest.raises(BadRequestError):
                await client.batches.create(
                    input_file_id=uploaded.id, endpoint="/v1/responses", completion_window="24h"
                )
        finally:
            await client.close()

    asyncio.run(body())
    assert fake.batches.counts["batches"] == 0


def test_anthropic_message_batches(fake: FakeProvider) -> None:
    from anthropic import AsyncAnthropic

    fake.batches.configure(BatchConfig(polls_to_complete=1, script={"y": ["errored"], "z": ["expired"]}))

    async def body() -> tuple[str, str, dict[str, str]]:
        client = AsyncAnthropic(base_url=fake.url, api_key=KEYS["ANTHROPIC_API_KEY"], max_retries=0)
        requests: Any = [
            {
                "custom_id": f"id-{s}",
                "params": {
                    "model": "claude-haiku-4-5",
                    "max_tokens": 8,
                    "messages": [{"role": "user", "content": f"hi [sample:{s}]"}],
                },
            }
            for s in "xyz"
        ]
        batch = await client.messages.batches.create(requests=requests)
        first = batch.processing_status
        batch = await client.messages.batches.retrieve(batch.id)
        out: dict[str, str] = {}
        async for entry in await client.messages.batches.results(batch.id):
            out[entry.custom_id] = entry.result.type
            if entry.result.type == "succeeded":
                assert entry.result.message.content[0].type == "text"
        await client.close()
        return first, batch.processing_status, out

    first, last, results = asyncio.run(body())
    assert (first, last) == ("in_progress", "ended")
    assert results == {"id-x": "succeeded", "id-y": "errored", "id-z": "expired"}
    assert fake.state.requests() == 3 and fake.batches.counts["batches"] == 1


def test_gemini_batch_mode_inlined(fake: FakeProvider) -> None:
    from google import genai
    from google.genai import types

    fake.batches.configure(BatchConfig(polls_to_complete=2, script={"q": ["errored"]}))

    async def body() -> tuple[list[str], list[tuple[str | None, str | None]]]:
        client = genai.Client(
            api_key=KEYS["GEMINI_API_KEY"],
            http_options=types.HttpOptions(
                base_url=fake.url, retry_options=types.HttpRetryOptions(attempts=1)
            ),
        )
        src: Any = [
            types.InlinedRequest(
                contents=[types.Content(role="user", parts=[types.Part(text=f"hi [sample:{s}]")])],
                config=types.GenerateContentConfig(max_output_tokens=8),
                metadata={"key": f"k-{s}"},
            )
            for s in "pq"
        ]
        job = await client.aio.batches.create(model="gemini-2.5-flash", src=src)
        assert job.name is not None
        states = [str(job.state.value if job.state else None)]
        while job.state is None or job.state.value not in ("JOB_STATE_SUCCEEDED", "JOB_STATE_FAILED"):
            job = await client.aio.batches.get(name=job.name)
            states.append(str(job.state.value if job.state else None))
        assert job.dest is not None and job.dest.inlined_responses is not None
        answers = [
            (r.response.text if r.response else None, r.error.message if r.error else None)
            for r in job.dest.inlined_responses
        ]
        await client.aio.aclose()
        return states, answers

    states, answers = asyncio.run(body())
    assert states[-1] == "JOB_STATE_SUCCEEDED" and len(states) == 3
    assert answers[0] == ("fake answer", None)
    assert answers[1][0] is None and answers[1][1] == "simulated"
    assert fake.state.samples() == {"p": {"requests": 1, "ok": 1}, "q": {"requests": 1, "ok": 0}}


def test_unknown_batch_outcome_is_refused(fake: FakeProvider) -> None:
    with pytest.raises(ValueError, match="unknown batch outcome"):
        fake.batches.configure(BatchConfig(script={"a": ["lost"]}))
