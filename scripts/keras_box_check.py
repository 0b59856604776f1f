"""Where do Keras' own images move a box? Compares that with Keras' boxes and ours.

Usage::

    python scripts/keras_box_check.py

For the hand-built transformations of Keras' box tests that our layers do
not reproduce, each box is painted into an image (1 inside, 0 outside) and
moved by Keras' own ``transform_images`` with nearest sampling; the extent of
the moved pixels is where the box's content really went. The table prints it
beside Keras' ``transform_bounding_boxes`` and ours for the same
transformation. Boxes are ``xyxy`` in pixels of a 10x8 (height x width) image.
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_augment as ka  # noqa: E402

HEIGHT, WIDTH = 10, 8
BOXES = np.array([[2.0, 1.0, 4.0, 3.0], [6.0, 4.0, 8.0, 6.0]])

CASES = [
    ("RandomShear", {"x_factor": 0.5, "y_factor": 0.5}, {"shear_factor": [[1.0, 0.0]]}),
    ("RandomShear", {"x_factor": 0.5, "y_factor": 0.5}, {"shear_factor": [[0.0, 1.0]]}),
    ("RandomShear", {"x_factor": 0.5, "y_factor": 0.5}, {"shear_factor": [[1.0, 1.0]]}),
    ("RandomZoom", {"height_factor": (0.5, 0.5)}, {"height_zoom": [[0.1]], "width_zoom": [[0.1]]}),
    ("RandomZoom", {"height_factor": (0.5, 0.5)}, {"height_zoom": [[1.9]], "width_zoom": [[1.9]]}),
    (
        "RandomPerspective",
        {},
        {
            "apply_perspective": [True],
            "start_points": [[[0.0, 0.0], [7.0, 0.0], [0.0, 9.0], [7.0, 9.0]]],
            "end_points": [[[0.0, 0.0], [8.151311, 0.0], [0.0, 12.695701], [9.2712054, 10.524198]]],
        },
    ),
]


def painted_extent(layer, transformation, box) -> list[float]:
    """The xyxy extent (pixel edges) of the pixels ``box`` covers after Keras' image transform."""
    image = np.zeros((1, HEIGHT, WIDTH, 1), "float32")
    x1, y1, x2, y2 = box
    # Pixels whose centres lie inside the box.
    ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH] + 0.5
    image[0, ..., 0] = (xs > x1) & (xs < x2) & (ys > y1) & (ys < y2)
    moved = np.asarray(layer.transform_images(image, transformation, training=True))[0, ..., 0]
    rows, cols = np.nonzero(moved > 0.5)
    if rows.size == 0:
        return ["gone"]
    return [float(cols.min()), float(rows.min()), float(cols.max() + 1), float(rows.max() + 1)]


def main() -> None:
    for name, kwargs, keys in CASES:
        transformation = {k: np.array(v) for k, v in keys.items()}
        transformation["input_shape"] = (HEIGHT, WIDTH, 1)
        # Constant fill, so that no reflected copy of the box is counted.
        fill = {} if name == "RandomPerspective" else {"fill_mode": "constant"}
        theirs = getattr(keras.layers, name)(
            **kwargs, **fill, bounding_box_format="xyxy", interpolation="nearest", fill_value=0.0
        )
        ours = getattr(ka, name)(**kwargs, bounding_box_format="xyxy")
        boxes = {"boxes": BOXES, "labels": np.array([1, 2])}
        keras_boxes = np.asarray(
            theirs.transform_bounding_boxes(dict(boxes), transformation)["boxes"]
        ).reshape(-1, 4)
        our_boxes = np.asarray(
            ours.transform_bounding_boxes(dict(boxes), transformation)["boxes"]
        ).reshape(-1, 4)
        print(f"{name} {keys}")
        for i, box in enumerate(BOXES):
            print(
                f"  box {box.tolist()}: Keras' pixels went to {painted_extent(theirs, transformation, box)}"
            )
            print(
                f"    Keras' box {np.round(keras_boxes[i], 2).tolist()}, ours {np.round(our_boxes[i], 2).tolist()}"
            )


if __name__ == "__main__":
    main()
