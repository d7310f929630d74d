"""Fuzzed run files: whatever bytes come in, read_run gives a well-formed Run or a UserInputError, nothing else."""
from __future__ import annotations

import math
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runners.errors import UserInputError
from runners.trec_run import format_run, read_run

# Bounded and reproducible in CI: a fixed set of examples per test, no example database written to the checkout.
FUZZ = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
NAME = "fuzzed.trec"

# Tokens that sit at the edges of the parser: C numbers and what float() reads differently, whitespace that
# str.split() splits on (vertical tab, file separators, NBSP, U+2028), bytes that are not UTF-8.
SCORES = st.sampled_from([
    "1", "-0.5", "+.5", "1.", "1e5", "1E-5", "1e999", "-1e999", "nan", "NaN", "-inf", "Infinity", "1_5", "١", "0x10",
    "1e", ".", "", "--1", "1.5.5", "１", "9" * 400, "0." + "0" * 400 + "1", "1e-400", "inf5",
])
ODD_TEXT = st.sampled_from(["Q0", "q\x0bq", "d\x1cd", "\xa0", "\u2028", "\u3000", "é", "\x00", "\ufeff", "🙂", "#"])
TOKEN = st.one_of(SCORES, ODD_TEXT, st.text(max_size=6), st.integers(-3, 3).map(str))
SEPARATORS = st.sampled_from([" ", "\t", "  ", "\x0b", "\x0c", "\x1c", "\xa0", "\u2028", "\r"])
NEWLINES = st.sampled_from(["\n", "\r\n", "\r", "\n\n", "\x85"])


@st.composite
def run_file_text(draw) -> bytes:
    """Lines of (mostly) six tokens, fields drawn from the edge tokens above, joined by odd whitespace."""
    lines = []
    for _ in range(draw(st.integers(0, 8))):
        width = draw(st.sampled_from([6, 6, 6, 5, 7, 0, 1]))
        fields = [draw(TOKEN) for _ in range(width)]
        if width == 6 and draw(st.booleans()):  # a plausible line with one fuzzed field at most
            fields = [draw(st.sampled_from(["q1", "q2"])), "Q0", draw(st.sampled_from(["d1", "d2", "d1"])), "1",
                      draw(SCORES), "tag"]
        lines.append(draw(SEPARATORS).join(fields))
    text = "".join(line + draw(NEWLINES) for line in lines)
    data = text.encode("utf-8", errors="surrogatepass")
    if draw(st.booleans()):  # splice raw bytes in: invalid UTF-8, NULs, lone continuation bytes
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=8)) + data[at:]
    return data


def parse(data: bytes):
    """read_run on a file holding `data`: its Run, or the UserInputError it raised (anything else fails)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / NAME
        path.write_bytes(data)
        try:
            return read_run(path)
        except UserInputError as error:
            return error


def assert_run_or_user_error(outcome) -> None:
    if isinstance(outcome, UserInputError):
        assert str(outcome).startswith(NAME), f"the message must name the file: {outcome}"
        return
    assert isinstance(outcome, dict) and outcome, "a Run is a non-empty {qid: {docid: score}}"
    for qid, hits in outcome.items():
        assert isinstance(qid, str) and qid and not any(c.isspace() for c in qid)
        assert isinstance(hits, dict) and hits
        for doc_id, score in hits.items():
            assert isinstance(doc_id, str) and doc_id and not any(c.isspace() for c in doc_id)
            assert isinstance(score, float) and math.isfinite(score)


@FUZZ
@given(st.binary(max_size=2048))
def test_any_bytes_give_a_run_or_a_user_input_error(data):
    assert_run_or_user_error(parse(data))


@FUZZ
@given(run_file_text())
def test_line_shaped_input_gives_a_run_or_a_user_input_error(data):
    outcome = parse(data)
    assert_run_or_user_error(outcome)
    if not isinstance(outcome, UserInputError):
        # Only lines that split into six fields with a finite C-number score are ever accepted.
        for raw in data.split(b"\n"):  # the lines read_run iterates over
            fields = raw.decode("utf-8").split()
            if fields:
                assert len(fields) == 6 and math.isfinite(float(fields[4]))


IDS = st.text(st.characters(min_codepoint=33, max_codepoint=0x2FFF).filter(lambda c: not c.isspace()),
              min_size=1, max_size=12)


@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")  # scores past float32 range
@settings(FUZZ, max_examples=150)
@given(st.dictionaries(IDS, st.dictionaries(IDS, st.floats(allow_nan=False, allow_infinity=False), min_size=1,
                                            max_size=5), min_size=1, max_size=5))
def test_written_runs_read_back_exactly(run):
    assert parse(format_run(run).encode("utf-8")) == run
