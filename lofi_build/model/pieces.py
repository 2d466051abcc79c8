"""Pieces to measure (:class:`~lofi_build.model.measures.Piece`): a solo or a song in the one note format over its
progression, and a lead sheet's melody over its own chord symbols (read with music21, cached by file hash)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from ..music.progression import ChordSpan
from .measures import Note, Piece, melody_line

MELODY_NAMES = ("melody", "solo")  # the track a piece names as its lead
READER_VERSION = 1  # bumped when reading a lead sheet changes, so cached readings are not reused
CACHE = "leadsheet-pieces"  # the folder of cached readings under the project's cache


# -- the one note format ------------------------------------------------------------------------------------


def _pitched(track: dict) -> bool:
    return bool(track["notes"]) and track.get("channel") != 9


def melody_track(song: dict) -> dict:
    """The lead: the track named melody (or solo), else the highest-sounding pitched track that is not the bass."""
    tracks = [t for t in song["tracks"] if _pitched(t)]
    named = [t for t in tracks if t["name"] in MELODY_NAMES]
    if named:
        return named[0]
    others = [t for t in tracks if "bass" not in t["name"]]
    return max(others, key=lambda t: sum(n["midi"] for n in t["notes"]) / len(t["notes"]))


def _notes(track: dict, ppq: int) -> list[Note]:
    return [Note(Fraction(n["ticks"], ppq), Fraction(n["durationTicks"], ppq), n["midi"], n["velocity"])
            for n in track["notes"]]


def played_chords(song: dict) -> tuple[ChordSpan, ...]:
    """The chords a piece in the one note format plays, from its "lofi" block's ``chords`` (a solo's loop, a
    song's chord lines); a piece that lists none but names its ``progression`` plays that over its loop."""
    from ..music.progression import make_chord, parse_progression

    lofi, ppq = song["lofi"], song["header"]["ppq"]
    if lofi.get("chords"):
        return tuple(ChordSpan(Fraction(c["ticks"], ppq), Fraction(c["ticks"] + c["durationTicks"], ppq),
                               make_chord(c["symbol"])) for c in lofi["chords"])
    if lofi.get("progression"):
        return tuple(parse_progression(lofi["progression"]).timeline(lofi["loopBars"], lofi["timeSignature"][0]))
    return ()


def song_piece(song: dict) -> Piece:
    """A piece in the one note format: the lead over the chords it plays (:func:`played_chords`), every other
    pitched track but the bass as comping, and the cycle of the progression a solo names."""
    from ..music.progression import parse_progression

    ppq = song["header"]["ppq"]
    numerator, denominator = song["header"]["timeSignatures"][0]["timeSignature"]
    bar = Fraction(4 * numerator, denominator)
    bars = song["lofi"]["loopBars"]
    lead = melody_track(song)
    comping = [n for t in song["tracks"] if _pitched(t) and t is not lead and "bass" not in t["name"]
               for n in _notes(t, ppq)]
    progression = song["lofi"].get("progression")
    cycle = tuple(parse_progression(progression).timeline(None, numerator)) if progression else None
    return Piece(melody_line(_notes(lead, ppq)), played_chords(song), bar, tuple(comping), bars, cycle)


# -- lead sheets --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SymbolChord:
    """A lead sheet's chord symbol as music21 realises it (what the measures read of a chord)."""

    symbol: str
    root: int
    pcs: tuple[int, ...]
    bass: int


def read_leadsheet(path) -> Piece | None:
    """A lead sheet's melody (ties joined: a tied note is one note) over its chord symbols, its pickup placed at
    the end of a bar 0 so bar lines fall every bar; None for a sheet whose bar length changes or that has no
    chord symbols. The melody is the first part; notes struck together give their top note."""
    from music21 import converter, harmony, note, stream

    part = converter.parse(str(path)).parts[0].stripTies(inPlace=False)
    measures = list(part.getElementsByClass(stream.Measure))
    lengths = {Fraction(m.barDuration.quarterLength).limit_denominator(64) for m in measures}
    if len(lengths) != 1:
        return None
    bar = lengths.pop()
    notes, changes = [], []
    for k, m in enumerate(measures):
        length = Fraction(m.duration.quarterLength).limit_denominator(64)
        pad = Fraction(m.paddingLeft or 0).limit_denominator(64) or (bar - length if k == 0 and length < bar else 0)
        for e in m.recurse().notesAndRests:
            at = k * bar + pad + Fraction(e.getOffsetInHierarchy(m)).limit_denominator(64)
            if isinstance(e, harmony.Harmony):
                pitches = [] if isinstance(e, harmony.NoChord) else list(e.pitches)
                changes.append((at, SymbolChord(e.figure, e.root().pitchClass, tuple(sorted({p.pitchClass for p in
                                pitches})), e.bass().pitchClass) if pitches else None))
            elif not isinstance(e, note.Rest) and e.quarterLength > 0:
                notes.append(Note(at, Fraction(e.quarterLength).limit_denominator(64), max(p.midi for p in e.pitches)))
    if not any(c for _, c in changes):
        return None
    end = len(measures) * bar
    changes.sort(key=lambda c: c[0])
    spans = tuple(ChordSpan(a, b, c) for (a, c), (b, _) in zip(changes, changes[1:] + [(end, None)])
                  if c is not None and b > a)
    return Piece(melody_line(notes), spans, bar)


def _dump(piece: Piece) -> dict:
    return {"bar": str(piece.bar),
            "melody": [[str(n.onset), str(n.duration), n.pitch] for n in piece.melody],
            "chords": [[str(s.start), str(s.end), s.chord.symbol, s.chord.root, list(s.chord.pcs), s.chord.bass]
                       for s in piece.timeline]}


def _load(data: dict) -> Piece:
    return Piece(tuple(Note(Fraction(a), Fraction(d), p) for a, d, p in data["melody"]),
                 tuple(ChordSpan(Fraction(a), Fraction(b), SymbolChord(sym, root, tuple(pcs), bass))
                       for a, b, sym, root, pcs, bass in data["chords"]), Fraction(data["bar"]))


def leadsheet_pieces(paths, cache: Path) -> list[tuple[str, Piece]]:
    """(file name, piece) of every lead sheet that reads (see :func:`read_leadsheet`), each reading cached in the
    folder ``cache`` by the hash of the file's bytes."""
    cache.mkdir(parents=True, exist_ok=True)
    out = []
    for path in sorted(Path(p) for p in paths):
        key = hashlib.sha256(path.read_bytes() + f":{READER_VERSION}".encode()).hexdigest()
        cached = cache / f"{key}.json"
        if cached.is_file():
            data = json.loads(cached.read_text())
        else:
            piece = read_leadsheet(path)
            data = None if piece is None else _dump(piece)
            tmp = cached.with_suffix(".tmp")
            tmp.write_text(json.dumps(data))
            tmp.replace(cached)
        if data is not None:
            out.append((path.name, _load(data)))
    return out


def corpus_leadsheets(config) -> list[Path]:
    """The lead sheets of ``model.corpus`` (its MusicXML files; the chorales are not lead sheets)."""
    from .corpus import LEADSHEET_SUFFIXES, resolve

    return [f.path for f in resolve(config).files if not f.chordify and f.path.suffix.lower() in LEADSHEET_SUFFIXES]
