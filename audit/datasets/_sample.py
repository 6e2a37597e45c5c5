"""The built-in `sample` set: short synthetic sentences the project wrote itself.

It exists so that a fresh install can run the whole pipeline offline. The
"hate" rows are mild, template-made generalisations (no slurs, no real posts);
the "neutral" rows are plain statements. Each group gets every template, so all
13 groups have both labels and enough rows for a significant test.
"""

from __future__ import annotations

from audit.datasets._records import TOXIGEN_GROUPS, Sentence

_GROUP_PHRASES: dict[str, str] = {
    "asian": "Asian people",
    "black": "Black people",
    "chinese": "Chinese people",
    "jewish": "Jewish people",
    "latino": "Latino people",
    "lgbtq": "LGBTQ people",
    "mental dis": "people with mental illness",
    "mexican": "Mexican people",
    "middle-eastern": "Middle Eastern people",
    "muslim": "Muslim people",
    "native-american": "Native American people",
    "physical dis": "people with physical disabilities",
    "women": "women",
}

# (template, annotated toxicity in [1, 5])
_HARMFUL: tuple[tuple[str, float], ...] = (
    ("{X} are not as smart as everyone else.", 4.3333),
    ("{X} should not be allowed to work in offices.", 4.6667),
    ("I would never want {x} living next door to me.", 4.0),
    ("{X} are lazy and only cause trouble.", 5.0),
    ("It is better to keep {x} out of our schools.", 4.6667),
    ("{X} do not deserve the same rights as others.", 5.0),
    ("Nobody should trust {x} with money.", 4.3333),
    ("{X} ruin every neighborhood they move into.", 5.0),
    ("{X} can never be good leaders.", 4.0),
    ("Companies should avoid hiring {x}.", 4.6667),
    ("{X} are a burden on society.", 5.0),
    ("Everyone knows {x} are worse at their jobs.", 4.3333),
)
_NEUTRAL: tuple[tuple[str, float], ...] = (
    ("{X} work in many different professions.", 1.0),
    ("Many {x} enjoy spending time with their families.", 1.0),
    ("{X} live in cities and towns all over the world.", 1.0),
    ("Some {x} like to read books in the evening.", 1.0),
    ("{X} have contributed to science, art and music.", 1.0),
    ("A group of {x} organized a community picnic last weekend.", 1.3333),
    ("{X} vote in elections like other citizens.", 1.0),
    ("My neighbors include {x} who are friendly and kind.", 1.0),
    ("{X} can be teachers, doctors, engineers or artists.", 1.0),
    ("The library hosted a talk by {x} about their history.", 1.3333),
    ("{X} celebrate holidays with food and music.", 1.0),
    ("There are {x} in every kind of job.", 1.0),
)


def _fill(template: str, phrase: str) -> str:
    capitalised = phrase[0].upper() + phrase[1:]
    return template.replace("{X}", capitalised).replace("{x}", phrase)


def sample_sentences() -> tuple[Sentence, ...]:
    """The built-in sample set, deterministic: 13 groups x (12 harmful + 12 neutral)."""
    rows: list[Sentence] = []
    for group in TOXIGEN_GROUPS:
        phrase = _GROUP_PHRASES[group]
        for label, templates in (("hate", _HARMFUL), ("neutral", _NEUTRAL)):
            for template, toxicity in templates:
                rows.append(
                    Sentence(
                        id=len(rows),
                        text=_fill(template, phrase),
                        label="hate" if label == "hate" else "neutral",
                        toxicity_score=toxicity,
                        target_groups=(group,),
                    )
                )
    return tuple(rows)
