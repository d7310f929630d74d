"""Fuzzed model archives and model folders: the checks answer UserInputError or accept, never crash.

Archives are built with zipfile/tarfile from fuzzed member names ('..', absolute paths, NULs, names too long for
the file system, a file and a folder of one name), kinds (links, devices), sizes that lie and contents; bytes of
a valid zip and a valid tar are mutated too. A failed unpack leaves nothing under the models dir. Model folders
get fuzzed config.json, tokenizer_config.json, safetensors headers, shard indexes and tokenizer files.
"""
from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import tarfile
import tempfile
import zipfile
from collections import Counter
from pathlib import Path, PurePosixPath

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safetensors.numpy import save

from runners.errors import UserInputError
from runners.model_archive import kept, list_entries, unpack
from runners.model_dir import FAMILY_ARCHITECTURES, LM_HEADS, TOKENIZER_FILES, ModelDir, validate_model_dir

# Bounded and reproducible in CI: a fixed set of examples per test, no example database written to the checkout.
pytestmark = pytest.mark.filterwarnings("ignore:Duplicate name:UserWarning")  # duplicate members on purpose
FUZZ = settings(max_examples=250, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
LIMIT = 100 << 20
ARCHIVE = "fuzzed-model"

CONFIG = json.dumps({"architectures": ["BertModel"], "model_type": "bert", "vocab_size": 4, "hidden_size": 2})
WEIGHTS = save({"embeddings": np.zeros((4, 2), dtype=np.float32)})
VALID_MEMBERS = [("config.json", CONFIG.encode()), ("model.safetensors", WEIGHTS), ("vocab.txt", b"a\nb\nc\nd\n")]

# Names the safety checks refuse (climbing out, absolute, NULs, pickles, empty) and edges of their normalising.
HOSTILE_NAMES = st.one_of(
    st.sampled_from([
        "..", "../config.json", "a/../../x.json", "m/../config.json", "/etc/config.json", "\\config.json",
        "C:config.json", "c:\\x.json", "a\\..\\x.json", "a\x00b.json", "config.json\x00.png", "", ".", "./",
        "./config.json", "dir/", "a//b.json", "pytorch_model.bin", "m/weights.PT", "x.gguf", "é/ü.json",
        "model.safetensors.index.json", "1_Pooling/config.json",
    ]),
    st.lists(st.sampled_from(["a", "..", ".", "", "m", "config.json", "x.JSON", "\x00", "\\", "b.txt", "c:"]),
             min_size=1, max_size=4).map("/".join),
    st.text(max_size=12),
)
# Names that pass them but may still break the unpacking: components past the file system's 255 bytes, paths
# past its 4,096, odd characters, and (added in `fuzzed_members`) a file where another entry wants a folder.
PART = st.one_of(
    st.sampled_from(["m", "a", "1_Pooling", "config.json", "vocab.txt", "x.JSON", "é", "sub dir", "CON", "ａ"]),
    st.integers(240, 300).map(lambda n: "a" * n),
    st.text(st.characters(blacklist_characters="/\\\x00", blacklist_categories=("Cs",)), min_size=1, max_size=8)
    .filter(lambda part: part not in (".", "..")),
)
LEAVES = st.sampled_from(["config.json", "x.json", "vocab.txt", "model.safetensors", "t.model", "README.md",
                          "tokenizer.json", "x.gguf"])
BENIGN_NAMES = st.one_of(
    st.tuples(st.lists(PART, max_size=3), LEAVES).map(lambda t: "/".join([*t[0], t[1]])),
    st.one_of(st.integers(28, 36), st.integers(200, 2100)).map(lambda n: "d/" * n + "x.json"),
)
NAMES = st.one_of(BENIGN_NAMES, BENIGN_NAMES, HOSTILE_NAMES)
CONTENTS = st.one_of(st.binary(max_size=64), st.sampled_from([CONFIG.encode(), WEIGHTS, b"", b"{}", b"\0" * (2 << 20)]))
ZIP_MODES = st.sampled_from([0, 0o100644, 0o040755, 0o120777, 0o010644, 0o020644, 0o060644, 0o140755, 0o170000])
TAR_KINDS = st.sampled_from([tarfile.REGTYPE, tarfile.REGTYPE, tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE,
                             tarfile.FIFOTYPE, tarfile.CHRTYPE, tarfile.CONTTYPE, b"Z"])
LINK_TARGETS = st.sampled_from(["config.json", "../../etc/passwd", "/etc/passwd", "", "m"])
ZIP_METHODS = st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])


def fuzzed_members(draw) -> list[tuple[str, bytes, bool]]:
    """(name, data, fuzzed) in archive order: often a real model folder (at the top or in one folder) so that
    unpacks succeed too, fuzzed members, and at times an entry below another one's name (file and folder clash)."""
    choice = draw(st.sampled_from(["none", "top", "folder"]))
    members = []
    if choice != "none":
        prefix = "" if choice == "top" else draw(st.sampled_from(["m/", "model/", "./m/"]))
        members = [(prefix + name, data, False) for name, data in VALID_MEMBERS]
    members += [(name, data, True) for name, data in draw(st.lists(st.tuples(NAMES, CONTENTS), max_size=4))]
    if members and draw(st.booleans()):
        below = draw(st.sampled_from([name for name, _, _ in members])) + "/" + draw(LEAVES)
        members.append((below, draw(CONTENTS), True))
    return draw(st.permutations(members))


@st.composite
def zip_archives(draw) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data, fuzzed in fuzzed_members(draw):
            info = zipfile.ZipInfo("placeholder")
            info.filename = name  # set after __init__, which would cut the name at a NUL
            info.compress_type = draw(ZIP_METHODS)
            if fuzzed and draw(st.booleans()):
                info.external_attr = draw(ZIP_MODES) << 16
            zf.writestr(info, data)
    return buffer.getvalue()


def _lie_about_a_size(raw: bytes, offset: int, size: int) -> bytes:
    """Rewrite the size field of the tar header at `offset` and its checksum (a header that lies)."""
    header = bytearray(raw[offset:offset + 512])
    header[124:136] = b"%011o\0" % size
    header[148:156] = b" " * 8
    header[148:156] = b"%06o\0 " % sum(header)
    return raw[:offset] + bytes(header) + raw[offset + 512:]


@st.composite
def tar_archives(draw) -> bytes:
    buffer = io.BytesIO()
    members = fuzzed_members(draw)
    with tarfile.open(fileobj=buffer, mode="w", format=draw(st.sampled_from([tarfile.GNU_FORMAT,
                                                                             tarfile.PAX_FORMAT]))) as tf:
        for name, data, fuzzed in members:
            info = tarfile.TarInfo(name)
            info.type = draw(TAR_KINDS) if fuzzed else tarfile.REGTYPE
            if info.type in (tarfile.SYMTYPE, tarfile.LNKTYPE):
                info.linkname = draw(LINK_TARGETS)
            if info.type in (tarfile.REGTYPE, tarfile.CONTTYPE, b"Z"):
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
            else:
                tf.addfile(info)
    raw = buffer.getvalue()
    if members and draw(st.booleans()):
        headers = [m.offset for m in tarfile.open(fileobj=io.BytesIO(raw)).getmembers()]
        raw = _lie_about_a_size(raw, draw(st.sampled_from(headers)),
                                draw(st.sampled_from([0, 1, 511, 513, 1 << 20, 8 ** 11 - 1])))
    compress = draw(st.sampled_from([bytes, gzip.compress, bz2.compress, lzma.compress]))
    return compress(raw)


def _valid_zip(method: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as zf:
        for name, data in VALID_MEMBERS:
            zf.writestr(name, data)
    return buffer.getvalue()


def _valid_tar() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tf:
        for name, data in VALID_MEMBERS:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


VALID_ARCHIVES = [_valid_zip(method) for method in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2,
                                                   zipfile.ZIP_LZMA)]
VALID_ARCHIVES += [compress(_valid_tar()) for compress in (bytes, gzip.compress, bz2.compress, lzma.compress)]


@st.composite
def mutated(draw) -> bytes:
    """A valid zip or tar (each compression) with bytes overwritten, inserted, removed or cut off."""
    data = bytearray(draw(st.sampled_from(VALID_ARCHIVES)))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["set", "set", "insert", "delete", "truncate", "duplicate"]))
        if kind == "set" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "delete":
            del data[at:at + draw(st.integers(1, 16))]
        elif kind == "truncate":
            del data[at:]
        elif kind == "duplicate":
            data[at:at] = data[at:at + draw(st.integers(1, 64))]
    return bytes(data)


def assert_entries_or_user_error(path: Path) -> None:
    try:
        entries = list_entries(path, LIMIT, archive_name=ARCHIVE)
    except UserInputError as error:
        assert str(error).startswith(ARCHIVE), f"the message must name the archive: {error}"
        return
    assert any(PurePosixPath(e.name).name == "config.json" for e in entries)
    for entry in entries:
        assert kept(entry) and "\x00" not in entry.name and not entry.name.startswith(("/", "\\"))
        assert ".." not in PurePosixPath(entry.name).parts and entry.size >= 0


def assert_unpacked_or_nothing_left(path: Path) -> str:
    """'unpacked' or 'refused'; a refused archive leaves nothing under the models dir."""
    with tempfile.TemporaryDirectory() as tmp:
        models = Path(tmp) / "models"
        try:
            folder = unpack(path, models, LIMIT, archive_name=ARCHIVE)
        except UserInputError as error:
            assert str(error).startswith(ARCHIVE) or "config.json must be" in str(error), error
            assert not models.exists() or not any(models.iterdir()), "a failed unpack left files behind"
            return "refused"
        [unpacked] = models.iterdir()  # one folder, named by the archive's checksum
        assert folder in (unpacked, *unpacked.iterdir()) and (folder / "config.json").is_file()
        for file in unpacked.rglob("*"):
            assert not file.is_symlink() and file.resolve().is_relative_to(unpacked.resolve())
            assert file.is_dir() or file.name.lower().endswith((".safetensors", ".gguf", ".json", ".txt", ".model"))
        assert_model_or_user_error(folder, "dense", None)
        return "unpacked"


def check_archives(archives: st.SearchStrategy[bytes], suffix: str) -> Counter:
    """Run the checks on each fuzzed archive; how many were unpacked and how many refused."""
    outcomes: Counter = Counter()

    @FUZZ
    @given(archives)
    def check(data):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"upload{suffix}"
            path.write_bytes(data)
            assert_entries_or_user_error(path)
            outcomes[assert_unpacked_or_nothing_left(path)] += 1

    check()
    return outcomes


def test_fuzzed_zip_archives():
    outcomes = check_archives(zip_archives(), ".zip")
    assert outcomes["unpacked"] and outcomes["refused"], outcomes  # both paths were exercised


def test_fuzzed_tar_archives():
    outcomes = check_archives(tar_archives(), ".tar.gz")
    assert outcomes["unpacked"] and outcomes["refused"], outcomes


def test_mutated_archive_bytes():
    outcomes = check_archives(st.one_of(mutated(), st.binary(max_size=1024)), ".zip")
    assert outcomes["unpacked"] and outcomes["refused"], outcomes


# --- model folders ----------------------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
SIZES = st.one_of(st.sampled_from([0, 1, -1, 2, 1 << 16, (1 << 16) + 1, 1 << 22, (1 << 22) + 1, 10 ** 30, True]),
                  JSON_VALUES)
ARCHITECTURES = st.one_of(
    st.lists(st.sampled_from(["BertModel", "BertForMaskedLM", "LlamaForCausalLM", "GPT2LMHeadModel", "", "Model",
                              "XForMaskedLMHeadModel"]), max_size=3),
    JSON_VALUES,
)
CONFIGS = st.fixed_dictionaries({}, optional={
    "architectures": ARCHITECTURES, "vocab_size": SIZES, "hidden_size": SIZES, "num_hidden_layers": SIZES,
    "num_attention_heads": SIZES, "max_position_embeddings": SIZES, "model_type": JSON_VALUES,
    "auto_map": JSON_VALUES, "trust_remote_code": JSON_VALUES,
})
# JSON text a parser may choke on: numbers past Python's int conversion limit, deep nesting, a BOM, UTF-16.
ODD_JSON = st.sampled_from([
    '{"vocab_size": ' + "9" * 5000 + "}", '{"hidden_size": 1e400}', "[" * 50_000, '{"a": ' * 5000, "\ufeff{}",
    "null", "[]", '"text"', "1", "{", "", '{"architectures": ["BertModel"], "architectures": 5}', "NaN",
])


def json_file(values):
    return st.one_of(values.map(json.dumps), ODD_JSON, JSON_VALUES.map(json.dumps)).map(str.encode) | \
        st.binary(max_size=64) | values.map(lambda v: json.dumps(v).encode("utf-16"))


TENSORS = st.dictionaries(
    st.one_of(st.sampled_from(["w", "__metadata__", ""]), st.text(max_size=4)),
    st.one_of(st.fixed_dictionaries({"dtype": st.sampled_from(["F32", "F16", "X"]),
                                     "shape": st.one_of(st.lists(st.integers(-2, 1 << 40), max_size=4), JSON_VALUES),
                                     "data_offsets": JSON_VALUES}), JSON_VALUES),
    max_size=4,
)


@st.composite
def safetensors_files(draw) -> bytes:
    header = draw(st.one_of(TENSORS.map(json.dumps).map(str.encode), ODD_JSON.map(str.encode), st.binary(max_size=32)))
    length = draw(st.one_of(st.just(len(header)), st.integers(0, (1 << 64) - 1),
                            st.sampled_from([0, len(header) + 1, max(len(header) - 1, 0), 100_000_001])))
    return draw(st.sampled_from([WEIGHTS, length.to_bytes(8, "little") + header, header[:7]]))


SHARD_NAMES = st.sampled_from(["a" * 300 + ".safetensors", "model-1.safetensors", "x\x00.safetensors", "..",
                               "../model.safetensors", "model.safetensors", "a/b.safetensors", "", ".", "config.json"])
WEIGHT_MAPS = st.one_of(st.dictionaries(st.text(max_size=4), SHARD_NAMES, min_size=1, max_size=3),
                        st.dictionaries(st.text(max_size=4), JSON_VALUES, max_size=3), JSON_VALUES)
INDEXES = st.fixed_dictionaries({"weight_map": WEIGHT_MAPS}, optional={"metadata": JSON_VALUES}) | \
    st.fixed_dictionaries({}, optional={"metadata": JSON_VALUES})
GOOD_CONFIGS = st.sampled_from([CONFIG.encode(), *(json.dumps({"architectures": [a], "vocab_size": 4}).encode()
                                                 for a in ("BertForMaskedLM", "LlamaForCausalLM"))])
FILE_NAMES = st.sampled_from(["config.json", "tokenizer_config.json", "model.safetensors", "model-1.safetensors",
                              "model.safetensors.index.json", *TOKENIZER_FILES, "pytorch_model.bin", "x.gguf"])


OFTEN = st.sampled_from([True, True, True, False])  # Hypothesis favours the first choices: 3 in 4 or more
RARELY = st.sampled_from([False, False, False, True])


@st.composite
def model_folders(draw) -> dict[str, bytes | None]:
    """{file name: bytes, or None for a folder of that name}: often the files of a model that passes the first
    checks, so that the checks after them (weights, shard index, tokenizer) run on fuzzed input too."""
    files: dict[str, bytes | None] = {}
    if draw(OFTEN):
        files["config.json"] = draw(GOOD_CONFIGS if draw(OFTEN) else
                                    st.one_of(CONFIGS.map(json.dumps).map(str.encode), json_file(CONFIGS)))
    if draw(RARELY):
        files["tokenizer_config.json"] = draw(json_file(CONFIGS))
    for name in ("model.safetensors", "model-1.safetensors"):
        if draw(OFTEN):
            files[name] = draw(safetensors_files())
    if draw(st.booleans()):
        files["model.safetensors.index.json"] = draw(INDEXES.map(json.dumps).map(str.encode) if draw(OFTEN) else
                                                     json_file(INDEXES))
    for name in draw(st.lists(st.sampled_from(TOKENIZER_FILES), min_size=draw(OFTEN), max_size=2)):
        files[name] = draw(st.binary(max_size=16))
    if draw(RARELY):
        files["pytorch_model.bin"] = b"\x80\x04."
    if draw(RARELY):
        files["x.gguf"] = draw(st.binary(max_size=64))
    if draw(RARELY):
        for name in draw(st.lists(FILE_NAMES, min_size=1, max_size=2)):  # a folder where a file is expected
            files[name] = None
    return files


def assert_model_or_user_error(folder: Path, family: str, limit: int | None) -> None:
    try:
        model = validate_model_dir(folder, family, limit)
    except UserInputError as error:
        assert str(error), "the message names the problem"
        return
    assert isinstance(model, ModelDir) and model.path == folder and model.checksum.startswith("sha256:")
    assert isinstance(model.n_parameters, int) and model.n_parameters >= 0
    assert limit is None or model.n_parameters <= limit
    architectures = model.config["architectures"]
    assert any(a.endswith(FAMILY_ARCHITECTURES[family]) and not a.endswith(LM_HEADS) for a in architectures)


@settings(FUZZ, max_examples=400)
@given(model_folders(), st.sampled_from(sorted(FAMILY_ARCHITECTURES)), st.sampled_from([None, 0, 8, 10 ** 9]))
def test_fuzzed_model_folders(files, family, limit):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "model"
        folder.mkdir()
        for name, data in files.items():
            if data is None:
                (folder / name).mkdir()
            else:
                (folder / name).write_bytes(data)
        assert_model_or_user_error(folder, family, limit)


# --- inputs the fuzzing found (each was an OSError, BadZipFile, LZMAError or ValueError, or a minutes-long hang) ---

def zip_with(*extra: tuple[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as zf:
        for name, data in [*VALID_MEMBERS, *extra]:
            zf.writestr(name, data)
    return buffer.getvalue()


def _refused(data: bytes, match: str, tmp_path) -> None:
    archive = tmp_path / "upload.zip"
    archive.write_bytes(data)
    with pytest.raises(UserInputError, match=match):
        unpack(archive, tmp_path / "models", LIMIT, archive_name=ARCHIVE)
    models = tmp_path / "models"
    assert not models.exists() or not any(models.iterdir()), "a refused archive left files behind"


def test_a_damaged_zip_directory_is_a_user_error(tmp_path):
    data = bytearray(zip_with())
    start = data.rfind(b"PK\x05\x06") + 16  # the end record's offset of the central directory
    directory = int.from_bytes(data[start:start + 4], "little")
    data[directory:directory + 4] = b"XXXX"  # its first record's signature
    _refused(bytes(data), "not a readable zip archive", tmp_path)
    data = bytearray(zip_with())
    data[start:start + 4] = (directory + 100).to_bytes(4, "little")  # entries would start before the file
    _refused(bytes(data), "has a damaged header", tmp_path)


@pytest.mark.parametrize("extra, match", [
    ((("x.json", b"{}"), ("x.json/y.json", b"{}")), r"'x.json/y.json' cannot be unpacked \(File exists\)"),
    ((("x.json/y.json", b"{}"), ("x.json", b"{}")), r"'x.json' cannot be unpacked \(Is a directory\)"),
    (((("a" * 300) + ".json", b"{}"),), r"cannot be unpacked \(File name too long\)"),
    ((("d/" * 40 + "x.json", b"{}"),), "nested more than 32 folders deep"),
])
def test_names_the_file_system_refuses_are_user_errors(tmp_path, extra, match):
    _refused(zip_with(*extra), match, tmp_path)


@pytest.mark.parametrize("method, error", [(zipfile.ZIP_BZIP2, "Invalid data stream"),
                                           (zipfile.ZIP_LZMA, "Corrupt input data")])
def test_corrupt_bz2_and_lzma_members_are_user_errors(tmp_path, method, error):
    data = bytearray(zip_with(method=method))
    at = data.find(b"model.safetensors") + len("model.safetensors") + 12  # inside that member's compressed data
    data[at:at + 8] = bytes(b ^ 0xFF for b in data[at:at + 8])
    _refused(bytes(data), rf"cannot unpack \({error}\)", tmp_path)


def test_json_integers_past_pythons_digit_limit_are_user_errors(tmp_path):
    (tmp_path / "config.json").write_text('{"architectures": ["BertModel"], "vocab_size": ' + "9" * 5000 + "}")
    with pytest.raises(UserInputError, match=r"config.json: not valid JSON \(Exceeds the limit"):
        validate_model_dir(tmp_path, "dense")


def test_a_shard_index_naming_a_file_too_long_to_exist_is_a_user_error(tmp_path):
    for name, data in VALID_MEMBERS:
        (tmp_path / name).write_bytes(data)
    (tmp_path / "model.safetensors.index.json").write_text(json.dumps({"weight_map": {"w": "a" * 300 + ".st"}}))
    with pytest.raises(UserInputError, match=r"names shard\(s\) not in the folder: a{300}\.st"):
        validate_model_dir(tmp_path, "dense")
