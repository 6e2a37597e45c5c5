"""Prompt sources: the ToxiGen file format, directories, JSONL, sample, seeded selection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit.datasets import TOXIGEN_GROUPS, DatasetError
from audit.generation import (
    TOXIGEN_FILE_GROUPS,
    load_prompts,
    parse_prompt_line,
    read_prompt_directory,
    sample_prompts,
    select_prompts,
    toxigen_prompt_filenames,
)

LINE = "- cats sleep a lot\\n- dogs like walks\\n- birds sing in the morning\\n-"


def _write_dir(directory: Path, groups: list[str], *, lines: int = 3) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for group in groups:
        for label in ("hate", "neutral"):
            body = "\n".join(
                f"- {label} item {i} about {group}\\n- another {i}\\n-" for i in range(lines)
            )
            (directory / f"{label}_{group}_1k.txt").write_text(body + "\n", encoding="utf-8")
    return directory


def test_literal_backslash_n_separates_demonstrations() -> None:
    text = parse_prompt_line(LINE, source="f.txt", row=1)
    assert text == "- cats sleep a lot\n- dogs like walks\n- birds sing in the morning\n-"
    assert "\\n" not in text


@pytest.mark.parametrize(
    "line",
    ["- no open item at the end", "- one item\\n- two items", "cats\\n-", "- ok\\nnot an item\\n-"],
)
def test_malformed_lines_name_file_row_and_field(line: str) -> None:
    with pytest.raises(DatasetError, match=r"^f\.txt, row 4, field 'prompt': "):
        parse_prompt_line(line, source="f.txt", row=4)


def test_directory_maps_file_names_to_canonical_groups(tmp_path: Path) -> None:
    directory = _write_dir(tmp_path, [*TOXIGEN_FILE_GROUPS, "trans", "immigrant"])
    prompts = read_prompt_directory(directory)
    assert prompts.groups == tuple(sorted(TOXIGEN_GROUPS))
    assert len(prompts) == 13 * 2 * 3
    first = prompts.prompts[0]
    assert first.source == "hate_asian_1k.txt:1" and first.label == "hate"
    middle_east = [p for p in prompts.prompts if p.group == "middle-eastern"]
    assert {p.source.split(":")[0] for p in middle_east} == {
        "hate_middle_east_1k.txt",
        "neutral_middle_east_1k.txt",
    }
    # Other groups only when asked for, under their own names.
    extra = read_prompt_directory(directory, groups=["trans", "mental_disability"])
    assert extra.groups == ("mental dis", "trans")


def test_a_bad_line_in_a_file_is_located(tmp_path: Path) -> None:
    _write_dir(tmp_path, ["women"])
    path = tmp_path / "neutral_women_1k.txt"
    path.write_text(LINE + "\n\n" + "- missing the open item\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"neutral_women_1k\.txt, row 3, field 'prompt'"):
        read_prompt_directory(tmp_path)


def test_directory_errors(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no ToxiGen prompt files"):
        read_prompt_directory(tmp_path)
    _write_dir(tmp_path, ["women"])
    with pytest.raises(DatasetError, match="no prompt files for group"):
        read_prompt_directory(tmp_path, groups=["women", "martians"])


def test_jsonl_prompts_and_their_errors(tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    rows = [
        {"prompt": "- a\n- b\n-", "group": "women", "label": "neutral"},
        {"prompt": "- c\n-", "group": "middle_east", "label": "HATE"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    prompts = load_prompts(str(path))
    assert [(p.group, p.label) for p in prompts.prompts] == [
        ("women", "neutral"),
        ("middle-eastern", "hate"),
    ]
    path.write_text(json.dumps(rows[0]) + "\n" + json.dumps({**rows[1], "label": "toxic"}) + "\n")
    with pytest.raises(DatasetError, match=r"mine\.jsonl, row 2, field 'label': must be one of"):
        load_prompts(str(path))
    path.write_text(json.dumps({"prompt": "x", "label": "hate"}) + "\n")
    with pytest.raises(DatasetError, match=r"row 1, field 'group': missing field"):
        load_prompts(str(path))
    with pytest.raises(DatasetError, match="not a registered prompt set"):
        load_prompts(str(tmp_path / "nowhere"))


def test_sample_covers_13_groups_and_both_labels() -> None:
    prompts = load_prompts("sample")
    cells = {(p.group, p.label) for p in prompts.prompts}
    assert cells == {(g, label) for g in TOXIGEN_GROUPS for label in ("hate", "neutral")}
    for prompt in sample_prompts():
        assert prompt.text.endswith("\n-")
        assert all(line.startswith("-") for line in prompt.text.split("\n"))
    assert load_prompts("sample").sha256 == prompts.sha256


def test_selection_is_seeded_per_cell(tmp_path: Path) -> None:
    prompts = read_prompt_directory(_write_dir(tmp_path, ["women", "black"], lines=20))
    a = select_prompts(prompts, per_group=5, seed=1)
    assert len(a) == 2 * 2 * 5
    assert a == select_prompts(prompts, per_group=5, seed=1)
    assert a != select_prompts(prompts, per_group=5, seed=2)
    # One cell's draw does not depend on which other groups are present.
    only_women = select_prompts(prompts, per_group=5, seed=1, groups=["women"])
    assert [p for p in a.prompts if p.group == "women"] == list(only_women.prompts)
    assert len(select_prompts(prompts, per_group=50)) == 80
    with pytest.raises(DatasetError, match="no prompts for group"):
        select_prompts(prompts, per_group=5, groups=["asian"])


def test_toxigen_download_needs_26_files_and_fails_clearly_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert len(toxigen_prompt_filenames()) == 26
    monkeypatch.setenv("TOXAUDIT_CACHE_DIR", str(tmp_path))

    def offline(*args: object, **kwargs: object) -> None:
        raise OSError("network is unreachable")

    monkeypatch.setattr("urllib.request.urlopen", offline)
    with pytest.raises(DatasetError, match="pass it as --prompts DIR"):
        load_prompts("toxigen-prompts")
    # A cache already holding the files needs no network.
    _write_dir(tmp_path / "toxigen-prompts", list(TOXIGEN_FILE_GROUPS))
    assert len(load_prompts("toxigen-prompts").groups) == 13


def test_extra_toxigen_groups_are_fetched_only_when_asked_for() -> None:
    assert "hate_trans_1k.txt" not in toxigen_prompt_filenames()
    names = toxigen_prompt_filenames(["trans", "women", "martians"])
    assert len(names) == 28 and {"hate_trans_1k.txt", "neutral_trans_1k.txt"} <= set(names)
