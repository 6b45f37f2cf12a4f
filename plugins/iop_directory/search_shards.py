"""The browser search's data for large directories: small files loaded on demand (issue 8).

Up to SEARCH_SHARD_THRESHOLD providers (site_data.py: 500, far above a Massachusetts-size directory) the search
keeps the lunr indexes of `search_index`. Above it, one index would be megabytes, so the text is split the way
Pagefind splits its index:

  search/data/manifest.json      document count, documents per file, the term files there are;
  search/data/terms/<ab>.json    postings of every index term starting with <ab> (hex code points): [doc, score, doc, score, ...]
                                 (doc numbers delta-coded; scores x100 are BM25 without idf, which search.js
                                 computes from the posting count);
  search/data/filters.json       per document, in result order, what the filters and distances read (the
                                 document store's entries without the card's words);
  search/data/places.json        the place table (search_index.places_data);
  search/data/docs/<n>.json      DOCS_PER_FILE result-card documents (as in docs.json), per edition.

Doc numbers follow name order, so "sort by name" is sorting by number. theme/static/js/search.js loads the term
files of a query's words and the documents of the results on screen; the filters, distances and groups are the
same code as for the lunr indexes.
"""

import re
from array import array
from collections import defaultdict

from lunr import stemmer as lunr_stemmer
from lunr.stop_word_filter import WORDS as STOP_WORDS
from lunr.tokenizer import SEPARATOR_CHARS
from lunr.trimmer import full_re as TRIM

from . import search_index
from .jsontext import json_dumps

DOCS_PER_FILE = 1
K1, B = 1.2, 0.75


_SPLIT = re.compile("[%s]+" % re.escape(SEPARATOR_CHARS))
_TERMS = {}
_STOP = frozenset(STOP_WORDS)


def _term(word):
    """lunr's pipeline for one word (trimmer, stop words, Porter stemmer), memoised; None for a stop word."""
    found = _TERMS.get(word, False)
    if found is False:
        match = TRIM.match(word)
        trimmed = match.group(1) if match else word
        found = None if not trimmed or trimmed in _STOP else lunr_stemmer.porter_stemmer.stem(trimmed)
        _TERMS[word] = found
    return found


def _tokens(text):
    """The terms of a text as lunr's tokenizer and pipeline make them (lower case, split on spaces and hyphens)."""
    known, terms = _TERMS, []
    for word in _SPLIT.split(str(text or "").lower()):
        if word:
            term = known.get(word, False)
            if term is False:
                term = _term(word)
            if term:
                terms.append(term)
    return terms


def term_key(term: str) -> str:
    """The term file a term lives in: its first two characters as hex code points (safe in any file name)."""
    return "".join("%04x" % ord(c) for c in term[:2])


def shared_search_files(records, vocab, places, filter_docs):
    """{output path: text} of the files that are a function of the records alone, the same in every edition:
    the term files, the manifest, the filter data (`filter_docs`: search_index.filter_documents) and the place
    table. Made once per build (site_data.py)."""
    ordered = search_index.in_result_order(records)
    term_files = _term_files([search_index.index_document(r, vocab, places) for r in ordered])
    return {
        **term_files,
        "search/data/manifest.json": json_dumps({
            "version": 4, "count": len(ordered), "docs_per_file": DOCS_PER_FILE,
            "terms": sorted(path.split("/")[-1][:-5] for path in term_files)}),
        "search/data/filters.json": json_dumps(filter_docs),
        "search/data/places.json": json_dumps(search_index.places_data(places)),
    }


def edition_search_files(records, views, filter_docs):
    """Yield (output path, text) of the edition's result-card documents, DOCS_PER_FILE a file."""
    docs = search_index.edition_docs(records, views, filter_docs)
    for start in range(0, len(docs), DOCS_PER_FILE):
        yield "search/data/docs/%d.json" % (start // DOCS_PER_FILE), json_dumps(docs[start:start + DOCS_PER_FILE])


# Typical token counts per field, from the Massachusetts records (providers/, 2026-11): BM25's length
# normalisation compares a field with these fixed lengths instead of the directory's averages, so one record's
# scores depend on that record alone.
FIELD_LENGTHS = {"name": 4, "town": 1, "programs": 11, "focus": 93, "modalities": 111, "populations": 11,
                 "insurance": 3, "languages": 1, "levels": 49, "schedule": 22, "description": 23}


def document_scores(document):
    """Return {term: score} of one search document: BM25's term-frequency part over lunr's fields and boosts
    (search.js multiplies by the term's idf, from its posting count and the document count)."""
    summed = {}
    for field, boost in search_index.INDEX_FIELDS:
        text = document[field]
        if field in _OWN_WORDS:
            parts = _field_scores(field, boost, text)
        else:  # vocabulary names, towns, schedule words: a few thousand distinct texts however many providers
            key = (field, text)
            parts = _FIELD_SCORES.get(key)
            if parts is None:
                parts = _field_scores(field, boost, text)
                if len(_FIELD_SCORES) < _FIELD_SCORES_MAX:
                    _FIELD_SCORES[key] = parts
        for term, score in parts:
            summed[term] = summed.get(term, 0.0) + score
    return {term: max(1, round(score * 100)) for term, score in summed.items()}


_OWN_WORDS = frozenset({"name", "programs", "description"})  # the provider's own text: rarely the same twice
_FIELD_SCORES = {}
_FIELD_SCORES_MAX = 20_000  # about 1 KB each: the texts that repeat are met early


def _field_scores(field, boost, text):
    """((term, score), ...) of one field's text: its part of document_scores, a function of the text alone."""
    tokens = _tokens(text)
    counts = defaultdict(int)
    for token in tokens:
        counts[token] += 1
    norm = K1 * (1 - B + B * len(tokens) / FIELD_LENGTHS[field])
    return tuple((term, boost * tf * (K1 + 1) / (tf + norm)) for term, tf in counts.items())


def encode_shard(postings):
    """The text of one term file from {term: [(doc, score), ...] in doc order}: [doc delta, score, ...] each."""
    encoded = {}
    for term, pairs in postings.items():
        flat, last = [], 0
        for doc, score in pairs:
            flat += [doc - last, score]
            last = doc
        encoded[term] = flat
    return json_dumps(encoded)


def _term_files(documents):
    """Return {terms/<key>.json path: text}: each term's postings [doc delta, score x100, ...] (document_scores).

    Postings grow in doc order in compact arrays, one document's terms at a time (at 20,000 providers a dict of
    per-document scores per term took about 300 MB); a term file is encoded as soon as its terms are complete
    (sorted terms with the same first two characters are neighbours).
    """
    docs, scores = defaultdict(lambda: array("i")), defaultdict(lambda: array("i"))
    for n, document in enumerate(documents):
        for term, score in document_scores(document).items():
            docs[term].append(n)
            scores[term].append(score)
    files, shard, key = {}, {}, None
    for term in sorted(docs):
        if term_key(term) != key:
            if shard:
                files["search/data/terms/%s.json" % key] = encode_shard(shard)
            shard, key = {}, term_key(term)
        shard[term] = list(zip(docs.pop(term), scores.pop(term)))
    if shard:
        files["search/data/terms/%s.json" % key] = encode_shard(shard)
    # Kept as text: every edition writes the same files, and text is a tenth of the memory of the lists.
    return files
