"""The engine on CUDA: bfloat16 against the float32 reference (run by benchmarks/gpu.py).

Skipped without a CUDA device. bfloat16 keeps 8 bits of mantissa, so a token's logits
move by about 0.4% of their size and a sentence's mean NLL by a few hundredths; the
perplexity, exp of it, then differs from float32 by a few percent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pytest

from audit.datasets import sample_sentences
from audit.models import LoadedModel, ModelSpec, load_model
from audit.perplexity import HFTokenScorer, Packing, compute_perplexities, reference_perplexity
from audit.pipeline import default_batch_tokens

torch = pytest.importorskip("torch")

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here"),
]

BFLOAT16_RELATIVE_TOLERANCE = 0.05
"""Largest relative difference of a bfloat16 perplexity from the float32 reference."""
FLOAT32_RELATIVE_TOLERANCE = 1e-4
"""float32 on CUDA against float32 on the CPU (different kernels, same arithmetic)."""

TEXTS = [s.text for s in sample_sentences()][:48]


@pytest.fixture(scope="module")
def cpu_reference(tiny_model_dir: Path) -> list[float | None]:
    loaded = load_model(ModelSpec(str(tiny_model_dir), device="cpu", dtype="float32"))
    return [reference_perplexity(loaded, text) for text in TEXTS]


def _relative_errors(run: list[float | None], reference: list[float | None]) -> list[float]:
    return [abs(a - b) / b for a, b in zip(run, reference, strict=True) if a and b]


@pytest.mark.parametrize("packing", ["padded", "packed"])
@pytest.mark.parametrize(
    ("dtype", "tolerance"),
    [("bfloat16", BFLOAT16_RELATIVE_TOLERANCE), ("float32", FLOAT32_RELATIVE_TOLERANCE)],
)
def test_cuda_engine_equals_the_float32_reference(
    tiny_model_dir: Path,
    cpu_reference: list[float | None],
    packing: Packing,
    dtype: Literal["bfloat16", "float32"],
    tolerance: float,
) -> None:
    loaded: LoadedModel = load_model(ModelSpec(str(tiny_model_dir), device="cuda", dtype=dtype))
    scorer = HFTokenScorer(loaded, packing=packing)
    run = compute_perplexities(scorer, TEXTS, batch_tokens=256, progress=False)
    perplexities = [r.perplexity for r in run.results]
    assert [p is None for p in perplexities] == [p is None for p in cpu_reference]
    assert max(_relative_errors(perplexities, cpu_reference)) < tolerance


def test_the_cuda_budget_comes_from_free_memory(tiny_model_dir: Path) -> None:
    loaded = load_model(ModelSpec(str(tiny_model_dir), device="cuda", dtype="bfloat16"))
    budget = default_batch_tokens(loaded)
    assert 1024 <= budget <= 1 << 17
