"""The audit pipeline: `evaluate` (the whole audit) and the parts the workers run per chunk."""

from audit.pipeline._evaluate import (
    RUN_FILES,
    Evaluation,
    evaluate,
    folder_name,
    run_evaluation,
)
from audit.pipeline._journal import JournalEntry, PerplexityJournal
from audit.pipeline._options import (
    ClassifierWeightedOptions,
    EvaluateOptions,
    EvaluateOptionsError,
)
from audit.pipeline._run import AuditOptions, build_result, limit_dataset, run_audit
from audit.pipeline._score_sentences import (
    batch_tokens_for,
    default_batch_tokens,
    recorded_batch_tokens,
    score_sentences,
)
from audit.pipeline._settings import (
    MODEL_SETTING_DEFAULTS,
    default_settings,
    normalize_settings,
    settings_for,
    settings_hash,
    settings_of,
)
from audit.pipeline._stages import (
    Stages,
    StagesOutcome,
    load_stage_dataset,
    plan_stages,
    run_stages,
)

__all__ = [
    "MODEL_SETTING_DEFAULTS",
    "RUN_FILES",
    "AuditOptions",
    "ClassifierWeightedOptions",
    "EvaluateOptions",
    "EvaluateOptionsError",
    "Evaluation",
    "JournalEntry",
    "PerplexityJournal",
    "Stages",
    "StagesOutcome",
    "batch_tokens_for",
    "build_result",
    "default_batch_tokens",
    "default_settings",
    "evaluate",
    "folder_name",
    "limit_dataset",
    "load_stage_dataset",
    "normalize_settings",
    "plan_stages",
    "recorded_batch_tokens",
    "run_audit",
    "run_evaluation",
    "run_stages",
    "score_sentences",
    "settings_for",
    "settings_hash",
    "settings_of",
]
