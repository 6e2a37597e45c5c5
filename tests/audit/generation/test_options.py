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

SECRET = "SECRET-41c2-not-for-job-errors"


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


def test_from_mapping_reads_a_jobs_settings() -> None:
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
    # The command line shows the value; a job's error (readable without a token) does not.
    assert SECRET in str(caught.value)
    assert SECRET not in caught.value.public_message
    assert "row 1" in caught.value.public_message and "'label'" in caught.value.public_message
    assert caught.value.field == "prompts"


def test_allow_pickle_reaches_the_classifier_spec_only_when_asked() -> None:
    options = GenerationOptions(prompts="sample", classifier="detoxify:/m/x.ckpt")
    assert not generation_request(options).classifier.allow_pickle
    assert generation_request(options, allow_pickle=True).classifier.allow_pickle
