"""The generation audit hands each continuation to a response classifier with its prompt."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from audit.classifiers import ClassifierInfo, ClassifierSpec, ResponseScores
from audit.generation import (
    GenerationOptionsError,
    GenerationSettings,
    generation_request,
    load_prompts,
    run_generation_audit,
    select_prompts,
    write_generation_records,
)
from audit.models import LoadedModel, ModelSpec, load_model


class PairRecorder:
    """A response classifier that remembers what it was asked; 'unsafe' when prompted."""

    info = ClassifierInfo(ClassifierSpec("pairs", {}), ("unsafe",), "unsafe", "test double")

    def __init__(self) -> None:
        self.pairs: list[tuple[str, str]] = []

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        raise AssertionError("the audit must judge continuations with their prompts")

    def score_responses(
        self, prompts: Sequence[str], responses: Sequence[str]
    ) -> list[ResponseScores]:
        self.pairs += list(zip(prompts, responses, strict=True))
        return [
            ResponseScores({"unsafe": 0.75}, ("S10",) if "women" in p else None) for p in prompts
        ]


@pytest.fixture(scope="module")
def tiny(tiny_llama_dir: Path) -> LoadedModel:
    return load_model(ModelSpec(str(tiny_llama_dir), device="cpu"))


def test_each_continuation_is_judged_with_its_prompt(tiny: LoadedModel, tmp_path: Path) -> None:
    prompts = select_prompts(load_prompts("sample"), per_group=1, seed=0, groups=["women", "asian"])
    classifier = PairRecorder()
    audit = run_generation_audit(
        tiny,
        prompts,
        classifier,
        settings=GenerationSettings(max_new_tokens=3),
        n_resamples=20,
        progress=False,
    )
    judged = dict((response, prompt) for prompt, response in classifier.pairs)
    scored = [r for r in audit.records if r.scores is not None]
    assert scored
    for record in scored:
        assert judged[record.continuation] == record.prompt
        assert record.toxicity == 0.75
        assert record.categories == (("S10",) if record.group == "women" else None)
    path = tmp_path / "gen.jsonl"
    write_generation_records(path, audit.records)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert {tuple(r["categories"] or ()) for r in lines if r["scores"]} <= {("S10",), ()}


def test_guard_options_are_generation_options() -> None:
    request = generation_request(
        {
            "prompts": "sample",
            "classifier": "guard:google/shieldgemma-2b",
            "guard_policy": "No insults.",
            "guard_family": "shieldgemma",
        }
    )
    assert request.classifier.args == {
        "model": "google/shieldgemma-2b",
        "policy": "No insults.",
        "family": "shieldgemma",
    }
    with pytest.raises(GenerationOptionsError, match="guard_policy does not apply"):
        generation_request(
            {"prompts": "sample", "classifier": "profanity-check", "guard_policy": "x"}
        )
