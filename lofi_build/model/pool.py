"""The AI solo pool: progressions in all 12 keys, the engine's melodies with chords and bass, the lofi gate."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from ..errors import ModelError
from ..music import accompany, chord_table, dynamics, form
from ..music.form import loop_progression
from ..music.instruments import preset
from ..music.pitch import SHARP_NAMES
from ..music.tokens import token_pitches
from ..music.chordline import chords_json
from ..music.tonejson import Note, Track, song_json, unit_velocity
from ..music.transport import PPQ, Meter
from . import engine, quality

log = logging.getLogger("lofi_build")

MELODY_INSTRUMENT = "rhodes"
CHORD_INSTRUMENTS = ("rhodes", "piano")  # solos alternate: rhodes comping, then piano comping
BASS_INSTRUMENT = "bass"
METER = Meter(4, 4)
MAX_ROUNDS = 8  # tries per solo (its seed, then the next unused seeds) before the gate gives up
KEY_STEP = 7  # solo i is transposed by 7 i semitones (round the circle of fifths), plus 1 per lap of the list


@dataclass(frozen=True)
class Slot:
    """What one solo of the pool plays over: a progression (by name, or inline) in one key."""

    name: str
    progression: object  # music.progression.Progression, transposed
    semitones: int


@dataclass
class Solo:
    id: str
    seed: int
    slot: Slot
    events: list[tuple[str, Fraction]]
    stats: dict
    problems: list[str] = field(default_factory=list)  # empty: the solo passed the gate
    song: dict = field(default_factory=dict)
    score: float = 0.0  # the best candidate's score (candidates.score), and the first candidate's
    first: float = 0.0


@dataclass
class Pool:
    solos: list[Solo]
    rejected: list[tuple[int, list[str]]]  # (seed, reasons)
    seconds: float
    model: str
    thresholds: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)  # seconds spent in the engine, the gate and on the pieces

    @property
    def failed(self) -> list[Solo]:
        """Solos kept although no try passed the gate (the best try of each)."""
        return [s for s in self.solos if s.problems]

    def report(self) -> str:
        text = f"{len(self.solos)} solos in {self.seconds:.2f} s with {self.model}"
        if not self.rejected:
            text += "; the quality gate rejected none"
        else:
            reasons = "; ".join(f"seed {s}: {', '.join(r)}" for s, r in self.rejected[:4])
            more = f" (and {len(self.rejected) - 4} more)" if len(self.rejected) > 4 else ""
            text += f"; the quality gate rejected {len(self.rejected)} and resampled them: {reasons}{more}"
        return text + "."


# -- what the solos play over ----------------------------------------------------------------------


def progressions(config) -> list[tuple[str, object]]:
    """``ai.progressions`` as (name, Progression): library names or inline progressions; default: the library."""
    from ..music.progression import ProgressionError, parse_progression
    from ..progressions import library as load_library

    wanted = config.ai.progressions
    library = load_library(config)
    if not wanted:
        return [(name, entry.progression) for name, entry in library.items()]
    out = []
    for i, item in enumerate(wanted):
        if item in library:
            out.append((item, library[item].progression))
            continue
        try:
            out.append(("inline", parse_progression(item)))
        except ProgressionError as e:
            hint = "" if "|" in item or " " in item.strip() else " (not a name in the progression library either)"
            raise config.error(("ai", "progressions", i), f"{e}{hint}") from None
    return out


def slots(progs: list[tuple[str, object]], count: int, seed: int, transpose: bool = True) -> list[Slot]:
    """Solo i plays progression i mod P in a key set by the seed, every key in turn round the circle of fifths
    (or as written, without ``transpose``)."""
    out = []
    for i in range(count):
        name, prog = progs[i % len(progs)]
        semitones = (seed + KEY_STEP * i + i // len(progs)) % 12 if transpose else 0
        out.append(Slot(name, prog.transpose(semitones) if semitones else prog, semitones))
    return out


def timeline_of(progression, bars: int):
    """The chords a solo of ``bars`` bars plays over ``progression``: its loop's form (music.form), whole cycles
    and a turnaround into the top."""
    return loop_progression(progression, bars).timeline(bars, METER.numerator)


def harmony_of(progression, bars: int) -> engine.Harmony:
    spans = [(s.start, s.end, s.chord.vector(), s.chord.pcs, quality.melody_pcs(s.chord), s.chord.avoid)
             for s in timeline_of(progression, bars)]
    return engine.harmony(spans, quarters=Fraction(bars) * METER.quarters_per_bar, beats_per_bar=METER.numerator)


# -- a solo as a piece ----------------------------------------------------------------------------------


def melody_of(events: list[tuple[str, Fraction]]) -> list[tuple[Fraction, Fraction, tuple[int, ...]]]:
    """(start, duration, midis) per event, in quarters; rests have no midis."""
    out, now = [], Fraction(0)
    for token, length in events:
        out.append((now, length, token_pitches(token)))
        now += length
    return out


def parts(index: int) -> list[tuple[str, str]]:
    """(track name, sampler preset) of solo ``index``'s tracks, in order: melody, chords, bass."""
    return [("melody", MELODY_INSTRUMENT), ("chords", CHORD_INSTRUMENTS[(index - 1) % len(CHORD_INSTRUMENTS)]),
            ("bass", BASS_INSTRUMENT)]


def solo_facts() -> dict:
    """How the browser writes a solo as a piece, as the pool writes its first solo (the exported model header's
    ``solo``; lofi_build/site/facts.py describes the keys)."""
    return {"noteNames": list(SHARP_NAMES), "meter": [METER.numerator, METER.denominator],
            "parts": [{"name": name, "instrument": i, "gm": preset(i).gm} for name, i in parts(1)],
            "dynamics": dynamics.tables(), "tensions": list(chord_table.TENSIONS),
            "keys": quality.key_table(), "accompany": accompany.tables(), "form": form.tables()}


def solo_song(solo: Solo, *, index: int, bpm: float, bars: int, temperature: float, top_k: int, model: str,
              timeline, lay_back: int) -> dict:
    """A solo in the one note format: the melody (an octave up where it would sit in the comping, its velocities
    shaped by phrase and metre, ``lay_back`` ticks behind the beat when played), the chords comped under it and
    the bass over ``timeline``; seed, progression, the chords played and the lay-back in "lofi"."""
    played = [(int(start * PPQ), int(length * PPQ), midis) for start, length, midis in melody_of(solo.events) if midis]
    shift = accompany.lead_shift([p for _, _, midis in played for p in midis])
    played = [(t, d, tuple(p + shift for p in midis)) for t, d, midis in played]
    touch = dynamics.velocities(played, bar=METER.bar_ticks, ppq=PPQ)
    melody = [Note(midi=p, ticks=t, duration_ticks=d, velocity=unit_velocity(v))
              for (t, d, midis), v in zip(played, touch) for p in midis]
    chord_notes, bass_notes = accompany.accompany(timeline, bars=bars, seed=solo.seed, ppq=PPQ,
                                                  melody=[(n.ticks, n.duration_ticks, n.midi) for n in melody])
    def as_notes(notes):
        return [Note(midi=m, ticks=t, duration_ticks=d, velocity=unit_velocity(v)) for t, d, m, v in notes]
    tracks = [Track(name, instrument, notes)
              for (name, instrument), notes in zip(parts(index), (melody, as_notes(chord_notes), as_notes(bass_notes)))]
    weights = np.zeros(12)
    for track in tracks:
        for n in track.notes:
            weights[n.midi % 12] += n.duration_ticks
    tonic, scale = quality.key_name(*quality.detect_key(weights))
    return song_json(
        title=f"AI solo {index:02d}",
        bpm=bpm,
        tracks=tracks,
        loop_bars=bars,
        meter=METER,
        key=(tonic, scale),
        extra={"solo": True, "seed": solo.seed, "temperature": temperature, "topK": top_k, "model": model,
               "stats": {**solo.stats, "problems": solo.problems}, "progression": solo.slot.progression.text,
               "chords": chords_json(timeline), "layBack": {parts(index)[0][0]: lay_back}},
    )


# -- the pool -------------------------------------------------------------------------------------------


def default_thresholds() -> dict:
    """``ai.quality``'s defaults, from the config schema."""
    from ..config import Quality, as_dict

    return as_dict(Quality())


def make_pool(ckpt, *, count: int, bars: int, temperature: float, top_k: int, seed: int, bpm: float,
              progressions: list[tuple[str, object]], transpose: bool = True, thresholds: dict | None = None,
              strict: bool = False, gate: bool = True, candidates: int | None = None,
              lay_back: int | None = None, nudges: bool = True) -> Pool:
    """``count`` solos over the progressions, from seeds ``seed, seed+1, ...``, each the best of its ``candidates``
    (default :data:`~lofi_build.model.candidates.CANDIDATES`); a solo that fails the lofi gate is generated again
    (same progression and key) with the next unused seed, up to MAX_ROUNDS tries. Without ``gate`` (benchmarks):
    one try each, unmeasured. ``lay_back``: ticks the melody plays behind the beat (default: ai.lay_back's).
    ``nudges``: False draws from the network's logits as they are (benchmarks: the model alone, :mod:`.rules`)."""
    from ..config import AI
    from . import candidates as choosing

    started = time.perf_counter()
    lay_back = AI().lay_back if lay_back is None else lay_back
    thresholds = default_thresholds() if thresholds is None else dict(thresholds)
    plan = slots(progressions, count, seed, transpose)
    timelines = [timeline_of(s.progression, bars) for s in plan]
    harmonies = [harmony_of(s.progression, bars) for s in plan]
    max_run = int(thresholds.get("max_equal_run", 0) or 0)
    best: list[Solo | None] = [None] * count
    rejected: list[tuple[int, list[str]]] = []
    todo = list(range(count))
    next_seed = seed
    timings = dict.fromkeys(("engine", "gate", "pieces"), 0.0)
    reference = quality.reference_of(ckpt) if gate else None
    for _ in range(MAX_ROUNDS if gate else 1):
        if not todo:
            break
        seeds = [(next_seed + j) % 2**32 for j in range(len(todo))]
        next_seed += len(todo)
        clock = time.perf_counter()
        out = choosing.generate(ckpt, seeds, [harmonies[i] for i in todo], [timelines[i] for i in todo], temperature,
                                top_k, bars=bars, bar=Fraction(METER.quarters_per_bar), count=candidates,
                                max_equal_run=max_run, nudges=nudges,
                                rests=(thresholds.get("rest_min", 0.0), thresholds.get("rest_max", 1.0)))
        timings["engine"] += time.perf_counter() - clock
        clock = time.perf_counter()
        failing = []
        for i, s, made in zip(todo, seeds, out):
            events = [(ckpt.vocab[t], d) for t, d in made["events"]]
            stats = quality.lofi_measures(melody_of(events), timelines[i], bars=bars, beats_per_bar=METER.numerator,
                                          reference=reference) if gate else {}
            reasons = quality.lofi_problems(stats, thresholds) if gate else []
            solo = Solo("", s, plan[i], events, stats, reasons, score=made["score"], first=made["first"])
            if best[i] is None or len(reasons) < len(best[i].problems):
                best[i] = solo
            if reasons:
                rejected.append((s, reasons))
                failing.append(i)
        todo = failing
        timings["gate"] += time.perf_counter() - clock
    pool = Pool(best, [r for r in rejected if r[0] not in {s.seed for s in best}], 0.0, ckpt.short, thresholds,
                timings)
    clock = time.perf_counter()
    for i, solo in enumerate(best, 1):
        solo.id = f"solo-{i:02d}"
        solo.song = solo_song(solo, index=i, bpm=bpm, bars=bars, temperature=temperature, top_k=top_k,
                              model=ckpt.short, timeline=timelines[i - 1], lay_back=lay_back)
    timings["pieces"] = time.perf_counter() - clock
    if pool.failed:
        lines = [f"{s.id} ({s.slot.name}: {s.slot.progression.text}): {', '.join(s.problems)}" for s in pool.failed]
        message = (f"{len(pool.failed)} of {count} solos did not pass the quality gate in {MAX_ROUNDS} tries each; "
                   f"kept the best try of each: {'; '.join(lines)}. Raise ai.temperature, relax ai.quality or "
                   "train the model longer")
        if strict:
            raise ModelError(message)
        log.warning("warning: %s", message)
    pool.seconds = time.perf_counter() - started
    return pool


def summary(pool: Pool, *, bars: int, temperature: float, top_k: int, bpm: float, checkpoint: dict) -> dict:
    """pool.json: how the pool was made, each solo's seed, progression, measures and gate verdict, the rejections."""
    return {
        "model": pool.model, "checkpoint": checkpoint, "bars": bars, "temperature": temperature, "topK": top_k,
        "bpm": bpm, "quality": pool.thresholds,
        "solos": [{"id": s.id, "seed": s.seed, "progression": s.slot.progression.text, "progressionName": s.slot.name,
                   "transpose": s.slot.semitones, "key": _key(s.song),
                   "stats": s.stats, "passed": not s.problems, "problems": s.problems} for s in pool.solos],
        "rejected": [{"seed": s, "reasons": r} for s, r in pool.rejected],
    }


def _key(song: dict) -> str:
    k = song["header"]["keySignatures"][0]
    return f"{k['key']} {k['scale']}"


def checkpoint_info(ckpt) -> dict:
    """Which checkpoint made a pool and how good it is (validation perplexity against the unigram's)."""
    info = {"name": ckpt.short}
    for key in ("val_perplexity", "unigram_val_perplexity"):
        if key in ckpt.info:
            info[key] = ckpt.info[key]
    return info


def describe(ckpt) -> str:
    info = checkpoint_info(ckpt)
    if "val_perplexity" not in info:
        return f"checkpoint {info['name']}"
    unigram = f" (unigram {info['unigram_val_perplexity']})" if "unigram_val_perplexity" in info else ""
    return f"checkpoint {info['name']}, validation perplexity {info['val_perplexity']}{unigram}"


# -- what the site and the CLI call ---------------------------------------------------------------------


def _checkpoint(config, strict: bool):
    from .train import ensure_trained

    return ensure_trained(config, strict=strict, progress=log.isEnabledFor(logging.INFO))


def solos(config, strict: bool = False) -> Pool:
    """The pool ``lofi-build site`` publishes: ai.pool_size solos over ai.progressions, from the matching checkpoint."""
    ckpt = _checkpoint(config, strict)
    log.info("AI pool: %s.", describe(ckpt))
    pool = make_pool(ckpt, count=config.ai.pool_size, bars=config.loops.solos, temperature=config.ai.temperature,
                     top_k=config.ai.top_k, seed=config.seed, bpm=config.bpm, progressions=progressions(config),
                     thresholds=quality_thresholds(config), strict=strict, lay_back=config.ai.lay_back)
    log.info("AI pool: %s", pool.report())
    return pool


def quality_thresholds(config) -> dict:
    """``ai.quality`` as the gate reads it."""
    from ..config import as_dict

    return as_dict(config.ai.quality)


def _stamp(path: Path):
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


def solos_key(config) -> tuple:
    """Everything the pool depends on (checkpoint, ai settings, seed, tempo, loop, progressions), cheaply:
    equal keys mean an equal pool, so a rebuild can keep the last one."""
    from . import checkpoint
    from .train import plan

    p = plan(config)
    return (p.fingerprint, _stamp(p.folder / checkpoint.WEIGHTS), config.ai.pool_size, config.ai.temperature,
            config.ai.top_k, config.ai.lay_back, config.seed, config.bpm, config.loops.solos,
            json.dumps(config.ai.progressions), json.dumps(quality_thresholds(config), sort_keys=True),
            tuple(_stamp(path) for path in config.progressions_yamls))


def generate_files(config_file, *, progression: str | None = None, count=None, bars=None, temperature=None,
                   top_k=None, seed=None, outdir=None, strict=False) -> Pool:
    """``lofi-build generate``: each solo as .mid and .json, and pool.json (seeds, progressions, measures)."""
    from ..config import as_config
    from ..music.midi import midi_bytes
    from ..music.progression import parse_progression

    config = as_config(config_file, strict=strict)
    progs = [("inline", parse_progression(progression))] if progression is not None else progressions(config)
    ckpt = _checkpoint(config, strict)
    log.info("Generating with %s.", describe(ckpt))
    temperature = config.ai.temperature if temperature is None else temperature
    top_k = config.ai.top_k if top_k is None else top_k
    bars = bars or config.loops.solos
    pool = make_pool(ckpt, count=count or max(config.ai.pool_size, 1), bars=bars, temperature=temperature,
                     top_k=top_k, seed=config.seed if seed is None else seed, bpm=config.bpm, progressions=progs,
                     transpose=progression is None, thresholds=quality_thresholds(config), strict=strict,
                     lay_back=config.ai.lay_back)
    outdir = Path(outdir) if outdir else config.solos_dir
    outdir.mkdir(parents=True, exist_ok=True)
    for solo in pool.solos:
        (outdir / f"{solo.id}.json").write_text(json.dumps(solo.song, sort_keys=True, indent=1) + "\n")
        (outdir / f"{solo.id}.mid").write_bytes(midi_bytes(solo.song))
    data = summary(pool, bars=bars, temperature=temperature, top_k=top_k, bpm=config.bpm,
                   checkpoint=checkpoint_info(ckpt))
    (outdir / "pool.json").write_text(json.dumps(data, sort_keys=True, indent=1) + "\n")
    log.info("%s Wrote them to %s.", pool.report(), outdir)
    return pool
