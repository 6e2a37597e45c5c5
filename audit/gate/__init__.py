"""The CI gate: checks of a run's safety scores against limits and against a baseline.

Pure: checks take typed results and thresholds and return typed check results;
reading files, config tables and the service happens in `cli/_gate.py`.
"""

from audit.gate._drop_checks import check_comparable, check_point_drops, check_significant_drops
from audit.gate._evaluate import evaluate_gate
from audit.gate._generation_checks import (
    GENERATION_METRICS,
    GenerationMetric,
    check_generation,
    generation_metrics,
)
from audit.gate._junit import junit_xml
from audit.gate._markdown import markdown_summary
from audit.gate._records import CheckResult, GateReport, Verdict, input_error_report
from audit.gate._score_checks import check_min_average, check_min_group
from audit.gate._settings import GateInputError, GateSettings, GateSettingsError
from audit.gate._table import format_gate_table

__all__ = [
    "GENERATION_METRICS",
    "CheckResult",
    "GateInputError",
    "GateReport",
    "GateSettings",
    "GateSettingsError",
    "GenerationMetric",
    "Verdict",
    "check_comparable",
    "check_generation",
    "check_min_average",
    "check_min_group",
    "check_point_drops",
    "check_significant_drops",
    "evaluate_gate",
    "format_gate_table",
    "generation_metrics",
    "input_error_report",
    "junit_xml",
    "markdown_summary",
]
