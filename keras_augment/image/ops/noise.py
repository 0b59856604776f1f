"""Noise kernels: camera (ISO) noise and multiplicative noise, plus RGB <-> HLS.

Plain functions of float32 ``[batch, height, width, channels]`` images
(other real dtypes are cast) and per-sample parameters or pre-drawn noise
fields; they return float32 images of the same shape.
"""

from __future__ import annotations

import tensorflow as tf


def rgb_to_hls(rgb: tf.Tensor) -> tf.Tensor:
    """RGB in ``[0, 1]`` to HLS as OpenCV's float ``COLOR_RGB2HLS``: hue in degrees ``[0, 360)``.

    Lightness is ``(max + min) / 2``; saturation ``(max - min) / (max + min)``
    below lightness 0.5 and ``(max - min) / (2 - max - min)`` from it; grey
    pixels get hue and saturation 0.
    """
    r, g, b = tf.unstack(tf.cast(rgb, tf.float32), axis=-1)
    high = tf.maximum(tf.maximum(r, g), b)
    low = tf.minimum(tf.minimum(r, g), b)
    lightness = (high + low) / 2.0
    spread = high - low
    grey = spread <= 1.1920929e-07  # FLT_EPSILON, OpenCV's test
    safe = tf.where(grey, 1.0, spread)
    denom = tf.where(lightness < 0.5, high + low, 2.0 - high - low)
    saturation = tf.where(grey, 0.0, spread / tf.where(grey, 1.0, denom))
    hue = tf.where(
        high == r,
        (g - b) / safe,
        tf.where(high == g, (b - r) / safe + 2.0, (r - g) / safe + 4.0),
    )
    hue = hue * 60.0
    hue = tf.where(hue < 0.0, hue + 360.0, hue)
    return tf.stack([tf.where(grey, 0.0, hue), lightness, saturation], axis=-1)


def hls_to_rgb(hls: tf.Tensor) -> tf.Tensor:
    """HLS (hue in degrees, any value; lightness and saturation in ``[0, 1]``) to RGB.

    The inverse of ``rgb_to_hls`` (OpenCV's ``COLOR_HLS2RGB``); hue wraps around.
    """
    hue, lightness, saturation = tf.unstack(tf.cast(hls, tf.float32), axis=-1)
    chroma = saturation * tf.minimum(lightness, 1.0 - lightness)
    sector = hue / 30.0

    def channel(n: float) -> tf.Tensor:
        k = n + sector
        k = k - 12.0 * tf.floor(k / 12.0)
        return lightness - chroma * tf.clip_by_value(tf.minimum(k - 3.0, 9.0 - k), -1.0, 1.0)

    return tf.stack([channel(0.0), channel(8.0), channel(4.0)], axis=-1)


def iso_noise(
    images: tf.Tensor, hue_noise: tf.Tensor, luminance_noise: tf.Tensor, value_range
) -> tf.Tensor:
    """Adds camera sensor noise to RGB images in HLS space, as albumentations' ``ISONoise``.

    Each pixel's hue moves by ``hue_noise`` degrees and its lightness ``L``
    by ``luminance_noise * (1 - L)`` (kept within ``[0, 1]``), then the
    image goes back to RGB within ``value_range``.

    Args:
        images: ``[batch, height, width, 3]`` RGB within ``value_range``.
        hue_noise: ``float32[batch, height, width]`` in degrees.
        luminance_noise: ``float32[batch, height, width]``, non-negative.
        value_range: ``(low, high)`` of the pixel values.
    """
    low, high = float(value_range[0]), float(value_range[1])
    unit = tf.clip_by_value((tf.cast(images, tf.float32) - low) / (high - low), 0.0, 1.0)
    hue, lightness, saturation = tf.unstack(rgb_to_hls(unit), axis=-1)
    lightness = tf.clip_by_value(lightness + luminance_noise * (1.0 - lightness), 0.0, 1.0)
    rgb = hls_to_rgb(tf.stack([hue + hue_noise, lightness, saturation], axis=-1))
    return tf.clip_by_value(rgb, 0.0, 1.0) * (high - low) + low


def lightness_stddev(images: tf.Tensor, value_range) -> tf.Tensor:
    """``float32[batch]``: the standard deviation of each RGB image's HLS lightness in ``[0, 1]``."""
    low, high = float(value_range[0]), float(value_range[1])
    unit = tf.clip_by_value((tf.cast(images, tf.float32) - low) / (high - low), 0.0, 1.0)
    lightness = (tf.reduce_max(unit, axis=-1) + tf.reduce_min(unit, axis=-1)) / 2.0
    return tf.math.reduce_std(lightness, axis=[1, 2])


def poisson_from_uniform(rate: tf.Tensor, uniform: tf.Tensor, terms: int = 12) -> tf.Tensor:
    """Poisson counts by inverting the CDF of ``rate`` at ``uniform`` draws (XLA-friendly).

    Exact for counts below ``terms``; the chance of a larger count is below
    ``1e-9`` for rates up to 1. ``rate`` broadcasts against ``uniform``.
    """
    rate = tf.cast(rate, tf.float32)
    term = tf.exp(-rate)  # P(0)
    cdf = term
    count = tf.zeros_like(uniform)
    for n in range(1, terms + 1):
        count += tf.cast(uniform >= cdf, tf.float32)
        term = term * rate / float(n)
        cdf = cdf + term
    return count


def random_iso_noise(
    images: tf.Tensor, color_shift, intensity, hue_draw, uniform_draw, value_range
) -> tf.Tensor:
    """``iso_noise`` with albumentations' noise fields, built from standard draws.

    Args:
        images: ``[batch, height, width, 3]`` RGB within ``value_range``.
        color_shift, intensity: ``float32[batch]``.
        hue_draw: ``float32[batch, height, width]`` standard normal draws; the
            hue noise is ``hue_draw * color_shift * intensity`` turns.
        uniform_draw: ``float32[batch, height, width]`` uniform draws in
            ``[0, 1)``; the lightness noise is ``n * intensity`` with ``n``
            Poisson of rate ``intensity`` times the image's lightness
            standard deviation.
        value_range: ``(low, high)`` of the pixel values.
    """
    intensity = tf.cast(intensity, tf.float32)[:, None, None]
    color_shift = tf.cast(color_shift, tf.float32)[:, None, None]
    hue_noise = hue_draw * (color_shift * intensity * 360.0)
    rate = lightness_stddev(images, value_range)[:, None, None] * intensity
    luminance = poisson_from_uniform(rate, uniform_draw) * intensity
    return iso_noise(images, hue_noise, luminance, value_range)


def multiply(images: tf.Tensor, multiplier: tf.Tensor, value_range) -> tf.Tensor:
    """``images * multiplier`` clipped to ``value_range``; ``multiplier`` broadcasts."""
    out = tf.cast(images, tf.float32) * tf.cast(multiplier, tf.float32)
    return tf.clip_by_value(out, float(value_range[0]), float(value_range[1]))
