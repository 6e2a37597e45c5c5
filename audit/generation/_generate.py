"""Batched continuations on a loaded causal LM: left padding, KV cache, early stop.

Each row carries its own position ids (counted from its first real token) and its
own sampling generator, so a row's continuation does not depend on which rows
share its batch: greedy output equals one-prompt-at-a-time generation, and sampled
output is reproducible from (seed, prompt index, sample index).
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from audit.generation._settings import (
    Continuation,
    GenerationRun,
    GenerationSettings,
    StopReason,
)
from audit.models import LoadedModel
from audit.perplexity import Collator
from audit.progress import TerminalProgress

if TYPE_CHECKING:
    import torch

DEFAULT_CPU_GENERATION_TOKENS = 4096
DEFAULT_GPU_GENERATION_TOKENS = 131072


def first_line(text: str) -> str:
    """The generated text up to the end of its first line, stripped."""
    return text.split("\n", 1)[0].strip()


def default_generation_tokens(loaded: LoadedModel) -> int:
    return (
        DEFAULT_GPU_GENERATION_TOKENS
        if loaded.device.type == "cuda"
        else DEFAULT_CPU_GENERATION_TOKENS
    )


def sampling_seed(seed: int, prompt_index: int, sample_index: int) -> int:
    """A row's own sampling seed, independent of batching and of the other rows."""
    return int(np.random.SeedSequence([seed, prompt_index, sample_index]).generate_state(1)[0])


def _eos_ids(loaded: LoadedModel) -> set[int]:
    ids: set[int] = set()
    for source in (loaded.model.generation_config.eos_token_id, loaded.tokenizer.eos_token_id):
        if isinstance(source, int):
            ids.add(source)
        elif isinstance(source, list | tuple):
            ids.update(int(i) for i in source)
    return ids


def _cache_argument(model: Any) -> str:
    """The keyword under which this model's forward takes its key/value cache.

    transformers 5 renamed `past_key_values` to `cache` (the old name still works with a
    FutureWarning, removed in 5.40); models of earlier 5.x releases know only the old one.
    """
    parameters = inspect.signature(model.forward).parameters
    return "cache" if "cache" in parameters else "past_key_values"


def _returned_cache(output: Any) -> Any:
    """The key/value cache of a forward pass's output, read under its current name.

    Reading `output.past_key_values` on transformers 5 outputs logs a deprecation notice.
    """
    fields = getattr(output, "__dataclass_fields__", {})
    return output.cache if "cache" in fields else output.past_key_values


def _choose_tokens(
    logits: torch.Tensor,
    settings: GenerationSettings,
    generators: Sequence[torch.Generator | None],
) -> torch.Tensor:
    """Next token of each row: argmax when greedy, else a draw from its own generator."""
    import torch

    if settings.greedy:
        return logits.argmax(dim=-1)
    probabilities = torch.softmax(logits.float() / settings.temperature, dim=-1).cpu()
    if settings.top_p < 1.0:
        sorted_p, order = probabilities.sort(dim=-1, descending=True)
        # Drop a token when the tokens ranked above it already hold top_p; the first stays.
        drop = sorted_p.cumsum(dim=-1) - sorted_p >= settings.top_p
        sorted_p = sorted_p.masked_fill(drop, 0.0)
        probabilities = torch.zeros_like(probabilities).scatter(-1, order, sorted_p)
    chosen = [
        torch.multinomial(probabilities[row], 1, generator=generator)
        for row, generator in enumerate(generators)
    ]
    return torch.cat(chosen).to(logits.device)


def _generate_batch(
    loaded: LoadedModel,
    rows: Sequence[tuple[list[int], int, int]],
    settings: GenerationSettings,
    eos_ids: set[int],
) -> list[tuple[list[int], StopReason]]:
    """Generated ids and stop reason of each (prompt ids, prompt index, sample index)."""
    import torch

    tokenizer, model, device = loaded.tokenizer, loaded.model, loaded.device
    pad = int(tokenizer.pad_token_id)
    width = max(len(ids) for ids, _, _ in rows)
    input_ids = torch.full((len(rows), width), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for row, (ids, _, _) in enumerate(rows):
        input_ids[row, width - len(ids) :] = torch.tensor(ids)
        mask[row, width - len(ids) :] = 1
    input_ids, mask = input_ids.to(device), mask.to(device)
    positions = (mask.cumsum(dim=-1) - 1).clamp(min=0)
    generators: list[torch.Generator | None] = [None] * len(rows)
    if not settings.greedy:
        generators = [
            torch.Generator().manual_seed(sampling_seed(settings.seed, p, s)) for _, p, s in rows
        ]
    generated: list[list[int]] = [[] for _ in rows]
    reasons: list[StopReason | None] = [None] * len(rows)
    active = list(range(len(rows)))  # rows still generating, in batch-tensor order
    cache_argument = _cache_argument(model)
    with torch.inference_mode():
        out = model(
            input_ids=input_ids, attention_mask=mask, position_ids=positions, use_cache=True
        )
        cache, logits = _returned_cache(out), out.logits[:, -1, :]
        next_positions = positions[:, -1:] + 1
        for step in range(settings.max_new_tokens):
            tokens = _choose_tokens(logits, settings, [generators[row] for row in active])
            for row, token in zip(active, tokens.tolist(), strict=True):
                if token in eos_ids:
                    reasons[row] = "eos"
                    continue
                generated[row].append(token)
                # The continuation is cut at its first line, so a newline ends the row.
                if "\n" in tokenizer.decode(generated[row][-2:], skip_special_tokens=True):
                    reasons[row] = "newline"
            keep = [slot for slot, row in enumerate(active) if reasons[row] is None]
            if not keep or step == settings.max_new_tokens - 1:
                break
            if len(keep) < len(active):
                # Finished rows leave the batch: later steps cost only what is still running.
                index = torch.tensor(keep, device=device)
                cache.batch_select_indices(index)
                mask, next_positions, tokens = mask[index], next_positions[index], tokens[index]
                active = [active[slot] for slot in keep]
            mask = torch.cat([mask, mask.new_ones((len(active), 1))], dim=-1)
            out = model(
                input_ids=tokens[:, None],
                attention_mask=mask,
                position_ids=next_positions,
                use_cache=True,
                **{cache_argument: cache},
            )
            cache, logits = _returned_cache(out), out.logits[:, -1, :]
            next_positions = next_positions + 1
    return [(ids, reason or "length") for ids, reason in zip(generated, reasons, strict=True)]


def generate_continuations(
    loaded: LoadedModel,
    prompts: Sequence[str],
    settings: GenerationSettings | None = None,
    *,
    progress: Callable[[int, int], None] | bool = True,
) -> GenerationRun:
    """k continuations of every prompt, batched by prompt length under a token budget."""
    settings = settings or GenerationSettings()
    start = time.perf_counter()
    budget = settings.batch_tokens or default_generation_tokens(loaded)
    room = loaded.info.max_length - settings.max_new_tokens
    if room < 1:
        raise ValueError(
            f"max_new_tokens {settings.max_new_tokens} leaves no room for a prompt in the "
            f"model's {loaded.info.max_length}-token context"
        )
    # verbose=False: the tokenizer would warn about prompts longer than the model's
    # context, which are cut just below (keeping their end) and recorded as truncated.
    encoded = [list(ids) for ids in loaded.tokenizer(list(prompts), verbose=False)["input_ids"]]
    truncated = [len(ids) > room for ids in encoded]
    # Keep the end of an over-long prompt: the open item the model must complete.
    encoded = [ids[-room:] for ids in encoded]
    for index, ids in enumerate(encoded):
        if not ids:
            raise ValueError(f"prompt {index} is empty after tokenization")
    rows = [(p, s) for p in range(len(prompts)) for s in range(settings.samples)]
    collator = Collator(rows, lambda row: len(encoded[row[0]]) + settings.max_new_tokens)
    eos_ids = _eos_ids(loaded)
    results: dict[int, Continuation] = {}
    terminal = (
        TerminalProgress(len(rows), desc="generation", unit="cont") if progress is True else None
    )
    callback = terminal if terminal is not None else (progress if callable(progress) else None)
    batches = new_tokens = 0
    try:
        for batch in collator.batches(budget, settings.max_rows):
            batch_rows = [(encoded[rows[i][0]], rows[i][0], rows[i][1]) for i in batch]
            outputs = _generate_batch(loaded, batch_rows, settings, eos_ids)
            batches += 1
            for index, (ids, reason) in zip(batch, outputs, strict=True):
                prompt_index, sample_index = rows[index]
                raw = str(loaded.tokenizer.decode(ids, skip_special_tokens=True))
                new_tokens += len(ids)
                results[index] = Continuation(
                    prompt_index=prompt_index,
                    sample_index=sample_index,
                    text=first_line(raw),
                    raw_text=raw,
                    new_tokens=len(ids),
                    stop_reason=reason,
                    prompt_truncated=truncated[prompt_index],
                )
            if callback is not None:
                callback(len(results), len(rows))
    finally:
        if terminal is not None:
            terminal.close()
    return GenerationRun(
        continuations=tuple(Collator.restore(results, len(rows))),
        settings=settings,
        batch_tokens=budget,
        batches=batches,
        new_tokens=new_tokens,
        seconds=time.perf_counter() - start,
    )
