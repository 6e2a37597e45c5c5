"""Watching a training directory while the run is in progress: each new complete
checkpoint is audited once, as it appears."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from audit.sweep._sources import SweepCheckpoint, SweepSourceError, scan_training_dir


@dataclass(frozen=True, slots=True)
class WatchOptions:
    """How long to keep polling."""

    interval: float = 30.0
    """Seconds between two looks at the directory."""
    max_checkpoints: int | None = None
    """Stop once this many checkpoints have been handed over; None: no limit."""
    until_idle: float | None = None
    """Stop when no new complete checkpoint appeared for this many seconds; None: never
    (stop with Ctrl-C)."""

    def __post_init__(self) -> None:
        if not self.interval > 0:
            raise SweepSourceError(f"the watch interval must be positive, got {self.interval}")
        if self.max_checkpoints is not None and self.max_checkpoints < 1:
            raise SweepSourceError(
                f"max_checkpoints must be at least 1, got {self.max_checkpoints}"
            )
        if self.until_idle is not None and not self.until_idle > 0:
            raise SweepSourceError(f"until_idle must be positive, got {self.until_idle}")


def watch_training_dir(
    directory: Path,
    on_new: Callable[[Sequence[SweepCheckpoint]], None],
    options: WatchOptions,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> list[SweepCheckpoint]:
    """Poll `directory` and hand each complete `checkpoint-<N>` folder to `on_new` once,
    in step order, until a stop condition of `options` holds; returns them all.

    A folder still being written (no complete weights yet), or staged under a name
    that is not `checkpoint-<N>` yet, is looked at again on the next poll. The checkpoints already there when the watch starts are handed over on
    the first poll (a resuming `on_new` skips those audited before).
    """
    seen: set[str] = set()
    handed: list[SweepCheckpoint] = []
    last_new = clock()
    while True:
        fresh = [
            c
            for c in scan_training_dir(directory, strict=False).complete
            if c.reference not in seen
        ]
        if options.max_checkpoints is not None:
            fresh = fresh[: options.max_checkpoints - len(handed)]
        if fresh:
            seen.update(c.reference for c in fresh)
            handed.extend(fresh)
            on_new(fresh)
            last_new = clock()
        if options.max_checkpoints is not None and len(handed) >= options.max_checkpoints:
            return handed
        if options.until_idle is not None and clock() - last_new >= options.until_idle:
            return handed
        sleep(options.interval)
