"""The shipped thesaurus: frequent senses only, the decency filter, stop words, parts of speech."""

from __future__ import annotations

import gzip
import re

import numpy as np
import pytest
import tensorflow as tf

from keras_augment import text as kt
from keras_augment.text.thesaurus import (
    SHIPPED_THESAURUS,
    USAGE_DOMAINS_FILE,
    read_thesaurus_file,
    thesaurus_mapping,
)


def decode(tensor):
    return [b.decode("utf-8") for b in np.asarray(tensor).reshape(-1)]


def common_words(count: int = 1000) -> list[str]:
    """The ``count`` words with the most tagged occurrences in the shipped file's sense counts."""
    tags: dict[str, int] = {}
    with gzip.open(SHIPPED_THESAURUS, "rt", encoding="utf-8") as handle:
        for line in handle:
            if not line.startswith("#"):
                fields = line.split("\t")
                tags[fields[0]] = tags.get(fields[0], 0) + int(fields[4])
    return sorted(tags, key=lambda w: (-tags[w], w))[:count]


def excluded() -> set[str]:
    lines = USAGE_DOMAINS_FILE.read_text(encoding="utf-8").splitlines()
    return {line.split("\t")[0] for line in lines if line and not line.startswith("#")}


def offensive(phrase: str, domain_lemmas: set[str]) -> bool:
    lower = phrase.lower()
    parts = re.split(r"[\s\-]+", lower)
    return lower in domain_lemmas or any(p in kt.BLOCK_LIST for p in parts)


@pytest.fixture(scope="module")
def common():
    words = common_words()
    # Words without a frequent sense that has synonyms ("good", "happy") are
    # not in the file: they cannot produce anything.
    assert len(words) == 1000 and {"make", "say", "love", "great", "time"} <= set(words)
    return words


@pytest.fixture(scope="module")
def replace_all():
    return kt.SynonymReplacement(rate=1.0, stop_words=[], seed=1)


def test_no_common_word_can_produce_a_blocked_or_excluded_domain_word(common, replace_all):
    domain_lemmas = excluded()
    assert {"fuck", "arse", "nigger"} <= domain_lemmas | set(kt.BLOCK_LIST)
    # Everything the table offers for these words (stop words allowed as sources) ...
    mapping = thesaurus_mapping(stop_words=[])
    offered = {s for w in common for s in mapping.get(w, [])}
    assert len(offered) > 1500
    assert not {s for s in offered if offensive(s, domain_lemmas)}
    # ... and what the layers produce from them, inflected forms included.
    words = common + [w + "s" for w in common[:300]]
    texts = tf.constant([" ".join(words[i : i + 10]) for i in range(0, len(words), 10)])
    for layer in (
        replace_all,
        kt.RandomInsertion(rate=1.0, stop_words=[], seed=2),
        kt.EDA(0.5, 0.5, 0, 0, num_aug=4, stop_words=[], seed=3),
    ):
        produced = {w.lower() for line in decode(layer(texts)) for w in line.split()}
        new = produced - set(words)  # (some common words are themselves excluded lemmas)
        assert len(new) > 200 and not {w for w in new if offensive(w, domain_lemmas)}, layer.name
    # Without the filter, the same words do reach such lemmas: the check can fail.
    unfiltered = thesaurus_mapping(stop_words=[], decency_filter=False)
    assert {s for w in common for s in unfiltered.get(w, []) if offensive(s, domain_lemmas)}


SENSES = {
    # word: (some synonyms it gives, lemmas of its rare senses it must never give)
    "great": ({"big", "large"}, {"gravid", "enceinte", "expectant", "majuscule"}),
    "make": ({"create"}, {"urinate", "piss", "shit", "defecate", "pee"}),
    "love": ({"enjoy"}, {"get laid", "fuck", "screw", "sleep together", "make love"}),
    "can": ({"tin"}, {"toilet", "arse", "ass", "buttocks", "john", "commode"}),
    "car": ({"automobile"}, {"gondola", "elevator car", "railcar"}),
}


def test_only_frequent_senses_give_synonyms(replace_all):
    mapping = thesaurus_mapping(stop_words=[])
    raw = read_thesaurus_file(SHIPPED_THESAURUS)
    out = np.reshape(decode(replace_all(tf.constant([[w] * 40 for w in SENSES]))), [-1, 40])
    for (word, (wanted, unwanted)), produced in zip(SENSES.items(), out):
        synonyms = set(mapping[word])
        assert wanted <= synonyms and not synonyms & unwanted, word
        # The file itself leaves the rare senses out (not only the filters).
        assert not set(raw[word]) & unwanted, word
        assert set(produced) <= synonyms and len(set(produced)) >= min(len(synonyms), 2), word


def test_stop_words_are_neither_replaced_nor_produced(replace_all):
    # "create" has the synonym "make", a stop word by default.
    assert "make" in thesaurus_mapping(stop_words=[])["create"]
    assert "create" not in thesaurus_mapping()
    out = decode(kt.RandomInsertion(rate=1.0, seed=5)(tf.constant(["make create build"] * 20)))
    assert all(line.split().count("make") == 1 for line in out)
    assert {"make", "can", "do", "have", "be", "get"} <= set(kt.STOP_WORDS)

    assert set(decode(replace_all(tf.constant(["make"] * 20)))) == {"do", "create"}


def test_block_list_extends_replaces_and_switches_off(replace_all):
    out = decode(replace_all(tf.constant(["car"] * 30)))
    assert "automobile" in out
    layer = kt.SynonymReplacement(rate=1.0, block_list=[*kt.BLOCK_LIST, "Automobile"], seed=1)
    out = decode(layer(tf.constant(["car"] * 30)))
    assert set(out) == {"auto", "motorcar"}
    assert kt.SynonymReplacement.from_config(layer.get_config()).block_list == layer.block_list
    # "arse" is a WordNet slang lemma: only produced with the filter off.
    on = decode(replace_all(tf.constant(["ass"] * 200)))
    off = kt.SynonymReplacement(rate=1.0, stop_words=[], decency_filter=False, seed=1)
    assert "arse" not in on and "arse" in decode(off(tf.constant(["ass"] * 200)))
    # A block-listed word inside a multi-word synonym blocks it too.
    layer = kt.SynonymReplacement(rate=1.0, thesaurus={"x": ["a crap idea", "y"]}, seed=1)
    assert set(decode(layer(tf.constant(["x"] * 20)))) == {"y"}


def test_same_pos_keeps_the_main_part_of_speech():
    out = decode(
        kt.SynonymReplacement(rate=1.0, same_pos=True, seed=2)(tf.constant(["quick"] * 60))
    )
    assert set(out) <= {"fast", "speedy", "hurried", "flying"} and len(set(out)) > 2
    loose = decode(kt.SynonymReplacement(rate=1.0, seed=2)(tf.constant(["quick"] * 60)))
    assert {"quickly", "promptly"} & set(loose)  # adverb senses, only without same_pos


def test_bad_filter_arguments_fail_at_construction():
    with pytest.raises(ValueError, match=r"SynonymReplacement: `decency_filter` must be"):
        kt.SynonymReplacement(decency_filter="yes")
    with pytest.raises(ValueError, match=r"EDA: `same_pos` must be"):
        kt.EDA(same_pos=1)
    with pytest.raises(ValueError, match=r"RandomInsertion: `block_list` must be"):
        kt.RandomInsertion(block_list="crap")


def test_a_changed_thesaurus_file_is_read_again(tmp_path):
    # Two layers with one config but different file contents never share traced code.
    path = tmp_path / "words.tsv"
    path.write_text("frog\ttoad\n", encoding="utf-8")
    first = kt.SynonymReplacement(rate=1.0, thesaurus=str(path), seed=1)
    assert decode(first(tf.constant(["frog"]))) == ["toad"]
    path.write_text("frog\tnewt\n", encoding="utf-8")
    second = kt.SynonymReplacement(rate=1.0, thesaurus=str(path), seed=1)
    assert decode(second(tf.constant(["frog"]))) == ["newt"]
    assert decode(first(tf.constant(["frog"]))) == ["toad"]
    # Same contents again: the tables (and traced code) are shared.
    path.write_text("frog\ttoad\n", encoding="utf-8")
    third = kt.SynonymReplacement(rate=1.0, thesaurus=str(path), seed=1)
    assert third._thesaurus is first._thesaurus
    assert decode(third(tf.constant(["frog"]))) == ["toad"]


def test_inflected_forms_follow_wordnet_morphy_rule_order():
    from keras_augment.text.thesaurus import _DETACHMENTS, Thesaurus

    words = ["dog", "bus", "us", "use", "fly", "box", "church", "man", "run", "hope", "big", "dr."]
    thesaurus = Thesaurus({w: ["x"] for w in words})

    def morphy(form):  # WordNet's rule: the first rule (in order) whose stem is a word
        if form in words:
            return form
        for suffix, ending in _DETACHMENTS:
            stem = form[: len(form) - len(suffix)] + ending
            if form.endswith(suffix) and len(form) > len(suffix) and stem in words:
                return stem
        return None

    forms = ["dogs", "buses", "uses", "flies", "boxes", "churches", "men", "running", "runs",
             "hoped", "hoping", "bigger", "biggest", "dog", "xyz", "s", "drs", "ed"]  # fmt: skip
    rows = thesaurus.index(tf.constant(forms)).numpy()
    assert [words[r] if r >= 0 else None for r in rows] == [morphy(f) for f in forms]
    assert morphy("uses") == "us" and morphy("flies") == "fly" and morphy("bigger") is None
    # Without morphology, only the words themselves are found.
    plain = thesaurus.index(tf.constant(["dogs", "dog"]), morphology=False).numpy()
    assert plain.tolist() == [-1, words.index("dog")]


def test_one_look_up_tells_stop_words_known_words_and_unknown_words_apart():
    from keras_augment.text.thesaurus import Thesaurus

    thesaurus = Thesaurus(
        {"quick": ["fast"], "run": ["sprint"], "dr.": ["doctor"]}, stop_words=["The", "run"]
    )
    rows = thesaurus.index(tf.constant(["the", "quick", "run", "runs", "dr.", "zebra"]))
    # Stop words are found but have no synonyms, even when the thesaurus lists
    # them (and their inflected forms keep the lemma's synonyms); keys with
    # edge punctuation can never match a word's core, so they are not found.
    assert (rows.numpy() >= 0).tolist() == [True, True, True, True, False, False]
    assert thesaurus.count(rows).numpy().tolist() == [0, 1, 0, 1, 0, 0]
    assert thesaurus.has_synonyms(rows).numpy().tolist() == [False, True, False, True, False, False]
    picked = thesaurus.pick(rows, tf.zeros([6]))
    assert decode(picked) == ["", "fast", "", "sprint", "", ""]


def test_words_are_found_by_their_fingerprints_as_by_their_strings():
    from keras_augment.text.thesaurus import Thesaurus, fingerprint

    thesaurus = Thesaurus({"quick": ["fast"], "café": ["bistro"]}, stop_words=["the"])
    words = tf.constant(["quick", "café", "the", "cafe", "quick ", ""])
    fingerprints = fingerprint(words)
    assert fingerprints.dtype == tf.int64
    assert len(set(fingerprints.numpy().tolist())) == 6
    rows = thesaurus.index(words).numpy().tolist()
    assert rows == [0, 1, 2, -1, -1, -1]
    assert thesaurus.index(fingerprints).numpy().tolist() == rows


def test_capitalised_words_are_found_as_they_are_and_replaced_in_their_case():
    from keras_augment.text.thesaurus import Thesaurus

    ascii_words = Thesaurus({"quick": ["fast"], "dog": ["hound"]}, stop_words=["the"])
    rows = ascii_words.index(tf.constant(["Quick", "quick", "Dogs", "The", "QUICK", "qUick"]))
    # Lower-case and capitalised words share a row; other mixes of case are
    # lower-cased before a second look-up (see look_up_words).
    assert rows.numpy().tolist() == [0, 0, 1, 2, -1, -1]
    # Whichever way a word is found, its replacement takes its case.
    for mapping in ({"quick": ["fast"]}, {"quick": ["fast"], "café": ["bistro"]}):
        layer = kt.SynonymReplacement(rate=1.0, thesaurus=mapping, stop_words=[], seed=0)
        out = layer(tf.constant(["Quick!", "QUICK", "qUick", "quick"]), training=True)
        assert decode(out) == ["Fast!", "FAST", "fast", "fast"], mapping


def test_ascii_case_matching_agrees_with_unicode_case_matching():
    from keras_augment.text.ops import match_case

    originals = tf.constant(["Quick", "QUICK", "quick", "Q", "A1", "x-Ray"])
    replacements = tf.constant(["fast", "fast", "fast", "fast", "big one", "radiograph"])
    fast = match_case(replacements, originals, ascii_only=True)
    assert decode(fast) == decode(match_case(replacements, originals))
    assert decode(fast) == ["Fast", "FAST", "fast", "Fast", "BIG ONE", "radiograph"]
