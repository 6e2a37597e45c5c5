"""`toxaudit worker`: a Celery worker for audits (--gpus: one per GPU, cli/_gpu_workers.py)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from cli._errors import UsageError
from cli._options import positive_int

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
        help="run a Celery worker for audits (needs TOXAUDIT_BROKER_URL)",
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


def broker_settings(without_broker: str) -> WorkerSettings:
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
    broker_settings("without one, `toxaudit serve` runs audits in-process")
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
        # Audits are coordinated through the database; worker-to-worker chatter only
        # slows the start.
        "--without-mingle",
        "--without-gossip",
    ]
    if args.hostname:
        argv.append(f"--hostname={args.hostname}")
    app.worker_main(argv)
    return 0
