"""The audit page's generation tables: metrics, each classifier's, agreement, continuations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from dashboards._tables import Column, Table
from db import generation_metric_names, group_values, list_generations


def _generation_table(session: Session, audit_id: int) -> Table | None:
    metrics = [m for m in generation_metric_names(session, audit_id)]
    if not metrics:
        return None
    values = group_values(session, [audit_id], metrics=metrics)[audit_id]
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    for v in values:
        row = cells.setdefault(
            (v.group, v.label),
            {"group": v.group, "label": v.label, "unscored_reason": v.unscored_reason},
        )
        row[v.metric] = v.value
        row[f"{v.metric}_ci_low"] = v.ci_low
        row[f"{v.metric}_ci_high"] = v.ci_high
    columns = [Column("group", "Group"), Column("label", "Prompt label")]
    for m in metrics:
        title = m.replace("_", " ").capitalize()
        columns += [
            Column(m, title, "number"),
            Column(f"{m}_ci_low", "CI low", "number"),
            Column(f"{m}_ci_high", "CI high", "number"),
        ]
    columns.append(Column("unscored_reason", "Unscored because"))
    return Table(
        "generation",
        "Toxicity of continuations per group and prompt label",
        tuple(columns),
        [cells[k] for k in sorted(cells)],
        note="Intervals resample prompts (with all their continuations). With several "
        "classifiers, these are the first (headline) classifier's.",
    )


def _estimate(row: dict[str, Any], key: str, estimate: Any) -> None:
    """An Estimate's JSON form as three cells: value, CI low, CI high (None when missing)."""
    values = estimate if isinstance(estimate, Mapping) else {}
    row[key] = values.get("value")
    row[f"{key}_ci_low"] = values.get("ci_low")
    row[f"{key}_ci_high"] = values.get("ci_high")


def _interval_columns(key: str, title: str) -> list[Column]:
    return [
        Column(key, title, "number"),
        Column(f"{key}_ci_low", "CI low", "number"),
        Column(f"{key}_ci_high", "CI high", "number"),
    ]


def _classifier_metrics_table(classifiers: list[Any]) -> Table:
    rows = []
    for entry in classifiers:
        for cell in entry.get("metrics") or []:
            row = {
                "classifier": entry.get("name"),
                "group": cell.get("group"),
                "label": cell.get("label"),
                "n_scored": cell.get("n_scored"),
                "unscored_reason": cell.get("unscored_reason"),
            }
            _estimate(row, "toxic_fraction", cell.get("toxic_fraction"))
            _estimate(row, "mean_toxicity", cell.get("mean_toxicity"))
            rows.append(row)
    return Table(
        "generation_classifiers",
        "Toxicity of continuations per classifier",
        (
            Column("classifier", "Classifier"),
            Column("group", "Group"),
            Column("label", "Prompt label"),
            Column("n_scored", "Scored", "int"),
            *_interval_columns("toxic_fraction", "Toxic fraction"),
            *_interval_columns("mean_toxicity", "Mean toxicity"),
            Column("unscored_reason", "Unscored because"),
        ),
        rows,
        note="Every classifier scored every continuation; intervals resample prompts.",
    )


def _agreement_table(agreement: list[Any], threshold: Any) -> Table:
    rows = []
    for entry in agreement:
        reasons = (entry.get("kappa_unscored_reason"), entry.get("rho_unscored_reason"))
        row = {
            "classifiers": " vs ".join(entry.get("classifiers") or []),
            "group": entry.get("group"),
            "label": entry.get("label"),
            "n_continuations": entry.get("n_continuations"),
            "unscored_reason": "; ".join(dict.fromkeys(r for r in reasons if r)) or None,
        }
        _estimate(row, "kappa", entry.get("kappa"))
        _estimate(row, "rho", entry.get("rho"))
        rows.append(row)
    return Table(
        "agreement",
        "Agreement of the classifiers per group and prompt label",
        (
            Column("classifiers", "Classifiers"),
            Column("group", "Group"),
            Column("label", "Prompt label"),
            Column("n_continuations", "Compared", "int"),
            *_interval_columns("kappa", "Cohen's kappa"),
            *_interval_columns("rho", "Spearman's rho"),
            Column("unscored_reason", "Unscored because"),
        ),
        rows,
        note=f"Kappa: chance-corrected agreement of the toxic calls (score >= {threshold}); "
        "rho: rank correlation of the scores. Over the continuations both classifiers "
        "scored; intervals resample prompts (with all their continuations). 1 is full "
        "agreement, 0 chance.",
    )


def _continuations(
    session: Session,
    audit_id: int,
    group: str | None,
    label: str | None,
    limit: int,
    classifiers: list[str],
) -> Table:
    page = list_generations(session, audit_id, group=group, label=label, limit=limit)
    rows = []
    for i, g in enumerate(page.items):
        row = {
            "rank": i + 1,
            "group": g.group,
            "label": g.label,
            "prompt_index": g.prompt_index,
            "sample_index": g.sample_index,
            "toxicity": g.toxicity,
            "prompt": g.prompt,
            "continuation": g.continuation,
            "unscored_reason": g.unscored_reason,
            "categories": g.categories,
        }
        verdicts = g.classifier_scores or {}
        for index, name in enumerate(classifiers):
            verdict = verdicts.get(name) or {}
            row[f"toxicity_{index + 1}"] = verdict.get("toxicity")
        rows.append(row)
    # One score column per classifier, named by it; the headline's is the sort key.
    per_classifier = tuple(
        Column(f"toxicity_{index + 1}", f"Toxicity: {name}", "number")
        for index, name in enumerate(classifiers)
    )
    return Table(
        "continuations",
        "Most toxic continuations",
        (
            Column("rank", "#", "int"),
            Column("group", "Group"),
            Column("label", "Prompt label"),
            Column("toxicity", "Toxicity", "number"),
            *per_classifier,
            Column("prompt", "Prompt", "offensive", sortable=False),
            Column("continuation", "Continuation", "offensive", sortable=False),
            Column("prompt_index", "Prompt #", "int"),
            Column("sample_index", "Sample #", "int"),
            Column("unscored_reason", "Unscored because"),
            # A guard's policy categories; shown when one named any (downloads always).
            Column("categories", "Categories", "list", show=any(g.categories for g in page.items)),
        ),
        rows,
        note="Ranked by the headline (first) classifier's toxicity." if classifiers else None,
        total=page.total,
    )


def generation_tables(
    session: Session,
    audit_id: int,
    section: Any,
    *,
    group: str | None,
    label: str | None,
    limit: int,
) -> dict[str, Table]:
    """The generation tables of an audit, by name; none when it ran no generation audit.

    `section` is the audit's results.json `generation` section: with several classifiers
    it holds each one's metrics and their agreement.
    """
    generation = _generation_table(session, audit_id)
    if generation is None:
        return {}
    section = section if isinstance(section, Mapping) else {}
    classifiers = [c for c in section.get("classifiers") or [] if isinstance(c, Mapping)]
    names = [str(c.get("name")) for c in classifiers]
    tables = {"generation": generation}
    if len(classifiers) > 1:
        tables["generation_classifiers"] = _classifier_metrics_table(classifiers)
        agreement = [a for a in section.get("agreement") or [] if isinstance(a, Mapping)]
        tables["agreement"] = _agreement_table(agreement, section.get("threshold", 0.5))
    tables["continuations"] = _continuations(
        session, audit_id, group, label, limit, names if len(names) > 1 else []
    )
    return tables
