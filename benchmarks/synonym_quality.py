"""Do the synonyms keep the meaning and stay decent? Measured on 500 common English sentences.

Sentences: the first 500 distinct utterances of 5 to 30 words of the PyPI
package ``chatterbot-corpus`` (BSD licence; every English topic, sorted, then
shuffled with seed 0), a fixed offline set of everyday English.

Each sentence gets 10 variants from ``SynonymReplacement`` (``rate=0.1``)
and 10 from ``EDA`` (``alpha = 0.1`` for all four operations), at the
layers' defaults (decency filter and stop words on). The new words of every
variant are split into the synonyms that produced them (the reading of the
variant with the fewest synonyms), each traced back to a word of the sentence
whose synonym it is (the source word's lemma found by WordNet's suffix
rules; where several words of the sentence could have given it, the one
whose sense ranks best). Reported per layer:

* replacements (synonyms produced, by ``SynonymReplacement`` in place of a
  word, by ``EDA`` in place of a word or inserted);
* how many of them are a lemma of WordNet's obscenity, slang, ethnic-slur or
  disparagement usage domains, or contain a word of the block list
  (``keras_augment.text.BLOCK_LIST``): the target is 0;
* the share whose synset is among the source word's two most frequent senses
  (WordNet sense tag counts, all parts of speech);
* new words that could not be traced back (should be 0).

Run: ``python benchmarks/synonym_quality.py`` (a few seconds); prints a
Markdown table and a handful of sentences before and after.
"""

from __future__ import annotations

import gzip
import os
import pathlib
import random
import re
import sys
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_augment import text as kt  # noqa: E402
from keras_augment.text.thesaurus import (  # noqa: E402
    _DETACHMENTS,
    SHIPPED_THESAURUS,
    USAGE_DOMAINS_FILE,
    thesaurus_mapping,
)

SENTENCES = 500
VARIANTS = 10
_EDGE = re.compile(r"^[^\w]+|[^\w]+$")
_PARTS = re.compile(r"[\s\-]+")


def load_sentences(count: int = SENTENCES) -> list[str]:
    """The fixed sentence set (see the module docstring)."""
    try:
        import chatterbot_corpus
        import yaml
    except ImportError as error:
        raise SystemExit(
            f"this needs chatterbot-corpus and pyyaml ({error}); pip install chatterbot-corpus pyyaml"
        ) from None
    root = pathlib.Path(chatterbot_corpus.__file__).parent / "data" / "english"
    texts = set()
    for path in sorted(root.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for conversation in data.get("conversations", []):
            for utterance in conversation:
                if isinstance(utterance, str) and 5 <= len(utterance.split()) <= 30:
                    texts.add(" ".join(utterance.split()))
    texts = sorted(texts)
    random.Random(0).shuffle(texts)
    return texts[:count]


def _core(token: str) -> str:
    return _EDGE.sub("", token).lower()


def _phrase(synonym: str) -> str:
    return " ".join(_core(t) for t in synonym.split())


def sense_ranks() -> dict[tuple[str, str], int]:
    """``{(word, synonym): best rank of a sense of word offering it}`` from the shipped file."""
    ranks: dict[tuple[str, str], int] = {}
    with gzip.open(SHIPPED_THESAURUS, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#"):
                continue
            word, _, rank, _, _, _, synonyms = line.rstrip("\n").split("\t")
            for synonym in synonyms.split("|"):
                key = (word, _phrase(synonym))
                ranks[key] = min(ranks.get(key, 99), int(rank))
    return ranks


def offensive_words() -> tuple[frozenset, frozenset]:
    lines = USAGE_DOMAINS_FILE.read_text(encoding="utf-8").splitlines()
    domains = frozenset(line.split("\t")[0] for line in lines if line and line[0] != "#")
    return domains, frozenset(kt.BLOCK_LIST)


@dataclass
class Tally:
    replacements: int = 0
    offensive: list = field(default_factory=list)
    top_two: int = 0
    untraced: int = 0


class Tracer:
    """Traces the new words of a variant back to the synonyms and source words that made them."""

    def __init__(self):
        # Synonyms read as the variants are: per word, edge punctuation off.
        self.mapping = {w: [_phrase(s) for s in syns] for w, syns in thesaurus_mapping().items()}
        self.ranks = sense_ranks()
        self.domains, self.blocked = offensive_words()

    def lemma(self, core: str) -> str | None:
        if core in self.mapping:
            return core
        for suffix, ending in _DETACHMENTS:
            if core.endswith(suffix) and len(core) > len(suffix):
                stem = core[: -len(suffix)] + ending
                if stem in self.mapping:
                    return stem
        return None

    def is_offensive(self, phrase: str) -> bool:
        return phrase in self.domains or any(p in self.blocked for p in _PARTS.split(phrase))

    def trace(self, sentence: str, variant: str, tally: Tally) -> None:
        source = [_core(t) for t in sentence.split()]
        output = [_core(t) for t in variant.split()]
        # Synonym phrase -> best rank over the sentence's words that offer it.
        offers: dict[str, int] = {}
        for core in source:
            lemma = self.lemma(core)
            for synonym in self.mapping.get(lemma, []) if lemma else []:
                rank = self.ranks.get((lemma, synonym), 99)
                offers[synonym] = min(offers.get(synonym, 99), rank)
        self._explain(output, offers, set(source), tally)

    def _explain(self, tokens: list[str], offers, present, tally: Tally) -> None:
        # The cheapest reading of the variant as a sequence of pieces: a word
        # of the sentence (kept, moved: free), a synonym on offer (1), or a
        # word neither explains (untraced, 1,000).
        n = len(tokens)
        best: list = [(0, [])] + [None] * n
        for end in range(1, n + 1):
            for start in range(max(0, end - 6), end):
                if best[start] is None:
                    continue
                piece = " ".join(tokens[start:end])
                single = end - start == 1
                if single and piece in present:
                    cost, kind = 0, "kept"
                elif piece in offers:
                    cost, kind = 1, "synonym"
                elif single:
                    cost, kind = 1000, "untraced"
                else:
                    continue
                candidate = (best[start][0] + cost, best[start][1] + [(kind, piece)])
                if best[end] is None or candidate[0] < best[end][0]:
                    best[end] = candidate
        for kind, piece in best[n][1]:
            if kind == "synonym":
                tally.replacements += 1
                tally.top_two += offers[piece] <= 2
            elif kind == "untraced":
                tally.untraced += 1
            if kind != "kept" and self.is_offensive(piece):
                tally.offensive.append(piece)


def measure(sentences: list[str] | None = None, seed: int = 0):
    """``(table rows, examples)``: the tallies of both layers and some variants."""
    sentences = sentences or load_sentences()
    tracer = Tracer()
    layers = {
        "SynonymReplacement(rate=0.1)": kt.SynonymReplacement(0.1, seed=seed),
        "EDA(alpha=0.1)": kt.EDA(0.1, 0.1, 0.1, 0.1, num_aug=VARIANTS, seed=seed),
    }
    rows, examples = [], {}
    batch = tf.constant(sentences)
    for name, layer in layers.items():
        if isinstance(layer, kt.EDA):
            variants = np.asarray(layer(batch))  # [n, VARIANTS]
        else:
            variants = np.stack([np.asarray(layer(batch)) for _ in range(VARIANTS)], axis=1)
        tally = Tally()
        for sentence, row in zip(sentences, variants):
            for variant in row:
                tracer.trace(sentence, variant.decode("utf-8"), tally)
        rows.append((name, len(sentences) * VARIANTS, tally))
        examples[name] = [(sentences[i], variants[i, 0].decode("utf-8")) for i in range(0, 30, 6)]
    return rows, examples


def table(rows) -> str:
    lines = [
        "| layer | variants | synonyms produced | in excluded domains or block list "
        "| in the word's 2 most frequent senses | new words not traced |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, variants, t in rows:
        share = t.top_two / max(t.replacements, 1)
        lines.append(
            f"| {name} | {variants:,} | {t.replacements:,} | {len(t.offensive)} "
            f"| {share:.1%} | {t.untraced} |"
        )
    return "\n".join(lines)


def main() -> None:
    rows, examples = measure()
    print(f"{SENTENCES} chatterbot-corpus sentences, {VARIANTS} variants each\n")
    print(table(rows))
    for name, pairs in examples.items():
        print(f"\n{name}:")
        for before, after in pairs:
            print(f"  before: {before}\n  after:  {after}")
    offensive = [w for _, _, t in rows for w in t.offensive]
    if offensive:
        raise SystemExit(f"offensive words produced: {sorted(set(offensive))}")


if __name__ == "__main__":
    main()
