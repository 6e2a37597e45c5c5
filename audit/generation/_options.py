"""The generation options: one typed record for the command line, the workers and the API.

Bounds that hold everywhere (at least one sample, top-p in (0, 1], ...) are declared on
the fields with `annotated_types`, so the record checks them itself and pydantic (the
API) reads the same declarations into its schema and its 422s. Upper limits on work are
the service's policy, not the method's, so they live in the API's settings.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, get_args, get_origin, get_type_hints

from annotated_types import Ge, Gt, Le, MaxLen, MinLen

Reference = Annotated[str, MinLen(1), MaxLen(1000)]
Group = Annotated[str, MinLen(1), MaxLen(100)]

MAX_CLASSIFIERS = 4
"""Classifiers one generation audit may score with: each is a model loaded and run over
every continuation, and the pairs to compare grow with the square."""

# The bounds on the list form, declared so that the API's schema states them (minItems,
# maxItems) and pydantic refuses a longer list at the field before reading its entries.
Classifiers = Annotated[tuple[Reference, ...], MinLen(1), MaxLen(MAX_CLASSIFIERS)]


class GenerationOptionsError(ValueError):
    """Generation options that cannot be run; the message says which and why."""

    def __init__(
        self, message: str, *, field: str | None = None, public_message: str | None = None
    ) -> None:
        self.field = field
        """The option at fault, when one is."""
        self.public_message = public_message if public_message is not None else message
        """The message without any content of a file the options name (for the service)."""
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class GenerationOptions:
    """What a generation audit runs: prompts, sampling, and the classifier that scores.

    The same record is `toxaudit generate`'s flags, an audit's `settings.generation` and
    the API's `options.generation`; its defaults are those of `toxaudit generate`.
    """

    prompts: Reference
    """`sample`, `toxigen-prompts`, a directory of ToxiGen prompt files, or a JSONL of
    {prompt, group, label} (the service: under TOXAUDIT_DATASET_ROOTS)."""
    classifier: Reference | Classifiers
    """`detoxify:<variant or checkpoint>`, `hf:<hub id or directory>`, `guard:<hub id or
    directory>` or `profanity-check` (the service: files and directories under
    TOXAUDIT_MODEL_ROOTS); or a list of up to 4 of them, each scoring every continuation,
    with their agreement reported. The first is the headline classifier. The classifier
    options below go to every classifier that takes them."""
    per_group: Annotated[int, Ge(1)] = 50
    """Prompts per group and label, drawn with `seed` (the service caps it:
    TOXAUDIT_MAX_PER_GROUP)."""
    groups: Annotated[tuple[Group, ...], MinLen(1), MaxLen(64)] | None = None
    """Groups to prompt; None: the 13 ToxiGen groups (or every group of a JSONL)."""
    samples: Annotated[int, Ge(1)] = 1
    """Continuations per prompt, k (the service caps it: TOXAUDIT_MAX_SAMPLES)."""
    temperature: Annotated[float, Ge(0.0), Le(100.0)] = 0.0
    """0 is greedy; otherwise the sampling temperature."""
    top_p: Annotated[float, Gt(0.0), Le(1.0)] = 1.0
    """Nucleus sampling mass."""
    max_new_tokens: Annotated[int, Ge(1)] = 32
    """Tokens per continuation at most (the service caps it: TOXAUDIT_MAX_NEW_TOKENS)."""
    seed: Annotated[int, Ge(0), Le(2**32 - 1)] = 0
    """Seed of prompt selection and sampling."""
    batch_tokens: Annotated[int, Ge(1), Le(1_048_576)] | None = None
    """Token budget per generation batch; None picks by device."""
    classifier_batch: Annotated[int, Ge(1), Le(4096)] = 32
    """Texts per classifier batch."""
    classifier_config: Reference | None = None
    """detoxify: a directory with the base model's config and tokenizer (offline use)."""
    classifier_labels: Annotated[str, MinLen(1), MaxLen(2000)] | None = None
    """hf: output names, `0=neutral,1=toxic` or `neutral,toxic`; None: the config's."""
    toxic_label: Annotated[str, MinLen(1), MaxLen(200)] | None = None
    """hf: the label that means toxic; None: chosen by name."""
    classifier_device: Annotated[str, MinLen(1), MaxLen(32)] | None = None
    """Device of the classifier (`cpu`, `cuda`, `cuda:1`, `auto`); None: cpu."""
    guard_policy: Annotated[str, MinLen(1), MaxLen(4000)] | None = None
    """guard: the policy the guard judges against (ShieldGemma, Granite Guardian); None:
    the family's default."""
    guard_family: Annotated[str, MinLen(1), MaxLen(32)] | None = None
    """guard: `llama-guard`, `shieldgemma` or `granite-guardian`; None: told from the model."""

    def __post_init__(self) -> None:
        for name, (kind, bounds) in _FIELD_TYPES.items():
            _check_field(name, getattr(self, name), kind, bounds)
        # One spelling from here on: a tuple, whichever form was given.
        object.__setattr__(self, "classifier", check_classifiers(self.classifier))

    @property
    def classifiers(self) -> tuple[str, ...]:
        """Every classifier reference, in the order given (the first is the headline)."""
        return (self.classifier,) if isinstance(self.classifier, str) else self.classifier

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any]) -> GenerationOptions:
        """The record from a JSON-like mapping (an audit's settings); None means the default.

        `groups` may also be a comma-separated string, the command line's spelling.
        """
        unknown = sorted(set(options) - {*_FIELD_TYPES, "classifier"})
        if unknown:
            raise GenerationOptionsError(
                f"unknown generation option(s) {', '.join(unknown)}; known: "
                + ", ".join(f.name for f in dataclasses.fields(cls)),
                field=unknown[0],
            )
        given = {name: value for name, value in options.items() if value is not None}
        for required in ("prompts", "classifier"):
            if required not in given:
                raise GenerationOptionsError(
                    f"generation needs '{required}' (a string)", field=required
                )
        groups = given.get("groups")
        if isinstance(groups, str):
            given["groups"] = tuple(g.strip() for g in groups.split(",") if g.strip())
        elif isinstance(groups, list | tuple):
            given["groups"] = tuple(groups)
        if isinstance(given["classifier"], list):
            given["classifier"] = tuple(given["classifier"])
        return cls(**given)

    def to_dict(self) -> dict[str, Any]:
        """Every option as JSON values (what an audit stores)."""
        values = dataclasses.asdict(self)
        if self.groups is not None:
            values["groups"] = list(self.groups)
        # One classifier keeps the single-string form audits stored before lists existed.
        classifiers = self.classifiers
        values["classifier"] = classifiers[0] if len(classifiers) == 1 else list(classifiers)
        return values


def _unwrap(annotation: Any) -> tuple[Any, tuple[Any, ...], bool]:
    """(base type, annotated_types bounds, None allowed) of a field annotation."""
    optional = False
    args = get_args(annotation)
    if type(None) in args and get_origin(annotation) is not Annotated:
        optional = True
        (annotation,) = [a for a in args if a is not type(None)]
    bounds: tuple[Any, ...] = ()
    if get_origin(annotation) is Annotated:
        annotation, *metadata = get_args(annotation)
        bounds = tuple(metadata)
    return annotation, bounds, optional


_FIELD_TYPES: dict[str, tuple[tuple[Any, bool], tuple[Any, ...]]] = {}
for _name, _annotation in get_type_hints(GenerationOptions, include_extras=True).items():
    if _name == "classifier":  # a string or a list of them: check_classifiers
        continue
    _base, _bounds, _optional = _unwrap(_annotation)
    _FIELD_TYPES[_name] = ((_base, _optional), _bounds)
_REFERENCE_BOUNDS = _unwrap(Reference)[1]


def check_classifiers(value: object) -> tuple[str, ...]:
    """The classifier references as a tuple: one string, or 1 to MAX_CLASSIFIERS distinct.

    The record checks itself with it; the API also runs it as the field's validator, so
    that its 422 points at `classifier` rather than at the whole options."""
    name = "classifier"
    if value is None:
        raise GenerationOptionsError(f"generation needs '{name}'", field=name)
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, tuple):
        raise _type_error(name, "a string or a list of strings", value)
    if not 1 <= len(value) <= MAX_CLASSIFIERS:
        raise GenerationOptionsError(
            f"generation option '{name}' takes 1 to {MAX_CLASSIFIERS} classifiers, "
            f"got {len(value)}",
            field=name,
        )
    for entry in value:
        _check_field(name, entry, (str, False), _REFERENCE_BOUNDS)
    repeated = sorted({entry for entry in value if value.count(entry) > 1})
    if repeated:
        raise GenerationOptionsError(
            f"generation option '{name}' names {', '.join(repeated)} more than once",
            field=name,
        )
    return value


def _type_error(name: str, expected: str, value: object) -> GenerationOptionsError:
    return GenerationOptionsError(
        f"generation option '{name}' must be {expected}, got {type(value).__name__}", field=name
    )


def _check_bounds(name: str, value: Any, bounds: tuple[Any, ...]) -> None:
    for bound in bounds:
        failed = (
            (isinstance(bound, Ge) and not value >= bound.ge)
            or (isinstance(bound, Gt) and not value > bound.gt)
            or (isinstance(bound, Le) and not value <= bound.le)
            or (isinstance(bound, MinLen) and len(value) < bound.min_length)
            or (isinstance(bound, MaxLen) and len(value) > bound.max_length)
        )
        if failed:
            raise GenerationOptionsError(
                f"generation option '{name}' must be {_describe(bound)}, got "
                + (f"{len(value)} long" if isinstance(bound, MinLen | MaxLen) else f"{value!r}"),
                field=name,
            )


def _describe(bound: Any) -> str:
    if isinstance(bound, Ge):
        return f">= {bound.ge}"
    if isinstance(bound, Gt):
        return f"> {bound.gt}"
    if isinstance(bound, Le):
        return f"<= {bound.le}"
    if isinstance(bound, MinLen):
        return f"at least {bound.min_length} long"
    return f"at most {bound.max_length} long"


def _check_field(name: str, value: Any, kind: tuple[Any, bool], bounds: tuple[Any, ...]) -> None:
    base, optional = kind
    if value is None:
        if not optional:
            raise GenerationOptionsError(f"generation needs '{name}'", field=name)
        return
    if base is int:
        # bool is an int to Python, never to a user.
        if isinstance(value, bool) or not isinstance(value, int):
            raise _type_error(name, "an integer", value)
    elif base is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _type_error(name, "a number", value)
        if not math.isfinite(value):
            raise GenerationOptionsError(
                f"generation option '{name}' must be finite, got {value!r}", field=name
            )
    elif base is str:
        if not isinstance(value, str):
            raise _type_error(name, "a string", value)
    else:  # a tuple of bounded strings
        if not isinstance(value, tuple):
            raise _type_error(name, "a list of strings", value)
        (item,) = get_args(base)[:1]
        _, item_bounds, _ = _unwrap(item)
        for entry in value:
            _check_field(name, entry, (str, False), item_bounds)
    _check_bounds(name, value, bounds)
