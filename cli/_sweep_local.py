"""`toxaudit sweep` in this process: the series audited one after another (one model
load each, resuming), each printed as it ends, `--store` as `run --store` stores."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from audit.models import ModelSpec
    from audit.pipeline import EvaluateOptions, Evaluation
    from audit.sweep import SweepAudit, SweepCheckpoint


def _describe(audit: SweepAudit) -> str:
    step = "-" if audit.checkpoint.step is None else str(audit.checkpoint.step)
    if audit.result is None:
        return f"step {step}  {audit.checkpoint.name}: failed: {audit.error}"
    scores = audit.result.scores
    average = "-" if scores.average is None else f"{scores.average:.3f}"
    how = f"already audited in {audit.output_dir}" if audit.skipped else f"-> {audit.output_dir}"
    return f"step {step}  {audit.checkpoint.name}: average {average} ({how})"


def default_output_root(source: str) -> Path:
    """`runs/sweep-<source>`: a local source by its absolute path, so `sweep .`, `sweep run`
    and `sweep /abs/run` resume from one folder and two runs of one name do not share it."""
    from audit.pipeline import folder_name

    path = Path(source)
    where = str(path.resolve()) if path.exists() else source
    return Path("runs") / f"sweep-{folder_name(where)}"


def sweep_locally(
    args: argparse.Namespace,
    checkpoints: Sequence[SweepCheckpoint] | None,
    options: EvaluateOptions,
    loading: ModelSpec,
) -> int:
    """Audit the series in this process (or, with `checkpoints` None, each new checkpoint
    of the watched directory), print each as it ends and the trend at the end; 1 when any
    failed, naming it."""
    from audit.sweep import (
        WatchOptions,
        format_trend_table,
        local_trend,
        run_series,
        watch_training_dir,
    )

    output_root: Path = args.output_dir or default_output_root(args.sources[0])
    store = _Store(args, options, loading) if args.store else None
    audits: list[SweepAudit] = []

    def on_audit(audit: SweepAudit, evaluation: Evaluation | None) -> None:
        # Kept as each ends, not when the series returns: a Ctrl-C keeps those done.
        audits.append(audit)
        print(_describe(audit), file=sys.stderr)
        if store is not None and audit.result is not None:
            store.record(audit, evaluation)

    def audit_series(checkpoints: Sequence[SweepCheckpoint]) -> None:
        run_series(
            checkpoints,
            args.dataset,
            options,
            output_root=output_root,
            loading=loading,
            on_audit=on_audit,
            progress=not args.watch,
        )

    interrupted = False
    try:
        if checkpoints is None:
            watch = WatchOptions(args.interval, args.max_checkpoints, args.until_idle)
            print(
                f"toxaudit: watching {args.sources[0]} every {args.interval:g} s", file=sys.stderr
            )
            watch_training_dir(Path(args.sources[0]), audit_series, watch)
        else:
            audit_series(checkpoints)
    except KeyboardInterrupt:
        # Ctrl-C is how a --watch ends: the audits done are on disk; show their trend.
        interrupted = True
    except Exception:
        # An error the series does not record per checkpoint (out of memory, a disk
        # full) ends the command, but the audits done so far still get their trend.
        print(format_trend_table(local_trend(audits)))
        print(
            f"toxaudit: stopped after {len(audits)} checkpoint(s); their audits are in "
            f"{output_root} and a rerun resumes after them",
            file=sys.stderr,
        )
        raise
    failed = [a for a in audits if a.result is None]
    left_out = [a.checkpoint.name for a in failed]
    print(format_trend_table(local_trend(audits), left_out=left_out))
    for audit in failed:
        print(f"toxaudit: {audit.checkpoint.name} failed: {audit.error}", file=sys.stderr)
    if interrupted:
        print(
            f"toxaudit: interrupted after {len(audits)} checkpoint(s); their audits are in "
            f"{output_root}",
            file=sys.stderr,
        )
        return 130
    return 1 if failed else 0


class _Store:
    """`--store`: each audit recorded in the database as `toxaudit run --store` does."""

    def __init__(
        self, args: argparse.Namespace, options: EvaluateOptions, loading: ModelSpec
    ) -> None:
        from audit.datasets import load_dataset
        from db import get_database_settings, upgrade_database

        self.args, self.options, self.loading = args, options, loading
        self.url = get_database_settings().database_url
        upgrade_database(self.url)
        self.dataset = load_dataset(args.dataset)

    def record(self, audit: SweepAudit, evaluation: Evaluation | None) -> None:
        from audit.pipeline import settings_for
        from audit.results import read_perplexities
        from audit.sweep import checkpoint_spec
        from db import record_local_run, session_scope

        assert audit.result is not None
        rows = (
            evaluation.rows
            if evaluation is not None
            else read_perplexities(audit.output_dir / "perplexities.json")
        )
        spec = checkpoint_spec(self.loading, audit.checkpoint)
        with session_scope() as session:
            stored, reused = record_local_run(
                session,
                result=audit.result,
                rows=rows,
                dataset=self.dataset,
                settings=settings_for(self.options.audit_options(), spec),
                step=audit.checkpoint.step,
                tags=self.args.tag,
                record_reuse=False,
            )
            audit_id = stored.id
        what = "already stored as" if reused else "stored as"
        print(f"  {what} audit {audit_id} in {self.url}", file=sys.stderr)
