// The generation rules by name, for one solo: the twin of lofi_build/model/rules.py (read its docstring).
//
// The same rules under the same names, camelCase here (loop_end is loopEnd, ending_tokens is endingTokens,
// Solos is Solo: one solo, where Python advances a batch); tests check them against Python's on shared
// vectors (tests/model/test_rules_js.py). They keep a solo inside hard bounds (the grid, the loop, the ending,
// the avoid notes); phrases, rests and motifs are the network's. A rule is a must (its mask is and-ed in), a
// preference (dropped where it would leave no choice), a decision (it alone says what the solo plays) or a nudge
// (a number added to some tokens' logits; the strengths are the model header's nudges). In order:
// - where the next onset may fall, before the token (musts): grid, loopEnd;
// - the token (TOKEN_RULES): markers, ending, strongBeats, fallback; firstDraw sets its temperature; the nudges
//   (TOKEN_NUDGES): guideTones, dominantThirds, restrike;
// - its duration (DURATION_RULES): ending, avoidNotes, heldNotes, equalRun.
// A rule with a token half and a duration half is two functions, nameTokens and nameDurations. Masks are
// Uint8Arrays (a boolean stored is 1 or 0): V entries over tokens, S over duration classes 1..S (index k is
// class k + 1).

import { chordIds } from "./lookback.js";

export const TICKS = 12; // the grid unit: a twelfth of a quarter (16ths are 3, triplet eighths 4)
export const FINAL_MIN = TICKS; // a solo's last note is held at least a beat
export const AVOID_MAX = TICKS; // an avoid note sounds less than a beat

export const pcRow = (pcs) => {
  const row = new Uint8Array(12);
  for (const p of pcs) row[((p % 12) + 12) % 12] = 1;
  return row;
};

// Does a token (its pitch-class row) sound a pitch class that `row` lacks?
function soundsOutside(tokenPcs, row) {
  for (let i = 0; i < 12; i++) if (tokenPcs[i] && !row[i]) return true;
  return false;
}

const some = (mask) => mask.some((x) => x);
const mod12 = (x) => ((x % 12) + 12) % 12;

/** A chord's guide tones, as pitch classes: the 3rd (a sus chord's 4th) and the 7th (a diminished 7th's bb7)
 *  (measures.guide_tones); `iv` is the set of its pitch classes over the root. */
export function guideTonesOf(root, iv) {
  const third = [4, 3, 5].find((i) => iv.has(i));
  let seventh = [10, 11].find((i) => iv.has(i));
  if (seventh === undefined && iv.has(3) && iv.has(6) && iv.has(9)) seventh = 9;
  return new Set([third, seventh].filter((i) => i !== undefined).map((i) => mod12(root + i)));
}

// Per chord row (its vector's root, its pitch classes), its guide tones and a dominant's 3rd, as 12-entry rows
// (rules.guide_rows).
function guideRows(vectors, pcs) {
  const guide = [];
  const third = [];
  vectors.forEach((v, k) => {
    const g = new Uint8Array(12);
    const d = new Uint8Array(12);
    if (Array.prototype.slice.call(v, 0, 12).some((x) => x)) {
      let root = 0; // the first largest of the 12, as numpy's argmax
      for (let i = 1; i < 12; i++) if (v[i] > v[root]) root = i;
      const iv = new Set();
      pcs[k].forEach((x, p) => { if (x) iv.add(mod12(p - root)); });
      for (const p of guideTonesOf(root, iv)) g[p] = 1;
      if (iv.has(4) && iv.has(10)) d[mod12(root + 4)] = 1;
    }
    guide.push(g);
    third.push(d);
  });
  return { guide, third };
}

// Per twelfth, the first twelfth at or after it where the chord changes (its vector differs from the twelfth
// before's); the solo's length where none comes (rules.changes_ahead). The start is not a change.
function changesAhead(vectors, at) {
  const ids = chordIds(vectors);
  const out = new Int32Array(at.length);
  let next = at.length;
  for (let t = at.length - 1; t >= 0; t--) {
    if (t > 0 && ids[at[t]] !== ids[at[t - 1]]) next = t;
    out[t] = next;
  }
  return out;
}

/**
 * What the rules know of a network's outputs (rules.Vocabulary): pcs (a 12-entry row per token), rest (-1: none),
 * markers (token ids never played), steps (twelfths per duration class 1..S).
 */
export function vocabulary({ pcs, rest, markers, steps, tops }) {
  const V = pcs.length;
  const isMarker = new Uint8Array(V);
  for (const m of markers) isMarker[m] = 1;
  return { V, S: steps.length, pcs, rest, markers: isMarker, steps, sounding: pcs.map(some), tops,
           fallback: rest >= 0 ? rest : V - 1 }; // no token left: the rest, else the last token
}

/** The vocabulary of an exported model's header (tops: each token's top pitch, -1 where it sounds none). */
export function vocabularyOf(header) {
  const unit = header.ppq / TICKS;
  return vocabulary({ pcs: header.pitches.map(pcRow), rest: header.rest, markers: header.banned.token,
                      steps: header.durationTicks.map((t) => t / unit),
                      tops: header.pitches.map((ps) => (ps.length ? Math.max(...ps) : -1)) });
}

/**
 * One solo (rules.Solos, one row): the chords under it, the quality asked for, and how far it has come. nudges:
 * the model header's (rules.header(): {strengths: [[name, value]], anticipation}), or null to play without them.
 */
export class Solo {
  constructor(vocab, harmony, { maxEqualRun = 0, nudges = null } = {}) {
    this.vocabulary = vocab;
    this.at = harmony.at;
    this.pcs = harmony.pcs;
    this.tones = harmony.tones; // what may sound on a strong beat
    this.avoid = harmony.avoid; // the chords' avoid notes
    this.length = harmony.at.length;
    this.bar = harmony.bar;
    this.strong = harmony.strong;
    this.maxEqualRun = maxEqualRun;
    this.nudges = nudges && { strength: Object.fromEntries(nudges.strengths), anticipation: nudges.anticipation };
    if (this.nudges) {
      Object.assign(this, guideRows(harmony.vectors, harmony.pcs));
      this.ahead = changesAhead(harmony.vectors, harmony.at);
    }
    this.onset = 0;
    this.last = -1; // the last duration class, and how many events in a row have had it
    this.run = 0;
    this.lastTop = -1; // the last note's top pitch (-1: none yet)
    this.events = [];
  }

  /** Play the chosen event; returns whether the solo is still short of the loop point. */
  advance(step, token, cls) {
    const where = step.where;
    const moved = this.vocabulary.steps[cls - 1];
    this.events.push({ tokenId: token, durationClass: cls, steps: moved, onset: where });
    this.run = cls === this.last ? this.run + 1 : 1;
    this.last = cls;
    if (this.vocabulary.tops[token] >= 0) this.lastTop = this.vocabulary.tops[token];
    this.onset = where + moved;
    return this.onset < this.length;
  }
}

/** The solo at one step (rules.Step): where it stands, and the facts several rules read, each computed once. */
export class Step {
  constructor(solo, first) {
    this.solo = solo;
    this.vocabulary = solo.vocabulary;
    this.first = first;
    this.where = solo.onset;
    this.chord = solo.at[this.where];
    this.left = solo.length - this.where; // twelfths to the loop point
    this.cache = {};
  }

  once(name, make) {
    if (!(name in this.cache)) this.cache[name] = make();
    return this.cache[name];
  }

  /** The durations after which the next onset may fall. */
  get fits() {
    return this.once("fits", () => {
      const [a, b] = [grid(this), loopEnd(this)];
      return a.map((x, k) => x & b[k]);
    });
  }

  /** The durations that reach the loop point. */
  get final() {
    return this.once("final", () => Uint8Array.from(this.vocabulary.steps, (s) => s === this.left));
  }

  /** No duration that fits goes on: the next event is the last. */
  get mustEnd() {
    return this.once("mustEnd", () => !this.fits.some((x, k) => x && !this.final[k]));
  }

  /** The tokens that may end the solo here: a rest, or chord tones (none of its avoid notes) held at least a beat
   *  (where a fitting duration reaches the loop point). */
  get canEnd() {
    return this.once("canEnd", () => {
      const v = this.vocabulary;
      const reach = this.fits.some((x, k) => x && this.final[k]);
      const chord = this.solo.pcs[this.chord].map((x, p) => x && !this.solo.avoid[this.chord][p]);
      const ends = (t) => t === v.rest || (v.sounding[t] && !soundsOutside(v.pcs[t], chord) && this.left >= FINAL_MIN);
      return Uint8Array.from({ length: v.V }, (_, t) => reach && ends(t));
    });
  }
}

/** Keep the entries where keep(i) holds, unless that leaves none (then keep them all). */
export function prefer(allowed, keep) {
  if (!allowed.some((x, i) => x && keep(i))) return allowed;
  return allowed.map((x, i) => x && keep(i));
}

const only = (n, i) => Uint8Array.from({ length: n }, (_, j) => j === i);

// -- where the next onset may fall: (step) -> mask over durations -------------------------------------------

/** A must: the next onset lands on the 16th or triplet-eighth grid of its bar. */
export function grid(step) {
  const inBar = step.where % step.solo.bar;
  return Uint8Array.from(step.vocabulary.steps, (s) => (inBar + s) % 3 === 0 || (inBar + s) % 4 === 0);
}

/** A must: nothing crosses the loop point, so the solo is exactly the loop's length. */
export function loopEnd(step) {
  return Uint8Array.from(step.vocabulary.steps, (s) => s <= step.left);
}

// -- the token: (step, allowed) -> allowed -------------------------------------------------------------------

/** A must: the start and end markers are never played. */
export function markers(step, allowed) {
  return allowed.map((x, t) => x && !step.vocabulary.markers[t]);
}

/** A must: where the next event must be the last, it is a rest or chord tones that may be held a beat. */
export function endingTokens(step, allowed) {
  if (!step.mustEnd) return allowed;
  const canEnd = step.canEnd;
  return allowed.map((x, t) => x && canEnd[t]);
}

/** A must: on beats 1 and 3, a note is a chord tone or an available tension of the chord there. */
export function strongBeats(step, allowed) {
  if (step.where % step.solo.strong !== 0) return allowed;
  const tones = step.solo.tones[step.chord];
  return allowed.map((x, t) => x && !soundsOutside(step.vocabulary.pcs[t], tones));
}

/** A decision: a solo the rules leave without a token (a vocabulary without the tones needed) rests. */
export function fallback(step, allowed) {
  if (!some(allowed)) allowed[step.vocabulary.fallback] = 1;
  return allowed;
}

/** The token's temperature: at 0 the first note is drawn (at 1) so solos differ by seed; then the argmax. */
export function firstDraw(step, temperature) {
  return step.first && temperature <= 0 ? 1 : temperature;
}

// -- nudges on the token: (step) -> V numbers added to its logits ----------------------------------------------

// strength where favoured(top pitch) holds, else 0, per token (a token sounding no pitch: 0).
function nudge(step, strength, favoured) {
  const tops = step.vocabulary.tops;
  return Float64Array.from(tops, (top) => (top >= 0 && favoured(top) ? strength : 0));
}

/** A nudge: on a chord change, or an 8th or less before one (a push that sounds over it), a note whose top is the
 *  new chord's 3rd or 7th. */
export function guideTones(step) {
  const s = step.solo;
  const change = s.ahead[step.where];
  const near = change - step.where <= s.nudges.anticipation && change < s.length;
  const guide = s.guide[s.at[Math.min(change, s.length - 1)]];
  return nudge(step, s.nudges.strength.guide_tones, (top) => near && guide[mod12(top)] === 1);
}

/** A nudge: over a dominant chord, a note whose top is its 3rd. */
export function dominantThirds(step) {
  const third = step.solo.third[step.chord];
  return nudge(step, step.solo.nudges.strength.dominant_thirds, (top) => third[mod12(top)] === 1);
}

/** A nudge (against): a note whose top strikes the last note's top pitch again. */
export function restrike(step) {
  const last = step.solo.lastTop;
  return nudge(step, step.solo.nudges.strength.restrike, (top) => last >= 0 && top === last);
}

export const TOKEN_NUDGES = [guideTones, dominantThirds, restrike];

/** The nudges added up in TOKEN_NUDGES' order (rules.token_nudges), or null where the solo plays without them. */
export function tokenNudges(step) {
  if (!step.solo.nudges) return null;
  const total = new Float64Array(step.vocabulary.V);
  for (const n of TOKEN_NUDGES) {
    const x = n(step);
    for (let t = 0; t < total.length; t++) total[t] = total[t] + x[t];
  }
  return total;
}

// -- its duration: (step, token, allowed) -> allowed ---------------------------------------------------------

/** A must: only a token that may end the solo reaches the loop point. */
export function endingDurations(step, token, allowed) {
  if (step.canEnd[token]) return allowed;
  return allowed.map((x, k) => x && !step.final[k]);
}

/** A preference: a note held over the next strong beats fits the chords there as well. */
export function heldNotes(step, token, allowed) {
  const s = step.solo;
  const held = step.vocabulary.pcs[token];
  for (const n of [1, 2]) {
    const beat = (Math.floor(step.where / s.strong) + n) * s.strong;
    if (beat >= s.length || !soundsOutside(held, s.tones[s.at[beat]])) continue;
    allowed = prefer(allowed, (k) => step.where + step.vocabulary.steps[k] <= beat);
  }
  return allowed;
}

/** A must: a note is never held a beat or more as an avoid note of the chords it sounds over, nor over a strong beat
 *  where it is one (strongBeats keeps it off the strong beat it would start on). */
export function avoidNotes(step, token, allowed) {
  const s = step.solo;
  const steps = step.vocabulary.steps;
  const pcs = step.vocabulary.pcs[token];
  const span = Math.max(...steps);
  const held = new Int32Array(span + 1); // twelfths an avoid note, and strong beats crossed as one, up to an offset
  const crossed = new Int32Array(span + 1);
  for (let d = 0; d < span; d++) {
    const t = step.where + d;
    const sounding = t < s.length && pcs.some((x, p) => x && s.avoid[s.at[t]][p]);
    held[d + 1] = held[d] + (sounding ? 1 : 0);
    crossed[d + 1] = crossed[d] + (sounding && d > 0 && t % s.strong === 0 ? 1 : 0);
  }
  return allowed.map((x, k) => x && held[steps[k]] < AVOID_MAX && crossed[steps[k]] === 0);
}

/** A preference: no run of more than maxEqualRun equal durations. */
export function equalRun(step, token, allowed) {
  const s = step.solo;
  if (s.maxEqualRun <= 0 || s.run < s.maxEqualRun || s.last < 1) return allowed;
  return prefer(allowed, (k) => k !== s.last - 1);
}

export const TOKEN_RULES = [markers, endingTokens, strongBeats, fallback];
export const DURATION_RULES = [endingDurations, avoidNotes, heldNotes, equalRun];

/** The tokens the rules allow next (V entries). */
export function tokensAllowed(step) {
  let allowed = new Uint8Array(step.vocabulary.V).fill(1);
  for (const rule of TOKEN_RULES) allowed = rule(step, allowed);
  return allowed;
}

/** The duration classes the rules allow after `token` (S + 1 entries; class 0, the markers', never). */
export function durationsAllowed(step, token) {
  let allowed = step.fits.slice();
  for (const rule of DURATION_RULES) allowed = rule(step, token, allowed);
  const out = new Uint8Array(allowed.length + 1);
  out.set(allowed, 1);
  return out;
}
