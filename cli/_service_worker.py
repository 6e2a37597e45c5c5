"""`toxaudit worker` (a Celery worker), `toxaudit watchdog` and `toxaudit db upgrade`."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from cli._arguments import positive_int
from cli._errors import UsageError

if TYPE_CHECKING:
    from workers import WorkerSettings

QUEUES = ("gpu", "default")


def _queues(value: str) -> list[str]:
    names = [q.strip() for q in value.split(",") if q.strip()]
    unknown = [q for q in names if q not in QUEUES]
    if not names or unknown:
        raise argparse.ArgumentTypeError(
            f"queues are a comma-separated subset of {', '.join(QUEUES)}; got {value!r}"
        )
    return names


def _gpus(value: str) -> list[str] | str:
    """'all' (resolved when the worker starts) or a list of distinct device ids."""
    if value.strip() == "all":
        return "all"
    ids = [part.strip() for part in value.split(",") if part.strip()]
    if not ids or not all(i.isascii() and i.isdigit() for i in ids) or len(set(ids)) != len(ids):
        raise argparse.ArgumentTypeError(
            f"--gpus takes 'all' or distinct device ids like 0,1; got {value!r}"
        )
    return ids


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "worker",
        help="run a Celery worker for audit jobs (needs TOXAUDIT_BROKER_URL)",
        description="Consume audit tasks from Redis: `gpu` holds the model work, `default` "
        "the planning and statistics. Each process takes one task at a time and keeps its "
        "model loaded between chunks. Database and broker come from TOXAUDIT_DATABASE_URL "
        "and TOXAUDIT_BROKER_URL.",
    )
    p.add_argument(
        "--queues",
        type=_queues,
        default=list(QUEUES),
        help="comma-separated queues to consume (default: gpu,default)",
    )
    p.add_argument(
        "--concurrency",
        type=positive_int,
        default=1,
        help="worker processes (default 1: one model per GPU)",
    )
    p.add_argument(
        "--loglevel",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="log level (INFO)",
    )
    p.add_argument("--hostname", help="node name, e.g. gpu1@%%h (default: celery@host)")
    p.add_argument(
        "--gpus",
        type=_gpus,
        help="start one worker process per GPU, each pinned to its device: 'all' (the "
        "devices CUDA_VISIBLE_DEVICES lists, else every device torch sees) or ids like 0,1",
    )
    p.set_defaults(handler=cmd_worker)

    p = commands.add_parser(
        "watchdog",
        help="send again the jobs whose broker messages were lost (needs TOXAUDIT_BROKER_URL)",
        description="Every TOXAUDIT_STALL_CHECK_INTERVAL seconds, find active jobs that have "
        "not moved for TOXAUDIT_STALL_TIMEOUT seconds and have no task queued or running in "
        "the broker (lost with a Redis that kept no data, or purged), and send them to the "
        "workers again; they resume where they stopped. Run one per deployment.",
    )
    p.add_argument("--once", action="store_true", help="check once and exit")
    p.set_defaults(handler=cmd_watchdog)

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


def _broker_settings(without_broker: str) -> WorkerSettings:
    """The worker settings, which must name a broker; `without_broker` says what to do else."""
    from workers import get_worker_settings

    settings = get_worker_settings()
    if settings.embedded:
        raise UsageError(
            "no broker is configured: set TOXAUDIT_BROKER_URL (e.g. redis://127.0.0.1:6379/0); "
            + without_broker
        )
    return settings


def cmd_worker(args: argparse.Namespace) -> int:
    _broker_settings("without one, `toxaudit serve` runs jobs in-process")
    if args.gpus is not None:
        from cli._gpu_workers import run_per_gpu

        return run_per_gpu(args.gpus, queues=args.queues, loglevel=args.loglevel)

    from workers import app

    argv = [
        "worker",
        f"--queues={','.join(args.queues)}",
        f"--concurrency={args.concurrency}",
        f"--loglevel={args.loglevel}",
        "--pool=prefork",
        # One task per process at a time: a long chunk never holds back others' work.
        "--prefetch-multiplier=1",
        # Jobs are coordinated through the database; worker-to-worker chatter only
        # slows the start.
        "--without-mingle",
        "--without-gossip",
    ]
    if args.hostname:
        argv.append(f"--hostname={args.hostname}")
    app.worker_main(argv)
    return 0


def cmd_watchdog(args: argparse.Namespace) -> int:
    import logging

    from workers import watch

    settings = _broker_settings(
        "the embedded worker of `toxaudit serve` resumes its jobs itself when it starts"
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    sent = watch(settings=settings, once=args.once)
    print(f"sent again: {', '.join(map(str, sent)) or 'none'}")
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url

    from db import get_database_settings, upgrade_database

    url = args.url or get_database_settings().database_url
    upgrade_database(url)
    print(
        f"database {make_url(url).render_as_string(hide_password=True)} is at the newest revision"
    )
    return 0
