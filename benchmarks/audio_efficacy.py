"""Does audio augmentation make a small spoken-word classifier robust to noise?

Data, made at run time in a temporary folder: ten command words ("yes", "no",
"up", "down", "left", "right", "on", "off", "stop", "go") spoken by
``espeak-ng`` (``/usr/bin/espeak-ng``) with 8 English accents x 6 voice
variants (48 synthetic speakers), twice each at a random speed (130-200
words per minute) and pitch (25-75): 960 WAV files, resampled to 16 kHz by
``sox`` and read back with ``keras_augment.audio.load_wav``. Each word sits
at a random place in a one-second clip. Per seed, the speakers are split at
random: 32 for training, 16 (never heard in training) for testing.

Test conditions: clean, and mixed with background noise at 10, 5 and 0 dB
SNR (clip RMS over noise RMS): white Gaussian noise, and babble (four
``espeak-ng`` voices reading other sentences at once, one-second windows cut
at random from the mix). No babble is ever heard in training.

Model: log-mel spectrogram (40 bands, 25 ms windows, 10 ms hop;
``log(mel power + 0.01)``, so that digital silence and faint noise look
alike; ``--log-floor 1e-6`` shows what happens without that floor),
normalised per clip, -> three 3x3 convolutions (16, 32, 64 filters, each with batch
normalisation and ReLU; max pooling after the first two) -> global average
pooling -> dropout 0.3 -> softmax; Adam 1e-3, batch 32, a fixed 50 epochs
(no early stopping, so both runs train alike).

Runs, per seed, from the same initial weights:

* without augmentation;
* with ``keras_augment.audio`` in the ``tf.data`` pipeline, fresh every
  epoch: ``TimeShift(0.15, mode="zeros")``, ``Gain((-6, 6))`` and
  ``SpeedChange((0.9, 1.1))`` on every clip, ``AddGaussianNoise(snr_db=(0,
  25))`` on 70% of them (white noise), then ``SpecAugment`` (2 frequency masks
  of up to 6 bands, 2 time masks of up to 10 frames, no warp) on the
  spectrogram.

Run: ``python benchmarks/audio_efficacy.py [--seeds 3] [--plot results.png]``;
prints a Markdown table of test accuracy against SNR (mean and spread over
seeds) and writes the plot (matplotlib). About 10 minutes on 2 shared cores.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_augment import audio as ka  # noqa: E402

WORDS = ("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go")
ACCENTS = (
    "en-us",
    "en-gb",
    "en-gb-scotland",
    "en-gb-x-rp",
    "en-gb-x-gbclan",
    "en-gb-x-gbcwmd",
    "en-029",
    "en-us-nyc",
)
VARIANTS = ("m1", "m3", "m7", "f1", "f2", "f4")
TAKES = 2
RATE = 16000
CLIP = RATE  # one second
TRAIN_SPEAKERS = 32
SNRS = (10.0, 5.0, 0.0)
EPOCHS = 50
# Added to the mel power before the log: the level below which the features see silence.
LOG_FLOOR = 0.01
NOISE_SHARE = 0.7
# Babble: other voices reading sentences that hold none of the command words.
BABBLE = (
    ("en-gb+m2", "The harbour lights came on one by one as the ferry crossed the bay."),
    ("en-us+f3", "She painted the kitchen a pale green colour last summer."),
    ("en-gb-x-rp+m5", "Several hundred people waited patiently outside the museum."),
    ("en-us-nyc+f5", "A warm breeze carried the smell of bread from the bakery."),
    ("en-029+m4", "The committee will publish its report early next month."),
    ("en-gb-scotland+f3", "Wild ponies grazed quietly beside the narrow mountain road."),
)


# ----- data ------------------------------------------------------------------


def speak(text: str, voice: str, speed: int, pitch: int, path: str) -> None:
    """``espeak-ng`` says ``text``; ``sox`` turns it into a 16 kHz mono 16-bit WAV at ``path``."""
    raw = path + ".raw.wav"
    subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", raw, text],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        ["sox", raw, "-r", str(RATE), "-c", "1", "-b", "16", path], check=True, capture_output=True
    )
    os.remove(raw)


def read(path: str) -> np.ndarray:
    audio, rate = ka.load_wav(path)
    assert rate == RATE, (path, rate)
    return audio[:, 0]


def make_data(folder: str, rng: np.random.Generator, speakers: list[tuple[str, str]]):
    """The word clips ``[n, CLIP]``, their word and speaker indices, and the babble track."""
    jobs = []
    for s, (accent, variant) in enumerate(speakers):
        for w, word in enumerate(WORDS):
            for take in range(TAKES):
                speed, pitch = int(rng.integers(130, 201)), int(rng.integers(25, 76))
                path = os.path.join(folder, f"{s:02d}_{word}_{take}.wav")
                jobs.append((word, f"{accent}+{variant}", speed, pitch, path, w, s))
    babble_jobs = [
        (text, voice, 150, 50, os.path.join(folder, f"babble_{i}.wav"))
        for i, (voice, text) in enumerate(BABBLE)
    ]
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda j: speak(*j[:5]), jobs + babble_jobs))
    clips, words, speakers = [], [], []
    for _, _, _, _, path, w, s in jobs:
        sound = read(path)[:CLIP]
        start = int(rng.integers(0, CLIP - len(sound) + 1))
        clip = np.zeros(CLIP, np.float32)
        clip[start : start + len(sound)] = sound
        clips.append(clip)
        words.append(w)
        speakers.append(s)
    # Four talkers at once; each voice's sentence is looped to the mix's length.
    voices = [read(path) for *_, path in babble_jobs]
    length = 4 * max(len(v) for v in voices)
    tracks = [np.resize(v / (np.sqrt(np.mean(v**2)) + 1e-9), length) for v in voices]
    babble = sum(np.roll(t, int(rng.integers(0, length))) for t in tracks[:4])
    return np.stack(clips), np.array(words), np.array(speakers), babble.astype(np.float32)


def mix(clips: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """Adds ``noise`` (one row per clip) scaled to ``snr_db`` against each clip's RMS."""
    signal = np.sqrt(np.mean(clips**2, axis=1, keepdims=True))
    level = np.sqrt(np.mean(noise**2, axis=1, keepdims=True)) + 1e-12
    return (clips + noise * signal / level / 10 ** (snr_db / 20)).astype(np.float32)


def noisy_tests(clips: np.ndarray, babble: np.ndarray, rng: np.random.Generator) -> dict:
    tests = {"clean": clips}
    white = rng.standard_normal(clips.shape).astype(np.float32)
    starts = rng.integers(0, len(babble) - CLIP, size=len(clips))
    talk = np.stack([babble[s : s + CLIP] for s in starts])
    for snr in SNRS:
        tests[f"white {snr:g} dB"] = mix(clips, white, snr)
        tests[f"babble {snr:g} dB"] = mix(clips, talk, snr)
    return tests


# ----- features, augmentation, model ---------------------------------------------

MEL = tf.signal.linear_to_mel_weight_matrix(40, 257, RATE, 20.0, 7600.0)


def log_mel(waves: tf.Tensor, floor: float) -> tf.Tensor:
    """``[batch, CLIP]`` -> per-clip normalised ``log(mel power + floor)``, ``[batch, 98, 40]``."""
    power = tf.abs(tf.signal.stft(waves, 400, 160, 512)) ** 2
    features = tf.math.log(tf.tensordot(power, MEL, 1) + floor)
    mean, variance = tf.nn.moments(features, axes=[1, 2], keepdims=True)
    return (features - mean) / tf.sqrt(variance + 1e-6)


def augmenter(seed: int, floor: float):
    waveform = [
        ka.TimeShift(0.15, mode="zeros", seed=seed),
        ka.Gain((-6.0, 6.0), seed=seed + 1),
        ka.SpeedChange((0.9, 1.1), seed=seed + 2),
    ]
    noise = ka.AddGaussianNoise(snr_db=(0.0, 25.0), seed=seed + 3)
    spectrogram = ka.SpecAugment(
        policy=None,
        freq_mask_width=6,
        freq_mask_count=2,
        time_mask_width=10,
        time_mask_count=2,
        seed=seed + 4,
    )

    def run(step, batch):
        waves, labels = batch
        for layer in waveform:
            waves = layer(waves, training=True)
        # Noise on NOISE_SHARE of the clips; the others stay clean.
        noisy = (
            tf.random.stateless_uniform(
                [tf.shape(waves)[0], 1], tf.stack([tf.constant(seed, tf.int64), step])
            )
            < NOISE_SHARE
        )
        waves = tf.where(noisy, noise(waves, training=True), waves)
        return spectrogram(log_mel(waves, floor), training=True), labels

    return run


def conv_block(filters: int) -> list:
    layers = keras.layers
    return [
        layers.Conv2D(filters, 3, padding="same", use_bias=False),
        layers.BatchNormalization(),
        layers.ReLU(),
    ]


def build_model() -> keras.Model:
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input(shape=(98, 40)),
            layers.Reshape((98, 40, 1)),
            *conv_block(16),
            layers.MaxPooling2D(2),
            *conv_block(32),
            layers.MaxPooling2D(2),
            *conv_block(64),
            layers.GlobalAveragePooling2D(),
            layers.Dropout(0.3),
            layers.Dense(len(WORDS), activation="softmax"),
        ]
    )


def train_and_test(
    x, y, tests: dict, labels, seed: int, augment: bool, epochs: int, floor: float
) -> dict:
    keras.utils.set_random_seed(seed)
    model = build_model()
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    data = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=seed).batch(32)
    if augment:
        # Batches are numbered across epochs, so the noise draws differ every epoch.
        data = data.repeat(epochs).enumerate()
        data = data.map(augmenter(100 * seed, floor), num_parallel_calls=tf.data.AUTOTUNE)
    else:
        data = data.map(lambda w, t: (log_mel(w, floor), t))
    steps = -(-len(x) // 32)
    model.fit(data.prefetch(tf.data.AUTOTUNE), epochs=epochs, steps_per_epoch=steps, verbose=0)
    return {
        name: float(model.evaluate(log_mel(tf.constant(clips), floor), labels, verbose=0)[1])
        for name, clips in tests.items()
    }


# ----- report --------------------------------------------------------------------


def plot(results: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(9, 3.6), sharey=True)
    xs = ["clean"] + [f"{snr:g}" for snr in SNRS]
    for axis, noise in zip(axes, ("white", "babble")):
        for run, style in (("without augmentation", "o--"), ("with augmentation", "s-")):
            names = ["clean"] + [f"{noise} {snr:g} dB" for snr in SNRS]
            values = np.array([results[run][n] for n in names])  # [conditions, seeds]
            axis.errorbar(
                xs,
                values.mean(axis=1),
                yerr=[
                    values.mean(axis=1) - values.min(axis=1),
                    values.max(axis=1) - values.mean(axis=1),
                ],
                fmt=style,
                capsize=3,
                label=run,
            )
        axis.set_title(f"{noise} noise")
        axis.set_xlabel("SNR (dB)")
        axis.set_ylim(0, 1)
        axis.grid(alpha=0.3)
    axes[0].set_ylabel("test accuracy (mean, min-max over seeds)")
    axes[0].legend(loc="lower left")
    figure.suptitle("Ten spoken words, unseen synthetic speakers")
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument(
        "--plot", default=os.path.join(os.path.dirname(__file__), "audio_efficacy.png")
    )
    parser.add_argument(
        "--log-floor",
        type=float,
        default=LOG_FLOOR,
        help="added to the mel power before the log (default %(default)s)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 8 speakers, 1 seed, 1 epoch"
    )
    args = parser.parse_args(argv)
    voices = [(a, v) for a in ACCENTS for v in VARIANTS]
    train_count = TRAIN_SPEAKERS
    if args.quick:
        voices, train_count, args.seeds, args.epochs = voices[::6], 5, 1, 1
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            raise SystemExit(f"this script needs {tool} (apt-get install {tool})")
    start = time.perf_counter()
    folder = tempfile.mkdtemp(prefix="audio_efficacy_")
    try:
        clips, words, speakers, babble = make_data(folder, np.random.default_rng(0), voices)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    made = time.perf_counter() - start
    runs = ("without augmentation", "with augmentation")
    results: dict = {run: {} for run in runs}
    for seed in range(args.seeds):
        rng = np.random.default_rng(1000 + seed)
        train_speakers = rng.permutation(len(voices))[:train_count]
        train = np.isin(speakers, train_speakers)
        tests = noisy_tests(clips[~train], babble, rng)
        for run in runs:
            scores = train_and_test(
                clips[train],
                words[train],
                tests,
                words[~train],
                seed,
                run == runs[1],
                args.epochs,
                args.log_floor,
            )
            for name, value in scores.items():
                results[run].setdefault(name, []).append(value)
        print(
            f"seed {seed}: "
            + "; ".join(
                f"{run}: " + ", ".join(f"{n} {v[-1]:.2f}" for n, v in results[run].items())
                for run in runs
            ),
            file=sys.stderr,
        )
    elapsed = time.perf_counter() - start
    plot(results, args.plot)
    print(
        f"{len(clips)} clips ({len(WORDS)} words, {len(voices)} espeak-ng "
        f"speakers, {TAKES} takes), {train_count} speakers for training "
        f"({int(train.sum())} clips), the other {int((~train).sum())} clips for testing; "
        f"{args.epochs} epochs; log floor {args.log_floor:g}; {args.seeds} seeds; {elapsed:.0f} s (data {made:.0f} s); "
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; load average "
        f"{os.getloadavg()[0]:.1f}; TF {tf.__version__}, Keras {keras.__version__}\n"
    )
    print("| test condition | without augmentation | with augmentation | difference |")
    print("| --- | ---: | ---: | ---: |")
    for name in results[runs[0]]:
        a, b = results[runs[0]][name], results[runs[1]][name]
        gain = [y - x for x, y in zip(a, b)]
        print(
            f"| {name} | {statistics.mean(a):.3f} ({min(a):.3f}-{max(a):.3f}) | "
            f"{statistics.mean(b):.3f} ({min(b):.3f}-{max(b):.3f}) | "
            f"{100 * statistics.mean(gain):+.1f} points |"
        )
    print(f"\n(mean over seeds, min-max in brackets; plot: {args.plot})")


if __name__ == "__main__":
    main()
