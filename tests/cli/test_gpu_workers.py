"""`toxaudit worker --gpus`: one worker process per device, each with its own device setting."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from cli import main
from cli._errors import UsageError
from cli._gpu_workers import visible_devices, worker_command
from tests.db.isolated import isolated_sqlite

TOXAUDIT = Path(sys.executable).with_name("toxaudit")


def test_all_means_the_devices_cuda_visible_devices_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,5")
    assert visible_devices("all") == ["2", "5"]
    assert visible_devices(["0", "1"]) == ["0", "1"]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    with pytest.raises(UsageError, match="found no GPU"):
        visible_devices("all")


def test_each_worker_is_pinned_and_takes_one_task_at_a_time() -> None:
    command = worker_command("3", queues=["gpu"], loglevel="INFO")
    assert "--concurrency=1" in command
    assert "--hostname=gpu3@%h" in command
    assert "--queues=gpu" in command


@pytest.mark.parametrize("value", ["0,0", "x", "", "-1"])
def test_bad_device_lists_are_usage_errors(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["worker", "--gpus", value])
    assert exit_info.value.code == 2
    assert "--gpus takes 'all' or distinct device ids" in capsys.readouterr().err


def _environment_of(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    pairs = (entry.decode(errors="replace").partition("=") for entry in raw if entry)
    return {key: value for key, _, value in pairs}


def _children_of(pid: int) -> list[int]:
    listed = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in listed]


@pytest.mark.services
def test_one_process_per_gpu_each_with_its_own_device(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "TOXAUDIT_DATABASE_URL": isolated_sqlite(tmp_path),
        "TOXAUDIT_BROKER_URL": "redis://127.0.0.1:6379/0",
        "TOXAUDIT_BROKER_KEY_PREFIX": f"toxaudit-gpus-{uuid.uuid4().hex[:8]}:",
        "CUDA_VISIBLE_DEVICES": "0,1",
    }
    log = tmp_path / "workers.log"
    with log.open("wb") as sink:
        supervisor = subprocess.Popen(
            [str(TOXAUDIT), "worker", "--gpus", "all", "--queues", "gpu"],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while log.read_text(errors="replace").count(" ready.") < 2:
            assert supervisor.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.5)
        children = _children_of(supervisor.pid)
        assert len(children) == 2
        devices = sorted(_environment_of(child)["CUDA_VISIBLE_DEVICES"] for child in children)
        assert devices == ["0", "1"]
        text = log.read_text(errors="replace")
        assert "gpu0@" in text and "gpu1@" in text
        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=60) == 0
        # The supervisor waited for both: they are gone, not left running or as zombies.
        assert not any(Path(f"/proc/{child}").exists() for child in children)
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
            supervisor.wait()
