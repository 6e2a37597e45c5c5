"""The batched engine equals the one-sentence reference, whatever the batching."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.datasets import sample_sentences
from audit.models import LoadedModel, ModelSpec, load_model
from audit.perplexity import (
    HFTokenScorer,
    OutOfMemoryError,
    Packing,
    compute_perplexities,
    reference_perplexity,
)

TEXTS = [s.text for s in sample_sentences()]
POOL = [*TEXTS[:40], "a", "the quick brown fox jumps over the lazy dog " * 3]


@pytest.fixture(scope="module")
def tiny(tiny_model_dir: Path) -> LoadedModel:
    return load_model(ModelSpec(str(tiny_model_dir)))


@pytest.fixture(scope="module")
def reference(tiny: LoadedModel) -> dict[str, float | None]:
    return {text: reference_perplexity(tiny, text) for text in POOL}


def _relative(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


@pytest.mark.parametrize("packing", ["padded", "packed"])
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    picks=st.lists(st.integers(0, len(POOL) - 1), min_size=1, max_size=24),
    budget=st.integers(min_value=8, max_value=600),
)
def test_batched_equals_reference(
    tiny: LoadedModel,
    reference: dict[str, float | None],
    packing: Packing,
    picks: list[int],
    budget: int,
) -> None:
    texts = [POOL[i] for i in picks]
    scorer = HFTokenScorer(tiny, packing=packing)
    run = compute_perplexities(scorer, texts, batch_tokens=budget, progress=False)
    assert len(run.results) == len(texts)
    for text, result in zip(texts, run.results, strict=True):
        expected = reference[text]
        if expected is None:
            assert result.perplexity is None
            continue
        assert result.perplexity is not None
        assert _relative(result.perplexity, expected) < 1e-5


def test_full_logits_path_agrees(tiny: LoadedModel) -> None:
    fast = compute_perplexities(HFTokenScorer(tiny), TEXTS[:30], batch_tokens=128, progress=False)
    full = compute_perplexities(
        HFTokenScorer(tiny, project_at_scored_positions=False),
        TEXTS[:30],
        batch_tokens=128,
        progress=False,
    )
    for a, b in zip(fast.results, full.results, strict=True):
        assert a.perplexity is not None and b.perplexity is not None
        assert _relative(a.perplexity, b.perplexity) < 1e-5


def test_short_sentences_are_unscored_and_counted(tiny: LoadedModel) -> None:
    run = compute_perplexities(HFTokenScorer(tiny), ["a", TEXTS[0]], progress=False)
    short, normal = run.results
    if tiny.info.model_type == "llama":
        # The Llama tokenizer adds <s>, so a one-token word still has a prediction.
        assert short.perplexity is not None
    else:
        assert short.perplexity is None
        assert short.unscored_reason is not None and "fewer than 2 tokens" in short.unscored_reason
    assert normal.perplexity is not None and normal.unscored_reason is None


def test_long_sentences_are_truncated_to_context(tiny: LoadedModel) -> None:
    long_text = " ".join(TEXTS[:40])
    run = compute_perplexities(HFTokenScorer(tiny), [long_text], progress=False)
    result = run.results[0]
    assert result.truncated
    assert result.n_tokens == tiny.info.max_length
    expected = reference_perplexity(tiny, long_text)
    assert result.perplexity is not None and expected is not None
    assert _relative(result.perplexity, expected) < 1e-5


class _FlakyScorer:
    """Runs out of memory whenever a batch holds more than `fits` rows."""

    max_length = 100

    def __init__(self, fits: int) -> None:
        self.fits = fits
        self.calls: list[int] = []

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        return [[ord(c) for c in text] for text in texts]

    def unscorable_reason(self, n_tokens: int) -> str | None:
        return None if n_tokens >= 2 else "too short"

    def input_rows(self, n_tokens: int) -> int:
        return 1

    def mean_nll(self, batch: Sequence[Sequence[int]]) -> list[float]:
        self.calls.append(len(batch))
        if len(batch) > self.fits:
            raise OutOfMemoryError("CUDA out of memory (simulated)")
        return [float(len(row)) / 10 for row in batch]


def test_out_of_memory_halves_the_batch_and_keeps_order() -> None:
    texts = ["abcd", "ab", "abcdef", "abc", "abcde", "abcdefg", "abcdefgh", "abcdefghi"]
    scorer = _FlakyScorer(fits=2)
    run = compute_perplexities(scorer, texts, batch_tokens=1000, progress=False)
    assert run.oom_retries > 0
    assert max(n for n in scorer.calls[1:]) <= max(scorer.calls)
    assert [r.perplexity for r in run.results] == [math.exp(len(t) / 10) for t in texts]


def test_a_single_row_that_does_not_fit_is_an_error() -> None:
    with pytest.raises(OutOfMemoryError):
        compute_perplexities(_FlakyScorer(fits=0), ["abc"], progress=False)


def test_progress_callback_reaches_total(tiny: LoadedModel) -> None:
    seen: list[tuple[int, int]] = []
    compute_perplexities(
        HFTokenScorer(tiny), TEXTS[:20], batch_tokens=64, progress=lambda d, t: seen.append((d, t))
    )
    assert seen[-1] == (20, 20)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


class _FixedLossScorer:
    """Returns the given mean NLL for each text, by position in the input."""

    max_length = 100

    def __init__(self, losses: dict[str, float]) -> None:
        self.losses = losses
        self.texts: dict[tuple[int, ...], str] = {}

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        ids = [[ord(c) for c in text] for text in texts]
        self.texts.update({tuple(row): text for row, text in zip(ids, texts, strict=True)})
        return ids

    def unscorable_reason(self, n_tokens: int) -> str | None:
        return None if n_tokens >= 2 else "too short"

    def input_rows(self, n_tokens: int) -> int:
        return 1

    def mean_nll(self, batch: Sequence[Sequence[int]]) -> list[float]:
        return [self.losses[self.texts[tuple(row)]] for row in batch]


def test_a_numerical_failure_is_unscored_not_a_score() -> None:
    scorer = _FixedLossScorer({"fine": 2.0, "nan": float("nan"), "inf": float("inf"), "big": 800.0})
    run = compute_perplexities(scorer, ["fine", "nan", "inf", "big"], progress=False)
    fine, *failed = run.results
    assert fine.perplexity == pytest.approx(math.exp(2.0))
    assert [r.perplexity for r in failed] == [None, None, None]
    assert all("no finite perplexity" in (r.unscored_reason or "") for r in failed)


def test_packed_truncated_rows_equal_the_reference(tiny: LoadedModel) -> None:
    long_text = " ".join(TEXTS[:40])
    texts = [TEXTS[0], long_text, TEXTS[1]]
    run = compute_perplexities(
        HFTokenScorer(tiny, packing="packed"), texts, batch_tokens=10_000, progress=False
    )
    for text, result in zip(texts, run.results, strict=True):
        expected = reference_perplexity(tiny, text)
        assert result.perplexity is not None and expected is not None
        assert _relative(result.perplexity, expected) < 1e-5


def test_packing_is_refused_for_architectures_it_is_not_tested_on(tiny: LoadedModel) -> None:
    from dataclasses import replace

    other = LoadedModel(tiny.model, tiny.tokenizer, replace(tiny.info, model_type="gpt2"))
    with pytest.raises(ValueError, match="packed batches are not supported for model type"):
        HFTokenScorer(other, packing="packed")
    assert HFTokenScorer(other).packing == "padded"
