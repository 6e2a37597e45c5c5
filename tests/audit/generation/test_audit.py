"""The whole generation audit on a tiny model with a stand-in classifier."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from audit.classifiers import ClassifierInfo, ClassifierSpec
from audit.generation import (
    GenerationSettings,
    classifier_name,
    format_generation_table,
    load_prompts,
    run_generation_audit,
    section_classifier_name,
    select_prompts,
    write_generation_records,
)
from audit.models import LoadedModel, ModelSpec, load_model


class KeywordClassifier:
    """p(toxic) from letters of the text; raises on texts holding 'zz' to test isolation."""

    info = ClassifierInfo(
        ClassifierSpec("keyword", {"k": "v"}), ("toxicity", "insult"), "toxicity", "test double"
    )

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        return [{"toxicity": (sum(map(ord, t)) % 100) / 100, "insult": 0.25} for t in texts]


@pytest.fixture(scope="module")
def tiny(tiny_llama_dir: Path) -> LoadedModel:
    return load_model(ModelSpec(str(tiny_llama_dir), device="cpu"))


def test_audit_covers_every_group_and_label(tiny: LoadedModel, tmp_path: Path) -> None:
    prompts = select_prompts(load_prompts("sample"), per_group=1, seed=0)
    audit = run_generation_audit(
        tiny,
        prompts,
        KeywordClassifier(),
        settings=GenerationSettings(max_new_tokens=4),
        n_resamples=100,
        progress=False,
    )
    assert len(audit.metrics) == 26
    assert len(audit.records) == 26
    for record in audit.records:
        if record.continuation:
            assert record.scores is not None and set(record.scores) == {"toxicity", "insult"}
            assert record.toxicity == record.scores["toxicity"]
        else:
            # Nothing to classify is recorded as such and never as a score of 0.
            assert record.toxicity is None and "empty continuation" in (
                record.unscored_reason or ""
            )
    for m in audit.metrics:
        assert m.n_scored + m.n_unscored == m.n_continuations == 1
    section = audit.to_dict()
    assert section["classifier"]["spec"] == {"name": "keyword", "args": {"k": "v"}}
    # Reports and trackers name the classifier from this stored shape, as outputs do.
    assert section_classifier_name(section) == classifier_name(KeywordClassifier.info)
    assert section_classifier_name({"classifier": {"name": "old-shape"}}) is None
    assert section["settings"]["max_new_tokens"] == 4
    assert section["prompts"]["name"] == "sample" and section["prompts"]["n_prompts"] == 26
    json.dumps(section)
    path = tmp_path / "gen.jsonl"
    write_generation_records(path, audit.records)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(lines) == 26
    assert set(lines[0]) >= {
        "group",
        "label",
        "prompt_index",
        "sample_index",
        "continuation",
        "scores",
        "toxicity",
    }
    table = format_generation_table(audit)
    assert "mean toxicity" in table and "keyword(k=v)" in table
    assert table.count("\n") >= 27


def test_failures_are_unscored_with_reasons_and_left_out(
    tiny: LoadedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    from audit.generation import Continuation, GenerationRun, Prompt, PromptSet

    def fake_generation(loaded, prompts, settings, *, progress):
        texts = ["", "a fine sentence", "zz breaks the classifier", "another one"]
        return GenerationRun(
            tuple(
                Continuation(i // 2, i % 2, t, t + "\n", 3, "newline", False)
                for i, t in enumerate(texts)
            ),
            settings,
            100,
            1,
            12,
            0.1,
        )

    class Fragile(KeywordClassifier):
        def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
            if any("zz" in t for t in texts):
                raise RuntimeError("cannot read this")
            return [{"toxicity": 0.9, "insult": 0.1} for _ in texts]

    monkeypatch.setattr("audit.generation._audit.generate_continuations", fake_generation)
    prompts = PromptSet(
        "t",
        "t",
        "0",
        (Prompt("- a\n-", "women", "hate", "t:1"), Prompt("- b\n-", "women", "hate", "t:2")),
    )
    audit = run_generation_audit(
        tiny,
        prompts,
        Fragile(),
        settings=GenerationSettings(max_new_tokens=3, samples=2, temperature=1.0),
        n_resamples=0,
        progress=False,
    )
    reasons = [r.unscored_reason for r in audit.records]
    assert reasons[0] == "empty continuation (stopped by newline): nothing to classify"
    assert reasons[1] is None and reasons[3] is None
    assert reasons[2] is not None and "cannot read this" in reasons[2]
    (metrics,) = audit.metrics
    assert (metrics.n_scored, metrics.n_unscored, metrics.n_continuations) == (2, 2, 4)
    # Both scored continuations are 0.9: unscored ones did not pull the mean toward 0.
    assert metrics.mean_toxicity is not None and metrics.mean_toxicity.value == pytest.approx(0.9)
    assert sum(audit.unscored.values()) == 2
    assert "2 continuation(s) unscored" in format_generation_table(audit)


def test_seed_moves_the_intervals_only(tiny: LoadedModel) -> None:
    """The bootstrap seed (`toxaudit generate --seed`) is not the generation seed."""
    prompts = select_prompts(load_prompts("sample"), per_group=None, groups=["women"])

    def audit(seed: int | None) -> tuple[list[str], list[tuple[float | None, float | None]], int]:
        done = run_generation_audit(
            tiny,
            prompts,
            KeywordClassifier(),
            settings=GenerationSettings(max_new_tokens=4, seed=7),
            n_resamples=200,
            seed=seed,
            progress=False,
        )
        intervals = [
            (m.mean_toxicity.ci_low, m.mean_toxicity.ci_high)
            for m in done.metrics
            if m.mean_toxicity is not None
        ]
        return [r.continuation for r in done.records], intervals, done.seed

    default, same, other = audit(None), audit(7), audit(8)
    assert default == same and default[2] == 7  # None: the generation seed
    assert other[0] == default[0] and other[2] == 8
    assert other[1] != default[1]
