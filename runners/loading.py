"""Load a validated model directory onto a device: safetensors or GGUF only, never remote code."""
from __future__ import annotations

import json
import os
from pathlib import Path

from runners.cache import atomic_directory, cache_dir
from runners.errors import EnvironmentProblem
from runners.model_dir import ModelDir


def torch_device(device: str):
    """The torch device for "cpu" or "cuda[:n]"; a clear error where no GPU is present."""
    import torch

    if device.startswith("cuda") and not torch.cuda.is_available():
        raise EnvironmentProblem(f"device {device!r} requested but torch sees no CUDA GPU; run with device='cpu'")
    return torch.device(device)


def load_model(model_dir: ModelDir, auto_class, device: str):
    """The model in eval mode on `device`; fp16 on GPU (inference only), fp32 on CPU."""
    import torch

    target = torch_device(device)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # weights are local; never reach for the Hub
    model = auto_class.from_pretrained(
        str(loadable_path(model_dir)),
        use_safetensors=True,
        trust_remote_code=False,
        local_files_only=True,
        dtype=torch.float16 if target.type == "cuda" else torch.float32,
    )
    return model.to(target).eval()


def loadable_path(model_dir: ModelDir) -> Path:
    """The folder to load from: the directory itself, or for GGUF its converted copy in the cache.

    transformers dequantizes GGUF tensors and rebuilds the tokenizer in Python on every load (up to a
    minute on a busy CPU); the converted copy (safetensors + tokenizer.json), keyed by the GGUF checksum,
    loads in seconds. Only causal LMs come as GGUF (see model_dir).
    """
    if not model_dir.gguf_file:
        return model_dir.path
    converted = cache_dir() / "models" / model_dir.checksum.removeprefix("sha256:")
    if not converted.is_dir():
        with atomic_directory(converted) as folder:
            from safetensors.torch import save_model
            from transformers import AutoModelForCausalLM, AutoTokenizer

            source = {"gguf_file": model_dir.gguf_file, "trust_remote_code": False, "local_files_only": True}
            AutoTokenizer.from_pretrained(str(model_dir.path), **source).save_pretrained(folder)
            model = AutoModelForCausalLM.from_pretrained(str(model_dir.path), **source)
            # The weights are plain float tensors now: drop the GGUF marker so the copy loads as such.
            config = model.config.to_dict()
            config.pop("quantization_config", None)
            config["architectures"] = [type(model).__name__]
            (folder / "config.json").write_text(json.dumps(config, indent=2))
            save_model(model, str(folder / "model.safetensors"))
    return converted


def load_tokenizer(model_dir: ModelDir):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(
        str(loadable_path(model_dir)), trust_remote_code=False, local_files_only=True
    )
    if not tokenizer.is_fast:
        raise EnvironmentProblem(f"{model_dir.path}: no fast tokenizer could be built (tokenizer.json is best)")
    return tokenizer
