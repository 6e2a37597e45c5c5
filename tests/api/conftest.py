"""An app on the test's database session, with dispatching recorded instead of run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api import ApiSettings, create_app, get_dispatcher, get_session
from db import create_api_token


@pytest.fixture()
def roots(tmp_path: Path) -> Path:
    """A model and data-set root holding a (fake) model directory."""
    root = tmp_path / "root"
    (root / "model").mkdir(parents=True)
    (root / "model" / "config.json").write_text("{}", encoding="utf-8")
    return root


@pytest.fixture()
def api_settings(roots: Path) -> ApiSettings:
    return ApiSettings(model_roots=[roots], dataset_roots=[roots], max_body_bytes=4096)


@pytest.fixture()
def dispatched() -> list[int]:
    return []


@pytest.fixture()
def client(
    db_session: Session, api_settings: ApiSettings, dispatched: list[int]
) -> Iterator[TestClient]:
    app = create_app(api_settings)
    app.dependency_overrides[get_session] = lambda: db_session
    app.dependency_overrides[get_dispatcher] = lambda: dispatched.append
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture()
def auth(db_session: Session) -> dict[str, str]:
    token = create_api_token(db_session, "test")
    db_session.commit()
    return {"Authorization": f"Bearer {token}"}
