"""The pages' query parameters: each bounded, and the audits a page is asked for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query
from pydantic import Field

# Every parameter is bounded, so a request can never reach the database with a number
# it cannot hold (ids are 32-bit integer columns in PostgreSQL, a page whose offset
# overflows) or megabytes of text: it gets 422 naming the parameter instead.
MAX_ID = 2**31 - 1
MAX_PAGE = 1_000_000
Id = Annotated[int, Field(ge=0, le=MAX_ID)]
Ids = Annotated[list[Id], Query(max_length=500)]
OldIds = Annotated[
    list[Id],
    Query(max_length=500, deprecated=True, description="old name of `audit`, read as it"),
]
OptionalId = Annotated[int | None, Query(ge=0, le=MAX_ID)]


@dataclass(frozen=True, slots=True)
class AskedAudits:
    """The audits a page was asked for, by `audit=` or its deprecated old name `job=`."""

    ids: list[int]
    """New name first, then old."""
    deprecation: str | None
    """The note to show (and send as headers) when the old name was used; else None."""


def asked_audits(
    audit: Ids = [],  # noqa: B006 - FastAPI copies defaults
    job: OldIds = [],  # noqa: B006
) -> AskedAudits:
    return AskedAudits([*audit, *job], AUDIT_PARAMETER_NOTE if job else None)


AskedAuditsDep = Annotated[AskedAudits, Depends(asked_audits)]

Download = Annotated[str | None, Query(max_length=100)]
Format = Annotated[str, Query(max_length=10)]
ShortText = Annotated[str | None, Query(max_length=200)]
LongText = Annotated[str | None, Query(max_length=1000)]


# Issue 13: the pages said `?job=` for an audit until they said `?audit=`. For one release
# the old name is still read (as `audit`), and the answer says it is deprecated.
AUDIT_PARAMETER_NOTE = (
    "The query parameter `job` is deprecated and will be removed in the next release: "
    "it is read as `audit`; use `audit=` in links and bookmarks."
)
