"""The perplexity engine on a GPU, measured against the chip's dense bfloat16 peak.

    python benchmarks/gpu.py [--models phi-2,llama-2-7b] [--reference-n 300]
                             [--peak-tflops N] [--skip-tests] [--tiny]

Builds Phi-2's architecture at full size (the config of microsoft/phi-2: 32 layers,
hidden 2560, vocabulary 51200, partial rotary 0.4) and a Llama-2-7B-sized Llama with
random weights, so nothing is downloaded, and runs them in bfloat16 over random token
sequences whose lengths follow the real ToxiGen set (benchmarks/toxigen_token_lengths.json:
counts only). For each model it prints, measured side by side in this one run:

- the engine with padded batches and with packed batches (sdpa's dense mask, and
  flex_attention's block-sparse one where it works), over the whole set's lengths:
  sentences/s, tokens/s and model FLOPs utilisation (MFU) against the chip's dense
  bfloat16 peak (from a table by device name; --peak-tflops overrides);
- the one-sentence loop (SafeNLP's way) on --reference-n sentences;
- plain padded batches of 16 rows in input order with full-vocabulary logits.

Then it runs the tiny-model tests on CUDA (`pytest -m gpu`) and prints their result.
--tiny runs the same steps with two tiny models, on the CPU when there is no GPU, so the
script itself is tested anywhere (tests/benchmarks/test_gpu_benchmark.py).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
LENGTHS_FILE = Path(__file__).resolve().with_name("toxigen_token_lengths.json")

# Dense bfloat16 tensor-core peaks (no sparsity), TFLOP/s, from the vendors' data sheets.
PEAK_BF16_TFLOPS: dict[str, float] = {
    "H200": 989.0,
    "H100 SXM": 989.0,
    "H100 NVL": 835.0,
    "H100 PCIe": 756.0,
    "H100": 989.0,
    "GH200": 989.0,
    "B200": 2250.0,
    "A100": 312.0,
    "L40S": 362.0,
    "L4": 121.0,
    "A10G": 70.0,
    "A10": 125.0,
    "RTX 4090": 165.0,
}

MODEL_CONFIGS: dict[str, dict[str, Any]] = {
    # microsoft/phi-2's config.json.
    "phi-2": {
        "model_type": "phi",
        "vocab_size": 51200,
        "hidden_size": 2560,
        "intermediate_size": 10240,
        "num_hidden_layers": 32,
        "num_attention_heads": 32,
        "num_key_value_heads": 32,
        "partial_rotary_factor": 0.4,
        "max_position_embeddings": 2048,
        "layer_norm_eps": 1e-5,
        "hidden_act": "gelu_new",
        "tie_word_embeddings": False,
    },
    # meta-llama/Llama-2-7b-hf's config.json.
    "llama-2-7b": {
        "model_type": "llama",
        "vocab_size": 32000,
        "hidden_size": 4096,
        "intermediate_size": 11008,
        "num_hidden_layers": 32,
        "num_attention_heads": 32,
        "num_key_value_heads": 32,
        "max_position_embeddings": 4096,
        "rms_norm_eps": 1e-5,
        "tie_word_embeddings": False,
    },
}

TINY_OVERRIDES: dict[str, Any] = {
    "vocab_size": 512,
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 4,
}


def token_lengths(scale: int = 1) -> list[int]:
    """The real set's token lengths, in a fixed shuffled order (every length `scale` times)."""
    histogram = json.loads(LENGTHS_FILE.read_text())["histogram"]
    lengths = [int(length) for length, count in histogram.items() for _ in range(count * scale)]
    order = np.random.default_rng(0).permutation(len(lengths))
    return [lengths[i] for i in order]


def peak_tflops(device_name: str) -> float | None:
    """The dense bf16 peak of a device, matched by the longest table name it contains."""
    matches = [name for name in PEAK_BF16_TFLOPS if name.lower() in device_name.lower()]
    return PEAK_BF16_TFLOPS[max(matches, key=len)] if matches else None


def build_model(name: str, *, tiny: bool, device: Any, dtype: Any) -> Any:
    """A random-weight model of the named architecture, built directly on the device."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    settings = dict(MODEL_CONFIGS[name])
    if tiny:
        settings.update(TINY_OVERRIDES)
    config = AutoConfig.for_model(**settings)
    with torch.device(device):
        model = AutoModelForCausalLM.from_config(config, dtype=dtype)
    return model.eval()


@dataclass(frozen=True, slots=True)
class Flops:
    """Useful forward FLOPs of scoring a set of sequences (causal attention counted once)."""

    linear_per_token: float
    """2 x the parameters a token passes through, embeddings and the output head excluded."""
    head_per_scored: float
    """2 x hidden x vocabulary: the projection of one scored position."""
    attention_per_pair: float
    """4 x layers x hidden: scores and weighted sum for one (query, key) pair."""

    def of(self, lengths: Sequence[int]) -> float:
        inputs = np.asarray(lengths, dtype=np.float64) - 1  # each row's last token is not input
        pairs = inputs * (inputs + 1) / 2
        return float(
            inputs.sum() * (self.linear_per_token + self.head_per_scored)
            + pairs.sum() * self.attention_per_pair
        )


def model_flops(model: Any) -> Flops:
    config = model.config
    embedding = model.get_input_embeddings().weight.numel()
    head = model.get_output_embeddings().weight.numel()
    body = sum(p.numel() for p in model.parameters()) - embedding - head
    return Flops(
        linear_per_token=2.0 * body,
        head_per_scored=2.0 * config.hidden_size * config.vocab_size,
        attention_per_pair=4.0 * config.num_hidden_layers * config.hidden_size,
    )


class _FixedTokens:
    """A stand-in tokenizer: the engine asks for pad_token_id only."""

    pad_token_id = 0


def _scorer(model: Any, token_ids: list[list[int]], **options: Any) -> Any:
    """An HFTokenScorer whose "texts" are row numbers into pre-made token ids."""
    from audit.models import LoadedModel, ModelInfo, ModelSpec
    from audit.perplexity import HFTokenScorer

    info = ModelInfo(
        spec=ModelSpec("benchmark"),
        resolved_path="random weights",
        model_type=str(model.config.model_type),
        parameters=sum(p.numel() for p in model.parameters()),
        device=str(next(model.parameters()).device),
        dtype=str(next(model.parameters()).dtype).removeprefix("torch."),
        max_length=int(model.config.max_position_embeddings),
        commit=None,
    )
    loaded = LoadedModel(model=model, tokenizer=cast(Any, _FixedTokens()), info=info)

    class PreTokenized(HFTokenScorer):
        def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
            return [token_ids[int(text)] for text in texts]

    return PreTokenized(loaded, **options)


def _synchronize(device: Any) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _timed(device: Any, work: Callable[[], Any]) -> tuple[float, Any]:
    _synchronize(device)
    start = time.perf_counter()
    result = work()
    _synchronize(device)
    return time.perf_counter() - start, result


def bench_model(
    name: str, args: argparse.Namespace, device: Any, peak: float | None
) -> dict[str, Any]:
    import torch

    from audit.perplexity import compute_perplexities

    dtype = torch.float32 if args.tiny and device.type == "cpu" else torch.bfloat16
    start = time.perf_counter()
    model = build_model(name, tiny=args.tiny, device=device, dtype=dtype)
    built = time.perf_counter() - start
    flops = model_flops(model)
    lengths = token_lengths()
    if args.limit:
        lengths = lengths[: args.limit]
    rng = np.random.default_rng(1)
    vocab = int(model.config.vocab_size)
    token_ids = [rng.integers(1, vocab, size=n).tolist() for n in lengths]
    texts = [str(i) for i in range(len(token_ids))]
    budget = args.batch_tokens or _default_budget(model, device)
    print(
        f"\n{name}: {sum(p.numel() for p in model.parameters()) / 1e9:.2f}B parameters, "
        f"{dtype}, built in {built:.1f} s; {len(lengths)} sequences, {sum(lengths)} tokens "
        f"(median {int(np.median(lengths))}); token budget {budget}",
        flush=True,
    )
    total_flops = flops.of(lengths)
    figures: dict[str, Any] = {"model": name, "sequences": len(lengths), "tokens": sum(lengths)}

    def report(label: str, seconds: float, n: int, work_flops: float) -> None:
        rate = n / seconds
        mfu = work_flops / seconds / (peak * 1e12) if peak else None
        mfu_text = f"MFU {mfu:6.1%}" if mfu is not None else "MFU n/a (unknown peak)"
        print(
            f"  {label:<34} {seconds:8.2f} s  {rate:9.1f} sentences/s  "
            f"{sum(lengths[:n]) / seconds:11.0f} tokens/s  {mfu_text}",
            flush=True,
        )
        figures[label] = {"seconds": seconds, "sentences_per_s": rate, "mfu": mfu}

    # sdpa builds a dense (tokens x tokens) mask for a packed batch, so its budget is
    # capped: a free-memory budget of 10^5 tokens would ask for a 10^10-element mask.
    packed_dense_budget = min(budget, _PACKED_DENSE_BUDGET)
    variants: list[tuple[str, dict[str, Any], str | None, int]] = [
        ("engine, padded batches", {"packing": "padded"}, None, budget),
        ("engine, packed batches (sdpa)", {"packing": "packed"}, None, packed_dense_budget),
        ("engine, packed (flex_attention)", {"packing": "packed"}, "flex_attention", budget),
    ]
    results: dict[str, Any] = {}
    for label, options, attention, variant_budget in variants:
        if attention is not None:
            if device.type != "cuda":
                # flex_attention compiles its kernel; on a CPU that takes minutes and
                # measures nothing this script is for.
                print(f"  {label:<34} not measured: needs a GPU")
                continue
            try:
                model.set_attn_implementation(attention)
            except Exception as exc:  # a missing kernel is a figure we cannot take
                print(f"  {label:<34} not measured: {type(exc).__name__}: {exc}")
                continue
        scorer = _scorer(model, token_ids, **options)

        def whole_set(scorer: Any = scorer, budget: int = variant_budget) -> Any:
            return compute_perplexities(scorer, texts, batch_tokens=budget, progress=False)

        try:
            compute_perplexities(  # warm-up: kernels, allocator
                scorer, texts[:64], batch_tokens=variant_budget, progress=False
            )
            seconds, run = _timed(device, whole_set)
        except Exception as exc:
            print(f"  {label:<34} failed: {type(exc).__name__}: {str(exc)[:200]}")
            continue
        finally:
            if attention is not None:
                model.set_attn_implementation("sdpa")
        results[label] = run.results
        report(label, seconds, len(texts), total_flops)

    reference_n = min(args.reference_n, len(token_ids))
    sample = token_ids[:reference_n]

    def one_at_a_time() -> list[float]:
        out = []
        with torch.inference_mode():
            for ids in sample:
                tensor = torch.tensor([ids], device=device)
                out.append(math.exp(float(model(tensor, labels=tensor).loss)))
        return out

    one_at_a_time()[:1]  # warm-up of the one-row shapes
    seconds, reference = _timed(device, one_at_a_time)
    report("one sentence at a time", seconds, reference_n, flops.of(lengths[:reference_n]))
    plain = _scorer(model, token_ids, project_at_scored_positions=False, packing="padded")
    seconds, _ = _timed(
        device,
        lambda: [plain.mean_nll(token_ids[i : i + 16]) for i in range(0, len(token_ids), 16)],
    )
    report("plain padded batches of 16", seconds, len(texts), total_flops)
    for label, engine_results in results.items():
        worst = max(
            abs(r.perplexity - e) / e
            for r, e in zip(engine_results[:reference_n], reference, strict=True)
            if r.perplexity is not None and math.isfinite(e)
        )
        print(f"  {label}: largest relative difference from the one-sentence loop {worst:.2e}")
        figures[label]["largest_relative_difference"] = worst
    return figures


_PACKED_DENSE_BUDGET = 8192


def _default_budget(model: Any, device: Any) -> int:
    from audit.pipeline import batch_tokens_for

    return batch_tokens_for(model, device)


def run_gpu_tests() -> int:
    """The tiny-model tests marked `gpu`, on CUDA; their exit status."""
    command = [sys.executable, "-m", "pytest", "-m", "gpu", "-q", "-p", "no:cacheprovider"]
    print(f"\n$ {' '.join(command[1:])}", flush=True)
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    print("\n".join(completed.stdout.strip().splitlines()[-15:]))
    return completed.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="phi-2,llama-2-7b")
    parser.add_argument("--reference-n", type=int, default=300)
    parser.add_argument("--batch-tokens", type=int, default=None)
    parser.add_argument("--limit", type=int, default=None, help="first N sequences only")
    parser.add_argument("--peak-tflops", type=float, default=None)
    parser.add_argument("--skip-tests", action="store_true")
    parser.add_argument("--tiny", action="store_true", help="tiny models (tests the script)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    names = [n.strip() for n in args.models.split(",") if n.strip()]
    unknown = [n for n in names if n not in MODEL_CONFIGS]
    if unknown:
        parser.error(f"unknown model(s) {unknown}; known: {', '.join(MODEL_CONFIGS)}")

    import torch

    cuda = torch.cuda.is_available()
    if not cuda and not args.tiny:
        parser.error("no CUDA device here; --tiny runs the script on the CPU")
    device = torch.device("cuda" if cuda else "cpu")
    device_name = torch.cuda.get_device_name(device) if cuda else "CPU"
    peak = args.peak_tflops or (peak_tflops(device_name) if cuda else None)
    print(
        f"device: {device_name}; dense bf16 peak "
        f"{f'{peak:.0f} TFLOP/s' if peak else 'unknown (pass --peak-tflops)'}; "
        f"torch {torch.__version__}"
    )
    figures = {
        "device": device_name,
        "peak_tflops": peak,
        "models": [bench_model(n, args, device, peak) for n in names],
    }
    if not args.skip_tests:
        figures["gpu_tests_exit_status"] = run_gpu_tests()
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
