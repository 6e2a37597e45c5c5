"""Query helpers every concept shares: a page of a listing, counting, dialect upserts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing and the size of the whole filtered listing."""

    items: list[T]
    """The rows of this page, in listing order."""
    total: int
    """Rows matching the filters, over all pages."""


def count_rows(session: Session, query: Select[*tuple[Any, ...]]) -> int:
    """Rows the query would return, without loading them."""
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def upsert_insert(session: Session, table: Any) -> Any:
    """An INSERT that supports ON CONFLICT on the session's backend."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"toxaudit supports SQLite and PostgreSQL, not {dialect}")
