"""`toxaudit sweep --api`: the series submitted to the service, followed with one
progress bar, and the trend built from what the service read back (each audit's results
and per-sentence perplexities) by the same function as a local sweep's."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli._client import audit_request
from cli._follow import TIMEOUT_SECONDS, follow_audits

if TYPE_CHECKING:
    from audit.sweep import SweepCheckpoint
    from cli._client import ServiceClient


def _request_body(args: argparse.Namespace, checkpoint: SweepCheckpoint) -> dict[str, Any]:
    """POST /api/audits for one checkpoint; a local directory goes by its absolute path,
    which the service must see under its model roots."""
    local = checkpoint.revision is None and Path(checkpoint.reference).is_dir()
    return audit_request(
        args,
        str(Path(checkpoint.reference).resolve()) if local else checkpoint.reference,
        label=checkpoint.name,
        revision=checkpoint.revision,
        step=checkpoint.step,
    )


class _Series:
    """The submitted audits of the series, in checkpoint order."""

    def __init__(self, client: ServiceClient, args: argparse.Namespace) -> None:
        self.client, self.args = client, args
        self.submitted: list[tuple[SweepCheckpoint, dict[str, Any]]] = []

    def submit(self, checkpoints: Sequence[SweepCheckpoint]) -> None:
        for checkpoint in checkpoints:
            audit = self.client.submit(_request_body(self.args, checkpoint))
            reused = f" (reusing audit {audit['reused_from_id']})" if audit.get("reused") else ""
            print(
                f"toxaudit: {checkpoint.name}: audit {audit['id']} {audit['status']}{reused}",
                file=sys.stderr,
            )
            self.submitted.append((checkpoint, audit))

    def wait(self) -> None:
        """Poll every audit until all have finished, on one progress bar."""
        audits = follow_audits(
            self.client,
            [audit for _, audit in self.submitted],
            self.args.poll_interval,
            desc=f"{len(self.submitted)} audits",
        )
        self.submitted = [(c, j) for (c, _), j in zip(self.submitted, audits, strict=True)]


def sweep_through_service(
    args: argparse.Namespace, checkpoints: Sequence[SweepCheckpoint] | None
) -> int:
    """Submit each checkpoint (with its step), wait for all, print the trend; 1 when
    any audit failed, naming it. `checkpoints` None: watch the training directory and
    submit each new checkpoint as it appears."""
    from audit.results import AuditResult
    from audit.sweep import (
        TrendPoint,
        WatchOptions,
        build_trend,
        format_trend_table,
        watch_training_dir,
    )
    from cli._client import fetch_perplexities, open_client

    with open_client(args.api, token=args.token, timeout=TIMEOUT_SECONDS) as client:
        series = _Series(client, args)
        interrupted = False
        if checkpoints is None:
            watch = WatchOptions(args.interval, args.max_checkpoints, args.until_idle)
            try:
                watch_training_dir(Path(args.sources[0]), series.submit, watch)
            except KeyboardInterrupt:
                # Ctrl-C ends a --watch: what was submitted is followed to its trend (a
                # second Ctrl-C leaves it to the service).
                interrupted = True
                print(
                    f"toxaudit: stopped watching; waiting for the {len(series.submitted)} "
                    "audit(s) submitted",
                    file=sys.stderr,
                )
        else:
            series.submit(checkpoints)
        series.wait()
        succeeded = [(c, j) for c, j in series.submitted if j["status"] == "succeeded"]
        if all(c.step is not None for c, _ in succeeded):
            # A watch submits checkpoints as they complete, not always in step order.
            succeeded.sort(key=lambda pair: pair[0].step or 0)
        # The trend is computed here as `sweep` does it locally, on the audits' own
        # per-sentence perplexities: one family over the whole series.
        points = [
            TrendPoint(
                c.name,
                c.step,
                AuditResult.from_dict(client.results(j["id"])),
                fetch_perplexities(client, str(j["id"])),
            )
            for c, j in succeeded
        ]
        rows = build_trend(points)
    failed = [(c, j) for c, j in series.submitted if j["status"] != "succeeded"]
    print(format_trend_table(rows, left_out=[c.name for c, _ in failed]))
    for checkpoint, audit in failed:
        cause = audit.get("error") or "no cause recorded"
        print(
            f"toxaudit: {checkpoint.name}: audit {audit['id']} {audit['status']}: {cause}",
            file=sys.stderr,
        )
    if interrupted:
        return 130
    return 1 if failed else 0
