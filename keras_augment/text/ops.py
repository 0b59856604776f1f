"""Row-wise helpers on ragged string tensors shared by the text kernels.

Texts arrive as ``tf.string[n]``; words or characters as ragged
``[n, (length)]`` tensors. Every helper is plain TensorFlow (no Python on the
data path) and works row by row, so each text gets its own random choices.
"""

from __future__ import annotations

import tensorflow as tf

from keras_augment.core.random import uniform01

# A word token is [prefix punctuation][core][suffix punctuation]; the core
# starts and ends with a letter or digit (inner apostrophes and hyphens stay).
WORD_EDGE = r"[^\pL\pN]"


def split_words(texts: tf.Tensor) -> tf.RaggedTensor:
    """Splits ``tf.string[n]`` on runs of whitespace into ragged ``[n, (words)]``."""
    return tf.strings.split(texts)


def row_ids(row_splits: tf.Tensor) -> tf.Tensor:
    """The row of every value of a ragged tensor with these ``int64`` row splits.

    Same as ``RaggedTensor.value_rowids()``, whose ``tf.repeat`` builds a
    dense ``rows x longest row`` mask; this marks each row start and counts.
    """
    starts = row_splits[1:-1]
    marks = tf.scatter_nd(starts[:, None], tf.ones_like(starts), [row_splits[-1] + 1])
    return tf.cumsum(marks[:-1])


def uniform_like(ragged: tf.RaggedTensor, seed: tf.Tensor) -> tf.RaggedTensor:
    """Uniform ``[0, 1)`` floats shaped like ``ragged`` (one per word or character)."""
    return ragged.with_flat_values(uniform01(tf.shape(ragged.flat_values), seed))


def count_to_change(rate: float, lengths: tf.Tensor) -> tf.Tensor:
    """Words to touch per row: ``max(1, floor(rate * length))`` for non-empty rows (EDA's rule).

    ``rate=0`` touches none.
    """
    lengths = tf.cast(lengths, tf.int64)
    if rate <= 0:
        return tf.zeros_like(lengths)
    n = tf.cast(tf.floor(rate * tf.cast(lengths, tf.float32)), tf.int64)
    return tf.minimum(tf.maximum(n, 1), lengths)


def sort_rows(values: tf.RaggedTensor, keys: tf.RaggedTensor) -> tf.RaggedTensor:
    """Reorders each row of ``values`` by ascending ``keys`` (stable)."""
    dense = keys.to_tensor(default_value=float("inf"))
    order = tf.argsort(dense, axis=1, stable=True)
    order = tf.RaggedTensor.from_tensor(order, lengths=keys.row_lengths())
    flat = tf.cast(order.flat_values, tf.int64) + tf.gather(
        values.row_starts(), row_ids(order.row_splits)
    )
    return values.with_flat_values(tf.gather(values.flat_values, flat))


def row_positions(ragged: tf.RaggedTensor) -> tf.RaggedTensor:
    """The position of every value within its row (``int64``)."""
    rows = row_ids(ragged.row_splits)
    return ragged.with_flat_values(
        tf.range(tf.size(rows, tf.int64), dtype=tf.int64) - tf.gather(ragged.row_starts(), rows)
    )


def strip_leading(tokens: tf.Tensor) -> tf.Tensor:
    """Tokens without their leading punctuation (``'"Hello,'`` -> ``'Hello,'``)."""
    # One anchored match per token, not a global replacement: RE2's cost is
    # mostly per call, and a global replacement searches again after it.
    return tf.strings.regex_replace(tokens, rf"^{WORD_EDGE}+", "", replace_global=False)


def strip_trailing(tokens: tf.Tensor) -> tf.Tensor:
    """Tokens without their trailing punctuation (``'Hello,'`` -> ``'Hello'``)."""
    return tf.strings.regex_replace(tokens, rf"{WORD_EDGE}+$", "", replace_global=False)


def word_core(tokens: tf.Tensor) -> tf.Tensor:
    """Tokens without leading and trailing punctuation (``'"Hello,'`` -> ``'Hello'``)."""
    # Two single anchored matches cost about three quarters of one global
    # replacement of the alternation ``^edge+|edge+$``, with the same result.
    return strip_trailing(strip_leading(tokens))


def lookup_key(cores: tf.Tensor, ascii_only: bool = False) -> tf.Tensor:
    """The lower-case form a thesaurus is keyed by.

    Unicode-aware, unless ``ascii_only`` (enough when every key is ASCII:
    a word with other letters matches no key either way).
    """
    if ascii_only:
        return tf.strings.lower(cores)
    return tf.strings.lower(cores, encoding="utf-8")


def match_case(replacement: tf.Tensor, original: tf.Tensor, ascii_only: bool = False) -> tf.Tensor:
    """Gives ``replacement`` the capitalisation pattern of ``original``.

    ALL-CAPS originals (two or more letters) give an all-caps replacement; a
    capitalised original gives a capitalised first letter; otherwise the
    replacement is returned as the thesaurus spells it. ``ascii_only`` (both
    strings ASCII) works on bytes, several times faster than on UTF-8 characters.
    """
    encoding, unit = ("", "BYTE") if ascii_only else ("utf-8", "UTF8_CHAR")
    lower = tf.strings.lower(original, encoding=encoding)
    upper = tf.strings.upper(original, encoding=encoding)
    length = tf.strings.length(original, unit=unit)
    all_caps = (original == upper) & (original != lower) & (length > 1)
    first = tf.strings.substr(original, 0, 1, unit=unit)
    titled = first != tf.strings.lower(first, encoding=encoding)
    head = tf.strings.upper(tf.strings.substr(replacement, 0, 1, unit=unit), encoding=encoding)
    rest = tf.strings.length(replacement, unit=unit)
    tail = tf.strings.substr(replacement, tf.ones_like(rest), rest, unit=unit)
    capitalised = tf.strings.join([head, tail])
    upper_replacement = tf.strings.upper(replacement, encoding=encoding)
    return tf.where(all_caps, upper_replacement, tf.where(titled, capitalised, replacement))


def replace_core(tokens: tf.Tensor, replacement: tf.Tensor, ascii_only: bool = False) -> tf.Tensor:
    """Puts ``replacement`` in place of each token's core, keeping its punctuation and case.

    ``ascii_only``: every core and replacement is ASCII (see :func:`match_case`).
    """
    # Two anchored regexes find the edges; lengths and substrings do the rest
    # (a single regex capturing the suffix is many times slower in RE2).
    rest = strip_leading(tokens)
    core = strip_trailing(rest)
    token_length, rest_length = tf.strings.length(tokens), tf.strings.length(rest)
    core_length = tf.strings.length(core)
    prefix = tf.strings.substr(tokens, tf.zeros_like(token_length), token_length - rest_length)
    suffix = tf.strings.substr(rest, core_length, rest_length - core_length)
    return tf.strings.join([prefix, match_case(replacement, core, ascii_only), suffix])
