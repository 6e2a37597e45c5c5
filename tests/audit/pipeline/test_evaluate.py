"""audit.evaluate: the library entry point, its options and its files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import audit
from audit.datasets import load_dataset
from audit.generation import GenerationOptions
from audit.models import ModelSpec, load_model
from audit.perplexity import DEFAULT_CPU_BATCH_TOKENS, DEFAULT_GPU_BATCH_TOKENS
from audit.pipeline import (
    EvaluateOptions,
    EvaluateOptionsError,
    PerplexityJournal,
    evaluate,
    limit_dataset,
    recorded_batch_tokens,
    run_audit,
    run_evaluation,
)


def test_evaluate_is_the_public_entry_point() -> None:
    assert "evaluate" in audit.__all__ and audit.evaluate is evaluate
    assert "EvaluateOptions" in audit.__all__


@pytest.mark.parametrize(
    ("options", "option", "message"),
    [
        ({"limit": 0}, "limit", "limit must be at least 1, got 0"),
        ({"alpha": 1.5}, "alpha", "alpha must be between 0 and 1, got 1.5"),
        ({"confidence": float("nan")}, "confidence", "confidence must be between 0 and 1"),
        ({"n_resamples": -1}, "n_resamples", "n_resamples must be at least 0, got -1"),
        ({"batch_tokens": 0}, "batch_tokens", "batch_tokens must be at least 1, got 0"),
        ({"seed": True}, "seed", "seed must be an integer"),
    ],
)
def test_bad_options_name_the_library_option(
    options: dict[str, object], option: str, message: str
) -> None:
    with pytest.raises(EvaluateOptionsError, match=message) as caught:
        EvaluateOptions(**options)  # type: ignore[arg-type]
    assert caught.value.option == option
    assert "--" not in str(caught.value)


def test_limit_dataset_names_the_option_without_a_flag() -> None:
    with pytest.raises(ValueError, match=r"^limit must be at least 1, got 0$"):
        limit_dataset(load_dataset("sample"), 0)


def test_generation_on_a_masked_lm_is_refused_before_loading(tmp_path: Path) -> None:
    options = EvaluateOptions(generation=GenerationOptions("sample", "profanity-check"))
    spec = ModelSpec(str(tmp_path / "never-loaded"), lm_head="mlm")
    with pytest.raises(EvaluateOptionsError, match="generation needs a causal LM") as caught:
        evaluate(spec, "sample", options, progress=False)
    assert caught.value.option == "generation"


def test_without_output_dir_no_file_and_no_file_pointer(
    tiny_llama_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    loaded = load_model(ModelSpec(str(tiny_llama_dir)))
    options = EvaluateOptions(limit=30, n_resamples=50)
    result = evaluate(loaded, "sample", options, progress=False)
    assert evaluate(tiny_llama_dir, "sample", options, progress=False).scores == result.scores
    assert list(tmp_path.iterdir()) == []
    assert result.perplexities_file is None
    # The same science as run_audit, the part the entry point wraps.
    reference, _ = run_audit(
        loaded, load_dataset("sample"), options=options.audit_options(), progress=False
    )
    assert result.scores.to_dict() == reference.scores.to_dict()
    assert result.settings == reference.settings


def test_output_dir_gets_the_three_files_and_resumes_from_the_journal(
    tiny_llama_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    loaded = load_model(ModelSpec(str(tiny_llama_dir)))
    options = EvaluateOptions(limit=30, n_resamples=50)
    first = run_evaluation(loaded, "sample", options, output_dir=tmp_path / "a", progress=False)
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(audit.pipeline.RUN_FILES)
    written = json.loads((tmp_path / "a" / "results.json").read_text(encoding="utf-8"))
    assert written["scores"] == first.result.scores.to_dict()
    assert written["settings"]["batch_tokens"] == DEFAULT_CPU_BATCH_TOKENS

    # An interrupted run left a journal with ten rows: the next call takes them as they are.
    dataset = load_dataset("sample")
    journal = PerplexityJournal(
        tmp_path / "b" / "perplexities.journal.jsonl",
        {"model": loaded.info.spec.to_dict(), "dataset": dataset.sha256, "limit": 30},
    )
    journal.append(enumerate(first.rows[:10]))
    resumed = run_evaluation(loaded, "sample", options, output_dir=tmp_path / "b", progress=True)
    assert resumed.resumed_rows == 10
    assert "resuming: 10 sentences already scored" in capsys.readouterr().err
    assert not journal.path.exists()
    assert [r.perplexity for r in resumed.rows] == pytest.approx(
        [r.perplexity for r in first.rows], rel=1e-5
    )


def test_recorded_batch_tokens() -> None:
    assert recorded_batch_tokens(64, "cuda:0") == 64
    assert recorded_batch_tokens(None, "cpu") == DEFAULT_CPU_BATCH_TOKENS
    assert recorded_batch_tokens(None, None) == DEFAULT_CPU_BATCH_TOKENS
    assert recorded_batch_tokens(None, "cuda:1") == DEFAULT_GPU_BATCH_TOKENS
    # The budget the chunks used, when they recorded one, wins over any default.
    assert recorded_batch_tokens(None, "cuda:1", used=40960) == 40960
    assert recorded_batch_tokens(64, "cuda:1", used=40960) == 64
