"""The built page in real Chromium: it loads, plays a song, and the Transport runs cleanly."""

import pytest

from support import run_cli, static_server, wait_for

pytestmark = pytest.mark.browser


def test_page_plays_a_song_with_no_console_errors(project, page):
    run_cli("site", "-f", project / "lofi.yaml", check=True)
    with static_server(project / "build") as url:
        page.goto(url)
        wait_for(page, "window.lofi !== undefined")
        assert page.locator("#songs .track").count() == 1
        # No kit and no AI solos in this project: the page says so and still plays (synths).
        assert "No AI solos yet" in page.inner_text("#solos")
        page.click("#play")
        wait_for(page, "window.lofi.state().transport.state === 'started'")
        wait_for(page, "window.lofi.state().transport.seconds > 0.5")
        state = page.evaluate("window.lofi.state()")
        assert state["selected"]["track"] == "test-song"
        assert state["bpm"] == pytest.approx(90)
        assert state["transport"]["ppq"] == 480
        assert state["loops"]["song"] == 2
        page.click("#play")  # pause
        wait_for(page, "window.lofi.state().transport.state === 'paused'")
    assert page.log.errors == []
