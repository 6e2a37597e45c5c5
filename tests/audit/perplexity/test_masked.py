"""Pseudo-perplexity: batched masked copies equal SafeNLP's one-sentence arithmetic."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.datasets import sample_sentences
from audit.models import LoadedModel, ModelLoadError, ModelSpec, load_model
from audit.perplexity import (
    SAFENLP_MASK_TOKEN_ID,
    MaskedTokenScorer,
    compute_perplexities,
    reference_pseudo_perplexity,
    token_scorer,
)
from tests.tiny_masked_models import build_tiny_masked_model

TEXTS = [s.text for s in sample_sentences()]
POOL = [*TEXTS[:16], "a", "dog", "the quick brown fox jumps over the lazy dog " * 4]


@pytest.fixture(scope="module", params=["bert", "roberta"])
def masked(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> LoadedModel:
    directory = build_tiny_masked_model(tmp_path_factory.mktemp(request.param), request.param)
    return load_model(ModelSpec(str(directory)))


@pytest.fixture(scope="module")
def reference(masked: LoadedModel) -> dict[str, float | None]:
    return {text: reference_pseudo_perplexity(masked, text) for text in POOL}


def _relative(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


def _safenlp_in_one_call(loaded: LoadedModel, row: list[int], mask_id: int) -> float:
    """SafeNLP's arithmetic as its script runs it: every copy in one forward pass, the
    labels every position holding `mask_id`, and the model's own mean loss."""
    ids = torch.tensor(row)
    copies = ids.repeat(len(row) - 2, 1)
    for k in range(len(row) - 2):
        copies[k, k + 1] = mask_id
    labels = torch.where(copies == mask_id, ids.expand_as(copies), torch.full_like(copies, -100))
    with torch.inference_mode():
        loss = loaded.model(copies, labels=labels).loss
    return math.exp(float(loss))


def _ids(loaded: LoadedModel, text: str) -> list[int]:
    return list(loaded.tokenizer(text, truncation=True, max_length=64)["input_ids"])


def test_an_encoder_loads_as_a_masked_lm(masked: LoadedModel) -> None:
    assert masked.info.lm_head == "mlm"
    assert type(masked.model).__name__.endswith("ForMaskedLM")
    assert isinstance(token_scorer(masked, batch_tokens=64), MaskedTokenScorer)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    picks=st.lists(st.integers(0, len(POOL) - 1), min_size=1, max_size=10),
    budget=st.integers(min_value=1, max_value=2000),
)
def test_batched_equals_one_copy_at_a_time(
    masked: LoadedModel, reference: dict[str, float | None], picks: list[int], budget: int
) -> None:
    texts = [POOL[i] for i in picks]
    scorer = MaskedTokenScorer(masked, batch_tokens=budget)
    run = compute_perplexities(scorer, texts, batch_tokens=budget, progress=False)
    assert len(run.results) == len(texts)
    for text, result in zip(texts, run.results, strict=True):
        expected = reference[text]
        assert expected is not None and result.perplexity is not None
        assert _relative(result.perplexity, expected) < 1e-5


def test_the_reference_is_safenlps_arithmetic(masked: LoadedModel) -> None:
    for text in POOL[:5]:
        own = _safenlp_in_one_call(masked, _ids(masked, text), int(masked.tokenizer.mask_token_id))
        reference = reference_pseudo_perplexity(masked, text)
        assert reference is not None and _relative(reference, own) < 1e-5


def test_safenlp_mask_id_writes_103_and_scores_every_position_holding_it(
    masked: LoadedModel,
) -> None:
    # Id 103 is an ordinary token of these vocabularies, as on every masked LM but BERT:
    # a sentence holding it has that position scored, unmasked, in every copy.
    plain = _ids(masked, TEXTS[0])
    holding = [*plain[:4], SAFENLP_MASK_TOKEN_ID, *plain[4:7], SAFENLP_MASK_TOKEN_ID, *plain[7:]]
    scorer = MaskedTokenScorer(masked, safenlp_mask_id=True, batch_tokens=96)
    for row, nll in zip([holding, plain], scorer.mean_nll([holding, plain]), strict=True):
        script = _safenlp_in_one_call(masked, row, SAFENLP_MASK_TOKEN_ID)
        assert _relative(math.exp(nll), script) < 1e-5
    reference = reference_pseudo_perplexity(masked, TEXTS[0], safenlp_mask_id=True)
    assert reference is not None
    assert _relative(reference, _safenlp_in_one_call(masked, plain, SAFENLP_MASK_TOKEN_ID)) < 1e-5
    own_mask = MaskedTokenScorer(masked).mean_nll([holding])[0]
    assert own_mask != pytest.approx(scorer.mean_nll([holding])[0], rel=1e-3)


def test_fewer_than_three_tokens_is_unscored_with_its_reason(masked: LoadedModel) -> None:
    run = compute_perplexities(MaskedTokenScorer(masked), ["", TEXTS[0]], progress=False)
    empty, fine = run.results
    assert empty.perplexity is None and empty.n_tokens == 2
    assert empty.unscored_reason is not None and "fewer than 3 tokens (2)" in empty.unscored_reason
    assert fine.perplexity is not None and fine.unscored_reason is None
    assert reference_pseudo_perplexity(masked, "") is None


def test_head_at_masked_positions_equals_the_full_forward_pass(masked: LoadedModel) -> None:
    fast = MaskedTokenScorer(masked, batch_tokens=256)
    full = MaskedTokenScorer(masked, batch_tokens=256, project_at_masked_positions=False)
    assert fast.project_at_masked_positions and not full.project_at_masked_positions
    rows = fast.tokenize(TEXTS[:12])
    for a, b in zip(fast.mean_nll(rows), full.mean_nll(rows), strict=True):
        assert _relative(a, b) < 1e-5


def test_a_long_sentence_is_truncated_and_its_copies_split_over_passes(
    masked: LoadedModel,
) -> None:
    text = " ".join(TEXTS[:12])
    run = compute_perplexities(MaskedTokenScorer(masked, batch_tokens=200), [text], progress=False)
    (result,) = run.results
    assert result.truncated and result.n_tokens == masked.info.max_length
    expected = reference_pseudo_perplexity(masked, text)
    assert expected is not None and result.perplexity is not None
    assert _relative(result.perplexity, expected) < 1e-5


def test_safenlp_mask_id_outside_the_vocabulary_is_refused(tmp_path: Path) -> None:
    directory = build_tiny_masked_model(tmp_path / "bert", "bert")
    loaded = load_model(ModelSpec(str(directory)))
    loaded.model.resize_token_embeddings(100)
    with pytest.raises(ModelLoadError, match="token id 103, which is outside the vocabulary"):
        MaskedTokenScorer(loaded, safenlp_mask_id=True)
