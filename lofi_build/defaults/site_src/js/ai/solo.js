// A live solo as a piece: a melody generated over a progression, with chords and bass, in the one note format.
//
// A solo as a piece, the twin of pool.solo_song: a melody generated over a progression, chords and bass from
// accompany(), written in the one note format (melody, chords, bass tracks; progression and chords in "lofi").
import { accompany, leadShift } from "./accompany.js";
import { bestOf } from "./candidates.js";
import { velocities } from "./dynamics.js";
import { loopProgression } from "./form.js";
import { harmony } from "./generate.js";
import { TICKS } from "./rules.js";
import { Frac, parseProgression } from "./progression.js";

// Every number and table a solo is written with is Python's (lofi_build/site/facts.py): the tables (parts
// and their General MIDI instruments, the velocity rule, tensions, key profiles, accompaniment, the loop's
// form) in the model header's `solo`, the tick rate, limits and the site's AI settings (lay-back included)
// in the manifest's facts (model.facts).

/** Pitch classes that sound right over a chord: its tones and available `tensions` (header.solo.tensions), less
 * the avoid notes the chord table gives it (quality.melody_pcs). */
export function melodyPcs(chord, tensions) {
  const pcs = new Set(chord.pcs);
  const out = new Set(pcs);
  const intervals = new Set([...pcs].map((p) => (((p - chord.root) % 12) + 12) % 12));
  const minor = intervals.has(3) && !intervals.has(4);
  for (const t of tensions) {
    const pc = (chord.root + t) % 12;
    if ((t === 10 || t === 11) && (intervals.has(9) || intervals.has(10) || intervals.has(11))) continue;
    if (minor && (t === 6 || t === 11)) continue;
    if (!pcs.has((pc + 11) % 12)) out.add(pc);
  }
  for (const p of chord.avoid || []) out.delete(p);
  return [...out];
}

function mean(xs) {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** (tonic, scale) whose profile in `keys` (header.solo.keys: [{scale, profile}], tried in order) best
 * correlates, as quality.detect_key; the first scale when nothing does. */
export function detectKey(weights, keys) {
  let best = -Infinity;
  let key = [0, keys[0].scale];
  if (Math.max(...weights) === Math.min(...weights)) return key;
  const mx = mean(weights);
  const dx = weights.map((w) => w - mx);
  const sxx = dx.reduce((a, d) => a + d * d, 0) / 11;
  for (let tonic = 0; tonic < 12; tonic++) {
    for (const { scale, profile } of keys) {
      const rolled = profile.map((_, i) => profile[(i - tonic + 12) % 12]);
      const my = mean(rolled);
      const dy = rolled.map((y) => y - my);
      const sxy = dx.reduce((a, d, i) => a + d * dy[i], 0) / 11;
      const syy = dy.reduce((a, d) => a + d * d, 0) / 11;
      const r = Math.min(1, Math.max(-1, sxy / Math.sqrt(sxx) / Math.sqrt(syy)));
      if (r > best + 1e-12) {
        best = r;
        key = [tonic, scale];
      }
    }
  }
  return key;
}

/** A MIDI number's name in the note format (pitch.midi_name): `names` are header.solo.noteNames, C4 = 60. */
export function midiName(midi, names) {
  return `${names[midi % 12]}${Math.floor(midi / 12) - 1}`;
}

const ticksToSeconds = (tick, bpm, ppq) => (tick / ppq) * 60 / bpm;

/** Ticks as Tone's Time#toBarsBeatsSixteenths prints them (transport.format_bbs), `beats` quarters a bar. */
export function formatBbs(tick, beats, ppq) {
  let quarters = Number((tick / ppq).toFixed(4));
  const measures = Math.floor(quarters / beats);
  let sixteenths = (quarters % 1) * 4;
  quarters = Math.floor(quarters) % beats;
  if (String(sixteenths).length > 3) sixteenths = Number(sixteenths.toFixed(3));
  return `${measures}:${quarters}:${sixteenths}`;
}

const velocityOf = (v) => (v > 1 ? Number((v / 127).toFixed(4)) : v);

/** The chords under the solo (spans with Frac times: the loop's form, pool.timeline_of) and the harmony the
 * generator reads. */
export function plan(progression, bars, { meter, tensions, form }) {
  const beats = meter[0];
  const timeline = loopProgression(progression, bars, form).timeline(bars, beats);
  const spans = timeline.map((s) => ({ start: s.start, end: s.end, vector: s.chord.vector(), pcs: s.chord.pcs,
                                       tones: melodyPcs(s.chord, tensions), avoid: s.chord.avoid }));
  const grid = harmony(spans, { quarters: bars * beats, beatsPerBar: beats });
  return { timeline, harmony: grid };
}

/** Check what a listener asked for against `limits` (facts.limits); throws Error with a plain message. */
export function checkRequest({ progression, bars, seed, temperature, topK, bpm }, limits) {
  const whole = (name, x, { min, max }) => {
    if (!Number.isInteger(x) || x < min || x > max) throw new RangeError(`${name} must be a whole number from ${min} to ${max}, not ${x}`);
  };
  const number = (name, x, { min, max }) => {
    if (typeof x !== "number" || !(x >= min && x <= max)) throw new RangeError(`${name} must be a number from ${min} to ${max}, not ${x}`);
  };
  whole("bars", bars, limits.bars);
  whole("seed", seed, limits.seed);
  number("temperature", temperature, limits.temperature);
  whole("top-k", topK, limits.topK);
  number("bpm", bpm, limits.bpm);
  return parseProgression(progression); // ProgressionError names the bar and the symbol
}

/**
 * A solo piece: options {progression (text), bars, seed, temperature, topK, bpm, title}; returns {piece, events}
 * where piece is the note-format JSON (pool.solo_song's layout). The melody keeps the site's ai.quality rules.
 */
export function makeSolo(model, options) {
  const { ppq, limits, ai } = model.facts;
  const h = model.header;
  const solo = h.solo;
  if (!solo) throw new Error("the model header has no solo tables: export the model again");
  const { bars, seed, temperature, topK, bpm, title = "Your solo" } = options;
  const progression = checkRequest(options, limits);
  const { timeline, harmony: grid } = plan(progression, bars, solo);
  const { events } = bestOf(model, grid, timeline, { seed, temperature, topK, quality: ai.quality });
  const unit = ppq / TICKS; // the generator counts in twelfths of a quarter
  // As pool.solo_song: the lead an octave up where it would sit in the comping, its touch by phrase and metre.
  let played = events.filter((e) => h.pitches[e.tokenId].length)
    .map((e) => [e.onset * unit, e.steps * unit, h.pitches[e.tokenId]]);
  const shift = leadShift(played.flatMap(([, , midis]) => midis), solo.accompany);
  played = played.map(([t, d, midis]) => [t, d, midis.map((m) => m + shift)]);
  const touch = velocities(played, { bar: Math.round((solo.meter[0] * 4 * ppq) / solo.meter[1]), ppq, rule: solo.dynamics });
  const melody = played.flatMap(([t, d, midis], i) => midis.map((m) => [t, d, m, velocityOf(touch[i])]));
  const [chordNotes, bassNotes] = accompany(timeline, { bars, seed, ppq, tables: solo.accompany,
                                                        melody: melody.map(([t, d, m]) => [t, d, m]) });
  const notes = { melody, chords: chordNotes.map(([t, d, m, v]) => [t, d, m, velocityOf(v)]),
                  bass: bassNotes.map(([t, d, m, v]) => [t, d, m, velocityOf(v)]) };
  const tracks = solo.parts.map((part) => [part, notes[part.name]]);
  const weights = new Array(12).fill(0);
  for (const [, list] of tracks) for (const [, d, m] of list) weights[m % 12] += d;
  const [tonic, scale] = detectKey(weights, solo.keys);
  const chords = timeline.map((s) => ({ ticks: s.start.mul(ppq).trunc(), durationTicks: s.end.sub(s.start).mul(ppq).trunc(),
                                        symbol: s.chord.symbol }));
  const [beats] = solo.meter;
  const jsonTracks = tracks.map(([part, list], channel) => ({
    channel,
    controlChanges: {},
    instrument: part.gm,
    name: part.name,
    notes: list.slice().sort((a, b) => a[0] - b[0] || a[2] - b[2]).map(([ticks, dur, midi, velocity]) => {
      const time = ticksToSeconds(ticks, bpm, ppq);
      return { duration: ticksToSeconds(ticks + dur, bpm, ppq) - time, durationTicks: dur, midi,
               name: midiName(midi, solo.noteNames), ticks, time, transport: formatBbs(ticks, beats, ppq), velocity };
    }),
    pitchBends: [],
  }));
  const piece = {
    header: {
      keySignatures: [{ key: solo.keys.find((k) => k.scale === scale).names[tonic], scale, ticks: 0 }],
      meta: [],
      name: title,
      ppq,
      tempos: [{ bpm, ticks: 0 }],
      timeSignatures: [{ measures: 0, ticks: 0, timeSignature: [...solo.meter] }],
    },
    lofi: {
      bpm, timeSignature: [...solo.meter], loopBars: bars, swing: 0,
      parts: solo.parts.map(({ name, instrument }) => ({ name, instrument })),
      solo: true, seed, temperature, topK, model: h.model, stats: {},
      progression: progression.text, chords, layBack: { [solo.parts[0].name]: ai.layBack },
    },
    tracks: jsonTracks,
  };
  return { piece, events };
}

export { Frac };
