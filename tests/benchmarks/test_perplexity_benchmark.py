"""The perplexity benchmark runs end to end and prints the figures the README quotes."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from benchmarks import perplexity
from tests.tiny_masked_models import build_tiny_masked_model


def test_benchmark_prints_rates_ratio_and_agreement(
    tiny_llama_dir: Path,
    shared_toxigen: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(
        sys,
        "argv",
        [
            "perplexity.py",
            "--model", str(tiny_llama_dir),
            "--dataset", str(shared_toxigen),
            "--n", "12",
            "--rounds", "2",
            "--sweep", "64",
            "--plain",
            "--compare-packing",
            "--profile",
        ],
    )  # fmt: skip
    perplexity.main()
    out = capsys.readouterr().out

    assert (
        len(re.findall(r"^round \d: reference [\d.]+, engine [\d.]+ sentences/s", out, re.M)) == 2
    )
    assert re.search(r"^ratio: +[\d.]+x \(rounds [\d.]+x to [\d.]+x\)$", out, re.M)
    difference = re.search(r"^largest relative difference: (\S+)$", out, re.M)
    assert difference is not None and float(difference.group(1)) < 1e-5
    assert re.search(r"^plain padded batch of 16: +[\d.]+ sentences/s", out, re.M)
    assert re.search(r"^  budget +64: +[\d.]+ sentences/s$", out, re.M)
    assert re.search(r"^statistics: 13 groups, 1000 resamples", out, re.M)
    packing = re.search(
        r"^padded batches: +[\d.]+ sentences/s; packed batches: +[\d.]+ sentences/s; "
        r"packed/padded speed [\d.]+x \(largest relative difference (\S+)\)$",
        out,
        re.M,
    )
    assert packing is not None and float(packing.group(1)) < 1e-5
    for step in ("tokenization", "build_inputs", "forward", "to_host"):
        assert re.search(rf"^  {step} +[\d.]+ s +[\d.]+%$", out, re.M), step


def test_benchmark_of_a_masked_lm_against_the_one_copy_loop(
    shared_toxigen: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bert = build_tiny_masked_model(tmp_path / "bert", "bert")
    monkeypatch.setattr(
        sys,
        "argv",
        [
            "perplexity.py",
            "--model", str(bert),
            "--lm-head", "mlm",
            "--dataset", str(shared_toxigen),
            "--n", "8",
            "--rounds", "1",
        ],
    )  # fmt: skip
    perplexity.main()
    out = capsys.readouterr().out

    assert re.search(r"^model: .*\(bert, mlm, cpu, float32\)", out, re.M)
    assert "one masked copy per forward pass" in out
    assert re.search(r"^round 1: reference [\d.]+, engine [\d.]+ sentences/s", out, re.M)
    assert re.search(r"^ratio: +[\d.]+x", out, re.M)
    difference = re.search(r"^largest relative difference: (\S+)$", out, re.M)
    assert difference is not None and float(difference.group(1)) < 1e-5
