"""The `npl` converter on excerpts of the real doc-text, query-text and rlv-ass."""
import pytest

from datasets_registry.loaders.originals import CONVERTERS, Original, OriginalFormatError

DOCS = b"""\
1
compact memories have flexible capacities  a digital data storage
system with capacity up to bits and random and or sequential access
is described
   /
2
an electronic analogue computer for solving systems of linear equations
   /"""
QUERIES = b"1\nMEASUREMENT OF DIELECTRIC CONSTANT OF LIQUIDS BY THE USE OF MICROWAVE TECHNIQUES\n/\n2\nMATHEMATICAL " \
          b"ANALYSIS AND DESIGN DETAILS OF WAVEGUIDE FED MICROWAVE RADIATIONS\n/\n"
QRELS = b"1\n 1239  1502  4462\n 7923\n   /\n2\n  414  1894\n   /\n"


def convert(corpus=DOCS, queries=QUERIES, qrels=QRELS):
    inputs = {"corpus": Original("doc-text", corpus), "queries": Original("query-text", queries),
              "qrels": Original("rlv-ass", qrels)}
    return CONVERTERS["npl"].convert(inputs, {})


def test_blocks_ids_texts_and_judgments():
    collection = convert()
    assert collection.corpus == [
        {"_id": "1", "title": "", "text": "compact memories have flexible capacities  a digital data storage system "
                                          "with capacity up to bits and random and or sequential access is described"},
        {"_id": "2", "title": "", "text": "an electronic analogue computer for solving systems of linear equations"},
    ]
    assert collection.queries == [
        {"_id": "1", "text": "MEASUREMENT OF DIELECTRIC CONSTANT OF LIQUIDS BY THE USE OF MICROWAVE TECHNIQUES"},
        {"_id": "2", "text": "MATHEMATICAL ANALYSIS AND DESIGN DETAILS OF WAVEGUIDE FED MICROWAVE RADIATIONS"},
    ]
    assert collection.qrels == [("1", "1239", 1), ("1", "1502", 1), ("1", "4462", 1), ("1", "7923", 1),
                                ("2", "414", 1), ("2", "1894", 1)]


@pytest.mark.parametrize("corpus, qrels, message", [
    (DOCS + b"\n3\ntruncated document", QRELS, r"doc-text: the last block has no closing /"),
    (b"1\nfirst\n   /\nx1\nsome text\n   /\n", QRELS, r"doc-text:4: block id 'x1' is not a number"),
    (DOCS, b"1\n 1239 12a\n   /\n", r"rlv-ass: query 1: document id '12a' is not a number"),
    (DOCS, b"1\n 1239\n   /\n   /\n", r"rlv-ass:4: empty block"),
])
def test_malformed_blocks_are_named(corpus, qrels, message):
    with pytest.raises(OriginalFormatError, match=message):
        convert(corpus=corpus, qrels=qrels)
