"""Fixtures for the player's browser tests: the shipped site, built once under the /lofi/
sub-path with a fixture AI solo added, served with netlify.toml's headers (CSP included)."""

from __future__ import annotations

import pytest

from solos import add_fixture_solo
from support import ROOT, PageLog, run_cli, static_server, wait_for
from lofi_build.site import csp

BASE = "/lofi/"


@pytest.fixture(scope="session")
def player_site(tmp_path_factory):
    """build/ of the shipped project (real songs, grooves and sound kit) plus one fixture solo."""
    site = tmp_path_factory.mktemp("player") / "site"
    run_cli("site", "-f", ROOT / "lofi.yaml", "-d", site, "--base-path", BASE, "-q", check=True)
    add_fixture_solo(site)
    return site


@pytest.fixture(scope="session")
def player_url(player_site):
    with static_server(player_site, prefix=BASE, headers=csp.netlify_headers(ROOT / "netlify.toml")) as url:
        yield url


@pytest.fixture
def open_player(browser, player_url):
    """open_player(hash="", **context options) -> a page with window.lofi ready; `page.log`
    collects console errors and uncaught exceptions."""
    contexts = []

    def open_(hash_: str = "", **options):
        options.setdefault("viewport", {"width": 1280, "height": 800})
        context = browser.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        page.log = PageLog(page)
        page.goto(player_url + hash_)
        wait_for(page, "window.lofi !== undefined", timeout=30)
        return page

    yield open_
    for context in contexts:
        context.close()
