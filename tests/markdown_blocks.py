"""Python code blocks of the project's Markdown pages, grouped so that they can be run.

A page is cut into sections at its level-2 headings (``## ...``); the Python blocks of one
section run in order in one fresh namespace, so a block may use names an earlier block of the
same section defined, and nothing else. The sections of a group of pages share one interpreter
(imports are paid once), except a section that sets ``KERAS_BACKEND``, which gets its own. A block that cannot run as a test (it needs a server,
or hours) is preceded by ``<!-- skip-test: the reason -->``; the reason is required.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([\w+-]*)")
_SKIP = re.compile(r"^\s*<!--\s*skip-test:(.*?)-->\s*$")


@dataclass
class Block:
    path: Path
    line: int  # 1-based line of the opening fence
    language: str
    code: str
    skip_reason: str | None = None


@dataclass
class Section:
    path: Path
    title: str
    line: int
    blocks: list[Block] = field(default_factory=list)

    @property
    def python(self) -> list[Block]:
        return [b for b in self.blocks if b.language in ("python", "py")]

    @property
    def runnable(self) -> list[Block]:
        return [b for b in self.python if b.skip_reason is None]

    @property
    def id(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-")
        return f"{self.path.relative_to(ROOT)}:{self.line}:{slug}"


def parse(path: Path) -> tuple[list[Section], list[tuple[int, str]]]:
    """The sections of a Markdown file and its ``skip-test`` markers ``(line, reason)``.

    A marker applies to the next fenced block, with only blank lines between them.
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    sections = [Section(path, "(top)", 1)]
    markers: list[tuple[int, str]] = []
    pending_skip: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        skip = _SKIP.match(line)
        if fence:
            indent, marker, language = fence.groups()
            start = i
            body = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(marker):
                body.append(lines[i][len(indent) :] if lines[i].startswith(indent) else lines[i])
                i += 1
            sections[-1].blocks.append(
                Block(path, start + 1, language.lower(), "\n".join(body) + "\n", pending_skip)
            )
            pending_skip = None
        elif skip:
            markers.append((i + 1, skip.group(1).strip()))
            pending_skip = skip.group(1).strip() or "(no reason given)"
        elif line.startswith("## "):
            sections.append(Section(path, line[3:].strip(), i + 1))
            pending_skip = None
        elif line.strip():
            pending_skip = None
        i += 1
    return sections, markers


def script(sections: list[Section], folder: Path) -> str:
    """A program running each section's blocks in order, from files written into ``folder``.

    Each section gets a fresh namespace (they share the interpreter, so imports are paid
    once). Each block is a real file (``README.md-line-67.py``), so tracebacks name the page
    and line, and code that reads its own source (AutoGraph converting a lambda) finds it.
    """
    parts = []
    for section in sections:
        parts.append("_namespace = {'__name__': '__main__'}\n")
        for block in section.runnable:
            file = folder / f"{block.path.name}-line-{block.line}.py"
            file.write_text(block.code, encoding="utf-8")
            parts.append(
                f"exec(compile(open({str(file)!r}).read(), {str(file)!r}, 'exec'), _namespace)\n"
            )
    return "".join(parts)


def needs_own_process(section: Section) -> bool:
    """A section that chooses the Keras backend must run before anything imported Keras."""
    return any("KERAS_BACKEND" in block.code for block in section.runnable)


def groups(paths: list[Path]) -> list[list[Section]]:
    """The runnable sections of ``paths``, grouped by the interpreter they run in."""
    sections = [s for path in paths for s in parse(path)[0] if s.runnable]
    shared = [s for s in sections if not needs_own_process(s)]
    return ([shared] if shared else []) + [[s] for s in sections if needs_own_process(s)]
