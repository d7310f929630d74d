"""The `smart-glasgow` converter on excerpts of the real originals (Cranfield, CACM, MEDLINE)."""
import pytest

from datasets_registry.loaders.originals import CONVERTERS, Original, OriginalFormatError

CRANFIELD_DOCS = b"""\
.I 1
.T
experimental investigation of the aerodynamics of a
wing in a slipstream .
.A
brenckman,m.
.B
j. ae. scs. 25, 1958, 324.
.W
experimental investigation of the aerodynamics of a
wing in a slipstream .
  an experimental study of a wing in a propeller slipstream was
made in order to determine the spanwise distribution of the lift
.I 471
.T
.A
.B
.W
.I 576
.T
viscous and inviscid stagnation flow in a dissociated hypervelocity free
 stream .
.A
inger, g.r.
.B
proc. 1962. heat transfer and fluid mech. inst .
.W
viscous and inviscid stagnation flow in a dissociated hypervelocity free
 stream .
.W
from stall of adjacent stages .
"""
CRANFIELD_QUERIES = (b".I 001\r\n.W\r\nwhat similarity laws must be obeyed when constructing aeroelastic models\r\n"
                     b"of heated high speed aircraft .\r\n.I 002\r\n.W\r\nwhat are the structural and aeroelastic "
                     b"problems associated with flight\r\nof high speed aircraft .\r\n")
CRANFIELD_QRELS = b"1 184 2 \n1 29 3 \n2 12 1 \n2 1188 -1"
CRANFIELD_OPTIONS = {"doc_metadata": {"A": "author", "B": "bib"}, "renumber_queries": True,
                     "qrels": {"query": 0, "doc": 1, "score": 2},
                     "relevance": {"1": 4, "2": 3, "3": 2, "4": 1, "-1": 0}}


def convert(corpus: bytes, queries: bytes, qrels: bytes, options: dict, names=("all", "qry", "rel")):
    inputs = {role: Original(name, data) for role, name, data in zip(("corpus", "queries", "qrels"), names,
                                                                     (corpus, queries, qrels))}
    return CONVERTERS["smart-glasgow"].convert(inputs, options)


def test_cranfield_fields_repeated_fields_empty_record_renumbered_queries_and_relevance_codes():
    collection = convert(CRANFIELD_DOCS, CRANFIELD_QUERIES, CRANFIELD_QRELS, CRANFIELD_OPTIONS)
    assert collection.corpus == [
        {"_id": "1", "title": "experimental investigation of the aerodynamics of a wing in a slipstream .",
         "text": "experimental investigation of the aerodynamics of a wing in a slipstream . an experimental study "
                 "of a wing in a propeller slipstream was made in order to determine the spanwise distribution of "
                 "the lift",
         "metadata": {"author": "brenckman,m.", "bib": "j. ae. scs. 25, 1958, 324."}},
        {"_id": "471", "title": "", "text": "", "metadata": {"author": "", "bib": ""}},
        {"_id": "576", "title": "viscous and inviscid stagnation flow in a dissociated hypervelocity free stream .",
         "text": "viscous and inviscid stagnation flow in a dissociated hypervelocity free stream . from stall of "
                 "adjacent stages .",
         "metadata": {"author": "inger, g.r.", "bib": "proc. 1962. heat transfer and fluid mech. inst ."}},
    ]
    assert collection.queries == [
        {"_id": "1", "text": "what similarity laws must be obeyed when constructing aeroelastic models of heated "
                             "high speed aircraft .", "metadata": {"original_id": "001"}},
        {"_id": "2", "text": "what are the structural and aeroelastic problems associated with flight of high "
                             "speed aircraft .", "metadata": {"original_id": "002"}},
    ]
    assert collection.qrels == [("1", "184", 3), ("1", "29", 2), ("2", "12", 4), ("2", "1188", 0)]


CACM_DOCS = b"""\
.I 1
.T
Preliminary Report-International Algebraic Language
.B
CACM December, 1958
.A
Perlis, A. J.
Samelson,K.
.N
CA581203 JB March 22, 1978  8:28 PM
.X
100\t5\t1
123\t5\t1
.I 2
.T
Extraction of Roots by Repeated Subtractions for Digital Computers
.W
Some of the methods of finding roots are
described.
.B
CACM December, 1958
.K
roots, subtraction
.N
CA581202 JB March 22, 1978  8:29 PM
"""
# query.text ends each record with a line holding one space (\x20 here).
CACM_QUERIES = b"""\
.I 1
.W
 What articles exist which deal with TSS (Time Sharing System), an
operating system for IBM computers?
.N
 1. Richard Alexander, Comp Serv, Langmuir Lab (TSS)
\x20
.I 2
.W
 I am interested in articles written either by Prieve or Udo Pooch
.A
Prieve, B.
Pooch, U.
.N
 2. Richard Alexander, Comp Serv, Langmuir Lab (author = Pooch or Prieve)
\x20

.I 0
"""
CACM_QRELS = b"01 1410  0 0\n02 2  0 0\n"
CACM_OPTIONS = {"doc_metadata": {"A": "author", "B": "bib", "K": "keywords"},
                "query_metadata": {"N": "author_note", "A": "author"}}


def test_cacm_metadata_in_catalog_order_dropped_fields_and_the_bare_trailing_record():
    collection = convert(CACM_DOCS, CACM_QUERIES, CACM_QRELS, CACM_OPTIONS)
    assert collection.corpus == [
        {"_id": "1", "title": "Preliminary Report-International Algebraic Language", "text": "",
         "metadata": {"author": "Perlis, A. J. Samelson,K.", "bib": "CACM December, 1958"}},
        {"_id": "2", "title": "Extraction of Roots by Repeated Subtractions for Digital Computers",
         "text": "Some of the methods of finding roots are described.",
         "metadata": {"bib": "CACM December, 1958", "keywords": "roots, subtraction"}},
    ]
    assert [q["_id"] for q in collection.queries] == ["1", "2"]  # `.I 0` holds nothing: dropped
    assert collection.queries[1] == {
        "_id": "2", "text": "I am interested in articles written either by Prieve or Udo Pooch",
        "metadata": {"author_note": "2. Richard Alexander, Comp Serv, Langmuir Lab (author = Pooch or Prieve)",
                     "author": "Prieve, B. Pooch, U."}}
    assert collection.qrels == [("1", "1410", 1), ("2", "2", 1)]


def test_medline_without_titles_or_metadata_and_trec_qrels_columns():
    docs = (b".I 1\r\n.W\r\ncorrelation between maternal and fetal plasma levels of glucose and free\r\n"
            b"fatty acids .                                                           \r\n"
            b"  correlation coefficients have been determined between the levels of   \r\n")
    queries = b".I 1\r\n.W\r\n the crystalline lens in vertebrates, including humans.\r\n"
    collection = convert(docs, queries, b"1 0 1 1\n", {"qrels": {"query": 0, "doc": 2, "score": 3}})
    assert collection.corpus == [{"_id": "1", "title": "", "text": "correlation between maternal and fetal plasma "
                                  "levels of glucose and free fatty acids . correlation coefficients have been "
                                  "determined between the levels of"}]
    assert collection.queries == [{"_id": "1", "text": "the crystalline lens in vertebrates, including humans."}]
    assert collection.qrels == [("1", "1", 1)]


@pytest.mark.parametrize("corpus, queries, qrels, message", [
    (CRANFIELD_DOCS, CRANFIELD_QUERIES, b"1 184 2\n1 29 5\n", r"rel:2: relevance code '5' is not in"),
    (CRANFIELD_DOCS, CRANFIELD_QUERIES, b"1 184\n", r"rel:1: expected at least 3 columns"),
    (CRANFIELD_DOCS, b"what similarity laws\n.I 001\n.W\nx\n", CRANFIELD_QRELS, r"qry:1: text outside any field"),
    (CRANFIELD_DOCS, b".W\nx\n", CRANFIELD_QRELS, r"qry:1: field .W before the first .I"),
    (b".I 1a\n.W\nx\n", CRANFIELD_QUERIES, CRANFIELD_QRELS, r"all: id '1a' is not an integer"),
    (CRANFIELD_DOCS, CRANFIELD_QUERIES, b"1 184 2\n\xff", r"rel: not UTF-8"),
])
def test_malformed_originals_name_the_file_and_line(corpus, queries, qrels, message):
    with pytest.raises(OriginalFormatError, match=message):
        convert(corpus, queries, qrels, CRANFIELD_OPTIONS)
