"""Synonym and stop-word lookups as TensorFlow ops.

The shipped thesaurus (``assets/wordnet_synonyms.tsv.gz``, built by
``scripts/build_thesaurus.py`` from WordNet 3.0; licence in
``assets/WORDNET-LICENSE.txt``) is sense-aware: a word is replaced only by
lemmas of its frequent senses (at most its 3 most frequent senses, each
holding at least 10% of the word's tagged occurrences in WordNet's sense
counts), and only by lemmas for which that sense is frequent too. So
``great`` gives ``large``, ``big``, ``important`` or ``extraordinary``, never
``gravid``; ``make`` gives ``do`` or ``create``, never ``urinate``.

Three filters are applied when a thesaurus is loaded (all on by default):

* decency: no synonym from a synset in WordNet's usage domains obscenity,
  slang, ethnic slur or disparagement, no lemma that appears in any of them
  (``assets/wordnet_usage_domains.tsv``; this also drops innocent lemmas
  such as ``boy`` or ``black``), and no synonym in the block list
  (:data:`BLOCK_LIST`, ``assets/block_list.txt``, a synonym being blocked
  when it or any of its words is listed);
* stop words: no synonym is a stop word (:data:`STOP_WORDS`), and stop words
  are never replaced;
* part of speech (``same_pos=True``, off by default): only synonyms from
  senses in the word's most frequent part of speech, a tagger-free cue
  ("love" is mostly a verb, so its noun senses are left out).

The table is loaded into a ``tf.lookup`` hash table plus two index vectors
and one flat string vector, so looking a word up and drawing one of its
synonyms are graph ops, with no Python on the data path.

A user thesaurus file is UTF-8 text, optionally gzip-compressed (``.gz``),
one word per line: ``word<TAB>synonym|synonym|...`` (synonyms may also be
separated by further tabs). Lines starting with ``#`` are comments. The
decency and stop-word filters apply to it too.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import NamedTuple

import tensorflow as tf

_ASSETS = Path(__file__).resolve().parents[1] / "assets"
SHIPPED_THESAURUS = _ASSETS / "wordnet_synonyms.tsv.gz"
USAGE_DOMAINS_FILE = _ASSETS / "wordnet_usage_domains.tsv"
BLOCK_LIST_FILE = _ASSETS / "block_list.txt"
# The first line of a sense-aware thesaurus file (the shipped format).
_SENSE_HEADER = "# keras_augment sense thesaurus"

#: English function words and light verbs that synonym replacement and
#: insertion neither replace nor produce.
STOP_WORDS: tuple[str, ...] = tuple(
    """
    a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each either few for from further had hadn't has hasn't
    have haven't having he he'd he'll he's her here here's hers herself him himself his how
    how's i i'd i'll i'm i've if in into is isn't it it's its itself just let's me might more
    most must mustn't my myself neither no nor not now of off on once only or other ought our
    ours ourselves out over own same shall shan't she she'd she'll she's should shouldn't so
    some such than that that's the their theirs them themselves then there there's these they
    they'd they'll they're they've this those through to too under until up upon us very was
    wasn't we we'd we'll we're we've were weren't what what's when when's where where's which
    while who who's whom why why's will with won't would wouldn't yet you you'd you'll you're
    you've your yours yourself yourselves also ever every may much many whether within without
    get gets got gotten getting make makes made making go goes went gone going take takes took
    taken taking come comes came coming give gives gave given giving put puts let lets say
    says said saying tell tells told know knows knew known see sees saw seen seem seems seemed
    become becomes became keep keeps kept like likes liked thing things way lot lots well
    still even back really quite one two
    """.split()
)


def inflected_forms(words: Iterable[str]) -> dict[str, str]:
    """``{form: lemma}`` for every non-word that WordNet's suffix rules take to one of ``words``.

    A form ends with a rule's suffix and its stem (the suffix replaced) is
    one of the words; the first rule in :data:`_DETACHMENTS` order whose stem
    is a word decides the lemma, as WordNet's ``morphy`` does: going through
    the rules in that order, a form keeps the lemma of the first rule that
    made it. Words with edge punctuation ("dr.") make no forms.
    """
    plain = [w for w in words if w[:1].isalnum() and w[-1:].isalnum()]
    forms: dict[str, str] = {}
    for suffix, ending in _DETACHMENTS:
        cut = len(ending)
        made = {w[: len(w) - cut] + suffix: w for w in plain if len(w) > cut and w.endswith(ending)}
        forms = made | forms  # earlier rules win
    return forms


def _read_word_list(path: Path) -> tuple[str, ...]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return tuple(line.split("\t")[0].strip() for line in lines if line and line[0] != "#")


#: The shipped block list of profanity and slurs (``assets/block_list.txt``).
BLOCK_LIST: tuple[str, ...] = _read_word_list(BLOCK_LIST_FILE)

# WordNet's "morphy" detachment rules (suffix, replacement), tried in order
# when a word is not a key itself: "dogs" finds "dog", "running" finds "run".
_DETACHMENTS = (
    ("ies", "y"),
    ("ses", "s"),
    ("xes", "x"),
    ("zes", "z"),
    ("ches", "ch"),
    ("shes", "sh"),
    ("men", "man"),
    ("es", "e"),
    ("es", ""),
    ("s", ""),
    ("ed", "e"),
    ("ed", ""),
    ("ing", "e"),
    ("ing", ""),
    ("est", "e"),
    ("est", ""),
    ("er", "e"),
    ("er", ""),
)


class _Entry(NamedTuple):
    """One synonym of a word: its part of speech and usage domain when known."""

    synonym: str
    pos: str | None = None
    domain: str | None = None


def _read_entries(data: bytes, path: Path) -> tuple[dict[str, list[_Entry]], dict[str, str]]:
    """Parses a thesaurus file: ``{word: [_Entry]}`` and ``{word: main part of speech}``."""
    text = gzip.decompress(data) if path.suffix == ".gz" else data
    lines = text.decode("utf-8").splitlines()
    entries: dict[str, list[_Entry]] = {}
    main_pos: dict[str, str] = {}
    if lines and lines[0].startswith(_SENSE_HEADER):
        for number, line in enumerate(lines, 1):
            if not line or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) != 7:
                raise ValueError(f"{path}:{number}: expected 7 tab-separated fields.")
            word, pos, _, synset, _, domain, synonyms = fields
            domain = None if domain == "-" else domain
            main_pos[word] = pos
            entries.setdefault(word, []).extend(
                _Entry(synonym, synset[0], domain) for synonym in synonyms.split("|") if synonym
            )
        return entries, main_pos
    for number, line in enumerate(lines, 1):
        if not line or line.startswith("#"):
            continue
        word, tab, rest = line.partition("\t")
        if not tab:
            # The line number only: the file may not be a thesaurus at all,
            # and its contents are not ours to echo.
            raise ValueError(
                f"{path}:{number}: expected 'word<TAB>synonym|synonym|...' on every line."
            )
        entries.setdefault(word, []).extend(
            _Entry(s) for s in rest.replace("\t", "|").split("|") if s
        )
    return entries, main_pos


def read_thesaurus_file(path: str | os.PathLike) -> dict[str, list[str]]:
    """Reads a thesaurus file (see the module docstring) into ``{word: [synonyms]}``.

    Every synonym the file holds, unfiltered; :func:`thesaurus_mapping` gives
    what the layers use.
    """
    path = Path(path)
    entries, _ = _read_entries(path.read_bytes(), path)
    return {w: list(dict.fromkeys(e.synonym for e in es)) for w, es in entries.items()}


def _normalise(mapping: Mapping[str, Iterable[str]], owner: str) -> dict[str, list[str]]:
    merged: dict[str, dict[str, None]] = {}
    for word, synonyms in mapping.items():
        if not isinstance(word, str) or isinstance(synonyms, str):
            raise ValueError(
                f"{owner}: a thesaurus dict maps each word (a str) to a list of synonyms; "
                f"got {word!r}: {synonyms!r}."
            )
        key = word.strip().lower()
        bucket = merged.setdefault(key, {})
        for synonym in synonyms:
            if not isinstance(synonym, str):
                raise ValueError(
                    f"{owner}: synonyms must be strings; got {synonym!r} for {word!r}."
                )
            synonym = " ".join(synonym.split())
            if synonym and synonym.lower() != key:
                bucket.setdefault(synonym, None)
    return {key: list(values) for key, values in merged.items() if key and values}


def fingerprint(strings: tf.Tensor) -> tf.Tensor:
    """A 64-bit fingerprint (``int64``, non-negative) of each string.

    Two different strings share one with probability about ``2**-63``: in a
    table of a million keys, a word not in it matches one about once in
    ten trillion look-ups.
    """
    return tf.strings.to_hash_bucket_fast(strings, 2**63 - 1)


def _edged(word: str) -> bool:
    """Whether ``word`` starts or ends with a character that is not a letter or digit.

    The Python reading of ``ops.WORD_EDGE`` (``str.isalnum`` is Unicode's
    letters and numbers, as RE2's ``\\pL`` and ``\\pN``).
    """
    return not (word[:1].isalnum() and word[-1:].isalnum())


class Thesaurus:
    """Word -> synonyms lookups as TensorFlow ops.

    Args:
        mapping: ``{word: [synonym, ...]}``. Keys are matched case-insensitively
            (they are lower-cased); a word's own form is dropped from its list.
            Used as given: :func:`load_thesaurus` applies the filters.
        forms: ``{inflected form: lemma}`` (see :func:`inflected_forms`);
            ``None`` works them out from the mapping's words. A form whose
            lemma is not in the mapping finds nothing.
        stop_words: words that are found but have no synonyms (never
            replaced): they share the synonym table's hash table, so a
            layer tells stop words, known words and unknown words apart
            with one look-up.
    """

    def __init__(
        self,
        mapping: Mapping[str, Iterable[str]],
        owner: str = "Thesaurus",
        forms: Mapping[str, str] | None = None,
        stop_words: Iterable[str] = (),
    ):
        mapping = _normalise(mapping, owner)
        stop_words = sorted({w.strip().lower() for w in stop_words if w.strip()})
        #: A digest of the contents: layers share traced code only when it agrees.
        self.fingerprint = hashlib.sha256(
            json.dumps([mapping, stop_words], sort_keys=True).encode("utf-8")
        ).hexdigest()
        words = list(mapping)
        counts = [len(mapping[w]) for w in words]
        starts, total = [], 0
        for count in counts:
            starts.append(total)
            total += count
        flat = [s for w in words for s in mapping[w]]
        self.size = len(words)
        # With ASCII words only, lower-casing ASCII letters finds every match
        # (and is several times faster than Unicode lower-casing), and a word
        # found is ASCII, so its replacement can be capitalised byte by byte.
        self.ascii = all(w.isascii() for w in [*words, *stop_words, *flat])
        # A word's core never starts or ends with punctuation, and a whole
        # token is only looked up as it is when it has no such edges, so keys
        # with edges ("dr.", "e.g.") could never match: they are left out.
        row = {w: i for i, w in enumerate(words) if not _edged(w)}
        # Inflected forms share the table, their rows shifted past the
        # sentinel row so that ``index(morphology=False)`` can ignore them.
        self._form_base = self.size + 1
        values = dict(row)
        for form, lemma in (inflected_forms(words) if forms is None else forms).items():
            if lemma in row and form not in row:
                values[form] = self._form_base + row[lemma]
        # Stop words point at the sentinel row: found, with no synonyms.
        values.update({w: self.size for w in stop_words if not _edged(w)})
        if self.ascii:
            # Capitalised words find their row as they are, so most words
            # need no lower-casing before the look-up.
            for key, value in list(values.items()):
                values.setdefault(key[:1].upper() + key[1:], value)
        # Tables must live outside any function being traced, whoever builds them.
        with tf.init_scope():
            # Keyed by 64-bit fingerprints: integer keys hash and compare far
            # faster than strings, and a batch's words are fingerprinted anyway
            # to be made distinct (see :func:`fingerprint`).
            keys = fingerprint(tf.constant(list(values) or [""], tf.string))
            if tf.size(tf.unique(keys)[0]) != tf.size(keys):
                raise ValueError(f"{owner}: two thesaurus words share a 64-bit fingerprint.")
            initializer = tf.lookup.KeyValueTensorInitializer(
                keys, tf.constant(list(values.values()) or [-1], tf.int64)
            )
            self._table = tf.lookup.StaticHashTable(initializer, default_value=-1)
            self._starts = tf.constant(starts + [total], tf.int64)
            self._counts = tf.constant(counts + [0], tf.int64)
            self._synonyms = tf.constant(flat + [""], tf.string)

    def index(self, keys: tf.Tensor, morphology: bool = True) -> tf.Tensor:
        """Row of each lower-case key (``int64``, ``-1`` when absent).

        ``keys`` are strings or their :func:`fingerprint`.

        In an ASCII thesaurus a key with a capital first letter (``"Dog"``)
        finds the row of its lower-case form too.

        With ``morphology``, an inflected form finds its lemma by WordNet's
        suffix rules (``dogs`` -> ``dog``): the forms are worked out when the
        thesaurus is built, so this is one hash-table look-up. A stop word
        finds a row with no synonyms; keys with leading or trailing
        punctuation find nothing.
        """
        found = self._table.lookup(fingerprint(keys) if keys.dtype == tf.string else keys)
        if not morphology:
            return tf.where(found >= self._form_base, tf.constant(-1, tf.int64), found)
        return tf.where(found >= self._form_base, found - self._form_base, found)

    def count(self, index: tf.Tensor) -> tf.Tensor:
        """Number of synonyms (``int64``) of each row from :meth:`index` (0 for ``-1``)."""
        return tf.gather(self._counts, self._safe(index))

    def has_synonyms(self, index: tf.Tensor) -> tf.Tensor:
        """Whether each row from :meth:`index` has synonyms (``count > 0``), without a gather.

        Every word of the mapping keeps at least one synonym; stop words
        point at the sentinel row ``size`` and absent words at ``-1``.
        """
        return (index >= 0) & (index < self.size)

    def pick(self, index: tf.Tensor, uniform: tf.Tensor) -> tf.Tensor:
        """One synonym per row, the ``floor(uniform * count)``-th (``""`` for absent words)."""
        index = self._safe(index)
        count = tf.gather(self._counts, index)
        k = tf.cast(tf.floor(uniform * tf.cast(count, tf.float32)), tf.int64)
        k = tf.clip_by_value(k, 0, tf.maximum(count - 1, 0))
        return tf.gather(self._synonyms, tf.gather(self._starts, index) + k)

    def _safe(self, index: tf.Tensor) -> tf.Tensor:
        # Absent words point at the sentinel row (count 0, synonym "").
        return tf.where(index < 0, tf.cast(self.size, tf.int64), index)


_CACHE: dict = {}
_CACHE_LOCK = threading.Lock()
_SPLIT = re.compile(r"[\s\-]+")


def _check_words(owner: str, name: str, words) -> tuple[str, ...]:
    if isinstance(words, str) or not all(isinstance(w, str) for w in words):
        raise ValueError(f"{owner}: `{name}` must be None or a list of strings; got {words!r}.")
    return tuple(sorted({w.strip().lower() for w in words if w.strip()}))


def _is_blocked(synonym: str, blocked: frozenset) -> bool:
    lower = synonym.lower()
    return lower in blocked or any(part in blocked for part in _SPLIT.split(lower))


def _read_source(source, owner: str):
    """``(entries, main_pos, digest)`` of a ``thesaurus`` argument (files cached by content)."""
    if isinstance(source, Mapping):
        mapping = _normalise(source, owner)
        return {w: [_Entry(s) for s in syns] for w, syns in mapping.items()}, {}, None
    if source is None:
        path = SHIPPED_THESAURUS
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        if not path.is_file():
            raise ValueError(f"{owner}: thesaurus file {str(path)!r} does not exist.")
    else:
        raise ValueError(
            f"{owner}: `thesaurus` must be None (the shipped WordNet thesaurus), a file path "
            f"or a dict of word -> synonyms; got {type(source).__name__}."
        )
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    with _CACHE_LOCK:
        if ("file", digest) not in _CACHE:
            _CACHE["file", digest] = _read_entries(data, path)
        return (*_CACHE["file", digest], digest)


def _usage_domain_lemmas() -> frozenset:
    with _CACHE_LOCK:
        if "domains" not in _CACHE:
            _CACHE["domains"] = frozenset(w.lower() for w in _read_word_list(USAGE_DOMAINS_FILE))
        return _CACHE["domains"]


def thesaurus_mapping(
    source: str | os.PathLike | Mapping[str, Iterable[str]] | None = None,
    owner: str = "Thesaurus",
    *,
    stop_words: Iterable[str] | None = None,
    decency_filter: bool = True,
    block_list: Iterable[str] | None = None,
    same_pos: bool = False,
) -> dict[str, list[str]]:
    """The ``{word: [synonyms]}`` a layer uses: the source with the filters applied.

    Args:
        source: ``None`` (the shipped WordNet thesaurus), a thesaurus file path
            or a dict ``{word: [synonyms]}``.
        stop_words: synonyms never produced; ``None`` is :data:`STOP_WORDS`.
        decency_filter: leave out WordNet's obscenity, slang, ethnic-slur and
            disparagement senses and lemmas, and the ``block_list`` words.
        block_list: words never produced (a synonym is blocked when it or any
            of its words is listed); ``None`` is :data:`BLOCK_LIST`. Only
            used with ``decency_filter``.
        same_pos: keep only the senses in each word's most frequent part of
            speech (files without part-of-speech data are unaffected).
    """
    entries, main_pos, _ = _read_source(source, owner)
    stop = frozenset(
        _check_words(owner, "stop_words", STOP_WORDS if stop_words is None else stop_words)
    )
    blocked = frozenset()
    if decency_filter:
        extra = BLOCK_LIST if block_list is None else block_list
        blocked = _usage_domain_lemmas() | frozenset(_check_words(owner, "block_list", extra))
    verdicts: dict[str, bool] = {}  # synonyms recur; judge each once
    mapping = {}
    for word, items in entries.items():
        keep = []
        for entry in items:
            if decency_filter and entry.domain:
                continue
            if same_pos and entry.pos and main_pos.get(word, entry.pos) != entry.pos:
                continue
            synonym = entry.synonym
            if synonym not in verdicts:
                verdicts[synonym] = synonym.lower() in stop or (
                    decency_filter and _is_blocked(synonym, blocked)
                )
            if not verdicts[synonym]:
                keep.append(synonym)
        if keep:
            mapping[word] = keep
    return mapping


def load_thesaurus(
    source: str | os.PathLike | Mapping[str, Iterable[str]] | None = None,
    owner: str = "Thesaurus",
    **filters,
) -> Thesaurus:
    """The :class:`Thesaurus` for a layer's arguments.

    ``source`` and the keyword ``filters`` (``stop_words``, ``decency_filter``,
    ``block_list``, ``same_pos``) are those of :func:`thesaurus_mapping`.
    Files (and the shipped thesaurus) are cached by their contents and the
    filter settings, so layers built alike share one set of tables, and a
    changed file is read again.
    """
    _, _, digest = _read_source(source, owner)
    stop = filters.get("stop_words")
    stop = _check_words(owner, "stop_words", STOP_WORDS if stop is None else stop)
    if digest is None:
        return Thesaurus(thesaurus_mapping(source, owner, **filters), owner, stop_words=stop)
    key = ("thesaurus", digest)
    for name in ("stop_words", "block_list"):
        words = filters.get(name)
        key += (None if words is None else _check_words(owner, name, words),)
    key += (bool(filters.get("decency_filter", True)), bool(filters.get("same_pos", False)))
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        # A file's inflected forms are worked out once, on all its words
        # (before any filter), as WordNet's morphy looks at all of WordNet.
        if ("forms", digest) not in _CACHE:
            words = {w.strip().lower() for w in _CACHE["file", digest][0]}
            _CACHE["forms", digest] = inflected_forms(sorted(words))
        forms = _CACHE["forms", digest]
    if cached is None:
        cached = Thesaurus(
            thesaurus_mapping(source, owner, **filters), owner, forms, stop_words=stop
        )
        with _CACHE_LOCK:
            cached = _CACHE.setdefault(key, cached)
    return cached
