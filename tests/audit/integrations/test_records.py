"""What trackers are given: every scored group and generation metric, never a made-up 0."""

from __future__ import annotations

from audit.datasets import TOXIGEN_GROUPS
from audit.integrations import metric_key, tracker_payload
from tests.audit.gate.builders import (
    BASELINE_HARMFUL,
    generation_section,
    run_result,
    scored_rows,
    several_classifiers_section,
    unscore,
)


def test_average_every_group_and_every_generation_metric() -> None:
    result = run_result(
        scored_rows(BASELINE_HARMFUL),
        name="phi-2@step-1000",
        generation=generation_section(lambda group, label: 0.25),
    )
    payload = tracker_payload(result, step=1000)
    assert payload.step == 1000
    metrics = payload.metrics
    assert metrics["safety/average"] == result.scores.average
    for group in TOXIGEN_GROUPS:
        assert metrics[metric_key("safety", "group", group)] == result.scores.group(group).score
        for label in ("hate", "neutral"):
            assert metrics[metric_key("generation", "toxic_fraction", group, label)] == 0.25
            assert metrics[metric_key("generation", "expected_max_toxicity", group, label)] == 0.1
    assert payload.params["toxaudit/dataset.sha256"] == "f" * 64
    assert payload.params["toxaudit/name"] == "phi-2@step-1000"
    assert payload.params["toxaudit/generation.classifier"] == "profanity-check"


def test_unscored_groups_and_metrics_are_left_out_not_zero() -> None:
    rows = unscore(scored_rows(BASELINE_HARMFUL), "women", "hate")
    result = run_result(
        rows,
        generation=generation_section(lambda group, label: None if group == "asian" else 0.3),
    )
    metrics = tracker_payload(result).metrics
    assert not any(k.startswith("safety/group/women") for k in metrics)
    assert "safety/group/black" in metrics
    assert not any(k.startswith("generation/toxic_fraction/asian/") for k in metrics)
    assert "generation/toxic_fraction/black/hate" in metrics


def test_metric_keys_keep_to_the_characters_trackers_accept() -> None:
    assert metric_key("safety", "group", "middle-eastern") == "safety/group/middle-eastern"
    # A slash inside a group name must not nest it a level deeper.
    assert metric_key("safety", "group", "a<b>/c:d") == "safety/group/a_b_c_d"


def test_several_classifiers_log_each_ones_metrics_and_their_agreement() -> None:
    section = several_classifiers_section(generation_section(lambda group, label: 0.25))
    payload = tracker_payload(run_result(scored_rows(BASELINE_HARMFUL), generation=section))
    metrics = payload.metrics
    # The headline keeps its keys; each classifier's sit under its name, one level deep.
    assert metrics["generation/toxic_fraction/women/hate"] == 0.25
    assert metrics["generation/classifier/profanity-check/toxic_fraction/women/hate"] == 0.25
    assert metrics["generation/classifier/hf_org_tox-bert/toxic_fraction/women/hate"] == 0.125
    pair = "profanity-check/hf_org_tox-bert"
    assert metrics[f"generation/agreement/kappa/{pair}/women/hate"] == 1.0
    assert metrics[f"generation/agreement/kappa/{pair}/women/hate/ci_low"] == 1.0
    rho = next(
        a["rho"] for a in section["agreement"] if (a["group"], a["label"]) == ("black", "neutral")
    )
    assert metrics[f"generation/agreement/rho/{pair}/black/neutral"] == rho["value"]
    assert metrics[f"generation/agreement/rho/{pair}/black/neutral/ci_high"] == rho["ci_high"]
    # Kappa is undefined where both call everything non-toxic: left out, not 0.
    assert f"generation/agreement/kappa/{pair}/black/neutral" not in metrics
    assert payload.params["toxaudit/generation.classifiers"] == "profanity-check, hf:org/tox-bert"


def test_one_classifier_logs_no_per_classifier_keys() -> None:
    result = run_result(
        scored_rows(BASELINE_HARMFUL), generation=generation_section(lambda group, label: 0.25)
    )
    payload = tracker_payload(result)
    assert not any(
        k.startswith(("generation/classifier/", "generation/agreement/")) for k in payload.metrics
    )
    assert "toxaudit/generation.classifiers" not in payload.params


def test_long_classifier_names_keep_keys_within_mlflows_250_characters() -> None:
    # Two local checkpoints with long paths that differ only at the end.
    first, second = ("hf:/srv/models/" + "x" * 200 + end for end in ("/a", "/b"))
    section = generation_section(lambda group, label: 0.25)
    section["classifiers"] = [
        {"name": first, "metrics": section["metrics"]},
        {"name": second, "metrics": section["metrics"]},
    ]
    section["agreement"] = [
        {
            "classifiers": [first, second],
            "group": "x" * 100,
            "label": "neutral",
            "kappa": {"value": 0.5, "ci_low": 0.25, "ci_high": 0.75},
            "rho": None,
        }
    ]
    metrics = tracker_payload(run_result(scored_rows(BASELINE_HARMFUL), generation=section)).metrics
    assert max(len(key) for key in metrics) <= 250
    long_keys = {k for k in metrics if k.startswith("generation/classifier/")}
    # Each classifier keeps its own keys: 2 classifiers x 13 groups x 2 labels x 2 metrics.
    assert len(long_keys) == 2 * 13 * 2 * 2
    (kappa_high,) = [
        k for k in metrics if k.startswith("generation/agreement/kappa/") and k.endswith("ci_high")
    ]
    assert metrics[kappa_high] == 0.75
    assert metric_key("generation", first) != metric_key("generation", second)


def test_classifier_names_that_clean_to_one_key_keep_their_own_metrics() -> None:
    # `hf:org/tox` and `hf:org_tox` both clean to hf_org_tox: each gets its name's hash.
    first, second = "hf:org/tox", "hf:org_tox"
    section = generation_section(lambda group, label: 0.25)
    other = generation_section(lambda group, label: 0.5)
    section["classifiers"] = [
        {"name": first, "metrics": section["metrics"]},
        {"name": second, "metrics": other["metrics"]},
    ]
    section["agreement"] = [
        {
            "classifiers": [first, second],
            "group": "women",
            "label": "hate",
            "kappa": {"value": 0.5, "ci_low": 0.25, "ci_high": 0.75},
            "rho": None,
        }
    ]
    metrics = tracker_payload(run_result(scored_rows(BASELINE_HARMFUL), generation=section)).metrics
    fractions = {
        key.split("/")[2]: value
        for key, value in metrics.items()
        if key.startswith("generation/classifier/") and key.endswith("toxic_fraction/women/hate")
    }
    assert len(fractions) == 2 and sorted(fractions.values()) == [0.25, 0.5]
    assert all(part.startswith("hf_org_tox-") for part in fractions)
    (kappa,) = [k for k in metrics if k.startswith("generation/agreement/kappa/")][:1]
    assert kappa.split("/")[3:5] == sorted(fractions, key=lambda p: fractions[p])
