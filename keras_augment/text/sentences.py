"""Sentence-level text augmentation: reordering the sentences of a paragraph."""

from __future__ import annotations

import tensorflow as tf

from keras_augment.core.random import split_seed, uniform01
from keras_augment.core.registry import register
from keras_augment.core.types import Seed
from keras_augment.core.validation import check_number
from keras_augment.text import ops
from keras_augment.text.base import TextAugmentation

# A sentence ends with . ! ? or an ellipsis (possibly several, possibly
# followed by closing quotes or brackets) and then whitespace.
_SENTENCE_END = r"""([.!?…]+["'”’»)\]]*)\s+"""
# ASCII "unit separator": marks the cut between sentences before splitting.
_CUT = "\x1f"


def split_sentences(texts: tf.Tensor) -> tf.RaggedTensor:
    """Splits ``tf.string[n]`` paragraphs into ragged ``[n, (sentences)]``, stripped."""
    marked = tf.strings.regex_replace(tf.strings.strip(texts), _SENTENCE_END, rf"\1{_CUT}")
    return tf.strings.split(marked, sep=_CUT)


def sentence_shuffle(texts: tf.Tensor, rate: float, seed: tf.Tensor) -> tf.Tensor:
    """Puts the sentences of each paragraph in a random order, with probability ``rate``.

    Reordered paragraphs are re-joined with single spaces between sentences;
    paragraphs that are left alone (or hold one sentence) come back byte for byte.
    """
    sentences = split_sentences(texts)
    chosen = uniform01(tf.shape(texts), split_seed(seed, 1)) < rate
    chosen &= sentences.row_lengths() > 1
    keys = ops.uniform_like(sentences, split_seed(seed, 2))
    shuffled = ops.sort_rows(sentences, keys)
    joined = tf.strings.reduce_join(shuffled, axis=1, separator=" ")
    # A permutation that happens to keep the order leaves the text as it was.
    chosen &= tf.reduce_any(tf.not_equal(shuffled, sentences), axis=1)
    return tf.where(chosen, joined, texts)


@register(example={"rate": 1.0})
class SentenceShuffle(TextAugmentation):
    """Reorders the sentences of each paragraph at random.

    Sentences end with ``.``, ``!``, ``?`` or ``…`` (closing quotes and
    brackets stay with their sentence) followed by whitespace. The multiset
    of sentences is kept; a shuffled paragraph is re-joined with single
    spaces, so line breaks between sentences become spaces; a paragraph whose
    drawn order happens to be the original one comes back byte for byte.

    Input ``tf.string`` of any shape; output the same shape.

    Args:
        rate: probability that a paragraph is reordered, in ``[0, 1]``.
        seed: integer seed, or ``None``.
    """

    def __init__(self, rate: float = 1.0, seed: Seed = None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = check_number(self.__class__.__name__, "rate", rate, low=0.0, high=1.0)

    def augment_strings(self, strings: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
        return sentence_shuffle(strings, self.rate, seed)

    def get_config(self) -> dict:
        config = super().get_config()
        config["rate"] = self.rate
        return config
