"""Sweeps: a series of checkpoints of one model audited as a trend.

Sources (`training_checkpoints`, `hub_checkpoints`, `directory_checkpoints`) find the
checkpoints and their steps; `run_series` audits them locally with `audit.evaluate`'s
parts, resuming; `local_trend` / `build_trend` turn the audits into the trend (the
biggest change against the previous checkpoint that is significant, the whole table one
family: `audit.scoring.series_differences`); `watch_training_dir` follows a run in progress. `toxaudit sweep`
is these plus flags and printing.
"""

from audit.sweep._hub import hub_checkpoints
from audit.sweep._series import (
    AuditCallback,
    SweepAudit,
    checkpoint_output_dir,
    checkpoint_spec,
    previous_audit,
    run_series,
)
from audit.sweep._sources import (
    Discovery,
    SweepCheckpoint,
    SweepSourceError,
    directory_checkpoints,
    is_training_dir,
    parse_step,
    scan_training_dir,
    training_checkpoints,
)
from audit.sweep._trend import (
    TrendPoint,
    TrendRow,
    biggest_significant_change,
    build_trend,
    format_trend_table,
    local_trend,
)
from audit.sweep._watch import WatchOptions, watch_training_dir
from audit.sweep._weights import missing_weights

__all__ = [
    "AuditCallback",
    "Discovery",
    "SweepAudit",
    "SweepCheckpoint",
    "SweepSourceError",
    "TrendPoint",
    "TrendRow",
    "WatchOptions",
    "biggest_significant_change",
    "build_trend",
    "checkpoint_output_dir",
    "checkpoint_spec",
    "directory_checkpoints",
    "format_trend_table",
    "hub_checkpoints",
    "is_training_dir",
    "local_trend",
    "missing_weights",
    "parse_step",
    "previous_audit",
    "run_series",
    "scan_training_dir",
    "training_checkpoints",
    "watch_training_dir",
]
