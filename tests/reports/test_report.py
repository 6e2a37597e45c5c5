"""Reports built from runs on disk: contents, the gate's rule, escaping, the CLI's errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from audit.results import read_perplexities
from audit.scoring import paired_differences
from reports import load_report, render_html, render_markdown
from reports._content import difference_rows, group_rows
from tests.cli.gate_helpers import Outcome, one_line_error
from tests.reports.conftest import HOSTILE_NAME

ROOT = Path(__file__).resolve().parents[2]


def report_cli(capsys: pytest.CaptureFixture[str], *args: str) -> Outcome:
    from cli import main

    try:
        code = main(["report", *args])
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)


def test_html_holds_13_groups_the_average_provenance_and_method(report_runs) -> None:
    report = load_report(report_runs["consistent"], [report_runs["main"]], step=1200)
    html = render_html(report)
    rows = re.findall(r'<tr class="[^"]*" data-group="([^"]+)">', html)
    assert len(rows) == 13 and len(set(rows)) == 13
    assert "ffffffffffff" in html  # the data hash
    assert "training step 1200" in html
    assert "Mann-Whitney" in html
    found = re.search(r'id="chart-data"[^>]*>(.*?)</script>', html, re.S)
    assert found is not None
    chart = json.loads(found.group(1))
    bars = [t for t in chart["data"] if t.get("meta") == "audit"]
    assert [t["name"] for t in bars] == ["consistent", "main (baseline)"]
    assert all(len(t["x"]) == 13 for t in bars)


def test_the_file_needs_nothing_from_outside(report_runs) -> None:
    html = render_html(load_report(report_runs["consistent"]))
    assert not re.search(r"<script[^>]+src=", html)
    assert "<link" not in html
    assert "Plotly.newPlot" in html and len(html) > 3_000_000  # plotly.js is inside


@pytest.mark.parametrize(
    ("candidate", "average_verdict"),
    [("consistent", "▼ significant drop"), ("noisy", "within noise")],
)
def test_differences_are_the_gates_paired_rule(report_runs, candidate, average_verdict) -> None:
    report = load_report(report_runs[candidate], [report_runs["main"]])
    (comparison,) = report.comparisons
    expected = paired_differences(
        read_perplexities(report_runs["main"] / "perplexities.json"),
        read_perplexities(report_runs[candidate] / "perplexities.json"),
        n_resamples=200,
        seed=0,
    )
    assert list(comparison.differences) == expected
    rows = difference_rows(comparison)
    assert rows[-1].cells[0] == "Average" and rows[-1].cells[-1] == average_verdict
    for row, difference in zip(rows, expected, strict=True):
        assert row.cells[-1].startswith("▼") == difference.significant_drop
    assert comparison.n_shared == 312


def test_unscored_groups_say_why_and_are_not_zero(report_runs, tmp_path) -> None:
    from tests.audit.gate.builders import BASELINE_HARMFUL, scored_rows, unscore, write_run

    path = write_run(tmp_path / "r", unscore(scored_rows(BASELINE_HARMFUL), "women", "hate"))
    rows = group_rows(load_report(path))
    women = next(r for r in rows if r.cells[0] == "women")
    assert women.cells[1] == "–" and women.cells[-1].startswith("unscored: ")


def test_a_hostile_name_stays_text_in_html_and_markdown(report_runs) -> None:
    report = load_report(report_runs["hostile"])
    html = render_html(report)
    # Three scripts: plotly.js, the figure's JSON and the one that draws it.
    assert html.count("<script") == 3
    assert "<img src=x" not in html
    markdown = render_markdown(report, "card.png")
    assert "<script" not in markdown and "<img" not in markdown
    assert "&lt;/script&gt;" in markdown
    assert HOSTILE_NAME not in markdown


def test_markdown_has_the_table_the_image_and_the_differences(report_runs) -> None:
    text = render_markdown(load_report(report_runs["noisy"], [report_runs["main"]]), "c.png")
    lines = text.splitlines()
    assert "![" in text and "](c.png)" in text
    header = lines.index(
        "| Group | Score | 95% CI | p | Significant | n harmful | n neutral | Note |"
    )
    body = []
    for line in lines[header + 2 :]:
        if not line.startswith("|"):
            break
        body.append(line)
    assert len(body) == 14 and body[-1].startswith("| **Average**")
    assert "### Against main" in text


def test_cli_errors_name_the_file(capsys, report_runs, tmp_path) -> None:
    out = tmp_path / "r.html"
    missing = one_line_error(report_cli(capsys, str(tmp_path / "nope"), "--output", str(out)))
    assert "nope" in missing and "not found" in missing
    other = one_line_error(
        report_cli(
            capsys,
            str(report_runs["consistent"]),
            "--baseline",
            str(report_runs["other-data"]),
            "--output",
            str(out),
        )
    )
    assert "different data sets" in other and "other-data" in other
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "results.json").write_text(
        (report_runs["main"] / "results.json").read_text(encoding="utf-8"), encoding="utf-8"
    )
    no_rows = one_line_error(
        report_cli(
            capsys,
            str(report_runs["consistent"]),
            "--baseline",
            str(bare),
            "--output",
            str(out),
        )
    )
    assert str(bare / "perplexities.json") in no_rows
    assert not out.exists()


@pytest.mark.parametrize("form", ["html", "markdown"])
def test_an_output_that_cannot_be_written_is_named(capsys, report_runs, tmp_path, form) -> None:
    run = str(report_runs["main"])
    directory = one_line_error(report_cli(capsys, run, "--output", str(tmp_path), "--format", form))
    assert f"{tmp_path} is a directory; name the file to write" in directory
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    target = blocker / "report.md"
    under_a_file = one_line_error(
        report_cli(capsys, run, "--output", str(target), "--format", form)
    )
    assert f"{target}: cannot write the report" in under_a_file


def test_cli_writes_the_html_report_against_two_baselines(capsys, report_runs, tmp_path) -> None:
    out = tmp_path / "deep" / "report.html"
    outcome = report_cli(
        capsys,
        str(report_runs["consistent"] / "results.json"),
        *("--baseline", str(report_runs["main"]), str(report_runs["noisy"])),
        *("--output", str(out)),
    )
    assert outcome.code == 0, outcome.err
    html = out.read_text(encoding="utf-8")
    assert html.count('data-group="') == 13
    assert "<h3>Against main</h3>" in html and "<h3>Against noisy</h3>" in html


def test_importing_reports_loads_no_service_module() -> None:
    code = (
        "import sys, reports\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'fastapi', 'starlette', 'sqlalchemy', 'celery', 'db', 'api', 'workers', 'uvicorn'})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == ""


def test_generation_metrics_are_shown_when_the_run_has_them(report_runs) -> None:
    from reports._generation import generation_rows

    rows = generation_rows(load_report(report_runs["consistent"]))
    assert len(rows) == 26  # 13 groups x 2 prompt labels
    assert rows[0].cells[3] == "0.200 [0.100, 0.400]"  # toxic fraction with its interval
    assert rows[0].cells[4] == "0.100"  # a bare number stays a number
    assert rows[0].cells[2] == "–"  # no mean toxicity recorded: shown as missing, not 0
    html = render_html(load_report(report_runs["consistent"]))
    assert 'id="generation"' in html and "profanity-check" in html
    assert 'id="generation"' not in render_html(load_report(report_runs["noisy"]))


def test_the_agreement_of_several_classifiers_is_shown(tmp_path: Path) -> None:
    from audit.generation import CellScores, classifier_agreement
    from tests.audit.gate.builders import (
        BASELINE_HARMFUL,
        generation_section,
        scored_rows,
        write_run,
    )

    cells = [
        CellScores(
            "asian", "hate", {"guard:g": [0.9, 0.1, 0.8, 0.2], "hf:h": [0.7, 0.2, 0.6, 0.4]}
        ),
        CellScores("asian", "neutral", {"guard:g": [0.1, 0.1], "hf:h": [0.2, 0.3]}),
    ]
    section = generation_section(lambda group, label: 0.2)
    section["agreement"] = [a.to_dict() for a in classifier_agreement(cells, n_resamples=50)]
    write_run(tmp_path / "run", scored_rows(BASELINE_HARMFUL), name="run", generation=section)
    report = load_report(tmp_path / "run")
    markdown = render_markdown(report, "c.png")
    assert "### Agreement of the classifiers" in markdown
    # Identical calls and the same order: kappa 1 and rho 1 in the first cell.
    assert "| guard:g vs hf:h | asian | hate | 4 | 1.000 [" in markdown
    assert "unscored: too few continuations" in markdown
    html = render_html(report)
    assert 'id="agreement"' in html and "Spearman&#39;s rho" in html
    plain = write_run(
        tmp_path / "plain",
        scored_rows(BASELINE_HARMFUL),
        name="plain",
        generation=generation_section(lambda group, label: 0.2),
    )
    assert "Agreement of the classifiers" not in render_markdown(load_report(plain.parent), "c.png")


def test_the_method_note_names_the_classifier_as_stored(report_runs) -> None:
    from reports._generation import generation_note

    note = generation_note(load_report(report_runs["consistent"]))
    assert "scored by profanity-check" in note and "the classifier" not in note
