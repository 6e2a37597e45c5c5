"""Following audits on the service until they finish, on one progress bar (`submit
--wait` follows one, `sweep --api` a series)."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cli._client import ServiceClient

TIMEOUT_SECONDS = 60.0
"""Seconds per HTTP request when submitting and following: submitting may wait on the
database of a busy service."""


def follow_audits(
    client: ServiceClient, audits: Sequence[dict[str, Any]], interval: float, *, desc: str
) -> list[dict[str, Any]]:
    """Poll every unfinished audit each `interval` seconds until all have finished; the
    bar counts the sentences scored over all of them. Returns their final records, in
    the order given."""
    from tqdm import tqdm

    current = list(audits)
    with tqdm(desc=desc, unit="sentence", file=sys.stderr, dynamic_ncols=True, total=None) as bar:
        while True:
            total = sum(audit["progress"]["total"] or 0 for audit in current)
            if total and bar.total != total:
                bar.total = total
            bar.update(sum(audit["progress"]["done"] for audit in current) - bar.n)
            finished = sum(1 for audit in current if audit["finished"])
            bar.set_postfix_str(
                current[0]["status"] if len(current) == 1 else f"{finished}/{len(current)} finished"
            )
            if finished == len(current):
                return current
            time.sleep(interval)
            current = [
                audit if audit["finished"] else client.audit(audit["id"]) for audit in current
            ]
