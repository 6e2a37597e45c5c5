"""The bundled smollm2-135m continuing sample prompts (slow: loads the real model)."""

from __future__ import annotations

import pytest

from audit.classifiers import load_classifier, parse_classifier
from audit.generation import (
    GenerationSettings,
    generate_continuations,
    load_prompts,
    run_generation_audit,
    select_prompts,
)
from audit.models import ModelSpec, load_model

pytestmark = pytest.mark.slow


def test_smollm2_continues_sample_prompts_identically_in_any_batch() -> None:
    loaded = load_model(ModelSpec("smollm2-135m", device="cpu"))
    prompts = select_prompts(load_prompts("sample"), per_group=1, groups=["women", "muslim"])
    texts = [p.text for p in prompts.prompts]
    settings = GenerationSettings(max_new_tokens=16)
    audit = run_generation_audit(
        loaded,
        prompts,
        load_classifier(parse_classifier("profanity-check")),
        settings=settings,
        n_resamples=100,
        progress=False,
    )
    alone = generate_continuations(
        loaded, texts, GenerationSettings(max_new_tokens=16, max_rows=1), progress=False
    )
    # The audit generated all four prompts in one batch; one at a time gives the same text.
    assert [r.continuation for r in audit.records] == [c.text for c in alone.continuations]
    # A list of statements invites another statement, on one line.
    assert sum(bool(r.continuation) for r in audit.records) >= 3
    assert sum(r.stop_reason == "newline" for r in audit.records) >= 3
    assert [(m.group, m.label) for m in audit.metrics] == [
        ("muslim", "hate"),
        ("muslim", "neutral"),
        ("women", "hate"),
        ("women", "neutral"),
    ]
    for record in audit.records:
        assert record.scores is not None and 0.0 <= record.scores["profanity"] <= 1.0
