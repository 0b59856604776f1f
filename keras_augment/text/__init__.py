"""Text augmentation layers on ``tf.string`` tensors.

Word level (the EDA operations, Wei and Zou 2019): :class:`SynonymReplacement`,
:class:`RandomInsertion`, :class:`RandomSwap`, :class:`RandomDeletion` and
:class:`EDA`; sentence level: :class:`SentenceShuffle`; character level:
:class:`RandomCharNoise`; paraphrase: :class:`BackTranslation`.

All but ``BackTranslation`` are graph-native (``tf.strings``, ``tf.ragged``
and ``tf.lookup`` ops), so they run inside ``tf.data`` and at the top of a
model, before ``TextVectorization``. Synonyms come from a WordNet 3.0
thesaurus shipped with the package (see :mod:`keras_augment.text.thesaurus`).
"""

from keras_augment.text.base import TextAugmentation
from keras_augment.text.characters import RandomCharNoise, random_char_noise
from keras_augment.text.sentences import SentenceShuffle, sentence_shuffle, split_sentences
from keras_augment.text.thesaurus import (
    BLOCK_LIST,
    STOP_WORDS,
    Thesaurus,
    load_thesaurus,
    read_thesaurus_file,
    thesaurus_mapping,
)
from keras_augment.text.translation import ApertiumTranslator, BackTranslation
from keras_augment.text.words import (
    EDA,
    RandomDeletion,
    RandomInsertion,
    RandomSwap,
    SynonymReplacement,
    eda,
    random_deletion,
    random_insertion,
    random_swap,
    synonym_replacement,
)

__all__ = [
    "BLOCK_LIST",
    "EDA",
    "STOP_WORDS",
    "ApertiumTranslator",
    "BackTranslation",
    "RandomCharNoise",
    "RandomDeletion",
    "RandomInsertion",
    "RandomSwap",
    "SentenceShuffle",
    "SynonymReplacement",
    "TextAugmentation",
    "Thesaurus",
    "eda",
    "load_thesaurus",
    "random_char_noise",
    "random_deletion",
    "random_insertion",
    "random_swap",
    "read_thesaurus_file",
    "sentence_shuffle",
    "split_sentences",
    "synonym_replacement",
    "thesaurus_mapping",
]
