// Lofi accompaniment under a chord timeline: comping under the melody and a bass line, each in a style.
// The exact port of lofi_build/music/accompany.py.
//
// Times are exact fractions of a quarter (Frac, as Python's Fraction); ticks round halves to even as
// Python's round() does; every seeded choice goes through the same 32-bit hash, so the same timeline,
// bars, seed, melody and styles give the same notes, note for note, in both languages
// (tests/music/test_accompany_js.py).

import { Frac } from "./progression.js";

// The registers, the voicing and lead rules and the styles' pattern tables are Python's (accompany.tables), in
// the model header: `tables` below is header.solo.accompany, its times [numerator, denominator] of a quarter.
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

/** Four pitch classes (three for a triad), most important first: rootless when the chord has a 7th or 6th and a colour tone. */
export function voicingPcs(root, pcs) {
  const tones = chordTones(root, pcs);
  return tones.slice(0, tones.length >= 4 ? 4 : tones.length);
}

/** The [lower, upper] pitch classes of `tables.above` this chord holds (accompany.ordered_pairs). */
export function orderedPairs(root, pcs, tables) {
  const s = new Set(pcs.map((p) => mod12(p - root)));
  return tables.above.filter(([lo, hi]) => s.has(lo) && s.has(hi)).map(([lo, hi]) => [mod12(root + lo), mod12(root + hi)]);
}

/** Semitones the melody moves by to sit over the comping (accompany.lead_shift; `tables.lead`). */
export function leadShift(pitches, tables) {
  const ordered = pitches.slice().sort((a, b) => a - b);
  if (!ordered.length) return 0;
  const { floor, ceiling } = tables.lead;
  return ordered[Math.floor(ordered.length / 4)] < floor && ordered[ordered.length - 1] + 12 <= ceiling ? 12 : 0;
}

function compareTuples(a, b) {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

const candidateCache = new Map();

// Every voicing of ``pcs`` in the chord register that is not too wide or muddy and keeps ``pairs`` in order,
// ascending tuples in ascending order (cached: pure).
function candidates(pcs, pairs, { chordLow, chordHigh, maxSpan }) {
  const key = `${pcs.join(",")}/${pairs.join(";")}/${chordLow}-${chordHigh}/${maxSpan}`;
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
      const at = new Map(notes.map((m) => [m % 12, m]));
      if (pairs.some(([lo, hi]) => at.has(lo) && at.has(hi) && at.get(lo) > at.get(hi))) return;
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

/**
 * The voicing of ``pcs`` in the chord register (`tables`) that moves least from ``previous`` and stays near
 * ``centre``, with its top under the melody notes ``over`` it. Where four tones do not fit, the least important
 * are left out, down to two; then the tones the melody itself sounds; then any two; where nothing fits, the
 * comping lays out: no notes (accompany.voice).
 */
export function voice(pcs, previous, centre, tables, over = [], pairs = []) {
  const ceiling = over.length ? Math.min(...over) : null;
  const cost = (notes) => {
    const drift = Math.abs(notes.reduce((s, x) => s + x, 0) / notes.length - centre);
    let seconds = 0;
    for (let i = 1; i < notes.length; i++) if (notes[i] - notes[i - 1] === 1) seconds += 1;
    const rub = ceiling !== null && notes[notes.length - 1] === ceiling - 1 ? 1 : 0; // a half step under the melody
    return (previous && previous.length ? movement(previous, notes) : 0) + 0.5 * drift + 4 * seconds + 3 * rub;
  };
  let levels;
  if (ceiling === null) levels = [[pcs]];
  else {
    const sung = new Set(over.map((m) => m % 12));
    const rest = pcs.filter((pc) => !sung.has(pc));
    levels = [];
    for (let size = pcs.length; size > 1; size--) levels.push([pcs.slice(0, size)]);
    if (rest.length !== pcs.length) for (let size = rest.length; size > 1; size--) levels.push([rest.slice(0, size)]);
    const two = [];
    for (let i = 0; i < pcs.length; i++) for (let j = i + 1; j < pcs.length; j++) two.push([pcs[i], pcs[j]]);
    levels.push(two);
  }
  for (const level of levels) {
    let best = null;
    let bestCost = Infinity;
    for (const tones of level) {
      for (const notes of candidates(tones, pairs, tables)) {
        if (ceiling !== null && notes[notes.length - 1] >= ceiling) continue;
        const c = cost(notes); // ties: the smaller tuple, as Python's min over (cost, notes)
        if (c < bestCost || (c === bestCost && compareTuples(notes, best) < 0)) { best = notes; bestCost = c; }
      }
    }
    if (best) return best.slice(); // the candidates are cached: hand out a copy
  }
  if (ceiling !== null) return [];
  const bottom = tables.chordLow; // cannot happen for <= 4 pitch classes, but never fail on a strange chord
  return pcs.map((pc) => bottom + mod12(pc - bottom)).sort((a, b) => a - b);
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

// The bass note a pattern's role names over `chord` (its bass note at `root`), as accompany._role.
function role(what, chord, root, nextRoot, seed, index, tables) {
  if (what === "root") return root;
  if (what === "octave") {
    return root + 12 <= tables.bassHigh ? root + 12 : root - 12 >= tables.bassLow ? root - 12 : root;
  }
  if (what === "fifth" || what === "third") {
    const [options, near] = what === "fifth" ? [[7, 6, 8], root + 4] : [[4, 3, 5, 2], root + 2];
    const interval = options.find((k) => chord.pcs.includes(mod12(chord.root + k))) ?? options[0];
    return bassNear(mod12(chord.root + interval), near, tables);
  }
  return approach(chord, nextRoot, seed, index, tables);
}

function tupleSort(list) {
  return list.sort(compareTuples);
}

// A pattern from the tables as hits [offset (Frac), length (Frac), accent or role].
const hits = (pattern) => pattern.map(([offset, length, what]) => [frac(offset), frac(length), what]);

// One style name per span: `style` names one for all, or is a list of one per span.
function perSpan(style, count, table, what) {
  const names = typeof style === "string" ? new Array(count).fill(style) : Array.from(style);
  for (const name of names) {
    if (!Object.hasOwn(table, name)) {
      throw new Error(`unknown ${what} style '${name}' (the styles: ${Object.keys(table).join(", ")})`);
    }
  }
  return names;
}

// The pitches of the melody notes [start, end, midi] (ticks) that sound in [start, end).
const sounding = (lead, start, end) => lead.filter(([a, b]) => a < end && b > start).map(([, , m]) => m);

/**
 * [chordNotes, bassNotes] under ``timeline`` (spans {start, end, chord: {root, pcs, bass}} in quarters, Frac or
 * number, ``bars`` bars long), each a list of [ticks, durationTicks, midi, velocity] at ``ppq``, over ``tables``
 * (header.solo.accompany); the comping under ``melody`` ([ticks, durationTicks, midi] at ``ppq``); ``comping``
 * and ``bass`` are style names of the tables, or lists of one per span (default: the tables' defaults, the AI
 * solos'). The same seed gives the same notes as accompany.accompany in Python.
 */
export function accompany(timeline, { bars, seed, ppq, tables, melody = [], comping = null, bass = null }) {
  const spans = Array.from(timeline, (s) => ({ start: Frac.of(s.start), end: Frac.of(s.end), chord: s.chord }));
  if (!spans.length) return [[], []];
  const compStyles = perSpan(comping ?? tables.defaults.comping, spans.length, tables.comping, "comping");
  const bassStyles = perSpan(bass ?? tables.defaults.bass, spans.length, tables.bass, "bass");
  const lead = melody.map(([t, d, m]) => [t, t + d, m]);
  return [compingNotes(spans, bars, seed, ppq, lead, compStyles, tables), bassNotes(spans, seed, ppq, bassStyles, tables)];
}

// A comping pattern per span in its style, pushed an eighth early now and then, voiced under the lead.
function compingNotes(spans, bars, seed, ppq, lead, styles, tables) {
  const total = spans[spans.length - 1].end;
  const barLength = bars ? total.div(bars) : F(4);
  const gap = F(1, 16); // chords breathe: each hit stops a 64th before the next sound
  const centres = tables.chordCentres;
  const centre = centres[mix(seed, 1) % centres.length];
  const anticipate = frac(tables.anticipate);
  const hitsBySpan = spans.map((span, i) => {
    const length = span.end.sub(span.start);
    const patterns = tables.comping[styles[i]].patterns[length.toString()];
    const pattern = patterns ? hits(patterns[mix(seed, 2, i) % patterns.length]) : [[F(0), length, 1]];
    return pattern.map(([o, d, a]) => [span.start.add(o), d, a]);
  });
  for (let i = 1; i < spans.length; i++) {
    const push = tables.comping[styles[i]].push;
    const start = spans[i].start;
    const pushed = start.sub(anticipate);
    const atBar = start.mod(barLength).eq(0);
    const changes = !samePcs(spans[i].chord.pcs, spans[i - 1].chord.pcs);
    if (!(push && atBar && changes && mix(seed, 3, i) % push === 0)) continue;
    // the melody there belongs to the chord it leaves: the change waits for the bar line
    const tones = chordTones(spans[i].chord.root, spans[i].chord.pcs); // no natural 11 over a major 3rd
    if (sounding(lead, ticksOf(pushed, ppq), ticksOf(start, ppq)).some((m) => !tones.includes(m % 12))) continue;
    const before = hitsBySpan[i - 1].filter((h) => h[0].cmp(pushed) < 0);
    if (!before.length) continue;
    for (const h of before) h[1] = fmin(h[1], pushed.sub(h[0]));
    hitsBySpan[i - 1] = before;
    const first = hitsBySpan[i][0];
    first[1] = first[1].add(first[0].sub(pushed));
    first[0] = pushed;
  }
  const out = [];
  let previous = null;
  spans.forEach((span, i) => {
    const chord = span.chord;
    const over = hitsBySpan[i].flatMap(([start, length]) =>
      sounding(lead, ticksOf(start, ppq), ticksOf(start.add(length), ppq)));
    const pairs = orderedPairs(chord.root, chord.pcs, tables);
    const notes = voice(voicingPcs(chord.root, chord.pcs), previous, centre, tables, over, pairs);
    if (notes.length) previous = notes;
    for (const [start, length, accent] of hitsBySpan[i]) {
      const velocity = (accent ? 66 : 54) + (mix(seed, 4, i, start.mul(12).trunc()) % 7) - 3;
      const duration = fmax(length.sub(gap), gap);
      for (const m of notes) out.push([ticksOf(start, ppq), ticksOf(duration, ppq), m, velocity]);
    }
  });
  return tupleSort(out);
}

// The chord's bass note on its first beat, then the style's fifths, thirds and approach notes.
function bassNotes(spans, seed, ppq, styles, tables) {
  const gap = F(1, 16);
  const half = F(1, 2);
  const out = [];
  const roots = [];
  let near = tables.bassHome;
  for (const span of spans) {
    near = bassNear(span.chord.bass, near, tables);
    roots.push(near);
  }
  spans.forEach((span, i) => {
    const chord = span.chord;
    const style = tables.bass[styles[i]];
    const length = span.end.sub(span.start);
    const key = length.toString();
    const root = roots[i];
    const nextRoot = roots[(i + 1) % spans.length];
    const same = spans[(i + 1) % spans.length].chord.bass === chord.bass;
    const patterns = (same ? style.held[key] : null) || style.moving[key];
    let pattern;
    if (patterns) pattern = hits(patterns[mix(seed, 5, i) % patterns.length]);
    else if (length.cmp(2) >= 0 && !same && style.leadIn && (style.leadIn === 1 || mix(seed, 5, i) % 2)) {
      pattern = [[F(0), length.sub(half), "root"], [length.sub(half), half, "approach"]];
    } else pattern = [[F(0), length, "root"]];
    for (const [offset, dur, what] of pattern) {
      const midi = role(what, chord, root, nextRoot, seed, i, tables);
      const velocity = (offset.eq(0) ? 84 : 70) + (mix(seed, 6, i, offset.mul(12).trunc()) % 7) - 3;
      const start = span.start.add(offset);
      out.push([ticksOf(start, ppq), ticksOf(fmax(dur.sub(gap), gap), ppq), midi, velocity]);
    }
  });
  return tupleSort(out);
}
