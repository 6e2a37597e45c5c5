"""Token scoring on a Hugging Face causal LM: mean next-token NLL per row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from audit.models import LoadedModel

if TYPE_CHECKING:
    import torch

# Architectures whose logits are exactly lm_head(base_model(...).last_hidden_state),
# so the vocabulary projection can be run at scored positions only. Anything else
# (logit soft-capping, scaling, tied tricks) goes through the full forward pass.
PROJECT_AT_SCORED_POSITIONS: frozenset[str] = frozenset(
    {
        "llama",
        "phi",
        "phi3",
        "mistral",
        "mixtral",
        "qwen2",
        "qwen3",
        "gpt2",
        "gpt_neox",
        "gptj",
        "olmo",
        "olmo2",
        "stablelm",
        "starcoder2",
        "smollm3",
    }
)

# Vocabulary projections are done this many positions at a time, so a large token
# budget on a GPU never materialises a (budget x vocab) float32 matrix at once.
_PROJECTION_CHUNK = 4096


@runtime_checkable
class TokenScorer(Protocol):
    """A model that scores batches of token sequences."""

    max_length: int
    """Longest sequence the model takes; longer inputs are truncated."""

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of each text, with the tokenizer's default special tokens, truncated."""
        ...

    def mean_nll(self, batch: Sequence[Sequence[int]]) -> list[float]:
        """Mean negative log-likelihood of tokens 2..L of each row given their prefixes."""
        ...


class OutOfMemoryError(RuntimeError):
    """The batch did not fit in device memory."""


def _is_oom(exc: BaseException) -> bool:
    import torch

    if isinstance(exc, torch.cuda.OutOfMemoryError):
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


class HFTokenScorer:
    """TokenScorer over a loaded transformers model."""

    def __init__(self, loaded: LoadedModel, *, project_at_scored_positions: bool | None = None):
        self._loaded = loaded
        self.max_length = loaded.info.max_length
        model_type = loaded.info.model_type
        softcap = getattr(loaded.model.config, "final_logit_softcapping", None)
        if project_at_scored_positions is None:
            project_at_scored_positions = model_type in PROJECT_AT_SCORED_POSITIONS and not softcap
        self.project_at_scored_positions = project_at_scored_positions

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        if not texts:
            # Fast tokenizers fail on an empty batch; a resumed run can have nothing left.
            return []
        encoded = self._loaded.tokenizer(
            list(texts), add_special_tokens=True, truncation=True, max_length=self.max_length
        )
        return [list(ids) for ids in encoded["input_ids"]]

    def _hidden_logits(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, positions: torch.Tensor
    ) -> torch.Tensor:
        """Logits at the given (row, column) positions, float32."""
        import torch

        model = self._loaded.model
        if self.project_at_scored_positions:
            hidden = model.base_model(input_ids=input_ids, attention_mask=attention_mask)[0]
            selected = hidden[positions[:, 0], positions[:, 1]]
            head = model.get_output_embeddings()
            chunks = [
                head(selected[i : i + _PROJECTION_CHUNK]).float()
                for i in range(0, selected.shape[0], _PROJECTION_CHUNK)
            ]
            return torch.cat(chunks)
        logits = model(input_ids=input_ids, attention_mask=attention_mask).logits
        selected_logits: torch.Tensor = logits[positions[:, 0], positions[:, 1]].float()
        return selected_logits

    def mean_nll(self, batch: Sequence[Sequence[int]]) -> list[float]:
        import torch

        device = self._loaded.device
        width = max(len(row) for row in batch)
        if width < 2:
            raise ValueError("every row needs at least 2 tokens to be scored")
        pad = int(self._loaded.tokenizer.pad_token_id or 0)
        # Right padding keeps every real token at its natural position, so each row
        # sees exactly what it would see alone; the mask hides the padding keys.
        ids = torch.full((len(batch), width), pad, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for r, row in enumerate(batch):
            ids[r, : len(row)] = torch.tensor(row, dtype=torch.long)
            mask[r, : len(row)] = 1
        lengths = torch.tensor([len(row) for row in batch])
        # Scored positions: column c of row r predicts token c + 1, for c < len - 1.
        predictive = torch.arange(width).unsqueeze(0) < (lengths - 1).unsqueeze(1)
        positions = predictive.nonzero()
        targets = ids[positions[:, 0], positions[:, 1] + 1]
        try:
            with torch.inference_mode():
                logits = self._hidden_logits(ids.to(device), mask.to(device), positions.to(device))
                logprobs = torch.log_softmax(logits, dim=-1)
                token_nll = -logprobs.gather(1, targets.to(device).unsqueeze(1)).squeeze(1)
        except Exception as exc:
            if _is_oom(exc):
                if device.type == "cuda":
                    torch.cuda.empty_cache()
                raise OutOfMemoryError(str(exc)) from exc
            raise
        sums = torch.zeros(len(batch), dtype=torch.float64)
        sums.index_add_(0, positions[:, 0], token_nll.double().cpu())
        return (sums / (lengths - 1).double()).tolist()
