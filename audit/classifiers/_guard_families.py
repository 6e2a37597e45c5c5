"""Chat-template guard families: how each one is asked, and which answer token means toxic.

Each family's model card reads a probability from the first token the guard would
generate, as a softmax over the two answer tokens' logits:

- Llama Guard 3/4 (meta-llama model cards: "we look at the probability for the first
  token, and use that as the 'unsafe' class probability"): P(unsafe) against P(safe).
  The answer starts with the blank line the template leaves open ("\\n\\nunsafe\\nS10"),
  so that blank line is part of the prompt we score and the next token is the verdict.
  The violated categories follow on the next line (S1..S14).
- ShieldGemma (google/shieldgemma-2b model card: the logits of the vocabulary's 'Yes'
  and 'No' at the last position, softmax, index 0): P(Yes) against P(No), for a policy
  passed to the chat template as `guideline`.
- Granite Guardian 3.x (ibm-granite/granite-guardian-3.1 model card: safe token "No",
  unsafe token "Yes", a softmax over the two): P(Yes) against P(No), for a risk passed
  to the chat template as `guardian_config` (a built-in risk name, or a custom
  definition).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from audit.classifiers._protocol import ClassifierError

# Written for this project (not a card's text): the ToxiGen concern, hate and
# stereotypes aimed at groups, as a ShieldGemma guideline.
SHIELDGEMMA_HATE_POLICY = (
    '"No Hate Speech": The text shall not express, promote or incite hatred, contempt or '
    "discrimination against people because of a protected attribute (race, ethnicity, "
    "religion, disability, age, nationality, sexual orientation, sex, gender or gender "
    "identity), including stereotypes and dehumanizing or belittling statements about "
    "such groups."
)
# Granite Guardian's own umbrella risk ("harm") covers social bias and toxicity; a
# --guard-policy text becomes a custom risk definition instead.
GRANITE_DEFAULT_RISK = "harm"
GRANITE_CUSTOM_RISK = "toxicity"


@dataclass(frozen=True, slots=True)
class GuardFamily:
    """How a family of chat-template guards is prompted and read."""

    name: str
    """What guard_family takes: llama-guard, shieldgemma or granite-guardian."""
    toxic_word: str
    """The answer that means the text violates the policy."""
    benign_word: str
    """The answer that means it does not."""
    answer_prefix: str
    """Text the guard writes before its verdict, appended to the prompt ("" if none)."""
    default_policy: str | None
    """The policy used without guard_policy; None when the family takes none."""
    markers: tuple[str, ...]
    """Substrings of a chat template that only this family's templates contain."""
    reads_categories: bool
    """Whether a violation is followed by category codes worth decoding."""

    def template_kwargs(self, policy: str | None) -> dict[str, Any]:
        """Extra variables the family's chat template takes for this policy."""
        if self.name == "shieldgemma":
            return {"guideline": policy or self.default_policy}
        if self.name == "granite-guardian":
            if policy:
                return {
                    "guardian_config": {
                        "risk_name": GRANITE_CUSTOM_RISK,
                        "risk_definition": policy,
                    }
                }
            return {"guardian_config": {"risk_name": GRANITE_DEFAULT_RISK}}
        return {}


FAMILIES: dict[str, GuardFamily] = {
    "llama-guard": GuardFamily(
        name="llama-guard",
        toxic_word="unsafe",
        benign_word="safe",
        answer_prefix="\n\n",
        default_policy=None,
        markers=("UNSAFE CONTENT CATEGORIES",),
        reads_categories=True,
    ),
    "shieldgemma": GuardFamily(
        name="shieldgemma",
        toxic_word="Yes",
        benign_word="No",
        answer_prefix="",
        default_policy=SHIELDGEMMA_HATE_POLICY,
        markers=("policy expert",),
        reads_categories=False,
    ),
    "granite-guardian": GuardFamily(
        name="granite-guardian",
        toxic_word="Yes",
        benign_word="No",
        answer_prefix="",
        default_policy=f"the built-in '{GRANITE_DEFAULT_RISK}' risk",
        markers=("guardian_config",),
        reads_categories=False,
    ),
}

_NAME_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"llama[-_ ]?guard", "llama-guard"),
    (r"shield[-_ ]?gemma", "shieldgemma"),
    (r"granite[-_ ]?guardian", "granite-guardian"),
)


def guard_family(
    *,
    requested: str | None,
    names: Mapping[str, str | None],
    chat_template: str | None,
) -> tuple[GuardFamily, str]:
    """(the family, how it was told): guard_family, else the model's names, else its template.

    `names` are where the model names itself (the reference given, the config's
    name_or_path, model_type, architectures), each with what it is, for the message.
    """
    if requested is not None:
        if requested not in FAMILIES:
            raise ClassifierError(
                f"guard_family '{requested}' is not one of {', '.join(FAMILIES)}",
                option="guard_family",
            )
        return FAMILIES[requested], "given by guard_family"
    for where, value in names.items():
        for pattern, family in _NAME_PATTERNS:
            if value and re.search(pattern, value, flags=re.IGNORECASE):
                return FAMILIES[family], f"{where} '{value}'"
    if chat_template:
        found = [f for f in FAMILIES.values() if any(m in chat_template for m in f.markers)]
        if len(found) == 1:
            return found[0], f"its chat template (contains '{found[0].markers[0]}')"
    described = ", ".join(f"{k} {v!r}" for k, v in names.items() if v)
    raise ClassifierError(
        f"cannot tell which guard family this model is ({described}; "
        f"{'no chat template' if not chat_template else 'no known marker in its chat template'}); "
        f"set guard_family to {'|'.join(FAMILIES)}",
        option="guard_family",
    )


def parse_categories(answer: str) -> tuple[str, ...]:
    """Llama Guard's category codes from what follows its `unsafe`: "\\nS1,S10" -> (S1, S10).

    The codes are on the first non-blank line; each is kept once, in order.
    """
    line = next((line for line in answer.splitlines() if line.strip()), "")
    codes = re.findall(r"S\d{1,2}(?!\d)", line)
    return tuple(dict.fromkeys(codes))
