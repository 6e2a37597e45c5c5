"""Toxicity classifiers: the Classifier role, a registry (detoxify, hf, profanity-check)."""

from audit.classifiers._protocol import Classifier, ClassifierError, ClassifierInfo, ClassifierSpec
from audit.classifiers._registry import (
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
    "DEFAULT_CLASSIFIER_BATCH",
    "Classifier",
    "ClassifierError",
    "ClassifierInfo",
    "ClassifierSpec",
    "ReferenceKind",
    "RegisteredClassifier",
    "TextScores",
    "classifier_references",
    "load_classifier",
    "parse_classifier",
    "register_classifier",
    "score_texts",
    "unsafe_checkpoint_globals",
    "weights_only_load",
]
