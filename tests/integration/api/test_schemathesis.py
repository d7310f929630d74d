"""schemathesis against the OpenAPI schema the app serves at /api/schema/: no request the schema describes, valid
or not, gets a 5xx. Authenticated with a DRF token so the write endpoints run; real PostgreSQL, committed rows
(`transactional_db`), so POST /api/submissions/ sends its Celery messages after commit as in production."""
from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck
from hypothesis import settings as fuzz_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error

from config.wsgi import application
from leaderboard.models import Evaluation
from tests.integration.leaderboard import factories as f
from tests.unit.runners.test_fuzz_archives import zip_with

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@dataclass(frozen=True)
class Seeded:
    token: str
    submissions: list[int]
    results: list[int]
    benchmarks: list[str]


@pytest.fixture
def seeded(transactional_db, django_user_model, settings, tmp_path) -> Seeded:
    """A token user with submissions (one queued, one finished), another user's public and private submissions
    with results; uploads, unpacked models and the cache (throttles, lockouts) under tmp_path."""
    settings.UPLOAD_MAX_BYTES = 4096
    settings.MEDIA_ROOT = tmp_path / "uploads"
    settings.MODELS_DIR = tmp_path / "models"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                                   "LOCATION": str(tmp_path / "cache"),
                                   "KEY_FUNCTION": "config.cache_keys.per_database_key"}}
    user = django_user_model.objects.create_user("fuzzer", password="a-long-fuzz-password")
    other = django_user_model.objects.create_user("other", password="another-long-password")
    one, two = f.dataset("bench/one"), f.dataset("classic-ir/adi")
    finished = f.submission("fuzzer done", owner=user)
    queued = f.submission("fuzzer queued", owner=user)
    Evaluation.objects.create(submission=queued, dataset=one, attempts=1)
    public = f.submission("other public", owner=other)
    private = f.submission("other private", owner=other, is_public=False)
    results = [f.result(finished, one, [0.5, 0.25], run={"q0": {"d1": 1.0}}).pk, f.result(public, one, [0.75, 0.5]).pk,
               f.result(public, two, [0.1]).pk, f.result(private, one, [0.9, 0.9]).pk]
    return Seeded(Token.objects.create(user=user).key, [finished.pk, queued.pk, public.pk, private.pk], results,
                  ["all", "bench", "classic-ir"])


# A submission every check accepts: most fuzzed bodies are refused at their first wrong field, so half of the
# generated bodies keep only some of their fuzzed fields over these, and the checks behind the first ones run too.
GOOD_SUBMISSION = {"name": "fuzzed bm25", "family": "bm25", "source": "reference", "retriever": "bm25-multifield",
                   "datasets": ["classic-ir/adi"], "params": {"k1": 0.9, "b": 0.4}, "licence": "MIT"}


def steer(case, seeded: Seeded) -> None:
    """Half the generated ids and slugs are replaced by seeded ones, so that the endpoints read real rows too, and
    half the submission bodies are mostly valid (see GOOD_SUBMISSION)."""
    params = case.path_parameters or {}
    value = params.get("id")
    if isinstance(value, int) and not isinstance(value, bool) and value % 2 == 0:
        ids = seeded.results if case.operation.path.startswith("/api/results/") else seeded.submissions
        params["id"] = ids[value // 2 % len(ids)]
    value = params.get("benchmark")
    if isinstance(value, str) and len(value) % 2 == 0:
        params["benchmark"] = seeded.benchmarks[len(value) // 2 % len(seeded.benchmarks)]
    body = case.body
    if case.operation.label == "POST /api/submissions/" and isinstance(body, dict) and len(body) % 2 == 0:
        as_json = (case.media_type or "").endswith("json")  # forms carry text: params as a JSON string
        for key, good in GOOD_SUBMISSION.items():
            if key not in body or len(repr(body[key])) % 3:  # about one fuzzed field in three is kept
                body[key] = good if as_json or isinstance(good, str | list) else json.dumps(good)


@schema.parametrize()
@fuzz_settings(max_examples=25, deadline=None, derandomize=True, database=None,
               suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                      HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_no_server_errors(case, seeded):
    steer(case, seeded)
    case.call_and_validate(headers={"Authorization": f"Token {seeded.token}"}, checks=[not_a_server_error])


def test_an_archive_the_file_system_refuses_is_a_400_naming_the_field(seeded):
    """Found by the archive fuzzing (tests/unit/runners/test_fuzz_archives.py): an entry below a file's name was an
    OSError out of the unpacking, a 500 here."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {seeded.token}")
    archive = SimpleUploadedFile("model.zip", zip_with(("x.json", b"{}"), ("x.json/y.json", b"{}")))
    response = client.post("/api/submissions/", {"name": "clash", "family": "dense", "source": "archive",
                                                 "datasets": "classic-ir/adi", "model_archive": archive},
                           format="multipart")
    assert response.status_code == 400, response.content
    assert "model.zip: entry 'x.json/y.json' cannot be unpacked" in response.json()["model_archive"][0]
