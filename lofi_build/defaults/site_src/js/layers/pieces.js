// Piece arithmetic: a piece's tempo, meter, loop and swing as its JSON says them, and the samples it needs.
//
// Piece arithmetic: a piece's tempo, meter, loop and swing as its JSON says them, its notes
// laid out over a layer's loop, and which kit samples (and from which tick) it needs.
import { barTicksOf } from "../audio/transport.js";

/** The piece's tempo: the Tone.js JSON header's first tempo (the one place it is stored). */
export function pieceBpm(piece) {
  return piece.header.tempos[0].bpm;
}

export function pieceMeter(piece) {
  return piece.header.timeSignatures[0].timeSignature;
}

export function pieceBarTicks(piece) {
  return barTicksOf(pieceMeter(piece), piece.header.ppq);
}

/** The loop length a piece itself declares, in ticks. */
export function pieceLoopTicks(piece) {
  return piece.lofi.loopBars * pieceBarTicks(piece);
}

/** A piece's own swing: {amount, subdivision, sub (its ticks)}; `swing` is facts.swing. */
export function pieceSwing(piece, swing) {
  const subdivision = piece.lofi.swingSubdivision || swing.default;
  const sub = swing.ticks[subdivision];
  if (!sub) throw new Error(`unknown swing subdivision ${subdivision}`);
  return { amount: piece.lofi.swing || 0, subdivision, sub };
}

/** Ticks a track plays behind the beat (the piece's `lofi.layBack`, by track name; a solo's melody), added
 * to each note's time as swing is, at play time: the MIDI files bake the same (music/midi.py, ondemand/midi.js). */
export function trackLayBack(piece, track) {
  return (piece.lofi.layBack && piece.lofi.layBack[track.name]) || 0;
}

/** Instrument id (kit preset) of each track, by track name. */
export function presetsByTrack(piece) {
  return new Map(piece.lofi.parts.map((p) => [p.name, p.instrument]));
}

/**
 * A track's notes laid out over a layer loop of `loopTicks`: the piece's own loop
 * (`pieceTicks`) repeats to fill it and is cut where it ends, so a 2-bar groove fills an
 * 8-bar drum loop and a 32-bar solo stops at bar 30 before it starts again.
 */
export function layerEvents(track, pieceTicks, loopTicks) {
  const events = [];
  for (let offset = 0; offset < loopTicks; offset += pieceTicks) {
    for (const n of track.notes) {
      const ticks = n.ticks + offset;
      if (n.ticks < pieceTicks && ticks < loopTicks) events.push({ ...n, ticks, source: n.ticks });
    }
  }
  return events.sort((a, b) => a.ticks - b.ticks || a.midi - b.midi);
}

/** The sampled note a note at `midi` plays from (the sample above wins a tie, as in Tone.Sampler). */
export function nearestSample(sampled, midi) {
  for (let d = 0; d < 128; d++) {
    if (sampled.has(midi + d)) return midi + d;
    if (sampled.has(midi - d)) return midi - d;
  }
  return null;
}

// General MIDI drum notes a kit may lack, and the sound that stands in for each.
const DRUM_ALIASES = {
  35: [36], 36: [35], 37: [38, 39], 38: [40, 37], 39: [38, 37], 40: [38], 41: [45, 43, 47], 43: [45, 41, 47],
  44: [42], 42: [44], 46: [42], 45: [47, 43, 41], 47: [45, 48, 50], 48: [47, 50], 50: [48, 47],
  49: [57, 52, 55, 51], 52: [49, 57], 55: [49, 57], 57: [49, 52], 51: [59, 53], 59: [51], 53: [51, 59],
  54: [42], 56: [37], 69: [42], 70: [42], 75: [37], 76: [37], 77: [37],
};

export function drumFallback(sampled, midi) {
  for (const alt of DRUM_ALIASES[midi] || []) if (sampled.has(alt)) return alt;
  return null;
}

/** The sample a kit instrument plays `midi` from: a drum kit's own hit (or its stand-in), a
 * pitched instrument's nearest sample. */
export function sampleFor(instrument, sampled, midi) {
  if (!instrument.percussion) return nearestSample(sampled, midi);
  return sampled.has(midi) ? midi : drumFallback(sampled, midi);
}

/**
 * Which files a piece needs, per instrument, with the tick each is first heard at (counted
 * from `fromTick` within the layer's loop of `loopTicks`, wrapping round): samplers need only
 * the samples nearest to the notes played, and the first bar's samples gate the first sound.
 * The kit's URLs are keyed by MIDI number for every instrument.
 */
export function samplePlan(piece, instrumentsById, { loopTicks, fromTick = 0 }) {
  const presets = presetsByTrack(piece);
  const phase = ((fromTick % loopTicks) + loopTicks) % loopTicks;
  const plan = new Map(); // instrument id -> Map(sample midi -> {url, midi, first})
  for (const track of piece.tracks) {
    const inst = instrumentsById[presets.get(track.name)];
    if (!inst) continue;
    const sampled = new Set(inst.notes);
    const byKey = plan.get(inst.id) || new Map();
    plan.set(inst.id, byKey);
    // The notes as layerEvents lays them out, without copying them (a station track has thousands).
    const pieceTicks = pieceLoopTicks(piece);
    for (const n of track.notes) {
      if (n.ticks >= pieceTicks) continue;
      const key = sampleFor(inst, sampled, n.midi);
      if (key === null) continue;
      const url = inst.urls[String(key)];
      if (!url) continue;
      for (let ticks = n.ticks; ticks < loopTicks; ticks += pieceTicks) {
        const first = (ticks - phase + loopTicks) % loopTicks;
        const prev = byKey.get(key);
        if (!prev || first < prev.first) byKey.set(key, { url, midi: key, first });
      }
    }
  }
  return plan;
}

