"""Every numeric constructor argument of every layer against non-finite and huge values."""

from __future__ import annotations

import inspect
import math
import numbers

import numpy as np
import pytest

from tests.fuzz.layers import (
    IMAGE_LAYERS,
    LAYERS,
    SPECTROGRAM_LAYERS,
    TEXT_LAYERS,
    WAVEFORM_LAYERS,
    build,
    example_args,
)
from tests.fuzz.properties import check_outcome, own_message

BAD_NUMBERS = (math.nan, math.inf, -math.inf, 1e30, -1e30)


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def numeric_arguments(name: str) -> dict:
    """The constructor arguments whose example value (or default) is a number or numbers."""
    found = {}
    example = example_args(name)
    for p in inspect.signature(LAYERS[name].__init__).parameters.values():
        if p.name in ("self", "seed") or p.kind is not p.POSITIONAL_OR_KEYWORD:
            continue
        value = example.get(p.name, p.default)
        if _is_real(value) or (
            isinstance(value, (tuple, list)) and value and all(_is_real(v) for v in value)
        ):
            found[p.name] = value
    return found


def bad_versions(value):
    """Each bad number in place of the whole value, and in the last place of a pair."""
    for bad in BAD_NUMBERS:
        if _is_real(value):
            yield bad
        else:
            yield type(value)([bad] * len(value))
            yield type(value)([*list(value)[:-1], bad])


def _sample_input(name):
    rng = np.random.default_rng(0)
    if name in IMAGE_LAYERS:
        return rng.uniform(0, 255, (2, 6, 6, 3)).astype("float32")
    if name in WAVEFORM_LAYERS:
        return rng.uniform(-0.5, 0.5, (2, 800)).astype("float32")
    if name in SPECTROGRAM_LAYERS:
        return rng.uniform(0, 1, (2, 12, 10)).astype("float32")
    return np.array(["the quick brown fox jumps over the lazy dog"])


FUZZED = sorted(
    n
    for n in IMAGE_LAYERS + WAVEFORM_LAYERS + SPECTROGRAM_LAYERS + TEXT_LAYERS
    if numeric_arguments(n)
)


def test_every_layer_with_numbers_is_fuzzed():
    assert len(FUZZED) >= 45
    assert {"Gain", "MixUp", "RandomAffine", "RandomResizedCrop", "RandomErasing"} <= set(FUZZED)


@pytest.mark.parametrize("name", FUZZED)
def test_non_finite_and_huge_arguments(name):
    """NaN and infinities are refused at construction, naming the layer and the argument;
    a huge value is refused the same way, or gives outputs free of NaN (checked on the
    first accepted value of each argument: a call compiles, which costs seconds)."""
    sample = _sample_input(name)
    for argument, value in numeric_arguments(name).items():
        called = False
        for bad in bad_versions(value):
            try:
                layer = build(name, seed=1, **{argument: bad})
            except (ValueError, TypeError) as error:
                message = own_message(error)
                assert name in message and argument in message, message
                continue
            # Accepted: only finite values may get here, and they must give sane outputs.
            values = [bad] if _is_real(bad) else list(bad)
            assert all(math.isfinite(v) for v in values), f"{name}({argument}={bad!r}) was accepted"
            if called:
                continue
            called = True
            out = check_outcome(name, lambda layer=layer: layer(sample), True)
            if out is not None and out.dtype.kind == "f":
                assert np.isfinite(out).any(), f"{name}({argument}={bad!r}) gave no finite value"


# Arguments that are None by default but take numbers (e.g. RandomColorJitter's factors,
# Reverb's impulse responses), and the values tried in their place.
_NOT_NUMBERS = ("seed", "data_format", "bounding_box_format", "name", "dtype")
BAD_FOR_NONE = (math.nan, math.inf, 1e30, (0.1, math.inf), (0.1, math.nan), (0.1, 1e30))


def optional_arguments(cls) -> list[str]:
    return [
        p.name
        for p in inspect.signature(cls.__init__).parameters.values()
        if p.default is None and p.name not in _NOT_NUMBERS and p.kind is p.POSITIONAL_OR_KEYWORD
    ]


OPTIONAL = sorted(
    n for n in IMAGE_LAYERS + WAVEFORM_LAYERS + SPECTROGRAM_LAYERS if optional_arguments(LAYERS[n])
)


def test_layers_with_optional_numbers_are_fuzzed():
    assert {"RandomColorJitter", "Reverb", "RandomAffine"} <= set(OPTIONAL), OPTIONAL


@pytest.mark.parametrize("name", OPTIONAL)
def test_non_finite_values_for_arguments_that_default_to_none(name):
    """An argument that is None by default, given a bad number or pair: a clear error naming
    the layer at construction, or outputs free of NaN."""
    sample = _sample_input(name)
    for argument in optional_arguments(LAYERS[name]):
        for bad in BAD_FOR_NONE:
            try:
                layer = build(name, seed=1, **{argument: bad})
            except (ValueError, TypeError) as error:
                assert name in own_message(error), own_message(error)
                continue
            check_outcome(name, lambda layer=layer: layer(sample), True)


@pytest.mark.parametrize("name", ["RandomFlip", "Gain", "RandomSwap"])
def test_seeds_accept_numpy_integers_and_refuse_out_of_range(name):
    layer = build(name, seed=np.int64(3))
    assert layer.get_config()["seed"] == 3 and type(layer.get_config()["seed"]) is int
    again = build(name, seed=3)
    sample = _sample_input(name)
    np.testing.assert_array_equal(np.asarray(layer(sample)), np.asarray(again(sample)))
    for bad in (2**64, -(2**63) - 1, 3.0, "3"):
        with pytest.raises(ValueError, match=f"{name}: `seed` must be"):
            build(name, seed=bad)
