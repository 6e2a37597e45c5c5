"""`toxaudit token create|list|revoke`: the service's bearer tokens, in its database."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from cli._errors import UsageError
from cli._options import positive_int

if TYPE_CHECKING:
    from datetime import datetime


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser("token", help="API tokens: create, list, revoke")
    tokens = p.add_subparsers(dest="token_command", required=True, metavar="COMMAND")
    t = tokens.add_parser(
        "create",
        help="create a bearer token and print it once",
        description="Print a new token once; the database keeps only its SHA-256.",
    )
    t.add_argument("--name", default="default", help="what the token is for (default)")
    t.add_argument(
        "--read-only",
        action="store_true",
        help="reads only (a CI gate, a dashboard viewer): it cannot submit or cancel audits",
    )
    t.set_defaults(handler=cmd_token_create)
    t = tokens.add_parser(
        "list", help="list tokens (never their values)", description="Every token, oldest first."
    )
    t.set_defaults(handler=cmd_token_list)
    t = tokens.add_parser(
        "revoke",
        help="revoke a token by its id",
        description="Revoke a token at once; requests with it get 401 from then on.",
    )
    t.add_argument("id", type=positive_int, help="the token's id, as `toxaudit token list` shows")
    t.set_defaults(handler=cmd_token_revoke)


def cmd_token_create(args: argparse.Namespace) -> int:
    from db import create_api_token, session_scope, upgrade_database

    upgrade_database()
    with session_scope() as session:
        token = create_api_token(session, args.name, read_only=args.read_only)
    print(token)
    access = "read-only token" if args.read_only else "token"
    print(
        f"toxaudit: created {access} {args.name!r}; it is shown only now (the database keeps "
        "its hash). Send it as 'Authorization: Bearer <token>' or set TOXAUDIT_TOKEN.",
        file=sys.stderr,
    )
    return 0


def cmd_token_list(args: argparse.Namespace) -> int:
    from db import list_api_tokens, session_scope, upgrade_database

    upgrade_database()
    with session_scope() as session:
        rows = [
            (
                str(t.id),
                t.name,
                "read" if t.read_only else "read, write",
                _when(t.created_at),
                _when(t.last_used_at),
                "revoked" if t.revoked else "live",
            )
            for t in list_api_tokens(session)
        ]
    if not rows:
        print("toxaudit: no tokens yet; create one with `toxaudit token create`", file=sys.stderr)
        return 0
    header = ("id", "name", "access", "created", "last used", "state")
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    from db import revoke_api_token, session_scope, upgrade_database

    upgrade_database()
    with session_scope() as session:
        token = revoke_api_token(session, args.id)
        name = None if token is None else token.name
    if name is None:
        raise UsageError(f"no token with id {args.id} (see `toxaudit token list`)")
    print(f"toxaudit: revoked token {args.id} ({name!r})", file=sys.stderr)
    return 0


def _when(moment: datetime | None) -> str:
    return "never" if moment is None else moment.strftime("%Y-%m-%d %H:%M")
