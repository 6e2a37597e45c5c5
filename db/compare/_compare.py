"""compare_audits: the one comparison of N audits that the API, the pages and the gate use."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from db._models import Audit, AuditStatus, Checkpoint, DatasetRecord
from db.compare._cache import cached_differences
from db.compare._records import (
    ComparedAudit,
    ComparedGroup,
    ComparedScore,
    Comparison,
    ComparisonError,
    ComparisonErrorKind,
    PairedComparison,
    RequestedSettings,
)
from db.compare._rule import DEFAULT_MAX_COMPARED_AUDITS, check_audit_ids, resolve_settings
from db.scores import group_values

AVERAGE = "average"


def compared_audits(session: Session, audit_ids: Iterable[int]) -> dict[int, ComparedAudit]:
    """The given audits (unknown ids left out), read afresh from the database.

    Plain column reads, never ORM objects: a stale object in the session's identity map
    cannot make two audits look as if they scored the same data set.
    """
    ids = sorted(set(audit_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(
            Audit.id.label("id"),
            Audit.checkpoint_id.label("checkpoint_id"),
            Checkpoint.label.label("checkpoint_label"),
            Checkpoint.model.label("model"),
            Checkpoint.revision.label("revision"),
            Audit.dataset_id.label("dataset_id"),
            DatasetRecord.name.label("dataset_name"),
            DatasetRecord.sha256.label("dataset_sha256"),
            Audit.status.label("status"),
            Audit.average.label("average"),
            Audit.average_ci_low.label("average_ci_low"),
            Audit.average_ci_high.label("average_ci_high"),
            Audit.finished_at.label("finished_at"),
        )
        .join(Checkpoint, Checkpoint.id == Audit.checkpoint_id)
        .join(DatasetRecord, DatasetRecord.id == Audit.dataset_id)
        .where(Audit.id.in_(ids))
    ).all()
    return {int(row.id): ComparedAudit(**row._mapping) for row in rows}


def side_by_side(session: Session, audits: Sequence[ComparedAudit]) -> tuple[ComparedGroup, ...]:
    """Every group any of the audits scored, sorted by name, then the average; one score
    per audit in the order given (None where an audit does not name the group)."""
    values = group_values(session, [a.id for a in audits])
    per_audit = [{v.group: v for v in values[a.id]} for a in audits]
    names = sorted({name for groups in per_audit for name in groups})
    out = []
    for name in names:
        scores = []
        for audit, groups in zip(audits, per_audit, strict=True):
            value = groups.get(name)
            scores.append(
                ComparedScore(
                    audit_id=audit.id,
                    score=value.value if value else None,
                    ci_low=value.ci_low if value else None,
                    ci_high=value.ci_high if value else None,
                    p_value=value.p_value if value else None,
                    n_harmful=value.n_harmful if value else 0,
                    n_neutral=value.n_neutral if value else 0,
                    significant=value.significant if value else False,
                    unscored_reason=(
                        value.unscored_reason if value else f"audit {audit.id} has no such group"
                    ),
                )
            )
        out.append(ComparedGroup(name, tuple(scores)))
    average = tuple(
        ComparedScore(
            audit_id=a.id,
            score=a.average,
            ci_low=a.average_ci_low,
            ci_high=a.average_ci_high,
            p_value=None,
            n_harmful=None,
            n_neutral=None,
            significant=None,
            unscored_reason=None if a.average is not None else "no scored group",
        )
        for a in audits
    )
    return (*out, ComparedGroup(AVERAGE, average))


def _other_dataset(audit: ComparedAudit, baseline: ComparedAudit) -> str:
    return (
        f"audit {audit.id} scored data set {audit.dataset_name!r} "
        f"(sha256 {audit.dataset_sha256[:12]}), the baseline audit {baseline.id} "
        f"{baseline.dataset_name!r} (sha256 {baseline.dataset_sha256[:12]}): "
        "no shared sentences to pair"
    )


def compare_audits(
    session: Session,
    audit_ids: Sequence[int],
    settings: RequestedSettings | None = None,
    *,
    max_audits: int = DEFAULT_MAX_COMPARED_AUDITS,
    refuse_other_datasets: bool = True,
) -> Comparison:
    """The audits side by side, and each later audit's paired differences from the first.

    Settings: the baseline audit's stored resamples, seed and confidence, each replaced
    by `settings` where it names one (never more resamples than the baseline's own).
    Every audit must have succeeded. An audit of another data set than the baseline's
    is refused, or with `refuse_other_datasets=False` (the pages) its pair is recorded
    with no differences and the reason. Paired differences come from the
    `paired_differences` table when computed before; new ones are committed there.

    Raises ComparisonError naming the field at fault.
    """
    ids = list(audit_ids)
    check_audit_ids(ids, max_audits)
    found = compared_audits(session, ids)
    for audit_id in ids:
        audit = found.get(audit_id)
        if audit is None:
            raise ComparisonError(ComparisonErrorKind.not_found, "audits", f"no audit {audit_id}")
        if audit.status is not AuditStatus.succeeded:
            raise ComparisonError(
                ComparisonErrorKind.not_finished,
                "audits",
                f"audit {audit_id} is {audit.status.value}; only succeeded audits can be compared",
            )
    audits = [found[i] for i in ids]
    baseline = audits[0]
    stored = session.scalar(select(Audit.settings).where(Audit.id == baseline.id))
    resolved = resolve_settings(baseline.id, stored or {}, settings)
    others = [a for a in audits[1:] if a.dataset_id != baseline.dataset_id]
    if others and refuse_other_datasets:
        raise ComparisonError(
            ComparisonErrorKind.invalid, "audits", _other_dataset(others[0], baseline)
        )
    pairs = []
    computed = False
    for candidate in audits[1:]:
        if candidate.dataset_id != baseline.dataset_id:
            pairs.append(
                PairedComparison(baseline.id, candidate.id, (), _other_dataset(candidate, baseline))
            )
            continue
        differences, fresh = cached_differences(
            session,
            dataset_id=baseline.dataset_id,
            baseline_id=baseline.id,
            candidate_id=candidate.id,
            settings=resolved,
        )
        computed = computed or fresh
        pairs.append(PairedComparison(baseline.id, candidate.id, differences, None))
    if computed:
        session.commit()
    return Comparison(
        settings=resolved,
        audits=tuple(audits),
        groups=side_by_side(session, audits),
        pairs=tuple(pairs),
    )
