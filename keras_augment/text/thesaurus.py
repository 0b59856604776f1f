"""Synonym and stop-word lookups as TensorFlow ops.

The shipped thesaurus (``assets/wordnet_synonyms.tsv.gz``, built by
``scripts/build_thesaurus.py`` from WordNet 3.0; licence in
``assets/WORDNET-LICENSE.txt``) maps 60,874 lower-case English words to their
WordNet synonyms. It is loaded once per process into a ``tf.lookup`` hash
table plus two index vectors and one flat string vector, so looking a word up
and drawing one of its synonyms are graph ops, with no Python on the data path.

A thesaurus file is UTF-8 text, optionally gzip-compressed (``.gz``), one
word per line: ``word<TAB>synonym|synonym|...`` (synonyms may also be
separated by further tabs). Lines starting with ``#`` are comments.
"""

from __future__ import annotations

import gzip
import os
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

import tensorflow as tf

from keras_augment.text.ops import WORD_EDGE

SHIPPED_THESAURUS = Path(__file__).resolve().parents[1] / "assets" / "wordnet_synonyms.tsv.gz"

#: English function words that synonym replacement and insertion leave alone.
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
    """.split()
)

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

_SUFFIXES = tuple(dict.fromkeys(s for s, _ in _DETACHMENTS))
_CUTS = tuple(sorted({len(s) for s in _SUFFIXES}))


def read_thesaurus_file(path: str | os.PathLike) -> dict[str, list[str]]:
    """Reads a thesaurus file (see the module docstring) into ``{word: [synonyms]}``."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    mapping: dict[str, list[str]] = {}
    with opener(path, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            line = line.rstrip("\r\n")
            if not line or line.startswith("#"):
                continue
            word, tab, rest = line.partition("\t")
            if not tab:
                raise ValueError(
                    f"{path}:{number}: expected 'word<TAB>synonym|synonym|...'; got {line!r}."
                )
            synonyms = [s for s in rest.replace("\t", "|").split("|") if s]
            mapping.setdefault(word, []).extend(synonyms)
    return mapping


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


class Thesaurus:
    """Word -> synonyms lookups as TensorFlow ops.

    Args:
        mapping: ``{word: [synonym, ...]}``. Keys are matched case-insensitively
            (they are lower-cased); a word's own form is dropped from its list.
    """

    def __init__(self, mapping: Mapping[str, Iterable[str]], owner: str = "Thesaurus"):
        mapping = _normalise(mapping, owner)
        words = list(mapping)
        counts = [len(mapping[w]) for w in words]
        starts, total = [], 0
        for count in counts:
            starts.append(total)
            total += count
        flat = [s for w in words for s in mapping[w]]
        self.size = len(words)
        # With ASCII keys only, lower-casing ASCII letters finds every match
        # (and is several times faster than Unicode lower-casing).
        self.ascii = all(w.isascii() for w in words)
        # Tables must live outside any function being traced, whoever builds them.
        with tf.init_scope():
            if words:
                initializer = tf.lookup.KeyValueTensorInitializer(
                    tf.constant(words, tf.string), tf.range(len(words), dtype=tf.int64)
                )
            else:  # an empty table still needs typed keys
                initializer = tf.lookup.KeyValueTensorInitializer(
                    tf.zeros([0], tf.string), tf.zeros([0], tf.int64)
                )
            self._table = tf.lookup.StaticHashTable(initializer, default_value=-1)
            # Keys with leading or trailing punctuation ("dr.", "e.g."): a word's
            # core never has such edges, so ``plain_index`` must not match them.
            keys = tf.constant(words, tf.string) if words else tf.zeros([0], tf.string)
            edged = tf.strings.regex_full_match(keys, rf"{WORD_EDGE}.*|.*{WORD_EDGE}")
            self._edged = tf.concat([edged, [True]], axis=0)
            self._starts = tf.constant(starts + [total], tf.int64)
            self._counts = tf.constant(counts + [0], tf.int64)
            self._synonyms = tf.constant(flat + [""], tf.string)
            self._suffixes = tf.lookup.StaticHashTable(
                tf.lookup.KeyValueTensorInitializer(
                    tf.constant(_SUFFIXES), tf.range(len(_SUFFIXES), dtype=tf.int64)
                ),
                default_value=len(_SUFFIXES),
            )
            rules = [
                [i for i, (s, _) in enumerate(_DETACHMENTS) if s == suffix] for suffix in _SUFFIXES
            ]
            self._suffix_rules = tf.constant(
                [r + [-1] * (2 - len(r)) for r in rules] + [[-1, -1]], tf.int64
            )

    def plain_index(self, keys: tf.Tensor) -> tf.Tensor:
        """Row of each key (``-1`` when absent), counting only keys without edge punctuation.

        The fast first look-up of a whole token: a lower-cased token found
        here is its own core (``"dog"``), while ``"dr."`` is left for the
        slower path that strips punctuation first, as :meth:`index` expects.
        """
        index = self._table.lookup(keys)
        return tf.where(tf.gather(self._edged, self._safe(index)), tf.constant(-1, tf.int64), index)

    def index(self, keys: tf.Tensor, morphology: bool = True, skip=None) -> tf.Tensor:
        """Row of each lower-case key (``int64``, ``-1`` when absent).

        With ``morphology``, a missing word is retried with WordNet's suffix
        rules (``dogs`` -> ``dog``), so inflected forms find their lemma.
        ``skip`` (booleans shaped like ``keys``) marks words not worth that
        retry (stop words), which saves time.
        """
        index = self._table.lookup(keys)
        if not morphology:
            return index
        shape = tf.shape(keys)
        keys, index = tf.reshape(keys, [-1]), tf.reshape(index, [-1])
        # Only the words not found, and only the rules whose suffix they end
        # with, build a candidate stem; the first rule whose stem is a key wins.
        retry = index < 0
        if skip is not None:
            retry &= ~tf.reshape(skip, [-1])
        missing = tf.where(retry)[:, 0]
        words = tf.gather(keys, missing)
        length = tf.strings.length(words)
        # A word's last 1, 2, 3 and 4 bytes, looked up among the suffixes;
        # each suffix has one or two rules (in _DETACHMENTS order).
        cuts = tf.constant(_CUTS, tf.int32)
        tails = tf.strings.substr(
            words[:, None],
            tf.maximum(length[:, None] - cuts, 0),
            tf.broadcast_to(cuts, tf.stack([tf.size(words), len(_CUTS)])),
        )
        suffix = self._suffixes.lookup(tails)
        suffix = tf.where(length[:, None] > cuts, suffix, len(_SUFFIXES))
        rules = tf.gather(self._suffix_rules, suffix)  # [words, cuts, 2], -1 padded
        pairs = tf.where(rules >= 0)
        word, rule = pairs[:, 0], tf.gather_nd(rules, pairs)
        cut_of_rule = tf.constant([len(s) for s, _ in _DETACHMENTS], tf.int32)
        stem_length = tf.gather(length, word) - tf.gather(cut_of_rule, rule)
        stems = tf.strings.join(
            [
                tf.strings.substr(tf.gather(words, word), tf.zeros_like(stem_length), stem_length),
                tf.gather(tf.constant([r for _, r in _DETACHMENTS]), rule),
            ]
        )
        found = self._table.lookup(stems)
        rule_if_found = tf.where(found >= 0, rule, len(_DETACHMENTS))
        best = tf.math.unsorted_segment_min(rule_if_found, word, tf.size(missing, tf.int64))
        winner = (found >= 0) & tf.equal(rule_if_found, tf.gather(best, word))
        at = tf.gather(missing, tf.boolean_mask(word, winner))
        index = tf.tensor_scatter_nd_update(index, at[:, None], tf.boolean_mask(found, winner))
        return tf.reshape(index, shape)

    def count(self, index: tf.Tensor) -> tf.Tensor:
        """Number of synonyms (``int64``) of each row from :meth:`index` (0 for ``-1``)."""
        return tf.gather(self._counts, self._safe(index))

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


class StopWords:
    """A set of lower-case words, tested with a hash table."""

    def __init__(self, words: Iterable[str]):
        words = sorted({w.strip().lower() for w in words if w.strip()})
        self.words = tuple(words)
        self.ascii = all(w.isascii() for w in words)
        with tf.init_scope():
            # A word's core never starts or ends with punctuation, so such stop
            # words could never match one; leaving them out lets a whole token
            # ("'tis") be tested without stripping it first. The table needs a
            # key: "" (no word is empty, and an empty core has no synonyms).
            edged = tf.strings.regex_full_match(
                tf.constant(words or [""], tf.string), rf"{WORD_EDGE}.*|.*{WORD_EDGE}"
            ).numpy()
            keys = tf.constant([w for w, e in zip(words, edged) if not e] or [""], tf.string)
            self._table = tf.lookup.StaticHashTable(
                tf.lookup.KeyValueTensorInitializer(keys, tf.ones_like(keys, tf.int32)),
                default_value=0,
            )

    def contains(self, keys: tf.Tensor) -> tf.Tensor:
        return self._table.lookup(keys) > 0


_CACHE: dict = {}
_CACHE_LOCK = threading.Lock()


def load_thesaurus(source=None, owner: str = "Thesaurus") -> Thesaurus:
    """The thesaurus for a layer's ``thesaurus`` argument.

    ``None`` is the shipped WordNet thesaurus; a ``str`` or path names a
    thesaurus file; a dict maps words to synonym lists. Files (and the shipped
    thesaurus) are read once per process and shared by every layer.
    """
    if isinstance(source, Mapping):
        return Thesaurus(source, owner)
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
    key = ("file", str(path.resolve()), path.stat().st_mtime)
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = Thesaurus(read_thesaurus_file(path), owner)
        return _CACHE[key]


def load_stop_words(words=None, owner: str = "StopWords") -> StopWords:
    """The stop-word set for a layer's ``stop_words`` argument (``None``: :data:`STOP_WORDS`)."""
    if words is None:
        words = STOP_WORDS
    elif isinstance(words, str) or not all(isinstance(w, str) for w in words):
        raise ValueError(f"{owner}: `stop_words` must be None or a list of strings; got {words!r}.")
    key = ("stop", tuple(sorted(set(words))))
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = StopWords(words)
        return _CACHE[key]
