"""``tf.data`` helpers: augment a data set, balance its classes, expand a folder on disk."""

from keras_augment.data.balance import BalanceReport, balance
from keras_augment.data.expand import ExpandReport, expand
from keras_augment.data.pipeline import augment

__all__ = ["augment", "balance", "BalanceReport", "expand", "ExpandReport"]
