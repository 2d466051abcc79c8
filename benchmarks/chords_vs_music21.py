"""How the chord grammar over the chord table agrees with music21's ChordSymbol on the parity symbols
(tests/music/test_progression_js.py: 2,400 generated symbols and the broken ones), and where it differs
on purpose, by kind of symbol with examples.

    PYTHONPATH=. python benchmarks/chords_vs_music21.py [--examples N]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "music")]

from lofi_build.music import chords  # noqa: E402
from music21_reference import grammar_chord, music21_chord  # noqa: E402
from test_progression_js import BROKEN, generated_symbols  # noqa: E402

def why(symbol: str, ours: dict, theirs: dict) -> str:
    """The kind of difference: the grammar defines these answers where music21 reads oddly."""
    if "error" in ours:
        return "the grammar refuses it (white space, commas, alter/subtract, sus#4, add#7 ...); music21 reads it"
    if "error" in theirs:
        return "music21 fails or doubles a note (an enharmonic slash bass, ♭/♯ in an alteration); the grammar reads it"
    spelled = chords.read(symbol)
    if spelled.kind == "dominant-13th" and spelled.changes:
        return "an altered dominant 13th (13b9, 13#11): music21 ignores the alteration"
    if "/" in symbol:
        if ours["midi"][0] % 12 == spelled.bass and theirs["midi"][0] % 12 != theirs["bass"]:
            return "slash bass: music21 leaves the bass above other notes (it guesses an inversion by the letter)"
        return ("slash bass: music21 voices it otherwise (an extension in the bass, a kind it does not invert, a "
                "bass it puts in another octave)")
    return "other"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=3)
    args = parser.parse_args()
    symbols = generated_symbols()
    groups = {"generated": symbols[: len(symbols) - len(BROKEN)], "broken": BROKEN}
    reasons: dict[str, Counter] = defaultdict(Counter)
    examples: dict[str, list] = defaultdict(list)
    for group, items in groups.items():
        same = 0
        for s in items:
            ours, theirs = grammar_chord(s), music21_chord(s)
            if ("error" in ours and "error" in theirs) or ours == theirs:
                same += 1
                continue
            reason = why(s, ours, theirs)
            reasons[reason][group] += 1
            examples[reason].append(f"{s}: {ours.get('midi', 'unknown')} / music21 {theirs.get('midi', 'fails')}")
        print(f"{group:9s} {same:5d} of {len(items):5d} agree with music21 (root, pitch classes, bass, voicing): "
              f"{same / len(items):.1%}")
    print("\ndiffering on purpose (generated, broken):")
    for reason, count in sorted(reasons.items(), key=lambda r: -sum(r[1].values())):
        print(f"{count['generated']:5d} {count['broken']:4d}  {reason}")
        for line in examples[reason][: args.examples]:
            print(f"{'':12s}{line}")


if __name__ == "__main__":
    main()
