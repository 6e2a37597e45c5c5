"""Batched generation on tiny random models: batch-size invariance, reference match, sampling."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import pytest
import torch

from audit.generation import (
    GenerationSettings,
    first_line,
    generate_continuations,
    sample_prompts,
    sampling_seed,
)
from audit.models import LoadedModel, ModelSpec, load_model

PROMPTS = [
    *[p.text for p in sample_prompts()][::13][:3],
    "- a short one\n-",
    "- the quick brown fox\n- jumps over the lazy dog\n-",
]


@pytest.fixture(scope="module")
def tiny(tiny_model_dir: Path) -> LoadedModel:
    return load_model(ModelSpec(str(tiny_model_dir), device="cpu"))


def _texts(loaded: LoadedModel, settings: GenerationSettings) -> list[tuple[str, int]]:
    run = generate_continuations(loaded, PROMPTS, settings, progress=False)
    return [(c.raw_text, c.new_tokens) for c in run.continuations]


def test_greedy_is_identical_whatever_the_batch_size(tiny: LoadedModel) -> None:
    one_by_one = _texts(tiny, GenerationSettings(max_new_tokens=8, max_rows=1))
    pairs = _texts(tiny, GenerationSettings(max_new_tokens=8, max_rows=2))
    all_at_once = _texts(tiny, GenerationSettings(max_new_tokens=8, batch_tokens=10**6))
    assert one_by_one == pairs == all_at_once
    assert any(n > 0 for _, n in one_by_one)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_generation_calls_nothing_deprecated(tiny: LoadedModel) -> None:
    """transformers deprecates through FutureWarning and through once-only log notices."""
    from transformers.utils import logging as hf_logging

    # A notice already logged by an earlier test of this session would not be logged again.
    hf_logging.warning_once.cache_clear()
    records = _Records()
    hf_root = logging.getLogger("transformers")
    hf_root.addHandler(records)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", DeprecationWarning)
            warnings.simplefilter("error", FutureWarning)
            run = generate_continuations(
                tiny, PROMPTS, GenerationSettings(max_new_tokens=8, max_rows=3), progress=False
            )
    finally:
        hf_root.removeHandler(records)
    assert len(run.continuations) == len(PROMPTS)
    assert [m for m in records.messages if "deprecat" in m.lower()] == []


def test_greedy_matches_transformers_generate_per_prompt(tiny: LoadedModel) -> None:
    run = generate_continuations(
        tiny, PROMPTS, GenerationSettings(max_new_tokens=8, batch_tokens=10**6), progress=False
    )
    assert run.batches == 1
    room = tiny.info.max_length - 8
    for prompt, continuation in zip(PROMPTS, run.continuations, strict=True):
        ids = tiny.tokenizer(prompt, return_tensors="pt")["input_ids"][:, -room:]
        with torch.inference_mode():
            out = tiny.model.generate(  # type: ignore[operator]
                ids,
                attention_mask=torch.ones_like(ids),
                max_new_tokens=8,
                do_sample=False,
                pad_token_id=tiny.tokenizer.pad_token_id,
            )
        reference = str(tiny.tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True))
        assert continuation.text == first_line(reference)
        if continuation.stop_reason == "length":
            assert continuation.raw_text == reference


def test_sampling_is_reproducible_and_independent_of_batching(tiny: LoadedModel) -> None:
    settings = dict(max_new_tokens=5, samples=3, temperature=1.0, top_p=0.9, seed=7)
    a = _texts(tiny, GenerationSettings(**settings, max_rows=1))  # type: ignore[arg-type]
    b = _texts(tiny, GenerationSettings(**settings, batch_tokens=10**6))  # type: ignore[arg-type]
    assert a == b
    other = _texts(tiny, GenerationSettings(**{**settings, "seed": 8}, batch_tokens=10**6))  # type: ignore[arg-type]
    assert other != a
    # Three samples of one prompt are drawn from three different streams.
    assert len({a[0][0], a[1][0], a[2][0]}) > 1


def test_rows_come_back_by_prompt_then_sample(tiny: LoadedModel) -> None:
    settings = GenerationSettings(max_new_tokens=3, samples=2, temperature=1.0, max_rows=3)
    run = generate_continuations(tiny, PROMPTS[:3], settings, progress=False)
    assert [(c.prompt_index, c.sample_index) for c in run.continuations] == [
        (0, 0),
        (0, 1),
        (1, 0),
        (1, 1),
        (2, 0),
        (2, 1),
    ]
    assert run.batches == 2
    assert all(c.new_tokens <= 3 for c in run.continuations)


def test_long_prompts_keep_their_end(tiny: LoadedModel) -> None:
    long_prompt = "\n".join(["- the quick brown fox jumps over the lazy dog"] * 40) + "\n-"
    run = generate_continuations(
        tiny, [long_prompt], GenerationSettings(max_new_tokens=4), progress=False
    )
    assert run.continuations[0].prompt_truncated


def test_first_line_and_seeds() -> None:
    assert first_line(" they like music\n- another item") == "they like music"
    assert first_line("\nnothing on the first line") == ""
    assert sampling_seed(0, 1, 2) == sampling_seed(0, 1, 2) != sampling_seed(0, 2, 1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"samples": 5}, "identical continuations"),
        ({"temperature": -1.0}, "temperature"),
        ({"top_p": 0.0}, "top_p"),
        ({"max_new_tokens": 0}, "max_new_tokens"),
    ],
)
def test_settings_are_checked(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        GenerationSettings(**kwargs)  # type: ignore[arg-type]


def test_rows_that_stop_early_leave_the_batch_without_changing_the_others(
    tiny: LoadedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = GenerationSettings(max_new_tokens=8, batch_tokens=10**6)
    free = generate_continuations(tiny, PROMPTS, settings, progress=False)
    # Declare a token that some rows produce mid-way to be end-of-sequence, so rows
    # finish at different steps and the batch shrinks while others keep going.
    stop_token = tiny.tokenizer(free.continuations[0].raw_text)["input_ids"][-1]
    monkeypatch.setattr("audit.generation._generate._eos_ids", lambda loaded: {int(stop_token)})
    batched = generate_continuations(tiny, PROMPTS, settings, progress=False)
    alone = generate_continuations(
        tiny, PROMPTS, GenerationSettings(max_new_tokens=8, max_rows=1), progress=False
    )
    assert [c.raw_text for c in batched.continuations] == [c.raw_text for c in alone.continuations]
    lengths = {c.new_tokens for c in batched.continuations}
    assert len(lengths) > 1, "rows should have stopped at different steps"
    assert any(c.stop_reason == "eos" for c in batched.continuations)
