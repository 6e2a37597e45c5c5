"""User errors as the command line says them."""

from __future__ import annotations

from audit.classifiers import ClassifierError
from audit.generation import GenerationOptionsError
from cli._errors import error_line


def test_classifier_options_are_named_by_their_flags() -> None:
    error = ClassifierError(
        "cannot tell which label means toxic among a, b; set toxic_label to one of them "
        "(and classifier_labels to rename the outputs)",
        option="toxic_label",
    )
    assert error_line(error) == (
        "cannot tell which label means toxic among a, b; set --toxic-label to one of them "
        "(and --classifier-labels to rename the outputs)"
    )
    wrapped = GenerationOptionsError("guard_policy does not apply to the 'hf' classifier")
    assert error_line(wrapped) == "--guard-policy does not apply to the 'hf' classifier"


def test_other_errors_and_longer_words_are_left_as_they_are() -> None:
    # A file's column that happens to share an option's name is the file's word.
    assert error_line(ValueError("data.csv, row 3: toxic_label is empty")) == (
        "data.csv, row 3: toxic_label is empty"
    )
    assert error_line(ClassifierError("my_toxic_label_x is odd")) == "my_toxic_label_x is odd"


def test_model_options_are_named_by_their_flags() -> None:
    from audit.models import ModelLoadError

    error = ModelLoadError(
        "safenlp_mask_id applies to masked LMs only, and 'm' is scored as a causal LM "
        "(set lm_head to mlm if it is a masked LM)"
    )
    assert error_line(error) == (
        "--safenlp-mask-id applies to masked LMs only, and 'm' is scored as a causal LM "
        "(set --lm-head to mlm if it is a masked LM)"
    )
    # `device` and `dtype` are plain words too, and stay so.
    assert error_line(ModelLoadError("no such device")) == "no such device"
