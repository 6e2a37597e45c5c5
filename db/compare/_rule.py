"""The settings rule of a comparison, and the bounds a reader cannot exceed.

The pair's settings (resamples, seed, confidence) are the baseline audit's stored
settings unless the request names others. A request may ask for fewer resamples than
the baseline audit's own, never more: a reader cannot make the service work harder
than the audit's own owner chose to. At most `max_audits` audits are compared at once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from audit.scoring import DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES, DEFAULT_SEED
from db.compare._records import (
    SIGNIFICANCE_PROCEDURE,
    ComparisonError,
    ComparisonErrorKind,
    ComparisonSettings,
    RequestedSettings,
)

DEFAULT_MAX_COMPARED_AUDITS = 10
"""Audits one comparison may hold (TOXAUDIT_MAX_COMPARED_AUDITS in the API)."""

MAX_SEED = 2**32 - 1
"""Largest bootstrap seed (numpy's seeds are unsigned 32-bit here, as audits' are)."""


def _invalid(field: str, message: str) -> ComparisonError:
    return ComparisonError(ComparisonErrorKind.invalid, field, message)


def check_audit_ids(audit_ids: list[int], max_audits: int) -> None:
    """Between 2 and max_audits ids, none repeated."""
    if not 2 <= len(audit_ids) <= max_audits:
        raise _invalid("audits", f"give between 2 and {max_audits} audit ids, got {len(audit_ids)}")
    repeated = sorted({i for i in audit_ids if audit_ids.count(i) > 1})
    if repeated:
        raise _invalid(
            "audits", f"audit id {', '.join(map(str, repeated))} is repeated; name each once"
        )


def stored_settings(baseline_id: int, settings: Mapping[str, Any]) -> tuple[int, int, float]:
    """(resamples, seed, confidence) the baseline audit was scored with (defaults filled)."""
    resamples = settings.get("n_resamples", DEFAULT_RESAMPLES)
    seed = settings.get("seed", DEFAULT_SEED)
    confidence = settings.get("confidence", DEFAULT_CONFIDENCE)
    if not (isinstance(resamples, int) and isinstance(seed, int)) or not isinstance(
        confidence, int | float
    ):
        # Stored by this service, so never the reader's fault; say what is wrong anyway.
        raise _invalid(
            "audits",
            f"audit {baseline_id} has unusable stored settings "
            f"(n_resamples={resamples!r}, seed={seed!r}, confidence={confidence!r})",
        )
    return resamples, seed, float(confidence)


def resolve_settings(
    baseline_id: int, stored: Mapping[str, Any], requested: RequestedSettings | None
) -> ComparisonSettings:
    """The baseline's stored settings, each replaced by the request's where it names one."""
    own_resamples, own_seed, own_confidence = stored_settings(baseline_id, stored)
    requested = requested or RequestedSettings()
    named: list[str] = []
    resamples, seed, confidence = own_resamples, own_seed, own_confidence
    if requested.resamples is not None:
        named.append("resamples")
        resamples = requested.resamples
        if resamples < 1:
            raise _invalid("resamples", f"must be at least 1, got {resamples}")
        if resamples > own_resamples:
            raise _invalid(
                "resamples",
                f"at most {own_resamples}, the baseline audit {baseline_id}'s own resamples; "
                f"got {resamples}",
            )
    if requested.seed is not None:
        named.append("seed")
        seed = requested.seed
        if not 0 <= seed <= MAX_SEED:
            raise _invalid("seed", f"must be between 0 and {MAX_SEED}, got {seed}")
    if requested.confidence is not None:
        named.append("confidence")
        confidence = requested.confidence
        if not (math.isfinite(confidence) and 0.0 < confidence < 1.0):
            raise _invalid("confidence", f"must be between 0 and 1 (exclusive), got {confidence}")
    return ComparisonSettings(
        resamples=resamples,
        seed=seed,
        confidence=confidence,
        requested=tuple(named),
        significance=SIGNIFICANCE_PROCEDURE,
    )
