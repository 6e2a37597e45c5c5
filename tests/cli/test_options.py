"""The same flag means the same thing in every command (issue 13): --seed is the bootstrap
seed, and every flag two commands share sets the same thing, bar the listed exceptions."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

from cli._main import build_parser
from cli._options import SEED_HELP, add_seed_argument, positive_int

# Commands whose --seed is still something else, with where the fix belongs. Remove an
# entry when its command is fixed: the test fails while it is listed but no longer needed.
SEED_PENDING: dict[str, str] = {}


def commands(
    parser: argparse.ArgumentParser, prefix: str = ""
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """(command path, parser) of every command, sub-commands included."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                path = f"{prefix} {name}".strip()
                yield path, sub
                yield from commands(sub, path)


def option(parser: argparse.ArgumentParser, flag: str) -> argparse.Action | None:
    return next((a for a in parser._actions if flag in a.option_strings), None)


def test_seed_is_the_bootstrap_seed_in_every_command() -> None:
    seeds = {
        path: action
        for path, parser in commands(build_parser())
        if (action := option(parser, "--seed")) is not None
    }
    assert {"run", "score", "submit", "gate"} <= seeds.keys()
    differing = {
        path
        for path, action in seeds.items()
        if (action.dest, action.help, action.type) != ("seed", SEED_HELP, int)
    }
    unexpected = {p: (seeds[p].dest, seeds[p].help) for p in differing - SEED_PENDING.keys()}
    assert not unexpected, f"--seed is not the bootstrap seed (use add_seed_argument): {unexpected}"
    fixed = SEED_PENDING.keys() - differing
    assert not fixed, f"--seed is fixed in {sorted(fixed)}: remove it from SEED_PENDING"


def test_add_seed_argument_keeps_not_given_apart_when_asked() -> None:
    parser = argparse.ArgumentParser()
    add_seed_argument(parser, default=None)
    assert parser.parse_args([]).seed is None
    assert parser.parse_args(["--seed", "7"]).seed == 7


def test_positive_int_refuses_zero_with_the_value() -> None:
    parser = argparse.ArgumentParser(exit_on_error=False)
    parser.add_argument("--n", type=positive_int)
    assert parser.parse_args(["--n", "3"]).n == 3
    try:
        parser.parse_args(["--n", "0"])
    except argparse.ArgumentError as exc:
        assert "must be at least 1, got 0" in str(exc)
    else:
        raise AssertionError("--n 0 was accepted")


# Flags that two commands share but that mean something else in each, with why. Every
# other shared flag sets one dest the same way everywhere (help may word it for the command).
SHARED_FLAG_EXCEPTIONS: dict[str, str] = {
    "--name": "score/run: the checkpoint's label; token create: what the token is for",
    "--output": "each command's own output file (perplexities, scores, generations, report)",
    "--format": "each command's own output formats (score: safenlp|full; report: html|markdown)",
    "--baseline": "gate: one results file, audit id or label; report: results files to draw",
}


def _shared_flags() -> dict[str, dict[str, argparse.Action]]:
    by_flag: dict[str, dict[str, argparse.Action]] = {}
    for path, parser in commands(build_parser()):
        for action in parser._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help":
                    by_flag.setdefault(flag, {})[path] = action
    return {flag: by for flag, by in by_flag.items() if len(by) > 1}


def _meaning(action: argparse.Action) -> tuple[str, str]:
    """What a flag sets and how: its dest and its kind (a value, a list, a switch)."""
    return action.dest, type(action).__name__


def test_a_flag_shared_by_two_commands_means_the_same_in_both() -> None:
    shared = _shared_flags()
    assert {"--model", "--seed", "--resamples", "--tag", "--api"} <= shared.keys()
    differing = {
        flag: sorted({_meaning(a) for a in by.values()})
        for flag, by in shared.items()
        if len({_meaning(a) for a in by.values()}) > 1
    }
    unexpected = {f: d for f, d in differing.items() if f not in SHARED_FLAG_EXCEPTIONS}
    assert not unexpected, f"one flag, several meanings (dest, kind): {unexpected}"
    stale = SHARED_FLAG_EXCEPTIONS.keys() - shared.keys()
    assert not stale, f"no longer shared: remove {sorted(stale)} from SHARED_FLAG_EXCEPTIONS"
