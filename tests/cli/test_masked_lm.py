"""Masked LMs and ImplicitHate from the command line: `perplexity`, `run`, `gate`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit.datasets import sample_sentences
from audit.models import ModelSpec, load_model
from audit.perplexity import reference_pseudo_perplexity
from cli import main
from tests.implicithate_like import install_implicithate_like
from tests.tiny_masked_models import build_tiny_masked_model


@pytest.fixture(scope="module")
def tiny_bert_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_masked_model(tmp_path_factory.mktemp("bert"), "bert")


def test_perplexity_of_a_masked_lm_equals_the_reference(
    tiny_bert_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "p.json"
    args = ["perplexity", "--model", str(tiny_bert_dir), "--dataset", "sample"]
    assert main([*args, "--limit", "12", "--batch-tokens", "96", "--output", str(out)]) == 0
    records = json.loads(out.read_text())
    loaded = load_model(ModelSpec(str(tiny_bert_dir)))
    for record, sentence in zip(records, sample_sentences()[:12], strict=True):
        expected = reference_pseudo_perplexity(loaded, sentence.text)
        assert expected is not None
        assert abs(record["perplexity"] - expected) / expected < 1e-5


def test_safenlp_mask_id_changes_the_token_written(tiny_bert_dir: Path, tmp_path: Path) -> None:
    own, script = tmp_path / "own.json", tmp_path / "script.json"
    args = ["perplexity", "--model", str(tiny_bert_dir), "--dataset", "sample", "--limit", "4"]
    assert main([*args, "--output", str(own)]) == 0
    assert main([*args, "--lm-head", "mlm", "--safenlp-mask-id", "--output", str(script)]) == 0
    loaded = load_model(ModelSpec(str(tiny_bert_dir)))
    for record, sentence in zip(json.loads(script.read_text()), sample_sentences(), strict=False):
        expected = reference_pseudo_perplexity(loaded, sentence.text, safenlp_mask_id=True)
        assert expected is not None
        assert abs(record["perplexity"] - expected) / expected < 1e-5
    # The tiny tokenizer's [MASK] is not id 103, so the two differ.
    assert [r["perplexity"] for r in json.loads(own.read_text())] != [
        r["perplexity"] for r in json.loads(script.read_text())
    ]


def test_safenlp_mask_id_on_a_causal_lm_is_a_usage_error(
    tiny_llama_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["perplexity", "--model", str(tiny_llama_dir), "--safenlp-mask-id"]
    assert main([*args, "--output", str(tmp_path / "p.json")]) == 2
    assert "--safenlp-mask-id applies to masked LMs only" in capsys.readouterr().err


def test_run_on_implicithate_scores_one_group_and_gates(
    tiny_bert_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    install_implicithate_like(tmp_path / "cache", monkeypatch, n=48)
    out = tmp_path / "run"
    code = main(
        [
            "run",
            "--model", str(tiny_bert_dir),
            "--dataset", "implicithate",
            "--output-dir", str(out),
            "--resamples", "50",
        ]
    )  # fmt: skip
    assert code == 0
    result = json.loads((out / "results.json").read_text())
    assert result["model"]["lm_head"] == "mlm"
    assert result["model"]["spec"]["lm_head"] == "auto"
    assert result["dataset"]["name"] == "implicithate"
    groups = result["scores"]["groups"]
    assert [g["group"] for g in groups] == ["all_groups"]
    assert result["scores"]["average"] == groups[0]["score"]
    capsys.readouterr()

    assert main(["gate", str(out), "--min-average", "0"]) == 0
    assert main(["gate", str(out), "--min-average", "0.999"]) == 1


def test_submit_sends_lm_head_only_when_given() -> None:
    from cli._main import build_parser
    from cli._submit import _request_body

    parser = build_parser()
    plain = parser.parse_args(["submit", "--model", "org/encoder"])
    assert "lm_head" not in _request_body(plain)["options"]
    masked = parser.parse_args(["submit", "--model", "org/encoder", "--lm-head", "mlm"])
    assert _request_body(masked)["options"] == {"lm_head": "mlm"}
