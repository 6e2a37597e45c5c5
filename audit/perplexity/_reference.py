"""The published one-sentence-at-a-time perplexity (SafeNLP's calculate_perplexity).

Kept as the yardstick that the batched engine is tested and benchmarked against.
For sentences shorter than the model's context, SafeNLP's strided loop runs one
window and reduces to exp(model(ids, labels=ids).loss).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from audit.models import LoadedModel
from audit.perplexity._masked import SAFENLP_MASK_TOKEN_ID


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


def reference_pseudo_perplexity(
    loaded: LoadedModel, text: str, *, safenlp_mask_id: bool = False
) -> float | None:
    """Pseudo-perplexity of one sentence, one masked copy per forward pass; None below 3
    tokens.

    SafeNLP's calculate_psudo_perplexity runs all copies in one call and takes the
    model's mean loss over every labelled position; the same mean is the sum of each
    copy's loss times its labelled positions, over all the labelled positions.
    """
    import torch

    encoded = loaded.tokenizer(
        text, return_tensors="pt", truncation=True, max_length=loaded.info.max_length
    )
    input_ids = encoded["input_ids"][0].to(loaded.device)
    length = int(input_ids.shape[0])
    if length < 3:
        return None
    mask_id = SAFENLP_MASK_TOKEN_ID if safenlp_mask_id else loaded.tokenizer.mask_token_id
    total, count = 0.0, 0
    for position in range(1, length - 1):
        masked = input_ids.clone()
        masked[position] = mask_id
        labels = torch.full_like(input_ids, -100)
        if safenlp_mask_id:
            holds_mask = masked == mask_id
            labels[holds_mask] = input_ids[holds_mask]
        else:
            labels[position] = input_ids[position]
        labelled = int((labels != -100).sum())
        with torch.inference_mode():
            loss = loaded.model(masked.unsqueeze(0), labels=labels.unsqueeze(0)).loss
        total += float(loss) * labelled
        count += labelled
    return math.exp(total / count)
