"""Behaviour of the text layers: randomness, seeds, inference, real synonyms, shapes, errors."""

from __future__ import annotations

import collections
import gzip
import shutil

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_augment import text as kt
from keras_augment.text.thesaurus import SHIPPED_THESAURUS, read_thesaurus_file

SENTENCE = "The quick brown fox jumps over the lazy dog near the old river bank."
# The shipped thesaurus: "car" has one frequent sense (WordNet 3.0 tags 71 of
# its 81 uses to it), whose other lemmas are exactly these; "movie" likewise.
CAR = {"auto", "automobile", "motorcar"}
MOVIE = {
    "film", "motion picture", "moving picture", "moving-picture show", "motion-picture show",
    "picture show", "pic",
}  # fmt: skip

WORD_LAYERS = {
    "SynonymReplacement": lambda seed=None: kt.SynonymReplacement(0.3, seed=seed),
    "RandomInsertion": lambda seed=None: kt.RandomInsertion(0.3, seed=seed),
    "RandomSwap": lambda seed=None: kt.RandomSwap(0.3, seed=seed),
    "RandomDeletion": lambda seed=None: kt.RandomDeletion(0.3, seed=seed),
    "RandomCharNoise": lambda seed=None: kt.RandomCharNoise(0.1, seed=seed),
    "SentenceShuffle": lambda seed=None: kt.SentenceShuffle(seed=seed),
    "EDA": lambda seed=None: kt.EDA(num_aug=3, seed=seed),
}
PARAGRAPH = "First one here. Then a second! Is this the third? Yes, the fourth."


def texts_for(name):
    return PARAGRAPH if name == "SentenceShuffle" else SENTENCE


def decode(tensor):
    return np.vectorize(lambda b: b.decode("utf-8"), otypes=[object])(np.asarray(tensor))


@pytest.fixture(scope="module", params=sorted(WORD_LAYERS))
def layer_name(request):
    return request.param


_SHARED = {}


def shared(name):
    """One instance per layer class for the tests that need no fresh seed (traced once)."""
    if name not in _SHARED:
        _SHARED[name] = WORD_LAYERS[name](seed=3)
    return _SHARED[name]


# ----- the shipped thesaurus -------------------------------------------------


def test_shipped_thesaurus_is_real_wordnet():
    mapping = read_thesaurus_file(SHIPPED_THESAURUS)
    assert len(mapping) > 50_000
    assert set(mapping["car"]) == CAR
    assert set(mapping["movie"]) == MOVIE
    assert "large" in mapping["big"] and "big" not in mapping["big"]
    assert SHIPPED_THESAURUS.stat().st_size < 3_000_000
    license_text = (SHIPPED_THESAURUS.parent / "WORDNET-LICENSE.txt").read_text()
    assert "WordNet 3.0 Copyright 2006 by Princeton University" in license_text


# ----- behaviour shared by every layer ------------------------------------------


def test_per_sample_randomness(layer_name):
    layer = shared(layer_name)
    batch = tf.constant([texts_for(layer_name)] * 12)
    out = decode(layer(batch))
    rows = {tuple(np.ravel(o)) for o in out}
    assert len(rows) > 3, f"{layer_name} gave copies of one text the same augmentation"


def test_seeded_reproducibility_and_config_round_trip(layer_name):
    make = WORD_LAYERS[layer_name]
    batch = tf.constant([texts_for(layer_name)] * 6)
    a = make(seed=11)
    # A layer rebuilt from the config has the same seed, so the same sequence.
    b = a.__class__.from_config(a.get_config())
    assert b.get_config() == a.get_config()
    first_a, first_b = decode(a(batch)), decode(b(batch))
    second_a, second_b = decode(a(batch)), decode(b(batch))
    np.testing.assert_array_equal(first_a, first_b)
    np.testing.assert_array_equal(second_a, second_b)
    assert not np.array_equal(first_a, second_a), "a second call repeated the first"
    # A call-time seed fixes the result whatever the layer's own state.
    seed = tf.constant([5, 6], tf.int64)
    decode(b(batch))
    np.testing.assert_array_equal(decode(a(batch, seed=seed)), decode(b(batch, seed=seed)))


def test_identity_at_inference(layer_name):
    layer = shared(layer_name)
    batch = tf.constant([texts_for(layer_name), "Another text, with punctuation!"])
    out = decode(layer(batch, training=False))
    expected = decode(batch)
    if layer_name == "EDA":
        expected = np.repeat(expected[:, None], 3, axis=1)
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("shape", [(), (4,), (4, 1), (2, 3)])
def test_shapes(layer_name, shape):
    layer = shared(layer_name)
    texts = tf.fill(shape, texts_for(layer_name))
    out = layer(texts)
    extra = (3,) if layer_name == "EDA" else ()
    assert out.dtype == tf.string
    assert tuple(out.shape) == shape + extra
    assert tuple(layer.compute_output_shape(shape)) == shape + extra


def test_empty_and_single_word(layer_name):
    layer = shared(layer_name)
    out = decode(layer(tf.constant(["", "", "   "])))
    assert all(o == "" for o in np.ravel(out[:2]))
    if layer_name in ("RandomSwap", "RandomDeletion", "SentenceShuffle"):
        # A single word cannot be swapped, must not be deleted; one sentence stays.
        out = decode(layer(tf.constant(["word"] * 8)))
        assert set(np.ravel(out)) == {"word"}


def test_non_string_input_is_refused(layer_name):
    layer = shared(layer_name)
    with pytest.raises(TypeError, match=f"{layer_name}: expected a tf.string tensor.*float32"):
        layer(tf.zeros([2, 3]))


def test_tf_data_map(layer_name):
    layer = shared(layer_name)
    texts = tf.constant([texts_for(layer_name)] * 8)
    ds = tf.data.Dataset.from_tensor_slices(texts).map(
        layer, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True
    )
    out = [decode(x) for x in ds]
    extra = (3,) if layer_name == "EDA" else ()
    assert all(o.shape == extra for o in out)
    # Every element gets its own seed: copies of one text come out differently.
    assert len({tuple(np.ravel(o)) for o in out}) > 2


def test_model_save_and_load(tmp_path):
    inputs = keras.Input(shape=(1,), dtype="string")
    model = keras.Model(inputs, kt.RandomDeletion(0.5, seed=5)(inputs))
    path = tmp_path / "deletion.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    texts = tf.constant([[SENTENCE]] * 4)
    np.testing.assert_array_equal(decode(loaded(texts, training=False)), decode(texts))
    np.testing.assert_array_equal(decode(loaded.predict(texts, verbose=0)), decode(texts))
    out = decode(loaded(texts, training=True))
    assert out.shape == (4, 1) and (out != SENTENCE).any()
    assert not loaded.layers[1].supports_jit  # string ops: no XLA


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: kt.SynonymReplacement(rate=1.5), r"SynonymReplacement: `rate` must lie within"),
        (lambda: kt.RandomSwap(rate=-0.1), r"RandomSwap: `rate`"),
        (lambda: kt.RandomDeletion(rate="a"), r"RandomDeletion: `rate` must be a number"),
        (lambda: kt.EDA(num_aug=0), r"EDA: `num_aug` must be a positive integer"),
        (lambda: kt.EDA(p_rd=2.0), r"EDA: `p_rd`"),
        (
            lambda: kt.RandomCharNoise(operations=("typo", "shout")),
            r"RandomCharNoise: `operations`",
        ),
        (lambda: kt.SynonymReplacement(thesaurus=42), r"SynonymReplacement: `thesaurus` must be"),
        (
            lambda: kt.RandomInsertion(thesaurus="/no/such/file.tsv"),
            r"RandomInsertion: thesaurus file",
        ),
        (lambda: kt.SynonymReplacement(stop_words="the"), r"SynonymReplacement: `stop_words`"),
        (lambda: kt.SentenceShuffle(seed=1.5), r"SentenceShuffle: `seed` must be an integer"),
    ],
)
def test_bad_arguments_fail_at_construction(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# ----- synonyms ----------------------------------------------------------------


def test_replacement_uses_only_real_wordnet_synonyms():
    layer = kt.SynonymReplacement(rate=1.0, seed=0)
    out = decode(layer(tf.constant(["car"] * 40 + ["movie"] * 40)))
    assert set(out[:40]) <= CAR and len(set(out[:40])) == 3
    assert set(out[40:]) <= MOVIE and len(set(out[40:])) > 5


def test_stop_words_and_unknown_words_are_never_replaced():
    layer = kt.SynonymReplacement(rate=1.0, seed=0)
    out = decode(layer(tf.constant(["the car of xyzzyq"] * 20)))
    for line in out:
        words = line.split(" ")
        assert words[0] == "the" and words[-2:] == ["of", "xyzzyq"]
        assert " ".join(words[1:-2]) in CAR


def test_rate_sets_the_number_of_replacements():
    # Ten replaceable words, rate 0.3: exactly three are replaced in every text.
    thesaurus = {f"w{i}": [f"s{i}"] for i in range(10)}
    sentence = " ".join(thesaurus)
    layer = kt.SynonymReplacement(rate=0.3, thesaurus=thesaurus, seed=1)
    out = decode(layer(tf.constant([sentence] * 10)))
    for line in out:
        words = line.split()
        assert len(words) == 10 and sum(w.startswith("s") for w in words) == 3
        assert all(w in (f"w{i}", f"s{i}") for i, w in enumerate(words))
    assert len(set(out)) > 3


def test_punctuation_and_case_survive_replacement():
    layer = kt.SynonymReplacement(rate=1.0, seed=2)
    out = decode(layer(tf.constant(['"Car," she was.', "CAR!", "(car)"] * 10)))
    titled = {w.capitalize() for w in CAR}
    for line in out[0::3]:
        head, rest = line.split(",", 1)
        assert head[0] == '"' and head[1:] in titled and rest == '" she was.'
    for line in out[1::3]:
        assert line[-1] == "!" and line[:-1] in {w.upper() for w in CAR}
    for line in out[2::3]:
        assert line[0] == "(" and line[-1] == ")" and line[1:-1] in CAR


def test_unicode_survives_word_layers():
    text = "Über café 東京 car naïve 😀 résumé"
    for layer in (
        kt.SynonymReplacement(rate=1.0, seed=1),
        kt.RandomSwap(rate=0.5, seed=1),
        kt.RandomInsertion(rate=0.5, seed=1),
    ):
        for line in decode(layer(tf.constant([text] * 5))):
            for word in ("café", "東京", "naïve", "😀", "résumé", "Über"):
                assert word in line, (layer.name, line)


def test_inflected_words_find_their_lemma():
    mapping = read_thesaurus_file(SHIPPED_THESAURUS)
    out = decode(kt.SynonymReplacement(rate=1.0, seed=3)(tf.constant(["cars"] * 20)))
    assert set(out) <= set(mapping["car"])


def test_user_thesaurus_dict_and_file(tmp_path):
    layer = kt.SynonymReplacement(rate=1.0, thesaurus={"Alpha": ["beta", "gamma"]}, seed=1)
    out = decode(layer(tf.constant(["alpha."] * 20)))
    assert set(out) == {"beta.", "gamma."}
    assert kt.SynonymReplacement.from_config(layer.get_config()).thesaurus == layer.thesaurus
    path = tmp_path / "mine.tsv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("# my words\nfrog\ttoad|crapaud\n")
    out = decode(
        kt.SynonymReplacement(rate=1.0, thesaurus=str(path), seed=1)(tf.constant(["Frog"] * 20))
    )
    assert set(out) == {"Toad", "Crapaud"}


# ----- insertion, swap, deletion, EDA ---------------------------------------------


def test_insertion_keeps_the_sentence_and_adds_synonyms():
    sentence = "cheap movie"
    out = decode(kt.RandomInsertion(rate=1.0, seed=4)(tf.constant([sentence] * 30)))
    for line in out:
        # Two words, rate 1: two synonyms of "cheap" or "movie" inserted, originals in order.
        rest = line
        for word in ("cheap", "movie"):
            assert word in rest
            rest = rest.split(word, 1)[1]
        extra = line
        for word in ("cheap", "movie"):
            extra = extra.replace(word, "", 1)
        inserted = extra.split()
        assert 2 <= len(inserted) <= 6  # multi-word synonyms count more than one
    assert len(set(out)) > 5


def test_swap_keeps_the_multiset_of_words():
    out = decode(kt.RandomSwap(rate=0.5, seed=5)(tf.constant([SENTENCE] * 20)))
    for line in out:
        assert collections.Counter(line.split()) == collections.Counter(SENTENCE.split())
    assert sum(line != SENTENCE for line in out) >= 18


def test_deletion_never_empties_and_keeps_order():
    out = decode(kt.RandomDeletion(rate=1.0, seed=6)(tf.constant([SENTENCE] * 20)))
    assert all(len(line.split()) == 1 and line in SENTENCE.split() for line in out)
    out = decode(kt.RandomDeletion(rate=0.5, seed=6)(tf.constant([SENTENCE] * 50)))
    counts = [len(line.split()) for line in out]
    assert 4 < np.mean(counts) < 10  # 14 words, each kept with probability 0.5
    for line in out:
        words = iter(SENTENCE.split())
        assert all(any(w == v for v in words) for w in line.split())  # a subsequence


def test_eda_variants_and_per_operation_alphas():
    texts = tf.constant([SENTENCE, "happy car"])
    out = decode(shared("EDA")(texts))
    assert out.shape == (2, 3)
    assert len(set(out[0])) >= 2
    # Only swaps enabled: every variant is a permutation of the words.
    out = decode(kt.EDA(alpha_sr=0, alpha_ri=0, alpha_rs=0.2, p_rd=0, num_aug=4, seed=1)(texts))
    assert out.shape == (2, 4)
    for row, text in zip(out, [SENTENCE, "happy car"]):
        for line in row:
            assert sorted(line.split()) == sorted(text.split()) and line != text


# ----- sentences and characters ----------------------------------------------------


def test_sentence_shuffle_keeps_the_multiset_of_sentences():
    sentences = ["First one here.", "Then a second!", "Is this the third?", "“Quoted,” she said."]
    text = "  ".join(sentences)
    out = decode(kt.SentenceShuffle(seed=3)(tf.constant([text] * 20)))
    for line in out:
        parts = kt.split_sentences(tf.constant([line]))[0].numpy()
        assert sorted(p.decode() for p in parts) == sorted(sentences)
    assert len(set(out)) > 5
    out = decode(kt.SentenceShuffle(rate=0.0, seed=3)(tf.constant([text] * 5)))
    assert set(out) == {text}


def test_char_noise_rates_and_unicode():
    text = "Typing quickly on a keyboard makes mistakes in café naïve 東京."
    n = len(text)
    swaps = decode(
        kt.RandomCharNoise(rate=0.3, operations="swap", seed=1)(tf.constant([text] * 20))
    )
    for line in swaps:
        assert collections.Counter(line) == collections.Counter(text) and len(line) == n
    deletions = decode(
        kt.RandomCharNoise(rate=0.3, operations=["delete"], seed=1)(tf.constant([text] * 20))
    )
    lost = [n - len(line) for line in deletions]
    assert 5 < np.mean(lost) < 25  # 54 letters and digits, each hit with probability 0.3
    typos = decode(kt.RandomCharNoise(rate=1.0, operations="typo", seed=1)(tf.constant(["Gg"])))[0]
    near = kt.characters.KEYBOARD_NEIGHBOURS["g"]
    assert typos[0] in near.upper() and typos[1] in near
    # Non-ASCII letters have no keyboard neighbours: typos leave them alone.
    out = decode(kt.RandomCharNoise(rate=1.0, operations="typo", seed=1)(tf.constant(["é東"])))
    assert out[0] == "é東"


def test_char_noise_never_empties_a_text():
    out = decode(
        kt.RandomCharNoise(rate=1.0, operations="delete", seed=1)(tf.constant(["ab", "x"]))
    )
    assert all(len(line) > 0 for line in out)


# ----- back-translation ----------------------------------------------------------------


def test_back_translation_with_a_user_function():
    calls = []

    def translate(texts, source, target):
        calls.append((list(texts), source, target))
        return [f"[{target}] {t}" for t in texts]

    layer = kt.BackTranslation(translator=translate, source="en", pivot="fr", rate=1.0, seed=1)
    out = decode(layer(tf.constant([["a b"], ["c"]])))
    assert out.tolist() == [["[en] [fr] a b"], ["[en] [fr] c"]]
    assert [c[1:] for c in calls] == [("en", "fr"), ("fr", "en")]
    half = decode(
        kt.BackTranslation(translator=translate, rate=0.5, seed=1)(tf.constant(["x"] * 40))
    )
    assert 8 < sum(o != "x" for o in half) < 32
    assert decode(layer(tf.constant(["a"]), training=False)).tolist() == ["a"]
    with pytest.raises(ValueError, match="cannot be serialised"):
        layer.get_config()


def test_missing_engine_names_the_debian_packages():
    translator = kt.ApertiumTranslator(executable="apertium-not-installed-here")
    with pytest.raises(RuntimeError, match="apertium and apertium-eng-spa"):
        translator.check("eng-spa")


@pytest.mark.skipif(shutil.which("apertium") is None, reason="the apertium binary is not installed")
def test_apertium_round_trips_real_sentences():
    layer = kt.BackTranslation(seed=1)
    texts = tf.constant(
        ["The cat sat on the mat.", "I like green apples very much.", "", "The house is big."]
    )
    out = decode(layer(texts))
    assert out[2] == ""
    assert "cat" in out[0] and "apples" in out[1] and "house" in out[3]
    assert out[0] != "The cat sat on the mat."  # Apertium: "The cat seated in the mat."
    # It also runs inside tf.data (Apertium is deterministic: same paraphrases).
    ds = tf.data.Dataset.from_tensor_slices(texts).batch(4).map(layer)
    assert [x.decode() for x in next(iter(ds)).numpy()] == list(out)
    assert kt.BackTranslation.from_config(layer.get_config()).translator == "apertium"


@pytest.mark.skipif(shutil.which("apertium") is None, reason="the apertium binary is not installed")
def test_apertium_pipeline_stays_up_and_agrees_with_the_command(tmp_path):
    from keras_augment.text import translation

    texts = [
        "The cat sat on the mat.",
        "go home",
        "a [b] ^c$ @d /e <f> {g} ~ h \\ i",
        "",
        "Tom's  café — naïve!",
    ]
    translator = kt.ApertiumTranslator()
    first = translator(texts, "eng", "spa")
    started = list(translation._STARTED)
    assert started and all(pipe.process.poll() is None for pipe in started)
    # Later calls, from any translator, reuse the running pipeline.
    assert kt.ApertiumTranslator()(texts, "eng", "spa") == first
    assert translation._STARTED == started
    assert first[3] == "" and first[1] == "Va casa"  # each text is a paragraph of its own
    assert "[b]" in first[2] and "^c$" in first[2] and "~" in first[2] and "\\" in first[2]
    # The plain command (used when no pipeline is found) gives the same translations.
    wrapper = tmp_path / "apertium"
    wrapper.write_text('#!/bin/sh\nexec apertium "$@"\n')
    wrapper.chmod(0o755)
    assert translation._pipeline_command(str(wrapper), "eng-spa") is None
    assert kt.ApertiumTranslator(executable=str(wrapper))(texts, "eng", "spa") == first


def test_non_ascii_thesaurus_keys_match_case_insensitively():
    layer = kt.SynonymReplacement(rate=1.0, thesaurus={"café": ["bistro"]}, seed=1)
    assert decode(layer(tf.constant(["CAFÉ!", "Café", "café"]))).tolist() == [
        "BISTRO!",
        "Bistro",
        "bistro",
    ]


def test_trains_at_the_top_of_a_model_before_text_vectorization():
    texts = tf.constant([["the big dog runs"], ["a happy cat sleeps"]] * 8)
    labels = np.array([0, 1] * 8)
    vectorize = keras.layers.TextVectorization(max_tokens=50, output_sequence_length=6)
    vectorize.adapt(tf.reshape(texts, [-1]))
    inputs = keras.Input(shape=(1,), dtype="string")
    hidden = vectorize(kt.RandomDeletion(0.3, seed=2)(inputs))
    hidden = keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(50, 4)(hidden))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(hidden))
    model.compile("adam", "sparse_categorical_crossentropy")
    history = model.fit(texts, labels, epochs=2, batch_size=8, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert model.predict(texts, verbose=0).shape == (16, 2)


# ----- the word-position kernels: each output comes from its own text ----------------

MIXED = [
    "",
    "The happy dog runs after the big red car near the station today.",
    "word",
    "Quick cars, glad dogs and happy people!",
    "   ",
    "A  second   text\twith odd  spacing and a happy ending",
    "happy car",
]
TOY = {f"w{i}": [f"s{i}"] for i in range(12)}


def test_eda_single_operations_keep_each_variant_tied_to_its_text():
    texts = tf.constant(MIXED)
    swaps = decode(kt.EDA(0, 0, 0.5, 0, num_aug=5, seed=2)(texts))
    deletions = decode(kt.EDA(0, 0, 0, 0.5, num_aug=5, seed=2)(texts))
    for text, swapped, deleted in zip(MIXED, swaps, deletions):
        words = text.split()
        for line in swapped:
            assert collections.Counter(line.split()) == collections.Counter(words)
        for line in deleted:
            kept = iter(words)
            assert all(any(w == v for v in kept) for w in line.split())  # a subsequence
            assert (len(line.split()) >= 1) == (len(words) >= 1)
        if len(words) < 2:  # nothing to swap or delete: the text, byte for byte
            assert set(swapped) == set(deleted) == {text}
    assert all(len(set(row)) > 1 for row in swaps[[1, 3, 5]])


def test_eda_deletion_of_everything_keeps_one_word():
    out = decode(kt.EDA(0, 0, 0, 1.0, num_aug=6, seed=4)(tf.constant(MIXED)))
    for text, row in zip(MIXED, out):
        words = text.split()
        for line in row:
            assert line == text if len(words) <= 1 else line in words


def test_replacement_count_follows_alpha_per_text():
    # Texts of 12, 7 and 3 toy words, alpha 0.3: 3, 2 and 1 replacements.
    texts = [" ".join(f"w{i}" for i in range(k)) for k in (12, 7, 3)]
    layer = kt.EDA(0.3, 0, 0, 0, num_aug=8, thesaurus=TOY, seed=5)
    out = decode(layer(tf.constant(texts)))
    for text, row, expected in zip(texts, out, (3, 2, 1)):
        originals = text.split()
        for line in row:
            words = line.split()
            assert len(words) == len(originals)
            assert all(w == o or w == "s" + o[1:] for w, o in zip(words, originals))
            assert sum(w != o for w, o in zip(words, originals)) == expected
        assert len(set(row)) > 1


def test_insertion_count_order_and_gaps():
    texts = [" ".join(f"w{i}" for i in range(k)) for k in (10, 4)]
    layer = kt.RandomInsertion(rate=0.3, thesaurus=TOY, seed=6)
    out = decode(layer(tf.constant(texts * 40)))
    first_gap, last_gap = 0, 0
    for line, text in zip(out, texts * 40):
        originals, words = text.split(), line.split()
        assert [w for w in words if w.startswith("w")] == originals  # originals in order
        inserted = [w for w in words if w.startswith("s")]
        assert len(inserted) == max(1, int(0.3 * len(originals)))
        # Each inserted word is a synonym of a word of its own text.
        assert all("w" + w[1:] in originals for w in inserted)
        first_gap += words[0].startswith("s")
        last_gap += words[-1].startswith("s")
    assert first_gap > 0 and last_gap > 0  # before the first and after the last word happen


def test_unchanged_outputs_are_the_text_byte_for_byte():
    texts = tf.constant(["the  of\tand ", "  xyzzy  ", "the the"])
    assert decode(kt.SynonymReplacement(1.0, seed=1)(texts)).tolist() == decode(texts).tolist()
    assert decode(kt.RandomInsertion(1.0, seed=1)(texts)).tolist() == decode(texts).tolist()
    # Swapping two copies of one word changes nothing (one swap of three words).
    same = tf.constant(["the  the\tthe"] * 4)
    assert decode(kt.RandomSwap(0.5, seed=1)(same)).tolist() == ["the  the\tthe"] * 4
    # One odd text among single-spaced ones is still restored, whether its
    # bytes give it away (a trailing space) or only its whitespace (a tab).
    for odd in ("the and ", "the\tand", "the\nand"):
        texts = tf.constant(["the of", odd, "xyzzy"])
        out = decode(kt.SynonymReplacement(1.0, seed=1)(texts)).tolist()
        assert out == ["the of", odd, "xyzzy"]


def test_edge_punctuated_thesaurus_keys_are_not_matched_by_words():
    # "Dr." has the core "Dr", so it finds "dr", never the key "dr." (as before).
    thesaurus = {"dr.": ["doctor"], "dr": ["drive"], "cars": ["autos"], "car": ["auto"]}
    layer = kt.SynonymReplacement(rate=1.0, thesaurus=thesaurus, seed=1)
    out = decode(layer(tf.constant(["Dr.", "dr", "(cars,", "CAR."])))
    assert out.tolist() == ["Drive.", "drive", "(autos,", "AUTO."]
    # Likewise a stop word with edge punctuation never matches a word's core.
    layer = kt.SynonymReplacement(rate=1.0, stop_words=["'car"], seed=1)
    assert set(decode(layer(tf.constant(["'car"] * 20)))) <= {"'" + w for w in CAR}
    # With no stop words at all, "a" is replaced too (WordNet knows the letter and unit).
    layer = kt.SynonymReplacement(rate=1.0, stop_words=[], seed=1)
    assert "a" not in set(decode(layer(tf.constant(["a"] * 20))))
    assert set(decode(kt.SynonymReplacement(rate=1.0, seed=1)(tf.constant(["a"] * 4)))) == {"a"}


def test_many_sequential_swaps_keep_the_words():
    out = decode(kt.RandomSwap(rate=1.0, seed=7)(tf.constant([SENTENCE, "", "a b", "x"] * 5)))
    for line, text in zip(out, [SENTENCE, "", "a b", "x"] * 5):
        assert collections.Counter(line.split()) == collections.Counter(text.split())
    # Two words at rate 1: two swaps in a row, which restore the text.
    assert set(out[2::4]) == {"a b"}
    assert len(set(out[0::4])) > 2
