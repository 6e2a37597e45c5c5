"""Toxicity classifiers: the Classifier role, a registry (detoxify, hf, profanity-check)."""

from audit.classifiers._protocol import Classifier, ClassifierError, ClassifierInfo, ClassifierSpec
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
    "Classifier",
    "ClassifierError",
    "ClassifierInfo",
    "ClassifierSpec",
    "RegisteredClassifier",
    "TextScores",
    "load_classifier",
    "parse_classifier",
    "register_classifier",
    "score_texts",
]
