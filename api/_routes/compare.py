"""/api/compare: audits' group scores side by side, with paired differences (db.compare)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status

from api._deps import SessionDep, SettingsDep, read_access
from db.compare import (
    MAX_SEED,
    SIGNIFICANCE_PROCEDURE,
    Comparison,
    ComparisonError,
    ComparisonErrorKind,
    RequestedSettings,
    compare_audits,
)

router = APIRouter(tags=["compare"])

DESCRIPTION = f"""Per-group scores of each audit side by side, and each later audit's paired
bootstrap difference from the first (the baseline) over the sentences both scored.

**Settings rule.** The paired bootstrap uses the baseline audit's stored settings
(resamples, seed, confidence) unless the request names others. A request may ask for at
most the baseline audit's own number of resamples (more: 422), and may compare at most
`TOXAUDIT_MAX_COMPARED_AUDITS` audits (default 10; more: 422). `settings.requested`
says which settings the request named. The dashboards' compare page and
`toxaudit gate --api` report this same comparison.

**Cache.** Differences of a pair under given settings are computed once and stored;
later requests read them.

**Significance.** {SIGNIFICANCE_PROCEDURE}.
"""

_STATUS = {
    ComparisonErrorKind.invalid: status.HTTP_422_UNPROCESSABLE_CONTENT,
    ComparisonErrorKind.not_found: status.HTTP_404_NOT_FOUND,
    ComparisonErrorKind.not_finished: status.HTTP_409_CONFLICT,
}


def _error(exc: ComparisonError, value: object) -> HTTPException:
    code = _STATUS[exc.kind]
    detail: Any
    if code == status.HTTP_422_UNPROCESSABLE_CONTENT:
        # The shape FastAPI gives its own validation errors, so clients parse one shape.
        detail = [
            {"type": "value_error", "loc": ["query", exc.field], "msg": exc.message, "input": value}
        ]
    else:
        detail = f"{exc.field}: {exc.message}"
    return HTTPException(code, detail)


def _parse_ids(raw: str) -> list[int]:
    parts = [part.strip() for part in raw.split(",")]
    if not all(part.isascii() and part.isdigit() and int(part) < 2**31 for part in parts):
        raise _error(
            ComparisonError(
                ComparisonErrorKind.invalid,
                "audits",
                f"expected comma-separated audit ids, got {raw!r}",
            ),
            raw,
        )
    return [int(part) for part in parts]


@router.get(
    "/compare",
    dependencies=[Depends(read_access)],
    summary="Compare audits",
    description=DESCRIPTION,
    response_model=Comparison,
    responses={
        404: {"description": "An audit id names no audit."},
        409: {"description": "An audit has not succeeded."},
    },
)
def compare(
    session: SessionDep,
    api_settings: SettingsDep,
    audits: Annotated[
        str,
        Query(
            max_length=200,
            description="comma-separated audit ids; the first is the baseline",
            examples=["1,2"],
        ),
    ],
    resamples: Annotated[
        int | None,
        Query(ge=1, le=1_000_000, description="default: the baseline audit's own; never more"),
    ] = None,
    seed: Annotated[
        int | None, Query(ge=0, le=MAX_SEED, description="default: the baseline audit's own")
    ] = None,
    confidence: Annotated[
        float | None,
        Query(gt=0, lt=1, description="interval level; default: the baseline audit's own"),
    ] = None,
) -> Comparison:
    requested = RequestedSettings(resamples=resamples, seed=seed, confidence=confidence)
    try:
        return compare_audits(
            session,
            _parse_ids(audits),
            requested,
            max_audits=api_settings.max_compared_audits,
        )
    except ComparisonError as exc:
        value = {"audits": audits, "resamples": resamples, "seed": seed}.get(exc.field, confidence)
        raise _error(exc, value) from exc
