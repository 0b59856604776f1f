"""``augment``: map an augmentation over any ``tf.data`` data set."""

from __future__ import annotations

import keras
import tensorflow as tf

_INT64_MAX = 2**63 - 1


def _apply(augmentation, element, seed):
    """Augments one element: images, ``(x, y)``, ``(x, y, w)`` or a dict with ``"images"``."""
    kwargs = {"training": True}
    if seed is not None:
        kwargs["seed"] = seed
    if isinstance(element, dict):
        return augmentation(element, **kwargs)
    if isinstance(element, tuple):
        if len(element) not in (2, 3):
            raise ValueError(
                "augment: tuple elements must be (x, y) or (x, y, sample_weight); "
                f"got a tuple of {len(element)}."
            )
        out = augmentation({"images": element[0], "labels": element[1]}, **kwargs)
        return (out["images"], out["labels"], *element[2:])
    return augmentation(element, **kwargs)


def augment(
    dataset: tf.data.Dataset,
    augmentation: keras.layers.Layer,
    *,
    batch_size: int | None = None,
    num_parallel_calls: int = tf.data.AUTOTUNE,
    deterministic: bool | None = None,
    prefetch: bool = True,
    seed: int | None = None,
    service: str | None = None,
    job_name: str | None = None,
) -> tf.data.Dataset:
    """Maps ``augmentation`` over ``dataset`` with ``training=True``.

    Elements may be images, ``(x, y)``, ``(x, y, sample_weight)`` or dicts
    with ``"images"`` (and ``"labels"``); labels travel with their images, so
    label-mixing layers (``MixUp``, ``CutMix``) work. Batched or not: with
    ``batch_size`` the data set is batched first (augmenting whole batches is
    much faster than single images).

    Args:
        dataset: the input ``tf.data.Dataset``.
        augmentation: a ``keras_augment`` layer or ``Pipeline``.
        batch_size: batch before augmenting; ``None`` keeps the elements as they are.
        num_parallel_calls: parallelism of the ``map`` (default ``AUTOTUNE``).
        deterministic: passed to ``map``; ``None`` uses the data set's option.
        prefetch: add ``prefetch(AUTOTUNE)`` at the end.
        seed: reproducible augmentation even with parallel calls: element
            ``i`` of epoch ``e`` always gets the same parameters, and epochs
            differ from each other. ``None`` uses the layers' own counters.
        service: address of a ``tf.data`` service dispatcher
            (``"grpc://host:port"``). The augmentation then runs on the
            service's workers in ``"distributed_epoch"`` mode: each element is
            processed exactly once per epoch by one of the workers. Every
            worker holds its own copy of the layers, so their counters would
            repeat each other; seeds are therefore drawn per element on the
            worker (random, not reproducible: which worker takes which
            element is not reproducible either). ``seed`` is not allowed here.
        job_name: shared job name for the service, so several consumers
            (e.g. one per training host) split one stream.

    Returns:
        The augmented ``tf.data.Dataset``.
    """
    if not isinstance(dataset, tf.data.Dataset):
        raise TypeError(f"augment: expected a tf.data.Dataset; got {type(dataset).__name__}.")
    if not callable(augmentation):
        raise TypeError(f"augment: `augmentation` must be a layer; got {augmentation!r}.")
    if service is not None and seed is not None:
        raise ValueError(
            "augment: `seed` cannot be combined with `service`; the service decides which "
            "worker handles which element, so results cannot be reproduced by seed."
        )
    if batch_size is not None:
        dataset = dataset.batch(batch_size)

    if seed is not None:
        # One int64 per element from a seeded stream that changes every epoch.
        seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
        dataset = tf.data.Dataset.zip(dataset, seeds)

        def fn(*args):
            *element, draw = args
            element = element[0] if len(element) == 1 else tuple(element)
            return _apply(augmentation, element, tf.stack([draw, tf.constant(seed, tf.int64)]))

    elif service is not None:

        def fn(*element):
            element = element[0] if len(element) == 1 else tuple(element)
            draw = tf.random.uniform([2], maxval=_INT64_MAX, dtype=tf.int64)
            return _apply(augmentation, element, draw)

    else:

        def fn(*element):
            element = element[0] if len(element) == 1 else tuple(element)
            return _apply(augmentation, element, None)

    dataset = dataset.map(fn, num_parallel_calls=num_parallel_calls, deterministic=deterministic)
    if service is not None:
        dataset = dataset.apply(
            tf.data.experimental.service.distribute(
                processing_mode="distributed_epoch", service=service, job_name=job_name
            )
        )
    if prefetch:
        dataset = dataset.prefetch(tf.data.AUTOTUNE)
    return dataset
