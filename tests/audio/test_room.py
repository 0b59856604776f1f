"""The shoebox room: impulse responses against pyroomacoustics' image-source model, the decay
against Eyring's reverberation time, and the layer on real speech."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from keras_augment import audio as A
from keras_augment.audio.room import SPEED_OF_SOUND, image_source_response
from tests.audio.signals import SR
from tests.audio.test_waveform import SEED, params_of, speech_batch

ROOMS = [  # (size, source, microphone, absorption)
    ([4.0, 5.0, 3.0], [1.0, 1.2, 1.1], [2.5, 3.7, 1.6], 0.2),
    ([6.3, 3.7, 2.6], [5.1, 0.6, 1.9], [0.9, 2.8, 0.7], 0.45),
    ([3.2, 3.9, 2.4], [1.6, 1.95, 1.2], [1.7, 2.05, 1.3], 0.08),
]


def ours(room, source, mic, absorption, max_order, taps):
    batch = [tf.constant([v], tf.float32) for v in (room, source, mic)]
    response = image_source_response(*batch, tf.constant([absorption]), max_order, taps, SR)
    return np.asarray(response)[0].astype("float64")


def pyroomacoustics_response(room, source, mic, absorption, order, taps):
    """pyroomacoustics' ShoeBox response (image sources only: no ray tracing, no air
    absorption, no high-pass), aligned and scaled as ours: it delays everything by half its 81-tap
    fractional-delay filter and by the direct path, and its amplitudes are ours times 4 pi."""
    pra = pytest.importorskip("pyroomacoustics")
    shoebox = pra.ShoeBox(
        room,
        fs=SR,
        materials=pra.Material(absorption),
        max_order=order,
        air_absorption=False,
        ray_tracing=False,
        use_rand_ism=False,
    )
    shoebox.add_source(source)
    shoebox.add_microphone(mic)
    # Without its default high-pass on the response (ours has none).
    pra.constants.set("rir_hpf_enable", False)
    try:
        shoebox.compute_rir()
    finally:
        pra.constants.set("rir_hpf_enable", True)
    theirs = np.asarray(shoebox.rir[0][0], "float64") / (4 * np.pi)
    direct = np.linalg.norm(np.subtract(source, mic)) / SPEED_OF_SOUND * SR
    start = 40 + int(round(direct))
    theirs = theirs[start : start + taps]
    return np.pad(theirs, (0, taps - len(theirs)))


def lowpass(response, cutoff=0.25):
    """Below ``cutoff`` x the sample rate (zero phase): where the two ways of placing an image
    between samples (a windowed sinc there, linear interpolation here) agree."""
    spectrum = np.fft.rfft(response, 2 * len(response))
    spectrum[np.fft.rfftfreq(2 * len(response)) > cutoff] = 0
    return np.fft.irfft(spectrum)[: len(response)]


@pytest.mark.parametrize("room, source, mic, absorption", ROOMS)
def test_response_matches_pyroomacoustics(room, source, mic, absorption):
    """The same order: the direct sound's amplitude, and the energy arriving in every 4 ms
    (below 4 kHz) within 1 dB."""
    order, taps = 6, 1600
    theirs = pyroomacoustics_response(room, source, mic, absorption, order, taps)
    mine = ours(room, source, mic, absorption, order, taps)
    direct = np.linalg.norm(np.subtract(source, mic))
    assert mine[0] == pytest.approx(1 / (4 * np.pi * direct), rel=1e-5)
    window = 64
    energy = [(lowpass(r) ** 2).reshape(-1, window).sum(1) for r in (mine, theirs)]
    loud = energy[1] > 10**-2.5 * energy[1].max()
    assert loud.sum() > 8
    np.testing.assert_allclose(
        10 * np.log10(energy[0][loud]), 10 * np.log10(energy[1][loud]), atol=1.0
    )


def test_reverberation_time_matches_pyroomacoustics():
    """At order 20, T20 of the Schroeder decay within 5 % of pyroomacoustics'. (A shoebox's
    image sources decay more slowly than Eyring's diffuse-field formula: reflections along an
    axis meet fewer walls.)"""
    room, source, mic, absorption = [4.0, 5.0, 3.0], [1.0, 1.2, 1.1], [2.7, 3.6, 1.8], 0.3
    taps = 6000

    def t20(response):
        remaining = np.cumsum(response[::-1] ** 2)[::-1] + 1e-30
        decay = 10 * np.log10(remaining / np.sum(response**2))
        return 3 * (np.argmax(decay < -25) - np.argmax(decay < -5)) / SR

    theirs = pyroomacoustics_response(room, source, mic, absorption, 20, taps)
    mine = ours(room, source, mic, absorption, 20, taps)
    assert t20(lowpass(mine)) == pytest.approx(t20(lowpass(theirs)), rel=0.05)
    assert t20(mine) > 0.2


def test_layer_convolves_speech_with_the_drawn_room(speech):
    x, rate = speech_batch(speech)
    layer = A.RoomSimulator(sample_rate=rate, seed=4)
    params = params_of(layer, x)
    out = np.asarray(layer(x, seed=SEED))
    responses = np.asarray(layer.responses({k: tf.constant(v) for k, v in params.items()}))
    np.testing.assert_allclose(np.sum(responses**2, axis=1), 1.0, rtol=1e-4)
    for clip, mine, response in zip(x, out, responses):
        np.testing.assert_allclose(mine, np.convolve(clip, response)[: len(clip)], atol=2e-4)
    room, source, mic = params["room"], params["source"], params["microphone"]
    assert ((room >= [3.6, 3.6, 2.4]) & (room <= [5.6, 3.9, 3.0])).all()
    for position in (source, mic):
        assert ((position >= 0.3) & (position <= room - 0.3)).all()
    assert len(set(np.round(params["absorption"], 4))) == len(x)
    # More absorption, less reverberation: the share of energy after 50 ms falls.
    late = (responses[:, int(0.05 * rate) :] ** 2).sum(axis=1)
    order = np.argsort(params["absorption"])
    assert late[order[0]] > late[order[-1]]


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: A.RoomSimulator(length=(0.5, 3.0)), r"RoomSimulator.*length"),
        (lambda: A.RoomSimulator(absorption=(0.0, 0.5)), r"RoomSimulator.*absorption"),
        (lambda: A.RoomSimulator(max_order=60), r"RoomSimulator.*max_order.*40"),
        (lambda: A.RoomSimulator(max_order=0), r"RoomSimulator.*max_order"),
    ],
)
def test_bad_arguments_fail_at_construction(build, message):
    with pytest.raises(ValueError, match=message):
        build()
