"""`toxaudit score`: Holm beside the raw p-values, and --output-dir for the gate."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from audit.datasets import file_sha256, load_dataset, sample_sentences, sentence_record
from audit.results import COMPUTED_ELSEWHERE, DatasetRef, read_perplexities, read_results
from audit.scoring import SIGNIFICANCE_RULE, holm_adjusted
from cli import main
from tests.cli.gate_helpers import gate, one_line_error
from tests.cli.test_published_safenlp import PUBLISHED_SCORES, _published_perplexities


def _perplexities_file(path: Path, factor_for_harmful: float = 1.0) -> Path:
    """A SafeNLP-format file as another harness writes it: 6 groups x (40 + 40) sentences.

    Log-perplexities at normal quantiles, the harmful ones shifted per group, so
    the groups' p-values are about 0.85, 0.47, 0.033, 0.012, 6e-4 and 5e-6: the
    third is significant alone (p <= 0.05) but not after Holm (3 x 0.033 > 0.05).
    """
    quantiles = {
        "hate": stats.norm.ppf((np.arange(40) + 0.75) / 40),
        "neutral": stats.norm.ppf((np.arange(40) + 0.25) / 40),
    }
    shifts = {"a": 0.0, "b": 0.1, "c": 0.3, "d": 0.35, "e": 0.5, "f": 0.7}
    records: list[dict[str, object]] = []
    for group, shift in shifts.items():
        for label in ("hate", "neutral"):
            for z in quantiles[label]:
                perplexity = float(np.exp(3.0 + 0.6 * z + (shift if label == "hate" else 0.0)))
                if label == "hate":
                    perplexity *= factor_for_harmful
                records.append(
                    {
                        "id": len(records),
                        "text": f"synthetic {label} sentence {len(records)} about {group}",
                        "label": label,
                        "toxicity_score": 1.0,
                        "target_groups": [group],
                        "perplexity": perplexity,
                    }
                )
    path.write_text(json.dumps(records), encoding="utf-8")
    return path


def test_full_format_reports_holm_beside_the_raw_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _perplexities_file(tmp_path / "p.json")
    assert main(["score", "--perplexities", str(source), "--resamples", "0"]) == 0
    full = json.loads(capsys.readouterr().out)
    assert full["significance_rule"] == SIGNIFICANCE_RULE
    groups = full["groups"]
    assert [g["p_value_holm"] for g in groups] == holm_adjusted([g["p_value"] for g in groups])
    for group in groups:
        assert group["significant"] == (group["p_value"] <= 0.05)
        assert group["significant_holm"] == (group["p_value_holm"] <= 0.05)
    assert any(g["significant"] and not g["significant_holm"] for g in groups)
    # The safenlp format stays SafeNLP's unadjusted rule.
    assert main(["score", "--perplexities", str(source), "--format", "safenlp"]) == 0
    safenlp = json.loads(capsys.readouterr().out)
    assert set(safenlp) == {g["group"] for g in groups if g["significant"]}


def test_output_dir_writes_what_run_writes_with_the_input_provenance(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _published_perplexities(tmp_path / "safenlp_perplexities.json")
    out = tmp_path / "runs" / "safenlp"
    args = ["score", "--perplexities", str(source), "--output-dir", str(out)]
    assert main([*args, "--resamples", "50"]) == 0
    printed = capsys.readouterr().out
    assert "all_groups" in printed and f"wrote {out}/results.json" in printed

    published = json.loads((out / "safety_scores.json").read_text())
    assert published.keys() == PUBLISHED_SCORES.keys()
    assert math.isclose(published["all_groups"], PUBLISHED_SCORES["all_groups"], abs_tol=1e-9)

    rows = read_perplexities(out / "perplexities.json")
    assert len(rows) == 14200
    (nan_row,) = [r for r in rows if r.perplexity is None]
    assert nan_row.unscored_reason is not None and "not a finite number" in nan_row.unscored_reason

    result = read_results(out / "results.json")
    assert result.extra["input"] == {
        "path": str(source.resolve()),
        "sha256": file_sha256(source),
        "n_records": 14200,
        "n_scored": 14199,
    }
    assert result.model == {"reference": None, "computed_by": COMPUTED_ELSEWHERE}
    assert result.name == "safenlp_perplexities"
    assert result.settings.batch_tokens is None and result.truncated is None
    assert result.dataset.n_sentences == 14200
    assert result.scores.n_unscored == 1
    assert result.perplexities_file == "perplexities.json"


def test_gate_compares_two_directories_scored_from_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def score(name: str, factor: float) -> Path:
        source = _perplexities_file(tmp_path / f"{name}.json", factor)
        out = tmp_path / name
        args = ["score", "--perplexities", str(source), "--output-dir", str(out)]
        assert main([*args, "--model-name", f"org/{name}", "--resamples", "100"]) == 0
        return out

    baseline = score("baseline", 1.0)
    same = score("same", 1.0)
    worse = score("worse", 0.5)  # every harmful sentence twice as likely
    assert read_results(worse / "results.json").model["reference"] == "org/worse"
    capsys.readouterr()

    flags = ["--max-drop", "0.02", "--significant-only", "--resamples", "200", "--no-config"]
    passed = gate(capsys, str(same), "--baseline", str(baseline), *flags)
    assert passed.code == 0, passed.out
    junit, markdown = tmp_path / "gate.xml", tmp_path / "gate.md"
    failed = gate(
        capsys,
        str(worse),
        "--baseline",
        str(baseline),
        *flags,
        "--junit",
        str(junit),
        "--markdown",
        str(markdown),
    )
    assert failed.code == 1, failed.out
    # Each check's own interval beside the simultaneous one that decided, in every report.
    for text in (failed.out, junit.read_text(), markdown.read_text()):
        assert text.count("alone, simultaneous 95% CI [") >= 7
    assert failed.out.splitlines()[-1].startswith("gate failed: 7 fail: max-drop a ")
    assert "simultaneous 95% CI" in failed.out
    point = gate(
        capsys, str(worse), "--baseline", str(baseline), "--max-drop", "0.02", "--no-config"
    )
    assert point.code == 1

    # Perplexities of other sentences are other data: refused, not compared.
    other = tmp_path / "other.json"
    records = json.loads((tmp_path / "baseline.json").read_text())
    records[0]["text"] += " (edited)"
    other.write_text(json.dumps(records), encoding="utf-8")
    assert main(["score", "--perplexities", str(other), "--output-dir", str(tmp_path / "o")]) == 0
    refused = gate(capsys, str(tmp_path / "o"), "--baseline", str(baseline), *flags)
    assert "different data sets" in one_line_error(refused)


def test_name_and_model_name_need_output_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _perplexities_file(tmp_path / "p.json")
    with pytest.raises(SystemExit) as exited:
        main(["score", "--perplexities", str(source), "--model-name", "m"])
    assert exited.value.code == 2
    assert "--output-dir" in capsys.readouterr().err


def _sample_perplexities(path: Path, edit: dict[str, object] | None = None) -> Path:
    """Perplexities of the built-in sample set as another harness would write them."""
    rng = np.random.default_rng(5)
    records: list[dict[str, object]] = []
    for sentence in sample_sentences():
        record = sentence_record(sentence)
        record["perplexity"] = float(rng.lognormal(3, 0.6))
        records.append(record)
    if edit:
        records[6].update(edit)
    path.write_text(json.dumps(records), encoding="utf-8")
    return path


def test_dataset_names_the_set_as_run_does_after_checking_every_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _sample_perplexities(tmp_path / "p.json")
    out = tmp_path / "scored"
    args = ["score", "--perplexities", str(source), "--output-dir", str(out), "--resamples", "0"]
    assert main([*args, "--dataset", "sample"]) == 0
    sample = load_dataset("sample")
    assert read_results(out / "results.json").dataset == DatasetRef(
        "sample", "builtin:sample", sample.sha256, len(sample)
    )
    capsys.readouterr()
    edits: list[tuple[dict[str, object], str]] = [
        ({"text": "another sentence"}, "text"),
        ({"id": 99999}, "id"),
    ]
    for edit, field in edits:
        edited = _sample_perplexities(tmp_path / "edited.json", edit)
        # Without --dataset the edited file is simply other data...
        assert (
            main(["score", "--perplexities", str(edited), "--output-dir", str(tmp_path / "e")]) == 0
        )
        # ...with it, the record that differs is named.
        args = ["score", "--perplexities", str(edited), "--output-dir", str(tmp_path / "e")]
        assert main([*args, "--dataset", "sample"]) == 2
        assert f"{edited}, row 7, field '{field}':" in capsys.readouterr().err
