"""profanity-check on real strings: it ships its model, so this runs offline."""

from __future__ import annotations

import pytest

from audit.classifiers import ClassifierError, ClassifierSpec, load_classifier, parse_classifier


def test_offensive_wording_scores_high_and_plain_text_low() -> None:
    classifier = load_classifier(parse_classifier("profanity-check"))
    rows = classifier.score(
        ["fuck you, you stupid piece of shit", "we had a lovely picnic in the park today"]
    )
    assert rows[0]["profanity"] > 0.9
    assert rows[1]["profanity"] < 0.2
    assert classifier.info.headline == "profanity"
    assert "not implicit hate" in classifier.info.description


def test_implicit_stereotype_is_not_what_it_detects() -> None:
    # A polite-sounding stereotype has no offensive words: the documented limit.
    classifier = load_classifier(parse_classifier("profanity-check"))
    (row,) = classifier.score(["those people are not as clever as the rest of us"])
    assert row["profanity"] < 0.5


def test_takes_no_arguments() -> None:
    with pytest.raises(ClassifierError, match="takes nothing after a colon"):
        parse_classifier("profanity-check:large")
    with pytest.raises(ClassifierError, match="no arguments"):
        load_classifier(ClassifierSpec("profanity-check", {"variant": "x"}))
