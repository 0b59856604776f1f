"""Reading image files: the one decoder behind the legacy iterators, ``expand`` and the CLI.

Every path that turns an image file into pixels goes through :func:`load_image`,
so all of them agree on colour conversion, 16-bit scaling and the pixel limit.
Decoding is done with PIL on the host, never on the augmentation path.
"""

from __future__ import annotations

import contextlib
import io
import os
import threading

import numpy as np

IMAGE_EXTENSIONS = ("png", "jpg", "jpeg", "bmp", "ppm", "gif", "tif", "tiff")
COLOR_MODES = {"grayscale": 1, "rgb": 3, "rgba": 4}

# 64 megapixels (8192 x 8192): larger than any camera photo in common use, while a
# decoded image this size still fits in memory a few times over. A 100 KB PNG can
# claim 10,000 x 10,000 pixels, which decodes to 300 MB and grows tenfold downstream.
DEFAULT_MAX_IMAGE_PIXELS = 2**26
MAX_PIXELS_ENV = "KERAS_AUGMENT_MAX_IMAGE_PIXELS"

# PIL's modes holding more than 8 bits per grey value that come from 16-bit files.
_SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N")


class UnreadableImageError(ValueError):
    """An image file could not be opened or decoded; the message names the file."""


class ImageTooLargeError(UnreadableImageError):
    """An image claims more pixels than the limit (a possible decompression bomb)."""


def max_image_pixels(max_pixels: int | None = None) -> int | None:
    """The pixel limit in force: ``max_pixels`` if given, else the environment, else the default.

    ``$KERAS_AUGMENT_MAX_IMAGE_PIXELS`` sets the limit for every loader (an
    integer; ``0`` or ``none`` removes it). Returns ``None`` for no limit.
    """
    if max_pixels is None:
        value = os.environ.get(MAX_PIXELS_ENV, "").strip()
        if not value:
            return DEFAULT_MAX_IMAGE_PIXELS
        if value.lower() in ("0", "none"):
            return None
        try:
            max_pixels = int(value)
        except ValueError:
            raise ValueError(
                f"${MAX_PIXELS_ENV} must be a number of pixels, or 0 or 'none' for no limit; "
                f"got {value!r}."
            ) from None
    if isinstance(max_pixels, bool) or not isinstance(max_pixels, (int, np.integer)):
        raise ValueError(f"max_pixels must be a positive int or None; got {max_pixels!r}.")
    if max_pixels <= 0:
        return None
    return int(max_pixels)


_PIL_LIMIT_LOCK = threading.Lock()


def _open(data: bytes, limit: int | None):
    """``PIL.Image.open`` on ``data`` with our limit in place of PIL's own."""
    from PIL import Image

    try:
        # PIL may warn (DecompressionBombWarning) past its own, higher limit; the
        # warning filters are process-wide, so they are left to the application.
        return Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        if limit is not None and limit <= (Image.MAX_IMAGE_PIXELS or 0) * 2:
            raise
    # The caller allowed more pixels than PIL's own ceiling: open once without it.
    with _PIL_LIMIT_LOCK:
        saved, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
        try:
            return Image.open(io.BytesIO(data))
        finally:
            Image.MAX_IMAGE_PIXELS = saved


@contextlib.contextmanager
def _named_errors(path: str):
    """Turns every failure to read ``path`` into an :class:`UnreadableImageError` naming it."""
    from PIL import Image

    try:
        yield
    except Image.DecompressionBombError as err:
        raise ImageTooLargeError(
            f"Image file '{path}' is too large to decode ({err}); raise the limit with "
            f"max_pixels= or ${MAX_PIXELS_ENV} if the image is genuine."
        ) from None
    except UnreadableImageError:
        raise
    except IsADirectoryError:
        raise UnreadableImageError(f"'{path}' is a folder, not an image file.") from None
    except FileNotFoundError:
        raise UnreadableImageError(f"Image file '{path}' does not exist.") from None
    except (OSError, ValueError, SyntaxError) as err:
        reason = getattr(err, "strerror", None) or str(err)
        raise UnreadableImageError(f"Cannot read image file '{path}': {reason}") from err


def _open_checked(path: str, limit: int | None, memory: io.BytesIO | None = None):
    """PIL image of ``path`` (or ``memory``): header read, pixels not decoded, within ``limit``."""
    if memory is not None:
        data = memory.getvalue()
    else:
        with open(path, "rb") as f:
            data = f.read()
    img = _open(data, limit)
    width, height = img.size
    if limit is not None and width * height > limit:
        raise ImageTooLargeError(
            f"Image file '{path}' claims {width}x{height} pixels, more than the limit of "
            f"{limit:,} (a guard against decompression bombs); raise it with "
            f"max_pixels= or ${MAX_PIXELS_ENV} if the image is genuine."
        )
    return img


def probe_image(path: str | os.PathLike, max_pixels: int | None = None) -> tuple[int, int]:
    """``(height, width)`` of an image file from its header, without decoding the pixels.

    Raises the errors of :func:`load_image` (unreadable header, pixel limit).
    """
    path = os.fspath(path)
    limit = max_image_pixels(max_pixels)  # a bad limit is the caller's error, not the file's
    with _named_errors(path):
        width, height = _open_checked(path, limit).size
    return height, width


def _to_8bit(img):
    """16-bit grey scaled to 0..255 as an ``"L"`` image, like the 8-bit files beside it."""
    from PIL import Image

    values = np.asarray(img, dtype=np.float32)
    return Image.fromarray(np.round(values * (255.0 / 65535.0)).astype(np.uint8), mode="L")


def _is_sixteen_bit(img) -> bool:
    # PNG stores at most 16 bits per grey value; some PIL versions open those as "I".
    return img.mode in _SIXTEEN_BIT_MODES or (img.mode == "I" and img.format == "PNG")


def load_image(
    path: str | os.PathLike | io.BytesIO,
    color_mode: str = "rgb",
    target_size: tuple[int, int] | None = None,
    interpolation: str = "nearest",
    keep_aspect_ratio: bool = False,
    dtype: str | None = "float32",
    *,
    max_pixels: int | None = None,
    keep_16bit: bool = False,
) -> np.ndarray:
    """Decodes one image file into a ``[height, width, channels]`` array.

    Follows ``keras.utils.load_img``: PIL decodes the file, converts it to
    ``"L"`` (``color_mode="grayscale"``, 1 channel), ``"RGB"`` (3) or
    ``"RGBA"`` (4), and resizes it to ``target_size`` (``(height, width)``)
    with the named PIL filter, first cropping the centre to the target
    aspect ratio when ``keep_aspect_ratio``.

    Values are those of an 8-bit image, 0..255, whatever the file stores:
    16-bit images are scaled (65535 becomes 255) in every colour mode, so
    8- and 16-bit files can share a batch. ``keep_16bit=True`` keeps 16-bit
    grey values as they are instead (segmentation masks whose class ids pass
    255; grayscale only).

    Args:
        path: the image file, or its bytes in an ``io.BytesIO``.
        color_mode: ``"grayscale"``, ``"rgb"`` or ``"rgba"``.
        target_size: ``(height, width)`` or ``None`` for the file's size.
        interpolation: PIL filter name (``"nearest"``, ``"bilinear"``, ...).
        keep_aspect_ratio: crop the centre to the target aspect ratio first.
        dtype: type of the returned values; ``None`` keeps the decoded type
            (``uint8``; ``uint16`` with ``keep_16bit``).
        max_pixels: refuse images claiming more pixels (width times height,
            read from the header before decoding); ``None`` uses
            ``$KERAS_AUGMENT_MAX_IMAGE_PIXELS`` or 2**26 (64 megapixels), and
            ``0`` removes the limit.
        keep_16bit: keep 16-bit grey values unscaled.

    Raises:
        ImageTooLargeError: the image claims more than ``max_pixels`` pixels.
        UnreadableImageError: the file cannot be read or decoded (the message
            names the file).
    """
    from PIL import Image

    if color_mode not in COLOR_MODES:
        raise ValueError(
            f"load_image: `color_mode` must be one of {tuple(COLOR_MODES)}; got {color_mode!r}."
        )
    limit = max_image_pixels(max_pixels)  # a bad limit is the caller's error, not the file's
    memory = path if isinstance(path, io.BytesIO) else None
    path = "<in-memory image>" if memory is not None else os.fspath(path)
    with _named_errors(path):
        img = _open_checked(path, limit, memory)
        if _is_sixteen_bit(img) and not (keep_16bit and color_mode == "grayscale"):
            img = _to_8bit(img)
        if color_mode == "grayscale":
            if img.mode not in ("L", "I", "F", *_SIXTEEN_BIT_MODES):
                img = img.convert("L")
        elif img.mode != color_mode.upper():
            img = img.convert(color_mode.upper())
        img.load()
        if target_size is not None:
            size = (int(target_size[1]), int(target_size[0]))
            if img.size != size:
                method = getattr(Image.Resampling, interpolation.upper())
                box = None
                if keep_aspect_ratio:
                    width, height = img.size
                    crop_w = min(width, height * size[0] // size[1])
                    crop_h = min(height, width * size[1] // size[0])
                    left = (width - crop_w) // 2
                    top = (height - crop_h) // 2
                    box = (left, top, left + crop_w, top + crop_h)
                img = img.resize(size, method, box=box)
        array = np.asarray(img)
        if dtype is not None:
            array = array.astype(dtype)
    if array.ndim == 2:
        array = array[..., None]
    return array


def list_image_files(directory: str | os.PathLike, follow_links: bool = False) -> list[str]:
    """Image files under ``directory`` at any depth, sorted by folder then name.

    A file counts as an image by its extension (:data:`IMAGE_EXTENSIONS`, any
    case). With ``follow_links``, symbolic links to folders are walked too, and
    every folder is walked once by its real path: a link loop, or two links to
    one folder, lists its files once, under its own name where the tree holds
    the folder itself and under the first link otherwise.
    """
    suffixes = tuple("." + ext for ext in IMAGE_EXTENSIONS)
    folders: list[tuple[str, list[str]]] = []
    seen: set[str] = set()
    pending = [os.fspath(directory)]
    links: list[str] = []  # walked after every real folder, so real names win
    while pending or links:
        folder = pending.pop() if pending else links.pop(0)
        real = os.path.realpath(folder)
        if real in seen:
            continue
        seen.add(real)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue  # unreadable or vanished folder: nothing to list there
        files, subfolders = [], []
        for entry in entries:
            if entry.is_dir():
                if not entry.is_symlink():
                    subfolders.append(entry.path)
                elif follow_links:
                    links.append(entry.path)
            elif entry.name.lower().endswith(suffixes):
                files.append(entry.path)
        folders.append((folder, files))
        pending.extend(reversed(subfolders))
    return [path for _, files in sorted(folders, key=lambda t: t[0]) for path in files]


__all__ = [
    "DEFAULT_MAX_IMAGE_PIXELS",
    "IMAGE_EXTENSIONS",
    "ImageTooLargeError",
    "UnreadableImageError",
    "list_image_files",
    "load_image",
    "max_image_pixels",
    "probe_image",
]
