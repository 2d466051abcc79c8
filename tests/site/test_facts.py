"""The facts blocks (lofi_build/site/facts.py): each fact taken from where Python defines it, written once into
manifest.json or the model header, restated nowhere in site_src/js, and obeyed by the page: a site with other
AI settings makes live solos with them, as make_pool does."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from support import DEFAULTS, ROOT, THEME, PageLog, run_cli, static_server, wait_for
from lofi_build import cli
from lofi_build.config import AI, Config, Loops, as_dict, bounds, load_config
from lofi_build.model import export, pool, quality
from lofi_build.music import accompany, chord_table, dynamics, form, pitch, transport
from lofi_build.music.tonejson import Track, song_json
from lofi_build.site.facts import facts

JS = THEME / "js"
FACTS = facts(Config())
SOLO = pool.solo_facts()


def test_each_fact_is_read_from_where_python_defines_it(tmp_path):
    config_file = tmp_path / "lofi.yaml"
    config_file.write_text("ai:\n  temperature: 0.7\n  top_k: 3\n  quality: {rest_min: 0.1, max_equal_run: 4}\n"
                           "loops: {solos: 12}\n")
    config = load_config(config_file)
    block = facts(config)
    assert set(block) == {"ppq", "swing", "limits", "ai", "station"}  # read before the first sound: what the page needs
    assert block["ppq"] == transport.PPQ == 480
    assert block["swing"] == {"default": "8n", "ticks": {"8n": 240, "16n": 120}}
    assert block["limits"]["bars"] == {"min": 1, "max": 256}  # loops.solos' range, not the 12 this site uses
    assert block["limits"]["temperature"] == {"min": 0, "max": 5} and block["limits"]["topK"] == {"min": 0, "max": 10_000}
    assert block["limits"]["bpm"] == {"min": 60, "max": 100} and block["limits"]["seed"]["max"] == 2**32 - 1
    # The site's settings, not the schema's defaults.
    assert block["ai"] == {"temperature": 0.7, "topK": 3, "quality": as_dict(config.ai.quality),
                           "layBack": AI().lay_back}
    assert block["ai"]["quality"]["rest_min"] == 0.1 and block["ai"]["quality"]["max_equal_run"] == 4


def test_the_model_header_carries_how_a_solo_is_written():
    """The tables the worker writes a solo with: what the pool writes for its first solo."""
    solo = SOLO
    assert export.site_export(load_config(ROOT / "lofi.yaml")).header["solo"] == solo
    parts = [Track(name, instrument, []) for name, instrument in pool.parts(1)]
    written = song_json(title="x", bpm=80, tracks=parts, loop_bars=1, meter=pool.METER, key=None)
    assert [{"name": t["name"], "gm": t["instrument"]} for t in written["tracks"]] == \
        [{"name": p["name"], "gm": p["gm"]} for p in solo["parts"]]
    assert [p["instrument"] for p in solo["parts"]] == [p["instrument"] for p in written["lofi"]["parts"]]
    assert solo["meter"] == written["lofi"]["timeSignature"]
    assert solo["dynamics"] == dynamics.tables() and solo["dynamics"]["base"] == dynamics.RULE["base"]
    assert solo["form"] == form.tables() and set(solo["form"]["turnaround"]) == {"major", "minor"}
    assert solo["tensions"] == list(chord_table.TENSIONS) and solo["noteNames"] == list(pitch.SHARP_NAMES)
    # The key finder's table finds the keys detect_key finds.
    assert [k["scale"] for k in solo["keys"]] == ["major", "minor"]
    for k in solo["keys"]:
        for tonic in (0, 3, 9):
            profile = k["profile"][-tonic:] + k["profile"][:-tonic]
            assert quality.key_name(*quality.detect_key(np.array(profile))) == (k["names"][tonic], k["scale"])
    assert solo["accompany"] == accompany.tables() and solo["accompany"]["chordCentres"] == list(accompany.CHORD_CENTRES)


def test_one_bar_limit_for_the_cli_the_config_and_the_page():
    """loops.solos' range in the config schema is the CLI's --bars range and the page's (facts.limits.bars)."""
    options = {p.name: p.type for p in cli.cli.commands["generate"].params}
    low, high = bounds(Loops, "solos")
    assert (options["bars"].min, options["bars"].max) == (low, high) == (FACTS["limits"]["bars"]["min"], FACTS["limits"]["bars"]["max"])
    assert (options["top_k"].min, options["top_k"].max) == bounds(AI, "top_k")
    assert (options["temperature"].min, options["temperature"].max) == bounds(AI, "temperature")
    assert (options["seed"].min, options["seed"].max) == bounds(Config, "seed")


# What site_src/js must not restate, with where the fact lives instead.
RESTATED = {
    r"\b480\b": "the tick rate (facts.ppq)",
    r"\b(?:const|let|var)\s+(?:PPQ|DEFAULTS|QUALITY|PARTS|COMPING|BASS|SUBDIVISION_TICKS|SOLO_BPM|MAX_BARS|NOTE_VELOCITY"
    r"|CHORD_VELOCITY|TENSIONS|SHARP_NAMES|MAJOR_NAMES|MINOR_NAMES|CHORD_LOW|CHORD_HIGH|CHORD_CENTRES|BASS_LOW"
    r"|BASS_HIGH|BASS_HOME|MAX_SPAN|ANTICIPATE)\b": "a table or constant of the facts block",
    r"\b(?:rest_min|rest_max|max_equal_run|chord_tones)\s*:\s*[0-9.]": "an ai.quality threshold (facts.ai.quality)",
    r"\b(?:topK|temperature)\s*[:=]\s*[0-9.]": "an AI default (facts.ai)",
    r"(?:\b(?:const|let|var)\s+|[{,]\s*)bpm\s*=\s*[0-9]": "the solo tempo (manifest.site.bpm)",
    r"(?:\|\||=|:)\s*[\"'](?:8n|16n)[\"']|[\"'](?:8n|16n)[\"']\s*:": "the swing subdivisions (facts.swing)",
    r"\b(?:min|max)\s*:\s*(?:60|100)\b": "the solo tempo's bounds (facts.limits.bpm)",
    r"(?:1000|1_000|256)\b.*\bbars\b|\bbars\b.*\b(?:1000|1_000|256)\b": "the bar limit (facts.limits.bars)",
    r"F\(\s*[357]\s*,\s*2\s*\)": "a comping or bass pattern (header.solo.accompany)",
}


def _restated_values() -> dict:
    """Patterns built from the blocks' own values: their number tables, names and instruments written out in JS."""
    out = {}
    for k in SOLO["keys"]:
        out[r"\s*,\s*".join(re.escape(repr(v)) for v in k["profile"][:3])] = f"the {k['scale']} key profile"
        out[r",\s*".join(re.escape(json.dumps(n)) for n in k["names"][:4])] = f"the {k['scale']} key names"
    out[r",\s*".join(re.escape(json.dumps(n)) for n in SOLO["noteNames"][:4])] = "the note names (header.solo.noteNames)"
    for part in SOLO["parts"]:
        out[re.escape(json.dumps(part["gm"]["name"]))] = "a solo part's General MIDI instrument (header.solo.parts)"
    for name, v in SOLO["dynamics"].items():
        if isinstance(v, int):
            out[rf"\b{name}\s*[:=]\s*{v}\b"] = "the melody's velocity rule (header.solo.dynamics)"
    for bars in SOLO["form"]["turnaround"].values():
        for s, kind in bars[-1]:
            out[rf"\[\s*{s}\s*,\s*[\"']{re.escape(kind)}[\"']\s*\]"] = "the turnaround's chords (header.solo.form)"
    out[r"\[\s*" + r"\s*,\s*".join(map(str, SOLO["tensions"])) + r"\s*\]"] = "the tensions (header.solo.tensions)"
    return out


# Matches that are other facts which happen to look alike, with why.
ALLOWED = {
    ("ai/progression.js", "the major key names"): "progression.py's names for transposed chord roots (flats but F#), "
                                                  "a table of the chord grammar (issue 17, item 1), not the key finder's",
}


def restated_facts(root) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.js")):
        text = path.read_text(encoding="utf-8")
        for pattern, what in {**RESTATED, **_restated_values()}.items():
            if (path.relative_to(root).as_posix(), what) in ALLOWED:
                continue
            for m in re.finditer(pattern, text):
                line = text.count("\n", 0, m.start()) + 1
                found.append(f"{path.relative_to(root)}:{line}: {m.group(0)!r} restates {what}")
    return found


def test_the_page_restates_no_fact():
    assert restated_facts(JS) == []


def test_the_restated_fact_check_finds_what_the_js_used_to_write(tmp_path):
    """The check above against the tables the JS held before the facts block (so it can fail)."""
    (tmp_path / "old.js").write_text("""
export const PPQ = 480;
export const DEFAULTS = { bars: 30, temperature: 0.9, topK: 0 };
export const QUALITY = { rest_min: 0.05, rest_max: 0.25, max_equal_run: 8 };
const MAJOR = [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88];
const MINOR_NAMES = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B"];
const TABLE = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];
const rule = { base: 66, arc: 10, syncopation: 7 };
const turnaround = [[2, "m9"], [7, "9"]];
const gm = { family: "piano", name: "electric piano 1", number: 4 };
const steps = [2, 5, 6, 9, 8, 10, 11];
export const SUBDIVISION_TICKS = { "8n": PPQ / 2, "16n": PPQ / 4 };
export function pieceSwing(piece) { return piece.lofi.swingSubdivision || "8n"; }
export const TEMPO = { min: 60, max: 100 };
if (request.bars > 1000) throw new Error(`Bars: a solo is 1 to 1000 bars long`);
const pattern = [[0, F(3, 2), 1], [F(3, 2), F(5, 2), 0]];
const { bars, seed, bpm = 80 } = options;
""", encoding="utf-8")
    found = "\n".join(restated_facts(tmp_path))
    for what in ("tick rate", "an AI default", "ai.quality threshold", "major key profile", "minor key names",
                 "note names", "velocity rule", "turnaround's chords", "General MIDI", "tensions", "swing subdivisions",
                 "solo tempo's bounds", "solo tempo (manifest", "bar limit", "comping or bass pattern", "a table or constant"):
        assert what in found, what


# -- the page obeys the block -------------------------------------------------------------------------

OTHER_AI = """ai:
  pool_size: 1
  temperature: 0.7
  top_k: 3
  lay_back: 12
  quality:
    rest_min: 0.15
    rest_max: 0.4
    max_equal_run: 3
"""
PROGRESSION = "Dm9 G13 | Cmaj9 | Cmaj9 A7b13"
SEEDS = (5, 6, 7, 8)


@pytest.fixture(scope="module")
def other_site(tmp_path_factory):
    """The shipped project (its model and content) built with other AI settings: top-k, temperature, ai.quality."""
    import shutil

    folder = tmp_path_factory.mktemp("facts")
    text = (ROOT / "lofi.yaml").read_text(encoding="utf-8")
    (folder / "lofi.yaml").write_text(text[:text.index("ai:")] + OTHER_AI + text[text.index("model:"):], encoding="utf-8")
    (folder / "site_src").symlink_to(THEME)
    # The training corpus is copied (the checkpoint's fingerprint names its files by their path in the project),
    # the rest linked: the shipped checkpoint matches and nothing trains.
    for part in (ROOT / "content").iterdir():
        target = folder / "content" / part.name
        target.parent.mkdir(exist_ok=True)
        shutil.copytree(part, target) if part.name == "leadsheets" else target.symlink_to(part)
    run_cli("site", "-f", folder / "lofi.yaml", "-d", folder / "site", "-q", check=True)
    return load_config(folder / "lofi.yaml"), folder / "site"


def _python_piece(twin, config, seed, *, top_k, temperature, thresholds, lay_back=None):
    from lofi_build.music.progression import parse_progression

    made = pool.make_pool(twin, count=1, bars=8, temperature=temperature, top_k=top_k, seed=seed, bpm=config.bpm,
                          progressions=[("inline", parse_progression(PROGRESSION))], transpose=False,
                          thresholds=thresholds, gate=False,
                          lay_back=config.ai.lay_back if lay_back is None else lay_back)
    return _comparable(made.solos[0].song)


def _comparable(piece: dict) -> dict:
    """A piece without what only its maker sets (its title, the gate's measures, the live flag)."""
    piece = json.loads(json.dumps(piece))
    piece["header"]["name"] = ""
    piece["lofi"]["stats"] = {}
    piece["lofi"].pop("live", None)
    return piece


@pytest.mark.browser
def test_live_solos_obey_the_sites_top_k_temperature_and_quality(browser, other_site):
    from lofi_build.model import checkpoint, export
    from lofi_build.site import csp

    config, site = other_site
    manifest = json.loads((site / "manifest.json").read_text())
    assert manifest["facts"] == facts(config)
    entry = manifest["model"]
    ex = export.Exported(json.loads((site / entry["header"]).read_text()), (site / entry["weights"]).read_bytes())
    twin = export.dequantised(checkpoint.load(DEFAULTS / "content" / "model" / entry["id"]), ex)
    with static_server(site, headers=csp.netlify_headers(ROOT)) as url:
        context = browser.new_context()
        page = context.new_page()
        page.log = PageLog(page)
        page.goto(url)
        wait_for(page, "window.lofi !== undefined", timeout=30)
        assert page.get_attribute("#solo-temperature", "value") == "0.7"
        made = page.evaluate("""async ([progression, seeds]) => {
            const out = [];
            for (const seed of seeds) {
                const solo = await window.lofi.generate({ progression, bars: 8, seed });  // the site's settings
                out.push(await window.lofi.piece(solo.id));
            }
            return out;
        }""", [PROGRESSION, list(SEEDS)])
        # A link that names neither temperature nor top-k makes the solo with the site's too.
        linked = context.new_page()
        linked.log = PageLog(linked)
        linked.goto(url + f"#solo={entry['id']}&seed=9&bars=4&progression=" + PROGRESSION.replace(" ", "%20").replace("|", "%7C"))
        wait_for(linked, "window.lofi !== undefined && window.lofi.state().selected.track.startsWith('live-')", timeout=60)
        from_link = linked.evaluate("window.lofi.piece(window.lofi.state().selected.track)")
        errors = page.log.errors + linked.log.errors
        context.close()
    assert errors == []
    assert (from_link["lofi"]["topK"], from_link["lofi"]["temperature"], from_link["lofi"]["loopBars"]) == (3, 0.7, 4)
    assert from_link["lofi"]["layBack"] == {"melody": 12}  # the site's ai.lay_back, not the default
    thresholds = pool.quality_thresholds(config)
    default = as_dict(Config().ai.quality)
    same = 0
    for seed, piece in zip(SEEDS, made):
        assert (piece["lofi"]["topK"], piece["lofi"]["temperature"]) == (3, 0.7)
        want = _python_piece(twin, config, seed, top_k=3, temperature=0.7, thresholds=thresholds)
        same += _comparable(piece) == want
        # The settings matter for every seed: the default ai.quality (what the page applied before) or top-k 0
        # (what a link without topk got) make another solo.
        assert want != _python_piece(twin, config, seed, top_k=3, temperature=0.7, thresholds=default)
        assert want != _python_piece(twin, config, seed, top_k=0, temperature=0.7, thresholds=thresholds)
        assert want != _python_piece(twin, config, seed, top_k=3, temperature=0.7, thresholds=thresholds, lay_back=0)
    # Weights dequantised in float32 may tip one sampling step in a rare solo (as in tests/model/test_solo_js.py).
    assert same >= len(SEEDS) - 1, f"{same} of {len(SEEDS)} live solos are make_pool's with the site's settings"
