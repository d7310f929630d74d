"""Bad inputs through the API and the form: each a clear message, a 4xx answer and no rows written."""
from __future__ import annotations

import io
import json
import tarfile
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from leaderboard.models import Evaluation, Submission

ADI = "classic-ir/adi"
CONFIG = json.dumps({"architectures": ["BertModel"], "model_type": "bert", "hidden_size": 4}).encode()


def _zip(entries: dict[str, bytes], name="model.zip", symlink: str | None = None) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path, data in entries.items():
            zf.writestr(path, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (0o120777 << 16)
            zf.writestr(info, "/etc/passwd")
    return SimpleUploadedFile(name, buffer.getvalue())


def _safetensors(header) -> bytes:
    text = json.dumps(header).encode()
    return len(text).to_bytes(8, "little") + text


WEIGHTS = _safetensors({"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}) + b"\0" * 16


def _model(config=None, weights: bytes = WEIGHTS, **extra: bytes) -> SimpleUploadedFile:
    """A small model folder as a zip; config and weights replaceable by bad ones."""
    config = json.dumps(config).encode() if config is not None and not isinstance(config, bytes) else config
    return _zip({"config.json": config or CONFIG, "model.safetensors": weights, "vocab.txt": b"a\nb\n", **extra})


def _zip_flagged_encrypted() -> SimpleUploadedFile:
    """Every member marked encrypted (general-purpose flag bit 0), as `zip -e` writes it."""
    data = bytearray(_model().read())
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # local headers, central directory
        start = data.find(signature)
        while start != -1:
            data[start + flag_at] |= 0x1
            start = data.find(signature, start + 4)
    return SimpleUploadedFile("model.zip", bytes(data))


def _zip_bad_crc() -> SimpleUploadedFile:
    data = bytearray(_model().read())
    data[data.index(b"a\nb\n")] ^= 0xFF  # vocab.txt's bytes no longer match the stored CRC-32
    return SimpleUploadedFile("model.zip", bytes(data))


def _tar_with_symlink() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        data = CONFIG
        info = tarfile.TarInfo("config.json")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("model.safetensors")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tf.addfile(link)
    return SimpleUploadedFile("model.tar.gz", buffer.getvalue())


def _run(text: str | bytes, name="classic-ir__adi.trec") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text if isinstance(text, bytes) else text.encode())


GOOD_RUN_LINE = "1 Q0 1 1 3.0 t\n"
BASE = {"name": "x", "family": "bm25", "source": "reference", "retriever": "bm25-flat", "datasets": [ADI]}
ARCHIVE = {"name": "m", "family": "dense", "source": "archive", "datasets": [ADI]}
RUNS = {"name": "r", "family": "run-file", "source": "run-file"}

# (id, payload builder, field expected in the error, words expected in the message)
CASES = [
    ("missing-name", lambda: {**BASE, "name": ""}, "name", "blank"),
    ("unknown-family", lambda: {**BASE, "family": "quantum"}, "family", "not a valid choice"),
    ("unknown-retriever", lambda: {**BASE, "retriever": "bm26"}, "retriever", "unknown reference retriever"),
    ("retriever-of-other-family", lambda: {**BASE, "retriever": "minilm-l6"}, "retriever", "dense retriever"),
    ("unknown-dataset", lambda: {**BASE, "datasets": ["classic-ir/adj"]}, "datasets", "unknown dataset"),
    ("no-datasets", lambda: {**BASE, "datasets": []}, "datasets", "at least one dataset"),
    ("bad-paper-url", lambda: {**BASE, "paper_url": "javascript:alert(1)"}, "paper_url", "not an http"),
    ("unknown-param", lambda: {**BASE, "params": {"rm_rf": 1}}, "params", "not a parameter"),
    ("param-out-of-range", lambda: {**BASE, "params": {"b": 7}}, "params", "between"),
    ("source-not-allowed", lambda: {**BASE, "source": "archive"}, "source", "takes a model from"),
    ("bad-model-id", lambda: {"name": "h", "family": "dense", "source": "model-id", "model_id": "../../etc",
                              "datasets": [ADI]}, "model_id", "not a model id"),
    ("hybrid-unknown-partner", lambda: {"name": "h", "family": "hybrid", "source": "reference", "datasets": [ADI],
                                        "params": {"runs": ["bm25-flat", "nope"]}}, "params", "fusion partner"),
    ("archive-missing", lambda: dict(ARCHIVE), "model_archive", "upload the model folder"),
    ("archive-not-an-archive", lambda: {**ARCHIVE, "model_archive": SimpleUploadedFile("m.zip", b"hello")},
     "model_archive", "not a zip or tar"),
    ("archive-path-traversal", lambda: {**ARCHIVE, "model_archive": _zip({"../../evil.json": b"{}",
                                                                          "config.json": CONFIG})},
     "model_archive", "climbs out"),
    ("archive-absolute-path", lambda: {**ARCHIVE, "model_archive": _zip({"/etc/cron.d/x": b"", "config.json": CONFIG})},
     "model_archive", "absolute path"),
    ("archive-zip-symlink", lambda: {**ARCHIVE, "model_archive": _zip({"config.json": CONFIG}, symlink="link")},
     "model_archive", "link"),
    ("archive-tar-symlink", lambda: {**ARCHIVE, "model_archive": _tar_with_symlink()}, "model_archive", "link"),
    ("archive-pickle-weights", lambda: {**ARCHIVE, "model_archive": _zip({"config.json": CONFIG,
                                                                          "pytorch_model.bin": b"\x80\x04"})},
     "model_archive", "pickle"),
    ("archive-no-config", lambda: {**ARCHIVE, "model_archive": _zip({"model.safetensors": b"x"})},
     "model_archive", "config.json"),
    ("archive-remote-code", lambda: {**ARCHIVE, "model_archive": _zip({
        "config.json": json.dumps({"architectures": ["BertModel"], "auto_map": {"AutoModel": "x.Y"}}).encode(),
        "model.safetensors": b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ", "vocab.txt": b"a"})},
     "model_archive", "custom code"),
    ("archive-oversize", lambda: {**ARCHIVE, "model_archive": SimpleUploadedFile("big.zip", b"x" * 2048)},
     "model_archive", "upload limit"),
    ("config-a-list", lambda: {**ARCHIVE, "model_archive": _model(b"[1]")}, "model_archive",
     "config.json: must be a JSON object"),
    ("architectures-a-string", lambda: {**ARCHIVE, "model_archive": _model({"architectures": "BertModel"})},
     "model_archive", "architectures must be a list"),
    ("architectures-numbers", lambda: {**ARCHIVE, "model_archive": _model({"architectures": [1]})},
     "model_archive", "architectures must be a list"),
    ("hidden-size-negative", lambda: {**ARCHIVE, "model_archive": _model({"architectures": ["BertModel"],
                                                                          "hidden_size": -5})},
     "model_archive", "hidden_size must be a whole number"),
    ("hidden-size-huge", lambda: {**ARCHIVE, "model_archive": _model({"architectures": ["BertModel"],
                                                                      "hidden_size": 10**12})},
     "model_archive", "hidden_size must be a whole number"),
    ("tokenizer-config-a-list", lambda: {**ARCHIVE, "model_archive": _model(**{"tokenizer_config.json": b"[]"})},
     "model_archive", "tokenizer_config.json: must be a JSON object"),
    ("safetensors-header-a-list", lambda: {**ARCHIVE, "model_archive": _model(weights=_safetensors([1]))},
     "model_archive", "header must be a JSON object"),
    ("safetensors-entry-a-number", lambda: {**ARCHIVE, "model_archive": _model(weights=_safetensors({"w": 5}))},
     "model_archive", "shape of positive whole numbers"),
    ("safetensors-shape-text", lambda: {**ARCHIVE, "model_archive": _model(weights=_safetensors(
        {"w": {"dtype": "F32", "shape": "abc", "data_offsets": [0, 0]}}))}, "model_archive", "positive whole"),
    ("safetensors-negative-dimension", lambda: {**ARCHIVE, "model_archive": _model(weights=_safetensors(
        {"w": {"dtype": "F32", "shape": [-4, 2], "data_offsets": [0, 0]}}))}, "model_archive", "positive whole"),
    ("gguf-junk", lambda: {"name": "g", "family": "sparse-llm", "source": "archive", "datasets": [ADI],
                           "model_archive": _zip({"config.json": CONFIG, "model.gguf": b"GGUF junk"})},
     "model_archive", "not a readable GGUF"),
    ("zip-encrypted", lambda: {**ARCHIVE, "model_archive": _zip_flagged_encrypted()}, "model_archive",
     "cannot unpack"),
    ("zip-bad-crc", lambda: {**ARCHIVE, "model_archive": _zip_bad_crc()}, "model_archive", "cannot unpack"),
    ("lm-head-as-dense", lambda: {**ARCHIVE, "model_archive": _model({"architectures": ["GPT2LMHeadModel"]})},
     "model_archive", "does not fit the 'dense' family"),
    ("param-nan", lambda: {**BASE, "params": {"k1": "nan"}}, "params", "finite"),
    ("param-infinite", lambda: {**BASE, "params": {"b": "inf"}}, "params", "finite"),
    ("param-nul", lambda: {"name": "d", "family": "dense", "source": "reference", "retriever": "minilm-l6",
                           "datasets": [ADI], "params": {"query_prefix": "q\x00"}}, "params", "NUL"),
    ("param-dict-as-text", lambda: {"name": "d", "family": "dense", "source": "reference", "retriever": "minilm-l6",
                                    "datasets": [ADI], "params": {"query_prefix": {"a": 1}}}, "params",
     "expected text"),
    ("description-huge", lambda: {**BASE, "description": "x" * 5_000_000}, "description", "at most 10,000"),
    ("name-nul", lambda: {**BASE, "name": "bm\x0025"}, "name", "NUL"),
    ("run-missing", lambda: dict(RUNS), "run_files", "upload one TREC run"),
    ("run-five-columns", lambda: {**RUNS, "run_files": [_run("1 Q0 1 1 3.0\n")]}, "run_files", "6 columns"),
    ("run-bad-score", lambda: {**RUNS, "run_files": [_run("1 Q0 1 1 high t\n")]}, "run_files", "not a number"),
    ("run-nan-score", lambda: {**RUNS, "run_files": [_run("1 Q0 1 1 nan t\n")]}, "run_files", "finite"),
    ("run-duplicate-doc", lambda: {**RUNS, "run_files": [_run(GOOD_RUN_LINE * 2)]}, "run_files", "twice"),
    ("run-unknown-query", lambda: {**RUNS, "run_files": [_run("q-missing Q0 1 1 3.0 t\n")]}, "run_files",
     "query id"),
    ("run-unknown-doc", lambda: {**RUNS, "run_files": [_run("1 Q0 no-such-doc 1 3.0 t\n")]}, "run_files",
     "document id"),
    ("run-empty", lambda: {**RUNS, "run_files": [_run("")]}, "run_files", "empty"),
    ("run-not-utf8", lambda: {**RUNS, "run_files": [_run(GOOD_RUN_LINE.encode() + b"1 Q0 \xff 2 2.0 t\n")]},
     "run_files", "classic-ir__adi.trec:2: not UTF-8"),
    ("run-unnamed-dataset", lambda: {**RUNS, "run_files": [_run(GOOD_RUN_LINE, name="myrun.trec")]}, "run_files",
     "which dataset"),
]


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("eve", password="x-long-pass-123")


@pytest.fixture
def api(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture(autouse=True)
def small_uploads(settings, tmp_path):
    settings.UPLOAD_MAX_BYTES = 1024
    settings.MODELS_DIR = tmp_path / "models"
    settings.MEDIA_ROOT = tmp_path / "uploads"


def _multipart(payload: dict) -> dict:
    data = {}
    for key, value in payload.items():
        data[key] = json.dumps(value) if key == "params" else value
    return data


def _no_rows():
    from django.conf import settings

    assert Submission.objects.count() == 0
    assert Evaluation.objects.count() == 0
    for folder in (settings.MODELS_DIR, settings.MEDIA_ROOT):  # and no file left behind
        assert not folder.exists() or not any(p.is_file() for p in folder.rglob("*")), list(folder.rglob("*"))


@pytest.mark.django_db
@pytest.mark.parametrize("case, build, field, words", CASES, ids=[c[0] for c in CASES])
def test_api_rejects(api, case, build, field, words):
    response = api.post("/api/submissions/", _multipart(build()), format="multipart")
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body, body
    assert words.lower() in json.dumps(body[field]).lower(), body
    _no_rows()


# The form's own fields refuse some values before the submission checks, in Django's words.
FORM_WORDS = {"missing-name": "this field is required", "unknown-retriever": "bm26 is not one of the available",
              "unknown-dataset": "classic-ir/adj is not one of the available"}
FORM_CASES = [(case, build, field, FORM_WORDS.get(case, words)) for case, build, field, words in CASES
              if field in ("name", "retriever", "datasets", "model_archive", "run_files", "params")]


@pytest.mark.django_db
@pytest.mark.parametrize("case, build, field, words", FORM_CASES, ids=[c[0] for c in FORM_CASES])
def test_form_rejects(client, user, case, build, field, words):
    client.force_login(user)
    data = build()
    params = data.pop("params", None) or {}
    data["params_json"] = json.dumps(params) if params else ""
    response = client.post("/submit/", data)
    assert response.status_code == 400
    form = response.context["form"]
    # A field of the form shows its errors beside it; the others (params) above the form, named.
    messages = form.errors.get(field, []) if field in form.fields else [
        m.removeprefix(f"{field}: ") for m in form.non_field_errors() if m.startswith(f"{field}: ")]
    assert any(words.lower() in m.lower() for m in messages), form.errors
    assert all(escape(m) in response.content.decode() for m in messages)
    _no_rows()


@pytest.mark.django_db
def test_unauthenticated_submit_is_refused(client):
    assert APIClient().post("/api/submissions/", BASE, format="json").status_code == 401
    response = client.post("/submit/", BASE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    _no_rows()


@pytest.mark.django_db
def test_other_users_private_submission_is_invisible(api, django_user_model):
    other = django_user_model.objects.create_user("mallory", password="x")
    from leaderboard.models import Family, Source

    private = Submission.objects.create(owner=other, name="secret", family=Family.BM25, source=Source.REFERENCE,
                                        is_public=False)
    public = Submission.objects.create(owner=other, name="open", family=Family.BM25, source=Source.REFERENCE)
    assert api.get(f"/api/submissions/{private.pk}/").status_code == 404
    assert api.get(f"/api/submissions/{private.pk}/status/").status_code == 404
    assert api.post(f"/api/submissions/{private.pk}/cancel/").status_code == 404
    assert api.post(f"/api/submissions/{public.pk}/cancel/").status_code == 404  # public, but not yours
    assert api.get(f"/api/submissions/{public.pk}/").status_code == 200
    assert [s["id"] for s in api.get("/api/submissions/").json()["results"]] == []


@pytest.mark.django_db
def test_rate_limit_and_active_cap(api, user, settings):
    settings.SUBMISSIONS_PER_HOUR = 1
    assert api.post("/api/submissions/", BASE, format="json").status_code == 201
    response = api.post("/api/submissions/", BASE, format="json")
    assert response.status_code == 400 and "limit is 1" in str(response.json())
    settings.SUBMISSIONS_PER_HOUR = 100
    settings.MAX_ACTIVE_EVALUATIONS_PER_USER = 1
    response = api.post("/api/submissions/", BASE, format="json")
    assert response.status_code == 400 and "queued or running" in str(response.json())
    assert Submission.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_run_ids_of_a_large_dataset_are_checked_by_the_worker(api, settings):
    """Above RUN_FILE_CHECK_MAX_DOCS the upload request only parses the run (no corpus scan in a web
    request); the evaluation then fails with the same message and stores nothing."""
    from leaderboard.evaluations.worker import run_evaluation
    from leaderboard.models import Result

    settings.RUN_FILE_CHECK_MAX_DOCS = 10  # ADI's 82 documents count as large
    response = api.post("/api/submissions/", _multipart({**RUNS, "run_files": [_run("1 Q0 no-such-doc 1 3.0 t\n")]}),
                        format="multipart")
    assert response.status_code == 201, response.content
    evaluation = Evaluation.objects.get()
    assert run_evaluation(evaluation.pk, evaluation.attempts) == "failed"
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.FAILED
    assert "document id(s) not in classic-ir/adi for query 1, e.g. no-such-doc" in evaluation.error
    assert not Result.objects.exists()


@pytest.mark.django_db
def test_an_oversized_run_file_is_dropped_while_it_streams_in(api, client, user):
    big = _run(GOOD_RUN_LINE * 200)  # 3,000 bytes against the 1,024 of this module
    response = api.post("/api/submissions/", _multipart({**RUNS, "run_files": [big]}), format="multipart")
    assert response.status_code == 400
    assert response.json()["run_files"] == ["classic-ir__adi.trec: above the upload limit of 1,024 bytes"]
    client.force_login(user)
    page = client.post("/submit/", {**RUNS, "run_files": [_run(GOOD_RUN_LINE * 200)]})
    assert page.status_code == 400 and "classic-ir__adi.trec: above the upload limit" in page.content.decode()
    _no_rows()


@pytest.mark.django_db(transaction=True)
def test_a_large_run_file_is_parsed_by_the_worker_with_the_same_message(api, settings):
    from leaderboard.evaluations.worker import run_evaluation

    settings.RUN_FILE_PARSE_MAX_BYTES = 10  # this run counts as large: not parsed in the request
    response = api.post("/api/submissions/", _multipart({**RUNS, "run_files": [_run(GOOD_RUN_LINE + "1 Q0 2\n")]}),
                        format="multipart")
    assert response.status_code == 201, response.content
    evaluation = Evaluation.objects.get()
    assert run_evaluation(evaluation.pk, evaluation.attempts) == "failed"
    evaluation.refresh_from_db()
    assert evaluation.error.endswith(":2: expected 6 columns 'qid Q0 docid rank score tag', got 3")


@pytest.mark.django_db
def test_stored_uploads_count_against_a_per_user_quota(api, settings):
    settings.STORAGE_QUOTA_BYTES_PER_USER = 1000
    lines = "".join(f"1 Q0 {doc} {doc} {100 - doc}.0 t\n" for doc in range(1, 31))  # about 500 bytes
    first = api.post("/api/submissions/", _multipart({**RUNS, "run_files": [_run(lines)]}), format="multipart")
    assert first.status_code == 201, first.content
    second = api.post("/api/submissions/", _multipart({**RUNS, "name": "again", "run_files": [_run(lines)]}),
                      format="multipart")
    assert second.status_code == 400 and "the quota is 1,000 bytes per user" in str(second.json())
    assert Submission.objects.count() == 1
    assert [p.name for p in settings.MEDIA_ROOT.rglob("*.trec")] == [f"{first.json()['slug']}__classic-ir__adi.trec"]
