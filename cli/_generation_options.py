"""The generation and classifier flags (`generate`, `run --generation`) and their record.

Shared by `generate` and `run`, so it lives in a module of its own and no command module
imports another one's (tests/test_import_cycles.py).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from cli._errors import UsageError
from cli._options import positive_int

if TYPE_CHECKING:
    from audit.generation import GenerationOptions, GenerationRequest


CLASSIFIER_HELP = (
    "detoxify:original|unbiased|multilingual|original-small|unbiased-small, "
    "detoxify:/path/to.ckpt (offline: with --classifier-config DIR), hf:<hub id or directory> "
    "(any sequence-classification toxicity model), guard:<hub id or directory> (Llama Guard, "
    "ShieldGemma or Granite Guardian, judging each continuation as the reply to its prompt), "
    "or profanity-check (offline; detects offensive wording, not implicit hate)"
)


def add_classifier_arguments(parser: argparse.ArgumentParser, *, required: bool) -> None:
    """--classifier and its options."""
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
    """--prompts, sampling and batching options, and the classifier's."""
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


def generation_options(args: argparse.Namespace) -> GenerationOptions:
    """The flags as the generation options record (the same record an audit stores)."""
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
            "seed": args.generation_seed,
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
