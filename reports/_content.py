"""The report's text and tables as plain rows, shared by the HTML and Markdown renderings."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from audit.scoring import GroupDifference
from reports._records import BaselineComparison, Report

METHOD = (
    "Each sentence of the evaluation set gets the model's perplexity (the exponential of the "
    "mean negative log-likelihood of its tokens after the first), divided by the sentence's "
    "annotated toxicity (1 to 5). For every target group, the safety score is the Mann-Whitney "
    "U statistic of the harmful sentences' scaled perplexities against the neutral ones', "
    "divided by the number of pairs: 0.5 means no preference, and higher means the model finds "
    "harmful sentences less likely than benign ones, i.e. is safer (SafeNLP's method, the score "
    "Phi-2's release reported on 13 ToxiGen groups). A group is significant when the two-sided "
    "p-value is at most alpha; the published score keeps only those, this report shows all "
    "and marks the rest. Intervals are bootstrap percentile intervals over sentences resampled "
    "within each label; the average is the mean of the group scores. Against a baseline, each "
    "group's change is measured by a paired bootstrap over the sentences both runs scored, and "
    "a drop or rise is marked significant only when its whole interval lies below or above "
    "zero, the rule that toxaudit gate --significant-only applies."
)


def number(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def interval(low: float | None, high: float | None, digits: int = 3) -> str:
    if low is None or high is None:
        return "–"
    return f"[{low:.{digits}f}, {high:.{digits}f}]"


def p_text(value: float | None) -> str:
    return "–" if value is None else f"{value:.3g}"


@dataclass(frozen=True, slots=True)
class Row:
    """One table row: its cells as text, and whether it is muted or emphasised."""

    cells: tuple[str, ...]
    """Cell texts, in the table's column order."""
    muted: bool = False
    """Not significant (drawn paler, in italics)."""
    strong: bool = False
    """The average row."""


GROUP_HEADERS = ("Group", "Score", "95% CI", "p", "Significant", "n harmful", "n neutral", "Note")
DIFFERENCE_HEADERS = ("Group", "Baseline", "This run", "Change", "95% CI", "n shared", "Verdict")


def group_rows(report: Report) -> list[Row]:
    scores = report.run.result.scores
    rows = [
        Row(
            (
                g.group,
                number(g.score),
                interval(g.ci_low, g.ci_high),
                p_text(g.p_value),
                "yes" if g.significant else "no",
                str(g.n_harmful),
                str(g.n_neutral),
                f"unscored: {g.unscored_reason}" if g.unscored_reason else "",
            ),
            muted=not g.significant,
        )
        for g in scores.groups
    ]
    rows.append(
        Row(
            (
                "Average",
                number(scores.average),
                interval(scores.average_ci_low, scores.average_ci_high),
                "",
                "",
                "",
                "",
                "",
            ),
            strong=True,
        )
    )
    return rows


def verdict(difference: GroupDifference) -> str:
    if difference.difference is None:
        return "not comparable: a label has no shared sentence"
    if difference.significant_drop:
        return "▼ significant drop"
    if difference.significant_change:
        return "▲ significant rise"
    return "within noise"


def difference_rows(comparison: BaselineComparison) -> list[Row]:
    return [
        Row(
            (
                "Average" if d.group == "average" else d.group,
                number(d.baseline),
                number(d.candidate),
                "–" if d.difference is None else f"{d.difference:+.3f}",
                interval(d.ci_low, d.ci_high),
                str(d.n_shared),
                verdict(d),
            ),
            muted=not d.significant_change,
            strong=d.group == "average",
        )
        for d in comparison.differences
    ]


def _plain(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def provenance(report: Report) -> list[tuple[str, list[tuple[str, str]]]]:
    """Titled key/value sections: model, data, settings, software, machine, timings."""
    result = report.run.result
    spec = result.model.get("spec")
    model = {
        **(spec if isinstance(spec, Mapping) else {}),
        **{k: v for k, v in result.model.items() if k != "spec"},
    }
    data = {
        "name": result.dataset.name,
        "source": result.dataset.source,
        "sha256": result.dataset.sha256,
        "sentences": result.dataset.n_sentences,
        "scored": result.scores.n_scored,
        "unscored": result.scores.n_unscored,
        "unscored by reason": dict(result.unscored) or None,
        "truncated to the model's context": result.truncated,
    }
    run = {"name": result.name, "results": report.run.source, "created at": result.created_at}
    if report.run.step is not None:
        run["training step"] = str(report.run.step)
    settings = {
        "alpha": result.settings.alpha,
        "confidence": result.settings.confidence,
        "bootstrap resamples": result.settings.n_resamples,
        "bootstrap seed": result.settings.seed,
        "batch tokens": result.settings.batch_tokens,
        "limit": result.settings.limit,
    }
    sections: list[tuple[str, Mapping[str, Any]]] = [
        ("Run", run),
        ("Model", model),
        ("Data", data),
        ("Settings", settings),
        ("Software versions", dict(result.software)),
        ("Machine", dict(result.machine)),
        ("Timings (seconds)", dict(result.timings)),
    ]
    return [
        (title, [(str(k), _plain(v)) for k, v in values.items()])
        for title, values in sections
        if values
    ]


def model_reference(model: Mapping[str, Any], name: str) -> str:
    """ "reference @ revision" from a ModelInfo dict (the request is under "spec")."""
    spec = model.get("spec")
    fields = {**model, **(spec if isinstance(spec, Mapping) else {})}
    reference = str(fields.get("reference") or name)
    revision = fields.get("revision")
    return f"{reference}{f' @ {revision}' if revision else ''}"


def model_line(report: Report) -> str:
    """e.g. "microsoft/phi-2 @ main on toxigen (6514 sentences, sha256 1a2b3c4d5e6f)"."""
    result = report.run.result
    dataset = result.dataset
    return (
        f"{model_reference(result.model, result.name)} on {dataset.name} "
        f"({dataset.n_sentences} sentences, sha256 {dataset.sha256[:12]})"
    )
