"""Generation options, checked and resolved before any model or classifier loads.

One definition serves the command line and the workers, so `toxaudit generate` and a
audit's `settings.generation` accept the same options with the same defaults and errors.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from audit.classifiers import (
    CLASSIFIER_OPTIONS,
    CLASSIFIERS,
    ClassifierError,
    ClassifierSpec,
    load_classifier,
    parse_classifier,
)
from audit.datasets import DatasetError
from audit.generation._audit import GenerationAudit, run_generation_audit
from audit.generation._options import GenerationOptions, GenerationOptionsError
from audit.generation._prompts import PromptSet, select_prompts
from audit.generation._settings import GenerationSettings
from audit.generation._sources import load_prompts
from audit.models import LoadedModel


class ClassifierOptionsError(ClassifierError):
    """A classifier reference or option that does not parse, with where it is, so that
    the service can point at `classifier.<index>` or at the option."""

    def __init__(self, message: str, *, index: int | None = None, option: str | None = None):
        super().__init__(message, option=option)
        self.index = index
        """Which of several classifier references; None with one, or for an option."""


GENERATION_OPTIONS: dict[str, Any] = {
    field.name: None if field.default is dataclasses.MISSING else field.default
    for field in dataclasses.fields(GenerationOptions)
}
"""Every generation option with its default (those of `toxaudit generate`)."""


@dataclass(frozen=True, slots=True)
class GenerationRequest:
    """Checked generation options: what to prompt, how to generate, what scores."""

    prompts: PromptSet
    """The selected prompts."""
    classifiers: tuple[ClassifierSpec, ...]
    """The classifiers to build, headline first (name and arguments, recorded with the
    results)."""
    settings: GenerationSettings
    """How to generate."""
    classifier_batch: int
    """Texts per classifier batch."""

    @property
    def classifier(self) -> ClassifierSpec:
        """The headline classifier: the one the single-classifier metrics are of."""
        return self.classifiers[0]


def generation_request(
    options: GenerationOptions | Mapping[str, Any], *, allow_pickle: bool = False
) -> GenerationRequest:
    """Check the options and select the prompts (cheap: no model, no classifier loaded).

    `allow_pickle` lets a Detoxify checkpoint that needs full unpickling load: only the
    command line can set it (its --classifier-allow-pickle); an audit's options cannot.
    """
    if not isinstance(options, GenerationOptions):
        options = GenerationOptions.from_mapping(options)
    try:
        settings = GenerationSettings(
            max_new_tokens=options.max_new_tokens,
            samples=options.samples,
            temperature=options.temperature,
            top_p=options.top_p,
            seed=options.seed,
            batch_tokens=options.batch_tokens,
        )
        specs = classifier_specs(options, allow_pickle=allow_pickle)
    except ClassifierError as exc:
        raise GenerationOptionsError(str(exc), field=exc.option) from exc
    except (TypeError, ValueError) as exc:
        raise GenerationOptionsError(str(exc)) from exc
    groups = None if options.groups is None else list(options.groups)
    try:
        prompts = select_prompts(
            load_prompts(options.prompts, groups=groups),
            per_group=options.per_group,
            seed=settings.seed,
            groups=groups,
        )
    except DatasetError as exc:
        raise GenerationOptionsError(
            str(exc), field="prompts", public_message=exc.public_message
        ) from exc
    return GenerationRequest(prompts, specs, settings, options.classifier_batch)


def classifier_specs(
    options: GenerationOptions, *, allow_pickle: bool = False
) -> tuple[ClassifierSpec, ...]:
    """Every classifier the options name, with the classifier options as arguments.

    One classifier takes every option given, so an option it does not take is an error.
    Several share the options: each takes those of its kind, and an option none of
    them takes is the error.
    """
    given = {
        argument: getattr(options, option)
        for option, argument in CLASSIFIER_OPTIONS.items()
        if getattr(options, option) is not None
    }
    references = options.classifiers
    if len(references) == 1:
        return (parse_classifier(references[0], options=given, allow_pickle=allow_pickle),)
    kinds = [reference.partition(":")[0] for reference in references]
    specs = []
    for index, (reference, kind) in enumerate(zip(references, kinds, strict=True)):
        taken = CLASSIFIERS[kind].arguments if kind in CLASSIFIERS else ()
        try:
            spec = parse_classifier(
                reference,
                options={k: v for k, v in given.items() if k in taken},
                allow_pickle=allow_pickle,
            )
        except ClassifierError as exc:
            if exc.option is not None:
                raise ClassifierOptionsError(str(exc), option=exc.option) from exc
            raise ClassifierOptionsError(str(exc), index=index) from exc
        specs.append(spec)
    for option, argument in CLASSIFIER_OPTIONS.items():
        if argument in given and not any(argument in CLASSIFIERS[k].arguments for k in kinds):
            raise ClassifierOptionsError(
                f"{option} applies to none of the classifiers ({', '.join(references)})",
                option=option,
            )
    return tuple(specs)


def classifier_spec(options: GenerationOptions, *, allow_pickle: bool = False) -> ClassifierSpec:
    """The headline classifier the options name, with its options as its arguments."""
    return classifier_specs(options, allow_pickle=allow_pickle)[0]


def run_generation_request(
    loaded: LoadedModel, request: GenerationRequest, *, n_resamples: int, seed: int | None = None
) -> GenerationAudit:
    """Load each classifier once and run the generation audit on an already loaded model.

    `seed` is the bootstrap seed of the intervals (None: the generation seed).
    """
    if n_resamples < 0:
        raise GenerationOptionsError(f"resamples must be >= 0, got {n_resamples}")
    return run_generation_audit(
        loaded,
        request.prompts,
        [load_classifier(spec) for spec in request.classifiers],
        settings=request.settings,
        classifier_batch=request.classifier_batch,
        n_resamples=n_resamples,
        seed=seed,
    )
