"""`toxaudit worker` and `toxaudit db upgrade` from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from cli import main
from db import Base, alembic_config


def test_db_upgrade_creates_every_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    assert main(["db", "upgrade", "--url", url]) == 0
    assert main(["db", "upgrade", "--url", url]) == 0  # idempotent
    engine = create_engine(url)
    try:
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
        with engine.connect() as connection:
            head = connection.execute(text("select version_num from alembic_version")).scalar()
        assert head == ScriptDirectory.from_config(alembic_config()).get_current_head()
    finally:
        engine.dispose()
    assert "newest revision" in capsys.readouterr().out


def test_worker_without_broker_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from workers import get_worker_settings

    monkeypatch.delenv("TOXAUDIT_BROKER_URL", raising=False)
    get_worker_settings.cache_clear()
    try:
        with pytest.raises(SystemExit) as exit_info:
            main(["worker"])
    finally:
        get_worker_settings.cache_clear()
    assert exit_info.value.code == 2
    assert "TOXAUDIT_BROKER_URL" in capsys.readouterr().err


def test_worker_rejects_unknown_queues(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["worker", "--queues", "gpu,cpu"])
    assert exit_info.value.code == 2
    assert "subset of gpu, default" in capsys.readouterr().err
