"""`guard`: chat-template safety classifiers (Llama Guard, ShieldGemma, Granite Guardian).

A continuation is judged as the model's response to its prompt, through the guard's
own chat template; the toxicity is the probability of the family's violation answer
against its benign answer at the first token the guard would write (see
_guard_families for each model card's convention). Rows are batched with left
padding and explicit positions, so a row's probability does not depend on its
batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audit.classifiers._guard_families import GuardFamily, guard_family, parse_categories
from audit.classifiers._protocol import (
    ClassifierError,
    ClassifierInfo,
    ClassifierSpec,
    ResponseScores,
    classifier_device,
)

if TYPE_CHECKING:
    import torch

TOXIC_LABEL = "unsafe"
"""The one label a guard scores: the probability of its violation answer."""
CATEGORY_TOKENS = 16
"""Tokens decoded after Llama Guard's `unsafe` to read its category line."""


def answer_token(tokenizer: Any, word: str) -> tuple[int, str]:
    """(token id, how it was found) of an answer word, as the model cards look it up.

    The cards index the vocabulary by the word itself; when a tokenizer has no such
    entry (the word is split), the first of its tokens stands for it, since that is
    the token the guard would generate first.
    """
    vocab = tokenizer.get_vocab()
    if word in vocab:
        return int(vocab[word]), f"'{word}' is one token"
    ids = tokenizer.encode(word, add_special_tokens=False)
    if not ids:
        raise ClassifierError(f"the guard's tokenizer encodes the answer '{word}' as nothing")
    piece = tokenizer.convert_ids_to_tokens(ids[0])
    return int(ids[0]), f"'{word}' is {len(ids)} tokens; the first, {piece!r}, stands for it"


def with_answer_prefix(prompt: str, prefix: str) -> str:
    """The prompt followed by the text the guard writes before its verdict.

    A template that already ends with part of that text (a trailing newline) gets
    only the rest, so the prompt always ends exactly where the verdict starts.
    """
    for size in range(len(prefix), 0, -1):
        if prompt.endswith(prefix[:size]):
            return prompt + prefix[size:]
    return prompt + prefix


class GuardClassifier:
    """A causal-LM guard read at its first answer token; labels: ("unsafe",)."""

    def __init__(self, spec: ClassifierSpec) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        reference = spec.args.get("model")
        if not reference:
            raise ClassifierError("guard needs a model: guard:<hub id or local directory>")
        if reference.startswith((".", "/", "~")) and not Path(reference).expanduser().is_dir():
            raise ClassifierError(f"no guard model directory at '{reference}'")
        device = torch.device(classifier_device(spec))
        kwargs: dict[str, Any] = {}
        if spec.args.get("revision"):
            kwargs["revision"] = spec.args["revision"]
        try:
            tokenizer = AutoTokenizer.from_pretrained(reference, **kwargs)
            model = AutoModelForCausalLM.from_pretrained(
                reference,
                dtype=torch.float32 if device.type == "cpu" else torch.bfloat16,
                **kwargs,
            )
        except Exception as exc:
            raise ClassifierError(
                f"could not load the guard '{reference}' ({type(exc).__name__}: {exc}). "
                "Without network access, pass a local directory holding its config, weights "
                "and tokenizer (with its chat template)"
            ) from exc
        template = tokenizer.chat_template if isinstance(tokenizer.chat_template, str) else None
        if not template:
            raise ClassifierError(
                f"the guard '{reference}' has no chat template; a guard is prompted through "
                "its own template (tokenizer_config.json or chat_template.jinja)"
            )
        config = model.config
        family, how = guard_family(
            requested=spec.args.get("family"),
            names={
                "model": reference,
                "name_or_path": str(getattr(config, "_name_or_path", "") or ""),
                "model_type": str(getattr(config, "model_type", "") or ""),
                "architectures": ",".join(getattr(config, "architectures", None) or []),
            },
            chat_template=template,
        )
        policy = spec.args.get("policy")
        if policy is not None and family.default_policy is None:
            raise ClassifierError(
                f"guard_policy does not apply to {family.name}: its policy is the category "
                "list inside its own chat template",
                option="guard_policy",
            )
        toxic_id, toxic_how = answer_token(tokenizer, family.toxic_word)
        benign_id, benign_how = answer_token(tokenizer, family.benign_word)
        if toxic_id == benign_id:
            raise ClassifierError(
                f"the guard's tokenizer starts '{family.toxic_word}' and "
                f"'{family.benign_word}' with the same token; their probabilities cannot be "
                "told apart"
            )
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        tokenizer.padding_side = "left"
        model.to(device)  # type: ignore[arg-type]
        model.eval()
        self._model = model
        self._tokenizer = tokenizer
        self._device = device
        self._family = family
        self._template_kwargs = family.template_kwargs(policy)
        self._answer_ids = (toxic_id, benign_id)
        self._max_tokens = getattr(config, "max_position_embeddings", None)
        self.info = ClassifierInfo(
            spec=spec,
            labels=(TOXIC_LABEL,),
            headline=TOXIC_LABEL,
            description=f"{family.name} guard {reference}: P({family.toxic_word}) against "
            f"P({family.benign_word}) at its first answer token, the continuation judged as "
            "the response to its prompt",
            details={
                "family": family.name,
                "family_from": how,
                "model_class": type(model).__name__,
                "model_type": str(config.model_type),
                "commit": str(getattr(config, "_commit_hash", None)),
                "toxic_token": f"{toxic_id} ({toxic_how})",
                "benign_token": f"{benign_id} ({benign_how})",
                "answer_prefix": repr(family.answer_prefix),
                "policy": policy
                if policy is not None
                else (family.default_policy or "the categories of its chat template"),
            },
        )

    @property
    def family(self) -> GuardFamily:
        """The family this guard was read as."""
        return self._family

    def render(self, prompt: str | None, response: str) -> str:
        """The guard's input text for a response to a prompt (or a user text alone)."""
        messages = [{"role": "user", "content": response}]
        if prompt is not None:
            messages = [
                {"role": "user", "content": prompt},
                {"role": "assistant", "content": response},
            ]
        try:
            text = self._tokenizer.apply_chat_template(
                messages, tokenize=False, add_generation_prompt=True, **self._template_kwargs
            )
        except Exception as exc:
            raise ClassifierError(
                f"the guard's chat template failed ({type(exc).__name__}: {exc})"
            ) from exc
        return with_answer_prefix(str(text), self._family.answer_prefix)

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        return [row.scores for row in self._judge([None] * len(texts), texts)]

    def score_responses(
        self, prompts: Sequence[str], responses: Sequence[str]
    ) -> list[ResponseScores]:
        if len(prompts) != len(responses):
            raise ValueError(f"{len(responses)} responses but {len(prompts)} prompts")
        return self._judge(list(prompts), responses)

    def _judge(
        self, prompts: Sequence[str | None], responses: Sequence[str]
    ) -> list[ResponseScores]:
        import torch

        inputs = [self.render(p, r) for p, r in zip(prompts, responses, strict=True)]
        encoded = self._tokenizer(
            inputs, add_special_tokens=False, padding=True, return_tensors="pt"
        ).to(self._device)
        ids, mask = encoded["input_ids"], encoded["attention_mask"]
        if self._max_tokens is not None and ids.shape[1] > self._max_tokens:
            raise ClassifierError(
                f"the guard's input is {ids.shape[1]} tokens, beyond its "
                f"{self._max_tokens}-token context"
            )
        with torch.inference_mode():
            logits = self._model(
                input_ids=ids,
                attention_mask=mask,
                position_ids=_positions(mask),
                logits_to_keep=1,
                use_cache=False,
            ).logits[:, -1, :]
        pair = logits[:, list(self._answer_ids)].float()
        toxic = torch.softmax(pair, dim=-1)[:, 0].cpu().tolist()
        categories: dict[int, tuple[str, ...]] = {}
        if self._family.reads_categories:
            flagged = [i for i, p in enumerate(toxic) if p >= 0.5]
            if flagged:
                categories = dict(zip(flagged, self._categories(ids, mask, flagged), strict=True))
        return [
            ResponseScores({TOXIC_LABEL: float(p)}, categories.get(i)) for i, p in enumerate(toxic)
        ]

    def _categories(
        self, ids: torch.Tensor, mask: torch.Tensor, rows: list[int]
    ) -> list[tuple[str, ...]]:
        """Greedy-decode the lines after `unsafe` for some rows and read their codes."""
        import torch

        toxic_id = self._answer_ids[0]
        chosen = torch.tensor(rows, device=ids.device)
        # Drop the columns that are padding in every chosen row, so the generation
        # starts from the same left-padded layout a batch of just these rows has.
        sub_ids, sub_mask = ids[chosen], mask[chosen]
        start = int((sub_mask.sum(dim=0) == 0).sum())
        sub_ids, sub_mask = sub_ids[:, start:], sub_mask[:, start:]
        verdict = torch.full((len(rows), 1), toxic_id, dtype=sub_ids.dtype, device=ids.device)
        with torch.inference_mode():
            out = self._model.generate(
                input_ids=torch.cat([sub_ids, verdict], dim=1),
                attention_mask=torch.cat([sub_mask, torch.ones_like(verdict)], dim=1),
                max_new_tokens=CATEGORY_TOKENS,
                do_sample=False,
                pad_token_id=self._tokenizer.pad_token_id,
            )
        new = out[:, sub_ids.shape[1] + 1 :]
        return [
            parse_categories(str(self._tokenizer.decode(row, skip_special_tokens=True)))
            for row in new.tolist()
        ]


def _positions(mask: torch.Tensor) -> torch.Tensor:
    """Position ids that start at 0 on each row's first real token (left padding)."""
    return (mask.long().cumsum(dim=-1) - 1).clamp(min=0)
