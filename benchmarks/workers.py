"""One audit on one `toxaudit worker` process, then on two: throughput and ratio.

    python benchmarks/workers.py [--model smollm2-135m] [--dataset sample] [--chunk-size 32]
                                 [--repeat 1] [--threads-per-process auto]

Creates a scratch PostgreSQL database (dropped afterwards) and a private Redis key
prefix, starts the workers as real processes (`toxaudit worker --concurrency 1` each,
torch limited to cores / processes threads unless told otherwise), waits until they
are ready (torch imported), then times each audit from dispatch to `succeeded` (model
loading included: each process loads the model once). Each run uses a new seed, so no result is reused.
Needs PostgreSQL and Redis on loopback (TOXAUDIT_TEST_POSTGRES_ADMIN_URL and
TOXAUDIT_TEST_REDIS_URL override the defaults).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ADMIN_URL = os.environ.get(
    "TOXAUDIT_TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("TOXAUDIT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
TOXAUDIT = Path(sys.executable).with_name("toxaudit")


def _start_workers(count: int, env: dict[str, str], logs: Path) -> list[subprocess.Popen[bytes]]:
    processes = []
    for index in range(count):
        log = (logs / f"worker{index}.log").open("wb")
        processes.append(
            subprocess.Popen(
                [str(TOXAUDIT), "worker", "--concurrency=1", f"--hostname=bench{index}@%h"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    deadline = time.monotonic() + 180
    # Ready means the pool process has imported torch (it logs "pool process ... ready"),
    # so the timing below holds the audit alone: its model load and its scoring.
    while not all("pool process" in (logs / f"worker{i}.log").read_text() for i in range(count)):
        if time.monotonic() > deadline:
            raise RuntimeError(f"workers did not start; see {logs}")
        time.sleep(0.2)
    return processes


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def _run_audit(args: argparse.Namespace, sessions, producer, dataset) -> tuple[float, int]:
    from db import Audit, AuditStatus, submit_audit
    from workers import PLAN_TASK

    with sessions() as session, session.begin():
        audit, _ = submit_audit(
            session,
            model=args.model,
            revision=None,
            label="benchmark",
            step=None,
            tags=["benchmark"],
            dataset=dataset,
            settings={"seed": uuid.uuid4().int % 10**9, "n_resamples": 200},
        )
        audit_id = audit.id
    start = time.perf_counter()
    producer.send_task(PLAN_TASK, (audit_id,))
    while True:
        with sessions() as session:
            audit = session.get(Audit, audit_id)
            assert audit is not None
            if audit.status.finished:
                break
        time.sleep(0.1)
    seconds = time.perf_counter() - start
    if audit.status is not AuditStatus.succeeded:
        raise RuntimeError(f"audit {audit_id} {audit.status}: {audit.error}")
    return seconds, audit.progress_total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--dataset", default="sample")
    parser.add_argument("--chunk-size", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--threads-per-process", type=int, help="default: cores / processes")
    args = parser.parse_args()

    from celery import Celery
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.orm import sessionmaker

    from audit.datasets import load_dataset
    from db import make_engine, upgrade_database
    from workers import WorkerSettings, celery_config

    dataset = load_dataset(args.dataset)
    name = f"toxaudit_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    prefix = f"toxaudit-bench-{uuid.uuid4().hex[:8]}:"
    engine = make_engine(url)
    cores = os.cpu_count() or 1
    results: dict[int, list[float]] = {}
    try:
        upgrade_database(url)
        sessions = sessionmaker(engine, expire_on_commit=False)
        settings = WorkerSettings(broker_url=REDIS_URL, broker_key_prefix=prefix)
        producer = Celery("toxaudit-bench", set_as_current=False)
        producer.conf.update(celery_config(settings))
        for count in (1, 2):
            threads = args.threads_per_process or max(1, cores // count)
            env = {
                **os.environ,
                "TOXAUDIT_DATABASE_URL": url,
                "TOXAUDIT_BROKER_URL": REDIS_URL,
                "TOXAUDIT_BROKER_KEY_PREFIX": prefix,
                "TOXAUDIT_CHUNK_SIZE": str(args.chunk_size),
                "TOXAUDIT_TORCH_THREADS": str(threads),
                "HF_HUB_OFFLINE": "1",
            }
            with tempfile.TemporaryDirectory() as logs:
                processes = _start_workers(count, env, Path(logs))
                try:
                    for _ in range(args.repeat):
                        seconds, n = _run_audit(args, sessions, producer, dataset)
                        results.setdefault(count, []).append(n / seconds)
                        print(
                            f"{count} worker process(es) x {threads} torch thread(s): "
                            f"{n} sentences in {seconds:.1f} s = {n / seconds:.1f} sentences/s",
                            flush=True,
                        )
                finally:
                    _stop(processes)
        producer.close()
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()
    one, two = max(results[1]), max(results[2])
    print(
        f"\n{args.model} on {args.dataset} ({len(dataset)} sentences, chunks of "
        f"{args.chunk_size}, {cores} cores, load average {os.getloadavg()[0]:.1f})"
    )
    print(f"one worker process:  {one:.1f} sentences/s")
    print(f"two worker processes: {two:.1f} sentences/s")
    print(f"ratio two/one: {two / one:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
