"""Model archives unpack only what the loaders read, within a multiple of their own size."""
import json
import re
import zipfile

import pytest

from runners.errors import UserInputError
from runners.model_archive import list_entries, unpack, unpack_and_validate
from runners.model_dir import validate_model_dir
from tests.unit.runners.test_model_dir import make_model_dir

LIMIT = 100 << 20


def zipped(folder, target, extra: dict[str, bytes] | None = None):
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in folder.iterdir():
            zf.write(file, file.name)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return target


def test_a_zip_bomb_under_the_platform_limit_is_refused_by_its_ratio(tmp_path):
    archive = zipped(make_model_dir(tmp_path / "m"), tmp_path / "bomb.zip",
                     {"padding.safetensors": b"\0" * (8 << 20)})  # 8 MB of zeros, a few KB packed
    with pytest.raises(UserInputError, match=r"above the limit of 1,048,576 \(at most 10x the archive's size"):
        unpack(archive, tmp_path / "models", LIMIT)
    assert not (tmp_path / "models").exists() or not any((tmp_path / "models").iterdir())


def test_only_configs_weights_and_tokenizer_are_unpacked(tmp_path):
    archive = zipped(make_model_dir(tmp_path / "m"), tmp_path / "model.zip",
                     {"README.md": b"# card\n", "logo.png": b"\x89PNG", "1_Pooling/config.json": b"{}"})
    folder = unpack(archive, tmp_path / "models", LIMIT)
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) == [
        "1_Pooling/config.json", "config.json", "model.safetensors", "vocab.txt"]


def test_extra_safetensors_files_are_not_counted(tmp_path):
    folder = make_model_dir(tmp_path / "m", shape=(1000, 8))
    header = json.dumps({"w": {"dtype": "F32", "shape": [10**9, 8], "data_offsets": [0, 0]}}).encode()
    (folder / "extra.safetensors").write_bytes(len(header).to_bytes(8, "little") + header)  # never loaded
    assert validate_model_dir(folder, "dense").n_parameters == 8008
    with pytest.raises(UserInputError, match="8,008 parameters, above the limit of 8,000"):
        unpack_and_validate(zipped(folder, tmp_path / "m.zip"), "dense", tmp_path / "models", LIMIT, 8000)
    assert not (tmp_path / "models").exists() or not any((tmp_path / "models").iterdir())


def test_pickle_weights_beside_safetensors_are_refused_by_the_archive_check(tmp_path):
    # Only this check sees the pickle: the unpacking leaves .bin files out and the folder's model.safetensors is valid.
    archive = zipped(make_model_dir(tmp_path / "m"), tmp_path / "model.zip", {"pytorch_model.bin": b"\x80\x04"})
    with pytest.raises(UserInputError, match=re.escape("model.zip: contains pickle weights (pytorch_model.bin)")):
        list_entries(archive, LIMIT)


def test_an_entry_climbing_out_with_dotdot_is_refused_by_the_name_check(tmp_path):
    archive = zipped(make_model_dir(tmp_path / "m"), tmp_path / "model.zip", {"m/../../evil.json": b"{}"})
    with pytest.raises(UserInputError, match=re.escape("entry 'm/../../evil.json' climbs out of the folder ('..')")):
        list_entries(archive, LIMIT)
