"""Parsing classifier references into specs that record name and arguments."""

from __future__ import annotations

import pytest

from audit.classifiers import CLASSIFIERS, ClassifierError, ClassifierSpec, parse_classifier


def test_detoxify_variants_and_paths() -> None:
    assert parse_classifier("detoxify") == ClassifierSpec("detoxify", {"variant": "original"})
    assert parse_classifier("detoxify:unbiased-small").args == {"variant": "unbiased-small"}
    spec = parse_classifier("detoxify:/m/tox.ckpt", options={"config": "/m/cfg", "labels": None})
    assert spec.args == {"checkpoint": "/m/tox.ckpt", "config": "/m/cfg"}
    assert spec.to_dict() == {
        "name": "detoxify",
        "args": {"checkpoint": "/m/tox.ckpt", "config": "/m/cfg"},
    }
    assert str(spec) == "detoxify(checkpoint=/m/tox.ckpt, config=/m/cfg)"


def test_hf_and_profanity() -> None:
    assert parse_classifier("hf:tomh/toxigen_roberta").args == {"model": "tomh/toxigen_roberta"}
    assert parse_classifier("profanity-check") == ClassifierSpec("profanity-check", {})
    assert set(CLASSIFIERS) == {"detoxify", "hf", "guard", "profanity-check"}
    assert parse_classifier("guard:meta-llama/Llama-Guard-3-1B").args == {
        "model": "meta-llama/Llama-Guard-3-1B"
    }


def test_bad_references_are_errors() -> None:
    with pytest.raises(ClassifierError, match="unknown classifier 'perspective'"):
        parse_classifier("perspective")
    with pytest.raises(ClassifierError, match="hf needs a model"):
        parse_classifier("hf")
    with pytest.raises(ClassifierError, match="classifier_config does not apply"):
        parse_classifier("profanity-check", options={"config": "/x"})
    with pytest.raises(ClassifierError, match="toxic_label does not apply"):
        parse_classifier("detoxify", options={"toxic_label": "toxic"})
