"""The gate false-alarm benchmark runs end to end and prints both rules' rates and power."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from benchmarks import gate_false_alarms


def test_benchmark_prints_both_rules(
    shared_toxigen: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        sys,
        "argv",
        [
            "gate_false_alarms.py",
            "--dataset", str(shared_toxigen),
            "--pairs", "3",
            "--power-runs", "2",
            "--subset", "400",
            "--resamples", "100",
        ],
    )  # fmt: skip
    gate_false_alarms.main()
    out = capsys.readouterr().out
    assert len(re.findall(r"--max-drop (0\.02|0\.0) *: \d/3 = [\d.]+$", out, re.M)) == 4
    assert len(re.findall(r"--max-drop 0\.02: fired \d/2$", out, re.M)) == 2
    assert re.search(r"mean drop [\d.]+, 2 runs$", out, re.M)
