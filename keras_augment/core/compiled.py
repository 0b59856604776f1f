"""Compiled functions kept apart per channel count.

A ``tf.function`` built with ``reduce_retracing=True`` relaxes the shapes it
has seen: after an RGB call and a grayscale call it retraces for
``[..., None]`` channels, and every kernel that needs a static channel count
(grayscale conversion, JPEG encoding, colour matrices) then fails. Keeping one
function per static channel count lets batch, height and width vary freely
while the channel axis stays known.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import tensorflow as tf


def channel_count(images) -> int | None:
    """The static size of the last axis of ``images`` (None when unknown)."""
    shape = tf.TensorShape(getattr(images, "shape", None))
    if shape.rank is None or shape.rank == 0:
        return None
    return shape[-1]


def per_channel_count(fn: Callable | None = None, **options) -> Callable:
    """Like ``tf.function(fn, **options)``, with one traced function per channel count.

    The channel count is read from the last axis of the first argument. The
    wrapper keeps ``python_function`` (the plain ``fn``) and
    ``experimental_get_compiler_ir``, as ``tf.function`` does.
    """
    if fn is None:
        return functools.partial(per_channel_count, **options)
    functions: dict[int | None, Callable] = {}

    def function_for(images):
        key = channel_count(images)
        if key not in functions:
            functions[key] = tf.function(fn, **options)
        return functions[key]

    @functools.wraps(fn)
    def call(images, *args, **kwargs):
        return function_for(images)(images, *args, **kwargs)

    def compiler_ir(images, *args, **kwargs):
        return function_for(images).experimental_get_compiler_ir(images, *args, **kwargs)

    call.python_function = fn
    call.experimental_get_compiler_ir = compiler_ir
    return call
