"""Runs on disk for the report tests: constructed scores, one baseline, two candidates."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.gate.builders import (
    BASELINE_HARMFUL,
    CONSISTENT_HARMFUL,
    NOISY_HARMFUL,
    generation_section,
    scored_rows,
    write_run,
)

HOSTILE_NAME = 'cand </script><script>document.title="owned"</script><img src=x onerror=alert(1)>'
"""A checkpoint name that would run script if any renderer forgot to escape it."""


@pytest.fixture(scope="session")
def report_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Run directories as `toxaudit run --output-dir` leaves them (results + perplexities)."""
    root = tmp_path_factory.mktemp("report-runs")
    write_run(root / "main", scored_rows(BASELINE_HARMFUL), name="main")
    write_run(
        root / "consistent",
        scored_rows(CONSISTENT_HARMFUL),
        name="consistent",
        generation=generation_section(lambda group, label: 0.2),
    )
    write_run(root / "noisy", scored_rows(NOISY_HARMFUL), name="noisy")
    write_run(root / "hostile", scored_rows(BASELINE_HARMFUL), name=HOSTILE_NAME)
    write_run(root / "other-data", scored_rows(BASELINE_HARMFUL), sha256="0" * 64)
    return {p.name: p for p in root.iterdir()}
