"""`toxaudit watchdog`: send again the audits whose broker messages were lost."""

from __future__ import annotations

import argparse

from cli._worker import broker_settings


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "watchdog",
        help="send again the audits whose broker messages were lost (needs TOXAUDIT_BROKER_URL)",
        description="Every TOXAUDIT_STALL_CHECK_INTERVAL seconds, find active audits that have "
        "not moved for TOXAUDIT_STALL_TIMEOUT seconds and have no task queued or running in "
        "the broker (lost with a Redis that kept no data, or purged), and send them to the "
        "workers again; they resume where they stopped. Run one per deployment.",
    )
    p.add_argument("--once", action="store_true", help="check once and exit")
    p.set_defaults(handler=cmd_watchdog)


def cmd_watchdog(args: argparse.Namespace) -> int:
    import logging

    from workers import watch

    settings = broker_settings(
        "the embedded worker of `toxaudit serve` resumes its audits itself when it starts"
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    sent = watch(settings=settings, once=args.once)
    print(f"sent again: {', '.join(map(str, sent)) or 'none'}")
    return 0
