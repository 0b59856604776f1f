"""``balance``: oversample minority classes, augmenting every draw."""

from __future__ import annotations

import dataclasses
import math

import keras
import numpy as np
import tensorflow as tf


@dataclasses.dataclass
class BalanceReport:
    """Class counts before and after balancing (``{class_index: count}``)."""

    before: dict
    after: dict

    def __str__(self) -> str:
        lines = ["class  before  after"]
        for c in sorted(self.after):
            lines.append(f"{c:>5}  {self.before.get(c, 0):>6}  {self.after[c]:>5}")
        return "\n".join(lines)


def _class_index(label: tf.Tensor) -> tf.Tensor:
    label = tf.convert_to_tensor(label)
    if label.shape.rank == 0:
        return tf.cast(label, tf.int64)
    if label.shape.rank == 1 and label.shape[0] == 1:
        return tf.cast(label[0], tf.int64)
    return tf.argmax(label, output_type=tf.int64)  # one-hot or probabilities


def balance(
    dataset: tf.data.Dataset,
    augmentation: keras.layers.Layer,
    *,
    target: dict | list | None = None,
    size: int | None = None,
    seed: int | None = None,
    shuffle_buffer: int = 1024,
) -> tuple[tf.data.Dataset, BalanceReport]:
    """Oversamples classes of an unbatched ``(x, y)`` data set to a target distribution.

    Every class ``c`` is repeated until it has exactly its target count, and
    every element drawn (originals and copies) goes through
    ``augmentation``, so repeated images are not identical. Labels may be
    integers or one-hot vectors. The input must be finite; it is read once to
    count the classes.

    Args:
        dataset: unbatched ``(x, y)`` or ``(x, y, w)`` elements.
        augmentation: the layer applied to every element (``training=True``).
        target: ``None`` gives every class as many samples as the largest
            class; a dict ``{class: proportion}`` or a list of proportions
            (one per class) gives that distribution, with ``size`` samples in
            all (default: the size of the input).
        size: total number of samples when ``target`` is given.
        seed: seed for the order of the output (and the augmentation).
        shuffle_buffer: buffer of the final shuffle that mixes the classes.

    Returns:
        ``(balanced_dataset, report)``; ``report.after`` is the exact class
        distribution of one pass over ``balanced_dataset``.
    """
    spec = dataset.element_spec
    if not isinstance(spec, tuple) or len(spec) not in (2, 3):
        raise ValueError(
            f"balance: expected a data set of (x, y) or (x, y, w) elements; got {spec}."
        )
    labels = [int(c) for c in dataset.map(lambda *e: _class_index(e[1])).as_numpy_iterator()]
    if not labels:
        raise ValueError("balance: the data set is empty.")
    classes, counts = np.unique(labels, return_counts=True)
    before = {int(c): int(n) for c, n in zip(classes, counts)}

    if target is None:
        wanted = {c: max(before.values()) for c in before}
    else:
        if isinstance(target, (list, tuple)):
            target = dict(enumerate(target))
        if not isinstance(target, dict) or any(p < 0 for p in target.values()):
            raise ValueError(
                f"balance: `target` must map classes to proportions >= 0; got {target!r}."
            )
        missing = [c for c, p in target.items() if p > 0 and c not in before]
        if missing:
            raise ValueError(f"balance: target classes {missing} have no samples in the data set.")
        total = size if size is not None else len(labels)
        weight = sum(target.values())
        if weight <= 0:
            raise ValueError("balance: `target` proportions sum to zero.")
        wanted = _apportion({int(c): p / weight for c, p in target.items()}, total)

    parts = []
    for c, count in wanted.items():
        if count == 0:
            continue
        members = dataset.filter(lambda *e, c=c: tf.equal(_class_index(e[1]), c))
        parts.append(members.repeat(math.ceil(count / before[c])).take(count))
    balanced = parts[0]
    for part in parts[1:]:
        balanced = balanced.concatenate(part)
    balanced = balanced.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)

    from keras_augment.data.pipeline import augment

    balanced = augment(balanced, augmentation, seed=seed, prefetch=False)
    return balanced, BalanceReport(before=before, after={c: n for c, n in wanted.items() if n})


def _apportion(shares: dict, total: int) -> dict:
    """Integer counts proportional to ``shares`` that add up to ``total`` (largest remainders)."""
    raw = {c: s * total for c, s in shares.items()}
    counts = {c: int(math.floor(v)) for c, v in raw.items()}
    rest = total - sum(counts.values())
    for c in sorted(raw, key=lambda c: raw[c] - counts[c], reverse=True)[:rest]:
        counts[c] += 1
    return counts
