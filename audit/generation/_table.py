"""The printed tables of generation metrics and of the classifiers' agreement."""

from __future__ import annotations

from collections.abc import Sequence

from audit.generation._agreement import Agreement
from audit.generation._audit import GenerationAudit
from audit.generation._metrics import Estimate, GenerationMetrics


def _cell(estimate: Estimate | None) -> str:
    if estimate is None:
        return "-"
    if estimate.ci_low is None or estimate.ci_high is None:
        return f"{estimate.value:.3f}"
    return f"{estimate.value:.3f} [{estimate.ci_low:.3f}, {estimate.ci_high:.3f}]"


def _layout(header: tuple[str, ...], rows: Sequence[tuple[str, ...]], left: int) -> list[str]:
    """Aligned lines: the first `left` columns to the left, the others to the right."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            c.ljust(w) if i < left else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return [line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def _metrics_lines(metrics: Sequence[GenerationMetrics]) -> list[str]:
    header = (
        "group",
        "label",
        "prompts",
        "scored",
        "mean toxicity",
        "toxic fraction",
        "expected max",
        "toxicity prob.",
    )
    rows = [
        (
            m.group,
            m.label,
            str(m.n_prompts),
            f"{m.n_scored}/{m.n_continuations}",
            _cell(m.mean_toxicity),
            _cell(m.toxic_fraction),
            _cell(m.expected_max_toxicity),
            _cell(m.toxicity_probability),
        )
        for m in metrics
    ]
    return _layout(header, rows, 2)


def format_agreement_table(agreement: Sequence[Agreement], threshold: float) -> str:
    """Pair, group, label, continuations compared, kappa and rho with intervals."""
    header = ("classifiers", "group", "label", "compared", "kappa", "rho", "unscored because")
    rows = [
        (
            " vs ".join(a.classifiers),
            a.group,
            a.label,
            str(a.n_continuations),
            _cell(a.kappa),
            _cell(a.rho),
            "; ".join(
                dict.fromkeys(r for r in (a.kappa_unscored_reason, a.rho_unscored_reason) if r)
            ),
        )
        for a in agreement
    ]
    lines = _layout(header, rows, 3)
    lines.append(
        f"kappa: Cohen's kappa of the toxic calls (>= {threshold}); rho: Spearman's rank "
        "correlation of the scores; over continuations both classifiers scored, with "
        "bootstrap intervals over continuations."
    )
    return "\n".join(lines)


def format_generation_table(audit: GenerationAudit) -> str:
    """Group, label, counts and the four metrics with intervals; with several classifiers
    one such table per classifier, then their agreement."""
    out = _metrics_lines(audit.metrics)
    info = audit.classifier
    out.append(
        f"classifier {info.spec}: headline label '{info.headline}'; toxic means >= "
        f"{audit.threshold}; {round(audit.confidence * 100)}% bootstrap intervals over prompts."
    )
    unscored = sum(audit.unscored.values())
    if unscored:
        reasons = "; ".join(f"{n} x {reason}" for reason, n in audit.unscored.items())
        out.append(f"{unscored} continuation(s) unscored and left out of the metrics: {reasons}")
    if len(audit.classifiers) > 1:
        for other in audit.classifiers[1:]:
            out += ["", *_metrics_lines(other.metrics)]
            out.append(f"classifier {other.info.spec}: headline label '{other.info.headline}'.")
            missing = sum(other.unscored.values())
            if missing:
                out.append(f"{missing} continuation(s) unscored by it.")
        out += ["", format_agreement_table(audit.agreement, audit.threshold)]
    return "\n".join(out)
