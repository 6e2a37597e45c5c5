"""The comparison of audits: one record shape for the API, the pages and the gate."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from pydantic import ConfigDict, computed_field

from audit.scoring import FAMILYWISE_PROCEDURE, GroupDifference
from db._models import DEPRECATED_REFERENCE, AuditStatus

# The records are the API's response model as they are (FastAPI serialises dataclasses
# through pydantic), so field docstrings become the OpenAPI descriptions.
_DOCSTRINGS = ConfigDict(use_attribute_docstrings=True)

SIGNIFICANCE_PROCEDURE = (
    "family-wise: a mark means the group's (or the average's) simultaneous paired bootstrap "
    "interval excludes zero; the intervals hold together at the stated confidence over all "
    "the checks of the pair (" + FAMILYWISE_PROCEDURE + "), as the CI gate judges drops"
)
"""How the ▼/▲ marks and significant_drop/significant_change are decided."""


class ComparisonErrorKind(enum.StrEnum):
    """What kind of request could not be compared (the API maps each to a status)."""

    invalid = "invalid"
    """The request itself is wrong: ids, their number, settings (422)."""
    not_found = "not_found"
    """An audit id names no audit (404)."""
    not_finished = "not_finished"
    """An audit has not succeeded (yet) (409)."""


class ComparisonError(ValueError):
    """A comparison that cannot be made; `field` names the request field at fault."""

    def __init__(self, kind: ComparisonErrorKind, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.kind = kind
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class RequestedSettings:
    """Bootstrap settings a request names; None keeps the baseline audit's own."""

    resamples: int | None = None
    """Paired bootstrap resamples; at most the baseline audit's own."""
    seed: int | None = None
    """Seed of the paired bootstrap."""
    confidence: float | None = None
    """Confidence level of the intervals, between 0 and 1."""


@dataclass(frozen=True, slots=True)
class ComparisonSettings:
    """The settings the paired differences were computed with, and where they came from."""

    __pydantic_config__: ClassVar[ConfigDict] = _DOCSTRINGS

    resamples: int
    """Paired bootstrap resamples."""
    seed: int
    """Seed of the paired bootstrap."""
    confidence: float
    """Confidence level of the intervals."""
    requested: tuple[str, ...]
    """The settings the request named; every other one is the baseline audit's stored one."""
    significance: str
    """The procedure behind significant_drop, significant_change and the pages' marks."""


@dataclass(frozen=True, slots=True)
class ComparedAudit:
    """One compared audit, as the comparison names it."""

    __pydantic_config__: ClassVar[ConfigDict] = _DOCSTRINGS

    id: int
    """The audit."""
    checkpoint_id: int
    """Its checkpoint."""
    checkpoint_label: str
    """The checkpoint's display label."""
    model: str
    """Hub id, path or alias of the checkpoint."""
    revision: str
    """Revision ("" for none)."""
    dataset_id: int
    """The evaluation set it scored."""
    dataset_name: str
    """The evaluation set's name."""
    dataset_sha256: str
    """The evaluation set's content hash."""
    status: AuditStatus
    """Audit status."""
    average: float | None
    """Average safety score."""
    average_ci_low: float | None
    """Lower end of the average's interval."""
    average_ci_high: float | None
    """Upper end of the average's interval."""
    finished_at: datetime | None
    """When the audit finished."""

    @computed_field(deprecated=DEPRECATED_REFERENCE)  # type: ignore[prop-decorator]
    @property
    def reference(self) -> str:
        """Deprecated: the old name of `model`, answered for one release (issue 13)."""
        return self.model


@dataclass(frozen=True, slots=True)
class ComparedScore:
    """One audit's score of one group (or of the average)."""

    __pydantic_config__: ClassVar[ConfigDict] = _DOCSTRINGS

    audit_id: int
    """The audit."""
    score: float | None
    """The safety score; None when unscored or when the audit does not name the group."""
    ci_low: float | None
    """Lower end of its bootstrap interval."""
    ci_high: float | None
    """Upper end of its bootstrap interval."""
    p_value: float | None
    """Mann-Whitney p-value (None for the average)."""
    n_harmful: int | None
    """Harmful sentences scored (None for the average)."""
    n_neutral: int | None
    """Neutral sentences scored (None for the average)."""
    significant: bool | None
    """p <= alpha (None for the average)."""
    unscored_reason: str | None
    """Why there is no score."""


@dataclass(frozen=True, slots=True)
class ComparedGroup:
    """A group's scores side by side, one per audit in the order compared."""

    __pydantic_config__: ClassVar[ConfigDict] = _DOCSTRINGS

    group: str
    """A target group, or "average" (always last)."""
    scores: tuple[ComparedScore, ...]
    """One entry per audit, in the order compared."""


@dataclass(frozen=True, slots=True)
class PairedComparison:
    """A later audit against the baseline, paired by sentence."""

    __pydantic_config__: ClassVar[ConfigDict] = _DOCSTRINGS

    baseline_id: int
    """The baseline audit (the first compared)."""
    candidate_id: int
    """The later audit."""
    differences: tuple[GroupDifference, ...]
    """audit.scoring.paired_differences over the sentences both scored; the average last."""
    unscored_reason: str | None
    """Why there are no differences (the audits scored different data sets); None otherwise."""


@dataclass(frozen=True, slots=True)
class Comparison:
    """N audits side by side, and each later audit's paired differences from the first."""

    __pydantic_config__: ClassVar[ConfigDict] = _DOCSTRINGS

    settings: ComparisonSettings
    """The paired bootstrap's settings and the significance procedure."""
    audits: tuple[ComparedAudit, ...]
    """The audits, in the order compared; the first is the baseline."""
    groups: tuple[ComparedGroup, ...]
    """Every group any audit scored, sorted by name, then "average"."""
    pairs: tuple[PairedComparison, ...]
    """Each later audit against the baseline, in the order compared."""

    @property
    def baseline_id(self) -> int:
        return self.audits[0].id

    def to_dict(self) -> dict[str, Any]:
        """The JSON the API answers (FastAPI serialises the same record the same way)."""
        from pydantic import TypeAdapter

        return TypeAdapter(Comparison).dump_python(self, mode="json")  # type: ignore[no-any-return]
