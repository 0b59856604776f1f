"""Type aliases for the arguments of the public API (annotations only; nothing here runs)."""

from __future__ import annotations

from typing import Literal

import numpy as np

# A number, or a ``(low, high)`` pair; what each layer does with a single number
# (a symmetric range, ``[0, f]``, ...) is said in its docstring.
Range = float | tuple[float, float] | list[float]
# The ``(low, high)`` range of image values, e.g. ``(0, 255)`` or ``(0, 1)``.
ValueRange = tuple[float, float] | list[float]
# An integer seed, or None to draw from the layer's own seed counter.
Seed = int | np.integer | None
DataFormat = Literal["channels_last", "channels_first"] | None
Interpolation = Literal["nearest", "bilinear"]
FillMode = Literal["reflect", "wrap", "constant", "nearest"]
BoxFormat = str | None
