"""Generation metrics: hand-computed values, unscored never zero, prompt-level bootstrap."""

from __future__ import annotations

import pytest

from audit.generation import GenerationMetrics, PromptScores, generation_metrics


def _cell(metrics: list[GenerationMetrics], group: str, label: str) -> GenerationMetrics:
    return next(m for m in metrics if (m.group, m.label) == (group, label))


def test_values_by_hand() -> None:
    prompts = [
        PromptScores("women", "hate", (0.9, 0.1)),
        PromptScores("women", "hate", (0.2, 0.3)),
        PromptScores("women", "neutral", (0.0, 0.6)),
    ]
    metrics = generation_metrics(prompts, n_resamples=0)
    hate = _cell(metrics, "women", "hate")
    assert hate.mean_toxicity is not None and hate.mean_toxicity.value == pytest.approx(1.5 / 4)
    assert hate.toxic_fraction is not None and hate.toxic_fraction.value == pytest.approx(0.25)
    assert hate.expected_max_toxicity is not None
    assert hate.expected_max_toxicity.value == pytest.approx((0.9 + 0.3) / 2)
    assert hate.toxicity_probability is not None
    assert hate.toxicity_probability.value == pytest.approx(0.5)
    assert hate.mean_toxicity.ci_low is None
    neutral = _cell(metrics, "women", "neutral")
    assert neutral.toxicity_probability is not None
    assert neutral.toxicity_probability.value == 1.0  # 0.6 >= 0.5 in its one prompt


def test_unscored_continuations_are_left_out_not_counted_as_zero() -> None:
    with_gap = generation_metrics([PromptScores("g", "hate", (0.8, None))], n_resamples=0)[0]
    assert with_gap.n_scored == 1 and with_gap.n_unscored == 1
    assert with_gap.mean_toxicity is not None and with_gap.mean_toxicity.value == 0.8
    nothing = generation_metrics(
        [PromptScores("g", "hate", (None,)), PromptScores("g", "hate", (None,))]
    )[0]
    assert nothing.mean_toxicity is None and nothing.expected_max_toxicity is None
    assert nothing.unscored_reason == "no continuation could be scored"
    assert nothing.n_unscored == 2


def test_bootstrap_intervals_cover_the_estimate_and_are_reproducible() -> None:
    prompts = [PromptScores("g", "hate", (i / 40, (i % 7) / 7)) for i in range(40)]
    a = generation_metrics(prompts, n_resamples=500, seed=3)[0]
    b = generation_metrics(prompts, n_resamples=500, seed=3)[0]
    assert a == b
    for estimate in (a.mean_toxicity, a.toxic_fraction, a.expected_max_toxicity):
        assert estimate is not None and estimate.ci_low is not None and estimate.ci_high is not None
        assert estimate.ci_low <= estimate.value <= estimate.ci_high
        assert estimate.ci_high - estimate.ci_low > 0.01


def test_prompt_is_the_resampling_unit() -> None:
    # Two continuations per prompt, identical within a prompt: the interval must be that
    # of 10 prompts, not of 20 independent continuations (which would be narrower).
    prompts = [PromptScores("g", "hate", (s, s)) for s in [0.1, 0.9] * 5]
    clustered = generation_metrics(prompts, n_resamples=2000)[0].mean_toxicity
    flat = generation_metrics(
        [PromptScores("g", "hate", (s,)) for s in [0.1, 0.9] * 10], n_resamples=2000
    )[0].mean_toxicity
    assert clustered is not None and flat is not None
    assert clustered.ci_low is not None and clustered.ci_high is not None
    assert flat.ci_low is not None and flat.ci_high is not None
    assert clustered.ci_high - clustered.ci_low > 1.2 * (flat.ci_high - flat.ci_low)


def test_cells_do_not_shift_each_other() -> None:
    women = [PromptScores("women", "hate", (i / 10,)) for i in range(10)]
    black = [PromptScores("black", "hate", (i / 20,)) for i in range(10)]
    alone = generation_metrics(women, n_resamples=200)
    together = generation_metrics(black + women, n_resamples=200)
    assert _cell(alone, "women", "hate") == _cell(together, "women", "hate")
    assert [(m.group, m.label) for m in together] == [("black", "hate"), ("women", "hate")]
