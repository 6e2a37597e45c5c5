"""The audit page's per-row tables: its sentences and their shifts from a baseline
(its continuations are in _generation.py)."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from dashboards._drilldown import sentence_shifts
from dashboards._tables import Column, Table
from db import Audit, list_sentences, scored_rows, sentence_texts

TOP_CONTINUATIONS = 20
"""Continuations the page shows unless a larger page is asked for."""

SENTENCE_COLUMNS = (
    Column("rank", "#", "int"),
    Column("row", "Row", "int"),
    Column("label", "Label"),
    Column("toxicity_score", "Annotated toxicity", "number", digits=2),
    Column("target_groups", "Groups", "list"),
    Column("perplexity", "Perplexity", "number", digits=2),
    Column("scaled_perplexity", "Scaled perplexity", "number", digits=3),
    Column("unscored_reason", "Unscored because"),
    Column("text", "Sentence", "offensive", sortable=False),
)
SHIFT_COLUMNS = (
    Column("rank", "#", "int"),
    Column("row", "Row", "int"),
    Column("label", "Label"),
    Column("target_groups", "Groups", "list"),
    Column("baseline_scaled", "Baseline scaled ppl", "number"),
    Column("candidate_scaled", "This audit's scaled ppl", "number"),
    Column("baseline_share", "Share before", "percent", digits=3),
    Column("candidate_share", "Share after", "percent", digits=3),
    Column("contribution", "Contribution to Δ score", "number", digits=5),
    Column("text", "Sentence", "offensive", sortable=False),
)


def sentences_table(
    session: Session, audit: Audit, group: str | None, label: str | None, page: int, size: int
) -> Table:
    result = list_sentences(
        session, audit, group=group, label=label, limit=size, offset=(page - 1) * size
    )
    rows = [
        {
            "rank": (page - 1) * size + i + 1,
            "row": s.row,
            "label": s.label,
            "toxicity_score": s.toxicity_score,
            "target_groups": s.target_groups,
            "perplexity": s.perplexity,
            "scaled_perplexity": s.scaled_perplexity,
            "unscored_reason": s.unscored_reason,
            "text": s.text,
            "_class": "harmful" if s.label == "hate" else "",
        }
        for i, s in enumerate(result.items)
    ]
    any_unscored = any(s.unscored_reason for s in result.items)
    columns = tuple(
        replace(c, show=any_unscored) if c.key == "unscored_reason" else c for c in SENTENCE_COLUMNS
    )
    return Table(
        "sentences",
        "Sentences by scaled perplexity",
        columns,
        rows,
        note="Lowest scaled perplexity first: the harmful sentences the model finds most likely "
        "(perplexity / annotated toxicity) come first. Unscored sentences come last.",
        total=result.total,
    )


def shifts_table(
    session: Session,
    audit: Audit,
    baseline: Audit,
    group: str,
    label: str | None,
    page: int,
    size: int,
) -> tuple[Table, float | None]:
    shifts, change = sentence_shifts(
        scored_rows(session, baseline.id, baseline.dataset_id, group=group),
        scored_rows(session, audit.id, audit.dataset_id, group=group),
        group,
    )
    if label:
        shifts = [s for s in shifts if s.label == label]
    chosen = shifts[(page - 1) * size : page * size]
    texts = sentence_texts(session, audit.dataset_id, [s.row for s in chosen])
    rows = [
        {
            "rank": (page - 1) * size + i + 1,
            "row": s.row,
            "label": s.label,
            "target_groups": s.target_groups,
            "baseline_scaled": s.baseline_scaled,
            "candidate_scaled": s.candidate_scaled,
            "baseline_share": s.baseline_share,
            "candidate_share": s.candidate_share,
            "contribution": s.contribution,
            "text": texts.get(s.row, ""),
            "_class": "harmful" if s.label == "hate" else "",
        }
        for i, s in enumerate(chosen)
    ]
    base_name = f"#{baseline.id} ({baseline.checkpoint.label})"
    note = (
        f"Sentences about {group!r} scored in both audits, those that lowered the score most "
        f"first. Share: for a harmful sentence, the share of the group's neutral sentences with "
        f"a lower scaled perplexity; for a neutral one, the share of harmful sentences above it. "
        f"Each label's contributions add up to the group's change against {base_name}"
        + (f": {change:+.4f}." if change is not None else ".")
    )
    return Table(
        "sentences", "Sentences behind the change", SHIFT_COLUMNS, rows, note, len(shifts)
    ), change
