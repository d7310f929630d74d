"""A submission's life after it is sent: one name per owner, a form or request sent twice is one submission,
edit, public/private, withdraw and reinstate, delete with its files; only the owner and staff may (others get 404);
every change reaches the cached pages. Real PostgreSQL, the real form, API and page views."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from datasets_registry.services import sync_catalog
from leaderboard.board.cache import CACHE_VERSION_KEY
from leaderboard.models import Evaluation, QueryScore, Result, Source, Submission
from tests.integration.leaderboard import factories as f

pytestmark = pytest.mark.django_db

ADI = "classic-ir/adi"
# A reference BM25 run: every check passes it without uploads.
REFERENCE = {"family": "bm25", "source": "reference", "retriever": "bm25-multifield", "datasets": [ADI]}


@pytest.fixture(autouse=True)
def files_and_cache(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    settings.MODELS_DIR = tmp_path / "models"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user("owner", password="a-long-password-1")


@pytest.fixture
def api(owner) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=owner).key}")
    return client


@pytest.fixture
def browser(client, owner) -> Client:
    client.force_login(owner)
    return client


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs what the block left for after its commit (the boards' cache renewal, file
    removal), as a real request's commit would; the test's own transaction never commits."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def on_board(row: Submission) -> dict[str, bool]:
    """Whether an anonymous visitor finds the row on the leaderboard page and in its CSV export."""
    visitor = Client()
    page = visitor.get("/leaderboards/").content.decode()
    export = list(csv.reader(io.StringIO(visitor.get("/leaderboards/export.csv").content.decode())))
    return {"page": f"/models/{row.slug}/" in page, "csv": any(row.slug in line for line in export[1:])}


def scored(name: str, owner, **fields) -> Submission:
    row = f.submission(name, owner=owner, **fields)
    f.result(row, f.dataset("bench/d0"), [0.5, 0.25])
    return row


def form_token(page: str) -> str:
    return re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page).group(1)


def test_a_second_submission_with_an_owners_name_is_refused_whatever_its_case(api, browser, owner,
                                                                               django_user_model):
    sync_catalog()
    first = api.post("/api/submissions/", {"name": "My BM25", **REFERENCE}, format="json")
    assert first.status_code == 201, first.content

    again = api.post("/api/submissions/", {"name": "  my bm25 ", **REFERENCE}, format="json")
    assert again.status_code == 400
    assert again.json() == {"name": ["you already have a submission named 'my bm25'; choose another name"]}

    page = browser.post("/submit/", {"name": "MY BM25", **REFERENCE, "is_public": "on"})
    assert page.status_code == 400
    assert "you already have a submission named &#x27;MY BM25&#x27;" in page.content.decode()
    assert Submission.objects.filter(owner=owner).count() == 1

    other = api_for(django_user_model.objects.create_user("someone-else"))
    assert other.post("/api/submissions/", {"name": "My BM25", **REFERENCE}, format="json").status_code == 201

    renamed = api.post("/api/submissions/", {"name": "Second", **REFERENCE}, format="json").json()
    clash = api.patch(f"/api/submissions/{renamed['id']}/", {"name": "my BM25"}, format="json")
    assert clash.status_code == 400 and list(clash.json()) == ["name"]
    assert Submission.objects.get(pk=renamed["id"]).name == "Second"


def test_older_rows_that_share_a_name_stay_and_can_still_be_edited(api, owner):
    """No database constraint: rows from before the rule are kept; each can still be edited under its own name."""
    twins = [f.submission("Twin", owner=owner), f.submission("twin", owner=owner)]
    response = api.patch(f"/api/submissions/{twins[1].pk}/", {"description": "the second"}, format="json")
    assert response.status_code == 200, response.content
    assert sorted(Submission.objects.filter(owner=owner).values_list("name", flat=True)) == ["Twin", "twin"]


def test_the_same_idempotency_key_returns_the_first_submission_and_writes_nothing(api, owner, django_user_model):
    sync_catalog()
    body = {"name": "Keyed", **REFERENCE}
    first = api.post("/api/submissions/", body, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    assert first.status_code == 201, first.content
    rows = (Submission.objects.count(), Evaluation.objects.count())

    again = api.post("/api/submissions/", body, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert (Submission.objects.count(), Evaluation.objects.count()) == rows

    # Without the key the same body is a new submission, refused for its name.
    assert api.post("/api/submissions/", body, format="json").status_code == 400
    # A key is one owner's: another user's request with it is theirs.
    other = api_for(django_user_model.objects.create_user("other-keyed"))
    assert other.post("/api/submissions/", body, format="json", HTTP_IDEMPOTENCY_KEY="key-1").status_code == 201
    bad = api.post("/api/submissions/", {**body, "name": "Spaced"}, format="json", HTTP_IDEMPOTENCY_KEY="a b")
    assert bad.status_code == 400 and list(bad.json()) == ["idempotency_key"]


def test_a_form_sent_again_with_the_back_button_is_one_submission(browser, owner):
    sync_catalog()
    token = form_token(browser.get("/submit/").content.decode())
    assert form_token(browser.get("/submit/").content.decode()) != token  # a new token each time it is shown
    form = {"name": "From the form", **REFERENCE, "is_public": "on", "idempotency_key": token}

    first = browser.post("/submit/", form)
    submission = Submission.objects.get(owner=owner)
    assert first.status_code == 302 and first.url == f"/submissions/{submission.pk}/"
    again = browser.post("/submit/", form, follow=True)
    assert again.redirect_chain == [(f"/submissions/{submission.pk}/", 302)]
    assert "This form was already sent" in again.content.decode()
    assert Submission.objects.filter(owner=owner).count() == 1
    assert submission.evaluations.count() == 1


def test_the_owner_edits_the_description_and_the_visibility(api, browser, owner, committed):
    row = scored("Editable", owner)
    response = api.patch(f"/api/submissions/{row.pk}/", {"description": "BM25 with stemming", "licence": "Apache-2.0",
                                                         "paper_url": "https://example.org/paper"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["licence"] == "Apache-2.0"
    row.refresh_from_db()
    assert (row.description, row.licence, row.paper_url) == ("BM25 with stemming", "Apache-2.0",
                                                             "https://example.org/paper")
    assert api.patch(f"/api/submissions/{row.pk}/", {"paper_url": "ftp://x"}, format="json").status_code == 400
    assert api.put(f"/api/submissions/{row.pk}/", {"name": "x"}, format="json").status_code == 405

    with committed():
        assert api.patch(f"/api/submissions/{row.pk}/", {"is_public": False}, format="json").json()["is_public"] \
            is False
    assert on_board(row) == {"page": False, "csv": False}
    assert f"/models/{row.slug}/" in browser.get("/leaderboards/").content.decode()  # the owner still sees it

    edit = browser.get(f"/submissions/{row.pk}/edit/")
    assert edit.status_code == 200 and "BM25 with stemming" in edit.content.decode()
    with committed():
        saved = browser.post(f"/submissions/{row.pk}/edit/", {"name": "Edited", "description": "new text",
                                                             "licence": "MIT", "is_public": "on"})
    assert saved.status_code == 302 and saved.url == f"/submissions/{row.pk}/"
    row.refresh_from_db()
    assert (row.name, row.description, row.licence, row.paper_url, row.is_public) == (
        "Edited", "new text", "MIT", "", True)
    assert on_board(row) == {"page": True, "csv": True}
    refused = browser.post(f"/submissions/{row.pk}/edit/", {"name": "", "is_public": "on"})
    assert refused.status_code == 400 and Submission.objects.get(pk=row.pk).name == "Edited"


def test_a_withdrawn_submission_leaves_the_boards_and_stays_in_its_owners_list(api, browser, owner, committed):
    row = scored("Withdrawable", owner)
    assert on_board(row) == {"page": True, "csv": True}

    with committed():
        response = browser.post(f"/submissions/{row.pk}/withdraw/")
    assert response.status_code == 302 and response.url == f"/submissions/{row.pk}/"
    assert on_board(row) == {"page": False, "csv": False}
    assert f"/models/{row.slug}/" not in browser.get("/leaderboards/").content.decode()  # not for its owner either
    listing = browser.get("/submissions/").content.decode()
    line = listing.split(f'data-submission="{row.pk}"')[1].split("</tr>")[0]
    assert "Withdrawable" in line and "withdrawn" in line and "1 succeeded" in line
    detail = browser.get(f"/submissions/{row.pk}/").content.decode()
    assert 'id="withdrawn-label"' in detail and 'id="reinstate-form"' in detail
    assert api.get(f"/api/submissions/{row.pk}/").json()["withdrawn_at"] is not None
    assert Client().get(f"/submissions/{row.pk}/").status_code == 404  # a public row no more, for others
    assert browser.get(f"/submissions/{row.pk}/withdraw/").status_code == 405  # POST only

    with committed():
        reinstated = api.post(f"/api/submissions/{row.pk}/reinstate/")
    assert reinstated.status_code == 200 and reinstated.json()["withdrawn_at"] is None
    assert on_board(row) == {"page": True, "csv": True}
    with committed():
        assert api.post(f"/api/submissions/{row.pk}/withdraw/").json()["withdrawn_at"] is not None
    assert on_board(row) == {"page": False, "csv": False}


def test_my_submissions_shows_each_ones_evaluation_statuses(browser, owner):
    row = f.submission("Busy", owner=owner)
    for n, status in enumerate(["queued", "running", "running", "succeeded", "failed"]):
        Evaluation.objects.create(submission=row, dataset=f.dataset(f"bench/s{n}"), status=status)
    f.submission("Fresh", owner=owner)
    listing = browser.get("/submissions/").content.decode()
    cells = dict(re.findall(r'>(Busy|Fresh)</a>.*?<td class="status-counts">(.*?)</td>', listing, re.S))
    assert cells == {"Busy": "1 queued · 2 running · 1 succeeded · 1 failed", "Fresh": "none"}


def with_files(name: str, owner, checksum: str) -> Submission:
    """An archive submission with an uploaded run file, a stored result run and an unpacked model folder."""
    row = f.submission(name, owner=owner, source=Source.ARCHIVE, model_checksum=checksum)
    row.model_archive.save(f"{checksum}.zip", ContentFile(b"zip bytes"))
    evaluation = Evaluation.objects.create(submission=row, dataset=f.dataset("bench/d0"),
                                           status=Evaluation.Status.SUCCEEDED)
    evaluation.run_file.save(f"{row.slug}.trec", ContentFile(b"q0 Q0 d1 1 1.0 run\n"))
    f.result(row, f.dataset("bench/d0"), [0.5, 0.25], run={"q0": {"d1": 1.0}})
    unpacked = Path(settings.MODELS_DIR) / checksum
    unpacked.mkdir(parents=True, exist_ok=True)
    (unpacked / "config.json").write_text("{}")
    return row


def files_of(row: Submission) -> list[Path]:
    return [Path(row.model_archive.path), *(Path(e.run_file.path) for e in row.evaluations.all()),
            *(Path(r.run_file.path) for r in Result.objects.filter(evaluation__submission=row))]


def test_deleting_removes_the_rows_and_files_but_not_an_archive_another_submission_shares(
        api, browser, owner, committed):
    alone = with_files("Alone", owner, "a" * 64)
    shared = with_files("Shared", owner, "b" * 64)
    keeper = f.submission("Keeper", owner=owner, source=Source.ARCHIVE, model_checksum="b" * 64,
                          model_archive=shared.model_archive.name)  # the same archive file
    paths = {row.pk: files_of(row) for row in (alone, shared)}
    assert all(p.is_file() for found in paths.values() for p in found)

    confirm = browser.get(f"/submissions/{alone.pk}/delete/")
    assert confirm.status_code == 200 and 'id="confirm-delete"' in confirm.content.decode()
    assert Submission.objects.filter(pk=alone.pk).exists()  # showing the confirmation deletes nothing
    with committed():
        deleted = browser.post(f"/submissions/{alone.pk}/delete/")
    assert deleted.status_code == 302 and deleted.url == "/submissions/"
    assert not Submission.objects.filter(pk=alone.pk).exists()
    assert not Evaluation.objects.filter(submission_id=alone.pk).exists()
    assert not Result.objects.filter(evaluation__submission_id=alone.pk).exists()
    assert not any(p.exists() for p in paths[alone.pk])
    assert not (settings.MODELS_DIR / ("a" * 64)).exists()

    with committed():
        assert api.delete(f"/api/submissions/{shared.pk}/").status_code == 204
    assert Submission.objects.filter(owner=owner).get() == keeper
    archive, *runs = paths[shared.pk]
    assert archive.is_file() and (settings.MODELS_DIR / ("b" * 64) / "config.json").is_file()  # Keeper's
    assert not any(p.exists() for p in runs)
    assert QueryScore.objects.count() == 0


def test_another_user_gets_404_for_every_action_and_nothing_changes(owner, django_user_model, client):
    row = scored("Not yours", owner)
    client.force_login(django_user_model.objects.create_user("stranger", password="pw"))
    api = api_for(django_user_model.objects.get(username="stranger"))
    answers = {
        "edit page": client.get(f"/submissions/{row.pk}/edit/"),
        "edit": client.post(f"/submissions/{row.pk}/edit/", {"name": "Taken over", "is_public": "on"}),
        "withdraw": client.post(f"/submissions/{row.pk}/withdraw/"),
        "reinstate": client.post(f"/submissions/{row.pk}/reinstate/"),
        "delete page": client.get(f"/submissions/{row.pk}/delete/"),
        "delete": client.post(f"/submissions/{row.pk}/delete/"),
        "cancel": client.post(f"/submissions/{row.pk}/cancel/"),
        "api patch": api.patch(f"/api/submissions/{row.pk}/", {"name": "Taken over"}, format="json"),
        "api withdraw": api.post(f"/api/submissions/{row.pk}/withdraw/"),
        "api reinstate": api.post(f"/api/submissions/{row.pk}/reinstate/"),
        "api delete": api.delete(f"/api/submissions/{row.pk}/"),
    }
    assert {action: r.status_code for action, r in answers.items()} == {action: 404 for action in answers}
    row.refresh_from_db()
    assert (row.name, row.withdrawn_at, row.is_public) == ("Not yours", None, True)
    assert 'id="manage"' not in client.get(f"/submissions/{row.pk}/").content.decode()

    staff = django_user_model.objects.create_user("staff", is_staff=True)
    assert api_for(staff).post(f"/api/submissions/{row.pk}/withdraw/").status_code == 200


def test_actions_need_the_csrf_token(owner):
    row = scored("Guarded", owner)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(owner)
    assert strict.post(f"/submissions/{row.pk}/withdraw/").status_code == 403
    assert strict.post(f"/submissions/{row.pk}/delete/").status_code == 403
    assert Submission.objects.get(pk=row.pk).withdrawn_at is None


@pytest.mark.usefixtures("shipped_cache")
def test_every_action_reaches_the_cached_leaderboard_page(api, owner, committed):
    row = scored("Cached row", owner)
    visitor = Client()
    seen = []

    def after(action) -> str:
        """The anonymous, cached page after the action committed; the cache's data version changed."""
        visitor.get("/leaderboards/")  # cached under the current version
        version = cache.get(CACHE_VERSION_KEY)
        with committed():
            assert action().status_code in (200, 204)
        assert cache.get(CACHE_VERSION_KEY) != version
        seen.append(version)
        return visitor.get("/leaderboards/").content.decode()

    url = f"/api/submissions/{row.pk}/"
    assert "Renamed row" in after(lambda: api.patch(url, {"name": "Renamed row"}, format="json"))
    assert "Renamed row" not in after(lambda: api.patch(url, {"is_public": False}, format="json"))
    assert "Renamed row" in after(lambda: api.patch(url, {"is_public": True}, format="json"))
    assert "Renamed row" not in after(lambda: api.post(f"{url}withdraw/"))
    assert "Renamed row" in after(lambda: api.post(f"{url}reinstate/"))
    assert "Renamed row" not in after(lambda: api.delete(url))
    assert len(set(seen)) == len(seen)
