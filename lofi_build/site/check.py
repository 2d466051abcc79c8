"""``lofi-build check``: build strictly into a temp dir, then verify links and the CSP on the output."""

from __future__ import annotations

import json
import logging
import tempfile
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from ..config import as_config
from ..errors import Collector
from . import csp
from .build import build

log = logging.getLogger("lofi_build")

# Elements and attributes that make the browser fetch something (so must stay on our origin).
_FETCHING = {("script", "src"), ("link", "href"), ("img", "src"), ("audio", "src"), ("video", "src"),
             ("source", "src"), ("iframe", "src"), ("embed", "src"), ("object", "data"), ("track", "src")}
_NAVIGATING = {("a", "href"), ("area", "href")}


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[tuple[int, str]] = []
        self.urls: list[tuple[int, str, bool]] = []  # (line, url, fetched)
        self._in_script = False
        self.meta_csp: str | None = None

    def handle_starttag(self, tag, attrs):
        line = self.getpos()[0]
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append((line, f"inline event handler '{name}' on <{tag}> (the CSP blocks it)"))
            if name == "style":
                self.problems.append((line, f"inline style attribute on <{tag}> (the CSP blocks it)"))
            if value and value.strip().lower().startswith("javascript:"):
                self.problems.append((line, f"javascript: URL in <{tag} {name}>"))
        if tag == "script":
            self._in_script = "src" not in values
        if tag == "style":
            self.problems.append((line, "inline <style> element (the CSP blocks it)"))
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "content-security-policy":
            self.meta_csp = values.get("content") or ""
        for name, value in attrs:
            if value is None:
                continue
            if (tag, name) in _FETCHING:
                self.urls.append((line, value, True))
            elif (tag, name) in _NAVIGATING:
                self.urls.append((line, value, False))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append((self.getpos()[0], "inline <script> (the CSP blocks it; use a file)"))


def _check_url(page: Path, site: Path, url: str, fetched: bool, base_path: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme in ("mailto", "tel", "data") or url.startswith("#"):
        return None
    if parts.scheme or parts.netloc:
        if fetched:
            return f"loads {url} from another origin (everything the page loads must be served by the site)"
        return None  # a link to another site is fine
    path = unquote(parts.path)
    if not path:
        return None
    if path.startswith("/"):
        if not path.startswith(base_path):
            return f"{url} is outside the base path {base_path}"
        target = site / path[len(base_path):]
    else:
        target = page.parent / path
    target = Path(*PurePosixPath(str(target)).parts)
    if target.is_dir():
        target = target / "index.html"
    try:
        target.resolve().relative_to(site.resolve())
    except ValueError:
        return f"{url} points outside the site"
    if not target.is_file():
        return f"broken link: {url}"
    return None


def verify(site: Path, base_path: str, policy: str, errors: Collector, policy_file: Path | None = None) -> int:
    """Check every HTML page and manifest.json of a built site; return how many pages were checked."""
    directives = csp.parse(policy)
    script_src = directives.get("script-src", directives.get("default-src", []))
    if "'unsafe-inline'" in script_src or "'unsafe-eval'" in script_src:
        errors.error("the Content-Security-Policy allows inline script or eval in script-src", policy_file)
    if "blob:" not in script_src or "blob:" not in directives.get("worker-src", script_src):
        errors.error("the Content-Security-Policy must allow blob: in script-src and worker-src "
                     "(Tone.js runs its AudioWorklet and workers from blob: URLs)", policy_file)
    pages = sorted(site.rglob("*.html"))
    for page in pages:
        parser = _Page()
        parser.feed(page.read_text("utf-8"))
        for line, problem in parser.problems:
            errors.error(problem, page, line)
        if parser.meta_csp is not None and parser.meta_csp != csp.meta_policy(policy):
            errors.error("the <meta> Content-Security-Policy differs from netlify.toml's", page)
        for line, url, fetched in parser.urls:
            problem = _check_url(page, site, url, fetched, base_path)
            if problem:
                errors.error(problem, page, line)
    manifest = site / "manifest.json"
    data = json.loads(manifest.read_text("utf-8"))
    for section, entries in data.items():
        if not isinstance(entries, list):
            continue
        # Credits name where a sound came from: links a listener may follow, not files to fetch.
        fetched = section != "credits"
        for entry in entries:
            for value in _urls_in(entry):
                if not value:
                    continue
                problem = _check_url(manifest, site, value, fetched, base_path)
                if problem:
                    errors.error(f"{section}: {problem}", manifest)
    return len(pages)


def _urls_in(entry):
    if isinstance(entry, dict):
        for key, value in entry.items():
            if key in ("url", "midi") or (key == "urls" and isinstance(value, dict)):
                yield from (value.values() if isinstance(value, dict) else [value])
            elif isinstance(value, (dict, list)):
                yield from _urls_in(value)
    elif isinstance(entry, list):
        for item in entry:
            yield from _urls_in(item)


def check_site(config, seed=None, base_path=None) -> int:
    """``lofi-build check``: everything ``site --strict`` checks, plus links and the CSP (``config``
    loaded with ``strict=True``, or the config file)."""
    config = as_config(config, strict=True, seed=seed, base_path=base_path)
    policy = csp.policy(config.netlify_toml)
    with tempfile.TemporaryDirectory(prefix=".lofi-check-", dir=config.root) as tmp:
        site = Path(tmp) / "site"
        build(config, site, strict=True)
        errors = Collector()
        pages = verify(site, config.base_path, policy, errors, config.netlify_toml)
        for e in errors.errors:  # name pages as they will be published, not by the temp dir
            for i, d in enumerate(e.diagnostics):
                if d.path and str(d.path).startswith(str(site)):
                    rel = config.build_dir.relative_to(config.root) / Path(d.path).relative_to(site)
                    e.diagnostics[i] = type(d)(d.message, rel, d.line, d.col, d.severity)
        errors.raise_if_any()
    log.info("Checked content, %d pages, their links and the Content-Security-Policy: all good.", pages)
    return pages


__all__ = ["check_site", "verify"]
