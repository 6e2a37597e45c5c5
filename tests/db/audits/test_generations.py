"""What the database keeps of a generation audit: a guard's categories included."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.orm import Session

from audit.classifiers import ClassifierInfo, ClassifierSpec, ResponseScores
from audit.generation import GenerationSettings, load_prompts, run_generation_audit, select_prompts
from audit.models import ModelSpec, load_model
from db import AuditStatus, list_generations, record_generation
from tests.api.factories import make_audit


class WomenUnsafe:
    """A response classifier that calls every reply about women unsafe, category S10."""

    info = ClassifierInfo(ClassifierSpec("stub-guard", {}), ("unsafe",), "unsafe", "test double")

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        raise AssertionError("judged with prompts")

    def score_responses(
        self, prompts: Sequence[str], responses: Sequence[str]
    ) -> list[ResponseScores]:
        return [
            ResponseScores({"unsafe": 0.9}, ("S10",))
            if "women" in p
            else ResponseScores({"unsafe": 0.1}, None)
            for p in prompts
        ]


def test_a_guards_categories_are_kept_per_continuation(
    db_session: Session, tiny_llama_dir: Path
) -> None:
    prompts = select_prompts(load_prompts("sample"), per_group=1, seed=0, groups=["women", "asian"])
    generated = run_generation_audit(
        load_model(ModelSpec(str(tiny_llama_dir), device="cpu")),
        prompts,
        WomenUnsafe(),
        settings=GenerationSettings(max_new_tokens=3),
        n_resamples=20,
        progress=False,
    )
    audit = make_audit(db_session, status=AuditStatus.running)  # no rows of its own
    record_generation(db_session, audit.id, generated)
    db_session.flush()
    stored = list_generations(db_session, audit.id, limit=100).items
    assert len(stored) == len(generated.records) == 4
    for row in stored:
        if row.toxicity is None:  # an empty continuation: nothing judged, nothing named
            assert row.categories is None
        elif row.group == "women":
            assert row.categories == ["S10"]
        else:
            assert row.categories is None
    assert any(row.categories == ["S10"] for row in stored)
