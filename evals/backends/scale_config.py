"""Settings for running one backend at scale: through its provider's batch API, or spread over
several replicas (docs/scale.md). Plain values, checked with the run config."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# The backend types whose provider has a batch API that `batch:` sends through.
BATCH_TYPES = ("openai", "anthropic", "gemini")


class BatchSettings(BaseModel):
    """`batch: true`, or these fields, on a backend: its requests go through the provider's
    batch API at the batch price; results are journaled and scored like any answer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_requests: int | None = Field(
        None, ge=1, description="requests per batch (default: the provider's limit)"
    )
    max_bytes: int | None = Field(
        None, ge=1024, description="bytes of one batch's input (default: the provider's limit)"
    )
    linger_s: float = Field(
        2.0, ge=0, description="submit a partly filled batch once no request came for this long"
    )
    poll_s: float = Field(10.0, gt=0, description="first pause between status checks (then ×1.5)")
    poll_max_s: float = Field(300.0, gt=0, description="longest pause between status checks")
    wait_s: float = Field(
        26 * 3600.0, gt=0, description="give up on one request after this long (batches end within 24 h)"
    )
    retry: Literal["batch", "sync"] = Field(
        "batch", description="send expired or failed items again in a new batch, or synchronously"
    )

    @model_validator(mode="before")
    @classmethod
    def _from_bool(cls, value: Any) -> Any:
        return {} if value is True else value


def batch_setting(value: Any) -> Any:
    """`batch: false` means no batch settings at all."""
    return None if value is False else value


class ReplicaSettings(BaseModel):
    """How a backend with several `base_urls` treats a replica that fails."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    failures_to_eject: int = Field(
        2, ge=1, description="connection failures in a row that take a replica out"
    )
    retry_after_s: float = Field(
        10.0, gt=0, description="how long a replica stays out before it is tried again"
    )
