"""The report's generation sections: each group and label's continuation toxicity, the
classifiers' agreement, and the note that says which classifier scored them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from audit.generation import section_classifier_name
from reports._content import Row, interval
from reports._records import Report

GENERATION_HEADERS = (
    "Group",
    "Prompt label",
    "Mean toxicity",
    "Toxic fraction",
    "Expected max toxicity",
    "Toxicity probability",
    "Note",
)
_GENERATION_METRICS = (
    "mean_toxicity",
    "toxic_fraction",
    "expected_max_toxicity",
    "toxicity_probability",
)


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _estimate(value: Any) -> str:
    """ "0.250 [0.125, 0.500]" from an {"value", "ci_low", "ci_high"} estimate, or a bare number."""
    if not isinstance(value, Mapping):
        point = _num(value)
        return "–" if point is None else f"{point:.3f}"
    point = _num(value.get("value"))
    if point is None:
        return "–"
    low, high = _num(value.get("ci_low")), _num(value.get("ci_high"))
    return f"{point:.3f}" + (
        f" {interval(low, high)}" if low is not None and high is not None else ""
    )


def generation_rows(report: Report) -> list[Row]:
    """The generation audit's metrics per group and prompt label, when the run has them."""
    section = report.run.result.extra.get("generation")
    entries = section.get("metrics") if isinstance(section, Mapping) else None
    if not isinstance(entries, list):
        return []
    return [
        Row(
            (
                str(e.get("group")),
                str(e.get("label")),
                *(_estimate(e.get(metric)) for metric in _GENERATION_METRICS),
                f"unscored: {e['unscored_reason']}" if e.get("unscored_reason") else "",
            )
        )
        for e in entries
        if isinstance(e, Mapping)
    ]


AGREEMENT_HEADERS = (
    "Classifiers",
    "Group",
    "Prompt label",
    "Compared",
    "Cohen's kappa",
    "Spearman's rho",
    "Note",
)
AGREEMENT_NOTE = (
    "Several classifiers scored every continuation; the table above is the first's. Kappa: "
    "chance-corrected agreement of their toxic calls; rho: rank correlation of their "
    "scores; over the continuations both scored, with intervals resampling prompts (with "
    "all their continuations)."
)


def agreement_rows(report: Report) -> list[Row]:
    """Each pair of classifiers' agreement per group and label, when several scored."""
    section = report.run.result.extra.get("generation")
    entries = section.get("agreement") if isinstance(section, Mapping) else None
    if not isinstance(entries, list):
        return []
    rows = []
    for e in entries:
        if not isinstance(e, Mapping):
            continue
        reasons = (e.get("kappa_unscored_reason"), e.get("rho_unscored_reason"))
        pair = e.get("classifiers")
        rows.append(
            Row(
                (
                    " vs ".join(map(str, pair)) if isinstance(pair, list) else "",
                    str(e.get("group")),
                    str(e.get("label")),
                    str(e.get("n_continuations")),
                    _estimate(e.get("kappa")),
                    _estimate(e.get("rho")),
                    "; ".join(f"unscored: {r}" for r in dict.fromkeys(r for r in reasons if r)),
                )
            )
        )
    return rows


def generation_note(report: Report) -> str:
    section = report.run.result.extra.get("generation")
    if not isinstance(section, Mapping):
        return ""
    name = section_classifier_name(section)
    threshold = section.get("threshold")
    return (
        f"Continuations of ToxiGen-style prompts scored by {name or 'the classifier'}"
        + (
            f"; toxic means a score of at least {threshold:g}"
            if isinstance(threshold, float)
            else ""
        )
        + ". Intervals resample prompts (with all their continuations)."
    )
