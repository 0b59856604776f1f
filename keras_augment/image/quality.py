"""Image quality layers: sharpness, blur, noise, resolution and JPEG compression.

The layers check their arguments, draw per-sample parameters and call a
kernel of ``keras_augment.image.ops.quality``.
"""

from __future__ import annotations

import tensorflow as tf

from keras_augment.core.base import BaseAugmentation
from keras_augment.core.keras_protocol import keras_value
from keras_augment.core.registry import register
from keras_augment.core.types import DataFormat, Interpolation, Range, Seed, ValueRange
from keras_augment.core.validation import (
    check_interpolation,
    parse_range,
    parse_unit_range,
)
from keras_augment.core.value_range import KerasFactorLayer, ValueRangeMixin
from keras_augment.image.ops.common import clip_to_range
from keras_augment.image.ops.quality import (  # noqa: F401  (the kernels, importable here too)
    _CHROMA_TABLE,
    _LUMA_TABLE,
    _SMOOTH_CENTER,
    _SMOOTH_TOTAL,
    _area_matrix,
    _code_plane,
    _dct_matrix,
    _filter_axis,
    _replicate_edges,
    _resolution_matrix,
    _symmetric_index,
    _upsample_chroma,
    _upsample_matrix,
    add_gaussian_noise,
    adjust_sharpness,
    downscale,
    gaussian_blur,
    gaussian_kernel_1d,
    jpeg,
    jpeg_quantization_table,
)

# ----- layers ----------------------------------------------------------------


@register(example={"factor": 0.8})
class RandomSharpness(KerasFactorLayer, BaseAugmentation):
    """Randomly sharpens or softens images.

    Same arguments, meaning and defaults as ``keras.layers.RandomSharpness``;
    each sample gets its own factor. The image is blended with a smoothed
    copy (PIL's ``ImageEnhance.Sharpness`` with enhancement ``2 * factor``).
    Border pixels keep their values, as in PIL (Keras zero-pads the
    smoothing, which darkens the border of the smoothed image).

    Args:
        factor: a number ``f`` in ``[0, 1]`` (factors drawn from ``[0, f]``)
            or a ``(low, high)`` pair within ``[0, 1]``. 0 fully smooths,
            0.5 leaves the image unchanged, 1 sharpens the most.
        value_range: ``(low, high)`` of the input values; outputs are
            clipped to it.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        seed: integer seed.
    """

    def _check_factor(self, factor) -> tuple[float, float]:
        return parse_unit_range(self.__class__.__name__, "factor", factor)

    def get_params(self, sampler, batch):
        return {"factor": sampler.uniform(*self.factor)}

    def apply_images(self, images, params):
        return adjust_sharpness(images, 2.0 * params["factor"], self.value_range)


def _odd_kernel_size(layer: str, value) -> tuple[int, int]:
    sizes = value if isinstance(value, (tuple, list)) else (value, value)
    if (
        len(sizes) != 2
        or not all(isinstance(s, int) and not isinstance(s, bool) for s in sizes)
        or not all(s >= 1 and s % 2 == 1 for s in sizes)
    ):
        raise ValueError(
            f"{layer}: `kernel_size` must be an odd positive integer or a (height, width) "
            f"pair of them; got {value!r}."
        )
    return int(sizes[0]), int(sizes[1])


@register(example={"factor": 1.0, "kernel_size": 5, "sigma": 2.0})
class RandomGaussianBlur(ValueRangeMixin, BaseAugmentation):
    """Randomly blurs images with a Gaussian kernel.

    Same arguments, meaning and defaults as ``keras.layers.RandomGaussianBlur``,
    with these differences: Keras draws one pair of sigmas for the whole
    batch, here every sample draws its own ``(sigma_height, sigma_width)``;
    the border is mirrored instead of zero-padded, so a constant image stays
    constant; and ``sigma`` may exceed 1.

    Args:
        factor: the probability range of blurring a sample: a number ``f``
            in ``[0, 1]`` (probability drawn from ``[0, f]``) or a
            ``(low, high)`` pair. Each sample draws a probability from it and
            is blurred with that probability.
        kernel_size: odd integer, or an odd ``(height, width)`` pair: the
            size of the kernel window.
        sigma: a number ``s`` (sigmas drawn from ``[0, s]``) or a
            ``(low, high)`` pair; the vertical and horizontal standard
            deviations (in pixels) are drawn independently.
        value_range: ``(low, high)`` of the input values; outputs are clipped to it.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        seed: integer seed.
    """

    config_fields = ("factor", "kernel_size", "sigma")

    def __init__(
        self,
        factor: Range = 1.0,
        kernel_size: int | tuple[int, int] = 3,
        sigma: Range = 1.0,
        value_range: ValueRange = (0, 255),
        data_format: DataFormat = None,
        seed: Seed = None,
        **kwargs,
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        self.factor = parse_unit_range(name, "factor", factor)
        self.kernel_size = _odd_kernel_size(name, kernel_size)
        self.sigma = parse_unit_range(name, "sigma", sigma, high=None)
        self._set_value_range(value_range)

    def get_params(self, sampler, batch):
        probability = sampler.uniform(*self.factor)
        apply = sampler.uniform(0.0, 1.0) < probability
        # Keras adds 1e-6 so that a zero sigma stays finite; keep its numbers.
        sigma = sampler.uniform(*self.sigma, extra_shape=(2,)) + 1e-6
        return {"apply": apply, "sigma": sigma}

    # Keras' transformation: "should_apply_blur" [batch] and "blur_factor", the two
    # sigmas (one pair for the batch there; one per sample here).
    keras_transformation_keys = ("should_apply_blur", "blur_factor")

    def keras_transformation(self, params, image_shape):
        return {"should_apply_blur": params["apply"], "blur_factor": params["sigma"]}

    def params_from_keras(self, transformation, image_shape):
        apply = tf.reshape(keras_value(transformation, "should_apply_blur", tf.bool), [-1])
        sigma = tf.reshape(keras_value(transformation, "blur_factor", tf.float32), [-1, 2])
        return {"apply": apply, "sigma": tf.broadcast_to(sigma, tf.stack([tf.size(apply), 2]))}

    def apply_images(self, images, params):
        images = tf.cast(images, tf.float32)
        radius = (self.kernel_size[0] // 2, self.kernel_size[1] // 2)
        blurred = gaussian_blur(images, params["sigma"], radius)
        out = tf.where(params["apply"][:, None, None, None], blurred, images)
        return clip_to_range(out, self.value_range)


@register(example={"stddev": 0.1})
class RandomGaussianNoise(ValueRangeMixin, BaseAugmentation):
    """Adds Gaussian noise with a random standard deviation per sample.

    Unlike ``keras.layers.GaussianNoise`` (a regulariser with one fixed
    standard deviation in pixel units), the standard deviation is drawn per
    sample and given as a fraction of the value range, so one configuration
    means the same on ``[0, 1]`` and ``[0, 255]`` images.

    Args:
        stddev: a number ``s`` (standard deviations drawn from ``[0, s]``)
            or a ``(low, high)`` pair, as fractions of ``high - low`` of
            ``value_range``. Non-negative.
        value_range: ``(low, high)`` of the input values.
        clip: clip the noisy images to ``value_range``.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    config_fields = ("stddev", "clip")

    def __init__(
        self,
        stddev: Range = 0.1,
        value_range: ValueRange = (0, 255),
        clip: bool = True,
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        self.stddev = parse_unit_range(name, "stddev", stddev, high=None)
        self._set_value_range(value_range)
        if not isinstance(clip, bool):
            raise ValueError(f"{name}: `clip` must be True or False; got {clip!r}.")
        self.clip = clip

    def get_params(self, sampler, batch):
        return {"stddev": sampler.uniform(*self.stddev), "seed": sampler.seed()}

    def apply_images(self, images, params):
        return add_gaussian_noise(
            images, params["stddev"], params["seed"], self.value_range, self.clip
        )


@register(example={"scale": (0.25, 0.5)})
class RandomDownscale(BaseAugmentation):
    """Lowers the resolution of images and brings them back to their size.

    Each sample is shrunk by its own factor with an area filter (what a
    lower-resolution camera would record) and enlarged again with
    ``interpolation``, so sharp training images look like the blurry,
    blocky inputs met in practice. The output keeps the input size.

    Args:
        scale: ``(low, high)`` range of the resolution factor per axis,
            within ``(0, 1]``, or a number for a fixed factor. 0.25 keeps a
            quarter of the rows and columns; 1 leaves the image unchanged.
        interpolation: ``"bilinear"`` (blurry) or ``"nearest"`` (blocky)
            for the way back up.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    config_fields = ("scale", "interpolation")

    def __init__(
        self,
        scale: Range = (0.25, 0.5),
        interpolation: Interpolation = "bilinear",
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        self.scale = parse_range(
            name, "scale", scale, low=0.0, high=1.0, low_inclusive=False, symmetric=False
        )
        self.interpolation = check_interpolation(name, interpolation)

    def get_params(self, sampler, batch):
        return {"scale": sampler.uniform(*self.scale)}

    def apply_images(self, images, params):
        return downscale(images, params["scale"], self.interpolation)


@register(example={"quality": (10, 30)})
class RandomJpegQuality(ValueRangeMixin, BaseAugmentation):
    """Compresses images as JPEG at a random quality per sample.

    Adds the blocking, ringing and colour bleeding of compressed photos.
    Images are turned into 8-bit codes within ``value_range``, compressed
    and decompressed as baseline JPEG (the ``jpeg`` kernel: libjpeg's
    tables, quality scaling and 4:2:0 chroma subsampling, written in
    TensorFlow ops so it is vectorised and XLA-compilable; it agrees with
    ``tf.image.adjust_jpeg_quality`` to about one 8-bit level on average),
    and mapped back.

    Args:
        quality: ``(low, high)`` range of JPEG qualities within ``[1, 100]``
            (integers drawn uniformly, both ends included), or a number for a
            fixed quality.
        value_range: ``(low, high)`` of the input values.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Images must have 1 (grayscale) or 3 (RGB) channels.
    """

    config_fields = ("quality",)

    def __init__(
        self,
        quality: tuple[int, int] | list[int] = (50, 100),
        value_range: ValueRange = (0, 255),
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        self.quality = parse_range(name, "quality", quality, low=1.0, high=100.0, symmetric=False)
        self._set_value_range(value_range)

    def _check_static_size(self, images):
        channels = images.shape[1 if self.data_format == "channels_first" else -1]
        if images.shape.rank == 3 and self.data_format == "channels_first":
            channels = images.shape[0]
        if channels is not None and channels not in (1, 3):
            raise ValueError(
                f"{self.__class__.__name__}: JPEG needs images with 1 or 3 channels; "
                f"got {channels} channels (shape {images.shape})."
            )

    def get_params(self, sampler, batch):
        low, high = self.quality
        quality = tf.floor(sampler.uniform(low, high + 1.0))
        return {"quality": tf.minimum(quality, high)}

    def apply_images(self, images, params):
        return jpeg(images, params["quality"], self.value_range)
