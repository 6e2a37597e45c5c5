"""Entry point: one argparse parser, each command group registered by its module.

Command modules import only argparse at load time; heavy imports (torch, the
database, the web app) happen inside the handlers, so `toxaudit --help` is fast
and `toxaudit run` never imports the service stack.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from types import ModuleType

from cli import (
    _db,
    _gate,
    _generate,
    _perplexity,
    _report,
    _run,
    _score,
    _serve,
    _submit,
    _sweep,
    _token,
    _watchdog,
    _worker,
)
from cli._errors import UsageError, error_line, user_errors

# One module per command or command group, in the order `toxaudit --help` lists them.
COMMAND_MODULES: tuple[ModuleType, ...] = (
    _perplexity,
    _score,
    _run,
    _gate,
    _generate,
    _report,
    _serve,
    _submit,
    _sweep,
    _token,
    _worker,
    _watchdog,
    _db,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="toxaudit",
        description="Safety and toxicity audits of language-model checkpoints.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.handler(args) or 0)
    except UsageError as exc:
        parser.exit(2, f"toxaudit: error: {exc}\n")
    except user_errors() as exc:
        print(f"toxaudit: error: {error_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("toxaudit: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
