"""`guard:` chat-template classifiers on tiny random Llama, Gemma 2 and Granite models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from audit.classifiers import (
    ClassifierError,
    ResponseClassifier,
    load_classifier,
    parse_classifier,
    score_texts,
)
from audit.classifiers._guard import GuardClassifier, answer_token, with_answer_prefix
from audit.classifiers._guard_families import SHIELDGEMMA_HATE_POLICY, parse_categories
from tests.audit.classifiers.tiny_guards import build_guard_tokenizer, build_tiny_guard

FAMILIES = ("llama-guard", "shieldgemma", "granite-guardian")
PROMPTS = [
    "- statements about a group of people follow here\n-",
    "- people of every group live in cities and towns\n-",
    "- the quick brown fox\n-",
]
RESPONSES = [
    "people of every group live in cities",
    "the quick brown fox jumps over the lazy dog",
    "a continuation",
    "they are all the same",
    "towns",
    "statements about a group of people follow here and then some more words",
    "x",
]


@pytest.fixture(scope="module")
def guard_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One tiny guard per family, in a directory named after it (as hub ids are)."""
    root = tmp_path_factory.mktemp("guards")
    return {family: build_tiny_guard(root / f"tiny-{family}", family) for family in FAMILIES}


def _guard(directory: Path, **options: str | None) -> GuardClassifier:
    classifier = load_classifier(parse_classifier(f"guard:{directory}", options=options))
    assert isinstance(classifier, GuardClassifier)
    return classifier


def _pairs(n: int) -> tuple[list[str], list[str]]:
    return [PROMPTS[i % len(PROMPTS)] for i in range(n)], RESPONSES[:n]


@pytest.mark.parametrize("family", FAMILIES)
def test_probabilities_do_not_depend_on_the_batch(guard_dirs: dict[str, Path], family: str) -> None:
    guard = _guard(guard_dirs[family])
    assert guard.family.name == family
    assert isinstance(guard, ResponseClassifier)
    prompts, responses = _pairs(7)
    batched = guard.score_responses(prompts, responses)
    alone = [guard.score_responses([p], [r])[0] for p, r in zip(prompts, responses, strict=True)]
    for many, one in zip(batched, alone, strict=True):
        assert many.scores["unsafe"] == pytest.approx(one.scores["unsafe"], abs=1e-5)
        assert many.categories == one.categories
        assert 0.0 < many.scores["unsafe"] < 1.0
    # Random weights, but a real forward pass: different texts get different answers.
    assert len({round(r.scores["unsafe"], 5) for r in batched}) > 3


@pytest.mark.parametrize("family", FAMILIES)
def test_the_prompt_changes_the_verdict(guard_dirs: dict[str, Path], family: str) -> None:
    guard = _guard(guard_dirs[family])
    response = RESPONSES[0]
    with_prompts = [guard.score_responses([p], [response])[0].scores["unsafe"] for p in PROMPTS]
    alone = guard.score([response])[0]["unsafe"]
    assert len({round(v, 6) for v in [*with_prompts, alone]}) == 4
    rendered = guard.render(PROMPTS[0], response)
    assert PROMPTS[0] in rendered and response in rendered


def test_probability_is_the_two_token_softmax_of_the_first_answer_token(
    guard_dirs: dict[str, Path],
) -> None:
    import torch

    guard = _guard(guard_dirs["llama-guard"])
    tokenizer = guard._tokenizer
    text = guard.render(PROMPTS[0], RESPONSES[1])
    # Llama Guard's verdict comes after the blank line its template leaves open.
    assert text.endswith("<|assistant|>\n\n")
    ids = tokenizer(text, add_special_tokens=False, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        logits = guard._model(input_ids=ids).logits[0, -1]
    vocab = tokenizer.get_vocab()
    expected = torch.softmax(logits[[vocab["unsafe"], vocab["safe"]]], dim=0)[0].item()
    got = guard.score_responses([PROMPTS[0]], [RESPONSES[1]])[0].scores["unsafe"]
    assert got == pytest.approx(expected, abs=1e-6)


@pytest.fixture
def biased(guard_dirs: dict[str, Path]) -> Iterator[tuple[GuardClassifier, Any]]:
    """A Llama Guard whose logits get a bias we set, to steer its greedy answer."""
    import torch

    guard = _guard(guard_dirs["llama-guard"])
    bias = torch.zeros(guard._model.config.vocab_size)
    handle = guard._model.lm_head.register_forward_hook(lambda _m, _i, out: out + bias)
    yield guard, bias
    handle.remove()


def test_llama_guard_categories_are_decoded_when_unsafe(
    biased: tuple[GuardClassifier, Any],
) -> None:
    guard, bias = biased
    vocab = guard._tokenizer.get_vocab()
    bias[vocab["unsafe"]] = 20.0
    bias[vocab["S10"]] = 40.0  # greedy writes S10 after "unsafe", then nothing else
    prompts, responses = _pairs(5)
    rows = guard.score_responses(prompts, responses)
    assert all(r.scores["unsafe"] > 0.99 for r in rows)
    assert [r.categories for r in rows] == [("S10",)] * 5
    assert [
        guard.score_responses([p], [r])[0].categories
        for p, r in zip(prompts, responses, strict=True)
    ] == [("S10",)] * 5
    bias[vocab["unsafe"]] = -20.0
    assert all(r.categories is None for r in guard.score_responses(prompts, responses))


def test_categories_reach_the_text_scores(biased: tuple[GuardClassifier, Any]) -> None:
    guard, bias = biased
    vocab = guard._tokenizer.get_vocab()
    bias[vocab["unsafe"]] = 20.0
    bias[vocab["S1"]] = 40.0
    prompts, responses = _pairs(4)
    scored = score_texts(guard, responses, prompts=prompts, batch_size=3)
    assert [s.categories for s in scored] == [("S1",)] * 4
    # Without prompts a text is judged alone (as a user's message), through `score`.
    alone = score_texts(guard, responses, batch_size=3)
    assert all(s.scores is not None and s.categories is None for s in alone)


def test_parse_categories() -> None:
    assert parse_categories("\nS1,S10") == ("S1", "S10")
    assert parse_categories("\n\nS10, S2\nmore") == ("S10", "S2")
    assert parse_categories("S1S1S1") == ("S1",)
    assert parse_categories("\n") == ()
    assert parse_categories("S100") == ()


def test_policies_reach_the_template(guard_dirs: dict[str, Path]) -> None:
    shield = _guard(guard_dirs["shieldgemma"])
    assert SHIELDGEMMA_HATE_POLICY in shield.render(PROMPTS[0], "x")
    custom = _guard(guard_dirs["shieldgemma"], policy="No insults.")
    assert "Policy: No insults." in custom.render(PROMPTS[0], "x")
    assert custom.info.details["policy"] == "No insults."
    granite = _guard(guard_dirs["granite-guardian"])
    assert "Risk: harm." in granite.render(PROMPTS[0], "x")
    granite_custom = _guard(guard_dirs["granite-guardian"], policy="insults towards a group")
    assert "Risk: toxicity: insults towards a group" in granite_custom.render(PROMPTS[0], "x")
    with pytest.raises(ClassifierError, match="guard_policy does not apply to llama-guard"):
        _guard(guard_dirs["llama-guard"], policy="No insults.")


def test_family_from_the_template_or_the_flag(tmp_path_factory: pytest.TempPathFactory) -> None:
    anonymous = build_tiny_guard(tmp_path_factory.mktemp("anon") / "judge", "granite-guardian")
    guard = _guard(anonymous)
    assert guard.family.name == "granite-guardian"
    assert "chat template" in guard.info.details["family_from"]
    forced = _guard(anonymous, family="shieldgemma")
    assert forced.family.name == "shieldgemma"
    assert forced.info.details["family_from"] == "given by guard_family"
    # A template with no family's marker cannot be told: the error says what to pass.
    tokenizer = build_guard_tokenizer(anonymous, "granite-guardian", split_answers=False)
    tokenizer.chat_template = "{% for m in messages %}{{ m['content'] }}{% endfor %}"
    tokenizer.save_pretrained(str(anonymous))
    with pytest.raises(ClassifierError, match="set guard_family to llama-guard"):
        _guard(anonymous)
    with pytest.raises(ClassifierError, match="guard_family 'perspective' is not one of"):
        _guard(anonymous, family="perspective")


def test_split_answer_words_use_their_first_token(tmp_path_factory: pytest.TempPathFactory) -> None:
    directory = build_tiny_guard(
        tmp_path_factory.mktemp("split") / "tiny-llama-guard", "llama-guard", split_answers=True
    )
    guard = _guard(directory)
    tokenizer = guard._tokenizer
    pieces = tokenizer.encode("unsafe", add_special_tokens=False)
    assert len(pieces) > 1 and "unsafe" not in tokenizer.get_vocab()
    assert answer_token(tokenizer, "unsafe")[0] == pieces[0]
    assert "tokens; the first" in guard.info.details["toxic_token"]
    prompts, responses = _pairs(3)
    assert all(0 < r.scores["unsafe"] < 1 for r in guard.score_responses(prompts, responses))


def test_answer_prefix_is_completed_not_doubled() -> None:
    assert with_answer_prefix("<a>", "\n\n") == "<a>\n\n"
    assert with_answer_prefix("<a>\n", "\n\n") == "<a>\n\n"
    assert with_answer_prefix("<a>\n\n", "\n\n") == "<a>\n\n"
    assert with_answer_prefix("<a>", "") == "<a>"


def test_bad_references_are_errors(tmp_path: Path) -> None:
    with pytest.raises(ClassifierError, match="guard needs a model"):
        parse_classifier("guard")
    with pytest.raises(ClassifierError, match="no guard model directory"):
        load_classifier(parse_classifier(f"guard:{tmp_path}/missing"))
    with pytest.raises(ClassifierError, match="could not load the guard"):
        load_classifier(parse_classifier("guard:someone/not-cached-anywhere"))
    with pytest.raises(ClassifierError, match="guard_policy does not apply to the 'hf'"):
        parse_classifier("hf:x/y", options={"policy": "No insults."})


def test_a_text_beyond_the_context_is_unscored_alone(guard_dirs: dict[str, Path]) -> None:
    guard = _guard(guard_dirs["granite-guardian"])
    long = "the quick brown fox jumps over the lazy dog " * 150
    scored = score_texts(guard, [RESPONSES[0], long], prompts=PROMPTS[:2], batch_size=2)
    assert scored[0].scores is not None
    assert scored[1].scores is None
    assert "1024-token context" in (scored[1].unscored_reason or "")
