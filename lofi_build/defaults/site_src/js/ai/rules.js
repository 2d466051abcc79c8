// The generation rules by name, for one solo: the twin of lofi_build/model/rules.py (read its docstring).
//
// The same rules under the same names, camelCase here (loop_end is loopEnd, ending_tokens is endingTokens,
// Solos is Solo: one solo, where Python advances a batch); tests check them against Python's on shared
// vectors (tests/model/test_rules_js.py). A rule is a must (its mask is and-ed in), a preference (dropped
// where it would leave no choice) or a decision (it alone says what the solo plays). In order:
// - where the next onset may fall, before the token (musts): grid, loopEnd, hookReturn;
// - the token (TOKEN_RULES): markers, ending, strongBeats, restBudget, breath, hookCopy, fallback; firstDraw
//   sets its temperature;
// - its duration (DURATION_RULES): ending, heldNotes, equalRun, restBudget, breath, hookCopy.
// A rule with a token half and a duration half is two functions, nameTokens and nameDurations. Masks are
// Uint8Arrays (a boolean stored is 1 or 0): V entries over tokens, S over duration classes 1..S (index k is
// class k + 1).

export const TICKS = 12; // the grid unit: a twelfth of a quarter (16ths are 3, triplet eighths 4)
export const FINAL_MIN = TICKS; // a solo's last note is held at least a beat
export const ECHO_BARS = 2; // the hook's length: the solo's opening bars, back at the harmony's echo bar
export const PHRASE_BARS = 4; // a phrase that breathes: rests are steered per phrase

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

/**
 * What the rules know of a network's outputs (rules.Vocabulary): pcs (a 12-entry row per token), rest (-1: none),
 * markers (token ids never played), steps (twelfths per duration class 1..S).
 */
export function vocabulary({ pcs, rest, markers, steps }) {
  const V = pcs.length;
  const isMarker = new Uint8Array(V);
  for (const m of markers) isMarker[m] = 1;
  return { V, S: steps.length, pcs, rest, markers: isMarker, steps, sounding: pcs.map(some),
           fallback: rest >= 0 ? rest : V - 1 }; // no token left: the rest, else the last token
}

/** The vocabulary of an exported model's header. */
export function vocabularyOf(header) {
  const unit = header.ppq / TICKS;
  return vocabulary({ pcs: header.pitches.map(pcRow), rest: header.rest, markers: header.banned.token,
                      steps: header.durationTicks.map((t) => t / unit) });
}

/** One solo (rules.Solos, one row): the chords under it, the quality asked for, and how far it has come. */
export class Solo {
  constructor(vocab, harmony, { maxEqualRun = 0, rests = null } = {}) {
    this.vocabulary = vocab;
    this.at = harmony.at;
    this.pcs = harmony.pcs;
    this.tones = harmony.tones; // what may sound on a strong beat
    this.length = harmony.at.length;
    this.bar = harmony.bar;
    this.strong = harmony.strong;
    this.echo = harmony.echo ? harmony.echo * harmony.bar : -1; // in twelfths; -1: none
    this.hookEnd = ECHO_BARS * harmony.bar;
    this.phrase = PHRASE_BARS * harmony.bar;
    this.maxEqualRun = maxEqualRun;
    this.rests = rests && vocab.rest >= 0 ? rests : null; // [least, most] share of rest time
    this.mostRest = this.rests ? Math.floor(this.rests[1] * this.length) : 0;
    this.onset = 0;
    this.last = -1; // the last duration class, and how many events in a row have had it
    this.run = 0;
    this.restTime = 0; // twelfths of rest, in the solo and in its current phrase
    this.phraseRest = 0;
    this.hooks = new Map(); // onset -> [token, class], in onset order
    this.events = [];
  }

  /** Play the chosen event; returns whether the solo is still short of the loop point. */
  advance(step, token, cls) {
    const where = step.where;
    const moved = this.vocabulary.steps[cls - 1];
    this.events.push({ tokenId: token, durationClass: cls, steps: moved, onset: where });
    if (where < this.hookEnd) this.hooks.set(where, [token, cls]);
    if (this.rests) {
      const resting = token === this.vocabulary.rest ? moved : 0;
      const newPhrase = Math.floor((where + moved) / this.phrase) !== Math.floor(where / this.phrase);
      this.restTime += resting;
      this.phraseRest = newPhrase ? 0 : this.phraseRest + resting;
    }
    this.run = cls === this.last ? this.run + 1 : 1;
    this.last = cls;
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
    this.before = solo.echo - this.where; // twelfths to the hook's return (<= 0: none ahead)
    this.cache = {};
  }

  once(name, make) {
    if (!(name in this.cache)) this.cache[name] = make();
    return this.cache[name];
  }

  /** The durations after which the next onset may fall. */
  get fits() {
    return this.once("fits", () => {
      const [a, b, c] = [grid(this), loopEnd(this), hookReturn(this)];
      return a.map((x, k) => x & b[k] & c[k]);
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

  /** The tokens that may end the solo here: a rest, or chord tones held at least a beat (where a fitting
   *  duration reaches the loop point). */
  get canEnd() {
    return this.once("canEnd", () => {
      const v = this.vocabulary;
      const reach = this.fits.some((x, k) => x && this.final[k]);
      const chord = this.solo.pcs[this.chord];
      const ends = (t) => t === v.rest || (v.sounding[t] && !soundsOutside(v.pcs[t], chord) && this.left >= FINAL_MIN);
      return Uint8Array.from({ length: v.V }, (_, t) => reach && ends(t));
    });
  }

  /** Twelfths of rest the solo may still play (with rests only). */
  get restLeft() {
    return this.solo.mostRest - this.solo.restTime;
  }

  /** A rest fits the budget (its shortest duration that fits), or only a rest may end the solo. */
  get restOk() {
    return this.once("restOk", () => {
      const fitting = this.vocabulary.steps.filter((_, k) => this.fits[k]);
      return this.restLeft >= Math.min(...fitting) || this.mustEnd; // Math.min() of none: Infinity
    });
  }

  /** The last bar of a phrase that has rested less than the least share (and a rest is ok). */
  get breathe() {
    const s = this.solo;
    return this.restOk && this.where % s.phrase >= s.phrase - s.bar && s.phraseRest < s.rests[0] * s.phrase;
  }

  /** The hook's [token, class] at this point of its return, or null. */
  get copy() {
    const s = this.solo;
    const offset = this.where - s.echo;
    return s.echo >= 0 && offset >= 0 && offset < s.hookEnd ? s.hooks.get(offset) || null : null;
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

/** A must: nothing crosses into the hook's return, so the hook starts on its bar line. */
export function hookReturn(step) {
  return Uint8Array.from(step.vocabulary.steps, (s) => step.before <= 0 || s <= step.before);
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

/** A must: no rest once the solo has the most share of rest (unless only a rest can end it here). */
export function restBudgetTokens(step, allowed) {
  if (step.solo.rests && !step.restOk) allowed[step.vocabulary.rest] = 0;
  return allowed;
}

/** A decision: a phrase that has rested less than the least share rests in its last bar. */
export function breathTokens(step, allowed) {
  return step.solo.rests && step.breathe ? only(allowed.length, step.vocabulary.rest) : allowed;
}

/** A decision: where the hook comes back, the solo plays its opening bars again, note for note. */
export function hookCopyTokens(step, allowed) {
  const copy = step.copy;
  return copy ? only(allowed.length, copy[0]) : allowed;
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

/** A preference: no run of more than maxEqualRun equal durations, counting the run the hook's return starts with. */
export function equalRun(step, token, allowed) {
  const s = step.solo;
  const steps = step.vocabulary.steps;
  if (s.maxEqualRun <= 0) return allowed;
  const repeat = new Uint8Array(steps.length);
  if (s.run >= s.maxEqualRun && s.last >= 1) repeat[s.last - 1] = 1;
  if (step.before > 0 && step.before <= Math.max(...steps)) {
    const [k, longest] = runIntoHook(step);
    if (steps[k] === step.before && longest > s.maxEqualRun) repeat[k] = 1;
  }
  return prefer(allowed, (k) => !repeat[k]);
}

// Just before the hook's return: the duration (index into steps) the hook starts with, and how long a run of it
// would be if the event leading into the return had it too (rules._run_into_hook).
function runIntoHook(step) {
  const s = step.solo;
  const [firstClass, lead] = leadingRun(s.hooks);
  if (lead === s.hooks.size && step.where < s.hookEnd) return [firstClass - 1, 2 * (lead + 1)];
  return [firstClass - 1, (s.last === firstClass ? s.run : 0) + 1 + lead];
}

/** The duration class a hook starts with and how many of its events in a row have it (rules.leading_run). */
export function leadingRun(hooks) {
  const classes = [...hooks.keys()].sort((a, b) => a - b).map((o) => hooks.get(o)[1]);
  let n = 0;
  while (n < classes.length && classes[n] === classes[0]) n++;
  return [classes[0], n];
}

/** A preference: a rest is no longer than the rest the solo may still play (unless it ends the solo). */
export function restBudgetDurations(step, token, allowed) {
  if (!step.solo.rests || token !== step.vocabulary.rest || step.mustEnd) return allowed;
  return prefer(allowed, (k) => step.vocabulary.steps[k] <= step.restLeft);
}

/** A preference: a breath is long enough to give its phrase the least share of rest. */
export function breathDurations(step, token, allowed) {
  const s = step.solo;
  if (!s.rests || token !== step.vocabulary.rest || !step.breathe) return allowed;
  const need = Math.ceil(s.rests[0] * s.phrase) - s.phraseRest;
  return prefer(allowed, (k) => step.vocabulary.steps[k] >= need);
}

/** A decision: the hook's note comes back with its duration. */
export function hookCopyDurations(step, token, allowed) {
  const copy = step.copy;
  return copy ? only(allowed.length, copy[1] - 1) : allowed;
}

export const TOKEN_RULES = [markers, endingTokens, strongBeats, restBudgetTokens, breathTokens, hookCopyTokens, fallback];
export const DURATION_RULES = [endingDurations, heldNotes, equalRun, restBudgetDurations, breathDurations,
                               hookCopyDurations];

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
