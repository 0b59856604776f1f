"""The documentation site builds with ``mkdocs build --strict``, its gallery shows every layer in
a real browser, and no internal link or anchor of any page is broken.

The browser is the system's Chromium (Debian package ``chromium``), driven by Playwright; nothing
is downloaded. Without ``chromium`` or ``espeak-ng`` (the gallery's speech) the test is skipped
with the reason.
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import os
import shutil
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path

import pytest

import keras_augment as ka

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = [
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason="needs chromium (apt-get install chromium)"
    ),
    pytest.mark.skipif(
        shutil.which("espeak-ng") is None,
        reason="the gallery needs espeak-ng (apt-get install espeak-ng)",
    ),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        TF_CPP_MIN_LOG_LEVEL="3",
        MPLBACKEND="Agg",
        NO_MKDOCS_2_WARNING="1",
        DISABLE_MKDOCS_2_WARNING="true",
    )
    env.pop("KERAS_BACKEND", None)
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-5000:]
    return out


@pytest.fixture(scope="module")
def server(site):
    handler = functools.partial(QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_gallery_shows_every_layer_in_a_browser(server):
    from playwright.sync_api import sync_playwright

    layers = ka.registered_layers()
    pictured = [i.name for i in layers if i.kind in ("image", "audio")]
    text_layers = [i.name for i in layers if i.kind == "text"]
    assert len(pictured) > 50 and len(text_layers) >= 8
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            failed = []
            requested = []
            page.on("request", lambda request: requested.append(request.url))
            page.on("requestfailed", lambda request: failed.append(request.url))
            response = page.goto(f"{server}/gallery/", wait_until="load")
            assert response.status == 200
            widths = page.evaluate(
                """() => Object.fromEntries([...document.querySelectorAll('img.gallery-figure')]
                    .map(img => [img.dataset.layer, img.complete ? img.naturalWidth : 0]))"""
            )
            texts = page.evaluate(
                """() => Object.fromEntries([...document.querySelectorAll('.gallery-text')]
                    .map(div => [div.id.slice(5), div.querySelectorAll('tbody tr').length]))"""
            )
        finally:
            browser.close()
    assert not failed, failed
    # The site is self-contained: nothing is fetched from another host.
    assert all(url.startswith(server) for url in requested), requested
    missing = sorted(set(pictured) - set(widths))
    assert not missing, f"layers without a figure in the gallery: {missing}"
    broken = sorted(name for name, width in widths.items() if width <= 0)
    assert not broken, f"figures that did not load: {broken}"
    assert sorted(texts) == sorted(text_layers)
    # Each text layer: the sentence before, and at least one augmented version.
    assert all(rows >= 2 for rows in texts.values()), texts


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        for name in ("href", "src"):
            if attrs.get(name) and not (tag == "link" and attrs.get("rel") == "canonical"):
                self.links.append(attrs[name])


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _target(site: Path, page: Path, link: str) -> tuple[Path | None, str]:
    url = urllib.parse.urlsplit(link)
    if url.scheme or url.netloc or link.startswith(("mailto:", "javascript:", "data:")):
        return None, ""
    if not url.path:
        return page, url.fragment
    path = (site / url.path.lstrip("/")) if url.path.startswith("/") else page.parent / url.path
    path = Path(os.path.normpath(urllib.parse.unquote(str(path))))
    if path.is_dir():
        path = path / "index.html"
    return path, url.fragment


def test_no_internal_link_or_anchor_is_broken(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 15
    parsed = {page: _parse(page) for page in pages}
    broken = []
    for page, links in parsed.items():
        for link in links.links:
            target, fragment = _target(site, page, link)
            if target is None:
                continue
            where = f"{page.relative_to(site)}: {link}"
            if not target.exists():
                broken.append(where)
            elif fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else _parse(target).ids
                if fragment not in ids:
                    broken.append(where + " (no such anchor)")
    assert not broken, "\n".join(broken)


def test_api_reference_documents_every_exported_layer(site):
    ids = set()
    for page in (site / "api").rglob("*.html"):
        ids |= _parse(page).ids
    documented = {i.rsplit(".", 1)[-1] for i in ids if i.startswith("keras_augment.")}
    missing = sorted({i.name for i in ka.registered_layers()} - documented)
    assert not missing, f"exported layers missing from the API reference: {missing}"


def test_the_site_names_the_package_version(site):
    """The version shown in the docs comes from the package's one source."""
    assert f"keras_augment {ka.__version__}" in (site / "index.html").read_text(encoding="utf-8")
