"""Back-translation: paraphrases by translating to a pivot language and back.

The translation itself is not a TensorFlow op: it runs in Python through
``tf.py_function``, so :class:`BackTranslation` works eagerly and inside
``tf.data`` pipelines, but a model holding it cannot be exported as a graph
(SavedModel, TFLite) or serve without Python.
"""

from __future__ import annotations

import atexit
import os
import queue
import re
import select
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import tensorflow as tf

from keras_augment.core.random import split_seed, uniform01
from keras_augment.core.registry import register
from keras_augment.core.types import Seed
from keras_augment.core.validation import check_number
from keras_augment.text.base import TextAugmentation

#: ``translate(texts, source, target) -> texts``: the interface every backend implements.
TranslateFn = Callable[[Sequence[str], str, str], Sequence[str]]

_INSTALL_HINT = (
    "install the Debian packages apertium and apertium-eng-spa "
    "(sudo apt-get install apertium apertium-eng-spa)"
)


# The Apertium stream format's reserved characters, escaped in plain text;
# a tilde (a marker of the post-generator) and the spaces around it are
# formatting, as Apertium's own plain-text deformatter treats them.
_RESERVED = re.compile(r"([\\\[\]^$@/<>{}])")
_TILDE = re.compile(r"\s*~[\s~]*")
# In the output: a superblank "[...]" (formatting, kept verbatim) or an escape.
_STREAM_TOKEN = re.compile(r"\[((?:\\.|[^\]\\])*)\]|\\(.)", re.DOTALL)
# Each text is a paragraph of its own (so one text never changes the
# translation of the next), ending with a blank-line superblank. As Apertium's
# plain-text deformatter does, a text without final punctuation gets a period
# marked by an empty blank (".[]"), removed again from the output.
_PARAGRAPH = "[\n\n]"
_MARKED_END = ".[]"
_FINAL_PUNCTUATION = (".", "!", "?")


def _deformat(line: str) -> str:
    text = _TILDE.sub(lambda m: f"[{m.group(0)}]", _RESERVED.sub(r"\\\1", line))
    return text if line.endswith(_FINAL_PUNCTUATION) else text + _MARKED_END


def _reformat(paragraph: str) -> str:
    paragraph = paragraph.removesuffix(_MARKED_END)
    return _STREAM_TOKEN.sub(
        lambda m: _unescape(m.group(1)) if m.group(2) is None else m.group(2), paragraph
    )


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL)


class _ApertiumPipe:
    """One running Apertium pipeline for one language pair, in null-flush mode.

    Starting the pipeline (eleven programs loading their dictionaries) takes
    most of a second; a running one translates a batch in milliseconds. A
    batch is written as escaped lines followed by a NUL; the pipeline answers
    with the translated lines and a NUL.
    """

    def __init__(self, pipeline: str, timeout: float):
        env = dict(os.environ)
        if "utf" not in (env.get("LC_ALL") or env.get("LC_CTYPE") or env.get("LANG") or "").lower():
            env["LC_ALL"] = "C.UTF-8"
        self.timeout = timeout
        # $1 = -n: unknown words unmarked (``apertium -u``); $2: no tagger option.
        self.process = subprocess.Popen(
            ["bash", "-c", pipeline, "apertium", "-n", ""],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )

    def translate(self, lines: list[str]) -> list[str]:
        data = "".join(_deformat(line) + _PARAGRAPH for line in lines) + "\0"
        self.process.stdin.write(data.encode("utf-8"))
        self.process.stdin.flush()
        reply, deadline = b"", time.monotonic() + self.timeout
        out = self.process.stdout.fileno()
        while not reply.endswith(b"\0"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([out], [], [], left)[0]:
                raise RuntimeError(f"BackTranslation: Apertium gave no answer in {self.timeout} s.")
            chunk = os.read(out, 1 << 16)
            if not chunk:
                raise RuntimeError("BackTranslation: the Apertium pipeline stopped.")
            reply += chunk
        paragraphs = reply[:-1].decode("utf-8").split(_PARAGRAPH)
        return [_reformat(p) for p in paragraphs[: len(lines)]]

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()


# Idle pipelines per (process id, pipeline, timeout): each call takes one or
# starts one, and gives it back, so parallel tf.data calls run side by side
# and every later call finds a warm pipeline.
_PIPES: dict[tuple, tuple[str, queue.SimpleQueue] | None] = {}
_PIPES_LOCK = threading.Lock()
_STARTED: list[_ApertiumPipe] = []


@atexit.register
def _close_pipes() -> None:
    for pipe in _STARTED:
        pipe.close()


def _pipeline_command(executable: str, pair: str) -> str | None:
    """The shell pipeline of ``pair`` with null-flush flags, or ``None`` when not found."""
    path = shutil.which(executable)
    wblank = shutil.which("apertium-wblank-mode")
    if path is None or wblank is None:
        return None
    datadir = (
        os.environ.get("APERTIUM_DATADIR") or Path(path).resolve().parents[1] / "share/apertium"
    )
    mode = Path(datadir) / "modes" / f"{pair}.mode"
    if not mode.is_file():
        return None
    result = subprocess.run([wblank, "-z", str(mode)], capture_output=True, text=True, check=False)
    return result.stdout.strip() if result.returncode == 0 and result.stdout.strip() else None


class ApertiumTranslator:
    """Machine translation with the Apertium engine (``apertium <source>-<target>``).

    Each text is translated as a paragraph of its own (line breaks inside a
    text become spaces), so the texts of a batch never change each other's
    translation; unknown words are passed through unmarked (``apertium -u``).
    English and Spanish (``eng``, ``spa``) come from the Debian package
    ``apertium-eng-spa``; other installed pairs work the same way.

    The pair's pipeline is started once, on first use, and kept running in
    null-flush mode for the life of the Python process, shared by every
    translator and every ``tf.data`` worker thread (one more pipeline is
    started only when calls overlap). So only the first call pays the
    start-up (about half a second); later batches take milliseconds. Where
    the pipeline cannot be found (a custom ``executable``), each call runs
    ``apertium`` once, as a plain command.

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
        # Empty texts stay empty; the others go through as one batch.
        full = [line for line in lines if line]
        if not full:
            return lines
        out = self._persistent(full, f"{source}-{target}")
        if out is None:
            out = self._one_shot(full, source, target)
        if len(out) != len(full):
            raise RuntimeError(
                f"BackTranslation: Apertium returned {len(out)} texts for {len(full)}."
            )
        # Apertium leaves spaces around some paragraphs.
        translated = iter(o.strip() for o in out)
        return [next(translated) if line else "" for line in lines]

    def _persistent(self, lines: list[str], pair: str) -> list[str] | None:
        key = (os.getpid(), self.executable, pair, self.timeout)
        with _PIPES_LOCK:
            if key not in _PIPES:
                command = _pipeline_command(self.executable, pair)
                _PIPES[key] = None if command is None else (command, queue.SimpleQueue())
            entry = _PIPES[key]
        if entry is None:
            return None
        command, idle = entry
        try:
            pipe = idle.get_nowait()
        except queue.Empty:
            pipe = _ApertiumPipe(command, self.timeout)
            with _PIPES_LOCK:
                _STARTED.append(pipe)
        try:
            out = pipe.translate(lines)
        except BaseException:
            pipe.close()  # a pipeline in an unknown state is never reused
            raise
        idle.put(pipe)
        return out

    def _one_shot(self, lines: list[str], source: str, target: str) -> list[str]:
        result = subprocess.run(
            [self.executable, "-u", f"{source}-{target}"],
            input="\n\n".join(lines) + "\n",
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
        return result.stdout.rstrip("\n").split("\n\n")


@register(example={"rate": 0.5})
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
        seed: Seed = None,
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
        # Bytes that are not UTF-8 are replaced (U+FFFD) rather than failing the batch.
        texts = [s.decode("utf-8", errors="replace") for s in strings.numpy()]
        return np.array([t.encode("utf-8") for t in self.back_translate(texts)], dtype=object)

    def augment_strings(self, strings: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
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
