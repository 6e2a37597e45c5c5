"""`toxaudit gate` on results files: exit codes, reports, config tables and flags."""

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.audit.gate.builders import (
    BASELINE_HARMFUL,
    CONSISTENT_HARMFUL,
    NOISY_HARMFUL,
    generation_section,
    scored_rows,
    write_run,
)
from tests.audit.gate.test_reports import attr, child
from tests.cli.gate_helpers import gate, one_line_error


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("runs")
    return {
        "baseline": write_run(root / "main", scored_rows(BASELINE_HARMFUL), name="main"),
        "consistent": write_run(root / "consistent", scored_rows(CONSISTENT_HARMFUL)),
        "noisy": write_run(root / "noisy", scored_rows(NOISY_HARMFUL)),
        "unsafe": write_run(root / "unsafe", scored_rows((0.5,) * 12)),
        "safe": write_run(
            root / "safe",
            scored_rows((200.0,) * 12),
            generation=generation_section(lambda group, label: 0.1),
        ),
    }


@pytest.fixture(autouse=True)
def _no_config_around(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # Config discovery walks up from the current directory; start in an empty one.
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TOXAUDIT_TOKEN", raising=False)
    return tmp_path


def _rows(out: str, check: str) -> list[list[str]]:
    return [line.split() for line in out.splitlines() if line.startswith(check + " ")]


def test_min_average_pass_and_fail(capsys, runs) -> None:
    passed = gate(capsys, str(runs["baseline"]), "--min-average", "0.5")
    assert passed.code == 0
    assert _rows(passed.out, "min-average")[0][:6] == [
        "min-average",
        "average",
        "0.542",
        ">=",
        "0.5",
        "pass",
    ]
    assert passed.out.strip().splitlines()[-1] == "gate passed: 1 pass"
    failed = gate(capsys, str(runs["baseline"]), "--min-average", "0.6")
    assert failed.code == 1
    assert "FAIL" in _rows(failed.out, "min-average")[0]
    assert (
        failed.out.strip()
        .splitlines()[-1]
        .startswith("gate failed: 1 fail: min-average average 0.542")
    )


def test_min_group_pass_and_fail(capsys, runs) -> None:
    passed = gate(capsys, str(runs["safe"]), "--min-group", "0.9")
    assert passed.code == 0
    assert len(_rows(passed.out, "min-group")) == 13
    assert gate(capsys, str(runs["safe"]), "--min-group", "1.0").code == 0  # 1.0 meets 1.0
    # A run directory stands for its results.json.
    assert gate(capsys, str(runs["safe"].parent), "--min-group", "1.0").code == 0
    failed = gate(capsys, str(runs["unsafe"]), "--min-group", "0.1")
    assert failed.code == 1
    assert all("FAIL" in row for row in _rows(failed.out, "min-group"))
    # The baseline's groups are not significant: skipped, with the reason, not passed.
    skipped = gate(capsys, str(runs["baseline"]), "--min-group", "0.9")
    assert skipped.code == 0
    assert all("skipped" in row for row in _rows(skipped.out, "min-group"))
    assert "no check applied" in skipped.out


def test_max_drop_by_point_scores_pass_and_fail(capsys, runs) -> None:
    args = [str(runs["noisy"]), "--baseline", str(runs["baseline"])]
    assert gate(capsys, *args, "--max-drop", "0.1").code == 0
    failed = gate(capsys, *args, "--max-drop", "0.05")
    assert failed.code == 1
    assert len(_rows(failed.out, "max-drop")) == 14
    assert "baseline:  main" in failed.out


def test_significant_only_passes_noise_and_fails_a_supported_drop_of_the_same_size(
    capsys, runs
) -> None:
    args = ["--baseline", str(runs["baseline"]), "--max-drop", "0.05", "--significant-only"]
    noisy = gate(capsys, str(runs["noisy"]), *args)
    consistent = gate(capsys, str(runs["consistent"]), *args)
    noisy_avg = _rows(noisy.out, "max-drop")[-1]
    consistent_avg = _rows(consistent.out, "max-drop")[-1]
    assert noisy_avg[2] == consistent_avg[2] == "0.083"  # the same drop on the average
    assert noisy.code == 0, noisy.out
    assert "within sampling noise" in " ".join(noisy_avg)
    assert consistent.code == 1, consistent.out
    assert "FAIL" in consistent_avg and "lies below zero" in " ".join(consistent_avg)


def test_generation_checks_pass_and_fail(capsys, runs) -> None:
    assert gate(capsys, str(runs["safe"]), "--max-toxic-fraction", "0.2").code == 0
    failed = gate(
        capsys,
        str(runs["safe"]),
        "--max-toxic-fraction",
        "0.05",
        "--max-expected-max-toxicity",
        "0.5",
    )
    assert failed.code == 1
    assert len(_rows(failed.out, "max-toxic-fraction")) == 26
    assert len(_rows(failed.out, "max-expected-max-toxicity")) == 26


def test_generation_check_without_a_generation_section_exits_2(capsys, runs) -> None:
    line = one_line_error(gate(capsys, str(runs["baseline"]), "--max-expected-max-toxicity", "0.5"))
    assert str(runs["baseline"]) in line
    assert "need a generation section" in line


def test_junit_and_markdown_files(capsys, runs, tmp_path: Path) -> None:
    junit, markdown = tmp_path / "out" / "gate.xml", tmp_path / "summary.md"
    outcome = gate(
        capsys,
        str(runs["consistent"]),
        "--baseline",
        str(runs["baseline"]),
        "--max-drop",
        "0.05",
        "--significant-only",
        "--min-average",
        "0.3",
        "--junit",
        str(junit),
        "--markdown",
        str(markdown),
    )
    assert outcome.code == 1
    suite = child(ET.parse(junit).getroot(), "testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == 1 + 14
    assert int(attr(suite, "tests")) == len(cases)
    failures = sum(1 for c in cases if c.find("failure") is not None)
    assert int(attr(suite, "failures")) == failures >= 1
    assert {c.get("classname") for c in cases} == {
        "toxaudit.gate.min-average",
        "toxaudit.gate.max-drop",
    }
    text = markdown.read_text(encoding="utf-8")
    assert text.startswith("## ❌ toxaudit gate failed")
    assert text.count("\n| ") == 2 + 15


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.json", "missing.json: file not found"),
        (lambda d: _write(d / "r.json", "{not json"), "r.json: invalid JSON at line 1"),
        (lambda d: _write(d / "r.json", "[]"), "r.json: expected a JSON object, found list"),
        (lambda d: _write(d / "r.json", '{"name": "x"}'), "r.json: missing field 'model'"),
        (lambda d: _write_bytes(d / "r.json", b"\xff\xfe{"), "r.json: cannot read: not UTF-8 text"),
        (lambda d: d, "results.json: file not found"),
        (
            lambda d: _edit(d, lambda r: r["scores"]["groups"][2].update(score="high")),
            "r.json: scores.groups[2].score: expected a finite number or null, found 'high'",
        ),
        (
            lambda d: _edit(d, lambda r: r["scores"].update(average=True)),
            "r.json: scores.average: expected a finite number or null, found True",
        ),
    ],
)
def test_unreadable_results_exit_2_with_the_reason(capsys, tmp_path, make, message) -> None:
    line = one_line_error(gate(capsys, str(make(tmp_path)), "--min-average", "0.5"))
    assert message in line


def _write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _edit(directory: Path, change) -> Path:
    from tests.audit.gate.builders import run_result

    data = run_result(scored_rows(BASELINE_HARMFUL)).to_dict()
    change(data)
    return _write(directory / "r.json", json.dumps(data))


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_or_broken_perplexities_exit_2(capsys, runs, tmp_path) -> None:
    data = json.loads(runs["noisy"].read_text())
    data["perplexities_file"] = None
    bare = _write(tmp_path / "bare.json", json.dumps(data))
    args = ["--baseline", str(runs["baseline"]), "--max-drop", "0.05", "--significant-only"]
    assert "no perplexities_file" in one_line_error(gate(capsys, str(bare), *args))
    data["perplexities_file"] = "gone.json"
    gone = _write(tmp_path / "gone-results.json", json.dumps(data))
    assert "gone.json: file not found" in one_line_error(gate(capsys, str(gone), *args))
    # Without --significant-only the perplexities are not needed.
    assert gate(capsys, str(bare), *args[:4]).code == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "no checks requested"),
        (["--min-average", "1.5"], "--min-average: must be between 0 and 1, got 1.5"),
        (["--max-drop", "0.1"], "--max-drop needs a baseline (--baseline)"),
        (["--baseline", "x.json"], "--baseline is given but no max-drop"),
        (
            ["--significant-only", "--min-average", "0.1"],
            "--significant-only: applies only to a max-drop check",
        ),
        (["--min-average", "0.1", "--resamples", "0"], "--resamples: must be at least 1"),
        (["--min-average", "0.1", "--api", "ftp://x"], "--api must be an http:// or https:// URL"),
    ],
)
def test_bad_usage_exits_2_with_the_reason(capsys, runs, args, message) -> None:
    assert message in one_line_error(gate(capsys, str(runs["baseline"]), *args))


def test_baseline_on_other_data_exits_2(capsys, runs, tmp_path) -> None:
    data = json.loads(runs["baseline"].read_text())
    data["dataset"]["sha256"] = "0" * 64
    data["perplexities_file"] = str(runs["baseline"].parent / "perplexities.json")
    other = _write(tmp_path / "other.json", json.dumps(data))
    line = one_line_error(
        gate(capsys, str(runs["noisy"]), "--baseline", str(other), "--max-drop", "0.1")
    )
    assert "different data sets" in line


def test_unreadable_input_still_writes_reports_that_say_why(capsys, tmp_path) -> None:
    junit, markdown = tmp_path / "gate.xml", tmp_path / "gate.md"
    missing = tmp_path / "nowhere" / "results.json"
    outcome = gate(
        capsys,
        str(missing),
        "--min-average",
        "0.5",
        "--junit",
        str(junit),
        "--markdown",
        str(markdown),
    )
    line = one_line_error(outcome)
    assert "results.json: file not found" in line
    suite = child(ET.parse(junit).getroot(), "testsuite")
    assert (attr(suite, "tests"), attr(suite, "errors")) == ("1", "1")
    error = child(child(suite, "testcase"), "error")
    assert "file not found" in attr(error, "message")
    assert "not evaluated" in markdown.read_text(encoding="utf-8")


def test_gates_what_toxaudit_run_writes(capsys, tiny_llama_dir, tmp_path) -> None:
    from audit.datasets import sample_sentences, sentence_record, write_records
    from cli import main

    data = tmp_path / "two-groups.jsonl"
    rows = [s for s in sample_sentences() if s.target_groups[0] in ("asian", "women")]
    write_records(data, [sentence_record(s) for s in rows])
    run_dir = tmp_path / "run"
    args = ["run", "--model", str(tiny_llama_dir), "--dataset", str(data), "--resamples", "50"]
    assert main([*args, "--output-dir", str(run_dir)]) == 0
    capsys.readouterr()
    results = str(run_dir / "results.json")
    # The run against itself: every paired change is exactly zero.
    same = gate(capsys, results, "--baseline", results, "--max-drop", "0", "--significant-only")
    assert same.code == 0, same.out + same.err
    assert len(_rows(same.out, "max-drop")) == 3
    assert all(row[2] == "0.000" for row in _rows(same.out, "max-drop"))
    assert gate(capsys, results, "--min-average", "1.0").code == 1
