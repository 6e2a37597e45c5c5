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
    CLASSIFIERS,
    RegisteredClassifier,
    load_classifier,
    parse_classifier,
    register_classifier,
)
from audit.classifiers._scoring import DEFAULT_CLASSIFIER_BATCH, TextScores, score_texts

__all__ = [
    "CLASSIFIERS",
    "DEFAULT_CLASSIFIER_BATCH",
    "GUARD_FAMILIES",
    "Classifier",
    "ClassifierError",
    "ClassifierInfo",
    "ClassifierSpec",
    "GuardFamily",
    "RegisteredClassifier",
    "ResponseClassifier",
    "ResponseScores",
    "TextScores",
    "load_classifier",
    "parse_classifier",
    "register_classifier",
    "score_texts",
]
