"""Batched perplexities, identical to scoring one sentence at a time."""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from audit.perplexity._collator import Collator
from audit.perplexity._scorer import OutOfMemoryError, TokenScorer
from audit.progress import TerminalProgress

ProgressCallback = Callable[[int, int], None]
"""Called with (rows done, rows in all) after each batch."""

BatchCallback = Callable[[Sequence[int], Sequence["PerplexityResult"]], None]
"""Called with (input indices, their results) as each batch finishes, so callers can
save work as it is done."""

_LARGEST_EXP_ARGUMENT = math.log(sys.float_info.max)

DEFAULT_CPU_BATCH_TOKENS = 512
DEFAULT_GPU_BATCH_TOKENS = 16384


@dataclass(frozen=True, slots=True)
class PerplexityResult:
    """The perplexity of one sentence, or why it has none."""

    perplexity: float | None
    """exp(mean NLL of tokens 2..L); None when the sentence could not be scored."""
    n_tokens: int
    """Tokens scored, after truncation, special tokens included."""
    truncated: bool
    """True when the sentence was cut to the model's context."""
    unscored_reason: str | None = None
    """Why there is no perplexity; None when there is one."""


@dataclass(frozen=True, slots=True)
class PerplexityRun:
    """Perplexities of a list of texts with the settings and time it took."""

    results: tuple[PerplexityResult, ...]
    """One per input text, in input order."""
    batch_tokens: int
    """The token budget per batch that was asked for."""
    batches: int
    """Forward passes run, retries after out-of-memory included."""
    oom_retries: int
    """Batches that ran out of memory and were split."""
    seconds: float
    """Wall time, tokenization included."""


def compute_perplexities(
    scorer: TokenScorer,
    texts: Sequence[str],
    *,
    batch_tokens: int = DEFAULT_CPU_BATCH_TOKENS,
    max_rows: int | None = None,
    progress: ProgressCallback | bool = True,
    on_batch: BatchCallback | None = None,
) -> PerplexityRun:
    """Perplexity of every text, batched by length under a token budget.

    Results equal scoring each text alone (right padding with an attention mask
    keeps every row's computation the same); the input order is kept. A batch
    that runs out of memory is split in half and retried; a single row that
    does not fit is an error.
    """
    start = time.perf_counter()
    token_ids = scorer.tokenize(texts)
    results: dict[int, PerplexityResult] = {}
    scorable: list[int] = []
    for index, ids in enumerate(token_ids):
        reason = scorer.unscorable_reason(len(ids))
        if reason is not None:
            results[index] = PerplexityResult(
                perplexity=None, n_tokens=len(ids), truncated=False, unscored_reason=reason
            )
        else:
            # Only scored rows enter `results`, so Collator.restore catches any row lost.
            scorable.append(index)

    terminal = (
        TerminalProgress(len(texts), desc="perplexity", unit="sent") if progress is True else None
    )
    callback: ProgressCallback | None = (
        terminal if terminal is not None else (progress if callable(progress) else None)
    )
    done = len(texts) - len(scorable)
    batches = oom_retries = 0
    collator = Collator(
        [token_ids[i] for i in scorable], len, lambda ids: scorer.input_rows(len(ids))
    )
    pending = [[scorable[j] for j in batch] for batch in collator.batches(batch_tokens, max_rows)]
    pending.reverse()
    try:
        while pending:
            batch = pending.pop()
            batches += 1
            try:
                nlls = scorer.mean_nll([token_ids[i] for i in batch])
            except OutOfMemoryError:
                if len(batch) == 1:
                    raise
                oom_retries += 1
                half = len(batch) // 2
                pending.extend([batch[half:], batch[:half]])
                continue
            for index, nll in zip(batch, nlls, strict=True):
                results[index] = _from_mean_nll(nll, len(token_ids[index]), scorer.max_length)
            if on_batch is not None:
                on_batch(batch, [results[i] for i in batch])
            done += len(batch)
            if callback is not None:
                callback(done, len(texts))
    finally:
        if terminal is not None:
            terminal.close()
    return PerplexityRun(
        results=tuple(Collator.restore(results, len(texts))),
        batch_tokens=batch_tokens,
        batches=batches,
        oom_retries=oom_retries,
        seconds=time.perf_counter() - start,
    )


def _from_mean_nll(nll: float, n_tokens: int, max_length: int) -> PerplexityResult:
    """A numerical failure (NaN loss, e.g. float16 overflow) is unscored, never a score."""
    truncated = n_tokens >= max_length
    if not math.isfinite(nll) or nll > _LARGEST_EXP_ARGUMENT:
        return PerplexityResult(
            None,
            n_tokens,
            truncated,
            unscored_reason=f"mean negative log-likelihood {nll!r} has no finite perplexity",
        )
    return PerplexityResult(math.exp(nll), n_tokens, truncated)
