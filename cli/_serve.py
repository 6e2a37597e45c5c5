"""`toxaudit serve`: the HTTP API, the dashboards and (with no broker) a worker thread."""

from __future__ import annotations

import argparse
import sys


def _port(value: str) -> int:
    number = int(value)
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 0 and 65535, got {number}")
    return number


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "serve",
        help="run the HTTP API (and, with no broker, an in-process worker)",
        description="Apply database migrations, then serve the API, its docs at /docs and "
        "the dashboards. Without TOXAUDIT_BROKER_URL, audits run on a worker thread of this "
        "process, so this one command is the whole service on a SQLite file.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    p.add_argument("--port", type=_port, default=8000, help="port to listen on (8000)")
    p.add_argument(
        "--no-migrate", action="store_true", help="do not apply database migrations first"
    )
    p.set_defaults(handler=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn
    from sqlalchemy.engine import make_url

    from api import create_app
    from db import get_database_settings, upgrade_database
    from workers import get_embedded_worker, get_worker_settings

    if not args.no_migrate:
        upgrade_database()
    app = create_app()
    worker = get_embedded_worker() if get_worker_settings().embedded else None
    where = "an in-process worker" if worker else "Celery workers (TOXAUDIT_BROKER_URL)"
    print(
        f"toxaudit: serving http://{args.host}:{args.port}/api (docs at /docs) on "
        f"{make_url(get_database_settings().database_url).render_as_string(hide_password=True)}"
        f", audits run by {where}",
        file=sys.stderr,
        flush=True,
    )
    try:
        uvicorn.run(
            app,
            host=args.host,
            port=args.port,
            log_level="info" if args.verbose else "warning",
            # The body limit is enforced by the app; keep-alive and headers by uvicorn.
            server_header=False,
        )
    finally:
        if worker is not None:
            worker.stop()
    return 0
