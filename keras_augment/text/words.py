"""Word-level text augmentation: the four operations of EDA (Wei and Zou, 2019).

Kernels first (plain functions of ``tf.string[n]`` texts, a ``rate`` and an
``int64[2]`` stateless seed; each text gets its own random choices), then the
layers, which check their arguments and call a kernel.

Words are the runs of non-whitespace characters. A text a kernel changes is
re-joined with single spaces; a text it leaves alone comes back byte for byte.

How the kernels work: the texts are split into words once; each operation
then works on integer word positions (which words, in which order) and only
makes strings for what is new (a synonym). One gather of words and one join
per output finish the job. So :func:`eda` splits and looks words up once for
all its variants, and string work is paid per word, never per operation.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

import tensorflow as tf

from keras_augment.core.random import Draws
from keras_augment.core.registry import register
from keras_augment.core.types import Seed
from keras_augment.core.validation import check_number, check_size
from keras_augment.text import ops
from keras_augment.text.base import TextAugmentation
from keras_augment.text.thesaurus import Thesaurus, fingerprint, load_thesaurus

# ----- kernels -----------------------------------------------------------------


class _Words(NamedTuple):
    """The words of a batch of texts and, for the synonym operations, what the thesaurus says.

    ``tokens`` is ragged ``[n, (words)]``; ``ids`` has one integer per word,
    equal exactly for equal words: the word's number among the batch's
    distinct words when a thesaurus was given, else its fingerprint. The
    rest is ``None`` without a thesaurus. One entry per word: ``eligible``
    (a word with synonyms, so not a stop word). One entry per distinct
    word: ``index`` (thesaurus row, ``-1`` when unknown) and ``direct``
    (found without stripping punctuation); the few words that need them
    reach them through ``ids``.
    """

    tokens: tf.RaggedTensor
    ids: tf.Tensor
    index: tf.Tensor | None = None
    eligible: tf.Tensor | None = None
    direct: tf.Tensor | None = None


class _Edit(NamedTuple):
    """One operation's outputs, as word positions.

    Output ``r`` is the words ``words[rows == r]`` in order. ``words`` are
    flat word positions of the batch, except at the entries ``added``,
    which are the ``new`` strings (synonyms), in that order. ``changed[r]``
    says whether output ``r`` differs from its text; otherwise the text
    itself is returned.
    """

    rows: tf.Tensor
    words: tf.Tensor
    changed: tf.Tensor
    new: tf.Tensor | None = None
    added: tf.Tensor | None = None


def look_up_words(texts: tf.Tensor, thesaurus: Thesaurus | None = None) -> _Words:
    """Splits the texts and, given a thesaurus, looks every word up once."""
    tokens = ops.split_words(texts)
    flat = tokens.flat_values
    prints = fingerprint(flat)
    if thesaurus is None:
        # Enough to tell words apart (random swap); unused, it is pruned.
        return _Words(tokens, prints)
    # Each distinct word is looked up (and stripped, if need be) once: a
    # batch repeats most of its words (a third are distinct in 1,024 chat lines).
    # Words are told apart by their 64-bit fingerprints (integers: made
    # distinct in about half the time strings take, and the thesaurus is
    # keyed by them); distinct words are numbered in order of first appearance.
    distinct, which = tf.unique(prints, out_idx=tf.int64)
    first = tf.math.unsorted_segment_min(
        tf.range(tf.size(which, tf.int64)), which, tf.size(distinct, tf.int64)
    )
    # Most words (stop words included) are found as they are (an ASCII
    # thesaurus holds capitalised keys too); only the others are lower-cased
    # and lose their edge punctuation (a regex, the costly part) for a
    # second look-up.
    index = thesaurus.index(distinct if thesaurus.ascii else ops.lookup_key(tf.gather(flat, first)))
    direct = index >= 0
    retry = tf.where(~direct)
    core_keys = ops.lookup_key(
        ops.word_core(tf.gather(flat, tf.gather_nd(first, retry))), thesaurus.ascii
    )
    index = tf.tensor_scatter_nd_update(index, retry, thesaurus.index(core_keys))
    eligible = thesaurus.has_synonyms(index)
    return _Words(tokens, which, index, tf.gather(eligible, which), direct)


class _Ranges(NamedTuple):
    """The words an operation works on: the texts ``sources``, one output row each.

    ``positions`` are the flat word positions of those texts, in order;
    ``rows`` the output row of each, and ``lengths``/``starts`` each row's
    word count and first entry in ``positions``. ``whole``: every text once,
    in order, so ``positions`` is ``0, 1, 2, ...``.
    """

    sources: tf.Tensor
    positions: tf.Tensor
    rows: tf.Tensor
    lengths: tf.Tensor
    starts: tf.Tensor
    whole: bool = False

    def take(self, values: tf.Tensor) -> tf.Tensor:
        """``values`` (one per word of the batch) at ``positions`` (no gather when ``whole``)."""
        return values if self.whole else tf.gather(values, self.positions)

    def where(self, mask: tf.Tensor) -> tf.Tensor:
        """The ``positions`` where ``mask`` (one per entry of ``positions``) holds."""
        at = tf.where(mask)[:, 0]
        return at if self.whole else tf.gather(self.positions, at)


def _word_ranges(words: _Words, sources: tf.Tensor | None = None) -> _Ranges:
    """The :class:`_Ranges` of texts ``sources``; ``None`` is every text once, in order."""
    tokens = words.tokens
    if sources is None:
        # The split already knows each word's row: nothing to gather.
        return _Ranges(
            tf.range(tokens.nrows()),
            tf.range(tf.size(tokens.flat_values, tf.int64)),
            tokens.value_rowids(),
            tokens.row_lengths(),
            tokens.row_starts(),
            whole=True,
        )
    ranges = tf.ragged.range(
        tf.gather(tokens.row_starts(), sources), tf.gather(tokens.row_limits(), sources)
    )
    return _Ranges(
        sources,
        ranges.flat_values,
        ops.row_ids(ranges.row_splits),
        ranges.row_lengths(),
        ranges.row_starts(),
    )


def _pick_in_rows(rows: tf.Tensor, budget: tf.Tensor, uniform: tf.Tensor) -> tf.Tensor:
    """Indices of ``min(budget[r], count)`` distinct random entries of each row ``r``.

    ``rows`` holds the (sorted) row of every candidate; ``uniform`` a
    ``[0, 1)`` draw for each.
    """
    count = tf.size(rows, tf.int64)
    # One sort by row + uniform puts each row's candidates in random order.
    keys = tf.cast(rows, tf.float64) + tf.cast(uniform, tf.float64)
    order = tf.argsort(keys, stable=True)
    rows_sorted = tf.gather(rows, order)
    per_row = tf.math.unsorted_segment_sum(tf.ones_like(rows), rows, tf.size(budget, tf.int64))
    rank = tf.range(count) - tf.gather(tf.cumsum(per_row, exclusive=True), rows_sorted)
    return tf.boolean_mask(order, rank < tf.gather(budget, rows_sorted))


def _replace_edit(
    words: _Words, thesaurus: Thesaurus, rate: float, ranges: _Ranges, draws: Draws
) -> _Edit:
    sources, positions, rows, lengths, *_ = ranges
    candidates = tf.where(ranges.take(words.eligible))[:, 0]
    budget = ops.count_to_change(rate, lengths)
    chosen = tf.gather(
        candidates,
        _pick_in_rows(tf.gather(rows, candidates), budget, draws.uniform(tf.shape(candidates), 1)),
    )
    word = tf.gather(positions, chosen)
    distinct = tf.gather(words.ids, word)
    synonyms = thesaurus.pick(tf.gather(words.index, distinct), draws.uniform(tf.shape(chosen), 2))
    # A lower-case word without punctuation is replaced by the synonym as it
    # is; the others have their punctuation and capitals copied onto it.
    tokens = tf.gather(words.tokens.flat_values, word)
    plain = tf.gather(words.direct, distinct) & tf.equal(
        ops.lookup_key(tokens, thesaurus.ascii), tokens
    )
    shaped = tf.where(~plain)
    styled = ops.replace_core(
        tf.gather_nd(tokens, shaped), tf.gather_nd(synonyms, shaped), thesaurus.ascii
    )
    new = tf.tensor_scatter_nd_update(synonyms, shaped, styled)
    changed = tf.math.unsorted_segment_max(
        tf.ones_like(chosen, tf.int32), tf.gather(rows, chosen), tf.size(sources)
    )
    return _Edit(rows, positions, changed > 0, new, chosen)


def _insert_edit(
    words: _Words, thesaurus: Thesaurus, rate: float, ranges: _Ranges, draws: Draws
) -> _Edit:
    _, positions, rows, lengths, starts, _ = ranges
    m, size = tf.size(lengths, tf.int64), tf.size(positions, tf.int64)
    eligible = ranges.take(words.eligible)
    known_words = ranges.where(eligible)
    known = tf.math.unsorted_segment_sum(tf.cast(eligible, tf.int64), rows, m)
    n = tf.where(known > 0, ops.count_to_change(rate, lengths), 0)
    # Insertion j goes into row at[j]: a synonym of a random known word of
    # that row, in a random gap (0 = before the first word).
    at = ops.row_ids(tf.concat([[0], tf.cumsum(n)], axis=0))
    count = tf.size(at, tf.int64)
    u = draws.uniform(tf.stack([count, 3]), 1)
    known_at = tf.gather(known, at)
    k = tf.cast(tf.floor(u[:, 0] * tf.cast(known_at, tf.float32)), tf.int64)
    source = tf.gather(
        known_words, tf.gather(tf.cumsum(known, exclusive=True), at) + tf.minimum(k, known_at - 1)
    )
    length_at = tf.gather(lengths, at)
    gap = tf.cast(tf.floor(u[:, 2] * tf.cast(length_at + 1, tf.float32)), tf.int64)
    gap = tf.minimum(gap, length_at)
    # Where everything lands, without sorting the words: number the gaps of
    # all rows in order (row r has lengths[r] + 1 of them); a word moves right
    # by the insertions in the gaps up to its own, an insertion sits after
    # the words and the insertions of the gaps before it.
    slot = tf.gather(starts, at) + at + gap
    order = tf.argsort(tf.cast(slot, tf.float64), stable=True)
    # (A binary search in the sorted slots counts them: no scan over all gaps.)
    index = tf.range(size)
    word_place = index + tf.searchsorted(
        tf.gather(slot, order), index + rows, side="right", out_type=tf.int64
    )
    insert_place = tf.gather(slot - at, order) + tf.range(count)
    places = [tf.cast(word_place, tf.int32), tf.cast(insert_place, tf.int32)]
    # The synonyms, made in the order of their places.
    source = tf.gather(source, order)
    new = thesaurus.pick(
        tf.gather(words.index, tf.gather(words.ids, source)), tf.gather(u[:, 1], order)
    )
    return _Edit(
        tf.dynamic_stitch(places, [rows, tf.gather(at, order)]),
        tf.dynamic_stitch(places, [positions, source]),
        n > 0,
        new,
        insert_place,
    )


def _swap_edit(words: _Words, rate: float, ranges: _Ranges, draws: Draws) -> _Edit:
    sources, positions, rows, lengths, starts, _ = ranges
    n = tf.where(lengths > 1, ops.count_to_change(rate, lengths), 0)
    # The swaps listed step by step (a row's first swaps, then its second
    # ones, ...), read off a steps x rows mask: each step is one slice
    # holding at most one swap per row, so its updates never clash.
    n_max = tf.reduce_max(tf.concat([n, [0]], axis=0))
    todo = tf.range(n_max)[:, None] < n[None, :]
    at = tf.where(todo)[:, 1]
    u = draws.uniform(tf.stack([tf.size(at, tf.int64), 2]))
    span = tf.gather(lengths, at)
    spanf = tf.cast(span, tf.float32)
    # a uniform over the row, b uniform over the other words of the row.
    a = tf.minimum(tf.cast(tf.floor(u[:, 0] * spanf), tf.int64), span - 1)
    b = a + 1 + tf.minimum(tf.cast(tf.floor(u[:, 1] * (spanf - 1.0)), tf.int64), span - 2)
    start = tf.gather(starts, at)
    a, b = start + a, start + tf.math.floormod(b, tf.maximum(span, 1))
    bounds = tf.concat([[0], tf.cumsum(tf.reduce_sum(tf.cast(todo, tf.int64), axis=1))], axis=0)

    def body(i, perm):
        first, second = a[bounds[i] : bounds[i + 1]], b[bounds[i] : bounds[i + 1]]
        updates = tf.concat([tf.gather(perm, second), tf.gather(perm, first)], axis=0)
        return i + 1, tf.tensor_scatter_nd_update(
            perm, tf.concat([first, second], axis=0)[:, None], updates
        )

    # Each step needs the previous one's result: running one iteration at a
    # time spares the loop's scheduling of iterations that cannot overlap
    # (about 3% of EDA's CPU time in side-by-side runs).
    _, perm = tf.while_loop(
        lambda i, _: i < n_max, body, (tf.constant(0, tf.int64), positions), parallel_iterations=1
    )
    # A text changes only if some word lands on a different word (swapping
    # two copies of "the" changes nothing): compared by word ids (integers,
    # far cheaper than strings). Every moved word is at the end of some swap:
    # only those are compared.
    ends = tf.concat([a, b], axis=0)
    differs = tf.not_equal(
        tf.gather(words.ids, tf.gather(perm, ends)),
        tf.gather(words.ids, tf.gather(positions, ends)),
    )
    moved_rows = tf.concat([at, at], axis=0)
    changed = tf.math.unsorted_segment_max(tf.cast(differs, tf.int32), moved_rows, tf.size(sources))
    return _Edit(rows, perm, changed > 0)


def _delete_edit(words: _Words, rate: float, ranges: _Ranges, draws: Draws) -> _Edit:
    _, positions, rows, lengths, starts, _ = ranges
    m = tf.size(lengths, tf.int64)
    # (A one-word text that loses its word gets it back below: unchanged.)
    keep = draws.uniform(tf.shape(positions), 1) >= rate
    kept = tf.math.unsorted_segment_sum(tf.cast(keep, tf.int64), rows, m)
    # When every word would go, a random one stays.
    rescue = tf.cast(tf.floor(draws.uniform([m], 2) * tf.cast(lengths, tf.float32)), tf.int64)
    # (Few texts lose every word: their kept word is set by a small scatter.)
    emptied = tf.where((kept == 0) & (lengths > 0))
    rescued = tf.gather_nd(starts + rescue, emptied)
    keep = tf.tensor_scatter_nd_update(keep, rescued[:, None], tf.ones_like(rescued, tf.bool))
    return _Edit(tf.boolean_mask(rows, keep), ranges.where(keep), tf.maximum(kept, 1) < lengths)


def _assemble(texts: tf.Tensor, words: _Words, edits, total) -> tf.Tensor:
    """Joins the edits' words into ``total`` output texts.

    ``edits`` are ``(outputs, sources, edit)``: the edit's row ``r`` is
    output ``outputs[r]``, made from text ``sources[r]``.
    """
    flat = words.tokens.flat_values
    segments = tf.concat([tf.gather(out, edit.rows) for out, _, edit in edits], axis=0)
    pieces = tf.gather(flat, tf.concat([edit.words for _, _, edit in edits], axis=0))
    # New words (synonyms) are few: they are written over the words gathered
    # at their places, so no pool of all the words plus the new ones is made.
    added, new, offset = [], [], tf.constant(0, tf.int64)
    for _, _, edit in edits:
        if edit.added is not None:
            added.append(tf.cast(edit.added, tf.int64) + offset)
            new.append(edit.new)
        offset += tf.size(edit.words, tf.int64)
    if added:
        pieces = tf.tensor_scatter_nd_update(
            pieces, tf.concat(added, axis=0)[:, None], tf.concat(new, axis=0)
        )
    joined = tf.strings.unsorted_segment_join(pieces, segments, total, separator=" ")
    # Outputs that did not change are their text, byte for byte.
    kept = tf.concat([tf.boolean_mask(out, ~edit.changed) for out, _, edit in edits], axis=0)
    originals = tf.concat([tf.boolean_mask(src, ~edit.changed) for _, src, edit in edits], axis=0)
    return tf.tensor_scatter_nd_update(joined, kept[:, None], tf.gather(texts, originals))


def _single(texts: tf.Tensor, words: _Words, make_edit) -> tf.Tensor:
    ranges = _word_ranges(words)
    edit = make_edit(ranges)
    return _assemble(texts, words, [(ranges.sources, ranges.sources, edit)], tf.size(texts))


def synonym_replacement(
    texts: tf.Tensor, thesaurus: Thesaurus, rate: float, seed: tf.Tensor
) -> tf.Tensor:
    """Replaces ``max(1, floor(rate * words))`` random non-stop words per text by a synonym.

    Only words the thesaurus knows are candidates (fewer are replaced when
    fewer are known). Each replacement keeps the punctuation attached to the
    word and its capitalisation (``"Quick,"`` -> ``"Speedy,"``).
    """
    words = look_up_words(texts, thesaurus)
    return _single(
        texts,
        words,
        lambda ranges: _replace_edit(words, thesaurus, rate, ranges, Draws(seed)),
    )


def random_insertion(
    texts: tf.Tensor, thesaurus: Thesaurus, rate: float, seed: tf.Tensor
) -> tf.Tensor:
    """Inserts ``max(1, floor(rate * words))`` synonyms of the text's own words per text.

    Each insertion picks a random non-stop word of the text that the
    thesaurus knows, a random synonym of it, and a random gap (before the
    first word, between two words, or after the last). Texts without such a
    word are unchanged.
    """
    words = look_up_words(texts, thesaurus)
    return _single(
        texts,
        words,
        lambda ranges: _insert_edit(words, thesaurus, rate, ranges, Draws(seed)),
    )


def random_swap(texts: tf.Tensor, rate: float, seed: tf.Tensor) -> tf.Tensor:
    """Swaps two distinct random words, ``max(1, floor(rate * words))`` times per text.

    Swaps are applied one after another, as in EDA. One-word texts are unchanged.
    """
    words = look_up_words(texts)
    return _single(texts, words, lambda ranges: _swap_edit(words, rate, ranges, Draws(seed)))


def random_deletion(texts: tf.Tensor, rate: float, seed: tf.Tensor) -> tf.Tensor:
    """Deletes each word with probability ``rate``; never empties a non-empty text.

    When every word of a text would go, one random word of it stays. One-word
    texts are unchanged (as in EDA).
    """
    words = look_up_words(texts)
    return _single(texts, words, lambda ranges: _delete_edit(words, rate, ranges, Draws(seed)))


def eda(
    texts: tf.Tensor,
    thesaurus: Thesaurus,
    alphas: tuple[float, float, float, float],
    num_aug: int,
    seed: tf.Tensor,
) -> tf.Tensor:
    """``num_aug`` EDA variants of each text: ``tf.string[n]`` -> ``tf.string[n, num_aug]``.

    ``alphas`` are ``(alpha_sr, alpha_ri, alpha_rs, p_rd)``; operations with
    a zero alpha are left out. Each variant applies one operation; the
    variants of a text cycle through the operations from a random start, so
    each operation makes about a quarter of them, as in the paper.
    """
    enabled = [i for i, alpha in enumerate(alphas) if alpha > 0]
    n = tf.size(texts)
    if not enabled:
        return tf.repeat(texts[:, None], num_aug, axis=1)
    needs_thesaurus = alphas[0] > 0 or alphas[1] > 0
    words = look_up_words(texts, thesaurus) if needs_thesaurus else look_up_words(texts)
    draws = Draws(seed)
    start = tf.cast(tf.floor(draws.uniform([n, 1]) * len(enabled)), tf.int32)
    slot = tf.math.floormod(start + tf.range(num_aug, dtype=tf.int32)[None, :], len(enabled))
    total = tf.size(slot, tf.int64)
    outputs = tf.dynamic_partition(tf.range(total), tf.reshape(slot, [-1]), len(enabled))
    # When the variants split evenly, every operation makes the same number
    # of variants of every text, in text order: one set of ranges serves all.
    copies, uneven = divmod(num_aug, len(enabled))
    shared = None
    if not uneven:
        shared = _word_ranges(
            words, None if copies == 1 else tf.repeat(tf.range(tf.size(texts, tf.int64)), copies)
        )
    edits = []
    for part, op in enumerate(enabled):
        out, op_draws = outputs[part], draws.part(op)
        ranges = shared if shared is not None else _word_ranges(words, out // num_aug)
        if op == 0:
            edit = _replace_edit(words, thesaurus, alphas[0], ranges, op_draws)
        elif op == 1:
            edit = _insert_edit(words, thesaurus, alphas[1], ranges, op_draws)
        elif op == 2:
            edit = _swap_edit(words, alphas[2], ranges, op_draws)
        else:
            edit = _delete_edit(words, alphas[3], ranges, op_draws)
        edits.append((out, ranges.sources, edit))
    return tf.reshape(_assemble(texts, words, edits, total), [n, num_aug])


# ----- layers ----------------------------------------------------------------


def _check_rate(layer: str, rate, name: str = "rate") -> float:
    return check_number(layer, name, rate, low=0.0, high=1.0)


class _ThesaurusLayer(TextAugmentation):
    """Holds the synonym arguments: thesaurus, stop words and the filters."""

    # Arguments that may name a file, refused in recipes unless allowed (see load_recipe).
    path_arguments = ("thesaurus",)

    def __init__(
        self,
        thesaurus: str | os.PathLike | Mapping[str, Sequence[str]] | None = None,
        stop_words: Iterable[str] | None = None,
        decency_filter: bool = True,
        block_list: Iterable[str] | None = None,
        same_pos: bool = False,
        seed: Seed = None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        name = self.__class__.__name__
        if isinstance(thesaurus, dict):
            thesaurus = {str(k): list(v) for k, v in thesaurus.items()}
        for flag, value in (("decency_filter", decency_filter), ("same_pos", same_pos)):
            if not isinstance(value, bool):
                raise ValueError(f"{name}: `{flag}` must be True or False; got {value!r}.")
        self.thesaurus = thesaurus
        self.stop_words = None if stop_words is None else list(stop_words)
        self.decency_filter = decency_filter
        self.block_list = None if block_list is None else list(block_list)
        self.same_pos = same_pos
        self._thesaurus = load_thesaurus(
            thesaurus,
            name,
            stop_words=stop_words,
            decency_filter=decency_filter,
            block_list=block_list,
            same_pos=same_pos,
        )

    def _sharing_key(self):
        # The config names a thesaurus file, not its contents: the traced
        # code may only be shared by layers whose tables hold the same words.
        key = super()._sharing_key()
        return None if key is None else (*key, self._thesaurus.fingerprint)

    def get_config(self) -> dict:
        config = super().get_config()
        thesaurus = self.thesaurus
        config.update(
            {
                "thesaurus": None
                if thesaurus is None
                else (thesaurus if isinstance(thesaurus, dict) else str(thesaurus)),
                "stop_words": self.stop_words,
                "decency_filter": self.decency_filter,
                "block_list": self.block_list,
                "same_pos": self.same_pos,
            }
        )
        return config


class _RateThesaurusLayer(_ThesaurusLayer):
    """A synonym layer with one ``rate``."""

    def __init__(
        self,
        rate: float = 0.1,
        thesaurus: str | os.PathLike | Mapping[str, Sequence[str]] | None = None,
        stop_words: Iterable[str] | None = None,
        decency_filter: bool = True,
        block_list: Iterable[str] | None = None,
        same_pos: bool = False,
        seed: Seed = None,
        **kwargs,
    ):
        super().__init__(
            thesaurus, stop_words, decency_filter, block_list, same_pos, seed, **kwargs
        )
        self.rate = _check_rate(self.__class__.__name__, rate)

    def get_config(self) -> dict:
        config = super().get_config()
        config["rate"] = self.rate
        return config


@register(example={"rate": 0.3})
class SynonymReplacement(_RateThesaurusLayer):
    """Replaces a fraction of the words of each text by WordNet synonyms.

    Per text, ``max(1, floor(rate * words))`` distinct words are replaced
    (EDA's rule; ``rate=0`` replaces none), chosen at random among the words
    that are not stop words and have synonyms. Punctuation attached to a word
    stays (``"cars,"`` -> ``"automobile,"``), and so does its capitalisation
    (``"Big"`` -> ``"Large"``, ``"BIG"`` -> ``"LARGE"``). Inflected words find
    their lemma through WordNet's suffix rules and are replaced by a synonym
    of the lemma (``"dogs"`` -> ``"hound"``), as EDA does.

    Input: ``tf.string`` of any shape; output: the same shape. Graph-native
    (``tf.lookup`` tables and string ops), so it runs inside ``tf.data`` and
    models; string ops have no XLA kernels (``supports_jit = False``).

    Args:
        rate: fraction of the words to replace, in ``[0, 1]``.
        thesaurus: ``None`` for the shipped WordNet 3.0 thesaurus, a path to a
            thesaurus file (``word<TAB>syn|syn``, optionally gzipped), or a
            dict ``{word: [synonyms]}``.
        stop_words: words never replaced nor produced; ``None`` uses
            ``keras_augment.text.STOP_WORDS``.
        decency_filter: never produce WordNet's obscenity, slang, ethnic-slur
            and disparagement senses and lemmas, nor a ``block_list`` word.
        block_list: words never produced with ``decency_filter``; ``None``
            uses ``keras_augment.text.BLOCK_LIST`` (extend it with
            ``[*BLOCK_LIST, "word"]``).
        same_pos: only synonyms in the word's most frequent part of speech
            in WordNet (a tagger-free cue); no effect on user thesauri.
        seed: integer seed, or ``None``.

    The shipped thesaurus offers only the lemmas of a word's frequent senses
    (see :mod:`keras_augment.text.thesaurus` for the rule and thresholds).

    Example:

    >>> layer = SynonymReplacement(rate=0.2, seed=1)
    >>> layer(tf.constant(["The quick brown fox jumps over the lazy dog."]))
    """

    def augment_strings(self, strings: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
        return synonym_replacement(strings, self._thesaurus, self.rate, seed)


@register(example={"rate": 0.3})
class RandomInsertion(_RateThesaurusLayer):
    """Inserts synonyms of a text's own words at random places.

    Per text, ``max(1, floor(rate * words))`` insertions; each takes a random
    non-stop word of the text that the thesaurus knows, draws one of its
    synonyms and puts it in a random gap. Texts with no such word are
    returned unchanged. Same input, output and arguments as
    :class:`SynonymReplacement`.

    Args:
        rate: inserted words as a fraction of the text's words, in ``[0, 1]``.
        thesaurus, stop_words, decency_filter, block_list, same_pos: see
            :class:`SynonymReplacement`.
        seed: integer seed, or ``None``.
    """

    def augment_strings(self, strings: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
        return random_insertion(strings, self._thesaurus, self.rate, seed)


class _RateLayer(TextAugmentation):
    """A word edit whose amount is ``rate``, a fraction in ``[0, 1]``."""

    def __init__(self, rate: float = 0.1, seed: Seed = None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _check_rate(self.__class__.__name__, rate)

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate}


@register(example={"rate": 0.3})
class RandomSwap(_RateLayer):
    """Swaps two random words of each text, ``max(1, floor(rate * words))`` times.

    Input ``tf.string`` of any shape; output the same shape. One-word texts
    are unchanged.

    Args:
        rate: number of swaps as a fraction of the text's words, in ``[0, 1]``.
        seed: integer seed, or ``None``.
    """

    def augment_strings(self, strings: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
        return random_swap(strings, self.rate, seed)


@register(example={"rate": 0.3})
class RandomDeletion(_RateLayer):
    """Deletes each word of each text with probability ``rate``.

    A non-empty text never comes out empty: when every word would go, one
    random word stays; one-word texts are unchanged. Input ``tf.string`` of
    any shape; output the same shape.

    Args:
        rate: probability that a word is deleted, in ``[0, 1]``.
        seed: integer seed, or ``None``.
    """

    def augment_strings(self, strings: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
        return random_deletion(strings, self.rate, seed)


@register(example={"num_aug": 2})
class EDA(_ThesaurusLayer):
    """Easy Data Augmentation (Wei and Zou, 2019): ``num_aug`` variants of each text.

    Each variant applies one of the four operations: synonym replacement
    (``alpha_sr``), random insertion (``alpha_ri``), random swap
    (``alpha_rs``) and random deletion (``p_rd``), with the rules of the
    single-operation layers. The variants of a text cycle through the
    operations from a random starting one, so each operation makes about a
    quarter of them, as in the paper; an operation whose alpha is 0 is
    skipped. Unlike the paper's script, the original text is not among the
    outputs (concatenate it yourself if you want it).

    Input ``tf.string`` of shape ``S``; output ``tf.string`` of shape
    ``S + [num_aug]``. At inference (``training=False``) the output holds
    ``num_aug`` copies of the input, so shapes agree. For offline expansion,
    map it over a ``tf.data`` dataset and ``unbatch`` the variants. The
    defaults are the paper's (``alpha = 0.1`` for every operation); it
    suggests ``num_aug=16`` for small sets (500 examples) and 4 for large ones.

    Args:
        alpha_sr: fraction of words replaced by synonyms.
        alpha_ri: fraction of words inserted.
        alpha_rs: fraction of words swapped.
        p_rd: probability that a word is deleted.
        num_aug: variants per text (a positive integer).
        thesaurus, stop_words, decency_filter, block_list, same_pos: see
            :class:`SynonymReplacement`.
        seed: integer seed, or ``None``.
    """

    def __init__(
        self,
        alpha_sr: float = 0.1,
        alpha_ri: float = 0.1,
        alpha_rs: float = 0.1,
        p_rd: float = 0.1,
        num_aug: int = 9,
        thesaurus: str | os.PathLike | Mapping[str, Sequence[str]] | None = None,
        stop_words: Iterable[str] | None = None,
        decency_filter: bool = True,
        block_list: Iterable[str] | None = None,
        same_pos: bool = False,
        seed: Seed = None,
        **kwargs,
    ):
        super().__init__(
            thesaurus, stop_words, decency_filter, block_list, same_pos, seed, **kwargs
        )
        name = self.__class__.__name__
        self.alpha_sr = _check_rate(name, alpha_sr, "alpha_sr")
        self.alpha_ri = _check_rate(name, alpha_ri, "alpha_ri")
        self.alpha_rs = _check_rate(name, alpha_rs, "alpha_rs")
        self.p_rd = _check_rate(name, p_rd, "p_rd")
        self.num_aug = check_size(name, "num_aug", num_aug)
        self.variants_shape = (self.num_aug,)

    def augment_strings(self, strings: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
        alphas = (self.alpha_sr, self.alpha_ri, self.alpha_rs, self.p_rd)
        return eda(strings, self._thesaurus, alphas, self.num_aug, seed)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "alpha_sr": self.alpha_sr,
                "alpha_ri": self.alpha_ri,
                "alpha_rs": self.alpha_rs,
                "p_rd": self.p_rd,
                "num_aug": self.num_aug,
            }
        )
        return config
