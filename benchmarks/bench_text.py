"""Speed of EDA text augmentation: ours inside tf.data beside plain Python and nlpaug.

Workload: 4,096 real English sentences (the utterances of ``chatterbot-corpus``,
cycled), four EDA variants per sentence (``alpha = 0.1`` for all four
operations). Ours runs on batches of 1,024 sentences (and of 64, to show how
much the batch size matters: string ops cost a fixed overhead per call). Systems:

* ours, ``keras_augment.text.EDA`` mapped over a ``tf.data`` pipeline
  (``num_parallel_calls=AUTOTUNE``, prefetch) and called directly;
* a plain-Python EDA written below over the same thesaurus (the shipped
  WordNet file read into a dict) and the same rules (whitespace words,
  punctuation kept, stop words skipped, WordNet suffix rules for inflected
  words, capitalisation matched, ``max(1, int(alpha * words))`` changes per
  operation, one operation per variant), with Python's ``random``;
* nlpaug (``RandomWordAug``), which installs and runs offline for swap and
  deletion only: its synonym augmenter needs NLTK's WordNet download. So
  swap and deletion are also timed alone, for ours, plain Python and nlpaug.

The floor: splitting the sentences into words and joining every one back
four times, with nothing changed, in ``tf.data`` (the same ``tf.strings``
ops our EDA ends with) and in Python (``" ".join(s.split())``). No EDA built
on ``tf.strings`` can beat the first; the ratio of EDA to that floor shows
how much of our time is augmentation rather than string handling. A second
floor adds the thesaurus look-up of every word (lower-casing, the hash
table, punctuation stripped from words not found as they are), which the
synonym operations cannot skip. EDA and both floors are also timed in
rounds of direct calls, one after the other on the same batches, and EDA
and the first floor in ``tf.data`` pipelines that take turns (a fresh
iterator each turn), so that load from other jobs hits them alike; the
script prints the ratios and the load average.

Rate: input sentences per second (each yields four variants for EDA, one for
swap and deletion), median of 5 timed passes over the 4,096 sentences after
one warm-up pass.

Back-translation (English -> Spanish -> English with Apertium, where it is
installed), in a second table: the first call of a new layer on 3 sentences
(it starts the two Apertium pipelines; later calls in the process reuse them),
then warm batches of 32 of the first 256 sentences, called directly and in
``tf.data``, beside the same batches through one ``apertium`` command per
batch and direction (how the layer worked before its pipelines stayed up).

Run: ``python benchmarks/bench_text.py [--only eda|backtranslation]``.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import re
import shutil
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from common import fresh_iterator, in_turns  # noqa: E402

from keras_augment import text as kt  # noqa: E402
from keras_augment.text.ops import row_ids  # noqa: E402
from keras_augment.text.thesaurus import (  # noqa: E402
    _DETACHMENTS,
    STOP_WORDS,
    thesaurus_mapping,
)
from keras_augment.text.words import look_up_words  # noqa: E402

BATCH = 1024
OPERATIONS = ("synonym replacement", "random insertion", "random swap", "random deletion")
SMALL_BATCH = 64
NUM_AUG = 4
ALPHA = 0.1
# Passes over the sentences per turn of the tf.data comparison: the floor's turn then lasts
# about 0.15 s on 2 cores (with two passes, about 20 ms, single turns ranged 35%-68%).
TURN_PASSES = 16

# ----- the plain-Python EDA -----------------------------------------------------

_EDGES = re.compile(r"^(\W*)(.*?)(\W*)$", re.S)


class PythonEDA:
    """EDA in plain Python over a ``{word: [synonyms]}`` dict (the same rules as ours)."""

    def __init__(self, thesaurus: dict[str, list[str]], stop_words, seed: int = 0):
        self.thesaurus = {k.lower(): v for k, v in thesaurus.items()}
        self.stop_words = set(stop_words)
        self.random = random.Random(seed)

    def synonyms(self, token: str) -> list[str]:
        core = _EDGES.match(token).group(2).lower()
        if not core or core in self.stop_words:
            return []
        found = self.thesaurus.get(core)
        if found is None:
            for suffix, replacement in _DETACHMENTS:
                if core.endswith(suffix) and len(core) > len(suffix):
                    found = self.thesaurus.get(core[: -len(suffix)] + replacement)
                    if found is not None:
                        break
        return found or []

    @staticmethod
    def _match_case(replacement: str, core: str) -> str:
        if len(core) > 1 and core.isupper():
            return replacement.upper()
        if core[:1].isupper():
            return replacement[:1].upper() + replacement[1:]
        return replacement

    def synonym_replacement(self, words: list[str], n: int) -> list[str]:
        words = list(words)
        candidates = [(i, s) for i, w in enumerate(words) if (s := self.synonyms(w))]
        self.random.shuffle(candidates)
        for i, synonyms in candidates[:n]:
            prefix, core, suffix = _EDGES.match(words[i]).groups()
            words[i] = prefix + self._match_case(self.random.choice(synonyms), core) + suffix
        return words

    def random_insertion(self, words: list[str], n: int) -> list[str]:
        candidates = [s for w in words if (s := self.synonyms(w))]
        if not candidates:
            return list(words)
        words = list(words)
        for _ in range(n):
            synonym = self.random.choice(self.random.choice(candidates))
            words.insert(self.random.randint(0, len(words)), synonym)
        return words

    def random_swap(self, words: list[str], n: int) -> list[str]:
        words = list(words)
        if len(words) < 2:
            return words
        for _ in range(n):
            a = self.random.randrange(len(words))
            b = (a + 1 + self.random.randrange(len(words) - 1)) % len(words)
            words[a], words[b] = words[b], words[a]
        return words

    def random_deletion(self, words: list[str], p: float) -> list[str]:
        if len(words) <= 1:
            return list(words)
        kept = [w for w in words if self.random.random() >= p]
        return kept or [self.random.choice(words)]

    def augment(self, sentence: str, num_aug: int, alpha: float = ALPHA) -> list[str]:
        words = sentence.split()
        if not words:
            return [sentence] * num_aug
        n = max(1, int(alpha * len(words)))
        operations = (
            lambda: self.synonym_replacement(words, n),
            lambda: self.random_insertion(words, n),
            lambda: self.random_swap(words, n),
            lambda: self.random_deletion(words, alpha),
        )
        start = self.random.randrange(4)
        return [" ".join(operations[(start + j) % 4]()) for j in range(num_aug)]


# ----- measurement ----------------------------------------------------------------


def median_rate(run, count: int, repeats: int = 5) -> float:
    run()  # warm-up (tracing, caches)
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        rates.append(count / (time.perf_counter() - start))
    return statistics.median(rates)


def tf_data_pipeline(layer, sentences, batch=BATCH):
    return (
        tf.data.Dataset.from_tensor_slices(tf.constant(sentences))
        .batch(batch)
        .repeat()
        .map(layer, num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )


def tf_data_in_turns(functions: dict, sentences, turns: int = 9, passes: int = TURN_PASSES) -> dict:
    """``name -> [(sentences/s, sentences per CPU second) per turn]`` of each ``tf.data`` pipeline.

    The pipelines (one per function, built once) take turns (``common.in_turns``):
    in each turn every one gets a fresh iterator, two warm-up batches, then
    ``passes`` timed passes over the sentences, and loses its iterator before
    the next starts (so none prefetches while another is timed). A change in
    the machine's load then falls on all of them alike, turn by turn.
    """
    steps = passes * -(-len(sentences) // BATCH)
    # Each function makes NUM_AUG outputs per sentence: count the sentences.
    contenders = {
        name: fresh_iterator(tf_data_pipeline(f, sentences), count=lambda out: out.size // NUM_AUG)
        for name, f in functions.items()
    }
    return in_turns(contenders, turns, steps)


def tf_data_run(layer, sentences, batch=BATCH):
    ds = tf_data_pipeline(layer, sentences, batch)
    # One iterator for all passes: building a new one re-instantiates the map
    # function, which would be timed with every pass.
    iterator = iter(ds)
    steps = -(-len(sentences) // batch)

    def run():
        for _ in range(steps):
            next(iterator).numpy()

    return run


def split_and_join(texts: tf.Tensor, copies: int = NUM_AUG) -> tf.Tensor:
    """The string work no EDA can skip: split into words, join each text ``copies`` times."""
    words = tf.strings.split(texts)
    positions = tf.ragged.range(words.row_starts(), words.row_limits())
    # Every text's words, ``copies`` times over, joined into ``copies`` outputs per text.
    flat = tf.tile(positions.flat_values, [copies])
    text_of = tf.tile(row_ids(positions.row_splits), [copies])
    copy_of = tf.repeat(tf.range(copies, dtype=tf.int64), tf.size(positions.flat_values))
    return tf.strings.unsorted_segment_join(
        tf.gather(words.flat_values, flat),
        text_of * copies + copy_of,
        tf.size(texts, tf.int64) * copies,
        separator=" ",
    )


def split_look_up_and_join(thesaurus, copies: int = NUM_AUG):
    """The floor plus the look-up EDA needs before it can choose a synonym.

    Every word is looked up in the layer's thesaurus exactly as EDA does it
    (lower-cased; words not found lose their edge punctuation and are looked
    up again), then the texts are joined as in :func:`split_and_join`.
    """

    def run(texts: tf.Tensor):
        return split_and_join(texts, copies), look_up_words(texts, thesaurus).index

    return run


def paired_costs(functions, sentences, pairs: int = 15) -> list[tuple[float, float]]:
    """Medians over ``pairs`` rounds of each function's cost / the first one's.

    The functions run as direct calls of traced functions on the same batches,
    one after the other in every round, with nothing working in the
    background, so load from other jobs slows all members of a round alike.
    Returns (wall-time ratio, CPU-time ratio) per function; CPU time counts
    all threads of this process (the work done, which other jobs on the
    machine barely change).
    """
    batches = [tf.constant(sentences[i : i + BATCH]) for i in range(0, len(sentences), BATCH)]
    traced = [tf.function(f, autograph=False) for f in functions]
    rounds = []
    for _ in range(pairs + 1):
        spent = []
        for function in traced:
            start, start_cpu = time.perf_counter(), time.process_time()
            for batch in batches:
                tf.nest.map_structure(lambda t: t.numpy(), function(batch))
            spent.append((time.perf_counter() - start, time.process_time() - start_cpu))
        rounds.append([(w / spent[0][0], c / spent[0][1]) for w, c in spent])
    rounds = rounds[1:]  # the first round traces
    return [
        (
            statistics.median(r[i][0] for r in rounds),
            statistics.median(r[i][1] for r in rounds),
        )
        for i in range(len(functions))
    ]


def direct_run(layer, sentences):
    batches = [tf.constant(sentences[i : i + BATCH]) for i in range(0, len(sentences), BATCH)]

    def run():
        for batch in batches:
            layer(batch).numpy()

    return run


def load_sentences(count: int) -> list[str]:
    from eda_experiment import TOPICS, load_corpus

    texts, _ = load_corpus(TOPICS)
    texts = [t for t in texts if len(t.split()) >= 3]
    return [texts[i % len(texts)] for i in range(count)]


BT_BATCH = 32
BT_SENTENCES = 256


def back_translation_rows(sentences: list[str]) -> list[tuple[str, str]]:
    """First-call latency and warm rates of ``BackTranslation`` (see the module docstring)."""
    start = time.perf_counter()
    layer = kt.BackTranslation(seed=1)
    layer(tf.constant(sentences[:3])).numpy()
    first = time.perf_counter() - start
    rows = [("first call, 3 sentences (new layer, pipelines start)", f"{first:.2f} s")]
    again = time.perf_counter()
    kt.BackTranslation(seed=2)(tf.constant(sentences[3:6])).numpy()
    rows.append(
        ("first call of a second layer, 3 sentences", f"{time.perf_counter() - again:.2f} s")
    )
    texts = sentences[:BT_SENTENCES]
    batches = [tf.constant(texts[i : i + BT_BATCH]) for i in range(0, len(texts), BT_BATCH)]
    direct = median_rate(lambda: [layer(b).numpy() for b in batches], len(texts))
    rows.append((f"warm batches of {BT_BATCH}, direct call", f"{direct:,.0f} sentences/s"))
    in_data = median_rate(tf_data_run(layer, texts, BT_BATCH), len(texts))
    rows.append((f"warm batches of {BT_BATCH}, tf.data map", f"{in_data:,.0f} sentences/s"))
    command = kt.ApertiumTranslator()
    lists = [texts[i : i + BT_BATCH] for i in range(0, len(texts), BT_BATCH)]

    def one_command_per_call():
        for batch in lists:
            command._one_shot(command._one_shot(batch, "eng", "spa"), "spa", "eng")

    plain = median_rate(one_command_per_call, len(texts))
    rows.append(
        (f"batches of {BT_BATCH}, one apertium command per call", f"{plain:,.0f} sentences/s")
    )
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=4096)
    parser.add_argument("--only", choices=("eda", "backtranslation"))
    args = parser.parse_args(argv)
    sentences = load_sentences(args.sentences)
    n = len(sentences)
    stamp = stamp_line(n)
    if args.only != "eda":
        if shutil.which("apertium") is None:
            print("Apertium is not installed: back-translation not measured.\n")
        else:
            print(stamp)
            print("| back-translation, Apertium eng-spa-eng | time or rate |")
            print("| --- | ---: |")
            for what, value in back_translation_rows(sentences):
                print(f"| {what} | {value} |")
            print()
    if args.only == "backtranslation":
        return
    python_eda = PythonEDA(thesaurus_mapping(), STOP_WORDS)
    rows = []

    def record(workload, system, rate):
        rows.append((workload, system, rate))
        print(f"{workload:<22} {system:<40} {rate:10.0f}", file=sys.stderr)

    eda = kt.EDA(ALPHA, ALPHA, ALPHA, ALPHA, num_aug=NUM_AUG, seed=1)
    workload = f"EDA, {NUM_AUG} variants"
    record(workload, "ours, tf.data map", median_rate(tf_data_run(eda, sentences), n))
    record(
        workload,
        f"ours, tf.data map, batch {SMALL_BATCH}",
        median_rate(tf_data_run(eda, sentences, SMALL_BATCH), n),
    )
    record(workload, "ours, direct call", median_rate(direct_run(eda, sentences), n))
    record(
        workload,
        "plain Python",
        median_rate(lambda: [python_eda.augment(s, NUM_AUG) for s in sentences], n),
    )

    # The floor: splitting and joining alone, in TensorFlow and in Python.
    workload = f"split + join only, {NUM_AUG} copies"
    record(workload, "ours, tf.data map", median_rate(tf_data_run(split_and_join, sentences), n))
    record(
        workload,
        "plain Python",
        median_rate(lambda: [[" ".join(s.split()) for _ in range(NUM_AUG)] for s in sentences], n),
    )

    try:
        import nlpaug.augmenter.word as naw
    except ImportError:
        naw = None
    singles = (
        ("random swap", kt.RandomSwap(ALPHA, seed=1), "swap", python_eda.random_swap),
        ("random deletion", kt.RandomDeletion(ALPHA, seed=1), "delete", None),
    )
    for workload, layer, action, _ in singles:
        record(workload, "ours, tf.data map", median_rate(tf_data_run(layer, sentences), n))
        if action == "swap":

            def python_run():
                for s in sentences:
                    words = s.split()
                    " ".join(python_eda.random_swap(words, max(1, int(ALPHA * len(words)))))

        else:

            def python_run():
                for s in sentences:
                    " ".join(python_eda.random_deletion(s.split(), ALPHA))

        record(workload, "plain Python", median_rate(python_run, n))
        if naw is not None:
            augmenter = naw.RandomWordAug(action=action, aug_p=ALPHA, aug_min=1)
            batches = [sentences[i : i + SMALL_BATCH] for i in range(0, n, SMALL_BATCH)]
            record(
                workload,
                f"nlpaug RandomWordAug (lists of {SMALL_BATCH})",
                median_rate(lambda a=augmenter, bs=batches: [a.augment(b) for b in bs], n),
            )

    # EDA against the floors, measured in rounds (see paired_costs), and each of its
    # operations alone (all four variants made by that one), to show where the time goes.
    alone = {}
    for i, name in enumerate(OPERATIONS):
        alphas = [0.0] * 4
        alphas[i] = ALPHA
        alone[name] = kt.EDA(*alphas, num_aug=NUM_AUG, seed=1)
    costs = paired_costs(
        (
            split_and_join,
            split_look_up_and_join(eda._thesaurus),
            lambda t: eda(t, training=True),
            *(lambda t, layer=layer: layer(t, training=True) for layer in alone.values()),
        ),
        sentences,
    )
    floor_share = ours_rate(rows, f"EDA, {NUM_AUG} variants") / ours_rate(
        rows, f"split + join only, {NUM_AUG} copies"
    )
    turns = tf_data_in_turns({"floor": split_and_join, "EDA": eda}, sentences)
    shares = [e[0] / f[0] for f, e in zip(turns["floor"], turns["EDA"], strict=True)]
    cpu_shares = [e[1] / f[1] for f, e in zip(turns["floor"], turns["EDA"], strict=True)]
    print(stamp)
    print(
        f"EDA in tf.data, timed in turns with the floor ({len(shares)} turns of "
        f"{TURN_PASSES * n:,} sentences each, a fresh iterator per turn): a median of "
        f"{statistics.median(shares):.0%} of the split + join floor's rate (per turn "
        f"{min(shares):.0%}-{max(shares):.0%}), {statistics.median(cpu_shares):.0%} by CPU time "
        f"({min(cpu_shares):.0%}-{max(cpu_shares):.0%}). Timed one after the other (rows "
        f"below): {floor_share:.0%}.\n"
    )
    print(
        f"Direct calls, timed in rounds (each round runs every row once on the same "
        f"batches; median of 15 rounds; load average {os.getloadavg()[0]:.1f}):\n"
    )
    print(
        "| direct call, 4 outputs per sentence | cost in floors, wall | CPU | rate / floor's, wall | CPU |"
    )
    print("| --- | ---: | ---: | ---: | ---: |")
    names = [
        "split + join (the floor)",
        "split + look-up + join (the second floor)",
        "EDA, all four operations",
        *(f"EDA, {name} only" for name in OPERATIONS),
    ]
    for name, (wall, cpu) in zip(names, costs):
        print(f"| {name} | {wall:.2f} | {cpu:.2f} | {1 / wall:.0%} | {1 / cpu:.0%} |")
    print()
    print("| workload | system | sentences/s | ours (tf.data) / system |")
    print("| --- | --- | ---: | ---: |")
    ours = {w: r for w, s, r in rows if s == "ours, tf.data map"}
    for workload, system, rate in rows:
        print(f"| {workload} | {system} | {rate:,.0f} | {ours[workload] / rate:.1f}x |")


def ours_rate(rows, workload: str) -> float:
    return next(r for w, s, r in rows if w == workload and s == "ours, tf.data map")


def stamp_line(n: int) -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next(line.split(":", 1)[1].strip() for line in handle if "model name" in line)
    except (OSError, StopIteration):
        pass
    return (
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; {cpu}, {os.cpu_count()} cores; "
        f"TF {tf.__version__}, numpy {np.__version__}; {n} sentences, batch {BATCH}, "
        f"median of 5\n"
    )


if __name__ == "__main__":
    main()
