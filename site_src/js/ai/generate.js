// Bar-aware generation over chords for one solo, the twin of _bar_aware in lofi_build/model/engine.py.
//
// Bar-aware generation over chords, the twin of _bar_aware in lofi_build/model/engine.py for one solo:
// the same masks (16th/triplet grid, exact length, ending on a held chord tone or a rest, chord tones on
// beats 1 and 3, equal-run cap, rests steered, the opening hook returning) and the same PRNG draws in the
// same order (u for the token, then u for the duration, every step).
import { fail, reset, run } from "./engine.js";
import { Prng, sample } from "./prng.js";
import { Frac } from "./progression.js";

export const TICKS = 12; // the grid unit: a twelfth of a quarter (16ths are 3, triplet eighths 4)
export const OFF_GRID = 48;
export const FINAL_MIN = TICKS; // a solo's last note is held at least a beat
export const ECHO_BARS = 2; // the hook's length
export const PHRASE_BARS = 4;

const pcRow = (pcs) => {
  const row = new Uint8Array(12);
  for (const p of pcs) row[((p % 12) + 12) % 12] = 1;
  return row;
};

/** Where the opening hook comes back (engine.echo_bar): the bar index, 0 when the solo is too short. */
export function echoBar(period, bars) {
  let at = period * Math.ceil(ECHO_BARS / period);
  if (at + ECHO_BARS + 1 > bars) at = ECHO_BARS;
  return at + ECHO_BARS + 1 <= bars ? at : 0;
}

/**
 * The chords under a solo on the grid (engine.harmony): spans [{start, end (quarters),
 * vector (36), pcs, tones}] (Frac or numbers) -> {vectors, pcs, tones, at: Int32Array (chord row per twelfth), bar, echo}.
 */
export function harmony(spans, { quarters, beatsPerBar = 4, echo = 0 }) {
  const twelfths = (x) => Frac.of(x).mul(TICKS).trunc(); // int(Fraction * 12), as Python cuts it
  const length = twelfths(quarters);
  const vectors = [new Float64Array(36)];
  const pcs = [new Uint8Array(12)];
  const tones = [new Uint8Array(12).fill(1)];
  const at = new Int32Array(length);
  for (const s of spans) {
    vectors.push(Float64Array.from(s.vector));
    const row = pcRow(s.pcs);
    pcs.push(row);
    const t = s.tones ? pcRow(s.tones) : row.slice();
    for (let i = 0; i < 12; i++) t[i] |= row[i];
    tones.push(t);
    at.fill(vectors.length - 1, twelfths(s.start), twelfths(s.end));
  }
  return { vectors, pcs, tones, at, bar: beatsPerBar * TICKS, echo };
}

function tokenTables(h) {
  const V = h.vocab.length;
  const pcs = h.pitches.map((ps) => pcRow(ps));
  const sounding = pcs.map((row) => row.some((x) => x));
  const markers = new Uint8Array(V);
  for (const b of h.banned.token) markers[b] = 1;
  return { V, pcs, sounding, markers };
}

// Does token `v` sound a pitch class where `row` (12) is set?
function hits(tokenPcs, row) {
  for (let i = 0; i < 12; i++) if (tokenPcs[i] && row[i]) return true;
  return false;
}

function hitsOutside(tokenPcs, row) {
  for (let i = 0; i < 12; i++) if (tokenPcs[i] && !row[i]) return true;
  return false;
}

// The sampling rule over the allowed cells only (engine.sample with ``allowed``).
function pick(logits, u, temperature, topK, allowed) {
  const banned = new Set();
  for (let i = 0; i < allowed.length; i++) if (!allowed[i]) banned.add(i);
  return sample(logits, u, temperature, topK, banned);
}

/**
 * One solo over ``harmony``: [{tokenId, durationClass, steps (twelfths)}], exactly ``harmony.at.length``
 * twelfths long. options: seed, temperature, topK, quality ({rest_min, rest_max, max_equal_run}: the site's
 * ai.quality, facts.ai.quality).
 */
export function generateBars(model, harmonyIn, options) {
  const h = model.header;
  const { seed, temperature, topK, quality } = options;
  if (!quality) fail("the quality thresholds (facts.ai.quality) are missing");
  if (!Number.isInteger(seed)) fail("seed must be an integer");
  if (!(temperature >= 0) || !Number.isFinite(temperature)) fail("temperature must be a number >= 0");
  if (!Number.isInteger(topK) || topK < 0) fail("top-k must be a whole number >= 0");
  const unit = h.ppq / TICKS;
  const steps = h.durationTicks.map((t) => t / unit);
  if (!steps.every((s) => Number.isInteger(s) && s > 0)) fail("a duration is off the grid of twelfths of a quarter");
  const S = steps.length;
  const { V, pcs: tokenPcs, sounding, markers } = model.tables || (model.tables = tokenTables(h));
  const restId = h.rest;
  const fallback = restId >= 0 ? restId : V - 1; // numpy's index -1 when there is no rest token
  const { vectors, pcs: chordPcs, tones, at, bar } = harmonyIn;
  const length = at.length;
  const strong = bar % (2 * TICKS) === 0 ? bar / 2 : bar;
  const echo = harmonyIn.echo ? harmonyIn.echo * bar : -1;
  const hookEnd = ECHO_BARS * bar;
  const hooks = new Map();
  const phrase = PHRASE_BARS * bar;
  const steer = restId >= 0 && quality.rest_min !== undefined && quality.rest_min !== null;
  const maxRun = Math.trunc(quality.max_equal_run || 0);
  const budgetTotal = Math.floor(quality.rest_max * length);
  const lofi = !!h.inputs.position;

  reset(model);
  const prng = new Prng(seed);
  const feeds = { token: h.start.token, duration: h.start.duration, next_token: 0 };
  const out = [];
  let where = 0, last = -1, runLength = 0, restTime = 0, phraseRest = 0, first = true;
  const allowed = new Uint8Array(V);
  const canEnd = new Uint8Array(V);
  const fits = new Uint8Array(S);
  const final = new Uint8Array(S);
  const dAllowed = new Uint8Array(S + 1);
  while (where < length) {
    const chord = at[where];
    if (lofi) {
      const position = where % bar;
      feeds.position = position < OFF_GRID ? position : OFF_GRID;
      feeds.chord = vectors[chord];
    }
    run(model.tokenOps, model.values, feeds);
    const logits = model.values.get(h.outputs.token);
    const u0 = prng.random();
    const u1 = prng.random();

    // Durations that keep the next onset on the grid and inside the loop, not across the hook's return.
    const left = length - where;
    const before = echo - where;
    let anyFinal = false, anyGoOn = false, shortest = Infinity;
    for (let k = 0; k < S; k++) {
      const landing = (where % bar) + steps[k];
      let ok = (landing % 3 === 0 || landing % 4 === 0) && steps[k] <= left;
      ok = ok && (before <= 0 || steps[k] <= before);
      fits[k] = ok ? 1 : 0;
      final[k] = steps[k] === left ? 1 : 0;
      if (ok && final[k]) anyFinal = true;
      if (ok && !final[k]) anyGoOn = true;
      if (ok && steps[k] < shortest) shortest = steps[k];
    }
    const offset = where - echo;
    const copy = echo >= 0 && offset >= 0 && offset < hookEnd ? hooks.get(offset) || null : null;
    const mustEnd = !anyGoOn;
    const inChord = chordPcs[chord];
    for (let v = 0; v < V; v++) {
      const end = (v === restId || (sounding[v] && !hitsOutside(tokenPcs[v], inChord) && left >= FINAL_MIN)) && anyFinal;
      canEnd[v] = end ? 1 : 0;
      allowed[v] = !markers[v] && (end || !mustEnd) ? 1 : 0;
    }
    if (where % strong === 0) {
      const tone = tones[chord];
      for (let v = 0; v < V; v++) if (allowed[v] && hitsOutside(tokenPcs[v], tone)) allowed[v] = 0;
    }
    let budget = 0, breathe = false;
    if (steer) {
      budget = budgetTotal - restTime;
      const restOk = budget >= shortest || mustEnd;
      if (!restOk) allowed[restId] = 0;
      const inPhrase = where % phrase;
      breathe = restOk && inPhrase >= phrase - bar && phraseRest < quality.rest_min * phrase;
      if (breathe) for (let v = 0; v < V; v++) allowed[v] = v === restId ? 1 : 0;
    }
    if (copy) for (let v = 0; v < V; v++) allowed[v] = v === copy[0] ? 1 : 0;
    const t = first && temperature <= 0 ? 1 : temperature;
    if (!allowed.some((x) => x)) allowed[fallback] = 1;
    const token = pick(logits, u0, t, topK, allowed);

    const endsOk = canEnd[token];
    for (let k = 0; k < S; k++) dAllowed[k + 1] = fits[k] && (!final[k] || endsOk) ? 1 : 0;
    dAllowed[0] = 0;
    // A note held over the next strong beats must fit the chords there as well.
    const held = tokenPcs[token];
    for (const n of [1, 2]) {
      const beat = (Math.floor(where / strong) + n) * strong;
      const inside = beat < length;
      const there = at[Math.min(beat, length - 1)];
      const bad = inside && hits(held, invert(tones[there]));
      if (!bad) continue;
      narrow(dAllowed, (k) => !(where + steps[k] > beat));
    }
    if (maxRun > 0) narrow(dAllowed, (k) => !(k + 1 === last && runLength >= maxRun));
    if (steer) {
      narrow(dAllowed, (k) => token !== restId || mustEnd || steps[k] <= budget);
      const need = Math.ceil(quality.rest_min * phrase) - phraseRest;
      narrow(dAllowed, (k) => !(breathe && token === restId && steps[k] < need));
    }
    run(model.durationOps, model.values, { ...feeds, next_token: token });
    const dLogits = model.values.get(h.outputs.duration);
    if (copy) for (let k = 0; k <= S; k++) dAllowed[k] = k === copy[1] ? 1 : 0;
    if (!dAllowed.some((x) => x)) fail("no duration fits the bar here (the model's durations miss the grid)");
    const dur = pick(dLogits, u1, temperature, 0, dAllowed);

    const moved = steps[dur - 1];
    out.push({ tokenId: token, durationClass: dur, steps: moved, onset: where });
    if (where < hookEnd) hooks.set(where, [token, dur]);
    if (steer) {
      const resting = token === restId ? moved : 0;
      const newPhrase = Math.floor((where + moved) / phrase) !== Math.floor(where / phrase);
      restTime += resting;
      phraseRest = newPhrase ? 0 : phraseRest + resting;
    }
    runLength = dur === last ? runLength + 1 : 1;
    last = dur;
    where += moved;
    feeds.token = token;
    feeds.duration = dur;
    first = false;
  }
  return out;
}

const inverted = new WeakMap();
function invert(row) {
  let r = inverted.get(row);
  if (!r) {
    r = row.map((x) => (x ? 0 : 1));
    inverted.set(row, r);
  }
  return r;
}

// Keep the duration classes (k >= 1) where keep(k - 1) holds, unless that leaves none (then keep all).
function narrow(dAllowed, keep) {
  let any = false;
  for (let k = 1; k < dAllowed.length; k++) if (dAllowed[k] && keep(k - 1)) { any = true; break; }
  if (!any) return;
  for (let k = 1; k < dAllowed.length; k++) if (dAllowed[k] && !keep(k - 1)) dAllowed[k] = 0;
}
