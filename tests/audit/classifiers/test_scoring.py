"""Batched scoring: bounded batches, input order, and failures that are never zeros."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest

from audit.classifiers import (
    ClassifierError,
    ClassifierInfo,
    ClassifierSpec,
    score_texts,
)


class LengthClassifier:
    """Toxicity = len(text) / 100; fails on texts containing 'poison'; records batches."""

    def __init__(self, *, nan_on: str | None = None) -> None:
        self.info = ClassifierInfo(
            ClassifierSpec("fake"), ("toxicity", "insult"), "toxicity", "test double"
        )
        self.batches: list[int] = []
        self.nan_on = nan_on

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        self.batches.append(len(texts))
        if any("poison" in t for t in texts):
            raise RuntimeError("tokenizer exploded")
        return [
            {
                "toxicity": math.nan if self.nan_on and self.nan_on in t else len(t) / 100,
                "insult": 0.5,
            }
            for t in texts
        ]


def test_order_is_kept_and_batches_are_bounded() -> None:
    texts = [f"text number {'x' * i}" for i in range(23)]
    classifier = LengthClassifier()
    results = score_texts(classifier, texts, batch_size=5)
    assert [r.scores["toxicity"] for r in results if r.scores] == [len(t) / 100 for t in texts]
    assert max(classifier.batches) <= 5
    assert sum(classifier.batches) == 23


def test_empty_texts_are_unscored_not_zero() -> None:
    results = score_texts(LengthClassifier(), ["fine", "", "   "])
    assert results[0].scores is not None
    assert results[1].scores is None and results[2].scores is None
    assert results[1].unscored_reason == "empty text: nothing to classify"


def test_a_failing_text_is_isolated_and_unscored_with_the_error() -> None:
    texts = ["one", "two poison", "three", "four"]
    results = score_texts(LengthClassifier(), texts, batch_size=4)
    assert results[1].scores is None
    assert "tokenizer exploded" in (results[1].unscored_reason or "")
    assert [r.scores is not None for r in results] == [True, False, True, True]


def test_non_probabilities_are_unscored() -> None:
    results = score_texts(LengthClassifier(nan_on="bad"), ["ok", "bad one"])
    assert results[0].scores is not None
    assert results[1].scores is None
    assert "non-probability" in (results[1].unscored_reason or "")


def test_a_classifier_that_fails_everything_is_an_error() -> None:
    with pytest.raises(ClassifierError, match=r"failed on every text.*tokenizer exploded"):
        score_texts(LengthClassifier(), ["poison a", "poison b"])


def test_wrong_result_count_is_caught() -> None:
    class Short(LengthClassifier):
        def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
            return super().score(texts)[:-1]

    with pytest.raises(ClassifierError, match="returned 0 results for 1 texts"):
        score_texts(Short(), ["a", "b"])
