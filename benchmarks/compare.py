"""One comparison of two audits of the 6,514-sentence set: first request vs later ones.

    python benchmarks/compare.py [--resamples 1000] [--repeat 5]

Stores two succeeded audits with synthetic perplexities in a fresh SQLite file (sentence
labels and groups from the shared ToxiGen file when it exists, else synthetic), then calls
db.compare.compare_audits the way /api/compare does: once with nothing stored (one paired
bootstrap over the whole set) and again with the stored differences. Prints the median time
and peak traced memory of each and their ratio. Nothing from the data set is printed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.dashboards import sentences  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if args.resamples < 1 or args.repeat < 1:
        parser.error("--resamples and --repeat must be at least 1")

    from sqlalchemy import delete, insert
    from sqlalchemy.orm import Session

    from audit.datasets import Dataset, canonical_sha256
    from db import (
        Audit,
        AuditStatus,
        Checkpoint,
        PairedDifferenceRecord,
        SentenceResult,
        get_or_create_dataset,
        make_engine,
        upgrade_database,
    )
    from db.compare import compare_audits

    rows, origin = sentences()
    dataset = Dataset("bench", tuple(rows), canonical_sha256(rows), "benchmark")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite"
        upgrade_database(url)
        engine = make_engine(url)
        with Session(engine) as session:
            record = get_or_create_dataset(session, dataset)
            ids = []
            rng = np.random.default_rng(0)
            for name in ("base", "candidate"):
                audit = Audit(
                    checkpoint=Checkpoint(model=f"org/{name}", revision="", label=name),
                    dataset_id=record.id,
                    settings={"n_resamples": args.resamples, "seed": 0, "confidence": 0.95},
                    settings_hash=name * 8,
                    status=AuditStatus.succeeded,
                )
                session.add(audit)
                session.flush()
                perplexities = rng.uniform(5.0, 80.0, size=len(rows))
                session.execute(
                    insert(SentenceResult),
                    [
                        {
                            "audit_id": audit.id,
                            "row": i,
                            "perplexity": float(p),
                            "scaled_perplexity": float(p) / s.toxicity_score,
                        }
                        for i, (p, s) in enumerate(zip(perplexities, rows, strict=True))
                    ],
                )
                ids.append(audit.id)
            session.commit()

            def timed() -> float:
                started = time.perf_counter()
                compare_audits(session, ids)
                return time.perf_counter() - started

            def peak_mib() -> float:
                # Traced apart from the timings: tracing slows every allocation.
                tracemalloc.start()
                compare_audits(session, ids)
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                return peak / 2**20

            def forget() -> None:
                session.execute(delete(PairedDifferenceRecord))
                session.commit()

            first, later = [], []
            for _ in range(args.repeat):
                forget()
                first.append(timed())
                later.append(timed())
            forget()
            first_peak = peak_mib()
            later_peak = peak_mib()
        engine.dispose()
    cold, warm = statistics.median(first), statistics.median(later)
    print(f"{len(rows)} sentences ({origin}), {args.resamples} resamples, {args.repeat} rounds")
    print(f"first request (bootstrap, stored):  {cold * 1000:8.1f} ms, peak {first_peak:8.2f} MiB")
    print(f"later request (stored differences): {warm * 1000:8.1f} ms, peak {later_peak:8.2f} MiB")
    print(f"ratio first / later: {cold / warm:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
