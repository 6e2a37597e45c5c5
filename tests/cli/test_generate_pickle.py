"""`--classifier-allow-pickle`: the command line's explicit, documented-as-dangerous opt-in."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli import main
from tests.audit.classifiers.pickles import evil_checkpoints


def test_a_pickle_checkpoint_is_refused_unless_the_flag_allows_it(
    tiny_llama_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "created-by-unpickling"
    checkpoint = evil_checkpoints(tmp_path / "ckpts", marker)[1]
    argv = [
        "generate", "--model", str(tiny_llama_dir), "--prompts", "sample",
        "--per-group", "1", "--groups", "women", "--max-new-tokens", "2",
        "--classifier", f"detoxify:{checkpoint}", "--output", str(tmp_path / "o.jsonl"),
    ]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "full unpickling" in err and "--classifier-allow-pickle" in err
    assert not marker.exists()

    # The flag does what it says: the file's code runs (here, it only touches a file).
    assert main([*argv, "--classifier-allow-pickle"]) == 2
    assert marker.exists()
    assert not (tmp_path / "o.jsonl").exists()
