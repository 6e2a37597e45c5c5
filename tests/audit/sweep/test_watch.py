"""Watching a training directory: each new complete checkpoint handed over once."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest

from audit.sweep import SweepCheckpoint, SweepSourceError, WatchOptions, watch_training_dir


def _write(directory: Path, *, weights: bool = True) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text("{}")
    if weights:
        (directory / "pytorch_model.bin").write_bytes(b"weights")


class FakeTime:
    """A clock that only moves when the watch sleeps; the test acts at each sleep."""

    def __init__(self, actions: Mapping[int, Callable[[], None]]) -> None:
        self.now = 0.0
        self.sleeps = 0
        self.actions = actions

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        self.now += seconds
        action = self.actions.get(self.sleeps)
        if action is not None:
            action()


def test_a_checkpoint_written_during_the_watch_is_handed_over_once(tmp_path: Path) -> None:
    run = tmp_path / "run"
    _write(run / "checkpoint-10")
    actions = {
        # A checkpoint appears without its weights, then gets them two polls later.
        1: lambda: _write(run / "checkpoint-20", weights=False),
        3: lambda: _write(run / "checkpoint-20"),
    }
    time = FakeTime(actions)
    handed: list[list[str]] = []

    def on_new(checkpoints: Sequence[SweepCheckpoint]) -> None:
        handed.append([c.name for c in checkpoints])

    found = watch_training_dir(
        run, on_new, WatchOptions(interval=5, until_idle=20), sleep=time.sleep, clock=time.clock
    )
    assert handed == [["run/checkpoint-10"], ["run/checkpoint-20"]]
    assert [c.step for c in found] == [10, 20]
    # Idle for 20 s after the checkpoint that came at t=15: stopped at t=35.
    assert time.now == 35


def test_a_save_staged_under_another_name_is_waited_for(tmp_path: Path) -> None:
    # Written as checkpoint-20.tmp and renamed into place: the staging folder's name
    # holds no step, and must not end the watch (it did, racing the rename, in CI).
    run = tmp_path / "run"
    _write(run / "checkpoint-10")

    def rename() -> None:
        (run / "checkpoint-20.tmp").rename(run / "checkpoint-20")

    actions = {1: lambda: _write(run / "checkpoint-20.tmp"), 2: rename}
    time = FakeTime(actions)
    handed: list[list[str]] = []
    watch_training_dir(
        run,
        lambda cs: handed.append([c.name for c in cs]),
        WatchOptions(interval=1, max_checkpoints=2),
        sleep=time.sleep,
        clock=time.clock,
    )
    assert handed == [["run/checkpoint-10"], ["run/checkpoint-20"]]
    assert time.sleeps == 2


def test_max_checkpoints_stops_the_watch(tmp_path: Path) -> None:
    run = tmp_path / "run"
    for step in (1, 2, 3):
        _write(run / f"checkpoint-{step}")
    time = FakeTime({})
    handed: list[int | None] = []
    found = watch_training_dir(
        run,
        lambda cs: handed.extend(c.step for c in cs),
        WatchOptions(interval=1, max_checkpoints=2),
        sleep=time.sleep,
        clock=time.clock,
    )
    assert handed == [1, 2] and len(found) == 2 and time.sleeps == 0


def test_an_empty_directory_is_watched_and_a_missing_one_refused(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    time = FakeTime({})
    found = watch_training_dir(
        tmp_path / "run",
        lambda cs: pytest.fail("nothing to hand over"),
        WatchOptions(interval=2, until_idle=6),
        sleep=time.sleep,
        clock=time.clock,
    )
    assert found == [] and time.now == 6
    with pytest.raises(SweepSourceError, match="no such training directory"):
        watch_training_dir(tmp_path / "gone", lambda cs: None, WatchOptions(until_idle=1))
    with pytest.raises(SweepSourceError, match="interval must be positive, got 0"):
        WatchOptions(interval=0)
