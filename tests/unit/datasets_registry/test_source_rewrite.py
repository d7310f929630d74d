"""RB_SOURCE_URL_REWRITE: an organisation's mirror of the public sources stands in for them, and the catalog's
checksums still decide what is accepted from it."""
import hashlib

import pytest

from datasets_registry import storage

RAW = "https://raw.githubusercontent.com/owner/repo/0123abc/adi/adi.tar.gz"


def test_the_first_matching_prefix_is_replaced(settings):
    settings.SOURCE_URL_REWRITE = ("https://huggingface.co/=http://hf.mirror.example/,"
                                   "https://raw.githubusercontent.com/=http://127.0.0.1:8123/raw/,"
                                   "https://raw.githubusercontent.com/owner/=http://never.example/")
    assert storage.source_url(RAW) == "http://127.0.0.1:8123/raw/owner/repo/0123abc/adi/adi.tar.gz"
    assert storage.source_url("https://github.com/owner/repo") == "https://github.com/owner/repo"


def test_unset_leaves_every_url_as_the_catalog_has_it(settings):
    settings.SOURCE_URL_REWRITE = ""
    assert storage.source_url(RAW) == RAW


@pytest.mark.parametrize("value", ["https://raw.githubusercontent.com/", "=http://127.0.0.1:8123/"])
def test_a_rule_without_prefix_and_replacement_is_refused(settings, value):
    settings.SOURCE_URL_REWRITE = value
    with pytest.raises(storage.FetchError, match="is not prefix=replacement"):
        storage.source_url(RAW)


def test_a_rewritten_source_is_downloaded_and_its_checksum_checked(settings, tmp_path):
    mirror = tmp_path / "mirror"
    (mirror / "owner/repo/0123abc/adi").mkdir(parents=True)
    (mirror / "owner/repo/0123abc/adi/adi.tar.gz").write_bytes(b"the mirror's bytes")
    settings.SOURCE_URL_REWRITE = f"https://raw.githubusercontent.com/={mirror.as_uri()}/"
    target = tmp_path / "download"
    storage._download(RAW, target, {"sha256": hashlib.sha256(b"the mirror's bytes").hexdigest()})
    assert target.read_bytes() == b"the mirror's bytes"
    with pytest.raises(storage.FetchError, match=r"adi/adi\.tar\.gz: sha256 mismatch"):
        storage._download(RAW, target, {"sha256": hashlib.sha256(b"the public original").hexdigest()})
