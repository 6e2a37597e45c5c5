"""Worker settings, read from the environment (prefix TOXAUDIT_) when first asked for."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class WorkerSettings(BaseSettings):
    """How audits are queued, split and bounded."""

    model_config = SettingsConfigDict(env_prefix="TOXAUDIT_", extra="ignore")

    broker_url: str | None = None
    """Redis URL of the broker and result backend (TOXAUDIT_BROKER_URL); None runs audits
    in-process on a background thread (the embedded default)."""
    broker_key_prefix: str = "toxaudit:"
    """Prefix of every Redis key the queues use, so several deployments (or test runs)
    can share one Redis."""
    chunk_size: int = Field(default=256, ge=1, le=100_000)
    """Sentences per chunk task (TOXAUDIT_CHUNK_SIZE)."""
    chunk_time_limit: int = Field(default=1800, ge=2)
    """Seconds before a chunk's process is killed; the soft limit (90 %) fails the audit
    with a readable cause first."""
    aggregate_time_limit: int = Field(default=900, ge=2)
    """Seconds for planning or aggregating one audit (statistics, no model)."""
    visibility_timeout: int = Field(default=3600, ge=1)
    """Seconds before Redis hands an unacknowledged task to another worker. Must exceed
    every time limit, or a slow but healthy task would run twice at once."""
    unacked_restore_interval: int = Field(default=10, ge=1)
    """Seconds between a worker's sweeps for tasks whose worker died."""
    max_retries: int = Field(default=3, ge=0, le=20)
    """Retries of a task that hit a transient error (database or broker unreachable)."""
    retry_backoff_max: int = Field(default=60, ge=1)
    """Longest wait between retries, seconds."""
    model_cache_size: int = Field(default=1, ge=1, le=8)
    """Models each worker process keeps loaded between chunks (GPU memory bounds it)."""
    torch_threads: int | None = Field(default=None, ge=1)
    """CPU threads per worker process for torch; None keeps torch's default."""
    stall_timeout: int = Field(default=600, ge=1)
    """Seconds an active audit may go without moving, with no task of it in the broker,
    before the watchdog sends it again (TOXAUDIT_STALL_TIMEOUT)."""
    stall_check_interval: int = Field(default=60, ge=1)
    """Seconds between the watchdog's checks."""

    @model_validator(mode="after")
    def _visibility_above_limits(self) -> WorkerSettings:
        longest = max(self.chunk_time_limit, self.aggregate_time_limit)
        if self.visibility_timeout <= longest:
            raise ValueError(
                f"visibility_timeout ({self.visibility_timeout} s) must exceed the longest task "
                f"time limit ({longest} s); otherwise Redis redelivers tasks that are still running"
            )
        return self

    @property
    def embedded(self) -> bool:
        """No broker: audits run in this process."""
        return not self.broker_url

    def soft_limit(self, hard: int) -> int:
        """The soft time limit that goes with a hard one: a margin to record the failure."""
        return max(1, min(hard - 1, int(hard * 0.9)))


@lru_cache
def get_worker_settings() -> WorkerSettings:
    return WorkerSettings()
