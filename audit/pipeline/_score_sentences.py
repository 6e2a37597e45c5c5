"""From sentences and a model to scored sentences: the step workers run per chunk."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    import torch


# A GPU budget takes this share of the memory free after the weights are loaded; the
# rest is headroom for the allocator's fragmentation and the attention's own buffers.
# A batch that still runs out of memory is split and retried by the engine.
_GPU_MEMORY_SHARE = 0.5
_GPU_LOGIT_BYTES = 1 << 30  # the vocabulary slices of the projection (audit.perplexity)
_SMALLEST_GPU_BUDGET = 1024
_LARGEST_GPU_BUDGET = 1 << 17


def default_batch_tokens(loaded: LoadedModel) -> int:
    """Token budget per batch: small on CPUs, where it measured fastest; on a GPU, sized
    from its free memory (see batch_tokens_for)."""
    return batch_tokens_for(loaded.model, loaded.device)


def recorded_batch_tokens(
    batch_tokens: int | None, device: str | None, *, used: int | None = None
) -> int:
    """The budget results.json records for a run scored in chunks (the workers).

    A budget given in the options is what every chunk used. Without one, the first chunk
    to load the model takes `default_batch_tokens` of it, as `evaluate` does (on a GPU,
    sized from the memory free then), records it, and every later chunk of the audit takes
    that one: `used`, recorded exactly. Only an audit whose chunks recorded no budget (scored
    before the workers recorded it) falls back to the device's default: exact on a CPU,
    DEFAULT_GPU_BATCH_TOKENS as a nominal figure on a GPU. The budget changes batching
    only, never a perplexity beyond float rounding (the engine's tests).
    """
    if batch_tokens is not None:
        return batch_tokens
    if used is not None:
        return used
    on_gpu = (device or "").startswith("cuda")
    return DEFAULT_GPU_BATCH_TOKENS if on_gpu else DEFAULT_CPU_BATCH_TOKENS


def batch_tokens_for(model: Any, device: torch.device) -> int:
    """The token budget of one forward pass of `model` on `device`.

    On a GPU: half the free memory, less the projection's logit slices, over the
    activations one token keeps alive inside a layer (hidden states, attention
    projections and the MLP's intermediate activations, in the model's dtype).
    Without a free-memory reading (CPU) the measured CPU default.
    """
    if device.type != "cuda":
        return DEFAULT_CPU_BATCH_TOKENS
    import torch

    free, _total = torch.cuda.mem_get_info(device)
    config = model.config
    hidden = int(config.hidden_size)
    intermediate = int(getattr(config, "intermediate_size", None) or 4 * hidden)
    element = next(model.parameters()).element_size()
    per_token = element * (6 * hidden + 3 * intermediate)
    tokens = int((free * _GPU_MEMORY_SHARE - _GPU_LOGIT_BYTES) // per_token)
    return max(_SMALLEST_GPU_BUDGET, min(_LARGEST_GPU_BUDGET, tokens))


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
