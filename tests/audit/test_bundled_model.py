"""The real bundled model (SmolLM2-135M-Instruct) on real ToxiGen sentences."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from audit.datasets import read_dataset
from audit.models import ModelSpec, load_model
from audit.perplexity import HFTokenScorer, compute_perplexities, reference_perplexity

pytestmark = pytest.mark.slow


def test_bundled_model_matches_reference_on_100_real_sentences(shared_toxigen: Path) -> None:
    loaded = load_model(ModelSpec("smollm2-135m"))
    assert loaded.info.model_type == "llama"
    assert loaded.info.parameters > 100_000_000
    sentences = list(read_dataset(shared_toxigen).sentences)
    random.Random(0).shuffle(sentences)
    texts = [s.text for s in sentences[:100]]
    run = compute_perplexities(HFTokenScorer(loaded), texts, batch_tokens=512, progress=False)
    worst = 0.0
    for text, result in zip(texts, run.results, strict=True):
        expected = reference_perplexity(loaded, text)
        assert result.perplexity is not None and expected is not None
        worst = max(worst, abs(result.perplexity - expected) / expected)
    assert worst < 1e-3
    # A trained model, not a random one: typical sentences are far more likely than under a
    # uniform guess over its 49,152 tokens (single garbled posts may still be worse).
    values = sorted(r.perplexity for r in run.results if r.perplexity is not None)
    assert values[len(values) // 2] < 2000
