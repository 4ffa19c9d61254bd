"""A fake model provider on 127.0.0.1 for tests and benchmarks (see server.py).

with FakeProvider(answer=lambda req: "yes") as fake:
    client = AsyncOpenAI(base_url=fake.openai_url, api_key="test", max_retries=0)
    ...
    assert fake.state.requests("s1") == 1
"""

from evals.testing.fake_provider.batches import BatchConfig
from evals.testing.fake_provider.config import FAULTS, FakeConfig
from evals.testing.fake_provider.judge import FakeJudge
from evals.testing.fake_provider.process import FakeProviderProcess
from evals.testing.fake_provider.request import AnswerFn, FakeRequest, default_answer
from evals.testing.fake_provider.server import FakeProvider
from evals.testing.fake_provider.state import Hit, ServerState, sample_key

__all__ = [
    "FAULTS",
    "AnswerFn",
    "BatchConfig",
    "FakeConfig",
    "FakeJudge",
    "FakeProvider",
    "FakeProviderProcess",
    "FakeRequest",
    "Hit",
    "ServerState",
    "default_answer",
    "sample_key",
]
