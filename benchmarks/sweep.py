"""N checkpoints audited one `toxaudit run` process each, then by one `toxaudit sweep`.

    python benchmarks/sweep.py [--n 5] [--base DIR] [--dataset sample] [--limit 104]
                               [--resamples 100]

Writes N `checkpoint-<step>` copies of a tiny random Llama (built as the tests build
it, each copy's weights moved by seeded noise; `--base DIR` copies your model instead)
into a scratch training directory, then times, as real processes from this checkout:
N `toxaudit run --model checkpoint-<step>` one after another, and one
`toxaudit sweep <training dir>` over the same checkpoints with the same settings. What
the sweep saves is the N - 1 process start-ups (Python, torch, transformers, the data
set) on top of which each run loads its model; the sweep still loads each checkpoint
once, and adds the trend's paired comparisons. Prints both times, the ratio, and
whether each checkpoint's average is the same both ways.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _toxaudit(*args: str) -> float:
    """Seconds one `toxaudit` process took, from start to exit; raises if it failed."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "cli", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"toxaudit {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
    return seconds


def _average(results: Path) -> float | None:
    value = json.loads(results.read_text())["scores"]["average"]
    return None if value is None else float(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=5, help="checkpoints (5)")
    parser.add_argument("--base", type=Path, help="model directory to copy (default: tiny Llama)")
    parser.add_argument("--dataset", default="sample", help="data set (sample)")
    parser.add_argument("--limit", type=int, default=104, help="rows per audit (104)")
    parser.add_argument("--resamples", type=int, default=100, help="bootstrap resamples (100)")
    args = parser.parse_args()
    if args.n < 1:
        parser.error("--n must be at least 1")

    from tests.audit.sweep.checkpoints import training_dir
    from tests.tiny_models import build_tiny_model

    settings = ["--dataset", args.dataset, "--limit", str(args.limit)]
    settings += ["--resamples", str(args.resamples), "--device", "cpu"]
    steps = [100 * (i + 1) for i in range(args.n)]
    with tempfile.TemporaryDirectory(prefix="toxaudit-sweep-bench-") as scratch:
        root = Path(scratch)
        base = args.base or build_tiny_model(root / "base", "llama")
        run = training_dir(base, root / "run", steps)
        print(f"{args.n} checkpoints of {base.name}, {args.dataset} (limit {args.limit})")

        runs_seconds = sum(
            _toxaudit(
                "run", "--model", str(run / f"checkpoint-{step}"), *settings,
                "--output-dir", str(root / "runs" / f"step-{step}"),
            )
            for step in steps
        )  # fmt: skip
        sweep_seconds = _toxaudit("sweep", str(run), *settings, "--output-dir", str(root / "sweep"))
        same = sum(
            _average(root / "runs" / f"step-{s}" / "results.json")
            == _average(root / "sweep" / f"step-{s}" / "results.json")
            for s in steps
        )
    print(
        f"one `toxaudit run` process per checkpoint: {runs_seconds:.2f} s "
        f"({runs_seconds / args.n:.2f} s each)"
    )
    print(f"one `toxaudit sweep`: {sweep_seconds:.2f} s ({sweep_seconds / args.n:.2f} s each)")
    print(f"ratio: {runs_seconds / sweep_seconds:.2f}x; averages identical {same}/{args.n}")


if __name__ == "__main__":
    main()
