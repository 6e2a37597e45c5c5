"""The results database: SQLAlchemy 2 models, sessions, settings and migrations."""

from db._migrate import alembic_config, downgrade_database, upgrade_database
from db._models import (
    ApiToken,
    AuditJob,
    Base,
    Checkpoint,
    DatasetRecord,
    DatasetRow,
    GenerationResult,
    GroupScoreRecord,
    JobStatus,
    SentenceResult,
    utcnow,
)
from db._session import get_engine, get_sessionmaker, make_engine, session_scope
from db._settings import DatabaseSettings, get_database_settings

__all__ = [
    "ApiToken",
    "AuditJob",
    "Base",
    "Checkpoint",
    "DatabaseSettings",
    "DatasetRecord",
    "DatasetRow",
    "GenerationResult",
    "GroupScoreRecord",
    "JobStatus",
    "SentenceResult",
    "alembic_config",
    "downgrade_database",
    "get_database_settings",
    "get_engine",
    "get_sessionmaker",
    "make_engine",
    "session_scope",
    "upgrade_database",
    "utcnow",
]
