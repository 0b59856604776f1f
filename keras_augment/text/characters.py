"""Character-level text augmentation: typing errors."""

from __future__ import annotations

from collections.abc import Sequence

import tensorflow as tf

from keras_augment.core.random import split_seed, uniform01
from keras_augment.core.registry import register
from keras_augment.core.types import Seed
from keras_augment.core.validation import check_number
from keras_augment.text import ops
from keras_augment.text.base import TextAugmentation

OPERATIONS = ("typo", "swap", "delete")

# Keys next to each key on a US QWERTY keyboard (same row and the rows above and below).
_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")


def _keyboard_neighbours() -> dict[str, str]:
    position = {key: (r, c) for r, row in enumerate(_ROWS) for c, key in enumerate(row)}
    neighbours = {}
    for key, (r, c) in position.items():
        near = []
        for other, (r2, c2) in position.items():
            # Rows are staggered by about half a key: the row below sits half a
            # key right, so "s" touches "w", "e", "a", "d", "z" and "x".
            shift = 0.5 * (r2 - r)
            if other != key and abs(r2 - r) <= 1 and abs((c2 + shift) - c) <= 1.0:
                near.append(other)
        neighbours[key] = "".join(near)
    return neighbours


KEYBOARD_NEIGHBOURS: dict[str, str] = _keyboard_neighbours()


class _NeighbourTable:
    def __init__(self):
        keys = list(KEYBOARD_NEIGHBOURS)
        with tf.init_scope():
            self.table = tf.lookup.StaticHashTable(
                tf.lookup.KeyValueTensorInitializer(
                    tf.constant(keys), tf.constant([KEYBOARD_NEIGHBOURS[k] for k in keys])
                ),
                default_value="",
            )


_TABLE: list[_NeighbourTable] = []


def _neighbour_table() -> tf.lookup.StaticHashTable:
    if not _TABLE:
        _TABLE.append(_NeighbourTable())
    return _TABLE[0].table


def random_char_noise(
    texts: tf.Tensor, rate: float, operations: tuple[str, ...], seed: tf.Tensor
) -> tf.Tensor:
    """Applies typing errors to a fraction ``rate`` of the letters and digits of each text.

    Each affected character gets one of ``operations`` at random:
    ``"typo"`` replaces it by a neighbouring key of a QWERTY keyboard (ASCII
    letters and digits only; case kept), ``"swap"`` exchanges it with the
    next character when that is a letter or digit, ``"delete"`` drops it.
    Other characters (spaces, punctuation, non-ASCII letters for typos) are
    never changed, and a non-empty text never loses all its characters.
    """
    chars = tf.strings.unicode_split(texts, "UTF-8")
    flat = chars.flat_values
    rows = chars.value_rowids()
    position = ops.row_positions(chars).flat_values
    lengths = chars.row_lengths()
    wordlike = tf.strings.regex_full_match(flat, r"[\pL\pN]")
    hit = wordlike & (uniform01(tf.shape(flat), split_seed(seed, 1)) < rate)
    choice = tf.cast(
        tf.floor(uniform01(tf.shape(flat), split_seed(seed, 2)) * len(operations)), tf.int32
    )
    choice = tf.minimum(choice, len(operations) - 1)

    def wants(name):
        if name not in operations:
            return tf.zeros_like(hit)
        return hit & tf.equal(choice, operations.index(name))

    # Typos: a random neighbouring key, in the character's case.
    lower = tf.strings.lower(flat)
    near = _neighbour_table().lookup(lower)
    count = tf.strings.length(near)
    k = tf.cast(
        tf.floor(uniform01(tf.shape(flat), split_seed(seed, 3)) * tf.cast(count, tf.float32)),
        tf.int32,
    )
    k = tf.minimum(k, tf.maximum(count - 1, 0))
    typo_char = tf.strings.substr(near, k, tf.ones_like(k))
    typo_char = tf.where(flat != lower, tf.strings.upper(typo_char), typo_char)
    typo = wants("typo") & (count > 0)
    new = tf.where(typo, typo_char, flat)

    # Swaps with the next character (of the same row, a letter or digit); a
    # swap cancels one asked for by the character right after it.
    last = tf.equal(position, tf.gather(lengths, rows) - 1)
    next_wordlike = tf.concat([wordlike[1:], [False]], axis=0) & ~last
    swap = wants("swap") & next_wordlike
    previous_swap = tf.concat([[False], swap[:-1]], axis=0) & tf.not_equal(position, 0)
    swap &= ~previous_swap
    keys = tf.cast(position, tf.float32) + tf.where(swap, 1.5, 0.0)

    # Deletions, unless they would empty the text.
    keep = ~wants("delete")
    kept = tf.math.unsorted_segment_sum(tf.cast(keep, tf.int64), rows, tf.size(lengths))
    keep |= tf.gather(kept == 0, rows)

    moved = ops.sort_rows(chars.with_flat_values(new), chars.with_flat_values(keys))
    moved_keep = ops.sort_rows(chars.with_flat_values(keep), chars.with_flat_values(keys))
    result = tf.ragged.boolean_mask(moved, moved_keep)
    changed = tf.math.unsorted_segment_max(
        tf.cast(typo | swap | ~keep, tf.int32), rows, tf.size(lengths)
    )
    joined = tf.strings.reduce_join(result, axis=1)
    return tf.where(changed > 0, joined, texts)


@register(example={"rate": 0.1})
class RandomCharNoise(TextAugmentation):
    """Typing errors: keyboard-neighbour typos, swapped and dropped characters.

    A fraction ``rate`` of the letters and digits of each text (on average)
    is hit; each hit gets one of ``operations`` at random (see
    :func:`random_char_noise`). Unicode text is split into characters, not
    bytes, so accented letters survive (they can be swapped or deleted; typos
    only touch ASCII keys). Input ``tf.string`` of any shape; output the same
    shape.

    Args:
        rate: probability that a letter or digit is hit, in ``[0, 1]``.
        operations: a non-empty subset of ``("typo", "swap", "delete")``.
        seed: integer seed, or ``None``.
    """

    def __init__(
        self,
        rate: float = 0.05,
        operations: Sequence[str] = OPERATIONS,
        seed: Seed = None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        name = self.__class__.__name__
        self.rate = check_number(name, "rate", rate, low=0.0, high=1.0)
        if isinstance(operations, str):
            operations = (operations,)
        operations = tuple(operations)
        if not operations or any(op not in OPERATIONS for op in operations):
            raise ValueError(
                f"{name}: `operations` must be a non-empty subset of {OPERATIONS}; "
                f"got {operations!r}."
            )
        self.operations = tuple(dict.fromkeys(operations))

    def augment_strings(self, strings: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
        return random_char_noise(strings, self.rate, self.operations, seed)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"rate": self.rate, "operations": list(self.operations)})
        return config
