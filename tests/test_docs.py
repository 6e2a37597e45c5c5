"""The YAML the docs tell people to paste, and the compose file, validate against their schemas.

The schemas are the ones `check-jsonschema` ships (SchemaStore's GitHub workflow and
GitLab CI schemas, the Compose specification), read from the installed package: no
network. Every `yaml` block of README.md and docs/*.md must say in its first line which
file it is (`# .github/workflows/x.yml`, `# .gitlab-ci.yml`, `# docker-compose.yml`), so
none goes unchecked; the `toxaudit` commands in its steps must parse with the real CLI.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from jsonschema.validators import validator_for
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError

from cli._main import build_parser

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(?P<lang>[\w+-]*)[^\n]*\n(?P<body>.*?)^```", re.M | re.S)
# The file an example is, from its first-line comment -> check-jsonschema's vendored schema.
SCHEMA_BY_FILE: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^\.github/workflows/[^/]+\.ya?ml$"), "github-workflows"),
    (re.compile(r"^\.gitlab-ci\.ya?ml$"), "gitlab-ci"),
    (re.compile(r"^(docker-)?compose\.ya?ml$"), "compose-spec"),
]


@dataclass(frozen=True)
class YamlExample:
    """One fenced yaml block of a doc."""

    doc: str
    """The doc's path relative to the repository root."""
    line: int
    """The line of the block's first YAML line in the doc."""
    text: str
    """The block's content."""

    @property
    def where(self) -> str:
        return f"{self.doc}, line {self.line}"


def yaml_examples(paths: list[Path] = DOCS) -> list[YamlExample]:
    examples = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            if match.group("lang").lower() in ("yaml", "yml"):
                line = text.count("\n", 0, match.start("body")) + 1
                doc = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name
                examples.append(YamlExample(doc, line, match.group("body")))
    return examples


def schema_name(example: YamlExample) -> str:
    first = example.text.lstrip().splitlines()[0] if example.text.strip() else ""
    target = first.removeprefix("#").strip() if first.startswith("#") else ""
    for pattern, name in SCHEMA_BY_FILE:
        if pattern.match(target):
            return name
    pytest.fail(
        f"{example.where}: a yaml example must name its file in its first line "
        f"(# .github/workflows/x.yml, # .gitlab-ci.yml, # docker-compose.yml)"
    )


def load_schema(name: str) -> dict[str, Any]:
    vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    schema = json.loads(vendor.joinpath(f"{name}.json").read_text(encoding="utf-8"))
    assert isinstance(schema, dict)
    return schema


def schema_errors(document: object, schema_name: str) -> list[str]:
    schema = load_schema(schema_name)
    validator_class = validator_for(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    return [
        f"at {'/'.join(str(p) for p in error.absolute_path) or 'the top'}: {error.message}"
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    ]


def load_yaml(text: str) -> object:
    # YAML 1.2, as GitHub, Compose and check-jsonschema read it: `on:` is the key "on",
    # where a YAML 1.1 loader (PyYAML) would read the boolean true.
    return YAML(typ="safe", pure=True).load(text)


def parse_example(example: YamlExample) -> object:
    try:
        return load_yaml(example.text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = example.where if mark is None else f"{example.doc}, line {example.line + mark.line}"
        pytest.fail(f"{where}: not valid YAML ({exc.problem})")


def _commands(document: object) -> list[str]:
    """Every shell line of the document's `run:` / `script:` entries."""
    found: list[str] = []
    if isinstance(document, dict):
        for key, value in document.items():
            if key in ("run", "script", "before_script") and isinstance(value, str):
                found.append(value)
            elif key in ("script", "before_script") and isinstance(value, list):
                found.extend(str(item) for item in value)
            else:
                found.extend(_commands(value))
    elif isinstance(document, list):
        for item in document:
            found.extend(_commands(item))
    return found


EXAMPLES = yaml_examples()


def test_the_docs_have_the_ci_examples() -> None:
    assert sorted(schema_name(e) for e in EXAMPLES) == ["github-workflows", "gitlab-ci"]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.where)
def test_yaml_examples_validate_against_their_schema(example: YamlExample) -> None:
    name = schema_name(example)
    errors = schema_errors(parse_example(example), name)
    assert errors == [], f"{example.where} against {name}: " + "; ".join(errors)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.where)
def test_toxaudit_commands_in_the_examples_parse(example: YamlExample) -> None:
    parser = build_parser()
    commands = [
        words
        for command in _commands(parse_example(example))
        for line in command.splitlines()
        if (words := shlex.split(line, comments=True)) and words[0] == "toxaudit"
    ]
    assert commands, f"{example.where}: no toxaudit command found"
    for words in commands:
        try:
            parser.parse_args(words[1:])
        except SystemExit:
            pytest.fail(f"{example.where}: `{shlex.join(words)}` is rejected by the CLI")


def test_compose_file_validates_against_the_compose_spec() -> None:
    document = load_yaml((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert schema_errors(document, "compose-spec") == []


def test_the_checks_catch_what_they_are_for(tmp_path: Path) -> None:
    # A plain scalar holding ': ' (what docs/ci.md once had) does not parse.
    bad = tmp_path / "bad.md"
    bad.write_text(
        "```yaml\n# .gitlab-ci.yml\njob:\n  script:\n    - curl --fail\n"
        '      --header "PRIVATE-TOKEN: $TOKEN"\n```\n',
        encoding="utf-8",
    )
    (example,) = yaml_examples([bad])
    with pytest.raises(pytest.fail.Exception, match=r"bad\.md, line \d+: not valid YAML"):
        parse_example(example)
    # Parsed but wrong: a GitHub job without runs-on, a compose service with a bad key.
    assert schema_errors({"on": "push", "jobs": {"a": {"steps": []}}}, "github-workflows")
    assert schema_errors({"services": {"a": {"image": "x", "portz": [1]}}}, "compose-spec")
    assert schema_errors({"job": {"script": 3}}, "gitlab-ci")
