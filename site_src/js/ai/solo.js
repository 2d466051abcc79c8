// A live solo as a piece: a melody generated over a progression, with chords and bass, in the one note format.
//
// A solo as a piece, the twin of pool.solo_song: a melody generated over a progression, chords and bass from
// accompany(), written in the one note format (melody, chords, bass tracks; progression and chords in "lofi").
import { accompany } from "./accompany.js";
import { bestOf } from "./candidates.js";
import { harmony } from "./generate.js";
import { Frac, parseProgression } from "./progression.js";

export const PPQ = 480;
export const MAX_BARS = 1000;
const BEATS = 4; // solos are in 4/4 (pool.METER)
const NOTE_VELOCITY = 0.62;
const CHORD_VELOCITY = 0.48;
const TENSIONS = [2, 5, 6, 9, 8, 10, 11];
const SHARP_NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];
const MAJOR_NAMES = ["C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"];
const MINOR_NAMES = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B"];
const MAJOR = [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88];
const MINOR = [6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17];
// The three parts, as instruments.py's presets name their General MIDI programs (gm.instrument_json).
const PARTS = {
  melody: { instrument: "rhodes", gm: { family: "piano", name: "electric piano 1", number: 4 } },
  chords: { instrument: "rhodes", gm: { family: "piano", name: "electric piano 1", number: 4 } },
  bass: { instrument: "bass", gm: { family: "bass", name: "acoustic bass", number: 32 } },
};

/** Pitch classes that sound right over a chord: its tones and available tensions, less the avoid notes the chord
 *  table gives it (quality.melody_pcs). */
export function melodyPcs(chord) {
  const pcs = new Set(chord.pcs);
  const out = new Set(pcs);
  const intervals = new Set([...pcs].map((p) => (((p - chord.root) % 12) + 12) % 12));
  const minor = intervals.has(3) && !intervals.has(4);
  for (const t of TENSIONS) {
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

/** (tonic, "major" | "minor") whose Krumhansl-Kessler profile best correlates (quality.detect_key). */
export function detectKey(weights) {
  let best = -Infinity;
  let key = [0, "major"];
  if (Math.max(...weights) === Math.min(...weights)) return key;
  const mx = mean(weights);
  const dx = weights.map((w) => w - mx);
  const sxx = dx.reduce((a, d) => a + d * d, 0) / 11;
  for (let tonic = 0; tonic < 12; tonic++) {
    for (const [scale, profile] of [["major", MAJOR], ["minor", MINOR]]) {
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

export function midiName(midi) {
  return `${SHARP_NAMES[midi % 12]}${Math.floor(midi / 12) - 1}`;
}

const ticksToSeconds = (tick, bpm) => (tick / PPQ) * 60 / bpm;

/** Ticks as Tone's Time#toBarsBeatsSixteenths prints them (transport.format_bbs). */
export function formatBbs(tick, beats = BEATS) {
  let quarters = Number((tick / PPQ).toFixed(4));
  const measures = Math.floor(quarters / beats);
  let sixteenths = (quarters % 1) * 4;
  quarters = Math.floor(quarters) % beats;
  if (String(sixteenths).length > 3) sixteenths = Number(sixteenths.toFixed(3));
  return `${measures}:${quarters}:${sixteenths}`;
}

const velocityOf = (v) => (v > 1 ? Number((v / 127).toFixed(4)) : v);

/** The chords under the solo (spans with Frac times) and the harmony the generator reads. */
export function plan(progression, bars) {
  const timeline = progression.timeline(bars, BEATS);
  const spans = timeline.map((s) => ({ start: s.start, end: s.end, vector: s.chord.vector(), pcs: s.chord.pcs,
                                       tones: melodyPcs(s.chord), avoid: s.chord.avoid }));
  const grid = harmony(spans, { quarters: bars * BEATS, beatsPerBar: BEATS });
  return { timeline, harmony: grid };
}

/** Check what a listener asked for; throws Error with a plain message. */
export function checkRequest({ progression, bars, seed, temperature, topK }) {
  if (!Number.isInteger(bars) || bars < 1 || bars > MAX_BARS) {
    throw new RangeError(`bars must be a whole number from 1 to ${MAX_BARS}, not ${bars}`);
  }
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new RangeError(`seed must be a whole number from 0 to 4294967295, not ${seed}`);
  if (typeof temperature !== "number" || !(temperature >= 0 && temperature <= 5)) {
    throw new RangeError(`temperature must be a number from 0 to 5, not ${temperature}`);
  }
  if (!Number.isInteger(topK) || topK < 0) throw new RangeError(`top-k must be a whole number >= 0, not ${topK}`);
  return parseProgression(progression); // ProgressionError names the bar and the symbol
}

/**
 * A solo piece: options {progression (text), bars, seed, temperature, topK, bpm, title, quality}; returns
 * {piece, events} where piece is the note-format JSON (pool.solo_song's layout).
 */
export function makeSolo(model, options) {
  const { bars, seed, temperature, topK, bpm = 80, title = "Your solo" } = options;
  const progression = checkRequest(options);
  const { timeline, harmony: grid } = plan(progression, bars);
  const { events } = bestOf(model, grid, timeline, { seed, temperature, topK, quality: options.quality });
  const h = model.header;
  const unit = PPQ / 12;
  const melody = [];
  for (const e of events) {
    const midis = h.pitches[e.tokenId];
    const velocity = midis.length > 1 ? CHORD_VELOCITY : NOTE_VELOCITY;
    for (const m of midis) melody.push([e.onset * unit, e.steps * unit, m, velocity]);
  }
  const [chordNotes, bassNotes] = accompany(timeline, { bars, seed, ppq: PPQ });
  const tracks = [["melody", melody], ["chords", chordNotes.map(([t, d, m, v]) => [t, d, m, velocityOf(v)])],
                  ["bass", bassNotes.map(([t, d, m, v]) => [t, d, m, velocityOf(v)])]];
  const weights = new Array(12).fill(0);
  for (const [, notes] of tracks) for (const [, d, m] of notes) weights[m % 12] += d;
  const [tonic, scale] = detectKey(weights);
  const chords = timeline.map((s) => ({ ticks: s.start.mul(PPQ).trunc(), durationTicks: s.end.sub(s.start).mul(PPQ).trunc(),
                                        symbol: s.chord.symbol }));
  const jsonTracks = tracks.map(([name, notes], channel) => ({
    channel,
    controlChanges: {},
    instrument: PARTS[name].gm,
    name,
    notes: notes.slice().sort((a, b) => a[0] - b[0] || a[2] - b[2]).map(([ticks, dur, midi, velocity]) => {
      const time = ticksToSeconds(ticks, bpm);
      return { duration: ticksToSeconds(ticks + dur, bpm) - time, durationTicks: dur, midi, name: midiName(midi),
               ticks, time, transport: formatBbs(ticks), velocity };
    }),
    pitchBends: [],
  }));
  const piece = {
    header: {
      keySignatures: [{ key: (scale === "major" ? MAJOR_NAMES : MINOR_NAMES)[tonic], scale, ticks: 0 }],
      meta: [],
      name: title,
      ppq: PPQ,
      tempos: [{ bpm, ticks: 0 }],
      timeSignatures: [{ measures: 0, ticks: 0, timeSignature: [BEATS, 4] }],
    },
    lofi: {
      bpm, timeSignature: [BEATS, 4], loopBars: bars, swing: 0,
      parts: tracks.map(([name]) => ({ name, instrument: PARTS[name].instrument })),
      solo: true, seed, temperature, topK, model: h.model, stats: {},
      progression: progression.text, chords,
    },
    tracks: jsonTracks,
  };
  return { piece, events };
}

export { Frac };
