"""From sentences and a model to scored sentences: the step workers run per chunk."""

from __future__ import annotations

from collections.abc import Sequence

from audit.datasets import Sentence
from audit.models import LoadedModel
from audit.perplexity import (
    DEFAULT_CPU_BATCH_TOKENS,
    DEFAULT_GPU_BATCH_TOKENS,
    PerplexityResult,
    PerplexityRun,
    ProgressCallback,
    compute_perplexities,
    token_scorer,
)
from audit.pipeline._journal import PerplexityJournal
from audit.scoring import ScoredSentence


def default_batch_tokens(loaded: LoadedModel) -> int:
    """Token budget per batch: small on CPUs, where it measured fastest; large on GPUs."""
    return DEFAULT_GPU_BATCH_TOKENS if loaded.device.type == "cuda" else DEFAULT_CPU_BATCH_TOKENS


def score_sentences(
    loaded: LoadedModel,
    sentences: Sequence[Sentence],
    *,
    batch_tokens: int | None = None,
    progress: ProgressCallback | bool = True,
    journal: PerplexityJournal | None = None,
) -> tuple[list[ScoredSentence], PerplexityRun]:
    """Perplexity of every sentence, in input order, unscored rows kept with their reason.

    With a journal, rows it already holds are not scored again, and each batch is
    appended to it as it finishes.
    """
    budget = batch_tokens or default_batch_tokens(loaded)
    done = journal.load() if journal is not None else {}
    todo = [i for i in range(len(sentences)) if i not in done]

    def save(indices: Sequence[int], results: Sequence[PerplexityResult]) -> None:
        if journal is not None:
            journal.append(
                (todo[i], _scored(sentences[todo[i]], r))
                for i, r in zip(indices, results, strict=True)
            )

    run = compute_perplexities(
        token_scorer(loaded, batch_tokens=budget),
        [sentences[i].text for i in todo],
        batch_tokens=budget,
        progress=progress,
        on_batch=save,
    )
    if journal is not None:
        # Rows the run skipped for being too short are recorded too, so a resumed run
        # reports them the same way.
        short = [(todo[i], r) for i, r in enumerate(run.results) if r.unscored_reason]
        journal.append(
            (row, ScoredSentence(sentences[row], None, r.unscored_reason)) for row, r in short
        )
    fresh = dict(zip(todo, run.results, strict=True))
    rows = []
    for index, sentence in enumerate(sentences):
        if index in fresh:
            rows.append(_scored(sentence, fresh[index]))
        else:
            entry = done[index]
            rows.append(
                ScoredSentence(sentence, entry.perplexity, entry.unscored_reason, entry.truncated)
            )
    return rows, run


def _scored(sentence: Sentence, result: PerplexityResult) -> ScoredSentence:
    return ScoredSentence(sentence, result.perplexity, result.unscored_reason, result.truncated)
