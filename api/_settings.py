"""API settings, read from the environment (prefix TOXAUDIT_) when first asked for."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _split_paths(value: object) -> object:
    # Roots come from one environment variable, so accept the PATH convention (":"-separated)
    # as well as a JSON list or a Python list.
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            import json

            return json.loads(text)
        return [part for part in text.split(":") if part.strip()]
    return value


class ApiSettings(BaseSettings):
    """How the HTTP API behaves; every field is an environment variable TOXAUDIT_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="TOXAUDIT_", extra="ignore")

    model_roots: Annotated[list[Path], NoDecode] = Field(default_factory=list)
    """Directories whose models may be audited by local path (TOXAUDIT_MODEL_ROOTS, ':'-separated).
    Empty: only hub ids and aliases."""
    dataset_roots: Annotated[list[Path], NoDecode] = Field(default_factory=list)
    """Directories whose JSON/JSONL/CSV files may be used as data sets (TOXAUDIT_DATASET_ROOTS)."""
    read_requires_token: bool = False
    """Reads need a bearer token too (TOXAUDIT_READ_REQUIRES_TOKEN=1)."""
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    """Largest request body accepted; bigger ones get 413 (TOXAUDIT_MAX_BODY_BYTES)."""
    # Bounds on the work one request can queue; a request over one gets 422 naming it.
    max_samples: int = Field(default=25, ge=1)
    """Most continuations per prompt, options.generation.samples (TOXAUDIT_MAX_SAMPLES)."""
    max_per_group: int = Field(default=1000, ge=1)
    """Most prompts per group and label, options.generation.per_group
    (TOXAUDIT_MAX_PER_GROUP)."""
    max_new_tokens: int = Field(default=128, ge=1)
    """Most new tokens per continuation, options.generation.max_new_tokens
    (TOXAUDIT_MAX_NEW_TOKENS)."""
    max_resamples: int = Field(default=10_000, ge=1)
    """Most bootstrap resamples of an audit, options.resamples (TOXAUDIT_MAX_RESAMPLES)."""
    max_compared_audits: int = Field(default=10, ge=2, le=100)
    """Most audits one comparison (/api/compare, the compare page) may hold; more get 422
    (TOXAUDIT_MAX_COMPARED_AUDITS)."""

    @field_validator("model_roots", "dataset_roots", mode="before")
    @classmethod
    def _paths(cls, value: object) -> object:
        return _split_paths(value)

    @field_validator("model_roots", "dataset_roots")
    @classmethod
    def _resolve(cls, value: list[Path]) -> list[Path]:
        return [path.expanduser().resolve() for path in value]


@lru_cache
def get_api_settings() -> ApiSettings:
    return ApiSettings()
