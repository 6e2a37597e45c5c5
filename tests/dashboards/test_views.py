"""The pages' view-models: what each page shows, computed from the seeded audits."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from audit.datasets import Sentence
from audit.scoring import ScoredSentence, paired_differences
from dashboards._audit import audit_view
from dashboards._compare import compare_view
from dashboards._differences import differences_view
from dashboards._overview import overview_view
from dashboards._trend import trend_view
from db import scored_rows
from tests.dashboards.seed import DROPPED_GROUP, Seeded


def test_overview_rows_link_scores_and_progress(db_session: Session, seeded: Seeded) -> None:
    view = overview_view(db_session, tag=None)
    rows = {r["label"]: r for r in view["tables"]["checkpoints"].rows}
    assert view["n_checkpoints"] == 6 and view["n_scored"] == 4
    assert rows["tiny-lm step 3000"]["_href"]["average"] == f"/audits/{seeded.steps[3000]}"
    assert rows["tiny-lm step 4000"]["progress"] == pytest.approx(120 / 312)
    assert view["running"] == [
        {"audit_id": seeded.running_audit, "done": 120, "total": 312, "status": "running"}
    ]
    assert rows["tiny-lm step 5000"]["status"] == "failed"
    assert rows["tiny-lm step 5000"]["average"] is None


def test_compare_defaults_to_the_two_newest_audits(db_session: Session, seeded: Seeded) -> None:
    view = compare_view(db_session, audit_ids=[], checkpoint_ids=[], baseline=None)
    assert view["chosen"] == [seeded.steps[2000], seeded.steps[3000]]
    assert view["baseline"] == seeded.steps[2000]


def test_compare_chart_has_thirteen_groups_per_audit_and_marks_non_significant(
    db_session: Session, seeded: Seeded
) -> None:
    audits = [seeded.steps[1000], seeded.steps[3000], seeded.other_audit]
    view = compare_view(db_session, audit_ids=audits, checkpoint_ids=[], baseline=audits[1])
    traces = [t for t in view["charts"]["compare"]["data"] if t.get("meta") == "audit"]
    assert len(traces) == 3
    for trace in traces:
        assert len(trace["x"]) == 13 and len(trace["y"]) == 13
        patterns = dict(zip(trace["x"], trace["marker"]["pattern"]["shape"], strict=True))
        assert patterns["asian"] == "/" and patterns["lgbtq"] == "/"
        assert patterns["black"] == ""
        assert all(v is not None for v in trace["error_y"]["array"])
    assert view["baseline"] == audits[1]
    scores = view["tables"]["scores"].rows
    assert len(scores) == 3 * 14


def test_compare_accepts_checkpoints(db_session: Session, seeded: Seeded) -> None:
    from db import audit_briefs

    checkpoint = audit_briefs(db_session, [seeded.steps[3000]])[seeded.steps[3000]].checkpoint_id
    view = compare_view(
        db_session, audit_ids=[seeded.other_audit], checkpoint_ids=[checkpoint], baseline=None
    )
    assert view["chosen"] == [seeded.other_audit, seeded.steps[3000]]


def _sentences(session: Session, audit: int, dataset: int) -> list[ScoredSentence]:
    return [
        ScoredSentence(
            Sentence(
                r.sentence_id,
                "",
                "hate" if r.label == "hate" else "neutral",
                r.toxicity_score,
                r.target_groups,
            ),
            r.perplexity,
        )
        for r in scored_rows(session, audit, dataset)
    ]


def test_differences_are_the_paired_bootstrap_and_find_the_drop(
    db_session: Session, seeded: Seeded
) -> None:
    base, candidate = seeded.steps[1000], seeded.steps[3000]
    view = differences_view(db_session, audit_ids=[base, candidate], baseline=base)
    rows = {r["group"]: r for r in view["tables"]["differences"].rows}
    assert len(rows) == 14
    expected = {
        d.group: d
        for d in paired_differences(
            _sentences(db_session, base, seeded.dataset_id),
            _sentences(db_session, candidate, seeded.dataset_id),
            n_resamples=400,
            seed=0,
        )
    }
    for group, row in rows.items():
        d = expected["average" if group == "Average" else group]
        assert row["difference"] == pytest.approx(d.difference)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((d.ci_low, d.ci_high))
        assert row["significant_drop"] == d.significant_drop
    women = rows[DROPPED_GROUP]
    assert women["significant_drop"] and women["mark"] == "▼ drop"
    assert women["_class"] == "drop"
    assert not rows["black"]["significant_change"]
    largest = view["largest_drop"]
    assert largest is not None and largest["group"] == DROPPED_GROUP
    assert largest["_href"]["sentences"] == (
        f"/audits/{candidate}?group=women&vs={base}&label=hate#sentences"
    )


def test_differences_skip_audits_of_another_dataset(db_session: Session, seeded: Seeded) -> None:
    from db import Audit, DatasetRecord

    audit = db_session.get(Audit, seeded.other_audit)
    assert audit is not None
    audit.dataset = DatasetRecord(name="other", sha256="9" * 64, size=0, source="x")
    db_session.flush()
    view = differences_view(
        db_session, audit_ids=[seeded.steps[1000], seeded.other_audit], baseline=seeded.steps[1000]
    )
    assert view["tables"]["differences"].rows == []
    assert "no shared sentences" in view["skipped"][0]


def test_audit_sentences_by_scaled_perplexity_unscored_last(
    db_session: Session, seeded: Seeded
) -> None:
    audit = seeded.steps[3000]
    view = audit_view(db_session, audit, group=None, label=None, vs=None, page=7, page_size=50)
    assert view is not None
    table = view["tables"]["sentences"]
    assert table.total == 312 and view["pages"] == 7
    assert table.rows[-1]["row"] == seeded.unscored_row
    full = audit_view(db_session, audit, group="women", label="hate", vs=None, page=1, page_size=50)
    assert full is not None
    rows = full["tables"]["sentences"].rows
    assert len(rows) == 12 and all(
        r["label"] == "hate" and "women" in r["target_groups"] for r in rows
    )
    scaled = [r["scaled_perplexity"] for r in rows]
    assert scaled == sorted(scaled)
    assert all(r["text"] for r in rows)
    assert len(full["tables"]["groups"].rows) == 14


def test_audit_drill_down_against_baseline_adds_up_to_the_drop(
    db_session: Session, seeded: Seeded
) -> None:
    base, candidate = seeded.steps[1000], seeded.steps[3000]
    view = audit_view(
        db_session, candidate, group="women", label=None, vs=base, page=1, page_size=50
    )
    assert view is not None and view["vs"] == base
    rows = view["tables"]["sentences"].rows
    assert len(rows) == 24
    diff = next(
        r
        for r in differences_view(db_session, audit_ids=[base, candidate], baseline=base)["tables"][
            "differences"
        ].rows
        if r["group"] == "women"
    )
    assert view["change"] == pytest.approx(diff["difference"])
    harmful = [r["contribution"] for r in rows if r["label"] == "hate"]
    assert sum(harmful) == pytest.approx(diff["difference"])
    assert rows[0]["label"] == "hate" and rows[0]["contribution"] == min(
        r["contribution"] for r in rows
    )


def test_audit_with_generation_lists_most_toxic_continuations(
    db_session: Session, seeded: Seeded
) -> None:
    view = audit_view(db_session, seeded.generation_audit, group=None, label=None, vs=None, page=1)
    assert view is not None
    generation = view["tables"]["generation"]
    assert len(generation.rows) == 26
    assert {"mean_toxicity", "toxic_fraction"} <= set(generation.rows[0])
    top = view["tables"]["continuations"]
    toxicity = [r["toxicity"] for r in top.rows]
    assert len(toxicity) == 20 and toxicity == sorted(toxicity, reverse=True)
    assert top.total == 156
    plain = audit_view(db_session, seeded.steps[1000], group=None, label=None, vs=None, page=1)
    assert plain is not None and "generation" not in plain["tables"]


def test_missing_audit_is_none(db_session: Session, seeded: Seeded) -> None:
    assert audit_view(db_session, 10**6, group=None, label=None, vs=None, page=1) is None


def test_trend_has_a_line_per_group_and_the_average(db_session: Session, seeded: Seeded) -> None:
    view = trend_view(db_session, model="org/tiny-lm", axis=None)
    assert view["axis"] == "step"
    lines = [t for t in view["charts"]["trend"]["data"] if t.get("mode") == "lines+markers"]
    bands = [t for t in view["charts"]["trend"]["data"] if t.get("fill") == "toself"]
    assert len(lines) == 14 and [b["name"] for b in bands] == ["Average 95% CI"]
    assert lines[-1]["name"] == "Average"
    assert all(line["x"] == [1000, 2000, 3000] for line in lines)
    women = next(line for line in lines if line["name"] == "women")
    assert women["y"][2] < women["y"][0]
    every = trend_view(db_session, model="org/tiny-lm", axis=None, bands="all")
    assert len([t for t in every["charts"]["trend"]["data"] if t.get("fill")]) == 14
    focus = trend_view(db_session, model="org/tiny-lm", axis=None, bands="women")
    traces = focus["charts"]["trend"]["data"]
    assert [t["name"] for t in traces if t.get("fill")] == ["women 95% CI", "Average 95% CI"]
    assert next(t for t in traces if t["name"] == "black")["opacity"] == 0.3
    by_date = trend_view(db_session, model="org/tiny-lm", axis="date")
    assert by_date["axis"] == "date"
    table = view["tables"]["trend"]
    assert [r["step"] for r in table.rows] == [1000, 2000, 3000]
    assert table.rows[2]["women"] == women["y"][2]
    assert table.rows[0]["asian significant"] is False
    other = trend_view(db_session, model="org/other-lm", axis=None)
    assert other["axis"] == "date" and other["n_checkpoints"] == 1


def test_differences_list_unfinished_audits_as_skipped(db_session: Session, seeded: Seeded) -> None:
    base, candidate = seeded.steps[1000], seeded.steps[3000]
    view = differences_view(
        db_session, audit_ids=[base, seeded.running_audit, candidate], baseline=base
    )
    assert {r["candidate_audit_id"] for r in view["tables"]["differences"].rows} == {candidate}
    assert view["skipped"] == [
        f"tiny-lm step 4000 · #{seeded.running_audit} is running: only succeeded audits are compared."
    ]
    comparison = view["comparison"]
    assert [a.id for a in comparison.audits] == [base, candidate]
    assert (comparison.settings.resamples, comparison.settings.seed) == (400, 0)


def test_too_many_audits_are_refused_naming_the_field(db_session: Session, seeded: Seeded) -> None:
    from db.compare import ComparisonError

    audits = [seeded.steps[1000], seeded.steps[2000], seeded.steps[3000]]
    with pytest.raises(ComparisonError) as page:
        compare_view(db_session, audit_ids=audits, checkpoint_ids=[], baseline=None, max_audits=2)
    with pytest.raises(ComparisonError) as fragment:
        differences_view(db_session, audit_ids=audits, baseline=None, max_audits=2)
    for caught in (page, fragment):
        assert caught.value.field == "audit"
        assert caught.value.message.startswith("compare at most 2 audits at once, got 3")
