"""``expand``: write augmented copies of a folder of images to another folder."""

from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
import inspect
import io
import itertools
import os
import shutil
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from keras_augment.image.io import (
    IMAGE_EXTENSIONS,
    UnreadableImageError,
    list_image_files,
    load_image,
    max_image_pixels,
    probe_image,
)

IMAGE_SUFFIXES = tuple("." + ext for ext in IMAGE_EXTENSIONS)
ON_ERROR = ("skip", "raise")
# Encoders of the formats that keep their format under ``balance``, other than PNG and JPEG
# (which are encoded in the tf.data pipeline): PIL format names by suffix.
PIL_FORMATS = {".bmp": "BMP", ".ppm": "PPM", ".gif": "GIF", ".tif": "TIFF", ".tiff": "TIFF"}
JPEG_SUFFIXES = (".jpg", ".jpeg")


@dataclasses.dataclass
class ExpandReport:
    """What ``expand`` did, counted on disk.

    ``written``: files this run wrote (every one under its own name);
    ``skipped``: outputs already there from an earlier run; ``per_class``:
    files written per class; ``unreadable``: ``{source path: reason}`` of the
    sources left out because they could not be decoded (or exceed the pixel
    limit), with the outputs they would have had not written; ``originals``:
    sources this run copied unchanged (``balance`` without ``copies_only``).
    """

    written: int
    skipped: int
    per_class: dict
    # With ``balance=True`` (and not ``copies_only``): sources copied unchanged into ``dst``.
    originals: int = 0
    # With ``balance=True``: ``{class: (source images, augmented copies planned)}``.
    balance: dict = dataclasses.field(default_factory=dict)
    unreadable: dict = dataclasses.field(default_factory=dict)


def _is_within(inner: Path, outer: Path) -> bool:
    try:
        inner.relative_to(outer)
        return True
    except ValueError:
        return False


def list_sources(src: str | os.PathLike) -> list[tuple[str, Path]]:
    """``(class_name, path)`` of every image under ``src``.

    ``src`` may be one image file, a folder of images (class ``""``), or a
    folder of class subfolders of images. A class holds the images at any
    depth of its subfolder (links to folders are followed, each folder once).
    """
    src = Path(src)
    if not src.exists():
        raise FileNotFoundError(f"expand: the source {src} does not exist.")
    if src.is_file():
        if src.suffix.lower() not in IMAGE_SUFFIXES:
            raise ValueError(
                f"expand: {src} is not an image file; expected one of {IMAGE_SUFFIXES}."
            )
        return [("", src)]
    found = [
        ("", p) for p in sorted(src.iterdir()) if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
    ]
    for sub in sorted(p for p in src.iterdir() if p.is_dir()):
        found += [(sub.name, Path(p)) for p in list_image_files(sub, follow_links=True)]
    if not found:
        raise ValueError(f"expand: no images ({', '.join(IMAGE_SUFFIXES)}) found in {src}.")
    return found


def output_name(source: Path, root: Path, k: int, keep_format: bool = False) -> Path:
    """Output name of copy ``k`` of ``source``: ``<folder>/<stem>_<extension>_aug<k>.png``.

    The extension stays in the name, so ``photo.png`` and ``photo.jpg`` in one
    folder never write to the same file (``photo_png_aug0000.png``,
    ``photo_jpg_aug0000.png``); the folder is the source's, relative to ``root``.
    With ``keep_format``, the copy has the source's suffix instead of ``.png``
    (``photo_jpg_aug0000.jpg``).
    """
    extension = source.suffix[1:]
    suffix = source.suffix if keep_format else ".png"
    return source.parent.relative_to(root) / f"{source.stem}_{extension}_aug{k:04d}{suffix}"


def _in_source_format(png: bytes, suffix: str) -> bytes:
    """PNG bytes re-encoded in the format of ``suffix`` (BMP, PPM, GIF, TIFF)."""
    from PIL import Image

    out = io.BytesIO()
    with Image.open(io.BytesIO(png)) as image:
        image.save(out, format=PIL_FORMATS[suffix.lower()])
    return out.getvalue()


def find_masks(sources: list[tuple[str, Path]], src_root: Path, masks_root: Path) -> list[Path]:
    """The mask of every source: same relative folder and file stem under ``masks_root``.

    Any image suffix will do for the mask (PNG is usual); a source without a mask is a
    ``ValueError`` naming it.
    """
    if not masks_root.is_dir():
        raise FileNotFoundError(f"expand: the mask folder {masks_root} does not exist.")
    found = []
    for _, path in sources:
        folder = masks_root / path.parent.relative_to(src_root)
        candidates = [folder / (path.stem + suffix) for suffix in IMAGE_SUFFIXES]
        candidates += [c.with_suffix(c.suffix.upper()) for c in candidates]
        match = next((c for c in candidates if c.is_file()), None)
        if match is None:
            raise ValueError(
                f"expand: no mask for {path}: expected {folder / path.stem}.png "
                f"(or another of {IMAGE_SUFFIXES}) in the mask folder."
            )
        found.append(match)
    return found


def _round_robin(members: list[int], count: int) -> list[tuple[int, int]]:
    """``count`` outputs spread over ``members``: each gets ``count // n`` or one more."""
    return [(members[j % len(members)], j // len(members)) for j in range(count)]


def _plan(sources, per_image, total, per_class, balance=False):
    """``[(source_index, copy_index)]`` for every output to produce."""
    if balance:
        if per_image is not None:
            raise ValueError(
                "expand: `balance` decides how many copies each class gets; it cannot be "
                "combined with `per_image` (use `total` to set the size every class reaches)."
            )
        if total is not None and (not isinstance(total, int) or total < 1):
            raise ValueError(f"expand: `total` must be a positive integer; got {total!r}.")
        groups: dict[str, list[int]] = {}
        for i, (cls, _) in enumerate(sources):
            groups.setdefault(cls, []).append(i)
        if len(groups) < 2 and total is None:
            raise ValueError(
                "expand: `balance` needs a folder of class subfolders (found one class); "
                "give `total` to bring it to a size."
            )
        target = total if total is not None else max(len(m) for m in groups.values())
        return [
            pair
            for members in groups.values()
            for pair in _round_robin(members, max(target - len(members), 0))
        ]
    if (per_image is None) == (total is None):
        raise ValueError("expand: give exactly one of `per_image` and `total`.")
    count = per_image if per_image is not None else total
    if not isinstance(count, int) or count < 1:
        raise ValueError(f"expand: the number of images must be a positive integer; got {count!r}.")
    if per_image is not None:
        return [(i, k) for i in range(len(sources)) for k in range(per_image)]
    groups: dict[str, list[int]] = {}
    for i, (cls, _) in enumerate(sources):
        groups.setdefault(cls if per_class else "", []).append(i)
    return [pair for members in groups.values() for pair in _round_robin(members, total)]


def _write(target: Path, data: bytes) -> None:
    """Writes under a temporary name and renames, so a final name always holds a whole file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(target)


def _decoded(jobs, load, on_error: str, failures: dict, window: int = 8):
    """``(job, image, mask)`` for every job that ``load`` decodes, in order, a few in flight.

    ``jobs`` are ``(source, mask path or None, job)``; ``load(path, is_mask)``
    decodes a file. A source that fails is recorded in ``failures`` (path:
    reason) and left out; with ``on_error="raise"`` the stream stops there.
    """

    def both(source, mask):
        return load(source, False), (None if mask is None else load(mask, True))

    with concurrent.futures.ThreadPoolExecutor(max(2, min(4, os.cpu_count() or 1))) as pool:
        queue: collections.deque = collections.deque()
        jobs = iter(jobs)
        while True:
            for source, mask, job in itertools.islice(jobs, window - len(queue)):
                queue.append((source, job, pool.submit(both, source, mask)))
            if not queue:
                return
            source, job, future = queue.popleft()
            try:
                image, mask = future.result()
            except UnreadableImageError as err:
                failures[str(source)] = str(err)
                if on_error == "raise":
                    for *_, pending in queue:
                        pending.cancel()
                    return
                continue
            yield job, image, mask


def _check_arguments(augmentation, on_error, copies_only, balance, jpeg_quality) -> None:
    if on_error not in ON_ERROR:
        raise ValueError(f"expand: `on_error` must be one of {ON_ERROR}; got {on_error!r}.")
    if "seed" not in inspect.signature(augmentation.call).parameters:
        raise ValueError(
            f"expand: the augmentation {type(augmentation).__name__} takes no per-image seed, "
            "which expand needs to make every output reproducible; use keras_augment layers "
            "(or wrap the layer in keras_augment.Pipeline)."
        )
    if copies_only and not balance:
        raise ValueError(
            "expand: `copies_only` goes with `balance`; other modes write copies only."
        )
    if not isinstance(jpeg_quality, int) or not 1 <= jpeg_quality <= 100:
        raise ValueError(
            f"expand: `jpeg_quality` must be an integer in 1..100; got {jpeg_quality!r}."
        )


@dataclasses.dataclass
class _Folders:
    """The resolved folders of one ``expand`` run (the mask ones ``None`` without masks)."""

    src_path: Path
    src_root: Path
    dst: Path
    masks: Path | None = None
    masks_dst: Path | None = None


def _folders(src, dst, masks, masks_dst) -> _Folders:
    """Resolves the folders and refuses outputs inside inputs (or the reverse)."""
    src_path, dst_path = Path(src).resolve(), Path(dst).resolve()
    src_root = src_path.parent if src_path.is_file() else src_path
    if _is_within(dst_path, src_root) or _is_within(src_root, dst_path):
        raise ValueError(
            f"expand: the output folder {dst_path} and the source {src_root} must not contain "
            "one another; choose an output folder outside the source."
        )
    folders = _Folders(src_path, src_root, dst_path)
    if masks is None:
        return folders
    if masks_dst is None:
        raise ValueError("expand: `masks` needs `masks_dst`, the folder to write masks to.")
    folders.masks, folders.masks_dst = Path(masks).resolve(), Path(masks_dst).resolve()
    mask_root = folders.masks_dst
    for inner, outer in ((mask_root, src_root), (mask_root, folders.masks), (mask_root, dst_path)):
        if _is_within(inner, outer) or _is_within(outer, inner):
            raise ValueError(
                f"expand: the mask output folder {mask_root} must be outside the sources, "
                "the masks and the image output folder."
            )
    return folders


def _usable_sources(sources, limit, on_error: str, src) -> tuple[list[int], dict[str, str]]:
    """Indices of the sources whose headers decode, and ``{path: reason}`` of the others.

    Headers are read first, so that the counts (total, balance) are planned
    over usable sources.
    """
    unreadable: dict[str, str] = {}
    usable = []
    for i, (_, path) in enumerate(sources):
        try:
            probe_image(path, limit or 0)
            usable.append(i)
        except UnreadableImageError as err:
            if on_error == "raise":
                raise ValueError(f"expand: cannot decode {path}: {err}") from None
            unreadable[str(path)] = str(err)
    if not usable:
        raise ValueError(
            f"expand: none of the {len(sources)} images in {src} could be decoded; first: "
            f"{next(iter(unreadable.values()))}"
        )
    return usable, unreadable


def _check_distinct(writers: list[Path], outputs: list[Path]) -> None:
    """Refuses two sources written to one name, even where the output folder ignores case."""
    folded: dict[str, Path] = {}
    for source, name in zip(writers, outputs):
        other = folded.setdefault(str(name).casefold(), source)
        if other != source:
            raise ValueError(
                f"expand: {other} and {source} would both be written to {name} (names that "
                "differ only in case, or a source named like a copy); rename one of them."
            )


def _copy_originals(originals, sources, mask_paths, folders: _Folders, overwrite: bool) -> int:
    """Copies the sources (and their masks) unchanged; returns how many sources it copied."""
    copied = 0
    for i in originals:
        source = sources[i][1]
        pairs = [(source, folders.dst / source.relative_to(folders.src_root))]
        if mask_paths is not None:
            mask = mask_paths[i]
            pairs.append((mask, folders.masks_dst / mask.relative_to(folders.masks)))
        for from_path, to_path in pairs:
            if overwrite or not to_path.exists():
                to_path.parent.mkdir(parents=True, exist_ok=True)
                tmp = to_path.with_name(to_path.name + ".part")
                shutil.copyfile(from_path, tmp)
                tmp.replace(to_path)
                copied += from_path == source
    return copied


def _load(limit):
    """``load(path, is_mask)``: an RGB image, or a mask of 8-bit class ids."""

    def load(path, is_mask):
        if not is_mask:
            return load_image(path, "rgb", dtype=None, max_pixels=limit or 0)
        mask = load_image(path, "grayscale", dtype=None, max_pixels=limit or 0, keep_16bit=True)
        if mask.max(initial=0) > 255:
            raise UnreadableImageError(
                f"Mask file '{path}' holds class ids above 255; masks are written as 8-bit PNG."
            )
        return mask.astype(np.uint8)

    return load


def _to_uint8(image):
    return tf.cast(tf.clip_by_value(tf.round(image), 0, 255), tf.uint8)


def _encoded(decoded, augmentation, jpeg: tf.Tensor, jpeg_quality: int, with_masks: bool):
    """A dataset of ``(job, encoded image, encoded mask or "")`` from ``(job, seed, image, mask)``.

    ``jpeg[job]`` says whether the job's image is written as JPEG (else PNG).
    """

    def encode(j, image):
        image = _to_uint8(image)
        return tf.cond(
            jpeg[j],
            lambda: tf.io.encode_jpeg(image, quality=jpeg_quality),
            lambda: tf.io.encode_png(image),
        )

    def augment(j, element_seed, image, mask):
        if not with_masks:
            return j, encode(j, augmentation(image, training=True, seed=element_seed)), ""
        out = augmentation(
            {"images": image, "segmentation_masks": mask}, training=True, seed=element_seed
        )
        return j, encode(j, out["images"]), tf.io.encode_png(_to_uint8(out["segmentation_masks"]))

    signature = (
        tf.TensorSpec([], tf.int64),
        tf.TensorSpec([2], tf.int64),
        tf.TensorSpec([None, None, 3], tf.uint8),
        tf.TensorSpec([None, None, 1], tf.uint8),
    )
    return (
        tf.data.Dataset.from_generator(decoded, output_signature=signature)
        .map(augment, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        .prefetch(tf.data.AUTOTUNE)
    )


@dataclasses.dataclass
class _Run:
    """One ``expand`` run: job ``j`` writes copy ``plan[j][1]`` of source ``plan[j][0]`` as ``names[j]``."""

    augmentation: keras.layers.Layer
    seed: int
    on_error: str
    jpeg_quality: int
    limit: int | None
    folders: _Folders
    sources: list
    plan: list[tuple[int, int]]
    names: list[Path]
    mask_paths: list[Path] | None


def _write_copies(run: _Run, todo: list[int], unreadable: dict, progress: bool) -> dict:
    """Augments and writes the jobs ``todo``; returns the files written per class.

    Sources that fail to decode join ``unreadable`` (or, with
    ``on_error="raise"``, stop the run with an error naming the first).
    """
    sources, plan, names, mask_paths = run.sources, run.plan, run.names, run.mask_paths
    jobs = [
        (sources[plan[j][0]][1], None if mask_paths is None else mask_paths[plan[j][0]], j)
        for j in todo
    ]
    failures: dict[str, str] = {}

    def decoded():
        for j, image, mask in _decoded(jobs, _load(run.limit), run.on_error, failures):
            element_seed = [run.seed * 1_000_003 + plan[j][0], plan[j][1]]
            yield j, element_seed, image, np.zeros((0, 0, 1), np.uint8) if mask is None else mask

    jpeg = tf.constant([name.suffix.lower() in JPEG_SUFFIXES for name in names])
    encoded = _encoded(
        decoded, run.augmentation, jpeg, run.jpeg_quality, with_masks=mask_paths is not None
    )
    per_class: dict[str, int] = {}
    bar = keras.utils.Progbar(len(todo), unit_name="image") if progress else None
    for n, (j, png, mask_png) in enumerate(encoded.as_numpy_iterator(), start=1):
        if mask_paths is not None:
            # Masks stay PNG whatever the image's format, and go first: an output is
            # complete when its image exists.
            _write(run.folders.masks_dst / names[j].with_suffix(".png"), mask_png)
        suffix = names[j].suffix.lower()
        image = _in_source_format(png, suffix) if suffix in PIL_FORMATS else png
        _write(run.folders.dst / names[j], image)
        cls = sources[plan[j][0]][0]
        per_class[cls] = per_class.get(cls, 0) + 1
        if bar is not None:
            bar.update(n)
    if failures and run.on_error == "raise":
        path, reason = next(iter(failures.items()))
        raise ValueError(f"expand: cannot decode {path}: {reason}")
    unreadable.update(failures)
    return per_class


def _planned_counts(sources, usable, plan) -> dict[str, tuple[int, int]]:
    """``{class: (source images, augmented copies planned)}``."""
    planned: dict[str, tuple[int, int]] = {}
    for i in usable:
        n, copies = planned.get(sources[i][0], (0, 0))
        planned[sources[i][0]] = (n + 1, copies)
    for i, _ in plan:
        n, copies = planned[sources[i][0]]
        planned[sources[i][0]] = (n, copies + 1)
    return planned


def expand(
    src: str | os.PathLike,
    dst: str | os.PathLike,
    augmentation: keras.layers.Layer,
    *,
    per_image: int | None = None,
    total: int | None = None,
    per_class: bool = False,
    balance: bool = False,
    copies_only: bool = False,
    jpeg_quality: int = 95,
    masks: str | os.PathLike | None = None,
    masks_dst: str | os.PathLike | None = None,
    overwrite: bool = False,
    seed: int = 0,
    on_error: str = "skip",
    max_pixels: int | None = None,
    progress: bool = True,
) -> ExpandReport:
    """Writes augmented images of ``src`` into ``dst`` in the same layout.

    The copies are PNG files, except with ``balance``: then ``dst`` becomes a
    balanced copy of ``src`` (every class the same count, originals included),
    and each file keeps its source's format (JPEG at ``jpeg_quality``).

    Output names are ``<class>/<source stem>_<extension>_aug<k>.png`` (see
    :func:`output_name`): one name per source and copy, so no output replaces
    another. Each output's parameters come from ``(seed, source, k)``, so a
    run that was interrupted and started again skips what exists and writes
    the rest exactly as the first run would have. Files are written under a
    temporary name and renamed when complete, so an interruption never leaves
    a truncated image under a final name. Sources are only read, decoded by
    :func:`keras_augment.image.io.load_image` (16-bit files scaled to 0..255).

    Args:
        src: an image file, a folder of images, or a folder of class
            subfolders (images at any depth below a class folder).
        dst: output folder (created); must not be inside ``src`` nor contain it.
        augmentation: layer applied to each image with ``training=True``.
        per_image: number of augmented copies of every source image, or
        total: number of images in all (spread evenly over the sources), or
            per class when ``per_class`` is true; with ``balance``, the number
            of images (sources plus copies) every class reaches.
        balance: compensate class imbalance: each class gets only the copies
            it lacks to reach the size of the largest class (or ``total``),
            spread evenly over its sources; classes already that large get none.
            The sources are copied unchanged beside their copies (unless
            ``copies_only``), so ``dst`` holds the balanced data set, and every
            copy keeps its source's format: ``photo.jpg`` gives
            ``photo_jpg_aug0000.jpg``, a JPEG of quality ``jpeg_quality``; PNG,
            BMP, PPM, GIF and TIFF sources give files of their own format.
        copies_only: with ``balance``, write only the augmented copies.
        jpeg_quality: quality (1-100) of the JPEG copies with ``balance``.
        masks: a folder of segmentation masks laid out like ``src`` (the mask
            of ``src/cats/a.jpg`` is ``masks/cats/a.png``; single-channel class
            ids up to 255). Each mask goes through the same draw as its image
            (nearest interpolation, so class ids stay class ids) and is written
            as PNG under ``masks_dst`` with the image's output name.
        masks_dst: output folder of the masks (required with ``masks``).
        overwrite: replace existing outputs instead of skipping them.
        seed: base seed of the augmentations.
        on_error: ``"skip"`` leaves out sources that cannot be decoded (a
            stray ``._photo.png``, a truncated file, an image over the pixel
            limit) and lists them in ``ExpandReport.unreadable``; ``"raise"``
            stops at the first with a ``ValueError`` naming it.
        max_pixels: the largest image (width times height) decoded; ``None``
            uses ``$KERAS_AUGMENT_MAX_IMAGE_PIXELS`` or 64 megapixels.
        progress: show a progress bar.
    """
    _check_arguments(augmentation, on_error, copies_only, balance, jpeg_quality)
    limit = max_image_pixels(max_pixels)
    folders = _folders(src, dst, masks, masks_dst)
    sources = list_sources(folders.src_path)
    mask_paths = None if masks is None else find_masks(sources, folders.src_root, folders.masks)
    usable, unreadable = _usable_sources(sources, limit, on_error, src)
    plan = [
        (usable[i], k)
        for i, k in _plan([sources[i] for i in usable], per_image, total, per_class, balance)
    ]
    names = [output_name(sources[i][1], folders.src_root, k, balance) for i, k in plan]
    originals = [] if not balance or copies_only else usable
    _check_distinct(
        [sources[i][1] for i, _ in plan] + [sources[i][1] for i in originals],
        names + [sources[i][1].relative_to(folders.src_root) for i in originals],
    )
    copied = _copy_originals(originals, sources, mask_paths, folders, overwrite)
    # An output is complete when its image exists: masks are written before their images.
    todo = [j for j, name in enumerate(names) if overwrite or not (folders.dst / name).exists()]
    run = _Run(
        augmentation, seed, on_error, jpeg_quality, limit, folders, sources, plan, names, mask_paths
    )
    per_class_counts = _write_copies(run, todo, unreadable, progress) if todo else {}
    return ExpandReport(
        written=sum(per_class_counts.values()),
        skipped=len(plan) - len(todo),
        per_class=per_class_counts,
        originals=copied,
        balance=_planned_counts(sources, usable, plan) if balance else {},
        unreadable=unreadable,
    )


__all__ = ["expand", "ExpandReport", "list_sources", "output_name"]
