"""Back-translation: paraphrases by translating to a pivot language and back.

The translation itself is not a TensorFlow op: it runs in Python through
``tf.py_function``, so :class:`BackTranslation` works eagerly and inside
``tf.data`` pipelines, but a model holding it cannot be exported as a graph
(SavedModel, TFLite) or serve without Python.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Sequence

import numpy as np
import tensorflow as tf

from keras_augment.core.base import register
from keras_augment.core.random import split_seed, uniform01
from keras_augment.core.validation import check_number
from keras_augment.text.base import TextAugmentation

#: ``translate(texts, source, target) -> texts``: the interface every backend implements.
TranslateFn = Callable[[Sequence[str], str, str], Sequence[str]]

_INSTALL_HINT = (
    "install the Debian packages apertium and apertium-eng-spa "
    "(sudo apt-get install apertium apertium-eng-spa)"
)


class ApertiumTranslator:
    """Machine translation with the Apertium engine (``apertium <source>-<target>``).

    Texts go through one ``apertium`` process per call, one text per line;
    line breaks inside a text become spaces. Unknown words are passed through
    unmarked (``apertium -u``). English and Spanish (``eng``, ``spa``) come
    from the Debian package ``apertium-eng-spa``; other installed pairs work
    the same way.

    Args:
        executable: the ``apertium`` command.
        timeout: seconds allowed for one translation call.
    """

    def __init__(self, executable: str = "apertium", timeout: float = 120.0):
        self.executable = executable
        self.timeout = timeout

    def available_pairs(self) -> list[str]:
        """The installed language pairs (``apertium -l``); raises when the engine is missing."""
        path = shutil.which(self.executable)
        if path is None:
            raise RuntimeError(
                f"BackTranslation: the Apertium engine ({self.executable!r}) is not installed; "
                f"{_INSTALL_HINT}."
            )
        listing = subprocess.run(
            [path, "-l"], capture_output=True, text=True, timeout=self.timeout, check=False
        )
        return listing.stdout.split()

    def check(self, *pairs: str) -> None:
        """Raises a clear error unless every ``source-target`` pair is installed."""
        installed = self.available_pairs()
        missing = [pair for pair in pairs if pair not in installed]
        if missing:
            raise RuntimeError(
                f"BackTranslation: Apertium lacks the language pair(s) {missing} "
                f"(installed: {installed}); {_INSTALL_HINT}, or the package of that pair."
            )

    def __call__(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        if not texts:
            return []
        lines = [" ".join(text.split()) for text in texts]
        result = subprocess.run(
            [self.executable, "-u", f"{source}-{target}"],
            input="\n".join(lines) + "\n",
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=self.timeout,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"BackTranslation: `apertium -u {source}-{target}` failed "
                f"(exit {result.returncode}): {result.stderr.strip()}"
            )
        out = result.stdout.split("\n")
        if out and out[-1] == "":
            out = out[:-1]
        if len(out) != len(lines):
            raise RuntimeError(
                f"BackTranslation: Apertium returned {len(out)} lines for {len(lines)} texts."
            )
        # Apertium leaves a trailing space after some lines; empty texts stay empty.
        return [o.strip() if line else "" for o, line in zip(out, lines)]


@register
class BackTranslation(TextAugmentation):
    """Paraphrases texts by translating them to a pivot language and back.

    Each text is back-translated with probability ``rate`` (drawn per text
    from the layer's stateless seed); the others pass through unchanged. The
    chosen texts of one call are translated together, in two batched calls
    of the translator (``source -> pivot``, ``pivot -> source``).

    Not graph-native: the translator runs in Python inside
    ``tf.py_function``. The layer works when called directly and in
    ``tf.data`` maps (the recommended place), but cannot be saved into a
    model graph (SavedModel export, TFLite, serving without Python), and
    XLA does not apply. Apertium is rule-based and deterministic, so a given
    sentence always gets the same paraphrase.

    Args:
        translator: ``"apertium"`` (the default; needs the Debian packages
            ``apertium`` and ``apertium-eng-spa``, checked at construction
            with an error naming them), or any callable
            ``translate(texts: list[str], source: str, target: str) -> list[str]``.
        source: language code of the input texts (Apertium: ``"eng"``).
        pivot: language code to translate through (Apertium: ``"spa"``).
        rate: probability that a text is back-translated, in ``[0, 1]``.
        seed: integer seed, or ``None``.

    Only the ``"apertium"`` translator survives ``get_config``; a layer built
    with a callable refuses to serialise.
    """

    def __init__(
        self,
        translator: str | TranslateFn = "apertium",
        source: str = "eng",
        pivot: str = "spa",
        rate: float = 1.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        name = self.__class__.__name__
        self.rate = check_number(name, "rate", rate, low=0.0, high=1.0)
        for arg, value in (("source", source), ("pivot", pivot)):
            if not isinstance(value, str) or not value:
                raise ValueError(f"{name}: `{arg}` must be a language code; got {value!r}.")
        self.source, self.pivot = source, pivot
        if translator == "apertium":
            backend = ApertiumTranslator()
            backend.check(f"{source}-{pivot}", f"{pivot}-{source}")
        elif callable(translator):
            backend = translator
        else:
            raise ValueError(
                f"{name}: `translator` must be 'apertium' or a callable "
                f"translate(texts, source, target) -> texts; got {translator!r}."
            )
        self.translator = translator
        self._backend = backend

    def back_translate(self, texts: Sequence[str]) -> list[str]:
        """Python strings in, paraphrases out (``source -> pivot -> source``)."""
        texts = list(texts)
        pivot = list(self._backend(texts, self.source, self.pivot))
        back = list(self._backend(pivot, self.pivot, self.source))
        if len(pivot) != len(texts) or len(back) != len(texts):
            raise RuntimeError(
                f"BackTranslation: the translator returned {len(back)} texts for {len(texts)}."
            )
        return back

    def _py_translate(self, strings: tf.Tensor) -> np.ndarray:
        texts = [s.decode("utf-8") for s in strings.numpy()]
        return np.array([t.encode("utf-8") for t in self.back_translate(texts)], dtype=object)

    def augment_strings(self, strings, seed):
        chosen = uniform01(tf.shape(strings), split_seed(seed, 1)) < self.rate
        at = tf.where(chosen)
        picked = tf.gather_nd(strings, at)
        translated = tf.py_function(self._py_translate, [picked], tf.string)
        translated = tf.reshape(translated, tf.shape(picked))
        return tf.tensor_scatter_nd_update(strings, at, translated)

    def get_config(self) -> dict:
        if not isinstance(self.translator, str):
            raise ValueError(
                "BackTranslation: a layer built with a translate function cannot be "
                "serialised; only translator='apertium' can."
            )
        config = super().get_config()
        config.update(
            {
                "translator": self.translator,
                "source": self.source,
                "pivot": self.pivot,
                "rate": self.rate,
            }
        )
        return config
