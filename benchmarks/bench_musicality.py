"""Musicality against noise (issue 18, item 9): every musician's measure (lofi_build/model/measures.py) as columns
corpus | shipped | first candidate | no nudges | random network | unigram | our songs, beside the issue's targets, with a mark
where a column meets its target; (a) for the pool the build makes (lofi.yaml's settings), (b) for 8 solos over each
of 6 progressions that are not in content/.

corpus: the lead sheets of model.corpus (their melodies over their own chord symbols, read with music21 and cached in
.lofi-cache/; Bach's chorales are left out: they are not lead sheets, and their chord labels hold the melody).
shipped: the checkpoint the build uses, each solo the best of its candidates (lofi_build/model/candidates.py); first
candidate: the same solos without the choice (each solo's first candidate: what choosing gains); no nudges: the
shipped model chosen among its candidates but drawn from its own logits, without the rules' nudges (what the model
does alone: lofi_build/model/rules.py); random network: its preset's Keras builder, seeded, untrained; unigram: its
layout playing the training set's token and duration frequencies (both nudged, as the shipped model is: what the
nudges do to noise); all through the build's make_pool (masks, nudges, the choice between candidates and the lofi gate
included),
each solo over the chords it plays (its loop: cycles and the turnaround). our songs: content/songs' melodies over the
chords their scores write (the piece's "lofi" chords, from their chord lines). Shares pool the notes of all the
pieces of a column; counts add up; a velocity spread and a motif length are the median piece's.

    PYTHONPATH=. python benchmarks/bench_musicality.py [--only pool|held-out] [--each] [--read COLUMN:SET:N] [--songs] [--card]

--songs prints one column per song (each over the chords it plays) beside the corpus and all songs together.

--card writes both tables into the shipped checkpoint's model card (its MODEL.md, section "Solos").

--read prints one piece note by note, bar by bar: shipped:pool:3 (solo 3 of the pool), random:flat:2 (solo 2 over
a held-out progression: tensions, slash, sus, altered, flat, sharp), corpus:danny-boy, songs:late-bus-home.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lofi_build.config import as_config  # noqa: E402
from lofi_build.model import measures  # noqa: E402
from lofi_build.model.candidates import CANDIDATES  # noqa: E402
from lofi_build.model.measures import Ratio  # noqa: E402
from lofi_build.model.pieces import corpus_leadsheets, leadsheet_pieces, song_piece, CACHE  # noqa: E402
from lofi_build.music.pitch import midi_name  # noqa: E402
from lofi_build.music.progression import parse_progression  # noqa: E402
from lofi_build.scorefile import compile_file  # noqa: E402

# Progressions that are not in content/: tensions, slash chords, sus, altered dominants, a flat and a sharp key.
HELD_OUT = {
    "tensions": "Gmaj9 | Em11 | Am9 | D13",
    "slash": "Cmaj7/E | Fmaj7/A | G7/B | Am7/G",
    "sus": "Gm11 | C7sus4 | Fmaj9 | D7sus4",
    "altered": "Em7b5 | A7#9 | Dm9 | Bb7#11 A7b9",
    "flat": "Dbmaj9 | Bbm9 | Ebm9 | Ab13",
    "sharp": "Emaj9 | C#m9 | F#m11 | B13sus4 B7b9 | G#m7 C#7b9 | F#m9 B13",
}
HELD_OUT_SOLOS = 8
COLUMNS = ("corpus", "shipped", "first", "plain", "random", "unigram", "songs")
TITLES = {"corpus": "corpus", "shipped": "shipped", "first": "first candidate", "plain": "no nudges",
          "random": "random network", "unigram": "unigram", "songs": "our songs"}
MODELS = ("shipped", "first", "plain", "random", "unigram")  # the columns made by make_pool


@dataclass(frozen=True)
class Row:
    """A printed measure: its key in measures.measure (or a column's extra), how it prints, the issue's target."""

    key: str
    label: str
    kind: str = "share"  # share | count | number | median
    low: float | None = None
    high: float | None = None

    def target(self) -> str:
        def f(x):
            return f"{x:.0%}" if self.kind == "share" else f"{x:g}"
        if self.low is not None and self.high is not None:
            return f"{f(self.low)}-{f(self.high)}"
        if self.low is not None:
            return f">= {f(self.low)}"
        return f"<= {f(self.high)}" if self.high is not None else ""

    def meets(self, x) -> bool:
        return (self.low is not None or self.high is not None) and x is not None and \
            (self.low is None or x >= self.low) and (self.high is None or x <= self.high)


ROWS = (
    "feel",
    Row("repeated", "repeated notes (re-strike the last pitch)", high=0.15),
    Row("offbeat", "off-beat onsets", low=0.30, high=0.45),
    Row("syncopated", "syncopated onsets", low=0.08),
    Row("triplets", "triplet onsets"),
    Row("phrase_off_one", "phrases starting off beat 1", low=0.20),
    Row("breathing", "4-bar spans with a rest of a beat or more"),
    Row("opens_on_one", "pieces opening on beat 1 of bar 1"),
    Row("velocity_sd", "melody velocity s.d. (median piece)", "number", low=0.05),
    "development",
    Row("recurring", "bars 3+ recurring (exact, transposed, contour)", low=0.25),
    Row("recurring_exact", "bars 3+ recurring verbatim"),
    Row("motif", "longest recurring run, bars (median piece)", "median"),
    "harmony",
    Row("eleventh", "natural 11s over a major 3rd, strong or held", "count", high=0),
    Row("eleventh_rate", "  the same, per 100 melody notes", "number"),
    Row("third_dominant", "3rd, of notes over dominants", low=0.15),
    Row("guide_tones", "guide tone at chord changes", low=0.40),
    Row("weak_outside", "weak-beat outside notes", high=0.06),
    Row("nct_step", "non-chord tones resolving by step"),
    Row("chord_degrees", "chord-relative pitch JS to corpus, bits", "number"),
    Row("chord_degrees_each", "  the same, median piece", "number"),
    "texture",
    Row("under_comping", "melody notes at/below the comping's top", high=0.10),
    Row("pushes_clash", "pushed comping chords against the melody", high=0),
    "form",
    Row("mid_cycle", "loops restarting mid-cycle", "count", high=0),
    "model contribution",
    Row("intervals", "interval histogram JS to corpus, bits", "number", high=0.05),
    Row("intervals_each", "  the same, median piece", "number"),
    "pieces",
    Row("pieces", "pieces", "count"),
    Row("notes", "melody notes", "count"),
    Row("gate", "solos passing the lofi gate", "text"),
)


# -- the columns' pieces ------------------------------------------------------------------------------------


def songs(config) -> list[tuple[str, object]]:
    """Each song over the chords its score writes (its "lofi" chords); a song that writes none is left out."""
    out = []
    for path in sorted(config.songs_dir.glob("*.yaml")):
        piece = song_piece(compile_file(path))
        if piece.timeline:
            out.append((path.stem, piece))
    return out


def corpus(config) -> list[tuple[str, object]]:
    return [(Path(name).stem, piece) for name, piece in
            leadsheet_pieces(corpus_leadsheets(config), config.cache_dir / CACHE)]


class Models:
    """The shipped checkpoint and its two baselines, made when first asked for."""

    def __init__(self, config):
        self.config = config
        self.made: dict = {}

    def __getitem__(self, name: str):
        if name not in self.made:
            self.made[name] = getattr(self, "_" + name)()
        return self.made[name]

    def _first(self):
        return self["shipped"]

    def _plain(self):
        return self["shipped"]

    def _shipped(self):
        from lofi_build.model.train import plan

        found = plan(self.config).find()
        if found is None:
            sys.exit("no checkpoint matches lofi.yaml's model and corpus: run `lofi-build train`")
        return found

    def _random(self):
        from lofi_build.model.baselines import random_network

        return random_network(self["shipped"], self.config.seed)

    def _unigram(self):
        from lofi_build.model import corpus as corpus_mod
        from lofi_build.model.baselines import training_counts, unigram, unigram_of

        shipped = self["shipped"]
        if "target_counts" in shipped.info:  # kept by training: no corpus to encode
            return unigram_of(shipped)
        encoded = corpus_mod.encode(corpus_mod.resolve(self.config), self.config.tokens_cache_dir,
                                    network=shipped.network, progress=False)
        return unigram(shipped, *training_counts(shipped, encoded.sequences, encoded.groups))


def solos(ckpt, config, progressions, count: int, transpose: bool, candidates: int | None = None, nudges: bool = True):
    """The pool make_pool makes for the build (lofi.yaml's settings) over ``progressions``: (name, piece), gate,
    and the chosen and first candidates' mean scores."""
    from lofi_build.model.pool import make_pool, quality_thresholds

    made = make_pool(ckpt, count=count, bars=config.loops.solos, temperature=config.ai.temperature,
                     top_k=config.ai.top_k, seed=config.seed, bpm=config.bpm, progressions=progressions,
                     transpose=transpose, thresholds=quality_thresholds(config), candidates=candidates, nudges=nudges)
    passed = sum(not s.problems for s in made.solos)
    scores = (sum(s.score for s in made.solos) / len(made.solos), sum(s.first for s in made.solos) / len(made.solos))
    return [(s.id, song_piece(s.song)) for s in made.solos], f"{passed}/{len(made.solos)}", scores


def model_sets(config, models: Models, name: str, which: str) -> dict[str, tuple[list, str, tuple]]:
    """Set name -> (pieces, gate, scores) for one model column: 'pool', or every held-out progression."""
    from lofi_build.model.pool import progressions

    ckpt = models[name]
    one = 1 if name == "first" else None
    nudges = name != "plain"
    if which == "pool":
        return {"pool": solos(ckpt, config, progressions(config), config.ai.pool_size, True, one, nudges)}
    return {key: solos(ckpt, config, [(key, parse_progression(text))], HELD_OUT_SOLOS, False, one, nudges)
            for key, text in HELD_OUT.items()}


# -- the table ------------------------------------------------------------------------------------------------


def column(measured: list[dict], notes: int, reference: dict, gate: str = "") -> dict:
    """Every row's value for a group of measured pieces (shares as floats; None where the group lacks what a row
    needs), the histograms' divergences to the reference's."""
    out = {key: measures.pooled(key, [m[key] for m in measured]) for key in measured[0]} if measured else {}
    out = {k: v.value if isinstance(v, Ratio) else v for k, v in out.items()}
    out.update(measures.divergences(measured, reference))
    out.update(pieces=len(measured), notes=notes, gate=gate or None,
               eleventh_rate=100 * out["eleventh"] / notes if out.get("eleventh") is not None and notes else None)
    out["each"] = {}
    for row in ROWS:
        if isinstance(row, Row) and row.target():
            own = [v for v in (piece_value(m, row.key, reference) for m in measured) if v is not None]
            out["each"][row.key] = f"{sum(row.meets(v) for v in own)}/{len(own)}" if own else None
    return out


def piece_value(measured: dict, key: str, reference: dict):
    """One piece's value of a row: a share, a number, or its histogram's divergence to the reference's."""
    value = measured.get(key)
    if key in measures.HISTOGRAMS:
        return measures.js_divergence(value, reference[key])
    return value.value if isinstance(value, Ratio) else value


def measured(pieces: list) -> tuple[list[dict], int]:
    return [measures.measure(p) for _, p in pieces], sum(len(p.melody) for _, p in pieces)


def cell(row: Row, value) -> str:
    if value is None:
        return "n/a"
    if row.kind == "share":
        text = f"{value:.1%}"
    elif row.kind == "number":
        text = f"{value:.3f}"
    elif row.kind == "median":
        text = f"{value:g}"
    else:
        text = str(value)
    return text + (" ✓" if row.meets(value) else "")


def print_table(title: str, columns: dict[str, dict], each: bool = False) -> None:
    """The rows for every column; ``each``: how many pieces meet each target on their own, instead."""
    print(f"\n{title}")
    head = ["measure", *(TITLES.get(c, c) for c in columns), "target"]
    lines = [head]
    rows = [r for r in ROWS if not each or isinstance(r, str) or r.target()]
    for row, after in zip(rows, rows[1:] + [""]):
        if isinstance(row, str):
            if not isinstance(after, str):  # a heading over no rows (the per-piece table's "pieces") is left out
                lines.append([f"-- {row}"] + [""] * (len(head) - 1))
            continue
        values = []
        for name, values_of in columns.items():
            v = values_of.get(row.key)
            if each:
                values.append(values_of["each"].get(row.key) or "n/a")
            else:
                values.append("ref" if name == "corpus" and row.key in measures.HISTOGRAMS else cell(row, v))
        lines.append([row.label, *values, row.target()])
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    for line in lines:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths))).rstrip())


# -- one piece, note by note -----------------------------------------------------------------------------------

_SUBDIVISIONS = {Fraction(0): "", Fraction(1, 4): "e", Fraction(1, 2): "+", Fraction(3, 4): "a",
                 Fraction(1, 3): "t", Fraction(2, 3): "tt"}
_LENGTHS = {Fraction(4): "whole", Fraction(3): "half.", Fraction(2): "half", Fraction(3, 2): "quarter.",
            Fraction(1): "quarter", Fraction(3, 4): "8th.", Fraction(1, 2): "8th", Fraction(1, 4): "16th",
            Fraction(2, 3): "quarter-triplet", Fraction(1, 3): "8th-triplet", Fraction(1, 6): "16th-triplet"}


def position(q: Fraction, bar: Fraction) -> str:
    """Beat and subdivision in the bar: 1, 1e, 1+, 1a, 1t, 1tt (triplets), else beat + the fraction."""
    within = measures.in_bar(q, bar)
    beat, rest = int(within), within - int(within)
    return f"{beat + 1}{_SUBDIVISIONS.get(rest, f'+{rest}')}"


def length(d: Fraction) -> str:
    return _LENGTHS.get(d, f"{d} q")


def read_piece(name: str, piece) -> None:
    """The piece bar by bar: the chords played and the comping's strokes (position, pitches); each note's position,
    pitch, length, velocity (1..127, where written), the chord it is struck on and its degree there, flagged where
    it is outside the chord's tones and tensions, an avoid 11, or at/below the comping's top."""
    chords = measures.Timeline(piece.timeline)
    bars = piece.loop_bars or -int(-max(n.end for n in piece.melody) // piece.bar)
    print(f"{name}: {bars} bars, {len(piece.melody)} melody notes")
    for k in range(bars):
        start, end = k * piece.bar, (k + 1) * piece.bar
        symbols = [f"{getattr(s.chord, 'symbol', '?')}@{position(s.start, piece.bar)}" if s.start > start else
                   getattr(s.chord, "symbol", "?") for s in piece.timeline if s.start < end and s.end > start]
        print(f"bar {k + 1:>2}  {' '.join(symbols) or 'N.C.'}")
        strokes: dict = {}
        for c in piece.comping or ():
            if start <= c.onset < end:
                strokes.setdefault(c.onset, []).append(c.pitch)
        if strokes:
            print("        comping " + "  ".join(f"{position(q, piece.bar)} [{' '.join(midi_name(p) for p in sorted(ps))}]"
                                             for q, ps in sorted(strokes.items())))
        notes = [n for n in piece.melody if start <= n.onset < end]
        if not notes:
            print("        (rest)")
        for n in notes:
            c = chords.at(n.onset)
            flags = []
            if c is not None:
                if n.pitch % 12 == measures.avoid_eleventh(c):
                    flags.append("avoid 11")
                elif n.pitch % 12 not in measures.available_tones(c):
                    flags.append("outside")
            if piece.comping and measures.under_comping([n], piece.comping).hits:
                flags.append("under comping")
            degree = f"{measures.degree(c, n.pitch)} of {getattr(c, 'symbol', '?')}" if c is not None else "-"
            touch = f"{round(n.velocity * 127):>3}" if n.velocity is not None else "  -"
            print(f"        {position(n.onset, piece.bar):<6}{midi_name(n.pitch):<5}{length(n.duration):<16}{touch}  "
                  f"{degree:<16}{', '.join(flags)}")


def find_piece(spec: str, config, models: Models):
    parts = spec.split(":")
    if parts[0] in ("corpus", "songs") and len(parts) == 2:
        named = dict(corpus(config) if parts[0] == "corpus" else songs(config))
        if parts[1] not in named:
            sys.exit(f"--read {spec}: no {parts[0]} piece '{parts[1]}' (e.g. {', '.join(sorted(named)[:4])})")
        return named[parts[1]]
    if parts[0] in MODELS and len(parts) == 3 and parts[2].isdigit():
        which = "pool" if parts[1] == "pool" else "held-out"
        sets = model_sets(config, models, parts[0], which)
        if parts[1] not in sets or not 1 <= int(parts[2]) <= len(sets[parts[1]][0]):
            sys.exit(f"--read {spec}: sets are pool, {', '.join(HELD_OUT)}; solos count from 1")
        return sets[parts[1]][0][int(parts[2]) - 1][1]
    sys.exit(f"--read {spec}: expected corpus:NAME, songs:NAME or {'|'.join(MODELS)}:pool|HELD_OUT:N")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("pool", "held-out"), help="print one of the two tables")
    parser.add_argument("--read", metavar="COLUMN:SET:N", action="append", default=[],
                        help="print a piece note by note instead of the tables (repeatable)")
    parser.add_argument("--each", action="store_true", help="also count the pieces that meet each target alone")
    parser.add_argument("--verbose", action="store_true", help="show the pool's warnings (solos failing the gate)")
    parser.add_argument("--songs", action="store_true",
                        help="print a column for each song (and all songs together) beside the corpus, no solos")
    parser.add_argument("--card", action="store_true", help="write the tables into the shipped model's card")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR, format="%(message)s")
    config = as_config(ROOT / "lofi.yaml")
    models = Models(config)
    if args.read:
        for spec in args.read:
            read_piece(spec, find_piece(spec, config, models))
            print()
        return 0
    started = time.perf_counter()
    tables = []
    corpus_pieces = corpus(config)
    corpus_measured, corpus_notes = measured(corpus_pieces)
    reference = {key: sum(m[key] for m in corpus_measured) for key in measures.HISTOGRAMS}
    fixed = {"corpus": column(corpus_measured, corpus_notes, reference),
             "songs": column(*measured(songs(config)), reference)}
    if args.songs:
        each = songs(config)
        columns = {"corpus": fixed["corpus"], **{name: column(*measured([(name, p)]), reference) for name, p in each},
                   "songs": fixed["songs"]}
        print_table(f"our songs, each over the chords it plays ({len(each)} songs)", columns)
        return 0
    print(f"corpus: {len(corpus_pieces)} lead sheets of {len(corpus_leadsheets(config))} (a sheet whose bar length "
          f"changes, or without chord symbols, is left out); chorales left out. Seed {config.seed}.")
    for which in ("pool", "held-out"):
        if args.only and args.only != which:
            continue
        sets = {name: model_sets(config, models, name, which) for name in MODELS}
        merged = {name: ([p for pieces, _, _ in s.values() for p in pieces],
                         _add_gates([g for _, g, _ in s.values()])) for name, s in sets.items()}
        columns = {"corpus": fixed["corpus"],
                   **{name: column(*measured(pieces), reference, gate) for name, (pieces, gate) in merged.items()},
                   "songs": fixed["songs"]}
        columns = {c: columns[c] for c in COLUMNS}
        if which == "pool":
            title = (f"(a) the pool the build makes: {config.ai.pool_size} solos x {config.loops.solos} bars, "
                     f"temperature {config.ai.temperature}, top-k {config.ai.top_k}")
        else:
            title = (f"(b) {HELD_OUT_SOLOS} solos x {config.loops.solos} bars over each of {len(HELD_OUT)} progressions "
                     "not in content/: " + "; ".join(f"{k}: {v}" for k, v in HELD_OUT.items()))
        print_table(title, columns)
        tables.append((title, columns))
        chosen = [sc for _, _, sc in sets["shipped"].values()]
        print(f"best of {CANDIDATES} candidates: mean score {sum(c for c, _ in chosen) / len(chosen):.3f} against "
              f"{sum(f for _, f in chosen) / len(chosen):.3f} for the first candidate alone "
              f"(candidates.score: the mean log-likelihood an event plus the weighted measures); every measure's gain "
              "is the shipped column against the first candidate's")
        if args.each:
            print_table("  pieces meeting each target on their own", columns, each=True)
    print(f"\n{time.perf_counter() - started:.0f} s (lead sheets read from .lofi-cache/{CACHE} after the first run)")
    if args.card:
        write_card(config, models["shipped"], tables)
    return 0


def write_card(config, shipped, tables) -> None:
    """The shipped checkpoint's MODEL.md with the tables as its "Solos" section: a row a measure, a column a source."""
    from lofi_build.model.card import write_card as write

    rows = []
    for title, columns in tables:
        rows.append((f"**{title.split(':')[0]}**", {TITLES[c]: "" for c in columns} | {"target": ""}))
        rows += [(row.label.strip(), {TITLES[c]: cell(row, columns[c].get(row.key)) if not (
                  c == "corpus" and row.key in measures.HISTOGRAMS) else "ref" for c in columns} | {"target": row.target()})
                 for row in ROWS if isinstance(row, Row)]
    about = (f"Measured by `benchmarks/bench_musicality.py --card` (seed {config.seed}): every musician's measure of "
             "`lofi_build/model/measures.py` for the lead sheets (corpus), this model's solos (each the best of "
             f"{CANDIDATES} candidates), the same solos' first candidates, the model without the rules' nudges (what "
             "it does alone), a random-initialised network of this preset and a unigram of its training targets under "
             "the same rules, nudges and choice, and our songs; (a) the "
             "pool the build makes, (b) 8 solos over each of 6 progressions not in `content/` "
             f"({'; '.join(f'{k}: {v}' for k, v in HELD_OUT.items())}). A mark: the issue's target is met.")
    write(shipped, config=config, pool=rows, pool_about=about)
    print(f"wrote {shipped.folder / 'MODEL.md'}")


def _add_gates(gates: list[str]) -> str:
    passed = sum(int(g.split("/")[0]) for g in gates)
    return f"{passed}/{sum(int(g.split('/')[1]) for g in gates)}"


if __name__ == "__main__":
    sys.exit(main())
