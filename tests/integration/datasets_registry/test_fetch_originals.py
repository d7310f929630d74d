"""Bundled collections on a machine without the local mirror: their originals are downloaded (here from a local
web server holding originals rebuilt from the mirror), checked, converted to BEIR layout and checked against the
catalog's checksums of the mirror's files; and how that fails."""
import dataclasses
import hashlib
import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from datasets_registry import storage
from datasets_registry.catalog import load_catalog
from datasets_registry.loaders.originals import CONVERTERS, Original, write_beir
from datasets_registry.reference import actual_counts
from datasets_registry.services import load
from tests.integration.datasets_registry.originals import original_files, tar_gz

BUNDLED = [record.key for record in load_catalog().resolve("bundled")]
MIRROR = django_settings.MIRROR_DIR
ROOT = Path(__file__).resolve().parents[3]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def served(upstream, key: str, files: dict[str, bytes], mode: str = "ok", checksums: dict | None = None):
    """The catalog record with its original's URLs pointing at the local server (checksums of the files served,
    unless given); everything else, the BEIR files' checksums included, as the catalog has it."""
    record = load_catalog().get(key)
    upstream.files.update(files)
    entries = [{"url": upstream.url(name, mode), "sha256": (checksums or {}).get(name, sha256(data))}
               for name, data in files.items()]
    return dataclasses.replace(record, original={**record.original, "files": entries})


@pytest.fixture
def no_mirror(settings, tmp_path):
    settings.MIRROR_DIR = tmp_path / "empty-mirror"
    settings.MIRROR_DIR.mkdir()
    return settings.MIRROR_DIR


def nothing_left(data_dir: Path) -> bool:
    """No file anywhere under the data dir and no folder under datasets/<benchmark>/ (no staging, no temp)."""
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    entries = [p for benchmark in (data_dir / "datasets").iterdir() for p in benchmark.iterdir()]
    return files == [] and entries == []


@pytest.mark.parametrize("key", BUNDLED)
def test_original_is_converted_to_the_mirrors_files(key, upstream, data_dir, no_mirror):
    record = served(upstream, key, original_files(load_catalog().get(key), MIRROR / key))
    assert storage.availability(record).status == "not downloaded"
    folder = storage.fetch(record)
    assert [f"/ok/{Path(e['url']).name}" for e in record.original["files"]] == upstream.requests
    for relative in record.files:
        assert (folder / relative).read_bytes() == (MIRROR / key / relative).read_bytes(), relative
    # the same bytes as the converter's output written directly
    members = original_files(record, MIRROR / key)
    if len(members) == 1 and next(iter(members)).endswith(".tar.gz"):
        with tarfile.open(fileobj=io.BytesIO(next(iter(members.values())))) as archive:
            members = {m.name: archive.extractfile(m).read() for m in archive}
    inputs = {role: Original(name, members[name]) for role, name in record.original["inputs"].items()}
    direct = data_dir / "direct"
    direct.mkdir()
    write_beir(CONVERTERS[record.original["format"]].convert(inputs, record.original.get("options", {})), direct,
               record.split)
    assert {r: (direct / r).read_bytes() for r in record.files} == {r: (folder / r).read_bytes() for r in record.files}
    counts = actual_counts(load(record))
    assert {name: counts[name] for name in record.counts} == record.counts


def test_the_mirror_is_used_when_it_has_the_dataset(upstream, data_dir):
    record = served(upstream, "classic-ir/adi", {"adi.tar.gz": b"never requested"})
    storage.fetch(record)
    assert upstream.requests == []
    assert storage.sha256_of(storage.cache_dir(record) / "corpus.jsonl.gz") == record.files["corpus.jsonl.gz"]


@pytest.fixture
def adi_members():
    with tarfile.open(fileobj=io.BytesIO(original_files(load_catalog().get("classic-ir/adi"),
                                                        MIRROR / "classic-ir/adi")["adi.tar.gz"])) as archive:
        return {m.name: archive.extractfile(m).read() for m in archive}


def test_wrong_checksum_of_an_original(upstream, data_dir, no_mirror, adi_members):
    record = served(upstream, "classic-ir/adi", {"adi.tar.gz": tar_gz(adi_members)}, checksums={"adi.tar.gz": "0" * 64})
    with pytest.raises(storage.FetchError, match=r"adi\.tar\.gz: sha256 mismatch"):
        storage.fetch(record)
    assert nothing_left(data_dir)


def test_truncated_archive(upstream, data_dir, no_mirror, adi_members):
    archive = tar_gz(adi_members)
    record = served(upstream, "classic-ir/adi", {"adi.tar.gz": archive[: len(archive) // 2]})
    with pytest.raises(storage.FetchError, match=r"classic-ir/adi: original adi\.tar\.gz is damaged or truncated"):
        storage.fetch(record)
    assert nothing_left(data_dir)


def test_missing_member(upstream, data_dir, no_mirror, adi_members):
    del adi_members["ADI.REL"]
    record = served(upstream, "classic-ir/adi", {"adi.tar.gz": tar_gz(adi_members)})
    with pytest.raises(storage.FetchError, match=r"classic-ir/adi: ADI\.REL missing from the original files "
                                                 r"\(adi\.tar\.gz\)"):
        storage.fetch(record)
    assert nothing_left(data_dir)


def test_an_original_that_converts_to_other_files_is_refused(upstream, data_dir, no_mirror, adi_members):
    adi_members["ADI.REL"] = adi_members["ADI.REL"].replace(b"1 17\n", b"1 18\n", 1)
    record = served(upstream, "classic-ir/adi", {"adi.tar.gz": tar_gz(adi_members)})
    with pytest.raises(storage.FetchError, match="checksum mismatch for qrels/test.tsv"):
        storage.fetch(record)
    assert nothing_left(data_dir)


def test_an_interrupted_download_stays_transient(upstream, data_dir, no_mirror):
    files = original_files(load_catalog().get("classic-ir/cacm"), MIRROR / "classic-ir/cacm")
    record = served(upstream, "classic-ir/cacm", files, mode="drop")
    with pytest.raises(storage.FetchInterrupted, match="cacm.all") as caught:
        storage.fetch(record)
    assert caught.value.transient
    assert nothing_left(data_dir)


def test_without_mirror_and_internet_one_line_names_the_datasets(tmp_path):
    """A real command process whose every connection goes to a closed local port, as on a machine offline."""
    env = {**os.environ, "RB_DATA_DIR": str(tmp_path / "data"), "RB_MIRROR_DIR": str(tmp_path / "empty"),
           "DEBUG": "1", "https_proxy": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9", "no_proxy": ""}
    command = [sys.executable, "manage.py", "datasets", "fetch", "quick"]
    done = subprocess.run([*command, "--offline-ok"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert done.stderr.startswith("not here: classic-ir/adi, classic-ir/medline, classic-ir/cranfield (not in the "
                                  f"local mirror {tmp_path / 'empty'}, and no internet")
    assert "datasets fetch classic-ir/adi,classic-ir/medline,classic-ir/cranfield" in done.stderr
    assert list((tmp_path / "data" / "datasets" / "classic-ir").iterdir()) == []
    failed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert failed.returncode == 1 and "cannot reach" in failed.stderr and "3 of 3 dataset(s) failed" in failed.stderr
