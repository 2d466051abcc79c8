// Best of several: a solo is the best by one score of the candidates its seed gives.
//
// The twin of lofi_build/model/candidates.py (read its docstring): a solo is generated from each
// of its candidates' seeds and the best by the score is kept, so a seed means the same solo in the page and the
// build. The count, the seeds' step and the weights come from the exported model's header (header.candidates);
// the measures are lofi_build/model/measures.py's, on the twelfth grid.
import { generateBars } from "./generate.js";

import { TICKS, guideTonesOf } from "./rules.js";

const ASKS_FOR_ELEVEN = /sus|(?<![#+♯b\-♭])11/u; // measures._ASKS_FOR_ELEVEN

const mod12 = (x) => ((x % 12) + 12) % 12;

/** The seeds of a solo's candidates, its own first (candidates.seeds_of). */
export function seedsOf(seed, spec) {
  return Array.from({ length: spec.candidates }, (_, j) => (seed + j * spec.seedStep) % 2 ** 32);
}

/** A chord as the measures read it: root, pitch classes over the root, and the avoid 11 (measures.avoid_eleventh). */
function chordFacts(chord) {
  const iv = new Set(chord.pcs.map((p) => mod12(p - chord.root)));
  const avoid = iv.has(4) && !ASKS_FOR_ELEVEN.test(chord.symbol || "") ? mod12(chord.root + 5) : null;
  const tones = new Set(chord.pcs.filter((p) => p !== avoid));
  return { root: chord.root, iv, avoid, tones, id: `${chord.root}:${[...chord.pcs].sort((a, b) => a - b)}:${chord.bass}` };
}

// measures.guide_tones: the 3rd (a sus chord's 4th) and the 7th (a diminished 7th's bb7).
const guideTones = (c) => guideTonesOf(c.root, c.iv);

// measures.available_tones: chord tones and the tensions a player takes by the chord's quality, less the avoid 11.
function availableTones(c) {
  const has = (...xs) => xs.every((x) => c.iv.has(x));
  const some = (xs) => { const found = xs.filter((x) => c.iv.has(x)); return found.length ? found : xs; };
  let tensions;
  if (has(4, 10)) tensions = [...some([1, 2, 3]), ...some([8, 9]), 6];
  else if (has(4)) tensions = [2, 6, 9, 11];
  else if (has(3, 6, 10)) tensions = [2, 5, 8];
  else if (has(3, 6)) tensions = [2, 5, 8, 11];
  else if (has(3)) tensions = [2, 5, 9, 10];
  else if (has(5)) tensions = [2, 9, 10];
  else tensions = [2, 5, 9];
  const out = new Set([...c.tones, ...tensions.map((t) => mod12(c.root + t))]);
  out.delete(c.avoid);
  return out;
}

/** The chord timeline on the twelfth grid: spans {start, end, chord facts} and where the chord changes. */
export function timelineOf(spans) {
  const out = spans.map((s) => ({ start: s.start.mul(TICKS).trunc(), end: s.end.mul(TICKS).trunc(),
                                  chord: chordFacts(s.chord) }));
  out.sort((a, b) => a.start - b.start);
  const changes = [];
  let previous = null;
  let end = null;
  for (const s of out) { // measures.Timeline.changes
    if (previous !== null && (s.chord.id !== previous || s.start !== end)) changes.push(s.start);
    previous = s.chord.id;
    end = s.end;
  }
  return { spans: out, changes };
}

function chordAt(timeline, t) {
  let found = null;
  for (const s of timeline.spans) if (s.start <= t) found = s;
  return found && t < found.end ? found.chord : null;
}

/** A candidate's lead as notes {onset, steps, pitch} (twelfths), a chord token as its top note (candidates.melody). */
export function melodyOf(events, pitches) {
  return events.filter((e) => pitches[e.tokenId].length)
    .map((e) => ({ onset: e.onset, steps: e.steps, pitch: Math.max(...pitches[e.tokenId]) }));
}

const share = (hits, total) => (total > 0 ? hits / total : 0);

// The measures of candidates.terms, each a share (0 where there is nothing to judge), on the twelfth grid.
function guideTonesAtChanges(notes, tl) {
  let hits = 0;
  let total = 0;
  for (const q of tl.changes) {
    const n = notes.find((x) => x.onset <= q && q < x.onset + x.steps);
    if (!n) continue;
    total++;
    hits += guideTones(chordAt(tl, q)).has(mod12(n.pitch)) ? 1 : 0;
  }
  return share(hits, total);
}

function thirdsOverDominants(notes, tl) {
  let hits = 0;
  let total = 0;
  for (const n of notes) {
    const c = chordAt(tl, n.onset);
    if (!c || !(c.iv.has(4) && c.iv.has(10))) continue;
    total++;
    hits += mod12(n.pitch - c.root) === 4 ? 1 : 0;
  }
  return share(hits, total);
}

function recurringBars(notes, bar, bars, m) {
  const figs = Array.from({ length: bars }, () => []);
  for (const n of notes) {
    const k = Math.floor(n.onset / bar);
    if (k >= 0 && k < bars) figs[k].push([n.onset % bar, n.pitch]);
  }
  const contour = (f) => f.slice(1).map(([, b], i) => Math.sign(b - f[i][1]));
  const restates = (a, b) => { // measures.recurs_as is not None
    if (b.length < m.figureNotes || a.length !== b.length || a.some(([q], i) => q !== b[i][0])) return false;
    const shifts = new Set(a.map(([, p], i) => b[i][1] - p));
    if (shifts.size === 1) return true;
    return b.length >= m.contourNotes && contour(a).every((x, i) => x === contour(b)[i]);
  };
  let hits = 0;
  let total = 0;
  for (let i = 2; i < bars; i++) {
    if (!figs[i].length) continue;
    total++;
    let found = false;
    for (let j = 0; j < i && !found; j++) found = restates(figs[j], figs[i]);
    hits += found ? 1 : 0;
  }
  return share(hits, total);
}

function syncopatedOnsets(notes, tl, bar) {
  let hits = 0;
  notes.forEach((n, i) => {
    if ((n.onset % bar) % TICKS === 0) return;
    const beat = Math.floor(n.onset / TICKS) * TICKS + TICKS;
    const change = tl.changes.find((c) => c > n.onset);
    const target = change === undefined ? beat : Math.min(beat, change);
    hits += i + 1 < notes.length && notes[i + 1].onset <= target ? 0 : 1;
  });
  return share(hits, notes.length);
}

function weakBeatOutside(notes, tl, bar) {
  const strong = bar >= 4 * TICKS && (bar / 2) % TICKS === 0 ? [0, bar / 2] : [0];
  let hits = 0;
  let total = 0;
  for (const n of notes) {
    const c = chordAt(tl, n.onset);
    if (strong.includes(n.onset % bar) || !c) continue;
    total++;
    hits += availableTones(c).has(mod12(n.pitch)) ? 0 : 1;
  }
  return share(hits, total);
}

// measures.breathing: 4-bar spans in which a rest of a beat or more starts (before the first note, after the last).
function breathing(notes, bar, bars, m) {
  const starts = [];
  let sounded = 0;
  for (const n of notes) {
    if (n.onset - sounded >= m.phraseGap) starts.push(sounded);
    sounded = Math.max(sounded, n.onset + n.steps);
  }
  if (bar * bars - sounded >= m.phraseGap) starts.push(sounded);
  const span = m.phraseBars * bar;
  const spans = Math.ceil(bars / m.phraseBars);
  let hits = 0;
  for (let k = 0; k < spans; k++) hits += starts.some((q) => k * span <= q && q < (k + 1) * span) ? 1 : 0;
  return share(hits, spans);
}

function repeatedNotes(notes) {
  let hits = 0;
  for (let i = 1; i < notes.length; i++) hits += notes[i].pitch === notes[i - 1].pitch ? 1 : 0;
  return share(hits, notes.length - 1);
}

// candidates.rests_within: 1 where the share of the time without a note lies within [low, high], else 0.
function restsWithin(notes, bar, bars, [low, high]) {
  const share = 1 - notes.reduce((n, x) => n + x.steps, 0) / (bar * bars);
  return low <= share && share <= high ? 1 : 0;
}

/** The score's measures of a candidate (candidates.terms); `m`: the measures' constants (header.candidates.measures);
 *  `rests`: the lofi gate's [rest_min, rest_max]. */
export function terms(notes, tl, bar, bars, m, rests = [0, 1]) {
  return {
    guide_tones: guideTonesAtChanges(notes, tl),
    third_dominant: thirdsOverDominants(notes, tl),
    recurring: recurringBars(notes, bar, bars, m),
    syncopated: syncopatedOnsets(notes, tl, bar),
    breathing: breathing(notes, bar, bars, m),
    weak_outside: weakBeatOutside(notes, tl, bar),
    repeated: repeatedNotes(notes),
    rests: restsWithin(notes, bar, bars, rests),
  };
}

/** The weighted sum, in the header's order (candidates.score). */
export function score(weights, likelihood, found) {
  let total = 0;
  for (const [key, weight] of weights) total += weight * (key === "likelihood" ? likelihood : found[key]);
  return total;
}

/**
 * The best of a solo's candidates over `harmony` (generate.harmony) and `timeline` (the progression's spans):
 * {events, likelihood, score, first, seed}. options as generateBars' (their seed: the solo's).
 */
export function bestOf(model, harmony, timeline, options) {
  const spec = model.header.candidates;
  if (!spec) return { ...generateBars(model, harmony, options), score: 0, first: 0, seed: options.seed };
  const tl = timelineOf(timeline);
  const bars = harmony.at.length / harmony.bar;
  const q = options.quality || {};
  const rests = [q.rest_min ?? 0, q.rest_max ?? 1];
  let best = null;
  let first = null;
  for (const seed of seedsOf(options.seed, spec)) {
    const made = generateBars(model, harmony, { ...options, seed });
    const found = terms(melodyOf(made.events, model.header.pitches), tl, harmony.bar, bars, spec.measures, rests);
    const value = spec.candidates > 1 ? score(spec.weights, made.likelihood, found) : 0;
    if (first === null) first = value;
    if (best === null || value > best.score) best = { ...made, score: value, first, seed };
  }
  return best;
}
