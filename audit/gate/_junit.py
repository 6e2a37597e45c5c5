"""JUnit XML: one test case per check, the form CI systems show as test results.

The document follows the common ground of the JUnit schemas CI systems read
(Ant's JUnit.xsd, Jenkins' junit-10.xsd, GitLab and GitHub reporters): a
<testsuites> root holding one <testsuite> with name, tests, failures, errors,
skipped, time, timestamp, hostname, id and package; <properties> first, then
one <testcase name classname time> per check, a failed check carrying
<failure message type>, an unevaluated one <error message type>, a skipped one
<skipped message>; then <system-out> and <system-err>.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime

from audit.gate._records import GateReport, Verdict
from audit.gate._table import format_gate_table, format_value

SUITE_NAME = "toxaudit gate"


def _case_message(value: str, requirement: str, detail: str) -> str:
    return f"value {value}, needs {requirement}: {detail}"


def junit_xml(report: GateReport, *, timestamp: datetime, hostname: str) -> str:
    """The report as a JUnit XML document (UTF-8, with declaration)."""
    counts = report.counts()
    totals = {
        "tests": str(len(report.checks)),
        "failures": str(counts[Verdict.FAIL]),
        "errors": str(counts[Verdict.ERROR]),
        "skipped": str(counts[Verdict.SKIPPED]),
        "time": "0.000",
    }
    root = ET.Element("testsuites", {"name": SUITE_NAME, **totals})
    suite = ET.SubElement(
        root,
        "testsuite",
        {
            "name": SUITE_NAME,
            **totals,
            # The Ant schema wants a local time without zone or fraction.
            "timestamp": timestamp.replace(tzinfo=None, microsecond=0).isoformat(),
            "hostname": hostname or "localhost",
            "id": "0",
            "package": "toxaudit.gate",
        },
    )
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", {"name": "candidate", "value": report.candidate})
    if report.baseline is not None:
        ET.SubElement(properties, "property", {"name": "baseline", "value": report.baseline})
    for check in report.checks:
        case = ET.SubElement(
            suite,
            "testcase",
            {"name": check.subject, "classname": f"toxaudit.gate.{check.check}", "time": "0"},
        )
        message = _case_message(format_value(check), check.requirement, check.detail)
        if check.verdict is Verdict.FAIL:
            element = ET.SubElement(case, "failure", {"message": message, "type": check.check})
            element.text = message
        elif check.verdict is Verdict.ERROR:
            element = ET.SubElement(
                case, "error", {"message": check.detail, "type": "NotEvaluated"}
            )
            element.text = message
        elif check.verdict is Verdict.SKIPPED:
            ET.SubElement(case, "skipped", {"message": check.detail})
    ET.SubElement(suite, "system-out").text = format_gate_table(report)
    ET.SubElement(suite, "system-err").text = ""
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'
