"""Geometric image layers: flips, rotations, zooms, shifts, shears, crops, perspective, elastic.

Each layer draws per-sample parameters and describes them as one 3x3 matrix
per sample (``get_matrix``); the shared resampler moves the pixels. Inside a
``keras_augment.Pipeline``, consecutive geometric layers are multiplied into
one matrix and the image is interpolated once.

Every layer here also takes the keyword arguments of
``GeometricAugmentation``: ``bounding_box_format``, ``mask_fill_value`` and
``min_box_visibility``, for dict inputs with ``"segmentation_masks"``,
``"bounding_boxes"`` and ``"keypoints"``, which move with the pixels; and
every layer has ``inverse(outputs, params)`` for the params returned by
``layer(inputs, return_params=True)``.
"""

from __future__ import annotations

import math

import tensorflow as tf

from keras_augment.core import matrices
from keras_augment.core.geometry import (
    FixedSizeGeometry,
    GeometricAugmentation,
    center_crop_box,
    center_crop_matrix,
    center_crop_resize,
    window_resize,
)
from keras_augment.core.keras_protocol import keras_value
from keras_augment.core.registry import register
from keras_augment.core.types import DataFormat, FillMode, Interpolation, Range, Seed, ValueRange
from keras_augment.core.validation import (
    check_choice,
    check_number,
    parse_range,
    parse_unit_range,
)
from keras_augment.core.value_range import ValueRangeMixin
from keras_augment.image.ops.quality import gaussian_blur

HORIZONTAL = "horizontal"
VERTICAL = "vertical"
HORIZONTAL_AND_VERTICAL = "horizontal_and_vertical"


@register(example={"mode": "horizontal"})
class RandomFlip(GeometricAugmentation):
    """Randomly flips images left-right and/or top-bottom.

    Same arguments as ``keras.layers.RandomFlip``. Each sample flips on its
    own. With ``"horizontal_and_vertical"`` the two flips are drawn
    independently (Keras flips both axes together or neither, which only
    ever yields 180-degree turns).

    Args:
        mode: ``"horizontal"``, ``"vertical"`` or ``"horizontal_and_vertical"``.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Example:
        >>> layer = keras_augment.RandomFlip("horizontal", seed=1)
        >>> layer(np.zeros((2, 8, 8, 3))).shape
        TensorShape([2, 8, 8, 3])
    """

    exact_on_grid = True

    def __init__(
        self,
        mode: str = HORIZONTAL_AND_VERTICAL,
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.mode = check_choice(
            self.__class__.__name__, "mode", mode, (HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL)
        )

    def get_params(self, sampler, batch):
        flip_h = sampler.bernoulli(0.5) & (self.mode != VERTICAL)
        flip_v = sampler.bernoulli(0.5) & (self.mode != HORIZONTAL)
        return {"flip_horizontal": flip_h, "flip_vertical": flip_v}

    keras_transformation_keys = ("flips",)

    def keras_transformation(self, params, image_shape):
        if self.mode == HORIZONTAL_AND_VERTICAL:
            return {}  # the two axes flip independently here: Keras' one "flips" cannot say so
        key = "flip_horizontal" if self.mode == HORIZONTAL else "flip_vertical"
        return {"flips": params[key][:, None]}

    def params_from_keras(self, transformation, image_shape):
        flips = tf.reshape(keras_value(transformation, "flips", tf.bool), [-1])
        return {
            "flip_horizontal": flips & (self.mode != VERTICAL),
            "flip_vertical": flips & (self.mode != HORIZONTAL),
        }

    def get_matrix(self, params, height, width):
        return matrices.compose(
            matrices.horizontal_flip(params["flip_horizontal"], width),
            matrices.vertical_flip(params["flip_vertical"], height),
        )

    def get_config(self) -> dict:
        config = super().get_config()
        for key in ("interpolation", "fill_mode", "fill_value"):
            config.pop(key)
        config["mode"] = self.mode
        return config


@register(example={"factor": 0.1})
class RandomRotation(GeometricAugmentation):
    """Randomly rotates images about their centre.

    Same arguments, meaning and defaults as ``keras.layers.RandomRotation``;
    each sample gets its own angle.

    Args:
        factor: a fraction of a full turn: ``f`` means angles in
            ``[-f * 360, f * 360]`` degrees; a pair ``(low, high)`` gives the
            range directly. Positive angles turn counter-clockwise.
        fill_mode: ``"reflect"``, ``"wrap"``, ``"constant"`` or ``"nearest"``.
        interpolation: ``"bilinear"`` or ``"nearest"``.
        seed: integer seed.
        fill_value: value outside the image with ``fill_mode="constant"``.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    config_fields = ("factor",)

    def __init__(
        self,
        factor: Range,
        fill_mode: FillMode = "reflect",
        interpolation: Interpolation = "bilinear",
        seed: Seed = None,
        fill_value: float = 0.0,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(
            interpolation=interpolation,
            fill_mode=fill_mode,
            fill_value=fill_value,
            seed=seed,
            data_format=data_format,
            **kwargs,
        )
        self.factor = parse_range(self.__class__.__name__, "factor", factor, low=-1.0, high=1.0)

    def get_params(self, sampler, batch):
        low, high = self.factor
        return {"angle": sampler.uniform(low * 2.0 * math.pi, high * 2.0 * math.pi)}

    def get_matrix(self, params, height, width):
        return matrices.rotation(params["angle"], height, width)


@register(example={"height_factor": 0.3})
class RandomZoom(GeometricAugmentation):
    """Randomly zooms images in or out about their centre.

    Same arguments, meaning and defaults as ``keras.layers.RandomZoom``;
    each sample gets its own zoom.

    Args:
        height_factor: a fraction ``f`` or a ``(low, high)`` pair; the
            vertical extent shown is multiplied by ``1 + u`` with ``u`` drawn
            from ``[-f, f]`` (or the pair). Positive values zoom out,
            negative values zoom in. Values must be above -1.
        width_factor: the same for the horizontal extent. ``None`` keeps the
            aspect ratio (the horizontal zoom equals the vertical one).
        fill_mode, interpolation, seed, fill_value, data_format: as in
            ``RandomRotation``.
    """

    config_fields = ("height_factor", "width_factor")

    def __init__(
        self,
        height_factor: Range,
        width_factor: Range | None = None,
        fill_mode: FillMode = "reflect",
        interpolation: Interpolation = "bilinear",
        seed: Seed = None,
        fill_value: float = 0.0,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(
            interpolation=interpolation,
            fill_mode=fill_mode,
            fill_value=fill_value,
            seed=seed,
            data_format=data_format,
            **kwargs,
        )
        name = self.__class__.__name__
        self.height_factor = parse_range(
            name, "height_factor", height_factor, low=-1.0, high=1.0, low_inclusive=False, sort=True
        )
        self.width_factor = (
            None
            if width_factor is None
            else parse_range(
                name,
                "width_factor",
                width_factor,
                low=-1.0,
                high=1.0,
                low_inclusive=False,
                sort=True,
            )
        )

    def get_params(self, sampler, batch):
        zoom_y = 1.0 + sampler.uniform(*self.height_factor)
        zoom_x = zoom_y if self.width_factor is None else 1.0 + sampler.uniform(*self.width_factor)
        return {"zoom_x": zoom_x, "zoom_y": zoom_y}

    keras_transformation_keys = ("height_zoom", "width_zoom")

    def keras_transformation(self, params, image_shape):
        return {"height_zoom": params["zoom_y"][:, None], "width_zoom": params["zoom_x"][:, None]}

    def params_from_keras(self, transformation, image_shape):
        return {
            "zoom_y": tf.reshape(keras_value(transformation, "height_zoom", tf.float32), [-1]),
            "zoom_x": tf.reshape(keras_value(transformation, "width_zoom", tf.float32), [-1]),
        }

    def get_matrix(self, params, height, width):
        return matrices.scaling(params["zoom_x"], params["zoom_y"], height, width)


@register(example={"height_factor": 0.2, "width_factor": 0.2})
class RandomTranslation(GeometricAugmentation):
    """Randomly shifts images.

    Same arguments, meaning and defaults as ``keras.layers.RandomTranslation``;
    each sample gets its own shift.

    Args:
        height_factor: a fraction of the height ``f`` or a ``(low, high)``
            pair; shifts are drawn from ``[-f, f] * height`` pixels.
            Positive values move the content down.
        width_factor: the same along the width; positive values move it right.
        fill_mode, interpolation, seed, fill_value, data_format: as in
            ``RandomRotation``.
    """

    config_fields = ("height_factor", "width_factor")

    def __init__(
        self,
        height_factor: Range,
        width_factor: Range,
        fill_mode: FillMode = "reflect",
        interpolation: Interpolation = "bilinear",
        seed: Seed = None,
        fill_value: float = 0.0,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(
            interpolation=interpolation,
            fill_mode=fill_mode,
            fill_value=fill_value,
            seed=seed,
            data_format=data_format,
            **kwargs,
        )
        name = self.__class__.__name__
        self.height_factor = parse_range(
            name, "height_factor", height_factor, low=-1.0, high=1.0, sort=True
        )
        self.width_factor = parse_range(
            name, "width_factor", width_factor, low=-1.0, high=1.0, sort=True
        )

    def get_params(self, sampler, batch):
        return {
            "shift_y": sampler.uniform(*self.height_factor),
            "shift_x": sampler.uniform(*self.width_factor),
        }

    def get_matrix(self, params, height, width):
        return matrices.translation(
            params["shift_x"] * tf.cast(width, tf.float32),
            params["shift_y"] * tf.cast(height, tf.float32),
        )

    # Keras' "translations": [batch, 2] shifts (x, y) in pixels.
    keras_transformation_keys = ("translations",)

    def keras_transformation(self, params, image_shape):
        size = tf.cast(tf.stack([image_shape[2], image_shape[1]]), tf.float32)
        return {"translations": tf.stack([params["shift_x"], params["shift_y"]], -1) * size}

    def params_from_keras(self, transformation, image_shape):
        pixels = tf.reshape(keras_value(transformation, "translations", tf.float32), [-1, 2])
        size = tf.cast(tf.stack([image_shape[2], image_shape[1]]), tf.float32)
        fractions = pixels / size
        return {"shift_x": fractions[:, 0], "shift_y": fractions[:, 1]}


@register(example={"x_factor": 0.3, "y_factor": 0.3})
class RandomShear(GeometricAugmentation):
    """Randomly shears images.

    Same arguments, meaning and defaults as ``keras.layers.RandomShear``:
    shear coefficients are drawn from the factor ranges and given a random
    sign per sample (one sign for both axes), and the shear acts about the
    top-left corner (Keras' convention; ``RandomAffine`` shears about the
    centre).

    Args:
        x_factor: a number ``f`` in ``[0, 1]`` (coefficients of magnitude at
            most ``f``: drawn from ``[-f, f]``, as Keras' code does) or a
            ``(low, high)`` pair in ``[0, 1]`` (magnitudes in that range);
            the source column moves by ``x_coefficient * row``.
        y_factor: the same for vertical shear.
        interpolation, fill_mode, fill_value, data_format, seed: as in
            ``RandomRotation``.
    """

    config_fields = ("x_factor", "y_factor")

    def __init__(
        self,
        x_factor: Range = 0.0,
        y_factor: Range = 0.0,
        interpolation: Interpolation = "bilinear",
        fill_mode: FillMode = "reflect",
        fill_value: float = 0.0,
        data_format: DataFormat = None,
        seed: Seed = None,
        **kwargs,
    ):
        super().__init__(
            interpolation=interpolation,
            fill_mode=fill_mode,
            fill_value=fill_value,
            seed=seed,
            data_format=data_format,
            **kwargs,
        )
        name = self.__class__.__name__
        self.x_factor = x_factor
        self.y_factor = y_factor
        self._x_range = self._magnitudes(name, "x_factor", x_factor)
        self._y_range = self._magnitudes(name, "y_factor", y_factor)

    @staticmethod
    def _magnitudes(name, arg, value):
        # Keras: a number f means coefficients in [-f, f], a pair is used as
        # given; both then get a random sign.
        if isinstance(value, (tuple, list)):
            return parse_range(name, arg, value, low=0.0, high=1.0, sort=True)
        check_number(name, arg, value, low=0.0, high=1.0)
        return parse_range(name, arg, value)

    def get_params(self, sampler, batch):
        sign = tf.where(sampler.bernoulli(0.5), -1.0, 1.0)
        return {
            "shear_x": sign * sampler.uniform(*self._x_range),
            "shear_y": sign * sampler.uniform(*self._y_range),
        }

    def get_matrix(self, params, height, width):
        return matrices.shear(params["shear_x"], params["shear_y"])

    # Keras' "shear_factor": [batch, 2] signed coefficients (x, y).
    keras_transformation_keys = ("shear_factor",)

    def keras_transformation(self, params, image_shape):
        return {"shear_factor": tf.stack([params["shear_x"], params["shear_y"]], -1)}

    def params_from_keras(self, transformation, image_shape):
        factors = tf.reshape(keras_value(transformation, "shear_factor", tf.float32), [-1, 2])
        return {"shear_x": factors[:, 0], "shear_y": factors[:, 1]}


class _CropLayer(FixedSizeGeometry):
    """Shared by layers whose output has a fixed ``(height, width)``."""

    config_fields = ("height", "width")

    def inference_images(self, images):
        return center_crop_resize(images, self.height, self.width, self.interpolation)

    def inference_matrix(self, height, width, batch_size):
        return center_crop_matrix(height, width, self.height, self.width, batch_size)


@register(
    example={"height": 24, "width": 24},
    exempt={
        "inference_identity": "gives the crop size at inference too (a centred crop), as in Keras"
    },
)
class RandomCrop(_CropLayer):
    """Randomly crops a ``height x width`` window from each image.

    Same arguments as ``keras.layers.RandomCrop``, but every sample of a
    batch gets its own window (Keras crops the whole batch at one place).
    At inference (``training=False``) it does what Keras does: crops the
    largest centred box of the target aspect ratio and resizes it to
    ``(height, width)``, so the output size is always the one promised by
    ``compute_output_shape``. Images smaller than the crop (in either
    direction) are resized up as in Keras: in training, the crop-sized
    window where Keras starts it (clipped to the image); at inference, the
    centred box of the crop's aspect ratio.

    Args:
        height: output height in pixels.
        width: output width in pixels.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    config_omits = ("interpolation", "fill_mode", "fill_value")
    exact_on_grid = True

    def __init__(
        self, height: int, width: int, seed: Seed = None, data_format: DataFormat = None, **kwargs
    ):
        super().__init__(height, width, seed=seed, data_format=data_format, **kwargs)

    def _smaller(self, height, width):
        """True when the images are smaller than the crop in either direction."""
        return tf.logical_or(
            tf.convert_to_tensor(height) < self.height, tf.convert_to_tensor(width) < self.width
        )

    def small_image_window(self, height, width):
        """``(top, left, box_h, box_w)``: the window Keras resizes when images are smaller.

        Keras starts it where the centred box of the crop's aspect ratio
        starts and makes it the crop's size, clipped to the image.
        """
        if isinstance(height, int) and isinstance(width, int):
            box_h = min(max((width * self.height) // self.width, 1), height)
            box_w = min(max((height * self.width) // self.height, 1), width)
            top, left = (height - box_h) // 2, (width - box_w) // 2
            return top, left, min(self.height, height - top), min(self.width, width - left)
        top, left, _, _ = center_crop_box(height, width, self.height, self.width)
        height, width = tf.cast(height, tf.int32), tf.cast(width, tf.int32)
        return (
            top,
            left,
            tf.minimum(self.height, height - top),
            tf.minimum(self.width, width - left),
        )

    def get_params(self, sampler, batch):
        spare_h = tf.cast(batch.height - self.height + 1, tf.float32)
        spare_w = tf.cast(batch.width - self.width + 1, tf.float32)
        top = tf.floor(sampler.uniform(0.0, 1.0) * tf.maximum(spare_h, 1.0))
        left = tf.floor(sampler.uniform(0.0, 1.0) * tf.maximum(spare_w, 1.0))
        return {"top": top, "left": left}

    def apply_images(self, images, params):
        h, w = images.shape[1], images.shape[2]
        if isinstance(h, int) and isinstance(w, int) and (h < self.height or w < self.width):
            # Alone, the window is cut out and resized, reading its own edge as Keras does.
            window = self.small_image_window(h, w)
            return window_resize(images, window, self.height, self.width, self.interpolation)
        return super().apply_images(images, params)

    def get_matrix(self, params, height, width):
        window = matrices.translation(-params["left"], -params["top"])
        # Images smaller than the crop are resized up as Keras does (see small_image_window).
        top, left, box_h, box_w = self.small_image_window(height, width)
        resized = matrices.crop_and_resize(top, left, box_h, box_w, self.height, self.width)
        resized = tf.tile(tf.reshape(resized, [-1, 3, 3])[:1], [tf.shape(params["top"])[0], 1, 1])
        return tf.where(self._smaller(height, width), resized, window)


@register(
    example={"height": 24, "width": 24, "scale": (0.25, 1.0)},
    exempt={
        "inference_identity": "gives the output size at inference too (a centred crop), as in Keras"
    },
)
class RandomResizedCrop(_CropLayer):
    """Crops a random box of random area and aspect ratio and resizes it.

    The Inception-style crop: each sample's box covers a fraction of the
    image area drawn from ``scale`` and has an aspect ratio (width / height)
    drawn log-uniformly from ``ratio``; boxes that would not fit are clipped
    to the image. At inference it crops the centred box of the target aspect
    ratio and resizes it, like ``RandomCrop``.

    Args:
        height: output height in pixels.
        width: output width in pixels.
        scale: ``(low, high)`` fraction of the area, within ``(0, 1]``.
        ratio: ``(low, high)`` aspect ratios, positive.
        interpolation: ``"bilinear"`` or ``"nearest"``.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    config_fields = ("scale", "ratio")
    config_omits = ("fill_mode", "fill_value")

    def __init__(
        self,
        height: int,
        width: int,
        scale: tuple[float, float] | list[float] = (0.08, 1.0),
        ratio: tuple[float, float] | list[float] = (3.0 / 4.0, 4.0 / 3.0),
        interpolation: Interpolation = "bilinear",
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(height, width, interpolation, seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        self.scale = parse_range(
            name, "scale", scale, low=0.0, high=1.0, low_inclusive=False, symmetric=False
        )
        self.ratio = parse_range(
            name, "ratio", ratio, low=0.0, low_inclusive=False, symmetric=False
        )

    def get_params(self, sampler, batch):
        area = sampler.uniform(*self.scale)
        log_ratio = sampler.uniform(math.log(self.ratio[0]), math.log(self.ratio[1]))
        ratio = tf.exp(log_ratio)
        img_h = tf.cast(batch.height, tf.float32)
        img_w = tf.cast(batch.width, tf.float32)
        total = area * img_h * img_w
        box_w = tf.minimum(tf.sqrt(total * ratio), img_w)
        box_h = tf.minimum(tf.sqrt(total / ratio), img_h)
        top = sampler.uniform(0.0, 1.0) * (img_h - box_h)
        left = sampler.uniform(0.0, 1.0) * (img_w - box_w)
        return {"top": top, "left": left, "box_height": box_h, "box_width": box_w}

    def get_matrix(self, params, height, width):
        return matrices.window_resize(params, self.height, self.width)


@register(example={"factor": 1.0, "scale": 0.5})
class RandomPerspective(GeometricAugmentation):
    """Randomly warps images by a perspective (projective) transformation.

    Same arguments, meaning and defaults as ``keras.layers.RandomPerspective``:
    with probability drawn from ``factor``, the image corners move by up to
    ``scale / 2`` of their coordinates (so the top-left corner stays put, as
    in Keras) and the image follows the homography between the corners.
    Points from outside the image read ``fill_value`` (``fill_mode`` is an
    extra argument here; its default, ``"constant"``, is Keras' behaviour).

    Args:
        factor: the probability of warping a sample is drawn per sample from
            ``[0, f]`` for a number ``f`` (Keras' convention, so ``f=1`` warps
            about half of the samples) or from a ``(low, high)`` range; use
            ``(1.0, 1.0)`` to warp every sample.
        scale: strength of the warp, in ``[0, 1]``.
        interpolation: ``"bilinear"`` or ``"nearest"``.
        fill_value: value read outside the image.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        fill_mode: ``"constant"`` (default), ``"reflect"``, ``"wrap"`` or ``"nearest"``.
    """

    config_fields = ("factor", "scale")

    def __init__(
        self,
        factor: Range = 1.0,
        scale: float = 1.0,
        interpolation: Interpolation = "bilinear",
        fill_value: float = 0.0,
        seed: Seed = None,
        data_format: DataFormat = None,
        fill_mode: FillMode = "constant",
        **kwargs,
    ):
        super().__init__(
            interpolation=interpolation,
            fill_mode=fill_mode,
            fill_value=fill_value,
            seed=seed,
            data_format=data_format,
            **kwargs,
        )
        name = self.__class__.__name__
        self.factor = parse_unit_range(name, "factor", factor)
        self.scale = check_number(name, "scale", scale, low=0.0, high=1.0)

    def get_params(self, sampler, batch):
        probability = sampler.uniform(*self.factor)
        apply = sampler.bernoulli(probability)
        offsets = sampler.uniform(-0.5 * self.scale, 0.5 * self.scale, extra_shape=(4, 2))
        return {"apply": apply, "corner_offsets": tf.where(apply[:, None, None], offsets, 0.0)}

    @staticmethod
    def corners(height, width, n):
        # At least 1: the corners of a one-pixel-tall (or wide) image would coincide
        # and leave the homography undefined.
        w1 = tf.maximum(tf.cast(width, tf.float32) - 1.0, 1.0)
        h1 = tf.maximum(tf.cast(height, tf.float32) - 1.0, 1.0)
        start = tf.stack([[0.0, 0.0], [w1, 0.0], [0.0, h1], [w1, h1]])
        return tf.tile(start[None], [n, 1, 1])

    def get_matrix(self, params, height, width):
        if "end_points" in params:  # corners given as Keras writes them
            return matrices.homography(params["start_points"], params["end_points"])
        offsets = params["corner_offsets"]
        start = self.corners(height, width, tf.shape(offsets)[0])
        end = start + start * offsets
        return matrices.homography(start, end)

    # Keras' transformation: "apply_perspective" [batch] and the corners
    # "start_points" -> "end_points" [batch, 4, 2] in pixels.
    keras_transformation_keys = ("apply_perspective", "start_points", "end_points")

    def keras_transformation(self, params, image_shape):
        offsets = params["corner_offsets"]
        start = self.corners(image_shape[1], image_shape[2], tf.shape(offsets)[0])
        return {
            "apply_perspective": params["apply"],
            "start_points": start,
            "end_points": start + start * offsets,
        }

    def params_from_keras(self, transformation, image_shape):
        apply = tf.reshape(keras_value(transformation, "apply_perspective", tf.bool), [-1])
        start = tf.reshape(keras_value(transformation, "start_points", tf.float32), [-1, 4, 2])
        end = tf.reshape(keras_value(transformation, "end_points", tf.float32), [-1, 4, 2])
        return {
            "apply": apply,
            "start_points": start,
            "end_points": tf.where(apply[:, None, None], end, start),
        }


# The most cells per side of the grid elastic fields are drawn on.
FIELD_GRID = 256


def field_grid(height: int | None, width: int | None, cells: int = FIELD_GRID) -> tuple[int, int]:
    """The static ``(rows, cols)`` of the grid an elastic field is drawn on.

    The image's own size when it has at most ``cells`` pixels per side;
    otherwise the same aspect with ``cells`` along the longer side; ``cells``
    by ``cells`` when the size is not static.
    """
    if not (isinstance(height, int) and isinstance(width, int)):
        return cells, cells
    longer = max(height, width, 1)
    if longer <= cells:
        return max(height, 1), max(width, 1)
    return max(1, round(height * cells / longer)), max(1, round(width * cells / longer))


def elastic_field(
    noise: tf.Tensor,
    strength: tf.Tensor,
    max_strength: float,
    height: int | tf.Tensor,
    width: int | tf.Tensor,
) -> tf.Tensor:
    """The displacement field ``float32[batch, height, width, 2]`` of an elastic distortion.

    ``noise`` is white noise ``float32[batch, rows, cols, 2]`` on the grid of
    ``field_grid(height, width)``; ``strength`` ``float32[batch]`` the
    per-sample ``s`` (``max_strength`` its static upper bound, which sizes the
    blur). The noise is smoothed with ``sigma = 0.05 * s * min(h, w)`` image
    pixels (per axis in grid cells), scaled by ``alpha * sigma`` with
    ``alpha = 0.1 * s * max(h, w)``, and upsampled bilinearly to the image.
    """
    rows, cols = noise.shape[1], noise.shape[2]
    h = tf.cast(height, tf.float32)
    w = tf.cast(width, tf.float32)
    sigma = 0.05 * strength * tf.minimum(h, w)
    alpha = 0.1 * strength * tf.maximum(h, w)
    # sigma in grid cells along each axis, and their product's square root, which
    # keeps the smoothed field's amplitude what it is at full resolution.
    cells_y, cells_x = rows / tf.maximum(h, 1.0), cols / tf.maximum(w, 1.0)
    sigma_cells = tf.stack([sigma * cells_y, sigma * cells_x], axis=-1)
    gain = alpha * sigma * tf.sqrt(cells_y * cells_x)
    # The blur's reach: three sigmas at the largest strength, within the grid (the
    # grid keeps the image's aspect, or is square with sigma bounded by its side).
    reach = 0.05 * max_strength * min(rows, cols)
    radius = max(1, min(int(math.ceil(3 * reach)), min(rows, cols) - 1))
    fields = gaussian_blur(noise, sigma_cells, radius) * gain[:, None, None, None]
    if isinstance(height, int) and isinstance(width, int) and (rows, cols) == (height, width):
        return fields
    return tf.image.resize(fields, tf.stack([height, width]), method="bilinear")


@register(example={"factor": 1.0, "scale": 1.0})
class RandomElasticTransform(ValueRangeMixin, GeometricAugmentation):
    """Randomly distorts images with a smooth random displacement field.

    Same arguments, meaning and defaults as
    ``keras.layers.RandomElasticTransform``: with probability drawn from
    ``factor`` a sample is distorted by a Gaussian-smoothed random field with
    ``alpha = 0.1 * s * max(h, w)`` (amplitude) and
    ``sigma = 0.05 * s * min(h, w)`` (smoothness), ``s`` drawn from
    ``scale``. Unlike Keras, ``s`` is drawn per sample and the x and y
    fields are independent. Output values are clipped to ``value_range``.
    The field goes through the same resampler as the matrices.

    Memory stays bounded on large images: the field is drawn and smoothed on
    a grid of at most ``FIELD_GRID`` (256) cells per side (the image's own
    pixels when it is that small) and upsampled bilinearly, so a
    4000x4000 image costs a 256x256 blur plus one resample. The smoothing
    width ``sigma`` is then resolved to one grid cell (16 pixels on a
    4000-pixel side); fields smoother than that, i.e. ``s`` above about 0.1
    there, are as at full resolution. Images whose size is only known at
    run time use a 256x256 grid.

    Args:
        factor: the probability of distorting a sample is drawn from ``[0, f]``
            for a number ``f`` (Keras' convention: ``f=1`` distorts about half
            of the samples) or from a ``(low, high)`` range within ``[0, 1]``.
        scale: distortion strength ``s``, drawn from ``[0, s]`` for a number or
            from a ``(low, high)`` range within ``[0, 1]``.
        interpolation, fill_mode, fill_value: as in ``RandomRotation``.
        value_range: ``(low, high)`` range of the image values.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    config_fields = ("factor", "scale")

    has_displacement = True

    def __init__(
        self,
        factor: Range = 1.0,
        scale: Range = 1.0,
        interpolation: Interpolation = "bilinear",
        fill_mode: FillMode = "reflect",
        fill_value: float = 0.0,
        value_range: ValueRange = (0, 255),
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(
            interpolation=interpolation,
            fill_mode=fill_mode,
            fill_value=fill_value,
            seed=seed,
            data_format=data_format,
            **kwargs,
        )
        name = self.__class__.__name__
        self.factor = parse_unit_range(name, "factor", factor)
        self.scale = parse_unit_range(name, "scale", scale)
        self._set_value_range(value_range)

    def get_params(self, sampler, batch):
        probability = sampler.uniform(*self.factor)
        apply = sampler.bernoulli(probability)
        strength = tf.where(apply, sampler.uniform(*self.scale), 0.0)
        noise = sampler.normal(extra_shape=(*field_grid(batch.height, batch.width), 2))
        return {"strength": strength, "noise": noise}

    # Keras' transformation: "apply_transform" [batch], "distortion_factor" (the
    # strength s, one for the batch) and "seed" (the seed of the random field).
    keras_transformation_keys = ("apply_transform", "distortion_factor", "seed")

    def params_from_keras(self, transformation, image_shape):
        apply = tf.reshape(keras_value(transformation, "apply_transform", tf.bool), [-1])
        strength = tf.reshape(keras_value(transformation, "distortion_factor", tf.float32), [-1])
        seed = tf.reshape(keras_value(transformation, "seed", tf.int64), [-1])
        seed = tf.concat([tf.zeros([2 - tf.size(seed)], tf.int64), seed], 0)[-2:]
        static = [tf.get_static_value(image_shape[i]) for i in (1, 2)]
        grid = field_grid(*(int(v) if v is not None else None for v in static))
        noise = tf.random.stateless_normal(tf.concat([[tf.size(apply)], grid, [2]], 0), seed)
        return {"strength": tf.where(apply, strength, 0.0), "noise": noise}

    def get_matrix(self, params, height, width):
        return matrices.identity(tf.shape(params["strength"])[0])

    def get_displacement(self, params, out_height, out_width):
        return elastic_field(
            params["noise"], params["strength"], self.scale[1], out_height, out_width
        )

    def finalize_images(self, images):
        return tf.clip_by_value(images, *self.value_range)


@register(example={"rotation": 0.1, "translation": 0.1, "scale": (0.8, 1.2), "shear": 0.1})
class RandomAffine(GeometricAugmentation):
    """Random rotation, shift, scale and shear in one matrix.

    All four act about the image centre: the content is sheared, scaled,
    rotated, then shifted, and the pixels move once.

    Args:
        rotation: degrees; ``r`` means ``[-r, r]``, or a ``(low, high)``
            pair. Positive angles turn counter-clockwise.
        translation: fraction of the size; ``t`` means shifts in
            ``[-t, t]`` of the width and of the height, a pair ``(tx, ty)``
            gives separate maxima for x and y. Positive moves right/down.
        scale: ``None`` (no scaling) or a ``(low, high)`` range of positive
            factors; factors above 1 enlarge the content.
        shear: degrees; ``s`` means x-shear angles in ``[-s, s]``, a pair is
            the x range, a 4-tuple ``(x_low, x_high, y_low, y_high)`` gives
            both.
        interpolation, fill_mode, fill_value, seed, data_format: as in
            ``RandomRotation``.
    """

    config_fields = ("rotation", "translation", "scale", "shear")

    def __init__(
        self,
        rotation: Range = 0.0,
        translation: Range = 0.0,
        scale: Range | None = None,
        shear: Range = 0.0,
        interpolation: Interpolation = "bilinear",
        fill_mode: FillMode = "reflect",
        fill_value: float = 0.0,
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(
            interpolation=interpolation,
            fill_mode=fill_mode,
            fill_value=fill_value,
            seed=seed,
            data_format=data_format,
            **kwargs,
        )
        name = self.__class__.__name__
        self.rotation = parse_range(name, "rotation", rotation, low=-360.0, high=360.0)
        if isinstance(translation, (tuple, list)) and len(translation) == 2:
            tx = check_number(name, "translation[0]", translation[0], low=0.0, high=1.0)
            ty = check_number(name, "translation[1]", translation[1], low=0.0, high=1.0)
        else:
            tx = ty = check_number(name, "translation", translation, low=0.0, high=1.0)
        self.translation = (tx, ty)
        self.scale = (
            None
            if scale is None
            else parse_range(name, "scale", scale, low=0.0, low_inclusive=False, symmetric=False)
        )
        if isinstance(shear, (tuple, list)) and len(shear) == 4:
            self.shear = parse_range(name, "shear[:2]", tuple(shear[:2]), low=-89.0, high=89.0) + (
                parse_range(name, "shear[2:]", tuple(shear[2:]), low=-89.0, high=89.0)
            )
        else:
            self.shear = parse_range(name, "shear", shear, low=-89.0, high=89.0) + (0.0, 0.0)

    def get_params(self, sampler, batch):
        tx, ty = self.translation
        return {
            "angle": sampler.uniform(*self.rotation) * (math.pi / 180.0),
            "shift_x": sampler.uniform(-tx, tx),
            "shift_y": sampler.uniform(-ty, ty),
            "scale": sampler.uniform(*(self.scale or (1.0, 1.0))),
            "shear_x": sampler.uniform(*self.shear[:2]) * (math.pi / 180.0),
            "shear_y": sampler.uniform(*self.shear[2:]) * (math.pi / 180.0),
        }

    def get_matrix(self, params, height, width):
        inverse_scale = 1.0 / params["scale"]
        sheared = matrices.about_center(
            matrices.shear(tf.tan(params["shear_x"]), tf.tan(params["shear_y"])), height, width
        )
        return matrices.compose(
            sheared,
            matrices.scaling(inverse_scale, inverse_scale, height, width),
            matrices.rotation(params["angle"], height, width),
            matrices.translation(
                params["shift_x"] * tf.cast(width, tf.float32),
                params["shift_y"] * tf.cast(height, tf.float32),
            ),
        )


__all__ = [
    "RandomFlip",
    "RandomRotation",
    "RandomZoom",
    "RandomTranslation",
    "RandomShear",
    "RandomCrop",
    "RandomResizedCrop",
    "RandomPerspective",
    "RandomElasticTransform",
    "RandomAffine",
]
