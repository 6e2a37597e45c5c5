"""The printed table, the JUnit XML and the Markdown summary of one mixed report."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from audit.gate import (
    CheckResult,
    GateReport,
    Verdict,
    format_gate_table,
    junit_xml,
    markdown_summary,
)

CHECKS = (
    CheckResult("min-average", "average", Verdict.PASS, 0.61, 0.5, ">= 0.5", "95% CI [0.5, 0.7]"),
    CheckResult("min-group", "black", Verdict.FAIL, 0.31, 0.4, ">= 0.4", "p = 0.001"),
    CheckResult("min-group", "women", Verdict.SKIPPED, 0.2, 0.4, ">= 0.4", "not significant"),
    CheckResult(
        "max-drop", "asian", Verdict.ERROR, None, 0.02, "<= 0.02", "no shared <sentences> & co"
    ),
    CheckResult("max-drop", "average", Verdict.PASS, -0.0000001, 0.02, "<= 0.02", "a | b"),
)
REPORT = GateReport("cand (runs/c/results.json)", "main (base/results.json)", CHECKS)


def child(element: ET.Element, tag: str) -> ET.Element:
    found = element.find(tag)
    assert found is not None, f"<{element.tag}> has no <{tag}>"
    return found


def attr(element: ET.Element, name: str) -> str:
    value = element.get(name)
    assert value is not None, f"<{element.tag}> has no {name}="
    return value


XML = junit_xml(REPORT, timestamp=datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC), hostname="ci")


def test_report_verdict_counts_and_summary() -> None:
    assert not REPORT.passed and REPORT.exit_code == 1
    summary = REPORT.summary()
    assert summary.startswith("gate failed: 2 pass, 1 fail, 1 skipped, 1 error: ")
    assert "min-group black 0.310 (needs >= 0.4)" in summary
    assert "max-drop asian not evaluated" in summary
    passing = GateReport("c", None, (CHECKS[0], CHECKS[2]))
    assert passing.passed and passing.exit_code == 0
    assert passing.summary() == "gate passed: 1 pass, 1 skipped"
    skipped_only = GateReport("c", None, (CHECKS[2],))
    assert "no check applied" in skipped_only.summary()


def test_table_lists_every_check_with_value_limit_and_verdict() -> None:
    text = format_gate_table(REPORT)
    lines = text.splitlines()
    assert lines[0] == "candidate: cand (runs/c/results.json)"
    assert lines[1] == "baseline:  main (base/results.json)"
    rows = [line for line in lines if line.startswith(("min-", "max-"))]
    assert len(rows) == len(CHECKS)
    assert rows[1].split()[:5] == ["min-group", "black", "0.310", ">=", "0.4"]
    assert "FAIL" in rows[1] and "ERROR" in rows[3] and "skipped" in rows[2]
    assert "0.000" in rows[4] and "-0.000" not in rows[4]
    assert lines[-1] == REPORT.summary()


def test_junit_is_well_formed_with_the_schema_required_structure() -> None:
    assert XML.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(XML)
    assert root.tag == "testsuites"
    suites = list(root)
    assert [s.tag for s in suites] == ["testsuite"]
    suite = suites[0]
    # Attributes every JUnit schema in use requires of a testsuite.
    for attribute in (
        "name",
        "tests",
        "failures",
        "errors",
        "skipped",
        "time",
        "timestamp",
        "hostname",
        "id",
        "package",
    ):
        assert suite.get(attribute) is not None, attribute
    assert (
        suite.get("tests"),
        suite.get("failures"),
        suite.get("errors"),
        suite.get("skipped"),
    ) == ("5", "1", "1", "1")
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("5", "1", "1")
    assert suite.get("timestamp") == "2026-01-02T03:04:05"
    float(attr(suite, "time"))
    # Ant's schema fixes the order: properties, testcase*, system-out, system-err.
    tags = [element.tag for element in suite]
    assert tags == ["properties", *["testcase"] * len(CHECKS), "system-out", "system-err"]
    properties = {p.get("name"): p.get("value") for p in child(suite, "properties")}
    assert properties == {"candidate": REPORT.candidate, "baseline": REPORT.baseline}
    assert "gate failed" in (child(suite, "system-out").text or "")


def test_junit_has_one_testcase_per_check_with_its_outcome() -> None:
    cases = child(ET.fromstring(XML), "testsuite").findall("testcase")
    assert len(cases) == len(CHECKS)
    for case, check in zip(cases, CHECKS, strict=True):
        assert case.get("name") == check.subject
        assert case.get("classname") == f"toxaudit.gate.{check.check}"
        float(attr(case, "time"))
        outcome = [element.tag for element in case]
        expected = {
            Verdict.PASS: [],
            Verdict.FAIL: ["failure"],
            Verdict.ERROR: ["error"],
            Verdict.SKIPPED: ["skipped"],
        }[check.verdict]
        assert outcome == expected
        for element in case:
            assert element.get("message")
            if element.tag in ("failure", "error"):
                assert element.get("type")
    failure = child(cases[1], "failure")
    assert failure.get("message") == "value 0.310, needs >= 0.4: p = 0.001"
    # Markup in details is escaped, not parsed.
    assert child(cases[3], "error").get("message") == "no shared <sentences> & co"


def test_markdown_summary_puts_failures_first_and_escapes_cells() -> None:
    text = markdown_summary(REPORT)
    lines = text.splitlines()
    assert lines[0] == "## ❌ toxaudit gate failed"
    table = [line for line in lines if line.startswith("| ")]
    assert table[0] == "| check | subject | value | limit | verdict | detail |"
    assert table[1] == "| --- | --- | ---: | --- | --- | --- |"
    body = table[2:]
    assert len(body) == len(CHECKS)
    assert body[0].startswith("| min-group | black | 0.310 |") and "fail" in body[0]
    assert "not evaluated" in body[1]
    assert "a \\| b" in text
    assert all(line.count(" | ") == 5 for line in body if "\\|" not in line)


@pytest.mark.parametrize("checks", [(), CHECKS[:1]])
def test_passing_and_empty_reports_render(checks) -> None:
    report = GateReport("c", None, checks)
    assert markdown_summary(report).startswith("## ✅ toxaudit gate passed")
    root = ET.fromstring(junit_xml(report, timestamp=datetime.now(UTC), hostname=""))
    assert attr(child(root, "testsuite"), "hostname") == "localhost"
