"""Toxicity classifiers: the Classifier role, a registry (detoxify, hf, guard, profanity-check)."""

from audit.classifiers._guard_families import FAMILIES as GUARD_FAMILIES
from audit.classifiers._guard_families import GuardFamily
from audit.classifiers._protocol import (
    Classifier,
    ClassifierError,
    ClassifierInfo,
    ClassifierSpec,
    ResponseClassifier,
    ResponseScores,
)
from audit.classifiers._registry import (
    CLASSIFIER_OPTIONS,
    CLASSIFIERS,
    ReferenceKind,
    RegisteredClassifier,
    classifier_references,
    load_classifier,
    parse_classifier,
    register_classifier,
)
from audit.classifiers._safety import unsafe_checkpoint_globals, weights_only_load
from audit.classifiers._scoring import DEFAULT_CLASSIFIER_BATCH, TextScores, score_texts

__all__ = [
    "CLASSIFIERS",
    "CLASSIFIER_OPTIONS",
    "DEFAULT_CLASSIFIER_BATCH",
    "GUARD_FAMILIES",
    "Classifier",
    "ClassifierError",
    "ClassifierInfo",
    "ClassifierSpec",
    "GuardFamily",
    "ReferenceKind",
    "RegisteredClassifier",
    "ResponseClassifier",
    "ResponseScores",
    "TextScores",
    "classifier_references",
    "load_classifier",
    "parse_classifier",
    "register_classifier",
    "score_texts",
    "unsafe_checkpoint_globals",
    "weights_only_load",
]
