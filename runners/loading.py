"""Load a validated model directory onto a device: safetensors or GGUF only, never remote code."""
from __future__ import annotations

import os

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
        str(model_dir.path),
        gguf_file=model_dir.gguf_file,
        use_safetensors=None if model_dir.gguf_file else True,
        trust_remote_code=False,
        local_files_only=True,
        dtype=torch.float16 if target.type == "cuda" else torch.float32,
    )
    return model.to(target).eval()


def load_tokenizer(model_dir: ModelDir):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(
        str(model_dir.path), gguf_file=model_dir.gguf_file, trust_remote_code=False, local_files_only=True
    )
    if not tokenizer.is_fast:
        raise EnvironmentProblem(f"{model_dir.path}: no fast tokenizer could be built (tokenizer.json is best)")
    return tokenizer
