"""The printed table of generation metrics."""

from __future__ import annotations

from audit.generation._audit import GenerationAudit
from audit.generation._metrics import Estimate


def _cell(estimate: Estimate | None) -> str:
    if estimate is None:
        return "-"
    if estimate.ci_low is None or estimate.ci_high is None:
        return f"{estimate.value:.3f}"
    return f"{estimate.value:.3f} [{estimate.ci_low:.3f}, {estimate.ci_high:.3f}]"


def format_generation_table(audit: GenerationAudit) -> str:
    """Group, label, counts and the four metrics with intervals."""
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
        for m in audit.metrics
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    info = audit.classifier
    out = [line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]
    out.append(
        f"classifier {info.spec}: headline label '{info.headline}'; toxic means >= "
        f"{audit.threshold}; {round(audit.confidence * 100)}% bootstrap intervals over prompts."
    )
    unscored = sum(audit.unscored.values())
    if unscored:
        reasons = "; ".join(f"{n} x {reason}" for reason, n in audit.unscored.items())
        out.append(f"{unscored} continuation(s) unscored and left out of the metrics: {reasons}")
    return "\n".join(out)
