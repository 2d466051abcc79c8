"""Musicality: the lofi gate's measures (issue 11, item 6) for our songs' melodies against their chords, and
for every pool directory given (the old pool: build/solos of a main build; the new pool: a generated one),
side by side: one row per group with the median of each measure and how many pass the gate.

Songs: the melody part (named "melody", else the highest non-bass part) against the progression written on
the song's second comment line ("# Am9 - Dm9 - G13 - Cmaj9 | ...", a chord a bar). Pool solos: the "melody"
track (an old solo's only track) against the "lofi" block's progression; an old solo has none, so its chord
tones are "n/a".

    PYTHONPATH=. python benchmarks/bench_musicality.py [POOL_DIR ...] [--each]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lofi_build.model import quality  # noqa: E402
from lofi_build.model.pool import default_thresholds  # noqa: E402
from lofi_build.music.progression import parse_progression  # noqa: E402
from lofi_build.scorefile import compile_file  # noqa: E402

KEYS = ("chord_tones", "rest_share", "mean_note", "max_equal_run", "sixteenths", "on_grid", "motif", "ending")


def song_progression(path: Path):
    """The chords of a song, from its second comment line: a chord a bar, '-' and '|' between them."""
    lines = path.read_text(encoding="utf-8").splitlines()
    text = re.sub(r"\([^)]*\)", "", lines[1].lstrip("# ").split(",")[0])
    return parse_progression(" | ".join(s.strip() for s in re.split(r"[-|]", text) if s.strip()))


def melody_track(song: dict) -> dict:
    tracks = [t for t in song["tracks"] if t["notes"]]
    named = [t for t in tracks if t["name"] in ("melody", "solo")]
    if named:
        return named[0]
    pitched = [t for t in tracks if "bass" not in t["name"] and t.get("channel") != 9]
    return max(pitched, key=lambda t: sum(n["midi"] for n in t["notes"]) / len(t["notes"]))


def measure_song(song: dict, progression) -> dict:
    ppq = song["header"]["ppq"]
    beats = song["header"]["timeSignatures"][0]["timeSignature"][0]
    bars = song["lofi"]["loopBars"]
    melody = quality.melody_from_notes(
        [(n["ticks"], n["durationTicks"], n["midi"]) for n in melody_track(song)["notes"]], ppq)
    timeline = progression.timeline(bars, beats) if progression else []
    return quality.lofi_measures(melody, timeline, bars=bars, beats_per_bar=beats)


def rows_for_songs() -> list[tuple[str, dict]]:
    out = []
    for path in sorted((ROOT / "content" / "songs").glob("*.yaml")):
        out.append((path.stem, measure_song(compile_file(path), song_progression(path))))
    return out


def rows_for_pool(folder: Path) -> list[tuple[str, dict]]:
    out = []
    for path in sorted(folder.glob("*.json")):
        song = json.loads(path.read_text(encoding="utf-8"))
        if "tracks" not in song or not song.get("lofi", {}).get("solo", True):
            continue
        text = song.get("lofi", {}).get("progression")
        out.append((path.name.split(".")[0], measure_song(song, parse_progression(text) if text else None)))
    return out


def fmt(key: str, value) -> str:
    if value is None:
        return "n/a"
    if key in ("chord_tones", "rest_share", "sixteenths", "on_grid"):
        return f"{value:.0%}"
    if key == "mean_note":
        return f"{value:.2f}"
    if key == "ending":
        return "yes" if value else "no"
    return str(value)


def summary(rows: list[tuple[str, dict]], thresholds: dict) -> dict:
    out = {}
    for key in KEYS:
        values = [m[key] for _, m in rows if m[key] is not None]
        if not values:
            out[key] = None
        elif key == "ending":
            out[key] = f"{sum(values)}/{len(values)}"
        elif key == "motif":
            out[key] = f"{sum(v >= 2 for v in values)}/{len(values)}"
        else:
            out[key] = statistics.median(values)
    out["passed"] = f"{sum(not quality.lofi_problems(m, thresholds) for _, m in rows)}/{len(rows)}"
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pools", nargs="*", type=Path, help="folders of solo JSON files (build/solos)")
    parser.add_argument("--each", action="store_true", help="also print every piece's measures and problems")
    args = parser.parse_args(argv)
    thresholds = default_thresholds()
    groups = [("our songs", rows_for_songs())]
    for folder in args.pools:
        if not folder.is_dir():
            parser.error(f"{folder}: not a folder")
        groups.append((str(folder), rows_for_pool(folder)))
    head = ["group (medians; motif, ending, passed: counts)", *KEYS, "passed"]
    table = [head]
    for name, rows in groups:
        s = summary(rows, thresholds)
        table.append([f"{name} ({len(rows)})"] + [s[k] if isinstance(s[k], str) else fmt(k, s[k]) for k in KEYS]
                     + [s["passed"]])
    widths = [max(len(str(r[i])) for r in table) for i in range(len(head))]
    for r in table:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))
    print("thresholds:", ", ".join(f"{k} {v}" for k, v in thresholds.items()))
    if args.each:
        for name, rows in groups:
            print(f"\n{name}")
            for piece, m in rows:
                problems = quality.lofi_problems(m, thresholds)
                print(f"  {piece}: " + ", ".join(f"{k} {fmt(k, m[k])}" for k in KEYS)
                      + (f"  -- {'; '.join(problems)}" if problems else "  -- passes"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
