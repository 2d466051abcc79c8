// Lofi accompaniment under a chord timeline (comping and a bass line), the exact port of lofi_build/music/accompany.py.
//
// Times are exact fractions of a quarter (Frac, as Python's Fraction); ticks round halves to even as
// Python's round() does; every seeded choice goes through the same 32-bit hash, so the same timeline,
// bars and seed give the same notes, note for note, in both languages (tests/music/test_accompany_js.py).

import { Frac } from "./progression.js";

// The registers and the comping and bass pattern tables are Python's (accompany.tables), in the model
// header: `tables` below is header.solo.accompany, its times [numerator, denominator] of a quarter.
const F = (n, d = 1) => new Frac(n, d);
const frac = ([n, d]) => new Frac(n, d);

/** A 32-bit hash of the seed and keys (SplitMix32 steps): the same choice for the same seed, anywhere. */
export function mix(seed, ...keys) {
  let x = seed >>> 0;
  for (const k of keys) {
    x = (x + 0x9e3779b9 + (k >>> 0)) >>> 0;
    x = Math.imul(x ^ (x >>> 16), 0x21f0aaad) >>> 0;
    x = Math.imul(x ^ (x >>> 15), 0x735a2d97) >>> 0;
    x = (x ^ (x >>> 15)) >>> 0;
  }
  return x;
}

const mod12 = (x) => ((x % 12) + 12) % 12;

/** The pitch classes a lofi voicing plays, most important first: 3rd, 7th, 9th, then 13th or 5th, 11th, root. */
export function chordTones(root, pcs) {
  const s = new Set(pcs.map((p) => mod12(p - root)));
  const first = (options) => options.find((i) => s.has(i)) ?? null;
  const third = first([4, 3, 5, 2]);
  let seventh = first([10, 11]);
  if (seventh === null && s.has(9)) seventh = 9; // a 6th chord's 6, or a diminished 7th
  let ninth = [2, 1].find((i) => s.has(i) && i !== third) ?? null;
  if (ninth === null && third === 4 && s.has(3)) ninth = 3; // the #9 of a 7#9
  const fifth = first([7, 6, 8]);
  const thirteenth = s.has(9) && (seventh === 10 || seventh === 11) ? 9 : s.has(8) && fifth === 7 ? 8 : null;
  const eleventh = s.has(6) && fifth === 7 ? 6 : s.has(5) && third === 3 ? 5 : null;
  const dominant = third === 4 && seventh === 10;
  const order = [third, seventh, ninth];
  order.push(...(dominant ? [thirteenth, fifth] : [fifth, thirteenth]));
  order.push(eleventh, 0);
  if (thirteenth === 8) order.splice(order.indexOf(fifth), 1); // a b13 a half step over the 5th: leave the 5th out
  const out = [];
  for (const i of order) if (i !== null && s.has(i) && !out.includes(mod12(root + i))) out.push(mod12(root + i));
  return out;
}

/** Four pitch classes (three for a triad): rootless when the chord has a 7th or 6th and a colour tone. */
export function voicingPcs(root, pcs) {
  const tones = chordTones(root, pcs);
  return tones.slice(0, tones.length >= 4 ? 4 : tones.length);
}

function compareTuples(a, b) {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

const candidateCache = new Map();

// Every voicing of ``pcs`` in the chord register that is not too wide or muddy, ascending tuples in ascending
// order (cached: pure).
function candidates(pcs, { chordLow, chordHigh, maxSpan }) {
  const key = `${pcs.join(",")}/${chordLow}-${chordHigh}/${maxSpan}`;
  if (candidateCache.has(key)) return candidateCache.get(key);
  const options = pcs.map((pc) => {
    const list = [];
    for (let m = chordLow; m <= chordHigh; m++) if (m % 12 === pc) list.push(m);
    return list;
  });
  const seen = new Map();
  const combo = new Array(options.length);
  const walk = (i) => {
    if (i === options.length) {
      const notes = combo.slice().sort((a, b) => a - b);
      if (notes[notes.length - 1] - notes[0] > maxSpan) return;
      if (notes[0] < 55 && notes.length > 1 && notes[1] - notes[0] < 3) return; // seconds low in the register are mud
      seen.set(notes.join(","), notes);
      return;
    }
    for (const m of options[i]) {
      combo[i] = m;
      walk(i + 1);
    }
  };
  walk(0);
  const out = [...seen.values()].sort(compareTuples);
  if (candidateCache.size > 256) candidateCache.clear();
  candidateCache.set(key, out);
  return out;
}

function movement(a, b) {
  if (a.length === b.length) return a.reduce((sum, x, i) => sum + Math.abs(x - b[i]), 0);
  return b.reduce((sum, x) => sum + Math.min(...a.map((y) => Math.abs(x - y))), 0);
}

/** The voicing of ``pcs`` in the chord register (`tables`) that moves least from ``previous`` and stays near ``centre``. */
export function voice(pcs, previous, centre, tables) {
  const list = candidates(pcs, tables);
  const low = tables.chordLow;
  if (!list.length) return pcs.map((pc) => low + mod12(pc - low)).sort((a, b) => a - b);
  const cost = (notes) => {
    const drift = Math.abs(notes.reduce((s, x) => s + x, 0) / notes.length - centre);
    let seconds = 0;
    for (let i = 1; i < notes.length; i++) if (notes[i] - notes[i - 1] === 1) seconds += 1;
    return (previous && previous.length ? movement(previous, notes) : 0) + 0.5 * drift + 4 * seconds;
  };
  let best = null;
  let bestCost = Infinity;
  for (const notes of list) { // sorted, so the first of equal costs is the smallest tuple, as Python's min
    const c = cost(notes);
    if (c < bestCost) { best = notes; bestCost = c; }
  }
  return best.slice(); // the candidates are cached: hand out a copy
}

function bassNear(pc, near, { bassLow, bassHigh, bassHome }) {
  let best = null;
  let bestKey = Infinity;
  for (let m = bassLow; m <= bassHigh; m++) {
    if (m % 12 !== pc) continue;
    const key = Math.abs(m - near) + 0.6 * Math.abs(m - bassHome);
    if (key < bestKey) { best = m; bestKey = key; }
  }
  return best;
}

const ticksOf = (q, ppq) => Frac.of(q).mul(ppq).round();
const fmax = (a, b) => (a.cmp(b) >= 0 ? a : b);
const fmin = (a, b) => (a.cmp(b) <= 0 ? a : b);
const samePcs = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

function approach(chord, target, seed, index, { bassLow, bassHigh }) {
  const inRange = (m) => bassLow <= m && m <= bassHigh;
  const steps = [-2, -1, 1, 2].filter((d) => chord.pcs.includes(mod12(target + d)) && inRange(target + d));
  const chromatic = [-1, 1].filter((d) => inRange(target + d));
  if (steps.length && mix(seed, 7, index) % 2) {
    return target + steps.reduce((best, d) => (Math.abs(d) < Math.abs(best) ? d : best));
  }
  return target + chromatic[mix(seed, 8, index) % chromatic.length];
}

function tupleSort(list) {
  return list.sort(compareTuples);
}

// A pattern from the tables as hits [offset (Frac), length (Frac), accent or role].
const hits = (pattern) => pattern.map(([offset, length, what]) => [frac(offset), frac(length), what]);

/**
 * [chordNotes, bassNotes] under ``timeline`` (spans {start, end, chord: {root, pcs, bass}} in quarters, Frac or
 * number, ``bars`` bars long), each a list of [ticks, durationTicks, midi, velocity] at ``ppq``, over ``tables``
 * (header.solo.accompany); the same seed gives the same notes as accompany.accompany in Python.
 */
export function accompany(timeline, { bars, seed, ppq, tables }) {
  const spans = Array.from(timeline, (s) => ({ start: Frac.of(s.start), end: Frac.of(s.end), chord: s.chord }));
  if (!spans.length) return [[], []];
  const total = spans[spans.length - 1].end;
  const barLength = bars ? total.div(bars) : F(4);
  const chordNotes = [];
  const bassNotes = [];
  const gap = F(1, 16); // chords and bass breathe: each hit stops a 64th before the next sound

  // -- chords: a comping pattern per span, pushed an eighth early now and then
  const centres = tables.chordCentres;
  const centre = centres[mix(seed, 1) % centres.length];
  const anticipate = frac(tables.anticipate);
  let previous = null;
  const hitsBySpan = spans.map((span, i) => {
    const length = span.end.sub(span.start);
    const patterns = tables.comping[length.toString()];
    const pattern = patterns ? hits(patterns[mix(seed, 2, i) % patterns.length]) : [[F(0), length, 1]];
    return pattern.map(([o, d, a]) => [span.start.add(o), d, a]);
  });
  for (let i = 1; i < spans.length; i++) {
    const start = spans[i].start;
    const atBar = start.mod(barLength).eq(0);
    const changes = !samePcs(spans[i].chord.pcs, spans[i - 1].chord.pcs);
    if (atBar && changes && mix(seed, 3, i) % 4 === 0) {
      const pushed = start.sub(anticipate);
      const before = hitsBySpan[i - 1].filter((h) => h[0].cmp(pushed) < 0);
      if (!before.length) continue;
      for (const h of before) h[1] = fmin(h[1], pushed.sub(h[0]));
      hitsBySpan[i - 1] = before;
      const first = hitsBySpan[i][0];
      first[1] = first[1].add(first[0].sub(pushed));
      first[0] = pushed;
    }
  }
  spans.forEach((span, i) => {
    const chord = span.chord;
    const notes = voice(voicingPcs(chord.root, chord.pcs), previous, centre, tables);
    previous = notes;
    for (const [start, length, accent] of hitsBySpan[i]) {
      const velocity = (accent ? 66 : 54) + (mix(seed, 4, i, start.mul(12).trunc()) % 7) - 3;
      const duration = fmax(length.sub(gap), gap);
      for (const m of notes) chordNotes.push([ticksOf(start, ppq), ticksOf(duration, ppq), m, velocity]);
    }
  });

  // -- bass: the chord's bass note on its first beat, fifths, approach notes into the next chord
  const roots = [];
  let near = tables.bassHome;
  for (const span of spans) {
    near = bassNear(span.chord.bass, near, tables);
    roots.push(near);
  }
  spans.forEach((span, i) => {
    const chord = span.chord;
    const length = span.end.sub(span.start);
    const root = roots[i];
    const next = spans[(i + 1) % spans.length].chord;
    const nextRoot = roots[(i + 1) % spans.length];
    const same = next.bass === chord.bass;
    let pattern;
    if (length.eq(4) && !same) pattern = hits(tables.bass[mix(seed, 5, i) % tables.bass.length]);
    else if (length.eq(4)) pattern = hits(tables.bassHeld);
    else if (length.cmp(2) >= 0 && !same && mix(seed, 5, i) % 2) {
      pattern = [[F(0), length.sub(F(1, 2)), "root"], [length.sub(F(1, 2)), F(1, 2), "approach"]];
    } else pattern = [[F(0), length, "root"]];
    for (const [offset, dur, role] of pattern) {
      let midi;
      if (role === "root") midi = root;
      else if (role === "octave") {
        midi = root + 12 <= tables.bassHigh ? root + 12 : root - 12 >= tables.bassLow ? root - 12 : root;
      } else if (role === "fifth") {
        const fifth = [7, 6, 8].find((k) => chord.pcs.includes(mod12(chord.root + k))) ?? 7;
        midi = bassNear(mod12(chord.root + fifth), root + 4, tables);
      } else midi = approach(chord, nextRoot, seed, i, tables);
      const velocity = (offset.eq(0) ? 84 : 70) + (mix(seed, 6, i, offset.mul(12).trunc()) % 7) - 3;
      const start = span.start.add(offset);
      bassNotes.push([ticksOf(start, ppq), ticksOf(fmax(dur.sub(gap), gap), ppq), midi, velocity]);
    }
  });
  return [tupleSort(chordNotes), tupleSort(bassNotes)];
}
