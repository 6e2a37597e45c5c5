"""Token scoring on a Hugging Face causal LM: mean next-token NLL per row."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

from audit.models import LoadedModel
from audit.perplexity._batch_inputs import packed_inputs, padded_inputs

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

# Architectures whose attention takes position ids and builds its mask through
# transformers' create_causal_mask, which reads position ids that restart at 0 as
# packed sequences (a block-diagonal causal mask). Packing is tested on these.
PACKABLE: frozenset[str] = frozenset({"llama", "phi", "phi3", "mistral", "qwen2", "qwen3"})

Packing = Literal["padded", "packed"]
"""How a batch's rows share a forward pass: padded on the right to the longest row, or
packed end to end into one sequence with no padding."""

# Padded by default: on this project's CPUs it measured faster (benchmarks/perplexity.py
# --packing): sorting by length leaves little padding, while a packed batch pays a dense
# (tokens x tokens) attention mask. On GPUs packing pays off with a block-sparse kernel,
# which benchmarks/gpu.py measures.
DEFAULT_PACKING: Packing = "padded"

# A head that is not a plain Linear is applied this many positions at a time, so a
# large token budget on a GPU never materialises a (budget x vocab) matrix at once.
_PROJECTION_CHUNK = 4096
# A plain Linear head is applied a slice of the vocabulary at a time, with logits
# (positions x slice) of about this many elements: small enough to stay in a CPU's
# cache between the matrix product and the reduction that consumes it, which made
# projection and NLL together a quarter faster than one (positions x vocab) product.
# On a GPU the bound only caps memory (1 GiB of float32 logits at a time).
_CPU_LOGIT_ELEMENTS = 1 << 20
_GPU_LOGIT_ELEMENTS = 1 << 28
_SMALLEST_VOCAB_SLICE = 1024


@runtime_checkable
class TokenScorer(Protocol):
    """A model that scores batches of token sequences."""

    max_length: int
    """Longest sequence the model takes; longer inputs are truncated."""

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of each text, with the tokenizer's default special tokens, truncated."""
        ...

    def unscorable_reason(self, n_tokens: int) -> str | None:
        """Why a row of `n_tokens` tokens has no score; None when it has one."""
        ...

    def input_rows(self, n_tokens: int) -> int:
        """Rows of model input a row of `n_tokens` becomes (the token budget counts them)."""
        ...

    def mean_nll(self, batch: Sequence[Sequence[int]]) -> list[float]:
        """Mean negative log-likelihood of each row's scored tokens: tokens 2..L given
        their prefixes for a causal LM, each masked position for a masked LM."""
        ...


class OutOfMemoryError(RuntimeError):
    """The batch did not fit in device memory."""


def tokenize(loaded: LoadedModel, texts: Sequence[str], max_length: int) -> list[list[int]]:
    """Token ids of each text with the tokenizer's default special tokens, truncated."""
    if not texts:
        # Fast tokenizers fail on an empty batch; a resumed run can have nothing left.
        return []
    encoded = loaded.tokenizer(
        list(texts), add_special_tokens=True, truncation=True, max_length=max_length
    )
    return [list(ids) for ids in encoded["input_ids"]]


def is_oom(exc: BaseException) -> bool:
    import torch

    if isinstance(exc, torch.cuda.OutOfMemoryError):
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


class HFTokenScorer:
    """TokenScorer over a loaded transformers model."""

    def __init__(
        self,
        loaded: LoadedModel,
        *,
        project_at_scored_positions: bool | None = None,
        packing: Packing | None = None,
    ):
        self._loaded = loaded
        self.max_length = loaded.info.max_length
        model_type = loaded.info.model_type
        softcap = getattr(loaded.model.config, "final_logit_softcapping", None)
        if project_at_scored_positions is None:
            project_at_scored_positions = model_type in PROJECT_AT_SCORED_POSITIONS and not softcap
        self.project_at_scored_positions = project_at_scored_positions
        if packing == "packed" and model_type not in PACKABLE:
            raise ValueError(
                f"packed batches are not supported for model type {model_type!r}; "
                f"supported: {', '.join(sorted(PACKABLE))}"
            )
        self.packing: Packing = packing or DEFAULT_PACKING
        self.device_type: str = loaded.device.type
        """"cpu" or "cuda": where the forward passes run."""

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        return tokenize(self._loaded, texts, self.max_length)

    def unscorable_reason(self, n_tokens: int) -> str | None:
        if n_tokens < 2:
            return f"fewer than 2 tokens ({n_tokens}): no next-token prediction"
        return None

    def input_rows(self, n_tokens: int) -> int:
        return 1

    def _position_nll(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None,
        position_ids: torch.Tensor | None,
        positions: torch.Tensor,
        targets: torch.Tensor,
    ) -> torch.Tensor:
        """Negative log-likelihood of each target at its (row, column) position, float32."""
        import torch

        model = self._loaded.model
        # No key/value cache: one forward pass never reads it back, and building it
        # costs a copy of every layer's keys and values.
        if not self.project_at_scored_positions:
            logits = model(
                input_ids=input_ids,
                attention_mask=attention_mask,
                position_ids=position_ids,
                use_cache=False,
            ).logits
            return target_nll(logits[positions[:, 0], positions[:, 1]], targets)
        hidden = model.base_model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            position_ids=position_ids,
            use_cache=False,
        )[0]
        selected = hidden[positions[:, 0], positions[:, 1]]
        head = model.get_output_embeddings()
        if type(head) is torch.nn.Linear:
            return _projected_nll(selected, head.weight, head.bias, targets)
        return torch.cat(
            [
                target_nll(
                    head(selected[i : i + _PROJECTION_CHUNK]), targets[i : i + _PROJECTION_CHUNK]
                )
                for i in range(0, selected.shape[0], _PROJECTION_CHUNK)
            ]
        )

    def mean_nll(self, batch: Sequence[Sequence[int]]) -> list[float]:
        import torch
        from torch.profiler import record_function

        lengths = torch.tensor([len(row) for row in batch], dtype=torch.long)
        if int(lengths.max()) < 2:
            raise ValueError("every row needs at least 2 tokens to be scored")
        with record_function("toxaudit.build_inputs"):
            inputs = (
                packed_inputs(batch, lengths)
                if self.packing == "packed"
                else padded_inputs(batch, lengths, int(self._loaded.tokenizer.pad_token_id or 0))
            )
        device = self._loaded.device
        try:
            with torch.inference_mode(), record_function("toxaudit.forward"):
                token_nll = self._position_nll(
                    inputs.input_ids.to(device),
                    None if inputs.attention_mask is None else inputs.attention_mask.to(device),
                    None if inputs.position_ids is None else inputs.position_ids.to(device),
                    inputs.positions.to(device),
                    inputs.targets.to(device),
                )
        except Exception as exc:
            if is_oom(exc):
                if device.type == "cuda":
                    torch.cuda.empty_cache()
                raise OutOfMemoryError(str(exc)) from exc
            raise
        with record_function("toxaudit.to_host"):
            # One device-to-host copy per batch; per-row sums are taken on the host in
            # float64.
            host_nll = token_nll.double().cpu()
        sums = torch.zeros(len(batch), dtype=torch.float64)
        sums.index_add_(0, inputs.row_of_target, host_nll)
        return (sums / (lengths - 1).double()).tolist()


def target_nll(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """-log softmax(logits)[target] per row, in float32, as the models' own loss does it."""
    import torch

    logprobs = torch.log_softmax(logits.float(), dim=-1)
    return -logprobs.gather(1, targets.unsqueeze(1)).squeeze(1)


def _projected_nll(
    hidden: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, targets: torch.Tensor
) -> torch.Tensor:
    """-log softmax(hidden @ weight.T + bias)[target] per row, one vocabulary slice at a time.

    A running (max, sum of exp) pair gives the log-sum-exp over all slices; the
    target's logit is taken from the slice's own product, so it has exactly the
    value (and, in half precision, the rounding) the full projection would give.
    """
    import torch

    positions, vocab = hidden.shape[0], weight.shape[0]
    budget = _GPU_LOGIT_ELEMENTS if hidden.device.type == "cuda" else _CPU_LOGIT_ELEMENTS
    width = min(vocab, max(_SMALLEST_VOCAB_SLICE, budget // max(positions, 1)))
    running_max = torch.full((positions,), -math.inf, device=hidden.device)
    running_sum = torch.zeros(positions, device=hidden.device)
    target_logits = torch.empty(positions, device=hidden.device)
    rows = torch.arange(positions, device=hidden.device)
    for start in range(0, vocab, width):
        stop = min(start + width, vocab)
        logits = torch.nn.functional.linear(
            hidden, weight[start:stop], None if bias is None else bias[start:stop]
        ).float()
        inside = (targets >= start) & (targets < stop)
        target_logits[inside] = logits[rows[inside], targets[inside] - start]
        new_max = torch.maximum(running_max, logits.amax(dim=1))
        logits.sub_(new_max.unsqueeze(1)).exp_()
        running_sum = running_sum * torch.exp(running_max - new_max) + logits.sum(dim=1)
        running_max = new_max
    result: torch.Tensor = running_sum.log() + running_max - target_logits
    return result
