"""`toxaudit db upgrade`: bring the results database to the newest schema."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser("db", help="the results database")
    db_commands = p.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    u = db_commands.add_parser(
        "upgrade",
        help="apply the migrations",
        description="Bring the schema to the newest revision (idempotent).",
    )
    u.add_argument(
        "--url", help="SQLAlchemy URL (default: TOXAUDIT_DATABASE_URL or the SQLite file)"
    )
    u.set_defaults(handler=cmd_db_upgrade)


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url

    from db import get_database_settings, upgrade_database

    url = args.url or get_database_settings().database_url
    upgrade_database(url)
    print(
        f"database {make_url(url).render_as_string(hide_password=True)} is at the newest revision"
    )
    return 0
