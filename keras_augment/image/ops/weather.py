"""Weather and lighting kernels: rain, fog, snow, sun flare, shadows and plasma (fractal) noise.

Plain functions of float32 ``[batch, height, width, channels]`` images
(other real dtypes are cast) within ``value_range`` and per-sample
parameters or pre-drawn random fields; they return float32 images of the
same shape, within ``value_range``.
"""

from __future__ import annotations

import tensorflow as tf

from keras_augment.image.ops.noise import hls_to_rgb, rgb_to_hls


def _to_unit(images: tf.Tensor, value_range) -> tf.Tensor:
    low, high = float(value_range[0]), float(value_range[1])
    return tf.clip_by_value((tf.cast(images, tf.float32) - low) / (high - low), 0.0, 1.0)


def _from_unit(unit: tf.Tensor, value_range) -> tf.Tensor:
    low, high = float(value_range[0]), float(value_range[1])
    return tf.clip_by_value(unit, 0.0, 1.0) * (high - low) + low


def _column(value) -> tf.Tensor:
    """A ``[batch]`` parameter as ``float32[batch, 1, 1, 1]``."""
    return tf.cast(value, tf.float32)[:, None, None, None]


def _frequencies(size) -> tf.Tensor:
    """NumPy's ``fftfreq(size)``: ``float32[size]`` cycles per pixel."""
    index = tf.range(size)
    signed = tf.where(index < (size + 1) // 2, index, index - size)
    return tf.cast(signed, tf.float32) / tf.cast(size, tf.float32)


def plasma_pattern(white: tf.Tensor, exponent) -> tf.Tensor:
    """Fractal (``1 / f**exponent`` power spectrum) noise fields scaled to ``[0, 1]``.

    The white noise is shaped in the Fourier domain: its spectrum is
    multiplied by ``f**(-exponent / 2)`` (``f`` the radial frequency, the
    constant term removed), so the power falls as ``f**-exponent``; 2 gives
    the clouds of Brownian noise, 3 smoother plasma. The field is periodic
    (its opposite edges meet) and each is stretched to span ``[0, 1]``.

    Args:
        white: ``float32[batch, height, width]`` standard normal draws.
        exponent: ``float32[batch]`` spectral exponents.

    Returns:
        ``float32[batch, height, width]`` within ``[0, 1]``.
    """
    white = tf.cast(white, tf.float32)
    shape = tf.shape(white)
    fy = _frequencies(shape[1])[:, None]
    fx = _frequencies(shape[2])[None, :]
    radial = tf.sqrt(fy * fy + fx * fx)
    is_dc = radial == 0.0
    safe = tf.where(is_dc, 1.0, radial)[None]
    power = -0.5 * tf.cast(exponent, tf.float32)[:, None, None]
    amplitude = tf.where(is_dc[None], 0.0, tf.exp(power * tf.math.log(safe)))
    spectrum = tf.signal.fft2d(tf.complex(white, tf.zeros_like(white)))
    field = tf.math.real(tf.signal.ifft2d(spectrum * tf.complex(amplitude, 0.0 * amplitude)))
    low = tf.reduce_min(field, axis=[1, 2], keepdims=True)
    high = tf.reduce_max(field, axis=[1, 2], keepdims=True)
    return (field - low) / tf.maximum(high - low, 1e-12)


def plasma_brightness_contrast(
    images: tf.Tensor, brightness, contrast, pattern: tf.Tensor, value_range
) -> tf.Tensor:
    """Brightness and contrast that vary over the image with a plasma pattern.

    In ``[0, 1]`` units, as albumentations' ``PlasmaBrightnessContrast``:
    ``x + brightness * p`` (clipped), then with ``w = 1 + contrast * p`` and ``m`` the
    mean of the brightened image (all channels), ``x * w + m * (1 - w)``;
    clipped to the value range.

    Args:
        images: ``[batch, height, width, channels]`` within ``value_range``.
        brightness, contrast: ``float32[batch]``.
        pattern: ``float32[batch, height, width]`` within ``[0, 1]``.
        value_range: ``(low, high)`` of the pixel values.
    """
    unit = _to_unit(images, value_range)
    pattern = tf.cast(pattern, tf.float32)[..., None]
    unit = tf.clip_by_value(unit + _column(brightness) * pattern, 0.0, 1.0)
    mean = tf.reduce_mean(unit, axis=[1, 2, 3], keepdims=True)
    weight = 1.0 + _column(contrast) * pattern
    return _from_unit(unit * weight + mean * (1.0 - weight), value_range)


def plasma_shadow(images: tf.Tensor, intensity, pattern: tf.Tensor, value_range) -> tf.Tensor:
    """Darkens images by ``1 - intensity * pattern`` (albumentations' ``PlasmaShadow``).

    Args:
        images: ``[batch, height, width, channels]`` within ``value_range``.
        intensity: ``float32[batch]`` within ``[0, 1]``.
        pattern: ``float32[batch, height, width]`` within ``[0, 1]``.
        value_range: ``(low, high)`` of the pixel values; darkening goes towards ``low``.
    """
    unit = _to_unit(images, value_range)
    factor = 1.0 - _column(intensity) * tf.cast(pattern, tf.float32)[..., None]
    return _from_unit(unit * factor, value_range)


def fog(images: tf.Tensor, intensity, patchiness, pattern: tf.Tensor, value_range) -> tf.Tensor:
    """Blends images towards white with a patchy fog density.

    The density is ``t = intensity * (1 - patchiness + patchiness * p)``
    and the output ``x * (1 - t) + high * t``: where ``t`` is even, every
    contrast (standard deviation, differences between pixels) shrinks by the
    factor ``1 - t``.

    Args:
        images: ``[batch, height, width, channels]`` within ``value_range``.
        intensity, patchiness: ``float32[batch]`` within ``[0, 1]``.
        pattern: ``float32[batch, height, width]`` within ``[0, 1]``.
        value_range: ``(low, high)`` of the pixel values.
    """
    unit = _to_unit(images, value_range)
    patchiness = _column(patchiness)
    density = _column(intensity) * (
        1.0 - patchiness + patchiness * tf.cast(pattern, tf.float32)[..., None]
    )
    return _from_unit(unit * (1.0 - density) + density, value_range)


def snow_bleach(images: tf.Tensor, snow_point, brightness, value_range) -> tf.Tensor:
    """Brightens the darker pixels of RGB images, as albumentations' ``RandomSnow`` ("bleach").

    In HLS space, lightness ``L`` (in ``[0, 1]``) below the threshold
    ``snow_point / 2 + 1 / 3`` becomes ``min(L * brightness, 1)``.

    Args:
        images: ``[batch, height, width, 3]`` RGB within ``value_range``.
        snow_point: ``float32[batch]`` within ``[0, 1]``.
        brightness: ``float32[batch]``, at least 1 for a snowy look.
        value_range: ``(low, high)`` of the pixel values.
    """
    hue, lightness, saturation = tf.unstack(rgb_to_hls(_to_unit(images, value_range)), axis=-1)
    threshold = tf.cast(snow_point, tf.float32)[:, None, None] / 2.0 + 1.0 / 3.0
    bleached = tf.minimum(lightness * tf.cast(brightness, tf.float32)[:, None, None], 1.0)
    lightness = tf.where(lightness < threshold, bleached, lightness)
    return _from_unit(hls_to_rgb(tf.stack([hue, lightness, saturation], axis=-1)), value_range)


def rain_streaks(drops: tf.Tensor, slant, length, size: int) -> tf.Tensor:
    """Draws a straight streak from every drop: ``float32[batch, height, width]`` within ``[0, 1]``.

    A drop at ``(x, y)`` lights the one-pixel line to ``(x + slant, y + length)``,
    as albumentations draws its rain: one point per pixel step along the
    longer axis, shared linearly between the two pixels it falls between
    across the other axis (an anti-aliased line); a fractional last step is
    lit by its fraction. Only the drops are visited, so the cost grows with
    the number of drops times the streak length, not with the image size.
    Runs as plain TF ops (the number of drops is not static, so not under XLA).

    Args:
        drops: ``float32[batch, height, width]``, 1 where a drop starts, else 0.
        slant, length: ``float32[batch]`` pixels (``length`` positive).
        size: the static, odd window size, at least ``2 * hypot(slant, length) + 1``:
            bounds the number of steps.
    """
    drops = tf.convert_to_tensor(drops)
    shape = tf.shape(drops)
    height, width = shape[1], shape[2]
    where = tf.cast(tf.where(drops > 0), tf.int32)  # [n, 3]: sample, row, column
    sample = where[:, :1]
    slant = tf.gather(tf.cast(slant, tf.float32), sample)
    length = tf.gather(tf.cast(length, tf.float32), sample)
    steep = length >= tf.abs(slant)
    major = tf.maximum(tf.maximum(length, tf.abs(slant)), 1e-6)
    # Each drop's points: whole steps along the longer axis, a fraction of a
    # pixel across it, shared between the two pixels either side ([n, 2 * steps]).
    step = tf.range(size // 2 + 1, dtype=tf.float32)[None]
    across = step * tf.where(steep, slant, length) / major
    low = tf.floor(across)
    share = across - low
    lit = tf.clip_by_value(major + 1.0 - step, 0.0, 1.0)
    along = tf.cast(step * tf.where(steep, 1.0, tf.sign(slant)), tf.int32)
    along = tf.concat([along, along], 1)
    across = tf.cast(tf.concat([low, low + 1.0], 1), tf.int32)
    weight = tf.concat([lit * (1.0 - share), lit * share], 1)
    y = where[:, 1:2] + tf.where(steep, along, across)
    x = where[:, 2:3] + tf.where(steep, across, along)
    inside = (y >= 0) & (y < height) & (x >= 0) & (x < width) & (weight > 0.0)
    pixel = (sample * height + y) * width + x
    streaks = tf.math.unsorted_segment_sum(
        tf.reshape(tf.where(inside, weight, 0.0), [-1]),
        tf.reshape(tf.where(inside, pixel, 0), [-1]),
        shape[0] * height * width,
    )
    return tf.minimum(tf.reshape(streaks, shape), 1.0)


def add_streaks(
    images: tf.Tensor, streaks: tf.Tensor, drop_value, darken, blur: int, value_range
) -> tf.Tensor:
    """Adds rain streaks to images, then dims them (the compiled half of ``rain``).

    In ``[0, 1]`` units: ``streaks`` times ``drop_value`` are box-blurred over
    ``blur x blur`` pixels, added to the image (clipped at 1) and the sum
    multiplied by ``darken``.

    Args:
        images: ``[batch, height, width, channels]`` within ``value_range``.
        streaks: ``float32[batch, height, width]`` within ``[0, 1]`` (``rain_streaks``).
        drop_value: the streak brightness within ``[0, 1]``.
        darken: ``float32[batch]`` brightness factors.
        blur: static odd box blur size (1: none).
        value_range: ``(low, high)`` of the pixel values.
    """
    streaks = tf.cast(streaks, tf.float32)[..., None] * float(drop_value)
    if blur > 1:
        # The box is separable (the border's shorter windows too): two 1-D
        # passes cost 2 * blur taps a pixel instead of blur**2.
        streaks = tf.nn.avg_pool2d(streaks, [blur, 1], 1, "SAME")
        streaks = tf.nn.avg_pool2d(streaks, [1, blur], 1, "SAME")
    unit = tf.minimum(_to_unit(images, value_range) + streaks, 1.0)
    return _from_unit(unit * _column(darken), value_range)


def rain(
    images: tf.Tensor,
    drops: tf.Tensor,
    slant,
    length,
    drop_value,
    darken,
    size: int,
    blur: int,
    value_range,
) -> tf.Tensor:
    """Adds rain streaks to images, then dims them, as albumentations' ``RandomRain``.

    ``add_streaks`` of the ``rain_streaks`` the drops start.

    Args:
        images: ``[batch, height, width, channels]`` within ``value_range``.
        drops: ``float32[batch, height, width]`` drop starts (1) and 0 elsewhere.
        slant, length: ``float32[batch]`` streak geometry in pixels.
        drop_value: the streak brightness within ``[0, 1]``.
        darken: ``float32[batch]`` brightness factors.
        size: static streak window (see ``rain_streaks``).
        blur: static odd box blur size (1: none).
        value_range: ``(low, high)`` of the pixel values.
    """
    streaks = rain_streaks(drops, slant, length, size)
    return add_streaks(images, streaks, drop_value, darken, blur, value_range)


def _pixel_grid(images: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """``(x, y)``: ``float32[height, width]`` pixel coordinates (pixel centres at integers)."""
    shape = tf.shape(images)
    y = tf.range(shape[1], dtype=tf.float32)[:, None]
    x = tf.range(shape[2], dtype=tf.float32)[None, :]
    return x + 0.0 * y, y + 0.0 * x


def polygon_masks(vertices: tf.Tensor, height, width) -> tf.Tensor:
    """Which pixels lie inside each polygon (even-odd rule): ``bool[batch, n, height, width]``.

    Args:
        vertices: ``float32[batch, n, v, 2]`` ``(x, y)`` pixel coordinates of
            ``n`` polygons of ``v`` vertices each; pixel centres are at integers.
        height, width: the image size.
    """
    vertices = tf.cast(vertices, tf.float32)
    ax, ay = vertices[..., 0], vertices[..., 1]
    bx, by = tf.roll(ax, -1, axis=2), tf.roll(ay, -1, axis=2)
    ax, ay, bx, by = (edge[..., None, None] for edge in (ax, ay, bx, by))
    y = tf.range(height, dtype=tf.float32)[:, None]
    x = tf.range(width, dtype=tf.float32)[None, :]
    straddles = (ay > y) != (by > y)
    rise = tf.where(straddles, by - ay, 1.0)
    crossing_x = ax + (y - ay) * (bx - ax) / rise
    crosses = straddles & (x < crossing_x)
    count = tf.reduce_sum(tf.cast(crosses, tf.int32), axis=2)
    return count % 2 == 1


def shadow(images: tf.Tensor, vertices: tf.Tensor, intensity, value_range) -> tf.Tensor:
    """Darkens the inside of polygons, as albumentations' ``RandomShadow``.

    Pixels inside polygon ``i`` are multiplied by ``1 - intensity[:, i]``
    (overlapping shadows multiply; towards the low end of the range).

    Args:
        images: ``[batch, height, width, channels]`` within ``value_range``.
        vertices: ``float32[batch, n, v, 2]`` polygon corners ``(x, y)`` in pixels.
        intensity: ``float32[batch, n]`` within ``[0, 1]``; 0 for no shadow.
        value_range: ``(low, high)`` of the pixel values.
    """
    shape = tf.shape(images)
    inside = tf.cast(polygon_masks(vertices, shape[1], shape[2]), tf.float32)
    keep = 1.0 - tf.cast(intensity, tf.float32)[:, :, None, None] * inside
    factor = tf.reduce_prod(keep, axis=1)[..., None]
    return _from_unit(_to_unit(images, value_range) * factor, value_range)


def sun_flare(
    images: tf.Tensor,
    center: tf.Tensor,
    radius,
    circles: tf.Tensor,
    color: tuple[float, ...],
    value_range,
) -> tf.Tensor:
    """A sun with a radial glow and ghost circles blended over images.

    Each ghost circle ``(x, y, r, alpha)`` blends its disk towards ``color``
    by ``alpha`` (in order); then the sun blends towards ``color`` by
    ``(1 - d / radius)**2`` at distance ``d`` from ``center`` (1 at the
    centre, 0 from ``radius`` on). Outside the disks and the glow the image
    is unchanged.

    Args:
        images: ``[batch, height, width, channels]`` within ``value_range``.
        center: ``float32[batch, 2]`` the sun's ``(x, y)`` in pixels.
        radius: ``float32[batch]`` the glow radius in pixels.
        circles: ``float32[batch, n, 4]`` ghost circles; alpha 0 leaves one out.
        color: the flare colour in ``[0, 1]`` units, one value or one per channel.
        value_range: ``(low, high)`` of the pixel values.
    """
    unit = _to_unit(images, value_range)
    x, y = _pixel_grid(images)
    color = tf.constant(color, tf.float32)
    circles = tf.cast(circles, tf.float32)
    for i in range(circles.shape[1]):
        cx, cy, r, alpha = (circles[:, i, k][:, None, None] for k in range(4))
        disk = tf.cast(tf.square(x - cx) + tf.square(y - cy) <= r * r, tf.float32)
        weight = (alpha * disk)[..., None]
        unit = unit * (1.0 - weight) + color * weight
    center = tf.cast(center, tf.float32)
    distance = tf.sqrt(
        tf.square(x - center[:, 0, None, None]) + tf.square(y - center[:, 1, None, None])
    )
    radius = tf.maximum(tf.cast(radius, tf.float32)[:, None, None], 1e-6)
    glow = tf.square(tf.nn.relu(1.0 - distance / radius))[..., None]
    return _from_unit(unit * (1.0 - glow) + color * glow, value_range)
