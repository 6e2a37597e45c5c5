"""The one check of a generation request's references: its prompts, and each
classifier's checkpoint or config directory, under the service's roots or on the hub."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from api._settings import ApiSettings
from api._validation import (
    MODEL_ROOTS,
    Location,
    check_model_reference,
    looks_like_path,
    reject,
    under_roots,
)
from audit.classifiers import (
    CLASSIFIER_OPTIONS,
    ClassifierError,
    classifier_references,
    unsafe_checkpoint_globals,
)
from audit.generation import (
    PROMPT_SOURCES,
    ClassifierOptionsError,
    GenerationOptions,
    GenerationOptionsError,
    GenerationSettings,
    classifier_specs,
    generation_request,
)


def _check_checkpoint(reference: str, roots: list[Path], field: Location) -> str:
    """A torch.save file under the model roots that loads with weights_only, checked
    statically: nothing in it runs here."""
    path = under_roots(reference, roots, field, MODEL_ROOTS)
    if not path.is_file():
        reject(field, "not a file", reference)
    try:
        unsafe = unsafe_checkpoint_globals(path)
    except ClassifierError as exc:
        reject(field, str(exc), reference)
    if unsafe:
        shown = ", ".join(unsafe[:5]) + (", ..." if len(unsafe) > 5 else "")
        reject(
            field,
            f"refused: the checkpoint needs full unpickling, which can run arbitrary code "
            f"(it imports {shown}); the service loads only tensors and plain values",
            reference,
        )
    return str(path)


def _check_config_directory(reference: str, roots: list[Path], field: Location) -> str:
    path = under_roots(reference, roots, field, MODEL_ROOTS)
    if not (path / "config.json").is_file():
        reject(field, "no config.json in this directory", reference)
    return str(path)


def _check_prompts(options: GenerationOptions, roots: list[Path]) -> str:
    field = ("options", "generation", "prompts")
    if options.prompts in PROMPT_SOURCES:
        return options.prompts
    path = under_roots(options.prompts, roots, field, "TOXAUDIT_DATASET_ROOTS")
    if not path.is_dir() and not path.is_file():
        reject(field, "neither a file nor a directory", options.prompts)
    return str(path)


def _check_classifier(options: GenerationOptions, roots: list[Path]) -> GenerationOptions:
    """The options with every file each classifier names checked and resolved.

    Driven by the registry: each classifier kind declares which arguments name a model
    or a file, so a kind added later is checked the same way without a change here.
    Several classifiers each go through the same check, located by their index.
    """
    base: tuple[str, ...] = ("options", "generation", "classifier")
    references = options.classifiers
    try:
        specs = classifier_specs(options)
    except ClassifierError as exc:
        # The library names options as the request does (`guard_policy`).
        if exc.option is not None:
            reject(("options", "generation", exc.option), str(exc), getattr(options, exc.option))
        index = exc.index if isinstance(exc, ClassifierOptionsError) else None
        at = base if index is None else (*base, str(index))
        shown = references[index] if index is not None else options.to_dict()["classifier"]
        reject(at, str(exc), shown)
    option_of = {argument: option for option, argument in CLASSIFIER_OPTIONS.items()}
    classifiers: list[str] = []
    config = options.classifier_config
    for index, (reference, spec) in enumerate(zip(references, specs, strict=True)):
        at = base if len(references) == 1 else (*base, str(index))
        kinds = dict((argument, kind) for argument, _, kind in classifier_references(spec))
        resolved: dict[str, str] = {}
        for argument, value in sorted(spec.args.items()):
            option = option_of.get(argument)
            field = at if option is None else ("options", "generation", option)
            kind = kinds.get(argument)
            if kind == "model":
                resolved[argument] = check_model_reference(
                    value, roots, field, aliases=(), model_files=False
                )
            elif kind == "checkpoint":
                resolved[argument] = _check_checkpoint(value, roots, field)
            elif kind == "directory":
                resolved[argument] = _check_config_directory(value, roots, field)
            elif looks_like_path(value):
                reject(field, f"'{spec.name}' does not take a file or directory here", value)
        # The target after the colon is the one argument no option fills.
        target = [a for a in spec.args if a not in option_of and a in resolved]
        classifiers.append(f"{spec.name}:{resolved[target[0]]}" if target else reference)
        config = resolved.get("config", config)
    return replace(options, classifier=tuple(classifiers), classifier_config=config)


def check_generation(options: GenerationOptions, settings: ApiSettings) -> GenerationOptions:
    """The generation options an audit stores: bounded, every named file checked and resolved,
    and parsed as the workers will parse them (prompts included), so a bad option is a 422
    now rather than a failed audit later."""
    for name, bound, setting in (
        ("samples", settings.max_samples, "TOXAUDIT_MAX_SAMPLES"),
        ("per_group", settings.max_per_group, "TOXAUDIT_MAX_PER_GROUP"),
        ("max_new_tokens", settings.max_new_tokens, "TOXAUDIT_MAX_NEW_TOKENS"),
    ):
        value = getattr(options, name)
        if value > bound:
            reject(
                ("options", "generation", name),
                f"at most {bound} (the service's bound, {setting}), got {value}",
                value,
            )
    # The API's subclass becomes the plain record the workers read back.
    plain = GenerationOptions.from_mapping(options.to_dict())
    plain = replace(plain, prompts=_check_prompts(plain, settings.dataset_roots))
    plain = _check_classifier(plain, settings.model_roots)
    try:
        if plain.prompts == "toxigen-prompts":
            # Its files are downloaded on first use: the workers' work, not the request's.
            GenerationSettings(
                max_new_tokens=plain.max_new_tokens,
                samples=plain.samples,
                temperature=plain.temperature,
                top_p=plain.top_p,
                seed=plain.seed,
                batch_tokens=plain.batch_tokens,
            )
        else:
            generation_request(plain)
    except GenerationOptionsError as exc:
        # The public message: a malformed prompt file is named by row and field, never
        # quoted.
        reject(("options", "generation", exc.field or "prompts"), exc.public_message)
    except ValueError as exc:
        reject(("options", "generation"), str(exc))
    return plain
