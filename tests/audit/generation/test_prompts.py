"""Prompt sources: the ToxiGen file format, directories, JSONL, sample, seeded selection."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audit.datasets import TOXIGEN_GROUPS, DatasetError
from audit.generation import (
    TOXIGEN_FILE_GROUPS,
    decode_literal_body,
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


def toxigen_line(demonstrations: list[str]) -> str:
    """A prompt line written the way TOXIGEN's generator writes one.

    The generator reads demonstration files with readlines(), so each demonstration
    keeps its newline; it joins them as `- {demonstration}`, appends the open item
    `-`, and writes `repr(prompt)[1:-1]`.
    """
    prompt = "".join(f"- {d}" for d in demonstrations) + "-"
    return repr(prompt)[1:-1]


# Demonstrations as they come out of readlines(): the awkward cases of the real files.
AWKWARD_PROMPTS: list[list[str]] = [
    ["cats sleep a lot\n", "dogs like walks\n", "birds sing in the morning\n"],
    # A demonstration that itself ends in a written backslash-n, before its real newline.
    ["families are families\\n\n", "the next item\n"],
    # A demonstration file's last line has no newline: the next item, or the open item,
    # follows it on the same line of the prompt.
    ["first\n", "no newline here", "after it\n"],
    ["first\n", "a question?"],
    # Empty demonstrations, and one with no newline (a file's last line).
    ["\n", "an item\n", "\n", "the last line of a file with no newline"],
    # Both quotes, so repr escapes the single quote: \'.
    ['it\'s "quoted" here\n', "don't\n"],
    # Only single quotes: repr switches to double quotes and leaves them bare.
    ["it's fine\n", "that's all\n"],
    # Backslashes, tabs, control characters and non-ASCII text.
    ["a path c:\\temp\\new\n", "tab\there\n", "nul \x00 bell \a\n", "caf\u00e9 \u4e2d \u2028\n"],
    [],
]


def test_lines_decode_to_the_prompt_the_generator_wrote() -> None:
    for demonstrations in AWKWARD_PROMPTS:
        line = toxigen_line(demonstrations)
        expected = "".join(f"- {d}" for d in demonstrations) + "-"
        assert parse_prompt_line(line, source="f.txt", row=1) == expected
    assert "\\'" in toxigen_line(AWKWARD_PROMPTS[5])
    assert "\\\\n\\n" in toxigen_line(AWKWARD_PROMPTS[1])


def test_prompt_files_round_trip_through_the_directory_reader(tmp_path: Path) -> None:
    _write_dir(tmp_path, [g for g in TOXIGEN_FILE_GROUPS if g != "lgbtq"])
    prompts = ["".join(f"- {d}" for d in ds) + "-" for ds in AWKWARD_PROMPTS]
    body = "".join(toxigen_line(ds) + "\n" for ds in AWKWARD_PROMPTS)
    (tmp_path / "hate_lgbtq_1k.txt").write_text(body, encoding="utf-8")
    (tmp_path / "neutral_lgbtq_1k.txt").write_text(body.replace("\n", "\r\n"), encoding="utf-8")
    loaded = read_prompt_directory(tmp_path, groups=["lgbtq"])
    assert [p.text for p in loaded.prompts if p.label == "hate"] == prompts
    assert [p.text for p in loaded.prompts if p.label == "neutral"] == prompts
    assert [p.source for p in loaded.prompts][:2] == ["hate_lgbtq_1k.txt:1", "hate_lgbtq_1k.txt:2"]


@given(st.text() | st.text(alphabet="ab -'\"\\\n\r\t\x00\x7f\x85\xa0é中\u2028\ud800{}xuN"))
def test_any_string_round_trips_through_repr(text: str) -> None:
    assert decode_literal_body(repr(text)[1:-1]) == text


@pytest.mark.parametrize(
    "body",
    [
        "plain",
        "\\x41\\x7e\\xff",
        "\\101\\0\\12\\7a",
        "\\u00e9\\U0001F600\\N{BULLET}\\N{latin small letter a}",
        "\\a\\b\\f\\v\\r\\t\\n\\\\",
        '\\\'\\""',
    ],
)
def test_every_escape_decodes_as_python_reads_it(body: str) -> None:
    assert decode_literal_body(body) == ast.literal_eval("'" + body + "'")


SECRET = "s3cr3t-token"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (f"- {SECRET}\\n- no open item at the end", "ends with the open item"),
        (f"- {SECRET}\\n-\\", "column 18: the line ends in a lone backslash"),
        (f"- {SECRET}\\x4\\n-", r"column 15: a \\x escape needs 2 hexadecimal digits"),
        (f"- {SECRET}\\u12\\n-", r"a \\u escape needs 4 hexadecimal digits"),
        (f"- {SECRET}\\U00110000\\n-", "beyond U\\+10FFFF"),
        (f"- {SECRET}\\q\\n-", "column 15: a backslash followed by a character that starts no"),
        (f"- {SECRET}\\N{{NO SUCH NAME}}\\n-", "names no Unicode character"),
        (f"- {SECRET}\\N\\n-", r"a \\N escape needs a \{name\}"),
        (f'- it\'s {SECRET} "x"\\n-', "column 21: both ' and \" appear unescaped"),
    ],
)
def test_bad_lines_name_file_row_field_and_column_but_not_the_text(line: str, reason: str) -> None:
    with pytest.raises(DatasetError, match=r"^f\.txt, row 4, field 'prompt': ") as raised:
        parse_prompt_line(line, source="f.txt", row=4)
    assert re.search(reason, str(raised.value))
    assert SECRET not in str(raised.value)


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


def test_a_bad_line_fails_the_load_at_its_row_and_counts_the_others(tmp_path: Path) -> None:
    _write_dir(tmp_path, ["women"])
    path = tmp_path / "neutral_women_1k.txt"
    path.write_text(LINE + "\n\n" + "- missing the open item\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"neutral_women_1k\.txt, row 3, field 'prompt'"):
        read_prompt_directory(tmp_path)
    path.write_text(
        "\n".join([LINE, "- \\q\\n-", LINE, "- ends badly", "- \\x\\n-", LINE]) + "\n",
        encoding="utf-8",
    )
    with pytest.raises(DatasetError) as raised:
        read_prompt_directory(tmp_path)
    message = str(raised.value)
    assert message.startswith(f"{path}, row 2, field 'prompt': ")
    assert "(3 lines of the file are not valid; this is the first)" in message


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
