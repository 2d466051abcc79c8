// Bar-aware generation over chords for one solo, the twin of _bar_aware in lofi_build/model/engine.py.
//
// The network chooses every event under the generation rules of rules.js (the twins of
// lofi_build/model/rules.py, by name), with the same PRNG draws in the same order as Python: u for the
// token, then u for the duration, every step. It hears what it played one and two bars back (lookback.js),
// and each solo comes with its mean log-likelihood an event, for the choice between candidates (candidates.js).
import { fail, reset, run } from "./engine.js";
import { History, chordIds, rootOf, topsOf } from "./lookback.js";
import { Prng, sample } from "./prng.js";
import { Frac } from "./progression.js";
import { Solo, Step, TICKS, durationsAllowed, firstDraw, pcRow, tokenNudges, tokensAllowed, vocabularyOf } from "./rules.js";

export const OFF_GRID = 48;

/**
 * The chords under a solo on the grid (engine.harmony): spans [{start, end (quarters), vector (36), pcs, tones,
 * avoid}] (Frac or numbers) -> {vectors, pcs, tones, avoid, at: Int32Array (chord row per twelfth), bar, strong
 * (twelfths between strong beats)}.
 */
export function harmony(spans, { quarters, beatsPerBar = 4 }) {
  const twelfths = (x) => Frac.of(x).mul(TICKS).trunc(); // int(Fraction * 12), as Python cuts it
  const length = twelfths(quarters);
  const vectors = [new Float64Array(36)];
  const pcs = [new Uint8Array(12)];
  const tones = [new Uint8Array(12).fill(1)];
  const avoid = [new Uint8Array(12)];
  const at = new Int32Array(length);
  for (const s of spans) {
    vectors.push(Float64Array.from(s.vector));
    const row = pcRow(s.pcs);
    pcs.push(row);
    const no = pcRow(s.avoid || []);
    const t = s.tones ? pcRow(s.tones) : row.slice();
    for (let i = 0; i < 12; i++) t[i] = (t[i] | row[i]) & (1 - no[i]);
    tones.push(t);
    avoid.push(no);
    at.fill(vectors.length - 1, twelfths(s.start), twelfths(s.end));
  }
  const bar = beatsPerBar * TICKS;
  // Beats 1 and 3 of an even bar, else the downbeat only (engine.Harmony.strong).
  return { vectors, pcs, tones, avoid, at, bar, strong: bar % (2 * TICKS) === 0 ? bar / 2 : bar };
}

// The sampling rule over the allowed cells only (engine.sample with ``allowed``).
function pick(logits, u, temperature, topK, allowed) {
  const banned = new Set();
  for (let i = 0; i < allowed.length; i++) if (!allowed[i]) banned.add(i);
  return sample(logits, u, temperature, topK, banned);
}

// log softmax of one row, in float64 (engine.log_softmax), at index i.
function logProb(logits, i) {
  let max = -Infinity;
  for (const x of logits) if (x > max) max = x;
  let total = 0;
  for (const x of logits) total += Math.exp(x - max);
  return logits[i] - max - Math.log(total);
}

/**
 * One solo over ``harmony``: {events: [{tokenId, durationClass, steps (twelfths), onset}], likelihood}, exactly
 * ``harmony.at.length`` twelfths long, likelihood its mean log-likelihood an event under the network (the unmasked
 * softmax at temperature 1 of each token and duration). options: seed, temperature, topK, quality ({max_equal_run}).
 */
export function generateBars(model, harmonyIn, options) {
  const h = model.header;
  const { seed, temperature, topK, quality } = options;
  if (!quality) fail("the quality thresholds (facts.ai.quality) are missing");
  if (!Number.isInteger(seed)) fail("seed must be an integer");
  if (!(temperature >= 0) || !Number.isFinite(temperature)) fail("temperature must be a number >= 0");
  if (!Number.isInteger(topK) || topK < 0) fail("top-k must be a whole number >= 0");
  const solo = soloOf(model, harmonyIn, quality);
  const history = h.lookback ? historyOf(model, harmonyIn) : null;

  reset(model);
  const prng = new Prng(seed);
  const feeds = { token: h.start.token, duration: h.start.duration, next_token: 0 };
  let likelihood = 0;
  for (let first = true; solo.onset < solo.length; first = false) {
    const step = new Step(solo, first);
    if (h.inputs.position) hear(feeds, step, harmonyIn); // a network with chord and position inputs
    if (history) history.feed(feeds, step.where);
    run(model.tokenOps, model.values, feeds);
    const logits = model.values.get(h.outputs.token);
    const u0 = prng.random();
    const u1 = prng.random();
    const nudges = tokenNudges(step); // added in float64, as numpy adds them
    const drawn = nudges ? Float64Array.from(logits, (x, t) => x + nudges[t]) : logits;
    const token = pick(drawn, u0, firstDraw(step, temperature), topK, tokensAllowed(step));
    const dAllowed = durationsAllowed(step, token);
    run(model.durationOps, model.values, { ...feeds, next_token: token });
    if (!dAllowed.some((x) => x)) fail("no duration fits the bar here (the model's durations miss the grid)");
    const durationLogits = model.values.get(h.outputs.duration);
    const dur = pick(durationLogits, u1, temperature, 0, dAllowed);
    likelihood += logProb(logits, token) + logProb(durationLogits, dur);
    solo.advance(step, token, dur);
    if (history) history.played(token, dur, step.where, solo.vocabulary.steps[dur - 1]);
    feeds.token = token;
    feeds.duration = dur;
  }
  return { events: solo.events, likelihood: likelihood / solo.events.length };
}

// The solo's rules: the model's vocabulary (read once), ai.quality's cap on equal durations, the header's nudges.
function soloOf(model, harmonyIn, quality) {
  const vocab = model.vocabulary || (model.vocabulary = vocabularyOf(model.header));
  if (!vocab.steps.every((s) => Number.isInteger(s) && s > 0)) fail("a duration is off the grid of twelfths of a quarter");
  return new Solo(vocab, harmonyIn, { maxEqualRun: Math.trunc(quality.max_equal_run || 0), nudges: model.header.nudges || null });
}

// What the solo played, for the lookback: the chord (its root, which chord) under every twelfth, each token's top
// pitch class.
function historyOf(model, harmonyIn) {
  const roots = harmonyIn.vectors.map(rootOf);
  const ids = chordIds(harmonyIn.vectors);
  model.tops = model.tops || topsOf(model.header);
  return new History(model.header.lookback, { length: harmonyIn.at.length, bar: harmonyIn.bar, tops: model.tops,
    roots: Int32Array.from(harmonyIn.at, (row) => roots[row]), chords: Int32Array.from(harmonyIn.at, (row) => ids[row]),
    nothing: model.header.start.token });
}

// The onset's place in the bar (the last class: off the grid) and the chord sounding there.
function hear(feeds, step, harmonyIn) {
  const position = step.where % harmonyIn.bar;
  feeds.position = position < OFF_GRID ? position : OFF_GRID;
  feeds.chord = harmonyIn.vectors[step.chord];
}
