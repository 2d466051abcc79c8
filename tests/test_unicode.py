"""Unicode text (Japanese, emoji, right-to-left scripts) goes through to the page, the JSON and the MIDI files."""

import html
import json

import mido
import pytest

from lofi_build.config import load_config
from lofi_build.site.build import build

TEXTS = {
    "japanese": ("雨の夜 ☔", "ピアノ", "ベース"),
    "emoji": ("late night 🌧️☕ lofi", "keys 🎹", "bass 🎸"),
    "arabic": ("ليلة ممطرة", "بيانو", "باص"),
    "hebrew": ("לילה גשום", "פסנתר", "בס"),
}


def song(title, part1, part2):
    return f"""\
title: {json.dumps(title, ensure_ascii=False)}
bpm: 80
description: {json.dumps(title + " — ünïcödé", ensure_ascii=False)}
parts:
  - name: {json.dumps(part1, ensure_ascii=False)}
    instrument: piano
    notes:
      - ["0:0:0", Cmaj7, 2n]
  - name: {json.dumps(part2, ensure_ascii=False)}
    instrument: bass
    notes:
      - ["0:0:0", C2, 4n]
"""


def midi_texts(path):
    """Track names as mido reads them back from the file's UTF-8 text meta events."""
    mid = mido.MidiFile(path, charset="utf-8")
    return [msg.name for track in mid.tracks for msg in track if msg.type == "track_name"]


@pytest.mark.parametrize("script", sorted(TEXTS))
def test_unicode_text_round_trips_through_the_site(project, script):
    title, part1, part2 = TEXTS[script]
    (project / "content" / "songs" / "test-song.yaml").write_text(song(title, part1, part2), encoding="utf-8")
    config_title = f"{title} station"
    (project / "lofi.yaml").write_text(
        f"title: {json.dumps(config_title, ensure_ascii=False)}\n"
        f"description: {json.dumps(part1 + ' · ' + part2, ensure_ascii=False)}\nseed: 3\nai:\n  pool_size: 0\n",
        encoding="utf-8",
    )
    out = project / "build"
    build(load_config(project / "lofi.yaml"), out)

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["songs"][0]
    assert entry["title"] == title
    piece = json.loads((out / entry["url"]).read_text(encoding="utf-8"))
    assert piece["header"]["name"] == title
    assert [t["name"] for t in piece["tracks"]] == [part1, part2]
    assert piece["lofi"]["description"] == title + " — ünïcödé"

    assert midi_texts(out / entry["midi"]) == [title, part1, part2]
    raw = (out / entry["midi"]).read_bytes()
    assert title.encode("utf-8") in raw  # UTF-8 in the file itself, not another charset

    page = html.unescape((out / "index.html").read_text(encoding="utf-8"))
    assert config_title in page
    assert part1 + " · " + part2 in page


def test_unicode_song_builds_from_the_command_line(project):
    from support import run_cli

    (project / "content" / "songs" / "test-song.yaml").write_text(song(*TEXTS["japanese"]), encoding="utf-8")
    result = run_cli("site", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


KIT = """\
version: 1
sources:
  words: {title: "{title}", licence: CC0, author: "{author}", attribution: "{author} — {title}"}
items:
  - id: rain-words
    kind: quote
    title: "{title}"
    sources: [words]
    file: quotes/q.mp3
    text: "{text}"
    author: "{author}"
    source: "{title}"
"""


@pytest.mark.parametrize("script", sorted(TEXTS))
def test_unicode_quotes_and_credits_reach_the_manifest_and_the_page(project, script):
    from support import DEFAULTS

    title, text, author = TEXTS[script]
    samples = project / "content" / "samples"
    (samples / "quotes").mkdir(parents=True)
    (samples / "quotes" / "q.mp3").write_bytes((DEFAULTS / "content/samples/quotes/kettle.mp3").read_bytes())
    kit = KIT.replace("{title}", title).replace("{text}", text + " ✨").replace("{author}", author)
    (samples / "samples.yaml").write_text(kit, encoding="utf-8")
    out = project / "build"
    build(load_config(project / "lofi.yaml"), out)

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    (quote,) = [q for q in manifest["quotes"] if q["id"] == "rain-words"]  # added to the packaged kit's quotes
    assert (quote["title"], quote["text"], quote["author"], quote["source"]) == (title, text + " ✨", author, title)
    assert f"{author} — {title}" in [c["attribution"] for c in manifest["credits"]]
    page = html.unescape((out / "index.html").read_text(encoding="utf-8"))
    assert f"{author} — {title}" in page  # the credits, rendered by Jinja
