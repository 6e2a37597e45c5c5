"""Result files: SafeNLP perplexities, results.json, the printed table, provenance."""

from audit.results._audit_result import (
    RESULTS_SCHEMA_VERSION,
    AuditResult,
    AuditSettings,
    DatasetRef,
    ResultsError,
    read_results,
    write_results,
)
from audit.results._perplexities import (
    parse_perplexities,
    perplexity_records,
    read_perplexities,
    write_perplexities,
)
from audit.results._provenance import machine_description, software_versions
from audit.results._scored_file import (
    COMPUTED_ELSEWHERE,
    InputFile,
    check_same_sentences,
    result_from_perplexities,
)
from audit.results._table import format_scores_table

# Deprecated: the old names of AuditResult and AuditSettings (one word per concept,
# issue 13), kept for one release because outside code imports them from here.
RunResult = AuditResult
RunSettings = AuditSettings

__all__ = [
    "COMPUTED_ELSEWHERE",
    "RESULTS_SCHEMA_VERSION",
    "AuditResult",
    "AuditSettings",
    "DatasetRef",
    "InputFile",
    "ResultsError",
    "RunResult",
    "RunSettings",
    "check_same_sentences",
    "format_scores_table",
    "machine_description",
    "parse_perplexities",
    "perplexity_records",
    "read_perplexities",
    "read_results",
    "result_from_perplexities",
    "software_versions",
    "write_perplexities",
    "write_results",
]
