"""Augmentation policies: RandAugment, AugMix, TrivialAugmentWide and AutoAugment.

A policy applies operations chosen at random from a table (shear, rotation,
brightness, posterize, equalize, ...). Here every sample of a batch makes its
own choices, at run time, from the layer's stateless ``Sampler``: nothing is
decided while a graph is traced, so a ``tf.data`` pipeline or a compiled model
keeps drawing fresh operations batch after batch.

How a batch is processed (``apply_policy_ops``): each sample holds a list of
slots, one chosen operation per slot. The geometric operations a sample chose
(in any slot) become 3x3 matrices, multiplied into one matrix per sample, and
the samples that chose any are resampled once, a few at a time (the others
are not read). The colour operations then follow slot by slot,
in the order drawn: a loop over the samples (an XLA while loop) runs, for
each slot, only the operation that sample chose (``tf.switch_case``), so a
sample pays for its own operations rather than for every candidate of the
table. Each policy runs as one XLA-compiled function (AugMix: one per half
of a large batch), shared by all layers with the same configuration. The kernels are those of
``keras_augment.image.color`` and ``keras_augment.image.quality``, called with
per-sample magnitudes.

Because geometry is applied first and in one pass, a sample whose slots draw
"posterize, then rotate" gets "rotate, then posterize": one interpolation
instead of several, and sharp posterize or solarize edges that a later warp
would blur.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import tensorflow as tf

from keras_augment.core import matrices
from keras_augment.core.base import BaseAugmentation, Batch
from keras_augment.core.compiled import in_xla_context, per_channel_count
from keras_augment.core.geometry import move_targets
from keras_augment.core.random import Sampler, sample_beta, sample_log_gamma
from keras_augment.core.registry import IMAGE_TARGETS, register
from keras_augment.core.resample import (
    axis_aligned_each,
    resample,
    sheared_each,
    warp_window,
    window_routes,
)
from keras_augment.core.types import DataFormat, FillMode, Interpolation, Range, Seed
from keras_augment.core.uint8_output import Uint8Output
from keras_augment.core.validation import (
    check_choice,
    check_concentration,
    check_fill_mode,
    check_interpolation,
    check_number,
    check_value_range,
    parse_fraction_range,
)
from keras_augment.image.ops import color, quality, tables

ValueRange = tuple[float, float]

# ``resample`` is an XLA-compiled tf.function (with AutoGraph, whose conversion
# costs seconds per process). Policies run inside their own compiled function,
# so they call the plain Python function and trace it without AutoGraph.
_resample = getattr(resample, "python_function", resample)

# ----- the operation table -------------------------------------------------------


@dataclass(frozen=True)
class PolicyOp:
    """One entry of a policy's table of operations.

    Exactly one of ``matrix`` and ``color`` is set, or neither (the identity).

    Attributes:
        name: key of the operation's arguments in the parameters.
        matrix: ``matrix(args, height, width) -> float32[batch, 3, 3]`` for a
            geometric operation (maps output pixels to input pixels).
        color: ``color(images, args, value_range) -> images`` for a colour
            operation; ``args`` holds ``float32[batch]`` tensors.
        table: for a colour operation that maps each channel value on its
            own, the same operation on uint8 lookup tables:
            ``table(values, counts, args, value_range) -> values`` (see
            ``keras_augment.image.ops.tables``).
        reads: the statistic of the image ``table`` reads from ``counts``:
            ``"mean"`` (each channel's mean), ``"extremes"`` (each channel's
            smallest and largest value), ``"histogram"`` (all of it), or None.
        monotone: whether ``table`` keeps the order of the levels (or
            reverses it), whatever its arguments: composed with such tables,
            the extremes of a channel stay the images of its extreme levels.
        one_axis_shear: whether ``matrix`` shears along one axis only (the
            resampler's window path can take samples whose geometry it is).
    """

    name: str
    matrix: Callable | None = None
    color: Callable | None = None
    table: Callable | None = None
    reads: str | None = None
    monotone: bool = False
    one_axis_shear: bool = False


def _shear_matrix(args, height, width):
    # About the top-left corner, as keras.layers.RandomShear and PIL do.
    return matrices.shear(args["x"], args["y"])


def _translation_matrix(args, height, width):
    return matrices.translation(args["x"], args["y"])


def _rotation_matrix(args, height, width):
    return matrices.rotation(args["angle"], height, width)


def _add_brightness(images, args, value_range):
    return color.adjust_brightness(images, args["delta"], value_range)


def _scale_brightness(images, args, value_range):
    # PIL ImageEnhance.Brightness: blend with a black image (``low``).
    black = tf.constant(value_range[0], tf.float32)
    return tf.clip_by_value(
        color.blend(images, black, args["factor"]), value_range[0], value_range[1]
    )


def _degenerate_color(images, args, value_range):
    return color.degenerate_color(images, args["factor"], value_range)


def _channel_contrast(images, args, value_range):
    return color.adjust_contrast(images, args["factor"], value_range, per_channel=True)


def _gray_contrast(images, args, value_range):
    return color.adjust_contrast(images, args["factor"], value_range, per_channel=False)


def _sharpness(images, args, value_range):
    return quality.adjust_sharpness(images, args["factor"], value_range)


def _posterize(images, args, value_range):
    return color.posterize(images, args["bits"], value_range)


def _solarize(images, args, value_range):
    # ``threshold`` as a fraction of the value range.
    low, high = value_range
    return color.solarize(images, low + args["threshold"] * (high - low), value_range)


def _add_and_solarize(images, args, value_range):
    # keras.layers.Solarization: add, clip, then invert values at or above the threshold.
    added = color.adjust_brightness(images, args["addition"], value_range)
    return _solarize(added, args, value_range)


def _auto_contrast(images, args, value_range):
    return color.auto_contrast(images, value_range)


def _equalize(images, args, value_range):
    return color.equalize(images, value_range)


def _invert(images, args, value_range):
    return color.invert(images, value_range)


# The same operations on lookup tables (``counts``: each level's pixel count).
def _channel_contrast_table(values, counts, args, value_range):
    return tables.adjust_contrast(values, counts, args["factor"], value_range, per_channel=True)


def _gray_contrast_table(values, counts, args, value_range):
    return tables.adjust_contrast(values, counts, args["factor"], value_range, per_channel=False)


def _auto_contrast_table(values, counts, args, value_range):
    return tables.auto_contrast(values, counts, value_range)


def _equalize_table(values, counts, args, value_range):
    return tables.equalize(values, counts, value_range)


# The operations of keras.layers.RandAugment and keras.layers.AugMix, named as
# their sub-layers are, with the magnitudes those sub-layers draw.
KERAS_OPS = {
    "random_shear": PolicyOp("random_shear", matrix=_shear_matrix),
    "random_translation": PolicyOp("random_translation", matrix=_translation_matrix),
    "random_rotation": PolicyOp("random_rotation", matrix=_rotation_matrix),
    "random_brightness": PolicyOp(
        "random_brightness",
        color=_add_brightness,
        table=tables.pointwise(_add_brightness),
        monotone=True,
    ),
    "random_color_degeneration": PolicyOp("random_color_degeneration", color=_degenerate_color),
    "random_contrast": PolicyOp(
        "random_contrast",
        color=_channel_contrast,
        table=_channel_contrast_table,
        reads="mean",
        monotone=True,
    ),
    "random_sharpness": PolicyOp("random_sharpness", color=_sharpness),
    "random_posterization": PolicyOp(
        "random_posterization",
        color=_posterize,
        table=tables.pointwise(_posterize),
        monotone=True,
    ),
    "solarization": PolicyOp(
        "solarization", color=_add_and_solarize, table=tables.pointwise(_add_and_solarize)
    ),
    "auto_contrast": PolicyOp(
        "auto_contrast",
        color=_auto_contrast,
        table=_auto_contrast_table,
        reads="extremes",
        monotone=True,
    ),
    "equalization": PolicyOp(
        "equalization",
        color=_equalize,
        table=_equalize_table,
        reads="histogram",
        monotone=True,
    ),
}

# Keras' orders (op indices refer to them).
RAND_AUGMENT_OPS = (
    "random_shear",
    "random_translation",
    "random_rotation",
    "random_brightness",
    "random_color_degeneration",
    "random_contrast",
    "random_sharpness",
    "random_posterization",
    "solarization",
    "auto_contrast",
    "equalization",
)
AUG_MIX_OPS = (
    "random_shear",
    "random_translation",
    "random_rotation",
    "random_posterization",
    "solarization",
    "auto_contrast",
    "equalization",
)
AUG_MIX_ALL_OPS = AUG_MIX_OPS + (
    "random_brightness",
    "random_color_degeneration",
    "random_contrast",
    "random_sharpness",
)

# The PIL-style operations of AutoAugment and TrivialAugment (torchvision names).
PIL_OPS = {
    "Identity": PolicyOp("Identity"),
    "ShearX": PolicyOp("ShearX", matrix=_shear_matrix, one_axis_shear=True),
    "ShearY": PolicyOp("ShearY", matrix=_shear_matrix, one_axis_shear=True),
    "TranslateX": PolicyOp("TranslateX", matrix=_translation_matrix),
    "TranslateY": PolicyOp("TranslateY", matrix=_translation_matrix),
    "Rotate": PolicyOp("Rotate", matrix=_rotation_matrix),
    "Brightness": PolicyOp(
        "Brightness",
        color=_scale_brightness,
        table=tables.pointwise(_scale_brightness),
        monotone=True,
    ),
    "Color": PolicyOp("Color", color=_degenerate_color),
    "Contrast": PolicyOp(
        "Contrast", color=_gray_contrast, table=_gray_contrast_table, reads="mean", monotone=True
    ),
    "Sharpness": PolicyOp("Sharpness", color=_sharpness),
    "Posterize": PolicyOp(
        "Posterize", color=_posterize, table=tables.pointwise(_posterize), monotone=True
    ),
    "Solarize": PolicyOp("Solarize", color=_solarize, table=tables.pointwise(_solarize)),
    "AutoContrast": PolicyOp(
        "AutoContrast",
        color=_auto_contrast,
        table=_auto_contrast_table,
        reads="extremes",
        monotone=True,
    ),
    "Equalize": PolicyOp(
        "Equalize", color=_equalize, table=_equalize_table, reads="histogram", monotone=True
    ),
    "Invert": PolicyOp("Invert", color=_invert, table=tables.pointwise(_invert), monotone=True),
}
ALL_OPS = {**KERAS_OPS, **PIL_OPS}


# ----- the kernel every policy shares ---------------------------------------------


def policy_matrix(
    op_indices: tf.Tensor, args: list, ops: list, height: int | tf.Tensor, width: int | tf.Tensor
) -> tf.Tensor:
    """``float32[batch, 3, 3]``: each sample's geometric choices multiplied into one matrix.

    Output-to-input, as the resampler takes it; the identity for a sample that
    chose no geometric operation. The same matrix moves pixels and targets.
    """
    op_indices = tf.cast(op_indices, tf.int32)
    n = tf.shape(op_indices)[0]
    composed = matrices.identity(n)
    for s in range(len(args)):
        step = matrices.identity(n)
        for k, op in enumerate(ops):
            if op.matrix is None:
                continue
            chosen = tf.equal(op_indices[:, s], k)[:, None, None]
            step = tf.where(chosen, op.matrix(args[s].get(op.name, {}), height, width), step)
        composed = matrices.compose(composed, step)
    return composed


def _geometry(op_indices, args, ops, height, width) -> tuple[bool, tf.Tensor, tf.Tensor]:
    """``(any_geometric_op, moves, matrix)``: whether the table has geometry, which samples
    chose some (``bool[batch]``) and each sample's composed matrix (``float32[batch, 3, 3]``)."""
    valid = (op_indices >= 0) & (op_indices < len(ops))
    clipped = tf.clip_by_value(op_indices, 0, len(ops) - 1)
    is_geometric = tf.constant([op.matrix is not None for op in ops])
    moves = tf.reduce_any(valid & tf.gather(is_geometric, clipped), axis=1)
    matrix = policy_matrix(op_indices, args, ops, height, width)
    return any(op.matrix is not None for op in ops), moves, matrix


def _branches(op_indices, ops, in_branch) -> tuple[list, tf.Tensor]:
    """The ops ``in_branch`` selects, and each slot's branch among them (``int32[batch, slots]``).

    Branch 0 means the sample chose none of them there; branch ``j + 1`` the ``j``-th.
    """
    valid = (op_indices >= 0) & (op_indices < len(ops))
    clipped = tf.clip_by_value(op_indices, 0, len(ops) - 1)
    chosen = [op for op in ops if in_branch(op)]
    branch_of_op = [1 + chosen.index(op) if in_branch(op) else 0 for op in ops]
    return chosen, tf.where(valid, tf.gather(branch_of_op, clipped), 0)


def _members(mask: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """``(members, count)``: the indices where ``bool[batch]`` ``mask`` holds, in order, first.

    Built with a one-hot sum instead of a sort or a boolean mask, whose
    shapes XLA cannot keep static.
    """
    n = tf.shape(mask)[0]
    rank = tf.cumsum(tf.cast(mask, tf.int32)) - 1
    slot = tf.range(n)
    hit = mask[None, :] & tf.equal(rank[None, :], slot[:, None])
    members = tf.reduce_sum(tf.where(hit, slot[None, :], 0), axis=1)
    return members, tf.reduce_sum(tf.cast(mask, tf.int32))


# Samples per step when an operation runs only on the samples that need it.
# Two ran RandAugment on uint8 about 8% faster than four (by CPU time, 2 cores):
# XLA scatters a step's rows element by element, and the last step repeats a
# member; one per step was slower still (about 30 ms a batch against 19).
_CHUNK = 2


def _update_members(mask: tf.Tensor, target: tf.Tensor, compute: Callable) -> tf.Tensor:
    """``target`` with its rows where ``bool[batch]`` ``mask`` holds replaced by ``compute``.

    ``compute(picks)`` returns the new rows ``[_CHUNK, ...]`` for the sample
    indices ``int32[_CHUNK]``; it runs ``ceil(count / _CHUNK)`` times, on the
    members in order (the last step repeats its last member, whose rows are
    then written twice with the same values). So the cost follows the
    number of members, not the batch size, while every step keeps static
    shapes for XLA.
    """
    members, count = _members(mask)

    def step(k, target):
        picks = tf.gather(members, tf.minimum(k + tf.range(_CHUNK), count - 1))
        return k + _CHUNK, tf.tensor_scatter_nd_update(target, picks[:, None], compute(picks))

    return tf.while_loop(lambda k, _: k < count, step, (0, target))[1]


def _row(tensor, i):
    """``tensor[i][None]`` as a gather: a slice at a computed index would make XLA
    treat the index as a compile-time constant and recompile for every batch."""
    return tf.gather(tensor, i[None])


def _replace_row(tensor, i, row):
    """``tensor`` with row ``i`` replaced by ``row`` (shaped ``[1, ...]``); in place under XLA."""
    return tf.tensor_scatter_nd_update(tensor, [[i]], row)


def _for_each_member(mask, state, body):
    """Runs ``state = body(i, state)`` for every sample ``i`` where ``mask`` holds, in order."""
    members, count = _members(mask)

    def step(k, state):
        return k + 1, body(tf.gather(members, k), state)

    return tf.while_loop(lambda k, _: k < count, step, (0, state))[1]


def _colour_of(image, own, branch, ops, value_range):
    """The colour operation ``branch`` (1-based, among ``ops``) on ``image``, with ``own`` args."""
    candidates = [lambda op=op: op.color(image, own.get(op.name, {}), value_range) for op in ops]
    out = tf.switch_case(branch - 1, candidates)
    out.set_shape(image.shape)
    return out


def _apply_on_floats(images, op_indices, args, ops, value_range, warp):
    """``apply_policy_ops`` on float32 images: a loop over the samples runs each one's choices."""
    images = warp(tf.cast(images, tf.float32))
    colour, branches = _branches(op_indices, ops, lambda op: op.color is not None)
    slots = len(args)
    if not slots or not colour:
        return images
    # Slots share one switch (a loop over slots): each operation is compiled once.
    stacked_args = tf.nest.map_structure(lambda *leaves: tf.stack(leaves), *args)

    def one_sample(i):
        def one_slot(s, image):
            own = tf.nest.map_structure(lambda t: t[s, i][None], stacked_args)
            candidates = [lambda: image]
            for op in colour:
                candidates.append(lambda op=op: op.color(image, own.get(op.name, {}), value_range))
            return s + 1, tf.switch_case(branches[i, s], candidates)

        _, image = tf.while_loop(lambda s, _: s < slots, one_slot, (0, images[i][None]))
        return image[0]

    return tf.map_fn(
        one_sample,
        tf.range(tf.shape(images)[0]),
        fn_output_signature=tf.TensorSpec(images.shape[1:], tf.float32),
    )


# How a sample's pixels are counted for the table operations that follow: not at all, as
# ``tables.pseudo_counts`` (two levels that keep the mean and the extremes) or as the full
# ``tables.histogram`` (about four times the CPU time on 224x224 RGB).
_NO_COUNT, _PSEUDO_COUNT, _FULL_COUNT = 0, 1, 2


def _counting(table_ops: list, table_branches: tf.Tensor, other_branches: tf.Tensor) -> list:
    """``int32[batch]`` for each slot ``s``: how to count the pixels the slots from ``s`` read.

    Counts are taken before slot 0 and after every other (non-table)
    operation, which resets the sample's table to the identity; they serve
    the table operations up to the next such reset. Pseudo-counts serve them
    when each reads a channel mean while the table is still the identity, or
    the extremes while it is monotone: those statistics are then the ones
    of the histogram. Anything else (equalization, a mean after a pointwise
    operation, the extremes after solarization) takes the full histogram.
    Only entries ``0`` and ``s + 1`` after a reset at slot ``s`` are used.
    """
    kinds = (None, "mean", "extremes", "histogram")
    reads = tf.gather([0] + [kinds.index(op.reads) for op in table_ops], table_branches)
    monotone = tf.gather([True] + [op.monotone for op in table_ops], table_branches)
    resets = other_branches > 0
    # The table of each sample before each slot: 0 the identity, 1 monotone, 2 any.
    state = tf.zeros_like(table_branches[:, 0])
    full, counted = [], []
    for s in range(table_branches.shape[1]):
        kind = reads[:, s]
        full.append(
            tf.equal(kind, 3)
            | (tf.equal(kind, 1) & (state > 0))
            | (tf.equal(kind, 2) & (state > 1))
        )
        counted.append(kind > 0)
        changed = table_branches[:, s] > 0
        state = tf.where(changed, tf.maximum(state, tf.where(monotone[:, s], 1, 2)), state)
        state = tf.where(resets[:, s], 0, state)
    # From the last slot back: what the slots up to the next reset need.
    needs = [tf.zeros_like(state)]
    for s in reversed(range(len(full))):
        carried = tf.where(resets[:, s], _NO_COUNT, needs[0])
        own = tf.where(full[s], _FULL_COUNT, tf.where(counted[s], _PSEUDO_COUNT, _NO_COUNT))
        needs.insert(0, tf.maximum(own, carried))
    return needs


def _count(images: tf.Tensor, how: tf.Tensor, counts: tf.Tensor) -> tf.Tensor:
    """``counts`` with the rows of the samples ``how`` asks to count (``int32[batch]``) replaced."""
    counts = _update_members(
        tf.equal(how, _FULL_COUNT),
        counts,
        lambda picks: tables.histogram(tf.gather(images, picks)),
    )
    return _update_members(
        tf.equal(how, _PSEUDO_COUNT),
        counts,
        lambda picks: tables.pseudo_counts(tf.gather(images, picks)),
    )


def _select_tables(candidates: list, branch: tf.Tensor) -> tf.Tensor:
    """Each sample's table among ``candidates`` (each ``[batch, c, 256]``) by ``branch[batch]``."""
    stacked = tf.stack(candidates, axis=1)  # [batch, candidates, c, 256]
    return tf.gather(stacked, branch, batch_dims=1)


def _other_ops_on_tables(state, branch, later, slot_args, ops, value_range):
    """One slot's colour operations that are not tables, on the samples that chose them.

    A loop over those samples only applies a chooser's table (unless it is
    still the identity), runs its operation, rounds the result to uint8 and
    resets its table; where a later slot reads a statistic, its pixels are
    counted again as ``later`` (``int32[batch]``, see ``_counting``) says.
    The other samples are not touched.
    """
    channels = state[0].shape[-1]
    identity = tables.identity_tables(1, channels)

    def one_sample(i, state):
        images, values, counts = state
        image, own_counts = _row(images, i), _row(counts, i)
        table = _row(values, i)
        own = tf.nest.map_structure(lambda t: _row(t, i), slot_args)
        # A table still at the identity (no pointwise choice yet, about half of
        # these samples) is not read: the pixels are its result.
        source = tf.cond(
            tf.reduce_all(tf.equal(table, identity)),
            lambda: tf.cast(image, tf.float32),
            lambda: tables.apply_tables(image, table),
        )

        def run(op):
            out = tables.quantize(op.color(source, own.get(op.name, {}), value_range))
            if later is None:
                return out, own_counts
            how = _row(later, i)[0]
            counted = tf.switch_case(
                how,
                [
                    lambda: own_counts,
                    lambda: tables.pseudo_counts(out),
                    lambda: tables.histogram(out),
                ],
            )
            return out, counted

        out, counted = tf.switch_case(_row(branch, i)[0] - 1, [lambda op=op: run(op) for op in ops])
        out.set_shape(image.shape)
        counted.set_shape(own_counts.shape)
        return (
            _replace_row(images, i, out),
            _replace_row(values, i, identity),
            _replace_row(counts, i, counted),
        )

    return _for_each_member(branch > 0, state, one_sample)


def _read_tables(images: tf.Tensor, values: tf.Tensor) -> tf.Tensor:
    """uint8 ``images`` read through their tables (``values``, ``float32[batch, c, 256]``).

    Sample by sample, and only the samples whose table is not the identity
    (about a fifth of RandAugment's samples chose no pointwise operation);
    the others keep their pixels. The loop also keeps XLA from fusing the
    tables' rounding into the read, where it ran once per pixel (about 15%
    of the read's CPU time; a table of pointwise operations alone was
    recomputed entirely, per pixel).
    """
    rounded = tables.quantize(values)
    identity = tf.reduce_all(
        tf.equal(values, tables.identity_tables(1, values.shape[1])), axis=[1, 2]
    )

    def read(i, out):
        return _replace_row(out, i, tables.apply_tables(_row(images, i), _row(rounded, i)))

    return _for_each_member(~identity, images, read)


def _apply_on_tables(images, op_indices, args, ops, value_range, warp):
    """``apply_policy_ops`` on uint8 images in ``[0, 255]`` to uint8, pointwise operations as tables.

    The pixels stay uint8 throughout. Resampled samples are rounded to the
    nearest level; the pointwise colour operations of every slot compose into
    one table per sample and channel (``keras_augment.image.ops.tables``),
    computed from one count of the pixels without touching them. Only the
    samples whose choices read a statistic are counted, and of those only the
    ones whose statistic needs it (equalization; a mean or the extremes
    after a table that would change them) count a full histogram; the others
    count two levels per channel that keep the mean and the extremes
    (``tables.pseudo_counts``, see ``_counting``), which give the same
    tables up to float rounding. A sample that
    chose another colour operation (colour degeneration, sharpness) has its
    table applied, that operation run and the result rounded, alone. The
    tables are read once at the end.
    """
    channels = images.shape[-1]
    images = warp(images)
    table_ops, table_branches = _branches(op_indices, ops, lambda op: op.table is not None)
    other_ops, other_branches = _branches(
        op_indices, ops, lambda op: op.color is not None and op.table is None
    )
    values = tables.identity_tables(tf.shape(images)[0], channels)
    reads_counts = any(op.reads for op in table_ops)
    counts = tf.zeros_like(values)
    if reads_counts:
        # Only the samples whose choices read a statistic are counted, and most of
        # them only as cheap pseudo-counts.
        counting = _counting(table_ops, table_branches, other_branches)
        counts = _count(images, counting[0], counts)
    for s, slot_args in enumerate(args):
        candidates = [values] + [
            op.table(values, counts, slot_args.get(op.name, {}), value_range) for op in table_ops
        ]
        values = _select_tables(candidates, table_branches[:, s])
        if not other_ops:
            continue

        later = counting[s + 1] if reads_counts else None
        images, values, counts = _other_ops_on_tables(
            (images, values, counts), other_branches[:, s], later, slot_args, other_ops, value_range
        )
    return _read_tables(images, values)


def apply_policy_ops(
    images: tf.Tensor,
    op_indices: tf.Tensor,
    args: list,
    ops: list,
    value_range: ValueRange,
    interpolation: str = "bilinear",
    fill_mode: str = "reflect",
    fill_value: float = 0.0,
    output_dtype: str = "float32",
) -> tf.Tensor:
    """Applies one chosen operation per slot to every sample, evaluating only what it chose.

    All geometric choices of a sample are multiplied into one matrix and
    applied first, in one resample of the samples that chose any (a few
    samples per step, so the cost follows how many moved). Samples that only
    shift are interpolated along rows, then columns; samples whose matrix is a
    shear along one axis (ShearX, ShearY; not Keras' ``random_shear``, which
    shears along both) read each output row as two windows of its source row
    (the resampler's window path; shears along y only on the uint8 table path);
    the rest gather four corners per pixel (on uint8 one word that holds all four, written
    for the two samples of each step: the resampler's corner words). The colour
    choices follow, slot by slot. An index that
    matches no operation (e.g. -1) leaves the sample unchanged in that slot.

    On float images the colour operations run sample by sample in a loop
    (``tf.map_fn``; an XLA while loop when compiled) with one
    ``tf.switch_case`` per slot, so each sample pays only for its own
    operations instead of every candidate.

    uint8 images with ``value_range=(0, 255)``, asked for uint8 output,
    take a faster path (``_apply_on_tables``): the pointwise operations (brightness, contrast,
    posterize, solarize, invert, auto-contrast, equalize) of all slots become
    one lookup table per sample and channel, read once. Its results equal
    the float path's up to rounding: a resampled sample, or one after colour
    degeneration or sharpness, is rounded to whole levels before the
    operations that follow.

    Args:
        images: ``[batch, height, width, channels]``, float32 or uint8.
        op_indices: ``int32[batch, slots]``, indices into ``ops``.
        args: one dict per slot, mapping each operation's ``name`` to its
            arguments (dicts of ``float32[batch]`` tensors).
        ops: the table, a sequence of ``PolicyOp``.
        value_range: ``(low, high)`` of the pixel values.
        interpolation, fill_mode, fill_value: resampling options.
        output_dtype: ``"float32"`` or ``"uint8"``.

    Returns:
        ``[batch, height, width, channels]`` in ``output_dtype``.
    """
    op_indices = tf.cast(op_indices, tf.int32)
    batch = Batch(images)
    geometric, moves, matrix = _geometry(op_indices, args, ops, batch.height, batch.width)
    size = tf.stack([batch.height, batch.width])
    on_tables = uses_tables(images, value_range, output_dtype)

    def warp(images):
        if not geometric:
            return images

        # Only the samples that chose geometry are resampled, a few at a time
        # (about half of RandAugment's samples move, yet some in every batch).
        dtype = "uint8" if on_tables else None
        target = images if on_tables else tf.cast(images, tf.float32)

        options = (interpolation, fill_mode, fill_value)

        def resampled(picks):
            # The four corners of every pixel (rotations, shears).
            return _resample(images, tf.gather(matrix, picks), size, None, *options, picks, dtype)

        def shifted(picks):
            # Shifts alone (a third of the samples that move) take the resampler's
            # separable path, which needs the two images gathered and costs about
            # two thirds of the four corners.
            gathered = tf.gather(images, picks)
            return _resample(gathered, tf.gather(matrix, picks), size, None, *options, None, dtype)

        def sheared(axis, reach):
            # Shears along one axis (ShearX, ShearY) take the resampler's window path: each
            # output row (or column) lerps two windows of its source row, read in one slice.
            def compute(picks):
                gathered = tf.gather(images, picks)
                return warp_window(gathered, tf.gather(matrix, picks), *options, axis, reach, dtype)

            return compute

        aligned = axis_aligned_each(matrix)
        target = _update_members(moves & aligned, target, shifted)
        rest = moves & ~aligned
        # The window gather exists only under XLA (policies run compiled; called as plain
        # ops outside it, every shear takes the four corners). Keras' random_shear shears
        # along both axes: tables without one-axis shears skip the empty groups.
        one_axis = any(op.one_axis_shear for op in ops)
        routes = window_routes(images, dtype) if one_axis and in_xla_context() else ()
        for axis, reach in routes:
            fits = rest & sheared_each(matrix, tf.shape(images), axis, reach)
            target = _update_members(fits, target, sheared(axis, reach))
            rest &= ~fits
        return _update_members(rest, target, resampled)

    if on_tables:
        return _apply_on_tables(images, op_indices, args, ops, value_range, warp)
    out = _apply_on_floats(images, op_indices, args, ops, value_range, warp)
    return tables.quantize(out) if output_dtype == "uint8" else out


def uses_tables(images: tf.Tensor, value_range: ValueRange, output_dtype: str) -> bool:
    """Whether ``apply_policy_ops`` takes the lookup-table path: uint8 in ``[0, 255]`` in and out.

    Measured on 2 CPU cores, 224x224 RGB, batches of 32: RandAugment's two
    operations cost about a third less CPU time on tables than on floats
    when the output is uint8; with float32 output, writing four times the
    bytes through the table gather made the table path the slower one.
    """
    return (
        images.dtype == tf.uint8
        and output_dtype == "uint8"
        and tuple(float(v) for v in value_range) == (0.0, 255.0)
    )


# ----- drawing helpers -------------------------------------------------------------


def _choice(sampler: Sampler, n: int, extra_shape=()) -> tf.Tensor:
    """Uniform integers in ``[0, n)``: ``int32[batch, *extra_shape]``."""
    draw = tf.floor(sampler.uniform(0.0, float(n), extra_shape))
    return tf.minimum(tf.cast(draw, tf.int32), n - 1)


def _sign(sampler: Sampler, extra_shape=()) -> tf.Tensor:
    return tf.where(sampler.bernoulli(0.5, extra_shape), -1.0, 1.0)


def keras_op_args(
    sampler: Sampler,
    names: list[str] | tuple[str, ...],
    factor: tuple[float, float],
    height: int | tf.Tensor,
    width: int | tf.Tensor,
    extra_shape: tuple[int, ...] = (),
) -> dict:
    """Per-sample arguments of the Keras operations ``names``, drawn as Keras' sub-layers draw them.

    ``factor`` is the policy's ``(low, high)`` strength; every tensor has
    shape ``[batch, *extra_shape]``. Solarization's addition and threshold
    are fractions of the value range.
    """
    low, high = factor
    h = tf.cast(height, tf.float32)
    w = tf.cast(width, tf.float32)

    def uniform(lo=low, hi=high):
        return sampler.uniform(lo, hi, extra_shape)

    args = {}
    for name in names:
        if name == "random_shear":
            sign = _sign(sampler, extra_shape)
            args[name] = {"x": sign * uniform(), "y": sign * uniform()}
        elif name == "random_translation":
            args[name] = {"x": uniform() * w, "y": uniform() * h}
        elif name == "random_rotation":
            args[name] = {"angle": uniform() * 2.0 * math.pi}
        elif name == "random_brightness":
            args[name] = {"delta": uniform()}
        elif name == "random_color_degeneration":
            # Keras moves a fraction ``f`` towards gray: PIL's Color factor 1 - f.
            args[name] = {"factor": 1.0 - uniform()}
        elif name == "random_contrast":
            args[name] = {"factor": uniform(1.0 - low, 1.0 + high)}
        elif name == "random_sharpness":
            args[name] = {"factor": 2.0 * uniform()}
        elif name == "random_posterization":
            # Keras builds RandomPosterization(max(1, int(8 * high))), which
            # keeps 1 to that many bits minus one (or exactly 1).
            most = max(1, int(8 * high))
            if most > 1:
                bits = tf.floor(sampler.uniform(1.0, float(most), extra_shape))
                bits = tf.minimum(bits, float(most - 1))
            else:
                bits = tf.ones_like(uniform())
            args[name] = {"bits": bits}
        elif name == "solarization":
            args[name] = {"addition": uniform(), "threshold": uniform()}
        # Operations without arguments have no entry (tf.data cannot return empty dicts).
    return args


def _check_factor(layer: str, factor) -> tuple[float, float]:
    """Keras policies' ``factor``: ``f`` in ``[0, 1]`` means ``(0, f)``; a pair is used as given."""
    if isinstance(factor, (int, float)) and not isinstance(factor, bool):
        check_number(layer, "factor", factor, low=0.0, high=1.0)
        factor = (0.0, factor)
    return parse_fraction_range(layer, "factor", factor)


def _check_count(layer: str, name: str, value, minimum: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{layer}: `{name}` must be an integer >= {minimum}; got {value!r}.")
    return value


# Compiled once per distinct configuration and shared by every layer with that
# configuration (table names and Python options are part of the cache key).
@per_channel_count(jit_compile=True, reduce_retracing=True, autograph=False)
def _compiled_ops(
    images,
    op_indices,
    args,
    names,
    value_range,
    interpolation,
    fill_mode,
    fill_value,
    output_dtype="float32",
):
    ops = [ALL_OPS[name] for name in names]
    return apply_policy_ops(
        images,
        op_indices,
        args,
        ops,
        value_range,
        interpolation,
        fill_mode,
        fill_value,
        output_dtype,
    )


def _policy_input(images: tf.Tensor) -> tf.Tensor:
    """uint8 images stay uint8 (cast, if at all, inside the compiled function); others float32."""
    images = tf.convert_to_tensor(images)
    return images if images.dtype == tf.uint8 else tf.cast(images, tf.float32)


@per_channel_count(jit_compile=True, reduce_retracing=True, autograph=False)
def _compiled_aug_mix(images, params, names, num_chains, chain_depth, value_range, interpolation):
    ops = [ALL_OPS[name] for name in names]
    return aug_mix(images, params, ops, num_chains, chain_depth, value_range, interpolation)


class _PolicyBase(Uint8Output, BaseAugmentation):
    """Checks the arguments every policy shares."""

    config_fields = ("value_range", "interpolation")

    # Policies whose geometric choices form one matrix per sample (RandAugment,
    # TrivialAugmentWide, AutoAugment) move targets through it; AugMix blends
    # differently warped copies, which no mask or box can follow, and refuses them.
    supported_targets = ("images", "labels")
    _fill_mode = "reflect"
    # Their colour operations (grayscale blends, saturation) are defined for gray and RGB.
    channel_counts = (1, 3)

    def apply_targets(self, batch: Batch, params: dict) -> Batch:
        if not batch.has_targets and batch.matrix is None:
            return batch
        ops = [ALL_OPS[name] for name in self._names]
        matrix = policy_matrix(params["op_indices"], params["args"], ops, batch.height, batch.width)
        return move_targets(
            batch,
            matrix,
            (batch.height, batch.width),
            getattr(self, "fill_mode", self._fill_mode),
        )

    def __init__(self, value_range, interpolation, **kwargs):
        super().__init__(**kwargs)
        name = self.__class__.__name__
        self.value_range = check_value_range(name, value_range)
        self.interpolation = check_interpolation(name, interpolation)


# ----- RandAugment ----------------------------------------------------------------


def _rand_augment_params(sampler: Sampler, num_ops: int, factor, height, width) -> dict:
    """``RandAugment``'s draws (``Sampler.compiled`` runs them as one XLA computation).

    Compiled, its 27 draws cost 2.5-4% less CPU per batch than as graph ops,
    for about 1.5 s more the first time a batch size comes. AugMix's draws
    (about a hundred) took 4.7 s more to compile, the other policies' are a
    handful: they draw as graph ops.
    """
    return {
        "op_indices": _choice(sampler, len(RAND_AUGMENT_OPS), (num_ops,)),
        # A tuple, not a list: tf.data returns tuples of dicts, not lists.
        "args": tuple(
            keras_op_args(sampler, RAND_AUGMENT_OPS, factor, height, width) for _ in range(num_ops)
        ),
    }


@register(example={"num_ops": 2, "factor": 0.5})
class RandAugment(_PolicyBase):
    """RandAugment (Cubuk et al. 2019): ``num_ops`` random operations per image.

    Same arguments, meaning and defaults as ``keras.layers.RandAugment``, and
    the same eleven operations with the magnitudes Keras' sub-layers draw:
    shear, translation, rotation, brightness, colour degeneration, contrast,
    sharpness, posterization, solarization, auto-contrast and equalization.

    Differences from Keras, all deliberate:

    - Keras draws the ``num_ops`` operation indices once per batch (every
      image gets the same operations); here every sample draws its own, at
      run time, from the layer's stateless seed. ``draw_params`` exposes them
      as ``params["op_indices"]`` (``int32[batch, num_ops]``, indices into
      ``RAND_AUGMENT_OPS``).
    - Each slot draws its own magnitudes (Keras reuses one draw when an
      operation is picked twice).
    - A sample's geometric operations are composed and applied first, in one
      resample; its colour operations follow in the order drawn. Masks, boxes
      and keypoints in a dict input move through the same composed matrix.
    - Equalization equalizes each image on its own (Keras pools the histogram
      over the batch), and sharpness keeps border pixels (Keras zero-pads,
      darkening them).
    - Solarization draws its addition and threshold from
      ``factor * (high - low)`` (Keras scales only the upper end).

    Args:
        value_range: ``(low, high)`` of the input values. Defaults to
            ``(0, 255)``; ``(0, 1)`` for normalised images.
        num_ops: number of operations applied in sequence to each image.
        factor: strength in ``[0, 1]``: a number ``f`` means ``(0, f)``, or a
            ``(low, high)`` pair. Magnitudes are drawn from it as the Keras
            sub-layers do, e.g. rotations up to ``f * 360`` degrees,
            translations up to ``f`` of the image size, shear up to ``f``.
        interpolation: ``"bilinear"`` or ``"nearest"``, for the geometric
            operations.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Example:
        >>> layer = keras_augment.RandAugment(num_ops=2, factor=0.5, seed=1)
        >>> layer(np.zeros((4, 32, 32, 3))).shape
        TensorShape([4, 32, 32, 3])
    """

    config_fields = ("num_ops", "factor")

    supported_targets = IMAGE_TARGETS
    _names = RAND_AUGMENT_OPS

    def __init__(
        self,
        value_range: ValueRange = (0, 255),
        num_ops: int = 2,
        factor: Range = 0.5,
        interpolation: Interpolation = "bilinear",
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(value_range, interpolation, seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        self.num_ops = _check_count(name, "num_ops", num_ops, 0)
        self.factor = _check_factor(name, factor)

    def get_params(self, sampler, batch):
        return sampler.compiled(
            _rand_augment_params, self.num_ops, self.factor, batch.height, batch.width
        )

    def keras_transformation(self, params, image_shape):
        # The operations drawn, by index, as Keras names them (one row per sample here).
        return {"layer_idxes": params["op_indices"]}

    def apply_images(self, images, params, output_dtype="float32"):
        return _compiled_ops(
            _policy_input(images),
            params["op_indices"],
            params["args"],
            RAND_AUGMENT_OPS,
            self.value_range,
            self.interpolation,
            "reflect",
            0.0,
            output_dtype,
        )


# ----- AugMix ---------------------------------------------------------------------


def mix_chains(
    images: tf.Tensor,
    chains: tf.Tensor,
    chain_weights: tf.Tensor,
    mix_weight: tf.Tensor,
    value_range: ValueRange,
) -> tf.Tensor:
    """AugMix's mixing: ``m * x + (1 - m) * sum_c w_c * chain_c``, clipped to ``value_range``.

    Args:
        images: float32 ``[batch, h, w, c]``, the originals.
        chains: float32 ``[chains, batch, h, w, c]``, the augmented copies.
        chain_weights: ``float32[batch, chains]``, each row summing to 1.
        mix_weight: ``float32[batch]``, the weight ``m`` of the original.
    """
    weights = tf.transpose(chain_weights)[:, :, None, None, None]
    mixed = tf.reduce_sum(weights * chains, axis=0)
    m = tf.reshape(mix_weight, [-1, 1, 1, 1])
    return tf.clip_by_value(m * images + (1.0 - m) * mixed, value_range[0], value_range[1])


def _colour_branches(ops: list, valid: tf.Tensor, clipped: tf.Tensor) -> tuple[list, tf.Tensor]:
    """The colour operations of ``ops`` and each choice's branch among them.

    Branch 0 leaves the image as it is; branch ``j + 1`` is the ``j``-th colour
    operation. ``clipped`` holds indices into ``ops``, ``valid`` whether each
    index named an operation at all.
    """
    colour = [op for op in ops if op.color is not None]
    branch_of_op, j = [], 0
    for op in ops:
        if op.color is not None:
            j += 1
        branch_of_op.append(j if op.color is not None else 0)
    return colour, tf.where(valid, tf.gather(branch_of_op, clipped), 0)


def _colour_steps_first(branches: tf.Tensor, args, chain_depth: int):
    """Each chain's colour steps moved to its front, in the order drawn.

    Returns ``(colour_branches, colour_args, colour_steps)``: the branches and
    arguments ``[batch, chains, depth]`` in that order, and how many colour
    steps each chain has, so a loop visits only those.
    """
    is_colour = branches > 0
    # ``step_order[i, c, k]`` is the step of the k-th colour operation (the
    # rank of each colour step among them, inverted with a one-hot sum; a sort
    # would make XLA recompile for every batch).
    rank = tf.cumsum(tf.cast(is_colour, tf.int32), axis=-1) - 1
    slot = tf.range(chain_depth)
    hit = is_colour[..., None, :] & tf.equal(rank[..., None, :], slot[:, None])
    step_order = tf.reduce_sum(tf.where(hit, slot, 0), axis=-1)
    colour_steps = tf.reduce_sum(tf.cast(is_colour, tf.int32), axis=-1)
    # Branches and arguments in that order, ``[batch, chains, depth]``, indexed
    # ``[i, c, k]`` inside the loop (gathered here: indexing with a gathered
    # step inside the loop would make XLA recompile for every batch).
    colour_branches = tf.gather(branches, step_order, batch_dims=2)
    colour_args = (
        tf.nest.map_structure(
            lambda *leaves: tf.gather(tf.stack(leaves, axis=-1), step_order, batch_dims=2),
            *args,
        )
        if chain_depth
        else {}
    )
    return colour_branches, colour_args, colour_steps


def aug_mix(
    images: tf.Tensor,
    params: dict,
    ops: list,
    num_chains: int,
    chain_depth: int,
    value_range: ValueRange,
    interpolation: str = "bilinear",
) -> tf.Tensor:
    """Runs AugMix's chains and mixes them (the parameters as ``AugMix.draw_params`` gives them).

    One loop over the samples (an XLA while loop when compiled) runs each
    sample's chains one after the other and adds each finished chain into
    the sample's weighted sum, so the chains are never stored side by side:
    a chain's geometric operations are composed into one matrix and applied
    in one resample of that image, only if it has any (a chain without
    geometry is not resampled at all, which changes nothing: an identity
    resample returns the pixels as they are); its colour operations follow,
    step by step, each running only the operation drawn (``tf.switch_case``).
    The result is ``mix_chains``' formula, sample by sample.
    """
    images = tf.cast(images, tf.float32)
    batch = Batch(images)
    height, width = batch.height, batch.width
    n = batch.batch_size
    low, high = value_range
    indices = tf.cast(params["op_indices"], tf.int32)  # [batch, chains, depth]
    valid = (indices >= 0) & (indices < len(ops))
    clipped = tf.clip_by_value(indices, 0, len(ops) - 1)
    args = params["args"]  # one dict per step of [batch, chains] tensors

    # Each chain's geometric steps in one matrix: the chains as rows of one batch.
    flat_args = [tf.nest.map_structure(lambda t: tf.reshape(t, [-1]), a) for a in args]
    chain_indices = tf.reshape(indices, [n * num_chains, chain_depth])
    composed = policy_matrix(chain_indices, flat_args, ops, height, width)
    composed = tf.reshape(composed, [n, num_chains, 3, 3])
    is_geometric = tf.constant([op.matrix is not None for op in ops])
    moves = tf.reduce_any(valid & tf.gather(is_geometric, clipped), axis=2)  # [batch, chains]
    size = tf.stack([height, width])

    colour, branches = _colour_branches(ops, valid, clipped)  # [batch, chains, depth]
    colour_branches, colour_args, colour_steps = _colour_steps_first(branches, args, chain_depth)
    chain_weights = tf.cast(params["chain_weights"], tf.float32)
    mix_weight = tf.cast(params["mix_weight"], tf.float32)

    def one_chain(i, c, original):
        image = tf.cond(
            moves[i, c],
            lambda: _resample(
                original, composed[i, c][None], size, None, interpolation, "reflect", 0.0
            ),
            lambda: original,
        )
        if not colour or not chain_depth:
            return image

        def one_step(k, image):
            own = tf.nest.map_structure(lambda t: t[i, c, k][None], colour_args)
            candidates = [
                lambda op=op: op.color(image, own.get(op.name, {}), value_range) for op in colour
            ]
            out = tf.switch_case(colour_branches[i, c, k] - 1, candidates)
            # Some operations lose a static size of 1 (e.g. a one-pixel-wide image);
            # the loop needs the shape it started with.
            out.set_shape(image.shape)
            return k + 1, out

        steps = colour_steps[i, c]
        _, image = tf.while_loop(
            lambda k, _: k < steps, one_step, (0, image), maximum_iterations=chain_depth
        )
        return image

    # ``m * x + (1 - m) * sum_c w_c * chain_c`` as one sum that starts at
    # ``m * x``: each chain is added with weight ``(1 - m) * w_c`` as it
    # finishes, which saves a pass over the image.
    chain_weights = (1.0 - mix_weight)[:, None] * chain_weights

    def one_sample(i):
        original = images[i][None]

        def add_chain(c, mixed):
            chain = one_chain(i, c, original)
            chain.set_shape(original.shape)
            return c + 1, mixed + chain_weights[i, c] * chain

        _, mixed = tf.while_loop(
            lambda c, _: c < num_chains, add_chain, (0, mix_weight[i] * original)
        )
        return tf.clip_by_value(mixed, low, high)[0]

    return tf.map_fn(
        one_sample, tf.range(n), fn_output_signature=tf.TensorSpec(images.shape[1:], tf.float32)
    )


# Smallest batch AugMix splits in two (see ``AugMix.apply_images``).
_SPLIT_AT = 16


def _aug_mix_params(sampler: Sampler, shape: tuple, options: tuple, height, width) -> dict:
    """``AugMix``'s draws for ``(chains, depth)``; ``options`` are its operations' names,
    ``factor``, ``alpha`` and whether the batch has targets."""
    (num_chains, chain_depth), (names, factor, alpha, has_targets) = shape, options
    log_gammas = tf.stack([sample_log_gamma(sampler, alpha) for _ in range(num_chains)], axis=1)
    # len(names) means "no operation at this step".
    allowed = list(range(len(names) + 1))
    if has_targets:
        # Masks, boxes and keypoints cannot follow chains warped differently and
        # blended, so with targets the chains draw from the colour operations only
        # and the targets pass through unchanged.
        allowed = [k for k in allowed[:-1] if ALL_OPS[names[k]].matrix is None]
        allowed.append(len(names))
    drawn = _choice(sampler, len(allowed), shape)
    return {
        "op_indices": tf.gather(tf.constant(allowed, tf.int32), drawn),
        "chain_weights": tf.nn.softmax(log_gammas, axis=1),
        "mix_weight": sample_beta(sampler, alpha, alpha),
        "args": tuple(
            keras_op_args(sampler, names, factor, height, width, (num_chains,))
            for _ in range(chain_depth)
        ),
    }


@register(example={})
class AugMix(_PolicyBase):
    """AugMix (Hendrycks et al. 2020): a convex mix of the image with randomly augmented copies.

    Same arguments, meaning and defaults as ``keras.layers.AugMix``, with
    Keras' operations and magnitudes. Each of ``num_chains`` chains applies
    up to ``chain_depth`` operations: every step picks uniformly among the
    operations and "nothing" (so a chain has 0 to ``chain_depth``
    operations, as in Keras). The chains are mixed with Dirichlet(``alpha``)
    weights and the result with the original using a Beta(``alpha``,
    ``alpha``) weight ``m``: ``m * image + (1 - m) * mix``, clipped to
    ``value_range``.

    Differences from Keras, all deliberate: Keras picks the chains'
    operations with Python ``random`` while tracing, so a compiled graph or a
    ``tf.data`` pipeline repeats one set of chains forever, and it draws one
    set of mixing weights per batch. Here every sample draws its own chains
    and weights, at run time, from the layer's stateless seed;
    ``draw_params`` exposes ``op_indices`` (``int32[batch, num_chains,
    chain_depth]``, indices into ``AUG_MIX_ALL_OPS`` or ``AUG_MIX_OPS``, the
    table's length meaning "nothing"), ``chain_weights`` and ``mix_weight``.
    Within a chain, geometric operations are composed and applied first in
    one resample (skipped for a chain without any); each sample's chains are
    summed as they finish (see ``aug_mix``). Equalization and sharpness differ from Keras as in ``RandAugment``.

    Targets: given a dict with ``segmentation_masks``, ``bounding_boxes`` or
    ``keypoints``, the chains draw from the colour operations only (a blend of
    differently warped copies is something no mask, box or point can follow),
    and the targets pass through unchanged.

    Args:
        value_range: ``(low, high)`` of the input values. Defaults to ``(0, 255)``.
        num_chains: number of augmented copies mixed.
        chain_depth: most operations per chain.
        factor: strength in ``[0, 1]``: a number ``f`` means ``(0, f)``, or a
            ``(low, high)`` pair.
        alpha: positive concentration of the Dirichlet and Beta distributions.
        all_ops: if true, brightness, colour degeneration, contrast and
            sharpness join the operations.
        interpolation: ``"bilinear"`` or ``"nearest"``.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    config_fields = ("num_chains", "chain_depth", "factor", "alpha", "all_ops")

    supported_targets = IMAGE_TARGETS  # colour operations only when targets are given

    def apply_targets(self, batch: Batch, params: dict) -> Batch:
        # With targets, get_params draws colour operations only, so they stay put. No
        # matrix describes the blend of warped chains: return_params is refused.
        return batch.replace(matrix=None)

    def __init__(
        self,
        value_range: ValueRange = (0, 255),
        num_chains: int = 3,
        chain_depth: int = 3,
        factor: Range = 0.3,
        alpha: float = 1.0,
        all_ops: bool = True,
        interpolation: Interpolation = "bilinear",
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(value_range, interpolation, seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        self.num_chains = _check_count(name, "num_chains", num_chains, 1)
        self.chain_depth = _check_count(name, "chain_depth", chain_depth, 0)
        self.factor = _check_factor(name, factor)
        self.alpha = check_concentration(name, "alpha", alpha)
        if not isinstance(all_ops, bool):
            raise ValueError(f"{name}: `all_ops` must be True or False; got {all_ops!r}.")
        self.all_ops = all_ops
        self._names = AUG_MIX_ALL_OPS if all_ops else AUG_MIX_OPS

    def get_params(self, sampler, batch):
        shape = (self.num_chains, self.chain_depth)
        options = (tuple(self._names), self.factor, float(self.alpha), batch.has_targets)
        return _aug_mix_params(sampler, shape, options, batch.height, batch.width)

    def apply_images(self, images, params, output_dtype="float32"):
        images = tf.cast(images, tf.float32)

        def run(part, part_params):
            return _compiled_aug_mix(
                part,
                part_params,
                self._names,
                self.num_chains,
                self.chain_depth,
                self.value_range,
                self.interpolation,
            )

        # The compiled loop runs on one core. A large batch of known, even size
        # goes as two independent halves, which a traced graph runs side by
        # side; every sample's result is the same either way.
        n = images.shape[0]
        if n is None or n < _SPLIT_AT or n % 2:
            out = run(images, params)
            return tables.quantize(out) if output_dtype == "uint8" else out
        half = n // 2
        parts = [
            run(images[a:b], tf.nest.map_structure(lambda t, a=a, b=b: t[a:b], params))
            for a, b in ((0, half), (half, n))
        ]
        out = tf.concat(parts, axis=0)
        return tables.quantize(out) if output_dtype == "uint8" else out


# ----- TrivialAugmentWide and AutoAugment -------------------------------------------


@dataclass(frozen=True)
class _PilRanges:
    """Largest magnitudes of the PIL-style operations (a level of 1 reaches them)."""

    shear: float
    translate_pixels: float | None  # absolute pixels, or None to use translate_fraction
    translate_fraction: float
    rotate_degrees: float
    enhance: float  # enhancement factors 1 - enhance .. 1 + enhance
    posterize_drop: int  # bits removed at level 1 (bits = 8 - round(level * drop))


# Müller & Hutter 2021, Table 1 ("wide"), as discretised by torchvision.
WIDE_RANGES = _PilRanges(0.99, 32.0, 0.0, 135.0, 0.99, 6)
# Cubuk et al. 2019, Table 1 (translation: 150 of 331 pixels).
AUTO_AUGMENT_RANGES = _PilRanges(0.3, None, 150.0 / 331.0, 30.0, 0.9, 4)


def pil_op_args(
    ranges: _PilRanges,
    level: tf.Tensor,
    sign: tf.Tensor,
    height: int | tf.Tensor,
    width: int | tf.Tensor,
) -> dict:
    """Arguments of every PIL-style operation at per-sample ``level`` in ``[0, 1]`` and ``sign``.

    Signed operations (geometry and enhancements) use ``sign * level``;
    posterize and solarize grow stronger with ``level``. Operations without
    arguments have no entry (tf.data cannot return empty dicts).
    """
    signed = sign * level
    zero = tf.zeros_like(level)
    if ranges.translate_pixels is None:
        shift_x = signed * ranges.translate_fraction * tf.cast(width, tf.float32)
        shift_y = signed * ranges.translate_fraction * tf.cast(height, tf.float32)
    else:
        shift_x = shift_y = signed * ranges.translate_pixels
    enhance = {"factor": 1.0 + signed * ranges.enhance}
    return {
        "ShearX": {"x": signed * ranges.shear, "y": zero},
        "ShearY": {"x": zero, "y": signed * ranges.shear},
        "TranslateX": {"x": shift_x, "y": zero},
        "TranslateY": {"x": zero, "y": shift_y},
        "Rotate": {"angle": signed * math.radians(ranges.rotate_degrees)},
        "Brightness": enhance,
        "Color": enhance,
        "Contrast": enhance,
        "Sharpness": enhance,
        "Posterize": {"bits": 8.0 - tf.round(level * ranges.posterize_drop)},
        # Thresholds from 256 (nothing inverted) down to 0, as fractions of 255.
        "Solarize": {"threshold": (256.0 / 255.0) * (1.0 - level)},
    }


class _PilPolicy(_PolicyBase):
    """Shared by TrivialAugmentWide and AutoAugment: PIL-style operations, one matrix, one resample."""

    config_fields = ("fill_mode", "fill_value")

    _names: tuple = ()
    supported_targets = IMAGE_TARGETS

    def __init__(self, value_range, interpolation, fill_mode, fill_value, **kwargs):
        super().__init__(value_range, interpolation, **kwargs)
        name = self.__class__.__name__
        self.fill_mode = check_fill_mode(name, fill_mode)
        self.fill_value = check_number(name, "fill_value", fill_value)

    def apply_images(self, images, params, output_dtype="float32"):
        return _compiled_ops(
            _policy_input(images),
            params["op_indices"],
            params["args"],
            self._names,
            self.value_range,
            self.interpolation,
            self.fill_mode,
            self.fill_value,
            output_dtype,
        )


# The PIL-style operations TrivialAugmentWide and AutoAugment both draw from.
_PIL_OPS = (
    "ShearX",
    "ShearY",
    "TranslateX",
    "TranslateY",
    "Rotate",
    "Brightness",
    "Color",
    "Contrast",
    "Sharpness",
    "Posterize",
    "Solarize",
    "AutoContrast",
    "Equalize",
)
TRIVIAL_AUGMENT_OPS = ("Identity", *_PIL_OPS)


def _trivial_params(sampler: Sampler, bins: int, count: int, height, width) -> dict:
    """``TrivialAugmentWide``'s draws: a level of ``bins``, a sign, one of ``count`` operations."""
    level = tf.cast(_choice(sampler, bins), tf.float32) / float(bins - 1)
    sign = _sign(sampler)
    return {
        "op_indices": _choice(sampler, count, (1,)),
        "levels": level,
        "args": (pil_op_args(WIDE_RANGES, level, sign, height, width),),
    }


@register(example={})
class TrivialAugmentWide(_PilPolicy):
    """TrivialAugment (Müller & Hutter 2021) with the wide magnitude ranges.

    Every sample gets one operation, chosen uniformly among fourteen
    (identity, shear x/y, translate x/y, rotate, brightness, colour,
    contrast, sharpness, posterize, solarize, auto-contrast, equalize), at a
    magnitude chosen uniformly among ``num_magnitude_bins`` levels of the
    wide ranges: shear up to 0.99, translation up to 32 pixels, rotation up
    to 135 degrees, enhancement factors in ``[0.01, 1.99]``, posterize down
    to 2 bits, solarize thresholds over the whole range. Geometry and
    enhancements take a random sign. Operations follow PIL's semantics
    (brightness scales towards black; contrast blends with the mean gray
    level), as torchvision's ``TrivialAugmentWide`` does, whose defaults
    (nearest interpolation, fill with 0) are ours too.

    ``draw_params`` exposes ``op_indices`` (``int32[batch, 1]``, indices into
    ``TRIVIAL_AUGMENT_OPS``) and ``levels`` (``float32[batch]`` in ``[0, 1]``).

    Args:
        value_range: ``(low, high)`` of the input values. Defaults to ``(0, 255)``.
        num_magnitude_bins: number of magnitude levels (at least 2).
        interpolation: ``"nearest"`` or ``"bilinear"``.
        fill_mode: ``"constant"``, ``"reflect"``, ``"wrap"`` or ``"nearest"``.
        fill_value: value outside the image with ``fill_mode="constant"``.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    config_fields = ("num_magnitude_bins",)

    _names = TRIVIAL_AUGMENT_OPS

    def __init__(
        self,
        value_range: ValueRange = (0, 255),
        num_magnitude_bins: int = 31,
        interpolation: Interpolation = "nearest",
        fill_mode: FillMode = "constant",
        fill_value: float = 0.0,
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(
            value_range,
            interpolation,
            fill_mode,
            fill_value,
            seed=seed,
            data_format=data_format,
            **kwargs,
        )
        self.num_magnitude_bins = _check_count(
            self.__class__.__name__, "num_magnitude_bins", num_magnitude_bins, 2
        )

    def get_params(self, sampler, batch):
        bins, count = self.num_magnitude_bins, len(self._names)
        return _trivial_params(sampler, bins, count, batch.height, batch.width)


AUTO_AUGMENT_OPS = (*_PIL_OPS, "Invert")

# The ImageNet policy of Cubuk et al. 2019 (appendix, Table 9): 25 sub-policies
# of two (operation, probability, magnitude level 0..9) each.
IMAGENET_POLICY = (
    (("Posterize", 0.4, 8), ("Rotate", 0.6, 9)),
    (("Solarize", 0.6, 5), ("AutoContrast", 0.6, 0)),
    (("Equalize", 0.8, 0), ("Equalize", 0.6, 0)),
    (("Posterize", 0.6, 7), ("Posterize", 0.6, 6)),
    (("Equalize", 0.4, 0), ("Solarize", 0.2, 4)),
    (("Equalize", 0.4, 0), ("Rotate", 0.8, 8)),
    (("Solarize", 0.6, 3), ("Equalize", 0.6, 0)),
    (("Posterize", 0.8, 5), ("Equalize", 1.0, 0)),
    (("Rotate", 0.2, 3), ("Solarize", 0.6, 8)),
    (("Equalize", 0.6, 0), ("Posterize", 0.4, 6)),
    (("Rotate", 0.8, 8), ("Color", 0.4, 0)),
    (("Rotate", 0.4, 9), ("Equalize", 0.6, 0)),
    (("Equalize", 0.0, 0), ("Equalize", 0.8, 0)),
    (("Invert", 0.6, 0), ("Equalize", 1.0, 0)),
    (("Color", 0.6, 4), ("Contrast", 1.0, 8)),
    (("Rotate", 0.8, 8), ("Color", 1.0, 2)),
    (("Color", 0.8, 8), ("Solarize", 0.8, 7)),
    (("Sharpness", 0.4, 7), ("Invert", 0.6, 0)),
    (("ShearX", 0.6, 5), ("Equalize", 1.0, 0)),
    (("Color", 0.4, 0), ("Equalize", 0.6, 0)),
    (("Equalize", 0.4, 0), ("Solarize", 0.2, 4)),
    (("Solarize", 0.6, 5), ("AutoContrast", 0.6, 0)),
    (("Invert", 0.6, 0), ("Equalize", 1.0, 0)),
    (("Color", 0.6, 4), ("Contrast", 1.0, 8)),
    (("Equalize", 0.8, 0), ("Equalize", 0.6, 0)),
)
_POLICIES = {"imagenet": IMAGENET_POLICY}
_AUTO_AUGMENT_LEVELS = 10


def _auto_augment_params(sampler: Sampler, policy: str, height, width) -> dict:
    """``AutoAugment``'s draws: a sub-policy of ``policy``, whether each step applies, signs."""
    table = _POLICIES[policy]
    sub_policy = _choice(sampler, len(table))
    ops = tf.gather([[AUTO_AUGMENT_OPS.index(op) for op, _, _ in sub] for sub in table], sub_policy)
    probs = tf.gather([[p for _, p, _ in sub] for sub in table], sub_policy)
    applied = sampler.uniform(0.0, 1.0, (2,)) < probs
    levels = tf.gather(
        [[m / (_AUTO_AUGMENT_LEVELS - 1) for _, _, m in sub] for sub in table], sub_policy
    )
    signs = _sign(sampler, (2,))
    return {
        "sub_policy": sub_policy,
        "op_indices": tf.where(applied, ops, -1),
        "args": tuple(
            pil_op_args(AUTO_AUGMENT_RANGES, levels[:, j], signs[:, j], height, width)
            for j in range(2)
        ),
    }


@register(example={})
class AutoAugment(_PilPolicy):
    """AutoAugment (Cubuk et al. 2019) with the policy learned on ImageNet.

    Every sample draws one of the 25 sub-policies; each of its two
    operations is applied with its probability, at its fixed magnitude level
    (of 10 levels spanning the paper's ranges: shear up to 0.3, translation
    up to 150/331 of the size, rotation up to 30 degrees, enhancement
    factors in ``[0.1, 1.9]``, posterize down to 4 bits, solarize thresholds
    over the whole range). Geometry and enhancements take a random sign.
    Operations follow PIL's semantics, with torchvision's defaults (nearest
    interpolation, fill with 0).

    ``draw_params`` exposes ``sub_policy`` (``int32[batch]``) and
    ``op_indices`` (``int32[batch, 2]``, indices into ``AUTO_AUGMENT_OPS``,
    -1 where the operation's coin said no).

    Args:
        policy: ``"imagenet"``, the only learned policy shipped.
        value_range: ``(low, high)`` of the input values. Defaults to ``(0, 255)``.
        interpolation: ``"nearest"`` or ``"bilinear"``.
        fill_mode: ``"constant"``, ``"reflect"``, ``"wrap"`` or ``"nearest"``.
        fill_value: value outside the image with ``fill_mode="constant"``.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    config_fields = ("policy",)

    _names = AUTO_AUGMENT_OPS

    def __init__(
        self,
        policy: str = "imagenet",
        value_range: ValueRange = (0, 255),
        interpolation: Interpolation = "nearest",
        fill_mode: FillMode = "constant",
        fill_value: float = 0.0,
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(
            value_range,
            interpolation,
            fill_mode,
            fill_value,
            seed=seed,
            data_format=data_format,
            **kwargs,
        )
        self.policy = check_choice(self.__class__.__name__, "policy", policy, tuple(_POLICIES))

    def get_params(self, sampler, batch):
        return _auto_augment_params(sampler, self.policy, batch.height, batch.width)


__all__ = [
    "AUG_MIX_ALL_OPS",
    "AUG_MIX_OPS",
    "AUTO_AUGMENT_OPS",
    "IMAGENET_POLICY",
    "RAND_AUGMENT_OPS",
    "TRIVIAL_AUGMENT_OPS",
    "AugMix",
    "AutoAugment",
    "PolicyOp",
    "RandAugment",
    "TrivialAugmentWide",
    "apply_policy_ops",
    "aug_mix",
    "keras_op_args",
    "mix_chains",
    "pil_op_args",
]
