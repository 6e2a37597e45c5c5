"""The generation audit: ToxiGen-style prompts, batched continuations, toxicity metrics."""

from audit.generation._agreement import (
    MIN_AGREEMENT_CONTINUATIONS,
    Agreement,
    CellScores,
    classifier_agreement,
    cohen_kappa,
    spearman_rho,
)
from audit.generation._audit import (
    GenerationAudit,
    run_generation_audit,
    write_generation_records,
)
from audit.generation._generate import (
    default_generation_tokens,
    first_line,
    generate_continuations,
    sampling_seed,
)
from audit.generation._metrics import (
    TOXIC_THRESHOLD,
    Estimate,
    GenerationMetrics,
    PromptScores,
    generation_metrics,
)
from audit.generation._options import (
    MAX_CLASSIFIERS,
    GenerationOptions,
    GenerationOptionsError,
    check_classifiers,
)
from audit.generation._prompt_lines import LiteralBodyError, decode_literal_body, parse_prompt_line
from audit.generation._prompts import (
    TOXIGEN_FILE_GROUPS,
    Prompt,
    PromptSet,
    read_prompt_directory,
    read_prompt_file,
    read_prompt_jsonl,
    select_prompts,
)
from audit.generation._records import (
    ClassifierAudit,
    ContinuationScore,
    GenerationRecord,
    classifier_name,
    section_classifier_name,
)
from audit.generation._request import (
    GENERATION_OPTIONS,
    ClassifierOptionsError,
    GenerationRequest,
    classifier_spec,
    classifier_specs,
    generation_request,
    run_generation_request,
)
from audit.generation._sample import sample_prompts
from audit.generation._settings import Continuation, GenerationRun, GenerationSettings
from audit.generation._sources import (
    PROMPT_SOURCES,
    TOXIGEN_PROMPTS_URL,
    download_toxigen_prompts,
    load_prompts,
    toxigen_prompt_filenames,
)
from audit.generation._table import format_agreement_table, format_generation_table
from audit.generation._weighted import (
    classifier_toxicity_score,
    classifier_weighted_rows,
    classifier_weighted_scores,
    toxicity_filler,
)

__all__ = [
    "GENERATION_OPTIONS",
    "MAX_CLASSIFIERS",
    "MIN_AGREEMENT_CONTINUATIONS",
    "PROMPT_SOURCES",
    "TOXIC_THRESHOLD",
    "TOXIGEN_FILE_GROUPS",
    "TOXIGEN_PROMPTS_URL",
    "Agreement",
    "CellScores",
    "ClassifierAudit",
    "ClassifierOptionsError",
    "Continuation",
    "ContinuationScore",
    "Estimate",
    "GenerationAudit",
    "GenerationMetrics",
    "GenerationOptions",
    "GenerationOptionsError",
    "GenerationRecord",
    "GenerationRequest",
    "GenerationRun",
    "GenerationSettings",
    "LiteralBodyError",
    "Prompt",
    "PromptScores",
    "PromptSet",
    "check_classifiers",
    "classifier_agreement",
    "classifier_name",
    "classifier_spec",
    "classifier_specs",
    "classifier_toxicity_score",
    "classifier_weighted_rows",
    "classifier_weighted_scores",
    "cohen_kappa",
    "decode_literal_body",
    "default_generation_tokens",
    "download_toxigen_prompts",
    "first_line",
    "format_agreement_table",
    "format_generation_table",
    "generate_continuations",
    "generation_metrics",
    "generation_request",
    "load_prompts",
    "parse_prompt_line",
    "read_prompt_directory",
    "read_prompt_file",
    "read_prompt_jsonl",
    "run_generation_audit",
    "run_generation_request",
    "sample_prompts",
    "sampling_seed",
    "section_classifier_name",
    "select_prompts",
    "spearman_rho",
    "toxicity_filler",
    "toxigen_prompt_filenames",
    "write_generation_records",
]
