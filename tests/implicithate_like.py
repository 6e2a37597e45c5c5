"""A file in the format of SafeNLP's data/implicitHate.json, written from the project's own
synthetic sample sentences (never a row of the real set), installed in the download cache
as if fetched, with the registered sha256 patched to its own."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from audit.datasets import REMOTE_DATASETS, file_sha256, sample_sentences


def write_implicithate_like(path: Path, n: int = 120) -> Path:
    """n rows: SafeNLP's fields, one group `all_groups`, toxicity 2.25 (hate) or 1.0."""
    rows = [
        {
            "text": sentence.text,
            "label": sentence.label,
            "id": index * 3,
            "toxicity_score": 2.25 if sentence.label == "hate" else 1.0,
            "target_groups": ["all_groups"],
        }
        for index, sentence in enumerate(sample_sentences()[:n])
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, indent=4), encoding="utf-8")
    return path


def install_implicithate_like(cache: Path, monkeypatch: pytest.MonkeyPatch, n: int = 120) -> Path:
    """Put the file where `--dataset implicithate` finds it, under TOXAUDIT_CACHE_DIR=cache."""
    monkeypatch.setenv("TOXAUDIT_CACHE_DIR", str(cache))
    remote = REMOTE_DATASETS["implicithate"]
    path = write_implicithate_like(cache / "datasets" / remote.filename, n)
    patched = dataclasses.replace(remote, sha256=file_sha256(path))
    monkeypatch.setitem(REMOTE_DATASETS, "implicithate", patched)
    return path
