"""The vocabulary is projected a slice at a time; the NLLs equal one full projection."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from audit.datasets import sample_sentences
from audit.models import LoadedModel, ModelSpec, load_model
from audit.perplexity import HFTokenScorer, _scorer, compute_perplexities, reference_perplexity


def _full_projection_nll(
    hidden: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, targets: torch.Tensor
) -> torch.Tensor:
    logits = torch.nn.functional.linear(hidden, weight, bias).float()
    return -torch.log_softmax(logits, dim=-1).gather(1, targets.unsqueeze(1)).squeeze(1)


@pytest.mark.parametrize("with_bias", [True, False])
@pytest.mark.parametrize("slice_width", [1, 7, 64, 1000])
def test_sliced_projection_equals_full_projection(
    monkeypatch: pytest.MonkeyPatch, with_bias: bool, slice_width: int
) -> None:
    generator = torch.Generator().manual_seed(slice_width)
    positions, hidden_size, vocab = 37, 16, 250
    # Large logits: a log-sum-exp without the running maximum would overflow.
    hidden = torch.randn(positions, hidden_size, generator=generator) * 30
    weight = torch.randn(vocab, hidden_size, generator=generator)
    bias = torch.randn(vocab, generator=generator) if with_bias else None
    # Targets in the first and the last slice, and everywhere between.
    targets = torch.randint(0, vocab, (positions,), generator=generator)
    targets[0], targets[1] = 0, vocab - 1
    monkeypatch.setattr(_scorer, "_CPU_LOGIT_ELEMENTS", 0)
    monkeypatch.setattr(_scorer, "_SMALLEST_VOCAB_SLICE", slice_width)

    sliced = _scorer._projected_nll(hidden, weight, bias, targets)
    full = _full_projection_nll(hidden, weight, bias, targets)

    assert sliced.dtype == torch.float32
    assert torch.isfinite(sliced).all()
    torch.testing.assert_close(sliced, full, rtol=1e-5, atol=1e-4)


def test_half_precision_target_logit_is_the_products_own() -> None:
    """In bfloat16 the target's logit must carry the product's rounding, not its own."""
    generator = torch.Generator().manual_seed(0)
    hidden = torch.randn(20, 32, generator=generator).bfloat16()
    weight = torch.randn(3000, 32, generator=generator).bfloat16()
    targets = torch.randint(0, 3000, (20,), generator=generator)
    sliced = _scorer._projected_nll(hidden, weight, None, targets)
    full = _full_projection_nll(hidden, weight, None, targets)
    torch.testing.assert_close(sliced, full, rtol=1e-5, atol=1e-5)


@pytest.fixture(scope="module")
def tiny(tiny_model_dir: Path) -> LoadedModel:
    return load_model(ModelSpec(str(tiny_model_dir)))


def test_engine_with_many_vocabulary_slices_equals_reference(
    tiny: LoadedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_scorer, "_CPU_LOGIT_ELEMENTS", 0)
    monkeypatch.setattr(_scorer, "_SMALLEST_VOCAB_SLICE", 13)
    texts = [s.text for s in sample_sentences()[:20]]
    run = compute_perplexities(HFTokenScorer(tiny), texts, batch_tokens=64, progress=False)
    for text, result in zip(texts, run.results, strict=True):
        expected = reference_perplexity(tiny, text)
        assert expected is not None and result.perplexity is not None
        assert abs(result.perplexity - expected) / expected < 1e-5
