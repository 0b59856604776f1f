"""Word-level text augmentation: the four operations of EDA (Wei and Zou, 2019).

Kernels first (plain functions of ``tf.string[n]`` texts, a ``rate`` and an
``int64[2]`` stateless seed; each text gets its own random choices), then the
layers, which check their arguments and call a kernel.

Words are the runs of non-whitespace characters. A text a kernel changes is
re-joined with single spaces; a text it leaves alone comes back byte for byte.
"""

from __future__ import annotations

import tensorflow as tf

from keras_augment.core.base import register
from keras_augment.core.random import split_seed, uniform01
from keras_augment.core.validation import check_number, check_size
from keras_augment.text import ops
from keras_augment.text.base import TextAugmentation
from keras_augment.text.thesaurus import StopWords, Thesaurus, load_stop_words, load_thesaurus

# ----- kernels -----------------------------------------------------------------


def _synonym_candidates(words: tf.RaggedTensor, thesaurus: Thesaurus, stop_words: StopWords):
    """Thesaurus rows of the words and which words may be replaced (not stop words, known)."""
    keys = ops.lookup_key(
        ops.word_core(words.flat_values), ascii_only=thesaurus.ascii and stop_words.ascii
    )
    stop = stop_words.contains(keys)
    index = thesaurus.index(keys, skip=stop)
    eligible = (thesaurus.count(index) > 0) & ~stop
    return index, eligible


def synonym_replacement(
    texts: tf.Tensor, thesaurus: Thesaurus, stop_words: StopWords, rate: float, seed: tf.Tensor
) -> tf.Tensor:
    """Replaces ``max(1, floor(rate * words))`` random non-stop words per text by a synonym.

    Only words the thesaurus knows are candidates (fewer are replaced when
    fewer are known). Each replacement keeps the punctuation attached to the
    word and its capitalisation (``"Quick,"`` -> ``"Speedy,"``).
    """
    words = ops.split_words(texts)
    index, eligible = _synonym_candidates(words, thesaurus, stop_words)
    order = tf.where(eligible, uniform01(tf.shape(eligible), split_seed(seed, 1)), 2.0)
    ranks = ops.rank_in_rows(words.with_flat_values(order)).flat_values
    budget = tf.gather(ops.count_to_change(rate, words.row_lengths()), words.value_rowids())
    chosen = eligible & (tf.cast(ranks, tf.int64) < budget)
    at = tf.where(chosen)
    synonyms = thesaurus.pick(
        tf.gather_nd(index, at), uniform01(tf.shape(at)[:1], split_seed(seed, 2))
    )
    new_tokens = ops.replace_core(tf.gather_nd(words.flat_values, at), synonyms)
    tokens = tf.tensor_scatter_nd_update(words.flat_values, at, new_tokens)
    changed = tf.math.unsorted_segment_max(
        tf.cast(chosen, tf.int32), words.value_rowids(), tf.shape(texts, tf.int64)[0]
    )
    return ops.join_words(words.with_flat_values(tokens), texts, changed > 0)


def random_insertion(
    texts: tf.Tensor, thesaurus: Thesaurus, stop_words: StopWords, rate: float, seed: tf.Tensor
) -> tf.Tensor:
    """Inserts ``max(1, floor(rate * words))`` synonyms of the text's own words per text.

    Each insertion picks a random non-stop word of the text that the
    thesaurus knows, a random synonym of it, and a random gap (before the
    first word, between two words, or after the last). Texts without such a
    word are unchanged.
    """
    words = ops.split_words(texts)
    index, eligible = _synonym_candidates(words, thesaurus, stop_words)
    lengths = words.row_lengths()
    sources = tf.ragged.boolean_mask(
        words.with_flat_values(tf.range(tf.size(index, tf.int64), dtype=tf.int64)),
        words.with_flat_values(eligible),
    )
    known = sources.row_lengths()
    n = tf.where(known > 0, ops.count_to_change(rate, lengths), 0)
    n_max = tf.reduce_max(tf.concat([n, [0]], axis=0))
    shape = tf.stack([tf.size(n, tf.int64), n_max])
    u_word, u_synonym, u_gap = (uniform01(shape, split_seed(seed, i)) for i in (1, 2, 3))
    # The k-th known word of each row, k uniform over the row's known words.
    k = tf.cast(tf.floor(u_word * tf.cast(known[:, None], tf.float32)), tf.int64)
    k = tf.minimum(k, tf.maximum(known[:, None] - 1, 0))
    flat_k = tf.minimum(
        sources.row_starts()[:, None] + k, tf.maximum(tf.size(sources.flat_values, tf.int64) - 1, 0)
    )
    source_words = tf.gather(sources.flat_values, flat_k)
    synonyms = thesaurus.pick(tf.gather(index, source_words), u_synonym)
    gaps = tf.floor(u_gap * tf.cast(lengths[:, None] + 1, tf.float32))
    inserted = tf.RaggedTensor.from_tensor(synonyms, lengths=n)
    inserted_keys = tf.RaggedTensor.from_tensor(gaps, lengths=n)
    # Original words keep their order at keys 0.5, 1.5, ...; gap g sorts before word g.
    word_keys = tf.cast(ops.row_positions(words), tf.float32) + 0.5
    tokens = ops.sort_rows(
        tf.concat([words, inserted], axis=1), tf.concat([word_keys, inserted_keys], axis=1)
    )
    return ops.join_words(tokens, texts, n > 0)


def random_swap(texts: tf.Tensor, rate: float, seed: tf.Tensor) -> tf.Tensor:
    """Swaps two distinct random words, ``max(1, floor(rate * words))`` times per text.

    Swaps are applied one after another, as in EDA. One-word texts are unchanged.
    """
    words = ops.split_words(texts)
    lengths = words.row_lengths()
    n = tf.where(lengths > 1, ops.count_to_change(rate, lengths), 0)
    rows = tf.size(lengths, tf.int64)
    n_max = tf.reduce_max(tf.concat([n, [0]], axis=0))
    width = tf.reduce_max(tf.concat([lengths, [0]], axis=0))
    u = uniform01(tf.stack([n_max, rows, 2]), seed)
    span = tf.cast(lengths, tf.float32)
    # a uniform over the row, b uniform over the other words of the row.
    first = tf.cast(tf.floor(u[..., 0] * span), tf.int64)
    offset = 1 + tf.cast(tf.floor(u[..., 1] * tf.maximum(span - 1.0, 0.0)), tf.int64)
    second = tf.math.floormod(first + offset, tf.maximum(lengths, 1))
    active = tf.range(n_max)[:, None] < n[None, :]
    first = tf.where(active, first, 0)
    second = tf.where(active, second, 0)
    row_ids = tf.range(rows)
    perm0 = tf.tile(tf.range(width)[None, :], tf.stack([rows, 1]))

    def body(step, perm):
        at_a = tf.stack([row_ids, first[step]], axis=1)
        at_b = tf.stack([row_ids, second[step]], axis=1)
        value_a = tf.gather_nd(perm, at_a)
        value_b = tf.gather_nd(perm, at_b)
        perm = tf.tensor_scatter_nd_update(
            perm, tf.concat([at_a, at_b], 0), tf.concat([value_b, value_a], 0)
        )
        return step + 1, perm

    _, perm = tf.while_loop(
        lambda step, perm: step < n_max, body, (tf.constant(0, tf.int64), perm0)
    )
    perm = tf.RaggedTensor.from_tensor(perm, lengths=lengths)
    flat = perm.flat_values + tf.gather(words.row_starts(), perm.value_rowids())
    tokens = words.with_flat_values(tf.gather(words.flat_values, flat))
    changed = tf.reduce_any(tf.not_equal(tokens, words), axis=1)
    return ops.join_words(tokens, texts, changed)


def random_deletion(texts: tf.Tensor, rate: float, seed: tf.Tensor) -> tf.Tensor:
    """Deletes each word with probability ``rate``; never empties a non-empty text.

    When every word of a text would go, one random word of it stays. One-word
    texts are unchanged (as in EDA).
    """
    words = ops.split_words(texts)
    lengths = words.row_lengths()
    u = uniform01(tf.shape(words.flat_values), split_seed(seed, 1))
    rows = words.value_rowids()
    keep = (u >= rate) | tf.gather(lengths <= 1, rows)
    kept = tf.math.unsorted_segment_sum(tf.cast(keep, tf.int64), rows, tf.size(lengths))
    rescue = tf.cast(
        tf.floor(uniform01(tf.shape(lengths), split_seed(seed, 2)) * tf.cast(lengths, tf.float32)),
        tf.int64,
    )
    position = ops.row_positions(words).flat_values
    keep |= tf.gather(kept == 0, rows) & tf.equal(position, tf.gather(rescue, rows))
    tokens = tf.ragged.boolean_mask(words, words.with_flat_values(keep))
    return ops.join_words(tokens, texts, tokens.row_lengths() < lengths)


def eda(
    texts: tf.Tensor,
    thesaurus: Thesaurus,
    stop_words: StopWords,
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
    copies = tf.reshape(tf.repeat(texts[:, None], num_aug, axis=1), [-1])
    if not enabled:
        return tf.reshape(copies, [n, num_aug])
    start = tf.cast(tf.floor(uniform01([n, 1], split_seed(seed, 0)) * len(enabled)), tf.int32)
    slot = tf.math.floormod(start + tf.range(num_aug, dtype=tf.int32)[None, :], len(enabled))
    which = tf.reshape(slot, [-1])
    parts = tf.dynamic_partition(copies, which, len(enabled))
    positions = tf.dynamic_partition(tf.range(tf.size(copies)), which, len(enabled))
    outputs = []
    for part_index, op in enumerate(enabled):
        part, op_seed = parts[part_index], split_seed(seed, op + 1)
        if op == 0:
            out = synonym_replacement(part, thesaurus, stop_words, alphas[0], op_seed)
        elif op == 1:
            out = random_insertion(part, thesaurus, stop_words, alphas[1], op_seed)
        elif op == 2:
            out = random_swap(part, alphas[2], op_seed)
        else:
            out = random_deletion(part, alphas[3], op_seed)
        outputs.append(out)
    return tf.reshape(tf.dynamic_stitch(positions, outputs), [n, num_aug])


# ----- layers ----------------------------------------------------------------


def _check_rate(layer: str, rate, name: str = "rate") -> float:
    return check_number(layer, name, rate, low=0.0, high=1.0)


class _ThesaurusLayer(TextAugmentation):
    """Holds the ``thesaurus`` and ``stop_words`` arguments of the synonym layers."""

    def __init__(self, thesaurus=None, stop_words=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        name = self.__class__.__name__
        if isinstance(thesaurus, dict):
            thesaurus = {str(k): list(v) for k, v in thesaurus.items()}
        self.thesaurus = thesaurus
        self._stop_words = load_stop_words(stop_words, name)
        self.stop_words = None if stop_words is None else list(stop_words)
        self._thesaurus = load_thesaurus(thesaurus, name)

    def get_config(self) -> dict:
        config = super().get_config()
        thesaurus = self.thesaurus
        config.update(
            {
                "thesaurus": None
                if thesaurus is None
                else (thesaurus if isinstance(thesaurus, dict) else str(thesaurus)),
                "stop_words": self.stop_words,
            }
        )
        return config


@register
class SynonymReplacement(_ThesaurusLayer):
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
        stop_words: words never replaced; ``None`` uses
            ``keras_augment.text.STOP_WORDS``.
        seed: integer seed, or ``None``.

    Example:

    >>> layer = SynonymReplacement(rate=0.2, seed=1)
    >>> layer(tf.constant(["The quick brown fox jumps over the lazy dog."]))
    """

    def __init__(self, rate: float = 0.1, thesaurus=None, stop_words=None, seed=None, **kwargs):
        super().__init__(thesaurus=thesaurus, stop_words=stop_words, seed=seed, **kwargs)
        self.rate = _check_rate(self.__class__.__name__, rate)

    def augment_strings(self, strings, seed):
        return synonym_replacement(strings, self._thesaurus, self._stop_words, self.rate, seed)

    def get_config(self) -> dict:
        config = super().get_config()
        config["rate"] = self.rate
        return config


@register
class RandomInsertion(_ThesaurusLayer):
    """Inserts synonyms of a text's own words at random places.

    Per text, ``max(1, floor(rate * words))`` insertions; each takes a random
    non-stop word of the text that the thesaurus knows, draws one of its
    synonyms and puts it in a random gap. Texts with no such word are
    returned unchanged. Same input, output and arguments as
    :class:`SynonymReplacement`.

    Args:
        rate: inserted words as a fraction of the text's words, in ``[0, 1]``.
        thesaurus: see :class:`SynonymReplacement`.
        stop_words: see :class:`SynonymReplacement`.
        seed: integer seed, or ``None``.
    """

    def __init__(self, rate: float = 0.1, thesaurus=None, stop_words=None, seed=None, **kwargs):
        super().__init__(thesaurus=thesaurus, stop_words=stop_words, seed=seed, **kwargs)
        self.rate = _check_rate(self.__class__.__name__, rate)

    def augment_strings(self, strings, seed):
        return random_insertion(strings, self._thesaurus, self._stop_words, self.rate, seed)

    def get_config(self) -> dict:
        config = super().get_config()
        config["rate"] = self.rate
        return config


@register
class RandomSwap(TextAugmentation):
    """Swaps two random words of each text, ``max(1, floor(rate * words))`` times.

    Input ``tf.string`` of any shape; output the same shape. One-word texts
    are unchanged.

    Args:
        rate: number of swaps as a fraction of the text's words, in ``[0, 1]``.
        seed: integer seed, or ``None``.
    """

    def __init__(self, rate: float = 0.1, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _check_rate(self.__class__.__name__, rate)

    def augment_strings(self, strings, seed):
        return random_swap(strings, self.rate, seed)

    def get_config(self) -> dict:
        config = super().get_config()
        config["rate"] = self.rate
        return config


@register
class RandomDeletion(TextAugmentation):
    """Deletes each word of each text with probability ``rate``.

    A non-empty text never comes out empty: when every word would go, one
    random word stays; one-word texts are unchanged. Input ``tf.string`` of
    any shape; output the same shape.

    Args:
        rate: probability that a word is deleted, in ``[0, 1]``.
        seed: integer seed, or ``None``.
    """

    def __init__(self, rate: float = 0.1, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _check_rate(self.__class__.__name__, rate)

    def augment_strings(self, strings, seed):
        return random_deletion(strings, self.rate, seed)

    def get_config(self) -> dict:
        config = super().get_config()
        config["rate"] = self.rate
        return config


@register
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
        thesaurus: see :class:`SynonymReplacement`.
        stop_words: see :class:`SynonymReplacement`.
        seed: integer seed, or ``None``.
    """

    def __init__(
        self,
        alpha_sr: float = 0.1,
        alpha_ri: float = 0.1,
        alpha_rs: float = 0.1,
        p_rd: float = 0.1,
        num_aug: int = 9,
        thesaurus=None,
        stop_words=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(thesaurus=thesaurus, stop_words=stop_words, seed=seed, **kwargs)
        name = self.__class__.__name__
        self.alpha_sr = _check_rate(name, alpha_sr, "alpha_sr")
        self.alpha_ri = _check_rate(name, alpha_ri, "alpha_ri")
        self.alpha_rs = _check_rate(name, alpha_rs, "alpha_rs")
        self.p_rd = _check_rate(name, p_rd, "p_rd")
        self.num_aug = check_size(name, "num_aug", num_aug)
        self.variants_shape = (self.num_aug,)

    def augment_strings(self, strings, seed):
        alphas = (self.alpha_sr, self.alpha_ri, self.alpha_rs, self.p_rd)
        return eda(strings, self._thesaurus, self._stop_words, alphas, self.num_aug, seed)

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
