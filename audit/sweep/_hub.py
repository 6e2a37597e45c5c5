"""A hub repository's training checkpoints: named revisions, or every branch and tag
listed through huggingface_hub (Pythia-style `step1000` branches, for instance)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from audit.sweep._sources import SweepCheckpoint, SweepSourceError, _ordered, parse_step


def _hub_transport_errors() -> tuple[type[Exception], ...]:
    """The errors of the HTTP client huggingface_hub talks through (httpx2 in 2.x, httpx
    in 1.x): a connection refused or a name not resolved is one of these, not an
    OSError."""
    import importlib
    import importlib.util

    return tuple(
        importlib.import_module(module).RequestError
        for module in ("httpx2", "httpx")
        if importlib.util.find_spec(module) is not None
    )


def _listed_refs(repo_id: str) -> list[str]:
    """Branch and tag names of `repo_id`, or a SweepSourceError saying why not."""
    import huggingface_hub

    transport = _hub_transport_errors()
    failures: tuple[type[Exception], ...] = (OSError, ValueError, *transport)
    try:
        refs = huggingface_hub.list_repo_refs(repo_id)
    except failures as exc:
        # OfflineModeIsEnabled is a ConnectionError (OSError), no network a transport
        # error of the HTTP client; the hub's HTTP errors (no such repository, a refused
        # token) are OSErrors too.
        offline = isinstance(exc, (ConnectionError, *transport))
        hint = (
            " (offline: list the revisions yourself with --revisions, once the weights are "
            "in the Hugging Face cache)"
            if offline
            else ""
        )
        raise SweepSourceError(
            f"cannot list the branches and tags of {repo_id!r}: {exc}{hint}"
        ) from exc
    return [ref.name for ref in [*refs.branches, *refs.tags]]


def hub_checkpoints(
    repo_id: str,
    *,
    revisions: Sequence[str] = (),
    all_revisions: bool = False,
    match: str | None = None,
    step_pattern: str | None = None,
) -> tuple[SweepCheckpoint, ...]:
    """The hub checkpoints of `repo_id`: the `revisions` named, or with `all_revisions`
    every branch and tag whose name matches `match` (a regular expression, searched).

    Each step is parsed from the revision's name (`step_pattern`, else its last run of
    digits). Listed refs with no step in their name (`main`, say) are not training
    checkpoints and are left out; named revisions keep their order when one has none.
    """
    if bool(revisions) == all_revisions:
        raise SweepSourceError(f"{repo_id}: give either revisions or all_revisions, not both")
    if all_revisions:
        names = _listed_refs(repo_id)
        if match is not None:
            try:
                selector = re.compile(match)
            except re.error as exc:
                raise SweepSourceError(
                    f"match pattern {match!r} is not a regular expression: {exc}"
                ) from exc
            names = [name for name in names if selector.search(name)]
        found = [
            SweepCheckpoint(f"{repo_id}@{name}", step, repo_id, name)
            for name in dict.fromkeys(names)
            if (step := parse_step(name, step_pattern, where=f"{repo_id}@{name}")) is not None
        ]
        if not found:
            which = f" matching {match!r}" if match is not None else ""
            raise SweepSourceError(f"{repo_id}: no branch or tag{which} with a step in its name")
        return _ordered(found)
    named = [
        SweepCheckpoint(
            f"{repo_id}@{name}",
            parse_step(name, step_pattern, where=f"{repo_id}@{name}"),
            repo_id,
            name,
        )
        for name in dict.fromkeys(revisions)
    ]
    return _ordered(named)
