"""Server time of each dashboard page with 100 checkpoints x 6,514 sentences in PostgreSQL.

    python benchmarks/dashboards.py [--checkpoints 100] [--repeat 7] [--keep]

Seeds a fresh PostgreSQL database (bulk COPY, synthetic perplexities; sentence texts
and labels are read at run time from the shared ToxiGen file when it exists, else
synthetic), then requests every page in-process and prints the median and worst
server time (the handler's Server-Timing) and wall time per page. The target is
< 300 ms per page. Nothing from the data set is printed.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audit.datasets import (  # noqa: E402
    TOXIGEN_GROUPS,
    Dataset,
    Sentence,
    canonical_sha256,
    read_dataset,
)
from audit.scoring import ScoredSentence, safety_scores  # noqa: E402

SHARED = ROOT.parent / "shared" / "toxigen" / "toxiGen.json"
ADMIN_URL = os.environ.get(
    "TOXAUDIT_BENCH_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
SEED_RESAMPLES = 200
"""Resamples for the seeded group intervals (seeding speed only; audits record 1000)."""
SETTINGS = {"alpha": 0.05, "confidence": 0.95, "n_resamples": 1000, "seed": 0, "batch_tokens": 8192}


def sentences() -> tuple[list[Sentence], str]:
    if SHARED.exists():
        return list(read_dataset(SHARED).sentences), "shared ToxiGen file"
    rng = np.random.default_rng(0)
    out = []
    for i in range(6514):
        groups = (TOXIGEN_GROUPS[i % 13],)
        hate = bool(rng.random() < 0.42)
        out.append(
            Sentence(
                i,
                f"synthetic sentence {i} about {groups[0]}",
                "hate" if hate else "neutral",
                float(rng.uniform(3, 5)) if hate else 1.0,
                groups,
            )
        )
    return out, "synthetic rows (shared file missing)"


def perplexities(rows: list[Sentence], step_index: int, rng: np.random.Generator) -> np.ndarray:
    """Synthetic perplexities: harmful rows drift toward likely over training for some groups."""
    base = np.exp(rng.normal(3.2, 0.6, len(rows)))
    drift = {"women": 0.004, "muslim": 0.002, "jewish": -0.001}
    out = np.empty(len(rows))
    for i, s in enumerate(rows):
        if s.label == "hate":
            shift = sum(drift.get(g, 0.0) for g in s.target_groups) * step_index
            out[i] = base[i] * s.toxicity_score * 1.5 * math.exp(-shift)
        else:
            out[i] = base[i]
    return out


def create_database(name: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_database(name: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def seed(url: str, n_checkpoints: int) -> dict[str, int]:
    from sqlalchemy import insert
    from sqlalchemy.orm import Session

    from db import (
        Audit,
        AuditStatus,
        Checkpoint,
        GenerationResult,
        GroupScoreRecord,
        get_or_create_dataset,
        make_engine,
        upgrade_database,
    )

    upgrade_database(url)
    engine = make_engine(url)
    rows, origin = sentences()
    print(f"seeding {n_checkpoints} checkpoints x {len(rows):,} sentences ({origin})", flush=True)
    t0 = datetime(2026, 6, 1, tzinfo=UTC)
    ids: dict[str, int] = {}
    started = time.perf_counter()
    with Session(engine) as session:
        dataset = get_or_create_dataset(
            session, Dataset("toxigen", tuple(rows), canonical_sha256(rows), origin)
        )
        audits: list[int] = []
        for k in range(n_checkpoints):
            step = (k + 1) * 1000
            checkpoint = Checkpoint(
                model="org/bench-lm",
                revision=f"step-{step}",
                step=step,
                label=f"bench-lm step {step}",
                tags=["bench", "nightly" if k % 2 else "weekly"],
                created_at=t0 + timedelta(hours=k),
            )
            session.add(checkpoint)
            ppl = perplexities(rows, k, np.random.default_rng(k))
            scored = [ScoredSentence(s, float(p)) for s, p in zip(rows, ppl, strict=True)]
            scores = safety_scores(scored, n_resamples=SEED_RESAMPLES, seed=0)
            audit = Audit(
                checkpoint=checkpoint,
                dataset=dataset,
                settings=dict(SETTINGS),
                settings_hash=f"{k:064d}",
                status=AuditStatus.succeeded,
                progress_done=len(rows),
                progress_total=len(rows),
                created_at=t0 + timedelta(hours=k, minutes=5),
                started_at=t0 + timedelta(hours=k, minutes=6),
                finished_at=t0 + timedelta(hours=k, minutes=40),
                worker="bench",
                device="cpu",
                software={"toxaudit": "0.1.0"},
                model_info={"reference": "org/bench-lm"},
                timings={"perplexity": 2000.0},
                average=scores.average,
                average_ci_low=scores.average_ci_low,
                average_ci_high=scores.average_ci_high,
                results={"scores": scores.to_dict(), "unscored": {}, "truncated": 0},
            )
            session.add(audit)
            session.flush()
            audits.append(audit.id)
            session.execute(
                insert(GroupScoreRecord),
                [
                    {
                        "audit_id": audit.id,
                        "metric": "safety",
                        "group": g.group,
                        "label": "",
                        "value": g.score,
                        "ci_low": g.ci_low,
                        "ci_high": g.ci_high,
                        "p_value": g.p_value,
                        "n_harmful": g.n_harmful,
                        "n_neutral": g.n_neutral,
                        "significant": g.significant,
                    }
                    for g in scores.groups
                ],
            )
            # COPY: 6,514 rows per audit, 651,400 in all, in seconds rather than minutes.
            cursor = session.connection().connection.cursor()
            with cursor.copy(
                "COPY sentence_results (audit_id, row, perplexity, scaled_perplexity) FROM STDIN"
            ) as copy:
                for i, s in enumerate(scored):
                    copy.write_row((audit.id, i, s.perplexity, s.scaled_perplexity))
            if k % 10 == 0:
                print(
                    f"  {k + 1}/{n_checkpoints} audits ({time.perf_counter() - started:.0f} s)",
                    flush=True,
                )
        # Generation on the newest audit: 13 groups x 2 labels x 50 prompts x 2 samples.
        newest = audits[-1]
        rng = np.random.default_rng(1)
        session.execute(
            insert(GenerationResult),
            [
                {
                    "audit_id": newest,
                    "group": g,
                    "label": lab,
                    "prompt_index": p,
                    "sample_index": j,
                    "prompt": f"synthetic prompt {p}",
                    "continuation": f"synthetic continuation {j}",
                    "scores": {},
                    "toxicity": float(rng.beta(2, 5)),
                }
                for g in TOXIGEN_GROUPS
                for lab in ("hate", "neutral")
                for p in range(50)
                for j in range(2)
            ],
        )
        session.execute(
            insert(GroupScoreRecord),
            [
                {
                    "audit_id": newest,
                    "metric": m,
                    "group": g,
                    "label": lab,
                    "value": float(rng.uniform(0, 0.4)),
                    "ci_low": 0.0,
                    "ci_high": 0.5,
                }
                for m in ("toxic_fraction", "mean_toxicity", "expected_max_toxicity")
                for g in TOXIGEN_GROUPS
                for lab in ("hate", "neutral")
            ],
        )
        running = Audit(
            checkpoint_id=session.get(Audit, audits[-1]).checkpoint_id,  # type: ignore[union-attr]
            dataset=dataset,
            settings=dict(SETTINGS),
            settings_hash="r" * 64,
            status=AuditStatus.running,
            progress_done=3000,
            progress_total=len(rows),
            created_at=t0 + timedelta(days=30),
        )
        session.add(running)
        session.commit()
        ids = {
            "first": audits[0],
            "middle": audits[len(audits) // 2],
            "newest": newest,
            "running": running.id,
        }
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    engine.dispose()
    print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
    return ids


def existing_ids(url: str) -> dict[str, int]:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from db import Audit, AuditStatus, make_engine

    engine = make_engine(url)
    with Session(engine) as session:
        done = list(
            session.scalars(
                select(Audit.id).where(Audit.status == AuditStatus.succeeded).order_by(Audit.id)
            )
        )
        running = session.scalar(select(Audit.id).where(Audit.status == AuditStatus.running))
    engine.dispose()
    return {
        "first": done[0],
        "middle": done[len(done) // 2],
        "newest": done[-1],
        "running": running or 0,
    }


def measure(url: str, ids: dict[str, int], repeat: int) -> int:
    from fastapi.testclient import TestClient
    from sqlalchemy import delete
    from sqlalchemy.orm import Session, sessionmaker

    from api import create_app
    from api._deps import get_session
    from db import PairedDifferenceRecord, make_engine

    engine = make_engine(url)
    maker = sessionmaker(bind=engine, expire_on_commit=False)

    def session_override() -> Iterator[Session]:
        with maker() as session:
            yield session

    app = create_app()
    app.dependency_overrides[get_session] = session_override
    first, middle, newest = ids["first"], ids["middle"], ids["newest"]
    pages = {
        "overview": "/",
        "overview (tag filter)": "/?tag=nightly",
        "compare, 2 audits": f"/compare?audit={first}&audit={newest}",
        "compare, 3 audits": f"/compare?audit={first}&audit={middle}&audit={newest}",
        "differences, 2 audits (cached)": f"/compare/differences?audit={first}&audit={newest}",
        "trend, 100 checkpoints": "/trend?model=org/bench-lm",
        "audit detail": f"/audits/{middle}",
        "audit detail + generation": f"/audits/{newest}",
        "audit, group+label filter": f"/audits/{middle}?group=women&label=hate",
        "audit, page 50": f"/audits/{middle}?page=50",
        "audit, drop drill-down vs baseline": f"/audits/{newest}?group=women&vs={first}",
        "progress.json": f"/dashboards/progress.json?audit={ids['running']}",
    }
    failures = 0
    with TestClient(app) as client:
        for url_ in pages.values():  # warm: templates compiled, pools open
            assert client.get(url_).status_code == 200, url_
        # The warm-up stored the pairs' differences; the cold figures compute them afresh.
        with maker() as session:
            session.execute(delete(PairedDifferenceRecord))
            session.commit()
        cold = []
        for pair in ((first, newest), (middle, newest), (first, middle)):
            t = time.perf_counter()
            response = client.get(f"/compare/differences?audit={pair[0]}&audit={pair[1]}")
            cold.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200
        print(f"\n{'page':42} {'server ms (median / max)':>26} {'wall ms (median)':>18}")
        for name, path in pages.items():
            server, wall = [], []
            for _ in range(repeat):
                t = time.perf_counter()
                response = client.get(path)
                wall.append((time.perf_counter() - t) * 1000)
                timing = response.headers.get("server-timing", "")
                server.append(float(timing.split("dur=")[1]) if "dur=" in timing else wall[-1])
            verdict = "ok" if statistics.median(server) < 300 else "SLOW"
            failures += verdict != "ok"
            print(
                f"{name:42} {statistics.median(server):12.1f} / {max(server):8.1f} "
                f"{statistics.median(wall):18.1f}  {verdict}"
            )
        print(
            f"{'differences, 2 audits, first (uncached)':42} {statistics.median(cold):12.1f} "
            f"/ {max(cold):8.1f}   (paired bootstrap, 1000 resamples x 6,514 sentences)"
        )
        t = time.perf_counter()
        response = client.get(f"/audits/{middle}?download=sentences&format=csv")
        print(
            f"{'download: all 6,514 sentences as CSV':42} {(time.perf_counter() - t) * 1000:12.1f}"
            f"   ({len(response.content) / 1e6:.1f} MB)"
        )
    engine.dispose()
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoints", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", metavar="URL", help="measure a database kept by --keep")
    args = parser.parse_args()
    if args.reuse:
        failures = measure(args.reuse, existing_ids(args.reuse), args.repeat)
        print(f"\n{failures} page(s) at or over 300 ms (median)")
        return 0
    name = f"toxaudit_bench_dash_{uuid.uuid4().hex[:8]}"
    url = create_database(name)
    try:
        ids = seed(url, args.checkpoints)
        failures = measure(url, ids, args.repeat)
    finally:
        if args.keep:
            print(f"kept database {url}")
        else:
            drop_database(name)
    print(f"\n{failures} page(s) at or over 300 ms (median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
