"""`toxaudit worker --gpus`: one worker process per GPU, each pinned to its own device.

A Celery prefork pool shares one CUDA_VISIBLE_DEVICES between its processes, so every
process would load its model onto the same first GPU. Instead this starts one
`toxaudit worker --concurrency 1` per device, with CUDA_VISIBLE_DEVICES naming that
device alone (so it is `cuda:0` inside the process), and supervises them: a signal
is passed on to all, and when one exits the others are stopped too, so a deployment
restarts the whole set rather than running short of a GPU unnoticed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from types import FrameType

from cli._errors import UsageError

_STOP_GRACE_SECONDS = 30.0


def visible_devices(requested: Sequence[str] | str) -> list[str]:
    """The device ids to start a worker for: those asked for, or all visible ones."""
    if requested != "all":
        return list(requested)
    listed = os.environ.get("CUDA_VISIBLE_DEVICES")
    if listed is not None:
        devices = [d.strip() for d in listed.split(",") if d.strip()]
    else:
        import torch

        devices = [str(i) for i in range(torch.cuda.device_count())]
    if not devices:
        raise UsageError(
            "--gpus all found no GPU (CUDA_VISIBLE_DEVICES is empty or torch sees no CUDA "
            "device); run `toxaudit worker` without --gpus to work on the CPU"
        )
    return devices


def worker_command(device: str, *, queues: Sequence[str], loglevel: str) -> list[str]:
    """The command line of the worker pinned to `device`."""
    return [
        sys.executable,
        "-m",
        "cli",
        "worker",
        f"--queues={','.join(queues)}",
        "--concurrency=1",
        f"--loglevel={loglevel}",
        f"--hostname=gpu{device}@%h",
    ]


def run_per_gpu(requested: Sequence[str] | str, *, queues: Sequence[str], loglevel: str) -> int:
    """Start a pinned worker per device and wait; the first to exit stops the others."""
    devices = visible_devices(requested)
    children: dict[str, subprocess.Popen[bytes]] = {}
    for device in devices:
        env = {**os.environ, "CUDA_VISIBLE_DEVICES": device}
        children[device] = subprocess.Popen(
            worker_command(device, queues=queues, loglevel=loglevel), env=env
        )
        print(
            f"toxaudit: worker for GPU {device} started (pid {children[device].pid}, "
            f"CUDA_VISIBLE_DEVICES={device})",
            flush=True,
        )

    stopped_by: list[int] = []

    def pass_on(signum: int, _frame: FrameType | None) -> None:
        stopped_by.append(signum)
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, pass_on)
    try:
        while all(child.poll() is None for child in children.values()):
            time.sleep(0.5)
    finally:
        exited = {d: c.returncode for d, c in children.items() if c.returncode is not None}
        _stop(children.values())
    for device, code in exited.items():
        print(f"toxaudit: worker for GPU {device} exited with status {code}", flush=True)
    # Asked to stop, workers that stopped cleanly or by the signal passed on are no failure.
    clean = {0, *(-signum for signum in stopped_by)} if stopped_by else {0}
    return max((abs(code) for code in exited.values() if code not in clean), default=0)


def _stop(children: Iterable[subprocess.Popen[bytes]]) -> None:
    """Warm shutdown (SIGTERM lets a task finish or go back to the queue), then SIGKILL."""
    running = [c for c in children if c.poll() is None]
    for child in running:
        child.terminate()
    deadline = time.monotonic() + _STOP_GRACE_SECONDS
    for child in running:
        try:
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
