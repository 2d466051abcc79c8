"""The AI solo pool: generate with the engine, pass the quality gate, write Tone.js JSON and MIDI."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from ..errors import ModelError
from ..music.tokens import token_pitches
from ..music.tonejson import Note, Track, song_json
from ..music.transport import PPQ, Meter
from . import engine, quality

log = logging.getLogger("lofi_build")

INSTRUMENT = "rhodes"
METER = Meter(4, 4)
MAX_ROUNDS = 8  # rounds of resampling before the gate gives up
NOTE_VELOCITY = 0.62
CHORD_VELOCITY = 0.48  # chords are played softer than single notes


@dataclass
class Solo:
    id: str
    seed: int
    events: list[tuple[str, Fraction]]
    stats: dict
    song: dict = field(default_factory=dict)


@dataclass
class Pool:
    solos: list[Solo]
    rejected: list[tuple[int, list[str]]]  # (seed, reasons)
    seconds: float
    model: str

    def report(self) -> str:
        text = f"{len(self.solos)} solos in {self.seconds:.2f} s with {self.model}"
        if not self.rejected:
            return text + "; the quality gate rejected none."
        reasons = "; ".join(f"seed {s}: {', '.join(r)}" for s, r in self.rejected[:6])
        more = f" (and {len(self.rejected) - 6} more)" if len(self.rejected) > 6 else ""
        return text + f"; the quality gate rejected {len(self.rejected)} and resampled them: {reasons}{more}."


def solo_song(solo: Solo, *, index: int, bpm: float, bars: int, temperature: float, top_k: int, model: str) -> dict:
    """A solo in the one note format (same schema as songs), with its seed and stats in "lofi"."""
    notes, tick = [], 0
    for token, length in solo.events:
        ticks = int(length * PPQ)
        pitches = token_pitches(token)
        velocity = CHORD_VELOCITY if len(pitches) > 1 else NOTE_VELOCITY
        notes += [Note(midi=p, ticks=tick, duration_ticks=ticks, velocity=velocity) for p in pitches]
        tick += ticks
    tonic, scale = solo.stats["key"].split()
    return song_json(
        title=f"AI solo {index:02d}",
        bpm=bpm,
        tracks=[Track("solo", INSTRUMENT, notes)],
        loop_bars=bars,
        meter=METER,
        key=(tonic, scale),
        extra={"solo": True, "seed": solo.seed, "temperature": temperature, "topK": top_k, "model": model,
               "stats": solo.stats},
    )


def make_pool(ckpt, *, count: int, bars: int, temperature: float, top_k: int, seed: int, bpm: float,
              gate: quality.Gate = quality.GATE) -> Pool:
    """``count`` solos from seeds ``seed, seed+1, ...``; degenerate ones are replaced by the next seeds."""
    started = time.perf_counter()
    quarters = Fraction(bars) * METER.quarters_per_bar
    accepted: list[Solo] = []
    rejected: list[tuple[int, list[str]]] = []
    next_seed = seed
    for _ in range(MAX_ROUNDS):
        need = count - len(accepted)
        if need <= 0:
            break
        seeds = [(next_seed + i) % 2**32 for i in range(need)]
        next_seed += need
        for s, ids in zip(seeds, engine.generate(ckpt, seeds, quarters, temperature, top_k)):
            events = [(ckpt.vocab[t], d) for t, d in ids]
            stats = quality.measure(events)
            reasons = quality.problems(stats, gate)
            if reasons:
                rejected.append((s, reasons))
            else:
                accepted.append(Solo("", s, events, stats))
    if len(accepted) < count:
        raise ModelError(f"only {len(accepted)} of {count} solos passed the quality gate after {MAX_ROUNDS} rounds "
                         f"({len(rejected)} rejected, e.g. {'; '.join(rejected[0][1])}): raise ai.temperature or "
                         "ai.top_k, or train the model longer")
    pool = Pool(accepted, rejected, 0.0, ckpt.short)
    for i, solo in enumerate(accepted, 1):
        solo.id = f"solo-{i:02d}"
        solo.song = solo_song(solo, index=i, bpm=bpm, bars=bars, temperature=temperature, top_k=top_k,
                              model=ckpt.short)
    pool.seconds = time.perf_counter() - started
    return pool


def site_solos(config, strict: bool = False) -> Pool:
    """The pool ``lofi-build site`` publishes: ai.pool_size solos from the matching checkpoint."""
    from .train import ensure_trained

    ckpt = ensure_trained(config, strict=strict, progress=log.isEnabledFor(logging.INFO))
    pool = make_pool(ckpt, count=config.ai.pool_size, bars=config.loops.solos, temperature=config.ai.temperature,
                     top_k=config.ai.top_k, seed=config.seed, bpm=config.bpm)
    log.info("AI pool: %s", pool.report())
    return pool


def pool_key(config) -> tuple:
    """What the pool depends on besides the checkpoint: ai settings, seed, tempo and loop length."""
    return (config.ai.pool_size, config.ai.temperature, config.ai.top_k, config.seed, config.bpm, config.loops.solos)


def generate_files(config_file, *, count=None, bars=None, temperature=None, top_k=None, seed=None, outdir=None,
                   strict=False) -> Pool:
    """``lofi-build generate``: write each solo as .mid and .json, and pool.json with seeds, stats and rejections."""
    from ..config import as_config
    from ..music.midi import midi_bytes
    from .train import ensure_trained

    config = as_config(config_file, strict=strict)
    ckpt = ensure_trained(config, strict=strict, progress=log.isEnabledFor(logging.INFO))
    temperature = config.ai.temperature if temperature is None else temperature
    top_k = config.ai.top_k if top_k is None else top_k
    bars = bars or config.loops.solos
    pool = make_pool(ckpt, count=count or max(config.ai.pool_size, 1), bars=bars, temperature=temperature,
                     top_k=top_k, seed=config.seed if seed is None else seed, bpm=config.bpm)
    outdir = Path(outdir) if outdir else config.solos_dir
    outdir.mkdir(parents=True, exist_ok=True)
    for solo in pool.solos:
        (outdir / f"{solo.id}.json").write_text(json.dumps(solo.song, sort_keys=True, indent=1) + "\n")
        (outdir / f"{solo.id}.mid").write_bytes(midi_bytes(solo.song))
    summary = {
        "model": ckpt.short, "bars": bars, "temperature": temperature, "topK": top_k, "bpm": config.bpm,
        "solos": [{"id": s.id, "seed": s.seed, "stats": s.stats} for s in pool.solos],
        "rejected": [{"seed": s, "reasons": r} for s, r in pool.rejected],
    }
    (outdir / "pool.json").write_text(json.dumps(summary, sort_keys=True, indent=1) + "\n")
    log.info("%s Wrote them to %s.", pool.report(), outdir)
    return pool
