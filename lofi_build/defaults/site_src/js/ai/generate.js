// Bar-aware generation over chords for one solo, the twin of _bar_aware in lofi_build/model/engine.py.
//
// The network chooses every event under the generation rules of rules.js (the twins of
// lofi_build/model/rules.py, by name), with the same PRNG draws in the same order as Python: u for the
// token, then u for the duration, every step.
import { fail, reset, run } from "./engine.js";
import { Prng, sample } from "./prng.js";
import { Frac } from "./progression.js";
import { ECHO_BARS, Solo, Step, TICKS, durationsAllowed, firstDraw, pcRow, tokensAllowed, vocabularyOf } from "./rules.js";

export const OFF_GRID = 48;

/** Where the opening hook comes back (engine.echo_bar): the bar index, 0 when the solo is too short. */
export function echoBar(period, bars) {
  let at = period * Math.ceil(ECHO_BARS / period);
  if (at + ECHO_BARS + 1 > bars) at = ECHO_BARS;
  return at + ECHO_BARS + 1 <= bars ? at : 0;
}

/**
 * The chords under a solo on the grid (engine.harmony): spans [{start, end (quarters),
 * vector (36), pcs, tones}] (Frac or numbers) -> {vectors, pcs, tones, at: Int32Array (chord row per twelfth), bar,
 * strong (twelfths between strong beats), echo}.
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
  const bar = beatsPerBar * TICKS;
  // Beats 1 and 3 of an even bar, else the downbeat only (engine.Harmony.strong).
  return { vectors, pcs, tones, at, bar, strong: bar % (2 * TICKS) === 0 ? bar / 2 : bar, echo };
}

// The sampling rule over the allowed cells only (engine.sample with ``allowed``).
function pick(logits, u, temperature, topK, allowed) {
  const banned = new Set();
  for (let i = 0; i < allowed.length; i++) if (!allowed[i]) banned.add(i);
  return sample(logits, u, temperature, topK, banned);
}

/**
 * One solo over ``harmony``: [{tokenId, durationClass, steps (twelfths), onset}], exactly ``harmony.at.length``
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
  const solo = soloOf(model, harmonyIn, quality);

  reset(model);
  const prng = new Prng(seed);
  const feeds = { token: h.start.token, duration: h.start.duration, next_token: 0 };
  for (let first = true; solo.onset < solo.length; first = false) {
    const step = new Step(solo, first);
    if (h.inputs.position) hear(feeds, step, harmonyIn); // a network with chord and position inputs
    run(model.tokenOps, model.values, feeds);
    const logits = model.values.get(h.outputs.token);
    const u0 = prng.random();
    const u1 = prng.random();
    const token = pick(logits, u0, firstDraw(step, temperature), topK, tokensAllowed(step));
    const dAllowed = durationsAllowed(step, token);
    run(model.durationOps, model.values, { ...feeds, next_token: token });
    if (!dAllowed.some((x) => x)) fail("no duration fits the bar here (the model's durations miss the grid)");
    const dur = pick(model.values.get(h.outputs.duration), u1, temperature, 0, dAllowed);
    solo.advance(step, token, dur);
    feeds.token = token;
    feeds.duration = dur;
  }
  return solo.events;
}

// The solo's rules: the model's vocabulary (read once) and ai.quality's caps (pool.make_pool's reading of them).
function soloOf(model, harmonyIn, quality) {
  const vocab = model.vocabulary || (model.vocabulary = vocabularyOf(model.header));
  if (!vocab.steps.every((s) => Number.isInteger(s) && s > 0)) fail("a duration is off the grid of twelfths of a quarter");
  const rests = quality.rest_min === undefined || quality.rest_min === null ? null : [quality.rest_min, quality.rest_max];
  return new Solo(vocab, harmonyIn, { maxEqualRun: Math.trunc(quality.max_equal_run || 0), rests });
}

// The onset's place in the bar (the last class: off the grid) and the chord sounding there.
function hear(feeds, step, harmonyIn) {
  const position = step.where % harmonyIn.bar;
  feeds.position = position < OFF_GRID ? position : OFF_GRID;
  feeds.chord = harmonyIn.vectors[step.chord];
}
