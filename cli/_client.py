"""The CLI's face of the service client (client/): opening it from the flags, and reading
its answers as the project's records (the gate's runs, perplexities and comparisons).

Every failure is a `client.ServiceError`, which the CLI's main error handler prints as
one line `toxaudit: error: ...` with exit status 2.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cli._errors import UsageError
from cli._service_records import ServiceComparison, ServiceRun
from client import DEFAULT_API, ServiceClient, ServiceError, service_token

__all__ = [
    "DEFAULT_API",
    "ServiceClient",
    "ServiceError",
    "audit_request",
    "fetch_comparison",
    "fetch_perplexities",
    "fetch_run",
    "open_client",
    "service_token",
]

if TYPE_CHECKING:
    import argparse

    import httpx

    from audit.scoring import ScoredSentence


# The flags an audit request carries as its options, when the command has them and
# they were given (the service's defaults apply otherwise).
_OPTION_FLAGS = ("alpha", "resamples", "seed", "limit", "batch_tokens", "lm_head", "chunk_size")


def audit_request(
    args: argparse.Namespace,
    model: str,
    *,
    label: str | None = None,
    revision: str | None = None,
    step: int | None = None,
) -> dict[str, Any]:
    """The body of POST /api/audits from a command's flags: `submit`'s and `sweep --api`'s."""
    options = {
        key: value for key in _OPTION_FLAGS if (value := getattr(args, key, None)) is not None
    }
    body: dict[str, Any] = {"model": model, "dataset": args.dataset, "options": options}
    for key, value in (("revision", revision), ("label", label), ("step", step)):
        if value is not None:
            body[key] = value
    if args.tag:
        body["tags"] = args.tag
    return body


def open_client(
    api: str,
    *,
    token: str | None,
    timeout: float,
    transport: httpx.BaseTransport | None = None,
) -> ServiceClient:
    """A client of the service at `api`, with the token of --token or the environment.

    A URL that is not http(s) or a timeout that is not positive is bad usage, named by
    its flag.
    """
    if not api.startswith(("http://", "https://")):
        raise UsageError(f"--api must be an http:// or https:// URL, got {api!r}")
    if timeout <= 0:
        raise UsageError(f"--timeout must be positive, got {timeout}")
    return ServiceClient(api, token=service_token(token), timeout=timeout, transport=transport)


def fetch_run(client: ServiceClient, reference: str) -> ServiceRun:
    """The results of an audit id or of a checkpoint label's newest succeeded audit."""
    from audit.results import AuditResult

    audit_id, data = client.find_results(reference)
    source = f"{client.base_url}/api/audits/{audit_id}/results.json"
    return ServiceRun(
        audit_id,
        AuditResult.from_dict(data, source=source),
        f"audit {audit_id} at {client.base_url}",
    )


def fetch_perplexities(client: ServiceClient, audit_id: str) -> list[ScoredSentence]:
    """The audit's per-sentence perplexities, validated like a perplexities file."""
    from audit.results import parse_perplexities

    url = f"{client.base_url}/api/audits/{audit_id}/perplexities.json"
    return parse_perplexities(client.perplexity_records(audit_id), source=url)


def fetch_comparison(
    client: ServiceClient,
    baseline_id: str,
    candidate_id: str,
    requested: dict[str, str | int | float],
) -> ServiceComparison:
    """The service's paired differences of candidate against baseline (see
    ServiceClient.comparison for `requested`)."""
    from dataclasses import fields

    from audit.scoring import GroupDifference

    url, data = client.comparison(baseline_id, candidate_id, requested)
    try:
        settings = data["settings"]
        (pair,) = data["pairs"]
        names = [f.name for f in fields(GroupDifference)]
        # A newer service may add fields; the gate reads those it knows.
        differences = tuple(
            GroupDifference(**{name: item[name] for name in names}) for item in pair["differences"]
        )
        return ServiceComparison(
            differences,
            int(settings["resamples"]),
            int(settings["seed"]),
            float(settings["confidence"]),
            url,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ServiceError(
            f"{url}: not a comparison of one pair ({type(exc).__name__}: {exc})"
        ) from exc
