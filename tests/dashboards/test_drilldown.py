"""The per-sentence split of a group's score change is exact."""

from __future__ import annotations

import numpy as np
import pytest

from audit.scoring import mann_whitney
from dashboards._drilldown import sentence_shifts
from db import SentenceRow


def _rows(scaled: list[float | None], labels: list[str], group: str = "g") -> list[SentenceRow]:
    return [
        SentenceRow(i, 100 + i, label, 1.0, (group,), s, s, None)
        for i, (s, label) in enumerate(zip(scaled, labels, strict=True))
    ]


def _score(scaled: np.ndarray, labels: list[str]) -> float:
    hate = scaled[[label == "hate" for label in labels]]
    neutral = scaled[[label != "hate" for label in labels]]
    u, _ = mann_whitney(hate, neutral)
    return u / (len(hate) * len(neutral))


def test_contributions_of_each_label_add_up_to_the_change() -> None:
    rng = np.random.default_rng(3)
    labels = ["hate"] * 30 + ["neutral"] * 25
    before = rng.lognormal(3, 1, 55).round(1)  # rounding makes ties
    after = before * rng.lognormal(0, 0.8, 55)
    shifts, change = sentence_shifts(_rows(list(before), labels), _rows(list(after), labels), "g")
    expected = _score(after, labels) - _score(before, labels)
    assert change == pytest.approx(expected)
    for label in ("hate", "neutral"):
        total = sum(s.contribution for s in shifts if s.label == label)
        assert total == pytest.approx(expected)
    contributions = [s.contribution for s in shifts]
    assert contributions == sorted(contributions)


def test_harmful_sentence_that_became_likely_comes_first() -> None:
    labels = ["hate", "hate", "neutral", "neutral"]
    before = _rows([10.0, 11.0, 1.0, 2.0], labels)
    after = _rows([10.0, 0.5, 1.0, 2.0], labels)
    shifts, change = sentence_shifts(before, after, "g")
    assert change == pytest.approx(-0.5)
    assert (shifts[0].row, shifts[0].label) == (1, "hate")
    assert shifts[0].contribution == pytest.approx(-0.5)
    assert (shifts[0].baseline_share, shifts[0].candidate_share) == (1.0, 0.0)


def test_only_shared_scored_sentences_of_the_group_take_part() -> None:
    labels = ["hate", "neutral", "hate", "neutral"]
    before = _rows([5.0, 1.0, None, 1.0], labels)
    after = _rows([5.0, 1.0, 3.0, None], labels)
    other = [SentenceRow(9, 9, "hate", 1.0, ("other",), 1.0, 1.0, None)]
    shifts, _ = sentence_shifts(before + other, after + other, "g")
    assert sorted(s.row for s in shifts) == [0, 1]
    assert sentence_shifts(before, after, "missing") == ([], None)
