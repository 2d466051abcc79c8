"""A fixture AI solo for the player's tests: until the model lands, `solos` in manifest.json is
empty, so the tests write one solo (Tone.js JSON with ``"lofi": {"solo": true}`` + its MIDI)
into a built site and list it in build/manifest.json and on its page, shaped like the model's entries."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from lofi_build.music.midi import midi_bytes
from lofi_build.music.score import compile_text
from lofi_build.site.build import dumps

SOLO_SCORE = """\
title: Fixture Solo
bpm: 80
loop_bars: 4
parts:
  - name: solo
    instrument: piano
    notes:
      - ["0:0:0", A4, 8n, 0.7]
      - ["0:0:2", C5, 8n, 0.6]
      - ["0:1:0", E5, 4n, 0.65]
      - ["0:2:0", [A3, C4, E4], 2n, 0.5]
      - ["1:0:0", G4, 8n, 0.7]
      - ["1:0:3", B4, 16n, 0.5]
      - ["1:1:2", D5, 8n, 0.6]
      - ["1:2:0", [G3, B3, D4], 2n, 0.5]
      - ["2:0:0", F4, 4n, 0.7]
      - ["2:1:2", A4, 8n, 0.6]
      - ["2:2:0", [F3, A3, C4, E4], 2n, 0.5]
      - ["3:0:0", E4, 8n, 0.7]
      - ["3:0:2", G#4, 8n, 0.6]
      - ["3:1:0", B4, 4n, 0.6]
      - ["3:2:0", [E3, G#3, B3, D4], 2n, 0.5]
"""


def add_fixture_solo(site: Path, solo_id: str = "fixture-solo", seed: int = 11) -> dict:
    """Write the solo into ``site`` and list it in its manifest.json; returns the entry."""
    song = compile_text(SOLO_SCORE, "fixture-solo.yaml")
    # Its lead plays behind the beat as the pool's melody does (ai.lay_back): the timing tests find it there.
    song["lofi"].update({"solo": True, "seed": seed, "temperature": 0.9, "topK": 8, "layBack": {"solo": 24}})
    data = dumps(song)
    mid = midi_bytes(song)
    url = f"solos/{solo_id}.{hashlib.sha256(data).hexdigest()[:10]}.json"
    midi = f"solos/{solo_id}.{hashlib.sha256(mid).hexdigest()[:10]}.mid"
    (site / "solos").mkdir(exist_ok=True)
    (site / url).write_bytes(data)
    (site / midi).write_bytes(mid)
    lofi = song["lofi"]
    entry = {
        "id": solo_id, "title": "Fixture Solo", "url": url, "midi": midi, "seed": seed, "temperature": 0.9, "topK": 8,
        "stats": {"notes": sum(len(t["notes"]) for t in song["tracks"])},
    }
    manifest_path = site / "manifest.json"
    manifest = json.loads(manifest_path.read_text("utf-8"))
    manifest["solos"] = [s for s in manifest["solos"] if s["id"] != solo_id] + [entry]
    manifest_path.write_bytes(dumps(manifest))
    # The page lists the tracks (the template renders them once): add the solo's row as the
    # template would have.
    page = site / "index.html"
    html = page.read_text("utf-8")
    if f'id="track-{solo_id}"' not in html:
        row = (f'<div class="track" data-id="{solo_id}"><input type="radio" name="track" id="track-{solo_id}" '
               f'value="{solo_id}"><label for="track-{solo_id}"><span class="track-title">Fixture Solo</span> '
               f'<span class="track-meta">piano</span></label><a class="midi" href="{midi}" download="{solo_id}.mid" '
               f'aria-label="Download the MIDI file of Fixture Solo">MIDI ↓</a></div>\n')
        html = html.replace('<div id="solos">\n', '<div id="solos">\n' + row, 1)
        assert row in html, "the page has no solo list to add the fixture to"
        page.write_text(html, "utf-8")
    return entry
