"""Live solos in Chromium: the worker's bar-aware generation and solo piece against Python's (make_pool on the
same dequantised weights), and what a bad request or weights file does."""

from __future__ import annotations

import json
import shutil

import pytest

from support import ROOT, THEME, PageLog, static_server
from lofi_build.config import Config
from lofi_build.model import export
from lofi_build.site import csp
from lofi_build.site.facts import facts

from lofi_build.model import pool
from lofi_build.music.chord_table import chord_table
from lofi_build.music.progression import parse_progression
from lofi_build.site.build import dumps

pytestmark = pytest.mark.browser

SETTINGS = [(0.9, 8), (1.0, 0), (0.5, 3), (0.0, 0)]  # (temperature, top-k), cycled over the seeds
PROGRESSIONS = [("F#m7b5 B7#9 | Em9 | C#m7b5 F#7#9 | Bm9", 30), ("G13sus4 Gb13sus4 Fmaj9/A | Bbmaj7/D", 8)]
FACTS = facts(Config())  # a default site's block: ai.quality's defaults, as make_pool's default thresholds


def tiny(preset: str):
    """A real network of the pinned shape (the generation tests' random checkpoint) and its browser export."""
    from test_pool import random_checkpoint

    ckpt = random_checkpoint(preset, seed=3)
    ex = export.export(ckpt)
    return export.dequantised(ckpt, ex), ex


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The page's JS and two exported networks (lofi and default) behind the site's CSP."""
    root = tmp_path_factory.mktemp("jssolo")
    shutil.copytree(THEME / "js", root / "js")
    (root / "chords.json").write_bytes(dumps(chord_table()))
    models = {}
    for preset in ("lofi", "default"):
        ckpt, ex = tiny(preset)
        (root / f"{preset}.json").write_bytes(ex.header_bytes())
        (root / f"{preset}.bin").write_bytes(ex.data)
        (root / f"{preset}-corrupt.bin").write_bytes(ex.data[:-1] + bytes([ex.data[-1] ^ 1]))
        models[preset] = ckpt
    with static_server(root, headers=csp.netlify_headers(ROOT / "netlify.toml")) as url:
        yield url, models


@pytest.fixture
def blank(browser, served):
    context = browser.new_context()
    context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    page = context.new_page()
    page.log = PageLog(page)
    page.goto(served[0] + "__blank__.html")
    yield page
    context.close()


SOLOS = """async ([preset, runs, weights, facts]) => {
    const { createGenerator } = await import(new URL("js/ai/client.js", location.href).href);
    const model = { header: preset + ".json", weights: weights || preset + ".bin" };
    const gen = createGenerator({ model, facts }, location.href);
    const out = [];
    for (const r of runs) {
        const chords = new URL("chords.json", location.href).href;
        try { out.push((await gen.solo({ ...r, chords })).piece); } catch (e) { out.push({ error: e.message }); }
    }
    gen.terminate();
    return out;
}"""


def python_piece(ckpt, progression: str, bars: int, seed: int, temperature: float, top_k: int) -> dict:
    p = pool.make_pool(ckpt, count=1, bars=bars, temperature=temperature, top_k=top_k, seed=seed, bpm=80,
                       progressions=[("inline", parse_progression(progression))], transpose=False, gate=False)
    return p.solos[0].song


def comparable(piece: dict) -> dict:
    """A piece without what only the pool sets (its title, the gate's measures)."""
    piece = json.loads(json.dumps(piece))
    piece["header"]["name"] = ""
    piece["lofi"]["stats"] = {}
    return piece


@pytest.mark.parametrize("preset", ["lofi", "default"])
@pytest.mark.parametrize("progression,bars", PROGRESSIONS)
def test_same_seed_gives_pythons_piece(blank, served, preset, progression, bars):
    ckpt = served[1][preset]
    runs = [{"progression": progression, "bars": bars, "seed": s, "temperature": SETTINGS[s % 4][0],
             "topK": SETTINGS[s % 4][1], "bpm": 80} for s in range(16)]
    got = blank.evaluate(SOLOS, [preset, runs, None, FACTS])
    same = 0
    for run, piece in zip(runs, got):
        assert "error" not in piece, piece
        want = python_piece(ckpt, progression, bars, run["seed"], run["temperature"], run["topK"])
        same += comparable(piece) == comparable(want)
        assert [len(t["notes"]) for t in piece["tracks"]] and piece["lofi"]["progression"] == want["lofi"]["progression"]
    assert same == 16, f"only {same} of 16 pieces identical"
    assert not blank.log.errors


def test_bad_requests_and_weights_are_plain_errors(blank):
    good = {"progression": "Dm9 G13 | Cmaj9", "bars": 4, "seed": 1, "temperature": 0.9, "topK": 0, "bpm": 80}
    most = FACTS["limits"]["bars"]["max"]  # loops.solos' bound in the config schema, as the CLI's --bars
    runs = [{**good, "progression": ""}, {**good, "progression": "Dm9 | Hm7"}, {**good, "bars": 0},
            {**good, "bars": most + 1}, {**good, "temperature": -1}, {**good, "seed": 1.5}, {**good, "topK": 10_001},
            {**good, "bpm": 200}, good]
    out = blank.evaluate(SOLOS, ["lofi", runs, None, FACTS])
    assert [o.get("error") for o in out[:-1]] == [
        "empty progression", "bar 2: unknown chord symbol 'Hm7'", "bars must be a whole number from 1 to 256, not 0",
        f"bars must be a whole number from 1 to 256, not {most + 1}", "temperature must be a number from 0 to 5, not -1",
        "seed must be a whole number from 0 to 4294967295, not 1.5",
        "top-k must be a whole number from 0 to 10000, not 10001", "bpm must be a number from 60 to 100, not 200"]
    assert out[-1]["lofi"]["loopBars"] == 4
    corrupt = blank.evaluate(SOLOS, ["lofi", [good], "lofi-corrupt.bin", FACTS])
    assert corrupt == [{"error": "the weights file is corrupt (checksum mismatch)"}]
    missing = blank.evaluate(SOLOS, ["lofi", [good], "nowhere.bin", FACTS])
    assert "HTTP 404" in missing[0]["error"]
    assert not [e for e in blank.log.errors if "404" not in e]
