"""`toxaudit serve` as a real process on SQLite with no broker (the embedded worker),
with a token, for the tests that talk to the service over HTTP (submit, sweep --api).

Import `service` into a test module to use it; it is module-scoped there.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
# Run the CLI from the checkout itself, whatever the installed console script points at.
CLI = [sys.executable, "-c", "import sys; from cli import main; sys.exit(main())"]


@dataclass(frozen=True)
class Service:
    url: str
    token: str
    model_dir: Path
    log: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=180
    )


@pytest.fixture(scope="module")
def service(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Service]:
    home = tmp_path_factory.mktemp("serve")
    env = {
        **os.environ,
        "TOXAUDIT_DATABASE_URL": f"sqlite:///{home / 'toxaudit.sqlite'}",
        # The tiny model is built while the server starts, somewhere under the base temp.
        "TOXAUDIT_MODEL_ROOTS": str(tmp_path_factory.getbasetemp()),
        "TOXAUDIT_CHUNK_SIZE": "16",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    for name in ("TOXAUDIT_BROKER_URL", "TOXAUDIT_READ_REQUIRES_TOKEN", "TOXAUDIT_TOKEN"):
        env.pop(name, None)
    port = _free_port()
    log = home / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [*CLI, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        model_dir = Path(request.getfixturevalue("tiny_llama_dir"))
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None:
                pytest.fail(f"toxaudit serve exited with {process.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(f"{url}/api/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"toxaudit serve did not come up:\n{log.read_text()}")
            time.sleep(0.3)
        # After the server is up, so its migrations and the command's never race.
        created = _cli(env, "token", "create", "--name", "e2e")
        assert created.returncode == 0, created.stderr
        assert "only now" in created.stderr
        yield Service(url, created.stdout.strip(), model_dir, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
