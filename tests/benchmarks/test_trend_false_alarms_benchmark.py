"""The trend false-alarm benchmark runs end to end and prints both rules' rates and power."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from benchmarks import trend_false_alarms


def test_benchmark_prints_both_rules(
    shared_toxigen: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        sys,
        "argv",
        [
            "trend_false_alarms.py",
            "--dataset", str(shared_toxigen),
            "--series", "3",
            "--checkpoints", "3",
            "--power-runs", "2",
            "--subset", "400",
            "--resamples", "100",
        ],
    )  # fmt: skip
    trend_false_alarms.main()
    out = capsys.readouterr().out
    assert len(re.findall(r": any mark in \d/3 = [\d.]+$", out, re.M)) == 2
    assert len(re.findall(r": marked \d/2$", out, re.M)) == 2
    assert "null: 3 series of 3 checkpoints, 400 sentences" in out
