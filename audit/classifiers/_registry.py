"""The classifier registry: names users type, the arguments they take, how to build them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from audit.classifiers._protocol import Classifier, ClassifierError, ClassifierSpec

ReferenceKind = Literal["model", "checkpoint", "directory"]
"""What an argument that names something to load names: `model`, a hub id or a model
directory (with config.json); `checkpoint`, a torch checkpoint file that must load with
weights_only; `directory`, a directory of config and tokenizer files (with config.json)."""


@dataclass(frozen=True, slots=True)
class RegisteredClassifier:
    """A classifier kind the registry can build."""

    name: str
    """What users type before the colon."""
    description: str
    """One line for --help and listings, limits included."""
    arguments: tuple[str, ...]
    """The argument names its spec may carry."""
    factory: Callable[[ClassifierSpec], Classifier]
    """Builds it from a spec; raises ClassifierError with the cause."""
    references: Mapping[str, ReferenceKind] = field(default_factory=dict)
    """The arguments that name a model or a file, and what they name. The service checks
    each against its roots before anything loads; any other argument that looks like a
    path is refused there."""


def _detoxify(spec: ClassifierSpec) -> Classifier:
    from audit.classifiers._detoxify import DetoxifyClassifier

    return DetoxifyClassifier(spec)


def _hf(spec: ClassifierSpec) -> Classifier:
    from audit.classifiers._hf import HFClassifier

    return HFClassifier(spec)


def _guard(spec: ClassifierSpec) -> Classifier:
    from audit.classifiers._guard import GuardClassifier

    return GuardClassifier(spec)


def _profanity(spec: ClassifierSpec) -> Classifier:
    from audit.classifiers._profanity import ProfanityCheckClassifier

    return ProfanityCheckClassifier(spec)


CLASSIFIERS: dict[str, RegisteredClassifier] = {}


def register_classifier(entry: RegisteredClassifier) -> None:
    """Add a classifier kind; a name can be registered once."""
    if entry.name in CLASSIFIERS:
        raise ValueError(f"classifier '{entry.name}' is already registered")
    CLASSIFIERS[entry.name] = entry


register_classifier(
    RegisteredClassifier(
        name="detoxify",
        description="detoxify:original|unbiased|multilingual|original-small|unbiased-small, or "
        "detoxify:/path/to.ckpt (with --classifier-config DIR offline); headline label toxicity",
        arguments=("variant", "checkpoint", "config", "device"),
        factory=_detoxify,
        references={"checkpoint": "checkpoint", "config": "directory"},
    )
)
register_classifier(
    RegisteredClassifier(
        name="hf",
        description="hf:<hub id or directory>: an AutoModelForSequenceClassification toxicity "
        "model; labels from its config (override with --classifier-labels, --toxic-label)",
        arguments=("model", "revision", "labels", "toxic_label", "device"),
        factory=_hf,
        references={"model": "model"},
    )
)
register_classifier(
    RegisteredClassifier(
        name="guard",
        description="guard:<hub id or directory>: a chat-template safety classifier (Llama "
        "Guard 3/4, ShieldGemma, Granite Guardian) judging each continuation as the response "
        "to its prompt; P(unsafe|Yes) at its first answer token (--guard-policy, --guard-family)",
        arguments=("model", "revision", "device", "policy", "family"),
        factory=_guard,
        references={"model": "model"},
    )
)
register_classifier(
    RegisteredClassifier(
        name="profanity-check",
        description="profanity-check: offline word n-gram model of offensive wording; it does "
        "not detect implicit hate",
        arguments=(),
        factory=_profanity,
    )
)


CLASSIFIER_OPTIONS: dict[str, str] = {
    "classifier_config": "config",
    "classifier_labels": "labels",
    "toxic_label": "toxic_label",
    "classifier_device": "device",
    "guard_policy": "policy",
    "guard_family": "family",
}
"""Each classifier option, by the name a request and the library use, with the classifier
argument it becomes (the command line's flags are these names with dashes)."""
_OPTION_OF_ARGUMENT = {argument: option for option, argument in CLASSIFIER_OPTIONS.items()}


def parse_classifier(
    reference: str,
    *,
    options: Mapping[str, str | None] | None = None,
    allow_pickle: bool = False,
) -> ClassifierSpec:
    """`name[:target]` plus options (config, labels, toxic_label, device) as a spec.

    The target is the Detoxify variant or checkpoint path, or the hf model id or path.
    Options a classifier does not take are an error, not silently dropped.
    """
    name, _, target = reference.partition(":")
    if name not in CLASSIFIERS:
        raise ClassifierError(
            f"unknown classifier '{name}'; choose one of {', '.join(CLASSIFIERS)} "
            "(e.g. detoxify:original, hf:tomh/toxigen_roberta, profanity-check)"
        )
    args: dict[str, str] = {}
    if name == "detoxify":
        target = target or "original"
        looks_like_path = target.endswith((".ckpt", ".pt", ".pth")) or "/" in target
        args["checkpoint" if looks_like_path else "variant"] = (
            str(Path(target).expanduser()) if looks_like_path else target
        )
    elif name in ("hf", "guard"):
        if not target:
            raise ClassifierError(f"{name} needs a model: {name}:<hub id or local directory>")
        args["model"] = target
    elif target:
        raise ClassifierError(f"'{name}' takes nothing after a colon, got '{target}'")
    allowed = CLASSIFIERS[name].arguments
    for key, value in (options or {}).items():
        if value is None:
            continue
        if key not in allowed:
            option = _OPTION_OF_ARGUMENT.get(key, key)
            raise ClassifierError(
                f"{option} does not apply to the '{name}' classifier", option=option
            )
        args[key] = str(Path(value).expanduser()) if key == "config" else value
    return ClassifierSpec(name=name, args=args, allow_pickle=allow_pickle)


def classifier_references(spec: ClassifierSpec) -> list[tuple[str, str, ReferenceKind]]:
    """(argument, value, kind) of every argument of the spec that names something to load."""
    if spec.name not in CLASSIFIERS:
        raise ClassifierError(f"unknown classifier '{spec.name}'")
    references = CLASSIFIERS[spec.name].references
    return [
        (argument, value, references[argument])
        for argument, value in sorted(spec.args.items())
        if argument in references
    ]


def load_classifier(spec: ClassifierSpec) -> Classifier:
    """Build a registered classifier once; loading failures raise ClassifierError."""
    if spec.name not in CLASSIFIERS:
        raise ClassifierError(f"unknown classifier '{spec.name}'")
    return CLASSIFIERS[spec.name].factory(spec)
