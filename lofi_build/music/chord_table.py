"""The chord table: every chord kind the grammar reads, spelled once by music21 (intervals, tones, tensions, avoid notes).

music21 is asked here and nowhere else when a chord symbol is read: ``chords.py`` (Python) and
``site_src/js/ai/progression.js`` (the page, from the build's ``assets/chords.<hash>.json``) read
symbols with the same grammar over this same table.
"""

from __future__ import annotations

import functools

# The lowest note of a voiced chord sits in C3..B3: warm, clear of the bass, under the melody.
VOICING_FLOOR = 48

# Semitones above the root of each degree a symbol alters or adds, in the octave the voicing puts it
# (music21's ChordSymbol puts a 9th, 11th or 13th in the octave above the root).
DEGREES = {"2": 2, "4": 5, "5": 7, "6": 9, "9": 14, "11": 17, "13": 21}
_MAJOR_SCALE = {1: 0, 2: 2, 3: 4, 4: 5, 5: 7, 6: 9, 7: 11}

# Lead-sheet spellings of music21's kinds that its own abbreviations lack (music21 lists "m#7" but its
# parser reads a minor triad and a raised degree, "m7b5" a minor 7th and a flat 5th).
_MORE_SPELLINGS = {
    "minor": ["mi"], "minor-seventh": ["mi7"], "minor-ninth": ["mi9"], "major-seventh": ["Δ", "Δ7"],
    "major-ninth": ["maj9", "Δ9"], "major-11th": ["maj11"], "major-13th": ["maj13"],
    "minor-major-seventh": ["m(maj7)", "m(M7)", "mmaj7", "mMaj7", "-maj7", "m#7"],
    "half-diminished-seventh": ["ø", "m7b5", "m7-5"],
    "power": ["5"],
}
# Kinds music21 spells as one of its kinds plus added degrees: name, music21 figure, spellings.
_COMPOUND_KINDS = (
    ("six-nine", "6add9", ["6/9", "69"]),
    ("minor-six-nine", "m6add9", ["m6/9", "m69"]),
    ("suspended-fourth-ninth", "7sus4add9", ["9sus4", "9sus"]),
    ("suspended-fourth-13th", "7sus4add9add13", ["13sus4", "13sus"]),
    ("altered-dominant", "7#9b13", ["7alt"]),
)
# How lead sheets read an altered dominant 13th (G13b9, G13#11): the 9th and 11th take the
# alteration and the natural 11 is left out; music21 would ignore the alteration.
_ALTERED_13 = {"drops": ["13"], "altered_omits": ["11"]}

# Tensions a melody note may take over a chord, as intervals over its root: 9, 11, #11 (over a major 3rd), 13,
# b13 and a 7th for a chord without one (b7 over a minor 3rd). A tension a half step over a chord tone is an
# avoid note (the 11 on a major chord, the b13 over a perfect 5th).
TENSIONS = (2, 5, 6, 9, 8, 10, 11)
# The natural 11 over a major 3rd (a half step over it, against it in the comping) is an avoid note even where a
# kind sounds it (music21 spells its 13th chords with the 11): never on a strong beat, never held a beat. A symbol
# that asks for it (an 11th chord, "add11") keeps it; a sus chord has no 3rd for it to clash with.
ELEVEN, MAJOR_THIRD = 5, 4

# How a transposed chord's root is named, by the key it lands in (progression.Progression.home: its first chord's, or
# the key an opening ii-V leads to): sharps in the sharp keys, flats in the flat keys, and C major's and A minor's own
# mix (F#, and flats for the rest) where the key has none. Tonics as pitch classes.
KEYS = {
    "names": {"mixed": ["C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"],
              "sharps": ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"],
              "flats": ["C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B"]},
    "sharps": {"major": [7, 2, 9, 4, 11, 6], "minor": [4, 11, 6, 1, 8]},  # G D A E B F#; E B F# C# G# minor
    "flats": {"major": [5, 10, 3, 8, 1], "minor": [2, 7, 0, 5, 10, 3]},  # F Bb Eb Ab Db; D G C F Bb Eb minor
}

FIELDS = {
    "spellings": "what a symbol writes after the root to name the kind (longest first when reading)",
    "music21": "the figure music21 spelled the kind from",
    "intervals": "the close voicing: semitones above the root, lowest first",
    "spelling": "the degree of each interval",
    "pcs": "pitch classes above the root",
    "tones": "pitch classes of the chord tones (degrees 1 to 7)",
    "tensions": "pitch classes a melody may add to the tones (melody_pcs over the kind)",
    "avoid": "pitch classes of TENSIONS a melody leaves out over the kind, its avoid_notes included",
    "avoid_notes": "pitch classes a melody never sounds on a strong beat or holds a beat over the kind, though "
                   "the kind may sound them: the natural 11 over a major 3rd unless the kind asks for it (11th chords)",
    "voiced_avoid": "pitch classes the kind sounds although they sit a half step above a chord tone "
                    "(the natural 11 of music21's 11th and 13th chords)",
    "drops": "degrees of the kind a symbol cannot alter: an alteration or addition of one is dropped "
             "(music21 leaves a 9th, 11th or 13th the kind has as it is)",
    "altered_omits": "degrees left out once a symbol alters the kind",
}


def avoid_notes(kind_name: str, pcs) -> list[int]:
    """The kind's avoid notes over its root (see :data:`ELEVEN`): the natural 11 over a major 3rd, unless the kind
    is an 11th chord, which asks for it."""
    return [ELEVEN] if MAJOR_THIRD in pcs and "11th" not in kind_name else []


def melody_pcs(root: int, pcs, avoid=()) -> frozenset[int]:
    """Pitch classes that sound right over a chord: its tones and its available 7/9/11/13 tensions, less ``avoid``
    (its avoid notes as pitch classes, from the table: a 13th chord sounds the 11, a melody does not lean on it)."""
    pcs = set(pcs)
    out = set(pcs)
    intervals = {(p - root) % 12 for p in pcs}
    minor = 3 in intervals and 4 not in intervals
    for t in TENSIONS:
        pc = (root + t) % 12
        if t in (10, 11) and intervals & {9, 10, 11}:
            continue  # the chord has its 7th (or 6th) already
        if minor and t in (6, 11):
            continue  # no #11 and no major 7th over a minor triad
        if (pc - 1) % 12 not in pcs:
            out.add(pc)
    return frozenset(out - {p % 12 for p in avoid})


def _degree_name(figure: str) -> str:
    """music21's figured-bass degree (``-7``, ``#5``) as a lead sheet names it (``b7``, ``#5``)."""
    return figure.replace("-", "b")


def _spelling(cs) -> list[str]:
    """The degrees of a music21 ChordSymbol: its kind's notation with the figure's additions and omissions."""
    from music21 import harmony

    degrees = [_degree_name(d) for d in harmony.getNotationStringGivenChordType(cs.chordKind).split(",")]
    for mod in cs.chordStepModifications:
        semitones = mod.interval.semitones if mod.interval is not None else 0
        name = ("#" * semitones if semitones > 0 else "b" * -semitones) + str(mod.degree)
        if mod.modType == "add":
            degrees.append(name)
        else:
            raise AssertionError(f"a kind's figure only adds degrees: {cs.figure}")
    return degrees


def _semitones(degree: str) -> int:
    number = int(degree.lstrip("b#"))
    return (_MAJOR_SCALE[(number - 1) % 7 + 1] + degree.count("#") - degree.count("b")) % 12


def _kind(name: str, figure: str, spellings: list[str], rules: dict | None = None) -> dict | None:
    """One kind of the table from music21's ChordSymbol of C + ``figure``; None when that is not a chord."""
    from music21 import harmony

    cs = harmony.ChordSymbol("C" + figure)
    midis = [p.midi for p in cs.pitches]
    if len(set(midis)) != len(midis) or len(midis) < 2:
        return None  # music21's 'pedal' is one note
    intervals = sorted(m - midis[0] for m in midis)
    degrees = _spelling(cs)
    by_pc = {_semitones(d): d for d in degrees}
    if sorted(by_pc) != sorted({i % 12 for i in intervals}) or len(by_pc) != len(intervals):
        raise AssertionError(f"music21's notes of C{figure} are not its spelling {degrees}")
    spelling = [by_pc[i % 12] for i in intervals]
    pcs = sorted({i % 12 for i in intervals})
    tones = sorted({i % 12 for i, d in zip(intervals, spelling) if int(d.lstrip("b#")) <= 7})
    avoid = avoid_notes(name, pcs)
    melody = melody_pcs(0, pcs, avoid)
    extensions = [d for d in spelling if int(d.lstrip("b#")) >= 9]
    entry = {
        "spellings": sorted(spellings, key=lambda s: (-len(s), s)),
        "music21": figure,
        "intervals": intervals,
        "spelling": spelling,
        "pcs": pcs,
        "tones": tones,
        "tensions": sorted(melody - set(tones)),
        "avoid": sorted((set(TENSIONS) - melody) | set(avoid)),
        "avoid_notes": avoid,
        "voiced_avoid": sorted(p for p in set(pcs) - set(tones) if (p - 1) % 12 in tones),
        "drops": [d.lstrip("b#") for d in extensions],
        "altered_omits": [],
    }
    entry.update(rules or {})
    return entry


@functools.cache
def chord_table() -> dict:
    """The table both languages read chord symbols with: ``{"floor", "degrees", "kinds": {name: kind}, "fields",
    "keys"}`` (``keys``: :data:`KEYS`, how a transposed progression names its roots)."""
    from music21 import harmony

    kinds = {}
    for name, (_notation, abbreviations) in harmony.CHORD_TYPES.items():
        # An abbreviation names the kind only where music21's own parser reads it so ("9#5" is a 9th
        # with a raised 5th to it, as the grammar reads it too).
        spellings = [a for a in abbreviations if harmony.ChordSymbol("C" + a).chordKind == name]
        spellings += _MORE_SPELLINGS.get(name, [])
        figure = next((a for a in abbreviations if a in spellings and a), None)
        if not spellings or figure is None and name != "major":
            continue
        entry = _kind(name, figure or "", spellings, _ALTERED_13 if name == "dominant-13th" else None)
        if entry is not None:
            kinds[name] = entry
    for name, figure, spellings in _COMPOUND_KINDS:
        kinds[name] = _kind(name, figure, spellings)
    seen: dict[str, str] = {}
    for name, entry in kinds.items():
        for s in entry["spellings"]:
            if s in seen:
                raise AssertionError(f"{s!r} spells both {seen[s]} and {name}")
            seen[s] = name
    return {"floor": VOICING_FLOOR, "degrees": DEGREES, "kinds": kinds, "fields": FIELDS, "keys": KEYS}
