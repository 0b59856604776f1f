"""The property every fuzzed call must have: a clear error naming the layer, or a sane output."""

from __future__ import annotations

import re

import numpy as np
from hypothesis import HealthCheck, Phase, settings

# Text that only TensorFlow internals produce; a user-facing error never contains it.
INTERNAL_TEXT = (
    "{{function_node",
    "tf2xla",
    "Integer division by zero",
    "no attribute",
    "Graph execution error",
    "Detected at node",
    "has no len()",
)

# Repeatable (derandomised), bounded runs without shrinking (a failing case is
# printed as drawn): the suite is part of CI.
FUZZ = settings(
    max_examples=8,
    phases=[Phase.explicit, Phase.generate],
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

_KERAS_WRAPPER = re.compile(
    r"Exception encountered when calling .*?\.call\(\)\.\s*(.*?)(\n\nArguments|$)", re.S
)


def own_message(error: Exception) -> str:
    """The error's own message, without the wrapper Keras adds around errors raised in ``call``."""
    text = str(error)
    match = _KERAS_WRAPPER.search(text)
    if match:
        text = match.group(1)
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def check_outcome(name: str, run, finite_input: bool, extreme: bool = False):
    """Runs ``run()``; returns its output as NumPy, or None for a clear error.

    A clear error is a ``ValueError`` or ``TypeError`` whose own message names
    the layer ``name`` and holds no TensorFlow-internal text. Any other
    exception fails. An output from finite inputs must hold no NaN; from
    finite values near the float32 maximum (``extreme``), it must not be all NaN.
    """
    try:
        out = run()
    except (ValueError, TypeError) as error:
        message = own_message(error)
        assert name in message, f"{name}: error does not name the layer: {message[:300]}"
        for text in INTERNAL_TEXT:
            assert text not in message, f"{name}: TensorFlow-internal error: {message[:300]}"
        return None
    if isinstance(out, dict):
        out = out["images"]
    out = np.asarray(out)
    if finite_input and out.dtype.kind == "f" and out.size:
        if extreme:
            assert not np.isnan(out).all(), f"{name}: all-NaN output from finite input"
        else:
            assert not np.isnan(out).any(), f"{name}: NaN output from finite input"
    return out
