"""``expand``: write augmented copies of a folder of images to another folder."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import keras
import tensorflow as tf

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


@dataclasses.dataclass
class ExpandReport:
    """What ``expand`` did: files written, files already there (skipped), per class."""

    written: int
    skipped: int
    per_class: dict
    # With ``balance=True``: ``{class: (source images, augmented copies planned)}``.
    balance: dict = dataclasses.field(default_factory=dict)


def _is_within(inner: Path, outer: Path) -> bool:
    try:
        inner.relative_to(outer)
        return True
    except ValueError:
        return False


def list_sources(src: str | os.PathLike) -> list[tuple[str, Path]]:
    """``(class_name, path)`` of every image under ``src``.

    ``src`` may be one image file, a folder of images (class ``""``), or a
    folder of class subfolders of images.
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
        found += [
            (sub.name, p)
            for p in sorted(sub.iterdir())
            if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
        ]
    if not found:
        raise ValueError(f"expand: no images ({', '.join(IMAGE_SUFFIXES)}) found in {src}.")
    return found


def find_masks(sources, src_root: Path, masks_root: Path) -> list[Path]:
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


def expand(
    src: str | os.PathLike,
    dst: str | os.PathLike,
    augmentation: keras.layers.Layer,
    *,
    per_image: int | None = None,
    total: int | None = None,
    per_class: bool = False,
    balance: bool = False,
    masks: str | os.PathLike | None = None,
    masks_dst: str | os.PathLike | None = None,
    overwrite: bool = False,
    seed: int = 0,
    progress: bool = True,
) -> ExpandReport:
    """Writes augmented images of ``src`` into ``dst`` in the same layout, as PNG files.

    Output names are ``<class>/<source stem>_aug<k>.png``. Each output's
    parameters come from ``(seed, source, k)``, so a run that was interrupted
    and started again skips what exists and writes the rest exactly as the
    first run would have. Files are written under a temporary name and renamed
    when complete, so an interruption never leaves a truncated image under a
    final name. Sources are only read.

    Args:
        src: an image file, a folder of images, or a folder of class subfolders.
        dst: output folder (created); must not be inside ``src`` nor contain it.
        augmentation: layer applied to each image with ``training=True``.
        per_image: number of augmented copies of every source image, or
        total: number of images in all (spread evenly over the sources), or
            per class when ``per_class`` is true; with ``balance``, the number
            of images (sources plus copies) every class reaches.
        balance: compensate class imbalance: each class gets only the copies
            it lacks to reach the size of the largest class (or ``total``),
            spread evenly over its sources; classes already that large get none.
        masks: a folder of segmentation masks laid out like ``src`` (the mask
            of ``src/cats/a.jpg`` is ``masks/cats/a.png``; single-channel class
            ids). Each mask goes through the same draw as its image (nearest
            interpolation, so class ids stay class ids) and is written as PNG
            under ``masks_dst`` with the image's output name.
        masks_dst: output folder of the masks (required with ``masks``).
        overwrite: replace existing outputs instead of skipping them.
        seed: base seed of the augmentations.
        progress: show a progress bar.
    """
    src_path, dst_path = Path(src).resolve(), Path(dst).resolve()
    src_root = src_path.parent if src_path.is_file() else src_path
    if _is_within(dst_path, src_root) or _is_within(src_root, dst_path):
        raise ValueError(
            f"expand: the output folder {dst_path} and the source {src_root} must not contain "
            "one another; choose an output folder outside the source."
        )
    sources = list_sources(src_path)
    mask_paths = mask_root = None
    if masks is not None:
        if masks_dst is None:
            raise ValueError("expand: `masks` needs `masks_dst`, the folder to write masks to.")
        mask_src, mask_root = Path(masks).resolve(), Path(masks_dst).resolve()
        for inner, outer in ((mask_root, src_root), (mask_root, mask_src), (mask_root, dst_path)):
            if _is_within(inner, outer) or _is_within(outer, inner):
                raise ValueError(
                    f"expand: the mask output folder {mask_root} must be outside the sources, "
                    "the masks and the image output folder."
                )
        mask_paths = find_masks(
            sources, src_root if src_path.is_dir() else src_path.parent, mask_src
        )
    plan = _plan(sources, per_image, total, per_class, balance)
    names = [Path(sources[i][0]) / f"{sources[i][1].stem}_aug{k:04d}.png" for i, k in plan]
    targets = [dst_path / name for name in names]
    # An output is complete when its image exists: masks are written before their images.
    todo = [j for j, t in enumerate(targets) if overwrite or not t.exists()]
    skipped = len(plan) - len(todo)
    per_class_counts: dict[str, int] = {}
    if todo:
        paths = tf.constant([str(sources[plan[j][0]][1]) for j in todo])
        seeds = tf.constant([[seed * 1_000_003 + plan[j][0], plan[j][1]] for j in todo], tf.int64)

        mask_files = tf.constant([str(mask_paths[plan[j][0]]) if mask_paths else "" for j in todo])

        def to_png(image):
            return tf.io.encode_png(tf.cast(tf.clip_by_value(tf.round(image), 0, 255), tf.uint8))

        def load_and_augment(path, element_seed, mask_path):
            data = tf.io.read_file(path)
            image = tf.io.decode_image(data, channels=3, expand_animations=False)
            if mask_paths is None:
                return to_png(augmentation(image, training=True, seed=element_seed)), ""
            mask = tf.io.decode_image(
                tf.io.read_file(mask_path), channels=1, expand_animations=False
            )
            out = augmentation(
                {"images": image, "segmentation_masks": mask}, training=True, seed=element_seed
            )
            return to_png(out["images"]), to_png(out["segmentation_masks"])

        encoded = (
            tf.data.Dataset.from_tensor_slices((paths, seeds, mask_files))
            .map(load_and_augment, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
            .prefetch(tf.data.AUTOTUNE)
        )
        bar = keras.utils.Progbar(len(todo), unit_name="image") if progress else None
        iterator = iter(encoded)
        for n, j in enumerate(todo, start=1):
            try:
                png, mask_png = (t.numpy() for t in next(iterator))
            except tf.errors.InvalidArgumentError as err:
                source = sources[plan[j][0]][1]
                if mask_paths:
                    source = f"{source} or its mask {mask_paths[plan[j][0]]}"
                raise ValueError(f"expand: cannot decode {source}: {err.message}") from None
            if mask_root is not None:
                _write(mask_root / names[j], mask_png)
            _write(targets[j], png)
            cls = sources[plan[j][0]][0]
            per_class_counts[cls] = per_class_counts.get(cls, 0) + 1
            if bar is not None:
                bar.update(n)
    planned: dict[str, tuple[int, int]] = {}
    if balance:
        for cls, _ in sources:
            n, copies = planned.get(cls, (0, 0))
            planned[cls] = (n + 1, copies)
        for i, _ in plan:
            n, copies = planned[sources[i][0]]
            planned[sources[i][0]] = (n, copies + 1)
    return ExpandReport(
        written=len(todo), skipped=skipped, per_class=per_class_counts, balance=planned
    )


__all__ = ["expand", "ExpandReport", "list_sources"]
