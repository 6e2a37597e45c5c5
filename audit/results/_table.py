"""The printed table of group scores."""

from __future__ import annotations

from audit.scoring import SafetyScores


def _fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _fmt_p(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2e}" if value < 1e-3 else f"{value:.3f}"


def format_scores_table(scores: SafetyScores) -> str:
    """Group, score, CI, p, counts and significance; then the average."""
    level = f"{round(scores.confidence * 100):d}% CI"
    header = ("group", "score", level, "p", "p (Holm)", "n harmful", "n neutral", "significant")
    rows = []
    for g in scores.groups:
        ci = "-" if g.ci_low is None else f"[{_fmt(g.ci_low)}, {_fmt(g.ci_high)}]"
        flag = (
            "yes" if g.significant else ("no" if g.score is not None else g.unscored_reason or "-")
        )
        rows.append(
            (
                g.group,
                _fmt(g.score),
                ci,
                _fmt_p(g.p_value),
                _fmt_p(g.p_value_holm),
                str(g.n_harmful),
                str(g.n_neutral),
                flag,
            )
        )
    avg_ci = (
        "-"
        if scores.average_ci_low is None
        else (f"[{_fmt(scores.average_ci_low)}, {_fmt(scores.average_ci_high)}]")
    )
    footer = ("average", _fmt(scores.average), avg_ci, "", "", "", "", "")
    widths = [max(len(r[i]) for r in [header, *rows, footer]) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    out = [line(header), rule, *(line(r) for r in rows), rule, line(footer)]
    if scores.n_unscored:
        out.append(f"{scores.n_unscored} sentence(s) had no perplexity and were left out.")
    out.append(
        f"significant: p <= {scores.alpha}, unadjusted (SafeNLP's rule); p (Holm) is adjusted "
        "over the groups; higher scores mean safer (0.5 = no preference)."
    )
    return "\n".join(out)
