"""Shared fixtures: a throwaway project and real Chromium, the one place a test gets a browser (helpers live in support.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from support import CHROMIUM, CHROMIUM_ARGS, DEFAULTS, MINIMAL_CONFIG, MINIMAL_SONG, THEME, PageLog, need_tool, static_server


@pytest.fixture
def project(tmp_path) -> Path:
    """A small project: config, one song, and the real site_src."""
    root = tmp_path / "proj"
    (root / "content" / "songs").mkdir(parents=True)
    (root / "lofi.yaml").write_text(MINIMAL_CONFIG)
    (root / "content" / "songs" / "test-song.yaml").write_text(MINIMAL_SONG)
    shutil.copytree(THEME, root / "site_src")
    return root


@pytest.fixture(scope="module")
def browser():
    """Chromium for one module, closed after it (Playwright's sync API allows one instance at a
    time, so every browser test in every folder uses this one fixture)."""
    need_tool(CHROMIUM, "browser tests drive real Chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.log = PageLog(page)
    yield page
    context.close()


@pytest.fixture(scope="module")
def repo_page(browser):
    """A blank page served from the package's defaults, to import the theme's modules directly
    (``await import("/site_src/js/ai/mood.js")``)."""
    with static_server(DEFAULTS) as base:
        context = browser.new_context()
        page = context.new_page()
        page.goto(base + "__blank__.html")
        yield page
        context.close()
