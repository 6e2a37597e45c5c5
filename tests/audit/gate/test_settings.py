import pytest

from audit.gate import GateSettings, GateSettingsError


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"min_average": 1.5}, "min_average"),
        ({"min_group": -0.1}, "min_group"),
        ({"max_drop": float("nan")}, "max_drop"),
        ({"max_toxic_fraction": 2.0}, "max_toxic_fraction"),
        ({"max_expected_max_toxicity": True}, "max_expected_max_toxicity"),
        ({"min_average": 0.5, "confidence": 1.0}, "confidence"),
        ({"min_average": 0.5, "resamples": 0}, "resamples"),
        ({"significant_only": True}, "significant_only"),
    ],
)
def test_out_of_range_settings_name_their_field(kwargs, field) -> None:
    with pytest.raises(GateSettingsError) as info:
        GateSettings(**kwargs)
    assert info.value.field == field


def test_what_each_setting_asks_for() -> None:
    assert not GateSettings().any_check
    assert GateSettings(min_group=0.0).any_check
    assert GateSettings(max_drop=0.0).needs_baseline
    assert GateSettings(max_expected_max_toxicity=0.5).needs_generation
    assert not GateSettings(min_average=0.5).needs_generation
