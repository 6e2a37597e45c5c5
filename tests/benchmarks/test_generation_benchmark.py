"""The generation benchmark's guard flag runs end to end and prints the guard's rates."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from benchmarks import generation


def test_guard_throughput_is_printed(
    tiny_llama_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        sys,
        "argv",
        [
            "generation.py",
            "--model", str(tiny_llama_dir),
            "--n", "4",
            "--max-new-tokens", "4",
            "--device", "cpu",
            "--classifier-texts", "12",
            "--guard", "tiny:shieldgemma",
            "--guard-batch", "5",
        ],
    )  # fmt: skip
    generation.main()
    out = capsys.readouterr().out
    found = re.search(
        r"^guard shieldgemma gemma2: batched \(batch 5\) ([\d.]+) texts/s; one at a time "
        r"([\d.]+) texts/s: [\d.]+x; largest difference (\S+)$",
        out,
        re.M,
    )
    assert found, out
    assert float(found.group(1)) > 0 and float(found.group(2)) > 0
    assert float(found.group(3)) < 1e-5
