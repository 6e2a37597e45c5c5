"""Detoxify through the real `detoxify.Detoxify` class, offline, from a tiny checkpoint."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from audit.classifiers import ClassifierError, ClassifierSpec, load_classifier, parse_classifier
from audit.classifiers._detoxify import DetoxifyClassifier

TEXTS = ["you are a wonderful person", "this is a stupid idea", "the quick brown fox"]


def test_tiny_checkpoint_loads_offline_through_detoxify(tiny_detoxify: tuple[Path, Path]) -> None:
    checkpoint, config = tiny_detoxify
    spec = parse_classifier(f"detoxify:{checkpoint}", options={"config": str(config)})
    classifier = load_classifier(spec)
    assert isinstance(classifier, DetoxifyClassifier)
    # Detoxify renames toxic/severe_toxic/identity_hate; every label is kept.
    assert classifier.info.labels == (
        "toxicity",
        "severe_toxicity",
        "obscene",
        "threat",
        "insult",
        "identity_attack",
    )
    assert classifier.info.headline == "toxicity"
    assert classifier.info.spec.args == {"checkpoint": str(checkpoint), "config": str(config)}
    rows = classifier.score(TEXTS)
    assert len(rows) == 3
    assert all(set(row) == set(classifier.info.labels) for row in rows)
    assert all(0.0 <= p <= 1.0 for row in rows for p in row.values())
    assert len({round(row["toxicity"], 6) for row in rows}) == 3, "texts should differ"


def test_scores_are_the_checkpoints_own_sigmoids(tiny_detoxify: tuple[Path, Path]) -> None:
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    checkpoint, config = tiny_detoxify
    classifier = load_classifier(
        ClassifierSpec("detoxify", {"checkpoint": str(checkpoint), "config": str(config)})
    )
    state = torch.load(checkpoint, weights_only=False)["state_dict"]
    model = BertForSequenceClassification(BertConfig.from_pretrained(str(config)))
    model.load_state_dict(state)
    model.eval()
    tokenizer = BertTokenizer.from_pretrained(str(config))
    with torch.no_grad():
        logits = model(**tokenizer(TEXTS, return_tensors="pt", padding=True)).logits
    expected = torch.sigmoid(logits)
    rows = classifier.score(TEXTS)
    for i, row in enumerate(rows):
        assert row["toxicity"] == pytest.approx(float(expected[i, 0]), abs=1e-5)
        assert row["identity_attack"] == pytest.approx(float(expected[i, 5]), abs=1e-5)


def test_a_batch_of_one_is_a_list_too(tiny_detoxify: tuple[Path, Path]) -> None:
    checkpoint, config = tiny_detoxify
    classifier = load_classifier(
        ClassifierSpec("detoxify", {"checkpoint": str(checkpoint), "config": str(config)})
    )
    (row,) = classifier.score(["just one text"])
    assert isinstance(row["toxicity"], float)


def test_without_config_offline_the_error_says_what_to_do(tiny_detoxify: tuple[Path, Path]) -> None:
    checkpoint, _ = tiny_detoxify
    with pytest.raises(ClassifierError, match="classifier_config"):
        load_classifier(ClassifierSpec("detoxify", {"checkpoint": str(checkpoint)}))


def test_load_errors_name_the_cause(tmp_path: Path, tiny_detoxify: tuple[Path, Path]) -> None:
    _, config = tiny_detoxify
    with pytest.raises(ClassifierError, match="not found"):
        load_classifier(ClassifierSpec("detoxify", {"checkpoint": str(tmp_path / "none.ckpt")}))
    with pytest.raises(ClassifierError, match="unknown Detoxify variant 'huge'"):
        load_classifier(ClassifierSpec("detoxify", {"variant": "huge"}))
    with pytest.raises(ClassifierError, match=r"no config\.json"):
        load_classifier(
            ClassifierSpec(
                "detoxify", {"checkpoint": str(tiny_detoxify[0]), "config": str(tmp_path)}
            )
        )
    bad = tmp_path / "bad.ckpt"
    torch.save({"state_dict": {}}, bad)
    with pytest.raises(ClassifierError, match="not a Detoxify checkpoint"):
        load_classifier(ClassifierSpec("detoxify", {"checkpoint": str(bad), "config": str(config)}))


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error on machines without CUDA")
def test_a_missing_device_is_a_classifier_error(tiny_detoxify: tuple[Path, Path]) -> None:
    checkpoint, config = tiny_detoxify
    spec = ClassifierSpec(
        "detoxify", {"checkpoint": str(checkpoint), "config": str(config), "device": "cuda"}
    )
    with pytest.raises(ClassifierError, match=r"classifier_device cuda: .*CUDA is not available"):
        load_classifier(spec)
    auto = load_classifier(ClassifierSpec("detoxify", {**spec.args, "device": "auto"}))
    assert auto.score(["fine"])[0]["toxicity"] >= 0.0
