"""docker-compose.yml: the services the issue asks for, and commands the CLI accepts.

No Docker engine runs here, so the file is checked by parsing it; where a compose client
is installed, `docker compose config` (or docker-compose v1) validates it as well.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from cli._main import build_parser

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return dict(compose["services"])


def _command(service: dict[str, Any]) -> list[str]:
    command = service.get("command")
    assert isinstance(command, list), "commands are exec-form lists, never shell strings"
    return [str(part) for part in command]


def test_every_toxaudit_command_parses_with_the_real_cli(
    services: dict[str, dict[str, Any]],
) -> None:
    parser = build_parser()
    checked = []
    for name, service in services.items():
        if "build" not in service:
            continue
        command = _command(service)
        assert command[0] == "toxaudit", name
        try:
            args = parser.parse_args(command[1:])
        except SystemExit as exc:
            pytest.fail(f"service {name}: `{' '.join(command)}` is rejected by the CLI ({exc})")
        assert callable(args.handler)
        checked.append(name)
    assert sorted(checked) == ["api", "migrate", "watchdog", "worker-default", "worker-gpu"]


def test_services_and_their_order(services: dict[str, dict[str, Any]]) -> None:
    expected = {"postgres", "redis", "migrate", "api", "worker-gpu", "worker-default", "watchdog"}
    assert expected <= set(services)
    assert _command(services["migrate"])[1:] == ["db", "upgrade"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("api", "worker-gpu", "worker-default", "watchdog"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["redis"]["condition"] == "service_healthy", name
    assert _command(services["api"])[1] == "serve"


def test_health_checks(services: dict[str, dict[str, Any]]) -> None:
    for name in ("postgres", "redis", "api", "worker-gpu", "worker-default"):
        assert services[name].get("healthcheck", {}).get("test"), name
    assert "/api/healthz" in " ".join(services["api"]["healthcheck"]["test"])


def test_gpu_worker_reserves_nvidia_devices_and_caches_models(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    gpu = services["worker-gpu"]
    args = build_parser().parse_args(_command(gpu)[1:])
    assert args.queues == ["gpu"]
    (device,) = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia" and "gpu" in device["capabilities"]
    cache = gpu["environment"]["HF_HOME"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in gpu["volumes"]}
    assert mounts[cache] in compose["volumes"], "the Hugging Face cache is a named volume"
    default = build_parser().parse_args(_command(services["worker-default"])[1:])
    assert default.queues == ["default"]


def test_service_containers_share_database_and_broker(services: dict[str, dict[str, Any]]) -> None:
    urls = set()
    for name in ("migrate", "api", "worker-gpu", "worker-default", "watchdog"):
        environment = services[name]["environment"]
        assert environment["TOXAUDIT_DATABASE_URL"].startswith("postgresql+psycopg://"), name
        assert "@postgres:5432/" in environment["TOXAUDIT_DATABASE_URL"]
        assert environment["TOXAUDIT_BROKER_URL"] == "redis://redis:6379/0", name
        urls.add(environment["TOXAUDIT_DATABASE_URL"])
    assert len(urls) == 1


def test_dockerfile_installs_what_compose_runs() -> None:
    text = (ROOT / "docker" / "Dockerfile").read_text(encoding="utf-8")
    assert "pip install ." in text
    for package in ("audit", "db", "workers", "api", "dashboards", "cli"):
        assert f"COPY {package} ./{package}" in text


def _compose_client() -> list[str] | None:
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0
    ):
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_compose_client_accepts_the_file() -> None:
    client = _compose_client()
    if client is None:
        pytest.skip("no compose client here (docker compose plugin or docker-compose)")
    result = subprocess.run(
        [*client, "-f", str(COMPOSE), "config", "--quiet"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
