"""Model metadata on the board: embedding dimension, max tokens, licence, open weights (never for run files)."""
import re

import pytest

from leaderboard.models import Family, Source
from tests.integration.leaderboard import factories as f

pytestmark = pytest.mark.django_db
SCORES = [0.2, 0.4, 0.6, 0.8]


@pytest.fixture(autouse=True)
def rows():
    data = f.dataset("bench/d0")
    f.result(f.submission("Encoder", embedding_dim=768, params={"max_length": 512}, licence="Apache-2.0"), data,
             SCORES)
    # open_weights keeps the model's default (True): a run file must not claim it all the same.
    f.result(f.submission("Uploaded runs", family=Family.RUN_FILE, source=Source.RUN_FILE, n_parameters=None,
                          licence=""), data, SCORES[::-1], timings={})


def cells(page: str, slug: str) -> dict[str, str]:
    row = re.search(rf'<tr data-slug="{slug}".*?</tr>', page, re.S).group(0)
    return dict(re.findall(r'<td class="(dim|max-tokens|licence|open-weights)">([^<]*)</td>', row))


def test_metadata_columns(client):
    page = client.get("/leaderboards/bench/").content.decode()
    assert cells(page, "encoder") == {"dim": "768", "max-tokens": "512", "licence": "Apache-2.0",
                                      "open-weights": "yes"}
    assert cells(page, "uploaded-runs") == {"dim": "–", "max-tokens": "–", "licence": "not stated",
                                            "open-weights": "no"}


def test_a_run_file_row_never_counts_as_open_weights(client):
    def slugs(query: str) -> list[str]:
        return [r["submission"] for r in client.get(f"/api/leaderboards/bench/?{query}").json()["rows"]]

    assert slugs("open_weights=yes") == ["encoder"] and slugs("open_weights=no") == ["uploaded-runs"]
    rows = {r["submission"]: r for r in client.get("/api/leaderboards/bench/").json()["rows"]}
    assert rows["uploaded-runs"]["open_weights"] is False and rows["encoder"]["open_weights"] is True
    assert (rows["encoder"]["embedding_dim"], rows["encoder"]["max_tokens"]) == (768, 512)
    assert client.get("/models/uploaded-runs/export.json").json()["open_weights"] is False
    assert client.get("/models/encoder/export.json").json()["open_weights"] is True
    header = client.get("/leaderboards/bench/export.csv").content.decode().splitlines()[0].split(",")
    assert header[6:10] == ["n_parameters", "embedding_dim", "max_tokens", "licence"]
