"""CLAHE layers: contrast-limited adaptive histogram equalization.

Both layers call ``keras_augment.image.ops.clahe.clahe`` (OpenCV's
algorithm, per channel): ``ContrastLimitedAdaptiveHistogramEqualization``
is Keras' layer of that name, fixed and active at inference too;
``RandomCLAHE`` draws a clip limit per sample and acts in training only.
Pixels do not move, so masks, boxes and keypoints pass through unchanged.
"""

from __future__ import annotations

import tensorflow as tf

from keras_augment.core.base import BaseAugmentation
from keras_augment.core.compiled import compiled_kernel
from keras_augment.core.registry import register
from keras_augment.core.types import DataFormat, Range, Seed, ValueRange
from keras_augment.core.validation import check_bool, check_number, parse_range
from keras_augment.core.value_range import ValueRangeMixin
from keras_augment.image.ops.clahe import (
    clahe,
    equalize_packed_lightness,
    pack_lab8,
    unpack_lab8_to_rgb,
)
from keras_augment.image.ops.color import check_rgb

# Compiled with XLA: about four times faster than op by op on CPU.
_clahe = compiled_kernel(clahe)
# The lightness path as three compiled steps, each result written once (see
# ``keras_augment.image.ops.clahe.clahe_lightness``).
_pack_lab8 = compiled_kernel(pack_lab8)
_equalize_packed_lightness = compiled_kernel(equalize_packed_lightness)
_unpack_lab8_to_rgb = compiled_kernel(unpack_lab8_to_rgb)


def _clahe_lightness(images, clip_limit, tile_grid_size, value_range, output_dtype="float32"):
    packed = _pack_lab8(images, value_range)
    equalized = _equalize_packed_lightness(packed, clip_limit, tile_grid_size, output_dtype="uint8")
    return _unpack_lab8_to_rgb(packed, equalized, value_range, output_dtype=output_dtype)


class _RoundsInKernel:
    """Returns uint8 straight from the compiled kernel, which rounds and saturates
    there: no float32 copy of the batch is written and cast afterwards."""

    def apply_images_as(self, images, params, dtype):
        overridden = type(self).transform_images is not BaseAugmentation.transform_images
        if tf.as_dtype(dtype) != tf.uint8 or overridden:
            return super().apply_images_as(images, params, dtype)
        return self.apply_images(images, params, output_dtype="uint8")


def _tile_grid(layer: str, value) -> tuple[int, int]:
    if not (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in value)
    ):
        raise ValueError(
            f"{layer}: `tile_grid_size` must be a (rows, columns) pair of positive integers; "
            f"got {value!r}."
        )
    return int(value[0]), int(value[1])


@register(
    example={"clip_limit": 2.0, "tile_grid_size": (4, 4)},
    family="color",
    exempt={
        "inference_identity": "active at inference too, as in Keras",
        "per_sample": "deterministic: equalizes each image by its own tiles",
        "seeded": "deterministic: draws nothing",
    },
)
class ContrastLimitedAdaptiveHistogramEqualization(
    _RoundsInKernel, ValueRangeMixin, BaseAugmentation
):
    """Equalizes the histogram of each tile of each channel, limiting the contrast gain.

    Same arguments, meaning and defaults as
    ``keras.layers.ContrastLimitedAdaptiveHistogramEqualization``, and, as
    in Keras, active at inference too. The values are OpenCV's
    (``cv2.createCLAHE(clip_limit, tile_grid_size[::-1]).apply`` on each
    channel, to rounding; see ``keras_augment.image.ops.clahe.clahe``):
    Keras' own layer spreads the clipped counts and normalises the mapping
    differently and gives values several levels away from OpenCV's.
    Histograms are segment sums rather than Keras' one-hot sums, so memory
    stays proportional to the image, and the layer compiles with XLA.

    Args:
        value_range: ``(low, high)`` of the input values, mapped to 256 levels.
        clip_limit: the contrast limit: a tile's histogram is clipped at
            ``clip_limit`` times its mean bin count (0 or less: no clipping).
        tile_grid_size: ``(rows, columns)`` of tiles.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    config_fields = ("clip_limit", "tile_grid_size")

    def __init__(
        self,
        value_range: ValueRange = (0, 255),
        clip_limit: float = 4.0,
        tile_grid_size: tuple[int, int] = (8, 8),
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        name = self.__class__.__name__
        self._set_value_range(value_range)
        self.clip_limit = check_number(name, "clip_limit", clip_limit)
        self.tile_grid_size = _tile_grid(name, tile_grid_size)

    def apply_images(self, images, params, output_dtype="float32"):
        return _clahe(
            images,
            self.clip_limit,
            self.tile_grid_size,
            self.value_range,
            output_dtype=output_dtype,
        )

    def inference_images(self, images):
        return self.apply_images(images, {})


@register(example={"clip_limit": (1.0, 8.0), "tile_grid_size": (2, 2)}, family="color")
class RandomCLAHE(_RoundsInKernel, ValueRangeMixin, BaseAugmentation):
    """CLAHE with a clip limit drawn per sample, in training only.

    albumentations' ``CLAHE`` (same arguments and defaults). By default
    every channel is equalized on its own, as
    ``ContrastLimitedAdaptiveHistogramEqualization`` does; with
    ``lightness=True``, RGB images are equalized as albumentations does
    them: the lightness ``L`` of OpenCV's 8-bit Lab alone, so colours keep
    their hue (values albumentations' to a level, rarely a few; see
    ``keras_augment.image.ops.clahe.clahe_lightness``). Values are OpenCV's
    for each sample's clip limit, which OpenCV turns into a whole count per
    histogram bin: on small tiles, nearby limits give the same result.

    Args:
        clip_limit: ``(low, high)`` range of the contrast limit (at least 1),
            or a number ``f`` for ``(1, f)``.
        tile_grid_size: ``(rows, columns)`` of tiles.
        value_range: ``(low, high)`` of the input values, mapped to 256 levels.
        lightness: equalize the Lab lightness of RGB images (3 channels)
            rather than each channel.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    config_fields = ("clip_limit", "tile_grid_size", "lightness")

    def __init__(
        self,
        clip_limit: Range = (1.0, 4.0),
        tile_grid_size: tuple[int, int] = (8, 8),
        value_range: ValueRange = (0, 255),
        lightness: bool = False,
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        if isinstance(clip_limit, (int, float)) and not isinstance(clip_limit, bool):
            clip_limit = (1.0, clip_limit)
        self.clip_limit = parse_range(name, "clip_limit", clip_limit, low=1.0, symmetric=False)
        self.tile_grid_size = _tile_grid(name, tile_grid_size)
        self._set_value_range(value_range)
        self.lightness = check_bool(name, "lightness", lightness)

    def get_params(self, sampler, batch):
        return {"clip_limit": sampler.uniform(*self.clip_limit)}

    def apply_images(self, images, params, output_dtype="float32"):
        kernel = _clahe
        if self.lightness:
            check_rgb(images, f"{self.__class__.__name__} with `lightness=True`")
            kernel = _clahe_lightness
        return kernel(
            images,
            params["clip_limit"],
            self.tile_grid_size,
            self.value_range,
            output_dtype=output_dtype,
        )
