"""GenerationOptions: one typed record for the command line, the workers and the API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit.generation import (
    GENERATION_OPTIONS,
    GenerationOptions,
    GenerationOptionsError,
    generation_request,
)

SECRET = "SECRET-41c2-not-for-audit-errors"


def test_defaults_are_those_of_toxaudit_generate() -> None:
    options = GenerationOptions(prompts="sample", classifier="profanity-check")
    assert (options.per_group, options.samples, options.max_new_tokens) == (50, 1, 32)
    assert (options.temperature, options.top_p, options.seed) == (0.0, 1.0, 0)
    assert GENERATION_OPTIONS["per_group"] == 50 and GENERATION_OPTIONS["prompts"] is None


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"samples": 0}, "samples", ">= 1"),
        ({"samples": True}, "samples", "an integer"),
        ({"samples": "3"}, "samples", "an integer"),
        ({"per_group": 2.0}, "per_group", "an integer"),
        ({"temperature": float("nan")}, "temperature", "finite"),
        ({"top_p": 0.0}, "top_p", "> 0.0"),
        ({"seed": -1}, "seed", ">= 0"),
        ({"groups": ("",)}, "groups", "at least 1 long"),
        ({"groups": ["asian"]}, "groups", "a list of strings"),
        ({"prompts": ""}, "prompts", "at least 1 long"),
        ({"classifier_device": 3}, "classifier_device", "a string"),
    ],
)
def test_the_record_checks_its_own_fields(
    fields: dict[str, object], field: str, message: str
) -> None:
    base: dict[str, object] = {"prompts": "sample", "classifier": "profanity-check"}
    with pytest.raises(GenerationOptionsError, match=message) as caught:
        GenerationOptions(**{**base, **fields})  # type: ignore[arg-type]
    assert caught.value.field == field and field in str(caught.value)


def test_from_mapping_reads_a_audits_settings() -> None:
    options = GenerationOptions.from_mapping(
        {
            "prompts": "sample",
            "classifier": "profanity-check",
            "groups": "asian, women",
            "seed": None,
        }
    )
    assert options.groups == ("asian", "women") and options.seed == 0
    assert GenerationOptions.from_mapping(options.to_dict()) == options
    assert json.loads(json.dumps(options.to_dict()))["groups"] == ["asian", "women"]
    with pytest.raises(GenerationOptionsError, match=r"unknown generation option.*allow_pickle"):
        GenerationOptions.from_mapping(
            {"prompts": "sample", "classifier": "profanity-check", "allow_pickle": True}
        )
    with pytest.raises(GenerationOptionsError, match="needs 'classifier'"):
        GenerationOptions.from_mapping({"prompts": "sample"})


def test_prompt_file_errors_keep_file_content_out_of_the_public_message(tmp_path: Path) -> None:
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text(
        json.dumps({"prompt": "- a\n-", "group": "asian", "label": SECRET}) + "\n",
        encoding="utf-8",
    )
    with pytest.raises(GenerationOptionsError) as caught:
        generation_request({"prompts": str(prompts), "classifier": "profanity-check"})
    # The command line shows the value; an audit's error (readable without a token) does not.
    assert SECRET in str(caught.value)
    assert SECRET not in caught.value.public_message
    assert "row 1" in caught.value.public_message and "'label'" in caught.value.public_message
    assert caught.value.field == "prompts"


def test_allow_pickle_reaches_the_classifier_spec_only_when_asked() -> None:
    options = GenerationOptions(prompts="sample", classifier="detoxify:/m/x.ckpt")
    assert not generation_request(options).classifier.allow_pickle
    assert generation_request(options, allow_pickle=True).classifier.allow_pickle


def test_one_classifier_keeps_its_string_form_and_several_are_a_list() -> None:
    one = GenerationOptions.from_mapping({"prompts": "sample", "classifier": "profanity-check"})
    assert one.classifiers == ("profanity-check",)
    assert one == GenerationOptions(prompts="sample", classifier=("profanity-check",))
    assert one.to_dict()["classifier"] == "profanity-check"
    several = GenerationOptions.from_mapping(
        {"prompts": "sample", "classifier": ["guard:org/g", "profanity-check"]}
    )
    assert several.classifiers == ("guard:org/g", "profanity-check")
    assert several.to_dict()["classifier"] == ["guard:org/g", "profanity-check"]
    assert GenerationOptions.from_mapping(json.loads(json.dumps(several.to_dict()))) == several


@pytest.mark.parametrize(
    ("classifier", "message"),
    [
        ((), "1 to 4 classifiers"),
        (tuple(f"hf:org/m{i}" for i in range(5)), "1 to 4 classifiers"),
        (("profanity-check", "profanity-check"), "names profanity-check more than once"),
        (("profanity-check", ""), "at least 1 long"),
        (("profanity-check", 3), "a string"),
        (3, "a string or a list of strings"),
    ],
)
def test_the_classifier_list_is_checked(classifier: object, message: str) -> None:
    with pytest.raises(GenerationOptionsError, match=message) as caught:
        GenerationOptions(prompts="sample", classifier=classifier)  # type: ignore[arg-type]
    assert caught.value.field == "classifier"


def test_several_classifiers_share_the_options_each_takes() -> None:
    from audit.classifiers import ClassifierError
    from audit.generation import classifier_specs

    options = GenerationOptions(
        prompts="sample",
        classifier=("guard:org/g", "hf:org/h", "profanity-check"),
        guard_family="llama-guard",
        toxic_label="toxic",
        classifier_device="cpu",
    )
    guard, hf, profanity = classifier_specs(options)
    assert dict(guard.args) == {"model": "org/g", "family": "llama-guard", "device": "cpu"}
    assert dict(hf.args) == {"model": "org/h", "toxic_label": "toxic", "device": "cpu"}
    assert dict(profanity.args) == {}
    request = generation_request(options)
    assert request.classifiers == (guard, hf, profanity) and request.classifier == guard
    lonely = GenerationOptions(
        prompts="sample", classifier=("hf:org/h", "profanity-check"), guard_policy="No insults."
    )
    with pytest.raises(ClassifierError, match="guard_policy applies to none"):
        classifier_specs(lonely)
