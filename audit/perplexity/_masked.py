"""Pseudo-perplexity of masked LMs (SafeNLP's calculate_psudo_perplexity), batched.

A sentence of L tokens (special tokens included, as the tokenizer adds them) becomes
L - 2 copies; copy k has position k masked, for k = 1 .. L - 2, so the first and
last tokens ([CLS] and [SEP] on BERT, <s> and </s> on RoBERTa) are never masked. The
pseudo-perplexity is exp of the mean, over the copies, of the negative log-likelihood
of the true token at the masked position.

SafeNLP's script writes token id 103 (BERT's [MASK]) whatever the tokenizer, and its
labels are every position of a copy that holds that id, so a sentence that already
contains the id has it scored, unmasked, in every copy. The default here writes the
tokenizer's own mask token and scores only the masked position; `safenlp_mask_id`
reproduces the script's arithmetic exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from audit.models import LoadedModel, ModelLoadError
from audit.perplexity._engine import DEFAULT_CPU_BATCH_TOKENS
from audit.perplexity._scorer import (
    HFTokenScorer,
    OutOfMemoryError,
    TokenScorer,
    is_oom,
    target_nll,
    tokenize,
)

if TYPE_CHECKING:
    import torch

SAFENLP_MASK_TOKEN_ID = 103
"""The id SafeNLP's calculate_psudo_perplexity writes at masked positions: BERT's [MASK]."""

# Model types whose masked-LM logits are exactly `head(base_model(...)[0])`, so the
# head can be applied to the masked positions alone (one of L positions per copy).
# Others run the model's own full forward pass.
MLM_HEAD_ATTRIBUTES: dict[str, str] = {
    "bert": "cls",
    "roberta": "lm_head",
    "xlm-roberta": "lm_head",
    "camembert": "lm_head",
    "albert": "predictions",
}

# The head is applied to this many masked positions at a time.
_HEAD_CHUNK = 4096


class MaskedTokenScorer:
    """TokenScorer over a loaded masked LM: each row's mean pseudo-log-likelihood loss.

    Copies of many rows share a forward pass; a pass holds at most `batch_tokens`
    tokens (copies x their longest copy), except that one copy always fits. Rows
    are padded on the right with an attention mask, so every copy computes what it
    would alone.
    """

    def __init__(
        self,
        loaded: LoadedModel,
        *,
        safenlp_mask_id: bool = False,
        batch_tokens: int = DEFAULT_CPU_BATCH_TOKENS,
        project_at_masked_positions: bool | None = None,
    ) -> None:
        if batch_tokens < 1:
            raise ValueError(f"batch_tokens must be positive, got {batch_tokens}")
        self._loaded = loaded
        self.max_length = loaded.info.max_length
        self.batch_tokens = batch_tokens
        self.safenlp_mask_id = safenlp_mask_id
        reference = loaded.info.spec.reference
        vocab = int(loaded.model.config.vocab_size)
        if safenlp_mask_id:
            mask_id = SAFENLP_MASK_TOKEN_ID
            if mask_id >= vocab:
                raise ModelLoadError(
                    f"safenlp_mask_id writes token id {mask_id}, which is outside the "
                    f"vocabulary of '{reference}' ({vocab} tokens)"
                )
        else:
            own = loaded.tokenizer.mask_token_id
            if own is None:
                raise ModelLoadError(
                    f"the tokenizer of '{reference}' has no mask token, which pseudo-perplexity "
                    "needs (safenlp_mask_id writes id 103 instead, as SafeNLP's script does)"
                )
            mask_id = int(own)
        self.mask_token_id = mask_id
        if project_at_masked_positions is None:
            project_at_masked_positions = loaded.info.model_type in MLM_HEAD_ATTRIBUTES
        self.project_at_masked_positions = project_at_masked_positions

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        return tokenize(self._loaded, texts, self.max_length)

    def unscorable_reason(self, n_tokens: int) -> str | None:
        if n_tokens < 3:
            return (
                f"fewer than 3 tokens ({n_tokens}): no position between the first and the "
                "last token to mask"
            )
        return None

    def input_rows(self, n_tokens: int) -> int:
        return max(1, n_tokens - 2)

    def _labelled(self, row: Sequence[int], masked_at: int) -> list[int]:
        """Positions scored in the copy of `row` masked at `masked_at`."""
        if not self.safenlp_mask_id:
            return [masked_at]
        # SafeNLP labels every position of the copy that holds the mask id.
        return [
            j for j, token in enumerate(row) if j == masked_at or token == SAFENLP_MASK_TOKEN_ID
        ]

    def mean_nll(self, batch: Sequence[Sequence[int]]) -> list[float]:
        import torch

        if any(len(row) < 3 for row in batch):
            raise ValueError("every row needs at least 3 tokens to be masked")
        copies = [(r, k) for r, row in enumerate(batch) for k in range(1, len(row) - 1)]
        sums = torch.zeros(len(batch), dtype=torch.float64)
        counts = torch.zeros(len(batch), dtype=torch.float64)
        start = 0
        while start < len(copies):
            # Copies come longest row first when the engine sorted the batch; a pass
            # takes as many as fit the budget at the width of its longest copy.
            stop, width = start, 0
            while stop < len(copies):
                wider = max(width, len(batch[copies[stop][0]]))
                if stop > start and wider * (stop - start + 1) > self.batch_tokens:
                    break
                width, stop = wider, stop + 1
            owners, token_nll = self._pass(batch, copies[start:stop], width)
            sums.index_add_(0, owners, token_nll.double().cpu())
            counts.index_add_(0, owners, torch.ones(len(owners), dtype=torch.float64))
            start = stop
        return (sums / counts).tolist()

    def _pass(
        self, batch: Sequence[Sequence[int]], copies: Sequence[tuple[int, int]], width: int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(row of each scored position, its NLL) for one forward pass over `copies`."""
        import torch

        pad = int(self._loaded.tokenizer.pad_token_id or 0)
        ids = torch.full((len(copies), width), pad, dtype=torch.long)
        mask = torch.zeros((len(copies), width), dtype=torch.long)
        coordinates: list[tuple[int, int]] = []
        owners: list[int] = []
        targets: list[int] = []
        for c, (r, k) in enumerate(copies):
            row = batch[r]
            ids[c, : len(row)] = torch.tensor(row, dtype=torch.long)
            ids[c, k] = self.mask_token_id
            mask[c, : len(row)] = 1
            for j in self._labelled(row, k):
                coordinates.append((c, j))
                owners.append(r)
                targets.append(row[j])
        positions = torch.tensor(coordinates, dtype=torch.long)
        device = self._loaded.device
        try:
            with torch.inference_mode():
                token_nll = self._position_nll(
                    ids.to(device),
                    mask.to(device),
                    positions.to(device),
                    torch.tensor(targets, dtype=torch.long, device=device),
                )
        except Exception as exc:
            if is_oom(exc):
                if device.type == "cuda":
                    torch.cuda.empty_cache()
                raise OutOfMemoryError(str(exc)) from exc
            raise
        return torch.tensor(owners, dtype=torch.long), token_nll

    def _position_nll(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        positions: torch.Tensor,
        targets: torch.Tensor,
    ) -> torch.Tensor:
        """NLL of each target at its (copy, column) position, float32."""
        import torch

        model = self._loaded.model
        rows, columns = positions[:, 0], positions[:, 1]
        if not self.project_at_masked_positions:
            logits = model(input_ids=input_ids, attention_mask=attention_mask).logits
            return target_nll(logits[rows, columns], targets)
        hidden = model.base_model(input_ids=input_ids, attention_mask=attention_mask)[0]
        selected = hidden[rows, columns]
        head = getattr(model, MLM_HEAD_ATTRIBUTES[self._loaded.info.model_type])
        return torch.cat(
            [
                target_nll(head(selected[i : i + _HEAD_CHUNK]), targets[i : i + _HEAD_CHUNK])
                for i in range(0, selected.shape[0], _HEAD_CHUNK)
            ]
        )


def token_scorer(loaded: LoadedModel, *, batch_tokens: int) -> TokenScorer:
    """The scorer for the head the model was loaded with: pseudo-perplexity for "mlm"."""
    if loaded.info.lm_head == "mlm":
        return MaskedTokenScorer(
            loaded, safenlp_mask_id=loaded.info.spec.safenlp_mask_id, batch_tokens=batch_tokens
        )
    return HFTokenScorer(loaded)
