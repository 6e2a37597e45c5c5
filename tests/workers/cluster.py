"""Real worker processes, a private Redis, and a producer, for the reliability tests."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from celery import Celery

from workers import PLAN_TASK, WorkerSettings, celery_config

TOXAUDIT = Path(sys.executable).with_name("toxaudit")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Cluster:
    """Workers started as `toxaudit worker` subprocesses against one database and broker."""

    def __init__(self, *, database_url: str, broker_url: str, prefix: str, logs: Path) -> None:
        self.logs = logs
        self.env = {
            **os.environ,
            "TOXAUDIT_DATABASE_URL": database_url,
            "TOXAUDIT_BROKER_URL": broker_url,
            "TOXAUDIT_BROKER_KEY_PREFIX": prefix,
            "TOXAUDIT_CHUNK_SIZE": "20",
            "TOXAUDIT_CHUNK_TIME_LIMIT": "30",
            "TOXAUDIT_AGGREGATE_TIME_LIMIT": "30",
            # Short, so a killed worker's chunk comes back within the test, yet above the
            # time limits as the settings demand; the limits leave a first chunk (model
            # load on a busy 2-core machine) room to finish.
            "TOXAUDIT_VISIBILITY_TIMEOUT": "32",
            "TOXAUDIT_UNACKED_RESTORE_INTERVAL": "1",
            "TOXAUDIT_TORCH_THREADS": "1",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
        }
        self.settings = WorkerSettings(
            broker_url=broker_url,
            broker_key_prefix=prefix,
            chunk_size=20,
            chunk_time_limit=30,
            aggregate_time_limit=30,
            visibility_timeout=32,
        )
        self.producer = Celery("toxaudit-test-producer", set_as_current=False)
        self.producer.conf.update(celery_config(self.settings))
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start_worker(self, name: str, *, concurrency: int = 1) -> subprocess.Popen[bytes]:
        arguments = [f"--concurrency={concurrency}", f"--hostname={name}@%h", "--loglevel=INFO"]
        return self._start(name, ["worker", *arguments], self.env)

    def start_watchdog(self, *, stall_timeout: int, interval: int) -> subprocess.Popen[bytes]:
        """`toxaudit watchdog` as a deployment runs it, with short clocks."""
        env = {
            **self.env,
            "TOXAUDIT_STALL_TIMEOUT": str(stall_timeout),
            "TOXAUDIT_STALL_CHECK_INTERVAL": str(interval),
        }
        return self._start("watchdog", ["watchdog"], env)

    def _start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(
            [str(TOXAUDIT), *command],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own process group, so a SIGKILL takes the pool processes too.
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def wait_ready(self, name: str, *, processes: int = 1, timeout: float = 180) -> None:
        """Wait until the worker's pool processes have imported the scoring stack: on a
        busy machine that takes long, and a message reserved meanwhile sits idle."""
        deadline = time.monotonic() + timeout
        while self.log(name).count("pool process") < processes:
            if time.monotonic() > deadline:
                raise AssertionError(f"worker {name} not ready after {timeout} s")
            time.sleep(0.2)

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def kill(self, name: str) -> None:
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def stop(self, name: str) -> None:
        process = self.processes.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)

    def stop_all(self) -> None:
        # Signal every worker first, then wait: their warm shutdowns overlap.
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for name in list(self.processes):
            self.stop(name)

    def send_plan(self, audit_id: int) -> None:
        self.producer.send_task(PLAN_TASK, (audit_id,))

    def close(self) -> None:
        self.stop_all()
        self.producer.close()


class PrivateRedis:
    """A redis-server of our own on a free loopback port, persisting every write (AOF
    with fsync always), as a production broker should, so it can be restarted."""

    def __init__(self, directory: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not on PATH")
        self.binary = binary
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 20
        while True:
            try:
                if client.ping():
                    break
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        client.close()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None


@contextmanager
def private_redis(directory: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(directory)
    server.start()
    try:
        yield server
    finally:
        server.kill()
