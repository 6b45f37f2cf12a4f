"""The browser search's data for large directories: small files loaded on demand (issue 8).

Up to IOP_SEARCH_SHARD_THRESHOLD providers (default 500, i.e. a Massachusetts-size directory of a few hundred) the search keeps
the single lunr index of `search_index`. Above it, one lunr index would be megabytes (about 0.24 MB gzip per
1,000 providers), so the data is split the way Pagefind splits its index:

  search/data/manifest.json      document count, term-range shard keys, facet values with their counts;
  search/data/terms/<ab>.json    postings of every index term starting with <ab> (hex code points): [doc, score, doc, score, ...]
                                 (doc numbers delta-coded; scores x100 are BM25 without idf, which the worker
                                 computes from the posting count), lunr's tokenizer, stop words and stemmer;
  search/data/facets/<param>/<value>.json   the sorted doc numbers having that filter value (delta-coded);
  search/data/geo.json           the distinct map points, each with its doc numbers, and the statewide docs;
  search/data/docs/<n>.json      DOCS_PER_FILE result-card documents (same fields as docs.json).

Doc numbers follow name order, so "sort by name" is sorting by number. theme/static/js/search-worker.js fetches
and parses these in a Web Worker; a query loads only the term files of its words, the facet files of the chosen
filters, geo.json when it has a place, and the documents of the results on screen.
"""

import hashlib
import json
import re
from array import array
from bisect import bisect_left
from collections import defaultdict
from itertools import accumulate

from lunr import stemmer as lunr_stemmer
from lunr.stop_word_filter import WORDS as STOP_WORDS
from lunr.tokenizer import SEPARATOR_CHARS
from lunr.trimmer import full_re as TRIM

from . import search_index
from .jsontext import json_dumps

DEFAULT_THRESHOLD = 500
DOCS_PER_FILE = 1
INLINE_FACETS_MAX = 60_000  # characters of all facet files together: below it the worker loads all (exact counts)
K1, B = 1.2, 0.75


_SPLIT = re.compile("[%s]+" % re.escape(SEPARATOR_CHARS))
_TERMS = {}
_STOP = frozenset(STOP_WORDS)
_POSTINGS = {}  # documents fingerprint -> term files: the editions of one build share them


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


def shared_state():
    """The term files computed so far (the same for every edition), to hand to the next edition's process."""
    return dict(_POSTINGS)


def set_shared_state(state):
    _POSTINGS.clear()
    _POSTINGS.update(state)


def term_key(term: str) -> str:
    """The term file a term lives in: its first two characters as hex code points (safe in any file name)."""
    return "".join("%04x" % ord(c) for c in term[:2])


def _delta(numbers):
    out, last = [], 0
    for n in numbers:
        out.append(n - last)
        last = n
    return out


def build_sharded_search_files(records, views, vocab, places):
    """Yield (output path, data) for the sharded search (see the module docstring), one file at a time."""
    yield from edition_search_files(records, views, vocab, places)
    yield from shared_search_files(records, vocab, places)


def edition_search_files(records, views, vocab, places):
    """Yield the files made from an edition's views: places.json, the result-card documents and geo.json."""
    view_by_id = {v["id"]: v for v in views}
    ordered = _ordered(records)
    yield "search/data/places.json", search_index.places_data(places)

    # Result cards, and the map points and statewide docs of geo.json collected on the way.
    points = defaultdict(list)
    statewide = []
    chunk = []
    for n, record in enumerate(ordered):
        doc = search_index.store_document(record, view_by_id[record.id], vocab)
        if doc["statewide"]:
            statewide.append(n)
        for lat, lon, approx, town in doc["locations"]:
            points[(lat, lon, approx, town)].append(n)
        chunk.append(doc)
        if len(chunk) == DOCS_PER_FILE or n == len(ordered) - 1:
            yield "search/data/docs/%d.json" % (n // DOCS_PER_FILE), json_dumps(chunk)  # one encoder call
            chunk = []
    yield "search/data/geo.json", {
        "points": [[lat, lon, approx, town, _delta(sorted(set(numbers)))]
                   for (lat, lon, approx, town), numbers in sorted(points.items())],
        "statewide": _delta(statewide),
    }


def shared_search_files(records, vocab, places):
    """Yield the files that are a function of the records alone, the same in every edition: the term files, the
    filter lists and the manifest (build.py writes them once for editions built side by side)."""
    ordered = _ordered(records)
    # Text: BM25's per-document part over lunr's fields and boosts (document_scores).
    term_files = shared_term_files(records, vocab, places)
    yield from term_files.items()
    shard_keys = sorted(path.split("/")[-1][:-5] for path in term_files)

    # Filters: the sorted doc numbers of each value.
    facet_docs = defaultdict(lambda: defaultdict(list))
    for n, record in enumerate(ordered):
        for param, values in search_index.filter_values(record, vocab).items():
            for value in values or ():
                facet_docs[param][value].append(n)
    facets = {}
    facet_size = 0
    for param in search_index.FILTER_PARAMS:
        facets[param] = {}
        for value, numbers in sorted(facet_docs[param].items()):
            facets[param][value] = len(numbers)
            yield "search/data/facets/%s/%s.json" % (param, value), _delta(numbers)
            facet_size += 6 * len(numbers)
    yield "search/data/manifest.json", {
        "version": 3, "count": len(ordered), "docs_per_file": DOCS_PER_FILE, "terms": shard_keys,
        "facets": facets, "load_all_facets": facet_size <= INLINE_FACETS_MAX,
    }


def _ordered(records):
    """Records in result order (by name, as the directory lists them): a record's doc number is its place here."""
    return sorted(records, key=lambda r: (r.data["name"].lower(), r.id))


def shared_term_files(records, vocab, places):
    """Return the term files of `records` (a function of the records only), computed once per build.

    Called by each edition built one after another (the first computes them, the others find them here) and by
    build.py while editions built side by side render (then it writes them into every edition itself).
    Records from the build cache are told apart by their content keys (which cover the record, the vocabularies
    and the place table); others by their search documents, which then have to be made first.
    """
    ordered = _ordered(records)
    documents = None
    if all(r.content_key for r in ordered):
        fingerprint = "k" + hashlib.sha256("\n".join(r.content_key for r in ordered).encode()).hexdigest()
    else:
        documents = [search_index.index_document(r, vocab, places) for r in ordered]
        digest = hashlib.sha256()
        for document in documents:
            digest.update(json.dumps(document, sort_keys=True).encode() + b"\n")
        fingerprint = "d" + digest.hexdigest()
    if fingerprint not in _POSTINGS:
        if documents is None:
            documents = [search_index.index_document(r, vocab, places) for r in ordered]
        _POSTINGS.clear()
        _POSTINGS[fingerprint] = _term_files(documents)
    return _POSTINGS[fingerprint]


# Typical token counts per field, from the Massachusetts records (providers/, 2026-11): BM25's length
# normalisation compares a field with these fixed lengths instead of the directory's averages, so one record's
# scores depend on that record alone and a rebuild changes only the term files of its own words.
FIELD_LENGTHS = {"name": 4, "town": 1, "programs": 11, "focus": 93, "modalities": 111, "populations": 11,
                 "insurance": 3, "languages": 1, "levels": 49, "schedule": 22, "description": 23}


def document_scores(document):
    """Return {term: score} of one search document: BM25's term-frequency part over lunr's fields and boosts
    (the worker multiplies by the term's idf, from its posting count and the document count)."""
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


def encode_postings(pairs):
    """[doc delta, score, ...] of [(doc, score), ...] in doc order."""
    flat, last = [], 0
    for doc, score in pairs:
        flat += [doc - last, score]
        last = doc
    return flat


def _set_postings(parts, moves):
    """Set (score) or remove (None) each (doc, score) of `moves` in a term's postings, given as the texts of its
    numbers [doc delta, score, ...] (only the numbers around a change are rewritten: a common term's list holds
    tens of thousands at national size)."""
    for doc, score in moves:
        docs = list(accumulate(map(int, parts[0::2])))
        i = bisect_left(docs, doc)
        at, previous = 2 * i, docs[i - 1] if i else 0
        present = i < len(docs) and docs[i] == doc
        if present and score is not None:
            parts[at + 1] = str(score)
        elif present:
            if i + 1 < len(docs):
                parts[at + 2] = str(docs[i + 1] - previous)
            del parts[at: at + 2]
        elif score is not None:
            if i < len(docs):
                parts[at] = str(docs[i] - doc)
            parts[at:at] = [str(doc - previous), str(score)]


# A key of a term file: a JSON string after "{" or "," and before "[" (postings hold numbers only, so no other
# text of the file looks like this).
_TERM_KEYS = re.compile(r'[{,]("(?:[^"\\]|\\.)*"):\[')


def update_term_file(text, updates):
    """The text of a term file with {term: [(doc, score or None)]} applied, or None when no term is left; only
    those terms' postings are read and written again, a term that comes or goes is put in or cut out of the text
    (a common first two letters' file is close to 1 MB at national size: decoding it took a tenth of a patch)."""
    if not text:
        return _rewritten_term_file(text, updates)
    keys, edits = None, []  # edits: (start, end, new text)
    for term in sorted(updates):
        marker = json_dumps(term) + ":["
        at = text.find(marker)
        parts = []
        if at >= 0 and text[at - 1] not in "{,":  # not a key: no such file is written, but be sure
            return _rewritten_term_file(text, updates)
        if at >= 0:
            start = at + len(marker)
            end = text.index("]", start)
            parts = text[start:end].split(",") if end > start else []
            _set_postings(parts, updates[term])
            if parts:
                edits.append((start, end, ",".join(parts)))
            elif text[end + 1] == ",":  # the term leaves the file, with the comma after it
                edits.append((at, end + 2, ""))
            else:  # the last term leaves, with the comma before it
                edits.append((at - 1 if text[at - 1] == "," else at, end + 1, ""))
            continue
        _set_postings(parts, updates[term])
        if not parts:
            continue
        if keys is None:
            keys = list(_TERM_KEYS.finditer(text))
        i = bisect_left(keys, term, key=lambda match: json.loads(match.group(1)))  # the keys are sorted
        entry = marker + ",".join(parts) + "]"
        at = keys[i].start(1) if i < len(keys) else len(text) - 1
        edits.append((at, at, entry + "," if i < len(keys) else "," + entry))
    edits.sort(key=lambda edit: edit[:2])
    pieces, position = [], 0
    for start, end, new in edits:
        if start < position:  # a term cut out where another is put in
            return _rewritten_term_file(text, updates)
        pieces += [text[position:start], new]
        position = end
    pieces.append(text[position:])
    out = "".join(pieces)
    return None if out == "{}" else out


def _rewritten_term_file(text, updates):
    """update_term_file, decoding and encoding the whole file (for terms that come or go)."""
    shard = json.loads(text) if text else {}
    for term, moves in updates.items():
        parts = [str(n) for n in shard.get(term, ())]
        _set_postings(parts, moves)
        if parts:
            shard[term] = [int(n) for n in parts]
        else:
            shard.pop(term, None)
    return json_dumps(shard) if shard else None


def encode_shard(postings):
    """The text of one term file from {term: [(doc, score), ...] in doc order}."""
    return json_dumps({term: encode_postings(pairs) for term, pairs in postings.items()})


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
