"""Alembic environment: the URL comes from toxaudit's settings, never from alembic.ini."""

from __future__ import annotations

from alembic import context

from db._models import Base
from db._session import make_engine
from db._settings import get_database_settings

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    # An explicit URL set by db.migrate() (tests, `toxaudit db upgrade --url`) wins.
    return config.get_main_option("sqlalchemy.url") or get_database_settings().database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(_url())
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
