"""Seeded databases for the query tests (the synthetic audits the dashboards show)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.dashboards.seed import Seeded, seed_database


@pytest.fixture()
def seeded(db_session: Session) -> Seeded:
    """The synthetic audits in this test's (rolled back) transaction."""
    return seed_database(db_session)
