"""TREC run files: writing, reading back, and precise errors for malformed input."""
import pytest

from runners.errors import UserInputError
from runners.trec_run import read_run, trec_order, truncate, write_run


def write_bytes(tmp_path, content: bytes, name: str = "run.txt"):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_round_trip(tmp_path):
    run = {
        "2": {"d1": 1.5, "d10": 1.5, "d9": 1.5, "x": -0.25},
        "10": {"only": 0.1 + 0.2},  # not representable in 6 decimals: the round trip must be exact
    }
    path = tmp_path / "run.txt"
    write_run(run, path, tag="mine")
    assert read_run(path) == run
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].split() == ["10", "Q0", "only", "1", repr(0.1 + 0.2), "mine"]
    # Ties are written in trec_eval's order (doc id descending) with consecutive ranks.
    assert [line.split()[2:4] for line in lines[1:]] == [["d9", "1"], ["d10", "2"], ["d1", "3"], ["x", "4"]]


def test_reads_any_whitespace_and_skips_blank_lines(tmp_path):
    path = write_bytes(tmp_path, b"q1\tQ0\td1\t1\t0.5\ttag\n\n   \nq1 Q0 d2 2 0.25 tag")
    assert read_run(path) == {"q1": {"d1": 0.5, "d2": 0.25}}


def test_trec_order_breaks_ties_by_doc_id_descending_as_strings():
    assert trec_order({"9": 1.0, "10": 1.0, "100": 2.0, "2": 0.5}) == [
        ("100", 2.0), ("9", 1.0), ("10", 1.0), ("2", 0.5)
    ]


def test_truncate_keeps_the_top_in_trec_order():
    assert truncate({"q": {"a": 1.0, "b": 1.0, "c": 3.0}}, 2) == {"q": {"c": 3.0, "b": 1.0}}


@pytest.mark.parametrize(
    "content, message",
    [
        (b"q1 Q0 d1 1 0.5 tag\nq1 Q0 d2 2 0.4\n", "run.txt:2: expected 6 columns 'qid Q0 docid rank score tag', got 5"),
        (b"q1 Q0 d1 1 high tag\n", "run.txt:1: score 'high' is not a number"),
        (b"q1 Q0 d1 1 0.5 tag\n\nq1 Q0 d2 2 nan tag\n", "run.txt:3: score must be finite, got nan"),
        (b"q1 Q0 d1 1 -inf tag\n", "run.txt:1: score must be finite, got -inf"),
        (b"q1 Q0 d1 1 0.5 tag\nq1 Q0 d1 2 0.4 tag\n", "run.txt:2: document d1 listed twice for query q1"),
        (b"q1 Q0 d1 1 0.5 tag\nq1 Q0 d\xe9 2 0.4 tag\n", "run.txt:2: not UTF-8 text"),
        (b"", "run.txt: the run file is empty"),
        (b"\n  \n", "run.txt: the run file is empty"),
    ],
    ids=["columns", "not-a-number", "nan", "infinite", "duplicate", "not-utf8", "empty", "blank"],
)
def test_malformed_files_name_the_line(tmp_path, content, message):
    with pytest.raises(UserInputError) as raised:
        read_run(write_bytes(tmp_path, content))
    assert str(raised.value) == message


def test_same_doc_under_two_queries_is_fine(tmp_path):
    path = write_bytes(tmp_path, b"q1 Q0 d1 1 0.5 tag\nq2 Q0 d1 1 0.5 tag\n")
    assert read_run(path) == {"q1": {"d1": 0.5}, "q2": {"d1": 0.5}}


@pytest.mark.parametrize("score", ["1_5", "٣", "1.5abc", "0x10", "--1"])
def test_scores_that_trec_eval_would_read_differently_are_refused(tmp_path, score):
    path = tmp_path / "run.trec"
    path.write_text(f"q1 Q0 d1 1 {score} tag\n", encoding="utf-8")
    with pytest.raises(UserInputError, match=r"run.trec:1: score .* is not a number$"):
        read_run(path)


@pytest.mark.parametrize("score, value", [("12", 12.0), ("-0.25", -0.25), ("3e-4", 3e-4), (".5", 0.5), ("+2.", 2.0)])
def test_scores_in_c_notation_are_read(tmp_path, score, value):
    path = tmp_path / "run.trec"
    path.write_text(f"q1 Q0 d1 1 {score} tag\n")
    assert read_run(path) == {"q1": {"d1": value}}
