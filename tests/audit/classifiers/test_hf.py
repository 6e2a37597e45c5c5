"""`hf:` sequence classifiers: label names from the config, overrides, activations."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit.classifiers import ClassifierError, load_classifier, parse_classifier
from audit.classifiers._hf import choose_headline, parse_label_names
from tests.audit.classifiers.tiny_classifiers import build_hf_classifier

TEXTS = ["you are a wonderful person", "this is a stupid idea", "the lazy dog"]


@pytest.fixture(scope="module")
def binary_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_hf_classifier(
        tmp_path_factory.mktemp("hf-binary"), id2label={0: "neutral", 1: "toxic"}
    )


def test_labels_from_config_and_softmax(binary_dir: Path) -> None:
    classifier = load_classifier(parse_classifier(f"hf:{binary_dir}"))
    assert classifier.info.labels == ("neutral", "toxic")
    assert classifier.info.headline == "toxic"
    rows = classifier.score(TEXTS)
    for row in rows:
        assert row["neutral"] + row["toxic"] == pytest.approx(1.0, abs=1e-6)
    assert len({round(r["toxic"], 6) for r in rows}) == 3


def test_labels_and_headline_can_be_overridden(binary_dir: Path) -> None:
    spec = parse_classifier(
        f"hf:{binary_dir}", options={"labels": "0=benign,1=hateful", "toxic_label": "hateful"}
    )
    classifier = load_classifier(spec)
    assert classifier.info.labels == ("benign", "hateful")
    assert classifier.info.details["headline"] == "given by toxic_label"
    plain = load_classifier(parse_classifier(f"hf:{binary_dir}")).score(TEXTS)
    renamed = classifier.score(TEXTS)
    assert [r["hateful"] for r in renamed] == pytest.approx([r["toxic"] for r in plain])


def test_unnamed_binary_labels_take_index_one(tmp_path: Path) -> None:
    directory = build_hf_classifier(tmp_path / "m", id2label={0: "LABEL_0", 1: "LABEL_1"})
    classifier = load_classifier(parse_classifier(f"hf:{directory}"))
    assert classifier.info.headline == "LABEL_1"
    assert "index 1" in classifier.info.details["headline"]


def test_multi_label_models_use_sigmoids(tmp_path: Path) -> None:
    directory = build_hf_classifier(
        tmp_path / "m",
        id2label={0: "toxicity", 1: "insult", 2: "threat"},
        problem_type="multi_label_classification",
    )
    classifier = load_classifier(parse_classifier(f"hf:{directory}"))
    rows = classifier.score(TEXTS)
    # Independent sigmoids need not sum to one; a softmax always would.
    assert any(abs(sum(r.values()) - 1.0) > 1e-3 for r in rows)
    assert "sigmoid" in classifier.info.description


def test_ambiguous_labels_and_bad_overrides_are_errors(tmp_path: Path) -> None:
    with pytest.raises(ClassifierError, match="toxic_label"):
        choose_headline(("positive", "negative"), None)
    with pytest.raises(ClassifierError, match="not one of the model's labels"):
        choose_headline(("neutral", "toxic"), "hate")
    with pytest.raises(ClassifierError, match="has 2 outputs"):
        parse_label_names("0=a,1=b,2=c", n_labels=2)
    with pytest.raises(ClassifierError, match="integer index"):
        parse_label_names("x=a,1=b", n_labels=2)
    assert parse_label_names("neutral,toxic", n_labels=2) == {0: "neutral", 1: "toxic"}
    with pytest.raises(ClassifierError, match="no classifier model directory"):
        load_classifier(parse_classifier(f"hf:{tmp_path}/missing"))
    with pytest.raises(ClassifierError, match="could not load the classifier"):
        load_classifier(parse_classifier("hf:someone/not-cached-anywhere"))
