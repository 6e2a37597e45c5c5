"""The audit pipeline: what the CLI runs and what workers run in chunks."""

from audit.pipeline._journal import JournalEntry, PerplexityJournal
from audit.pipeline._run import AuditOptions, build_result, limit_dataset, run_audit
from audit.pipeline._score_sentences import (
    batch_tokens_for,
    default_batch_tokens,
    score_sentences,
)

__all__ = [
    "AuditOptions",
    "JournalEntry",
    "PerplexityJournal",
    "batch_tokens_for",
    "build_result",
    "default_batch_tokens",
    "limit_dataset",
    "run_audit",
    "score_sentences",
]
