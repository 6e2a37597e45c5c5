"""Database settings, read from the environment when first asked for."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_url() -> str:
    data = Path(platformdirs.user_data_dir("toxaudit"))
    return f"sqlite:///{data / 'toxaudit.sqlite'}"


class DatabaseSettings(BaseSettings):
    """Where results live: a SQLite file by default, PostgreSQL when the URL says so."""

    model_config = SettingsConfigDict(env_prefix="TOXAUDIT_", extra="ignore")

    database_url: str = Field(default_factory=_default_url)
    """SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db (TOXAUDIT_DATABASE_URL)."""
    database_echo: bool = False
    """Log every SQL statement (TOXAUDIT_DATABASE_ECHO)."""


@lru_cache
def get_database_settings() -> DatabaseSettings:
    return DatabaseSettings()
