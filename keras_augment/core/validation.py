"""Argument checks shared by all layers: one place, one wording.

Every message names the layer, what it got and what it expected.
"""

from __future__ import annotations

import math
import numbers

import keras
import tensorflow as tf

from keras_augment.core.resample import FILL_MODES, INTERPOLATIONS

# Decibel arguments (gains, signal-to-noise ratios) are limited to +-120 dB: a
# factor of 10**6 in amplitude, beyond any recording's dynamic range, and far
# from where float32 overflows.
DB_LIMIT = 120.0


DATA_FORMATS = ("channels_last", "channels_first")


class UnsupportedOptionError(ValueError, NotImplementedError):
    """An unknown ``interpolation`` or ``fill_mode``.

    A ``ValueError`` like every bad argument here, and a
    ``NotImplementedError`` as Keras' geometric layers raise for these.
    """


# Keras' own layers start these messages with documented words (its tests
# match them); ours start the same way, then give our detail.
_KERAS_WORDS = {
    "factor": "The `factor` argument should be a number (or a list of two numbers) in range. ",
    "value_range": "The `value_range` argument should be a list of two numbers. ",
}


def _keras_words(name: str) -> str:
    return _KERAS_WORDS.get(name, "")


def _is_number(value) -> bool:
    # NaN passes every bound check (all comparisons are false) and an infinite
    # argument turns outputs into inf or NaN, so both are refused here.
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def parse_range(
    layer: str,
    name: str,
    value,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    symmetric: bool = True,
    sort: bool = False,
) -> tuple[float, float]:
    """Turns a number or a ``(low, high)`` pair into a checked ``(low, high)`` range.

    A single number ``f`` means ``(-|f|, |f|)`` when ``symmetric``, else
    ``(f, f)``. Pairs must be ordered; every end must lie within
    ``[low, high]`` (``(low, high]`` when ``low_inclusive`` is false).
    With ``sort``, a reversed pair is put in order instead (what Keras'
    layers do with their factors).
    """
    expected = "a finite number or a (low, high) pair of finite numbers"
    if low is not None or high is not None:
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        bracket = "[" if low_inclusive else "("
        expected += f" within {bracket}{lo}, {hi}]"
    if _is_number(value):
        pair = (-abs(float(value)), abs(float(value))) if symmetric else (float(value),) * 2
    elif isinstance(value, (tuple, list)) and len(value) == 2 and all(_is_number(v) for v in value):
        pair = (float(value[0]), float(value[1]))
        if sort:
            pair = tuple(sorted(pair))
        if pair[0] > pair[1]:
            raise ValueError(
                f"{_keras_words(name)}{layer}: `{name}` is a reversed range {tuple(value)}; expected "
                f"(low, high) with low <= high."
            )
    else:
        raise ValueError(
            f"{_keras_words(name)}{layer}: `{name}` must be {expected}; got {value!r}."
        )
    for end in pair:
        too_low = low is not None and (end < low if low_inclusive else end <= low)
        too_high = high is not None and end > high
        if too_low or too_high:
            raise ValueError(
                f"{_keras_words(name)}{layer}: `{name}` must be {expected}; got {value!r}."
            )
    return pair


def check_choice(layer: str, name: str, value, choices) -> str:
    if value not in choices:
        raise ValueError(f"{layer}: `{name}` must be one of {tuple(choices)}; got {value!r}.")
    return value


def check_data_format(layer: str, value: str | None) -> str:
    """``value`` checked, or the Keras config's ``image_data_format()`` for None."""
    if value is None:
        value = keras.config.image_data_format()
    return check_choice(layer, "data_format", value, DATA_FORMATS)


def check_interpolation(layer: str, value) -> str:
    if value not in INTERPOLATIONS:
        raise UnsupportedOptionError(
            f"{layer}: `interpolation` must be one of {INTERPOLATIONS}; got {value!r}."
        )
    return value


def check_fill_mode(layer: str, value) -> str:
    if value not in FILL_MODES:
        raise UnsupportedOptionError(
            f"{layer}: `fill_mode` must be one of {FILL_MODES}; got {value!r}."
        )
    return value


def check_number(layer: str, name: str, value, *, low=None, high=None) -> float:
    if not _is_number(value):
        raise ValueError(
            f"{_keras_words(name)}{layer}: `{name}` must be a number (finite); got {value!r}."
        )
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(
            f"{_keras_words(name)}{layer}: `{name}` must lie within [{low}, {high}]; got {value!r}."
        )
    return float(value)


def check_bool(layer: str, name: str, value) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{layer}: `{name}` must be True or False; got {value!r}.")
    return value


def check_pair(layer: str, name: str, value) -> tuple[float, float]:
    """Two finite numbers, in either order (a legacy ``(first, second)`` range)."""
    if not isinstance(value, (tuple, list)) or len(value) != 2 or not all(map(_is_number, value)):
        raise ValueError(
            f"{layer}: `{name}` must be a tuple or list of two finite numbers; got {value!r}."
        )
    return float(value[0]), float(value[1])


def check_int_range(layer: str, name: str, value, low: int, odd: bool = False) -> tuple[int, int]:
    """An integer, or a ``(low, high)`` pair of integers, each at least ``low`` (and odd)."""
    pair = value if isinstance(value, (tuple, list)) else (value, value)
    if (
        len(pair) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in pair)
        or not all(v >= low and (v % 2 == 1 or not odd) for v in pair)
        or pair[0] > pair[1]
    ):
        kind = "an odd integer" if odd else "an integer"
        raise ValueError(
            f"{layer}: `{name}` must be {kind} of at least {low} or a (low, high) pair "
            f"of them with low <= high; got {value!r}."
        )
    return int(pair[0]), int(pair[1])


def check_size(layer: str, name: str, value) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{layer}: `{name}` must be a positive integer; got {value!r}.")
    return int(value)


def check_value_range(layer: str, value) -> tuple[float, float]:
    if (
        not isinstance(value, (tuple, list))
        or len(value) != 2
        or not all(_is_number(v) for v in value)
        or value[0] >= value[1]
        or not math.isfinite(float(value[1]) - float(value[0]))
    ):
        raise ValueError(
            f"{_keras_words('value_range')}{layer}: `value_range` must be a (low, high) pair "
            f"of finite numbers with low < high and a finite span high - low; got {value!r}."
        )
    return (float(value[0]), float(value[1]))


# Beyond this, Beta and Dirichlet draws with equal concentrations are all the
# distribution's centre (std below 0.02), and the gamma sampling loses precision.
MAX_CONCENTRATION = 1000.0


def check_concentration(layer: str, name: str, value) -> float:
    """A Beta/Dirichlet concentration such as MixUp's ``alpha``: within ``(0, MAX_CONCENTRATION]``."""
    if not _is_number(value) or not 0.0 < value <= MAX_CONCENTRATION:
        raise ValueError(
            f"{layer}: `{name}` must be a number within (0, {MAX_CONCENTRATION:g}]; got {value!r}."
        )
    return float(value)


def check_fill_values(layer: str, name: str, value) -> float | list[float]:
    """A finite number, or a list of finite numbers (one per channel)."""
    if isinstance(value, (tuple, list)) and value and all(_is_number(v) for v in value):
        return [float(v) for v in value]
    if _is_number(value):
        return float(value)
    raise ValueError(
        f"{layer}: `{name}` must be a finite number or a list of finite numbers (one per "
        f"channel); got {value!r}."
    )


def parse_fraction_range(layer: str, name: str, value) -> tuple[float, float]:
    """A range within ``[0, 1]`` (see ``parse_range``); a number ``f`` means ``(f, f)``."""
    return parse_range(layer, name, value, low=0.0, high=1.0, symmetric=False)


def parse_db_range(layer: str, name: str, value, symmetric: bool = True) -> tuple[float, float]:
    """A decibel range (see ``parse_range``) within ``[-DB_LIMIT, DB_LIMIT]``."""
    return parse_range(layer, name, value, low=-DB_LIMIT, high=DB_LIMIT, symmetric=symmetric)


def parse_unit_range(
    layer: str, name: str, value, high: float | None = 1.0, sort: bool = True
) -> tuple[float, float]:
    """Keras' ``factor`` convention: a number ``f`` means ``(0, f)``, a pair is used as given.

    Both ends must lie within ``[0, high]`` (``high=None``: no upper bound).
    """
    if _is_number(value):
        if value < 0 or (high is not None and value > high):
            bound = "inf" if high is None else high
            raise ValueError(
                f"{_keras_words(name)}{layer}: `{name}` must be a number within [0, {bound}] "
                f"or a (low, high) "
                f"pair within it; got {value!r}."
            )
        value = (0.0, value)
    return parse_range(layer, name, value, low=0.0, high=high, symmetric=False, sort=sort)


def check_output_dtype(layer: str, value) -> str | None:
    """``value`` as a dtype name (``None`` stays ``None``); a real dtype or an error."""
    if value is None:
        return None
    try:
        # tf.as_dtype also takes enum numbers: a number here is a mistake, not a dtype.
        dtype = None if isinstance(value, (int, float)) else tf.as_dtype(value)
    except TypeError:
        dtype = None
    if dtype is None or not (dtype.is_integer or dtype.is_floating):
        raise ValueError(
            f"{layer}: `output_dtype` must be None or a real dtype such as 'uint8' or "
            f"'float32'; got {value!r}."
        )
    return dtype.name
