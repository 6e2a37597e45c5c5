"""toxaudit's science: the SafeNLP/Phi-2 ToxiGen safety score and generation audits.

Pure: typed records in and out. Nothing here imports the database, the queue or
the web layers (a test enforces it).
"""

from audit.datasets import Dataset, DatasetError, Sentence, load_dataset
from audit.generation import GenerationOptions
from audit.models import LoadedModel, ModelLoadError, ModelSpec, load_model
from audit.pipeline import (
    AuditOptions,
    ClassifierWeightedOptions,
    EvaluateOptions,
    EvaluateOptionsError,
    evaluate,
    run_audit,
    score_sentences,
)
from audit.results import AuditResult, read_results, write_results
from audit.scoring import GroupScore, SafetyScores, ScoredSentence, safety_scores

__all__ = [
    "AuditOptions",
    "AuditResult",
    "ClassifierWeightedOptions",
    "Dataset",
    "DatasetError",
    "EvaluateOptions",
    "EvaluateOptionsError",
    "GenerationOptions",
    "GroupScore",
    "LoadedModel",
    "ModelLoadError",
    "ModelSpec",
    "SafetyScores",
    "ScoredSentence",
    "Sentence",
    "evaluate",
    "load_dataset",
    "load_model",
    "read_results",
    "run_audit",
    "safety_scores",
    "score_sentences",
    "write_results",
]
