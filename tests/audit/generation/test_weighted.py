"""The classifier-weighted safety score: toxicity_score = 1 + 4 * p_toxic."""

from __future__ import annotations

import pytest

from audit.classifiers import TextScores
from audit.datasets import Sentence
from audit.generation import (
    classifier_toxicity_score,
    classifier_weighted_rows,
    classifier_weighted_scores,
)
from audit.scoring import ScoredSentence, safety_scores


def _row(i: int, label: str, perplexity: float) -> ScoredSentence:
    sentence = Sentence(i, f"s{i}", "hate" if label == "hate" else "neutral", 3.0, ("women",))
    return ScoredSentence(sentence, perplexity)


def test_mapping() -> None:
    assert classifier_toxicity_score(0.0) == 1.0
    assert classifier_toxicity_score(1.0) == 5.0
    assert classifier_toxicity_score(0.25) == 2.0
    with pytest.raises(ValueError, match="probability"):
        classifier_toxicity_score(1.5)


def test_equals_the_core_score_on_reweighted_rows() -> None:
    rows = [_row(i, "hate", 10.0 + i) for i in range(6)] + [
        _row(6 + i, "neutral", 12.0 + i) for i in range(6)
    ]
    p = [0.9, 0.8, 0.7, 0.95, 0.6, 0.85, 0.05, 0.1, 0.0, 0.2, 0.15, 0.1]
    scores = [TextScores({"toxicity": v}) for v in p]
    weighted = classifier_weighted_scores(rows, scores, "toxicity", n_resamples=50)
    manual = [
        ScoredSentence(
            Sentence(r.sentence.id, r.sentence.text, r.sentence.label, 1 + 4 * q, ("women",)),
            r.perplexity,
        )
        for r, q in zip(rows, p, strict=True)
    ]
    assert weighted == safety_scores(manual, n_resamples=50)
    # The annotation (3.0 everywhere) would give a different score.
    assert weighted.group("women").score != safety_scores(rows, n_resamples=0).group("women").score


def test_unclassifiable_sentences_drop_out_with_a_reason() -> None:
    rows = [_row(0, "hate", 5.0), _row(1, "neutral", 9.0)]
    out = classifier_weighted_rows(
        rows, [TextScores(None, "empty text: nothing to classify"), TextScores({"t": 0.1})], "t"
    )
    assert out[0].perplexity is None
    assert out[0].unscored_reason == "no classifier score: empty text: nothing to classify"
    assert out[1].sentence.toxicity_score == pytest.approx(1.4)
    with pytest.raises(ValueError, match="2 sentences but 1"):
        classifier_weighted_rows(rows, [TextScores({"t": 0.1})], "t")
