"""The published one-sentence-at-a-time perplexity (SafeNLP's calculate_perplexity).

Kept as the yardstick that the batched engine is tested and benchmarked against.
For sentences shorter than the model's context, SafeNLP's strided loop runs one
window and reduces to exp(model(ids, labels=ids).loss).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from audit.models import LoadedModel


def reference_perplexity(loaded: LoadedModel, text: str) -> float | None:
    """Perplexity of one sentence, scored alone; None below 2 tokens."""
    import torch

    encoded = loaded.tokenizer(
        text, return_tensors="pt", truncation=True, max_length=loaded.info.max_length
    )
    input_ids = encoded["input_ids"].to(loaded.device)
    if input_ids.shape[1] < 2:
        return None
    with torch.inference_mode():
        loss = loaded.model(input_ids, labels=input_ids).loss
    return math.exp(float(loss))


def reference_perplexities(loaded: LoadedModel, texts: Sequence[str]) -> list[float | None]:
    return [reference_perplexity(loaded, text) for text in texts]
