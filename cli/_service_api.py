"""`toxaudit serve`, `submit` and `token create`: the audit service from the command line."""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import TYPE_CHECKING, Any

from cli._arguments import positive_int
from cli._errors import UsageError

if TYPE_CHECKING:
    from datetime import datetime

    import httpx

DEFAULT_API = "http://127.0.0.1:8000"
FINISHED = ("succeeded", "failed", "cancelled")


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
        "the dashboards. Without TOXAUDIT_BROKER_URL, jobs run on a worker thread of this "
        "process, so this one command is the whole service on a SQLite file.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    p.add_argument("--port", type=_port, default=8000, help="port to listen on (8000)")
    p.add_argument(
        "--no-migrate", action="store_true", help="do not apply database migrations first"
    )
    p.set_defaults(handler=cmd_serve)

    p = commands.add_parser(
        "submit",
        help="submit an audit to the service",
        description="Submit an audit over HTTP and print its id; with --wait, show its "
        "progress and print the group table when it ends.",
    )
    p.add_argument("--model", required=True, help="hub id, alias, or a path under the roots")
    p.add_argument("--revision", help="hub branch, tag or commit")
    p.add_argument("--label", help="checkpoint label (default: the model reference)")
    p.add_argument("--step", type=int, help="training step of the checkpoint")
    p.add_argument("--tag", action="append", default=[], dest="tags", help="tag (repeatable)")
    p.add_argument("--dataset", default="sample", help="sample, toxigen, or a file on the server")
    p.add_argument("--alpha", type=float, help="significance level (0.05)")
    p.add_argument("--resamples", type=positive_int, help="bootstrap resamples (1000)")
    p.add_argument("--seed", type=int, help="bootstrap seed (0)")
    p.add_argument("--limit", type=positive_int, help="score only the first N rows")
    p.add_argument("--batch-tokens", type=positive_int, help="token budget per batch")
    p.add_argument(
        "--lm-head",
        choices=["auto", "clm", "mlm"],
        help="clm: perplexity; mlm: pseudo-perplexity of a masked LM; auto (default): by config",
    )
    p.add_argument("--chunk-size", type=positive_int, help="rows per worker task")
    p.add_argument(
        "--api",
        default=os.environ.get("TOXAUDIT_API_URL", DEFAULT_API),
        help=f"service URL (TOXAUDIT_API_URL, default {DEFAULT_API})",
    )
    p.add_argument("--token", help="bearer token (default: TOXAUDIT_TOKEN)")
    p.add_argument("--wait", action="store_true", help="follow the job and print its table")
    p.add_argument(
        "--poll-interval", type=float, default=1.0, help="seconds between progress checks (1)"
    )
    p.set_defaults(handler=cmd_submit)

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
        f", jobs run by {where}",
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


def _request_body(args: argparse.Namespace) -> dict[str, Any]:
    options = {
        key: value
        for key, value in {
            "alpha": args.alpha,
            "resamples": args.resamples,
            "seed": args.seed,
            "limit": args.limit,
            "batch_tokens": args.batch_tokens,
            "lm_head": args.lm_head,
            "chunk_size": args.chunk_size,
        }.items()
        if value is not None
    }
    body: dict[str, Any] = {"model": args.model, "dataset": args.dataset, "options": options}
    for key in ("revision", "label", "step"):
        if getattr(args, key) is not None:
            body[key] = getattr(args, key)
    if args.tags:
        body["tags"] = args.tags
    return body


class ServiceError(Exception):
    """The service refused the request or could not be reached."""


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300] or response.reason_phrase
    detail = body.get("detail", body) if isinstance(body, dict) else body
    if isinstance(detail, list):
        # The service's error shape: name each field; an empty `loc` is about the request
        # as a whole (an unknown audit, a refused token).
        return "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', [])[1:]) or e.get('loc', ['body'])[0]}: "
            f"{e.get('msg')}"
            if e.get("loc")
            else str(e.get("msg"))
            for e in detail
            if isinstance(e, dict)
        )
    return str(detail)[:300]


def _call(client: httpx.Client, method: str, path: str, **kwargs: Any) -> Any:
    import httpx

    try:
        response = client.request(method, path, **kwargs)
    except httpx.HTTPError as exc:
        raise ServiceError(f"cannot reach {client.base_url}: {exc or type(exc).__name__}") from exc
    if response.status_code == 401:
        raise ServiceError(
            f"{method} {path}: HTTP 401, {_detail(response)} (give --token or set TOXAUDIT_TOKEN)"
        )
    if response.is_error:
        raise ServiceError(f"{method} {path}: HTTP {response.status_code}: {_detail(response)}")
    return response.json()


def cmd_submit(args: argparse.Namespace) -> int:
    import httpx

    if args.poll_interval <= 0:
        raise UsageError(f"--poll-interval must be positive, got {args.poll_interval}")
    token = args.token or os.environ.get("TOXAUDIT_TOKEN")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(base_url=args.api.rstrip("/"), headers=headers, timeout=60) as client:
        try:
            job = _call(client, "POST", "/api/audits", json=_request_body(args))
            print(job["id"])
            print(
                f"toxaudit: audit {job['id']} {job['status']}"
                + (f" (reusing audit {job['reused_from_id']})" if job.get("reused") else ""),
                file=sys.stderr,
            )
            if not args.wait:
                return 0
            job = _follow(client, job, args.poll_interval)
            return _report(client, job)
        except ServiceError as exc:
            print(f"toxaudit: error: {exc}", file=sys.stderr)
            return 2


def _follow(client: httpx.Client, job: dict[str, Any], interval: float) -> dict[str, Any]:
    from tqdm import tqdm

    progress = job["progress"]
    with tqdm(
        total=progress["total"] or None,
        initial=progress["done"],
        desc=f"audit {job['id']}",
        unit="sentence",
        file=sys.stderr,
        dynamic_ncols=True,
    ) as bar:
        while job["status"] not in FINISHED:
            time.sleep(interval)
            job = _call(client, "GET", f"/api/audits/{job['id']}")
            progress = job["progress"]
            if progress["total"] and bar.total != progress["total"]:
                bar.total = progress["total"]
            bar.update(progress["done"] - bar.n)
            bar.set_postfix_str(job["status"])
    return job


def _report(client: httpx.Client, job: dict[str, Any]) -> int:
    from audit.results import format_scores_table
    from audit.scoring import SafetyScores

    if job["status"] != "succeeded":
        cause = job.get("error") or "no cause recorded"
        print(f"toxaudit: audit {job['id']} {job['status']}: {cause}", file=sys.stderr)
        return 1
    results = _call(client, "GET", f"/api/audits/{job['id']}/results.json")
    print(format_scores_table(SafetyScores.from_dict(results["scores"])))
    return 0
