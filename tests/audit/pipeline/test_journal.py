"""An interrupted run resumes from its journal and ends with the same perplexities."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from audit.datasets import sample_sentences
from audit.models import ModelSpec, load_model
from audit.perplexity import PerplexityResult
from audit.pipeline import JournalEntry, PerplexityJournal, score_sentences
from audit.pipeline import _score_sentences as module


class _InterruptedError(Exception):
    pass


def test_resume_after_interruption_scores_only_the_rest(
    tiny_llama_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = load_model(ModelSpec(str(tiny_llama_dir)))
    sentences = sample_sentences()[:40]
    identity = {"model": str(tiny_llama_dir), "dataset": "sample"}
    journal = PerplexityJournal(tmp_path / "j.jsonl", identity)
    complete, _ = score_sentences(loaded, sentences, batch_tokens=64, progress=False)

    real = module.compute_perplexities  # type: ignore[attr-defined]
    batches_seen = 0

    def interrupted(*args: object, **kwargs: object):
        callback = kwargs["on_batch"]

        def crash_after_two(indices: list[int], results: list[PerplexityResult]) -> None:
            nonlocal batches_seen
            callback(indices, results)  # type: ignore[operator]
            batches_seen += 1
            if batches_seen == 2:
                raise _InterruptedError

        kwargs["on_batch"] = crash_after_two
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "compute_perplexities", interrupted)
    with pytest.raises(_InterruptedError):
        score_sentences(loaded, sentences, batch_tokens=64, progress=False, journal=journal)
    saved = journal.load()
    assert 0 < len(saved) < len(sentences)

    monkeypatch.setattr(module, "compute_perplexities", real)
    resumed, run = score_sentences(
        loaded, sentences, batch_tokens=64, progress=False, journal=journal
    )
    assert len(run.results) == len(sentences) - len(saved)
    for a, b in zip(resumed, complete, strict=True):
        assert a.sentence == b.sentence
        assert a.perplexity == pytest.approx(b.perplexity, rel=1e-5)


def test_truncation_survives_a_resume(tiny_llama_dir: Path, tmp_path: Path) -> None:
    loaded = load_model(ModelSpec(str(tiny_llama_dir)))
    short = sample_sentences()[:6]
    # Longer than the tiny model's 128-token context.
    long = dataclasses.replace(short[0], id=10_000, text=" ".join(["word"] * 400))
    sentences = [*short, long]
    journal = PerplexityJournal(tmp_path / "j.jsonl", {"model": str(tiny_llama_dir)})
    first, _ = score_sentences(loaded, sentences, batch_tokens=256, progress=False, journal=journal)
    resumed, run = score_sentences(
        loaded, sentences, batch_tokens=256, progress=False, journal=journal
    )
    assert run.results == ()
    assert [row.truncated for row in first] == [False] * 6 + [True]
    assert [row.truncated for row in resumed] == [row.truncated for row in first]


def test_a_journal_of_another_run_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    PerplexityJournal(path, {"model": "a"}).append([])
    path.write_text('{"journal": {"model": "a"}}\n{"row": 0, "perplexity": 5.0}\n')
    assert PerplexityJournal(path, {"model": "b"}).load() == {}
    assert (tmp_path / "j.jsonl.stale").exists()


def test_a_torn_last_line_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    path.write_text('{"journal": {"m": 1}}\n{"row": 0, "perplexity": 5.0}\n{"row": 1, "perp')
    assert PerplexityJournal(path, {"m": 1}).load() == {0: JournalEntry(5.0, None, False)}
