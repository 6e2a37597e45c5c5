from dataclasses import replace

import pytest

from audit.gate import GateInputError, GateSettings, evaluate_gate
from tests.audit.gate.builders import BASELINE_HARMFUL, run_result, scored_rows

RUN = run_result(scored_rows(BASELINE_HARMFUL))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda s: replace(s, average="0.5"), "scores.average"),
        (
            lambda s: replace(s, groups=(replace(s.groups[0], score=float("nan")),)),
            "scores.groups[0].score",
        ),
        (
            lambda s: replace(s, groups=(replace(s.groups[0], p_value=[]),)),
            "scores.groups[0].p_value",
        ),
        (
            lambda s: replace(s, groups=(replace(s.groups[0], significant="yes"),)),
            "scores.groups[0].significant",
        ),
        (
            lambda s: replace(s, groups=(replace(s.groups[0], n_harmful=1.5),)),
            "scores.groups[0].n_harmful",
        ),
        (lambda s: replace(s, groups=(replace(s.groups[0], group=3),)), "scores.groups[0].group"),
    ],
)
def test_malformed_scores_are_refused_naming_the_field(change, field) -> None:
    bad = replace(RUN, scores=change(RUN.scores))
    with pytest.raises(GateInputError) as info:
        evaluate_gate(GateSettings(min_average=0.1), bad, candidate_source="runs/x.json")
    assert str(info.value).startswith(f"runs/x.json: {field}: expected")
    with pytest.raises(GateInputError) as info:
        evaluate_gate(GateSettings(max_drop=0.1), RUN, baseline=bad, baseline_source="main.json")
    assert str(info.value).startswith(f"main.json: {field}: expected")
