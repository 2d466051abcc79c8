"""content/drums/*.yaml: original 8-bar grooves that compile, vary, fill, and only use drums the kit has."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from kitcheck import DRUMS_DIR, KIT_YAML
from lofi_build.scorefile import compile_file
from lofi_build.music.transport import PPQ
from lofi_build.samples import audio
from lofi_build.samples.loudness import integrated_loudness
from lofi_build.samples.manifest import load_kit

GROOVES = sorted(DRUMS_DIR.glob("*.yaml"))
BAR = 4 * PPQ
TOMS = {45, 47, 50}


def notes_of(song: dict) -> list[dict]:
    return [note for track in song["tracks"] for note in track["notes"]]


def test_there_are_at_least_three_grooves_with_different_feels():
    assert len(GROOVES) >= 3
    songs = [compile_file(path, strict=True) for path in GROOVES]
    feels = {(song["lofi"]["bpm"], song["lofi"]["swing"]) for song in songs}
    assert len(feels) == len(songs), "each groove has its own tempo/swing"
    assert {p["instrument"] for song in songs for p in song["lofi"]["parts"]} == {"drums", "brushes"}


@pytest.mark.parametrize("path", GROOVES, ids=lambda p: p.stem)
def test_groove_is_an_8_bar_drum_loop(path):
    song = compile_file(path, strict=True)
    assert song["lofi"]["loopBars"] == 8 and song["lofi"]["timeSignature"] == [4, 4]
    assert all(t["channel"] == 9 for t in song["tracks"]), "drum parts play on the GM drum channel"
    notes = notes_of(song)
    assert max(n["ticks"] for n in notes) < 8 * BAR
    bars = Counter(n["ticks"] // BAR for n in notes)
    assert set(bars) == set(range(8)), "every bar plays"


@pytest.mark.parametrize("path", GROOVES, ids=lambda p: p.stem)
def test_groove_has_dynamics_ghosts_and_fills(path):
    notes = notes_of(compile_file(path, strict=True))
    velocities = {round(n["velocity"], 2) for n in notes}
    assert len(velocities) >= 12, "velocities vary (accents, humanised hits)"
    assert min(velocities) <= 0.3 and max(velocities) >= 0.7, "ghost notes under accents"
    by_bar = {b: [n for n in notes if n["ticks"] // BAR == b] for b in range(8)}
    for fill_bar in (3, 7):
        last_beat = [n for n in by_bar[fill_bar] if n["ticks"] % BAR >= 3 * PPQ]
        plain = [n for n in by_bar[0] if n["ticks"] % BAR >= 3 * PPQ]
        differs = sorted((n["ticks"] % BAR, n["midi"]) for n in last_beat) != sorted((n["ticks"] % BAR, n["midi"])
                                                                                     for n in plain)
        assert differs, f"bar {fill_bar + 1} ends with a fill"
    assert any(n["midi"] in TOMS for n in by_bar[7]) or len(by_bar[7]) > len(by_bar[0]), "bar 8 turns around"


@pytest.mark.parametrize("path", GROOVES, ids=lambda p: p.stem)
def test_every_drum_a_groove_plays_is_in_its_kit(path):
    kits = {item.id: set(item.notes) for item in load_kit(KIT_YAML).of_kind("drumkit")}
    song = compile_file(path, strict=True)
    for part, track in zip(song["lofi"]["parts"], song["tracks"]):
        missing = {n["midi"] for n in track["notes"]} - kits[part["instrument"]]
        assert not missing, f"{part['name']}: kit {part['instrument']!r} has no sample for MIDI {missing}"


@pytest.mark.parametrize("path", GROOVES, ids=lambda p: p.stem)
def test_a_groove_played_on_its_kit_is_a_sensible_layer(path):
    """The drum layer as the player makes it (one-shots at velocity gain) lands in -35..-10 LUFS."""
    kits = {item.id: item for item in load_kit(KIT_YAML).of_kind("drumkit")}
    song = compile_file(path, strict=True)
    rate = 44100
    seconds = max(n["time"] for t in song["tracks"] for n in t["notes"]) + 3
    mix = np.zeros((round(seconds * rate), 2), dtype=np.float32)
    samples = {}
    for part, track in zip(song["lofi"]["parts"], song["tracks"]):
        for note in track["notes"]:
            key = (part["instrument"], note["midi"])
            if key not in samples:
                x, _ = audio.read(kits[part["instrument"]].notes[note["midi"]].path)
                samples[key] = np.repeat(x, 2, axis=1) if x.shape[1] == 1 else x
            x = samples[key] * note["velocity"]
            at = round(note["time"] * rate)
            mix[at:at + len(x)] += x[: len(mix) - at]
    assert -35 <= integrated_loudness(mix, rate) <= -10
