"""The sweep benchmark runs both sides as processes and prints their times and ratio."""

from __future__ import annotations

import re
import sys

import pytest

from benchmarks import sweep


def test_sweep_benchmark_prints_both_times_and_the_ratio(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["sweep.py", "--n", "2", "--limit", "26", "--resamples", "20"])
    sweep.main()
    out = capsys.readouterr().out
    runs = re.search(r"^one `toxaudit run` process per checkpoint: ([\d.]+) s \(", out, re.M)
    one = re.search(r"^one `toxaudit sweep`: ([\d.]+) s \(", out, re.M)
    ratio = re.search(r"^ratio: ([\d.]+)x; averages identical (\d+)/2$", out, re.M)
    assert runs and one and ratio, out
    assert float(ratio.group(1)) == pytest.approx(
        float(runs.group(1)) / float(one.group(1)), abs=0.01
    )
    assert ratio.group(2) == "2"
