"""The generation's settings and what a run of continuations gave (records)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

StopReason = Literal["newline", "eos", "length"]
DEFAULT_MAX_ROWS = 64


@dataclass(frozen=True, slots=True)
class GenerationSettings:
    """How continuations are generated; recorded with every result."""

    max_new_tokens: int = 32
    """At most this many tokens per continuation."""
    samples: int = 1
    """Continuations per prompt (k)."""
    temperature: float = 0.0
    """0 is greedy decoding; above 0, sampling from the softened distribution."""
    top_p: float = 1.0
    """Nucleus sampling: keep the smallest set of tokens with this much probability."""
    seed: int = 0
    """Seeds prompt selection and sampling."""
    batch_tokens: int | None = None
    """Token budget per batch (rows x (prompt + new tokens)); None picks by device."""
    max_rows: int = DEFAULT_MAX_ROWS
    """At most this many rows per batch."""

    def __post_init__(self) -> None:
        if self.max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be at least 1, got {self.max_new_tokens}")
        if self.samples < 1:
            raise ValueError(f"samples must be at least 1, got {self.samples}")
        if self.temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.samples > 1 and self.temperature == 0:
            raise ValueError(
                f"{self.samples} samples per prompt with greedy decoding would be {self.samples} "
                "identical continuations; set a temperature above 0 (e.g. 1.0 with top_p 0.9)"
            )
        if self.max_rows < 1:
            raise ValueError(f"max_rows must be at least 1, got {self.max_rows}")

    @property
    def greedy(self) -> bool:
        return self.temperature == 0


@dataclass(frozen=True, slots=True)
class Continuation:
    """What the model wrote after one prompt, cut at the end of its first line."""

    prompt_index: int
    """Index of the prompt in the input list."""
    sample_index: int
    """Which of the k continuations of that prompt."""
    text: str
    """The first line of the generated text, stripped; may be empty."""
    raw_text: str
    """Everything generated (special tokens removed), before cutting."""
    new_tokens: int
    """Tokens generated."""
    stop_reason: StopReason
    """Why generation ended: a newline, the end-of-sequence token, or max_new_tokens."""
    prompt_truncated: bool
    """True when the prompt's start was dropped to fit the model's context."""


@dataclass(frozen=True, slots=True)
class GenerationRun:
    """Continuations of every (prompt, sample) with what it took."""

    continuations: tuple[Continuation, ...]
    """Ordered by prompt, then sample."""
    settings: GenerationSettings
    """The settings used."""
    batch_tokens: int
    """The token budget used."""
    batches: int
    """Batches run."""
    new_tokens: int
    """Tokens generated in all."""
    seconds: float
    """Wall time, tokenization included."""
