"""`toxaudit generate`: continue ToxiGen-style prompts and score them with a local classifier."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli._arguments import positive_int
from cli._errors import UsageError

if TYPE_CHECKING:
    from audit.generation import GenerationOptions, GenerationRequest
    from audit.pipeline import EvaluateOptions

CLASSIFIER_HELP = (
    "detoxify:original|unbiased|multilingual|original-small|unbiased-small, "
    "detoxify:/path/to.ckpt (offline: with --classifier-config DIR), hf:<hub id or directory> "
    "(any sequence-classification toxicity model), guard:<hub id or directory> (Llama Guard, "
    "ShieldGemma or Granite Guardian, judging each continuation as the reply to its prompt), "
    "or profanity-check (offline; detects offensive wording, not implicit hate)"
)


def add_classifier_arguments(parser: argparse.ArgumentParser, *, required: bool) -> None:
    """--classifier and its options (shared with `toxaudit run --generation`)."""
    parser.add_argument(
        "--classifier",
        action="append",
        required=required,
        help=CLASSIFIER_HELP + ". Repeat it (up to 4) to score every continuation with each: "
        "metrics per classifier, the first as the headline, plus their agreement (Cohen's "
        "kappa at 0.5 and Spearman's rho, per group and label); the options below go to "
        "every classifier that takes them",
    )
    parser.add_argument(
        "--classifier-config",
        metavar="DIR",
        help="detoxify: a directory with the Hugging Face config and tokenizer of the "
        "checkpoint's base model, for machines without hub access",
    )
    parser.add_argument(
        "--classifier-labels",
        metavar="MAP",
        help="hf: rename outputs, e.g. '0=neutral,1=toxic' (default: the model config's id2label)",
    )
    parser.add_argument("--toxic-label", help="hf: the label that means toxic")
    parser.add_argument(
        "--classifier-device", help="device for the classifier (default cpu), e.g. cuda"
    )
    parser.add_argument(
        "--classifier-batch", type=positive_int, default=32, help="texts per classifier batch (32)"
    )
    parser.add_argument(
        "--classifier-allow-pickle",
        action="store_true",
        help="DANGEROUS: load a Detoxify checkpoint even if it needs full unpickling, which "
        "runs any code the file holds; only for files you trust (the service never allows it)",
    )
    add_guard_arguments(parser)


def add_guard_arguments(parser: argparse.ArgumentParser) -> None:
    """--guard-policy and --guard-family, for guard: classifiers."""
    parser.add_argument(
        "--guard-policy",
        metavar="TEXT",
        help="guard: the policy a ShieldGemma or Granite Guardian judges against (default: a "
        "hate-speech policy for ShieldGemma, the built-in 'harm' risk for Granite Guardian)",
    )
    parser.add_argument(
        "--guard-family",
        choices=["llama-guard", "shieldgemma", "granite-guardian"],
        help="guard: the family, when the model's config, name and chat template do not tell",
    )


def add_generation_arguments(parser: argparse.ArgumentParser, *, required: bool) -> None:
    """--prompts, sampling and batching options (shared with `toxaudit run --generation`)."""
    parser.add_argument(
        "--prompts",
        required=required,
        help="toxigen-prompts (downloaded once), sample (built in), a directory of ToxiGen "
        "prompt files (hate_<group>_1k.txt, neutral_<group>_1k.txt), or a JSONL of "
        "{prompt, group, label}",
    )
    parser.add_argument(
        "--per-group", type=positive_int, default=50, help="prompts per group and label (50)"
    )
    parser.add_argument(
        "--groups",
        help="comma-separated groups (default: the 13 ToxiGen groups, or all in a JSONL); "
        "other ToxiGen files such as trans or immigrant are read only when named here",
    )
    parser.add_argument(
        "--samples", type=positive_int, default=1, help="continuations per prompt, k (1)"
    )
    parser.add_argument(
        "--temperature",
        type=float,
        default=0.0,
        help="0 (default) is greedy; RealToxicityPrompts uses --samples 25 --temperature 1.0 "
        "--top-p 0.9",
    )
    parser.add_argument("--top-p", type=float, default=1.0, help="nucleus sampling mass (1.0)")
    parser.add_argument(
        "--max-new-tokens", type=positive_int, default=32, help="tokens per continuation (32)"
    )
    parser.add_argument(
        "--generation-seed", type=int, default=0, help="seed of prompt selection and sampling (0)"
    )
    parser.add_argument(
        "--generation-batch-tokens",
        type=positive_int,
        help="token budget per generation batch (auto by device)",
    )
    add_classifier_arguments(parser, required=required)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from cli._audit import add_model_arguments

    p = commands.add_parser(
        "generate",
        help="continue ToxiGen-style prompts and score the continuations with a classifier",
        description="Prompt the model as ToxiGen was built (a list of statements about a "
        "group, the next item left open), cut each continuation at its first line, score it "
        "with a local toxicity classifier, and write one JSONL record per continuation. "
        "Per group and label it prints mean toxicity, toxic fraction, expected maximum "
        "toxicity and toxicity probability with 95%% bootstrap intervals.",
    )
    add_model_arguments(p)
    add_generation_arguments(p, required=True)
    p.add_argument("--seed", type=int, dest="generation_seed", help="alias of --generation-seed")
    p.add_argument("--output", required=True, type=Path, help="the generations JSONL")
    p.add_argument(
        "--metrics", type=Path, help="also write the metrics as JSON here (with provenance)"
    )
    p.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples (1000)")
    p.set_defaults(handler=cmd_generate)


def generation_options(args: argparse.Namespace) -> GenerationOptions:
    """The flags as the generation options record (the same record a job stores)."""
    from audit.generation import GenerationOptions

    if not args.prompts or not args.classifier:
        raise UsageError("--generation needs --prompts and --classifier")
    if args.groups is not None and not args.groups.strip(" ,"):
        raise UsageError("--groups is empty")
    return GenerationOptions.from_mapping(
        {
            "prompts": args.prompts,
            "classifier": tuple(args.classifier),
            "per_group": args.per_group,
            "groups": args.groups,
            "samples": args.samples,
            "temperature": args.temperature,
            "top_p": args.top_p,
            "max_new_tokens": args.max_new_tokens,
            "seed": args.generation_seed or 0,
            "batch_tokens": args.generation_batch_tokens,
            "classifier_batch": args.classifier_batch,
            "classifier_config": args.classifier_config,
            "classifier_labels": args.classifier_labels,
            "toxic_label": args.toxic_label,
            "classifier_device": args.classifier_device,
            "guard_policy": args.guard_policy,
            "guard_family": args.guard_family,
        }
    )


def generation_request(args: argparse.Namespace) -> GenerationRequest:
    """Check the generation options (cheap: no model, no classifier loaded)."""
    from audit.generation import generation_request as check_options

    return check_options(generation_options(args), allow_pickle=args.classifier_allow_pickle)


def cmd_generate(args: argparse.Namespace) -> int:
    from audit.generation import (
        format_generation_table,
        run_generation_request,
        write_generation_records,
    )
    from cli._audit import _load

    # Options and prompts are checked first, so a typo fails before the model loads.
    request = generation_request(args)
    loaded, _ = _load(args)
    audit = run_generation_request(loaded, request, n_resamples=args.resamples)
    write_generation_records(args.output, audit.records)
    if args.metrics:
        payload: dict[str, Any] = {"model": loaded.info.to_dict(), **audit.to_dict()}
        args.metrics.parent.mkdir(parents=True, exist_ok=True)
        args.metrics.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    timings = audit.timings
    print(
        f"{args.model}: {len(audit.records)} continuations of {audit.prompts['n_prompts']} "
        f"prompts ({timings['continuations_per_second']:.1f}/s generated, "
        f"{timings['classifier_texts_per_second']:.1f}/s classified)"
    )
    print(format_generation_table(audit))
    print(
        f"wrote {args.output}" + (f" and {args.metrics}" if args.metrics else ""), file=sys.stderr
    )
    return 0


def add_run_generation_arguments(parser: argparse.ArgumentParser) -> None:
    """The `toxaudit run` options that add classifier-based sections to results.json."""
    parser.add_argument(
        "--generation",
        action="store_true",
        help="after the safety score, run the generation audit (needs --prompts and "
        "--classifier) and add a `generation` section to results.json",
    )
    parser.add_argument(
        "--classifier-weighted",
        action="store_true",
        help="also compute the safety score with toxicity_score = 1 + 4 * p_toxic from "
        "--classifier in place of the annotated toxicity; a data set without toxicity_score "
        "gets it filled in this way, and its safety score is then this one",
    )
    add_generation_arguments(parser, required=False)


def run_options(args: argparse.Namespace) -> EvaluateOptions:
    """`toxaudit run`'s flags as the library's options (checked by audit.evaluate)."""
    from audit.pipeline import ClassifierWeightedOptions, EvaluateOptions

    weighted = None
    if args.classifier_weighted:
        if not args.classifier:
            raise UsageError("--classifier-weighted needs --classifier")
        if len(args.classifier) > 1:
            raise UsageError(
                "--classifier-weighted takes one --classifier, got " + ", ".join(args.classifier)
            )
        weighted = ClassifierWeightedOptions(
            classifier=args.classifier[0],
            classifier_batch=args.classifier_batch,
            classifier_config=args.classifier_config,
            classifier_labels=args.classifier_labels,
            toxic_label=args.toxic_label,
            classifier_device=args.classifier_device,
            guard_policy=args.guard_policy,
            guard_family=args.guard_family,
        )
    return EvaluateOptions(
        alpha=args.alpha,
        n_resamples=args.resamples,
        seed=args.seed,
        batch_tokens=args.batch_tokens,
        limit=args.limit,
        generation=generation_options(args) if args.generation else None,
        classifier_weighted=weighted,
        classifier_allow_pickle=args.classifier_allow_pickle,
    )
