"""benchmarks/gpu.py runs end to end (tiny models on the CPU here) and prints its figures."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from benchmarks import gpu


def test_the_real_length_distribution_is_used() -> None:
    lengths = gpu.token_lengths()
    assert len(lengths) == 6514
    assert sum(lengths) == 142_524
    assert sorted(lengths)[len(lengths) // 2] == 23


def test_peaks_are_looked_up_by_device_name() -> None:
    assert gpu.peak_tflops("NVIDIA H200") == 989.0
    assert gpu.peak_tflops("NVIDIA H100 PCIe") == 756.0
    assert gpu.peak_tflops("NVIDIA A100-SXM4-80GB") == 312.0
    assert gpu.peak_tflops("Some Future Chip") is None


def test_the_script_runs_on_tiny_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    figures = tmp_path / "figures.json"
    monkeypatch.setattr(
        sys,
        "argv",
        [
            "gpu.py", "--tiny", "--skip-tests", "--limit", "120", "--reference-n", "12",
            "--batch-tokens", "512", "--json", str(figures),
        ],
    )  # fmt: skip
    gpu.main()
    out = capsys.readouterr().out
    for model in ("phi-2", "llama-2-7b"):
        assert re.search(rf"^{model}: [\d.]+B parameters", out, re.M)
    assert len(re.findall(r"^  engine, padded batches +[\d.]+ s", out, re.M)) == 2
    assert len(re.findall(r"^  engine, packed batches \(sdpa\) +[\d.]+ s", out, re.M)) == 2
    assert len(re.findall(r"^  one sentence at a time +[\d.]+ s", out, re.M)) == 2
    written = json.loads(figures.read_text())
    for model in written["models"]:
        for label in ("engine, padded batches", "engine, packed batches (sdpa)"):
            assert model[label]["largest_relative_difference"] < 1e-5
