// Transport arithmetic: ticks, bars in the Transport's meter, Tone's swing curves and the next safe bar.
//
// Transport arithmetic: ticks at the build's PPQ (facts.ppq), bars in the Transport's meter, Tone's swing
// curves, and "the next bar boundary that is still safely in the future" for live changes.

/** Ticks in one bar of a [numerator, denominator] meter (6/8 is three quarters, as in Tone). */
export function barTicksOf(timeSignature, ppq) {
  const [n, d] = Array.isArray(timeSignature) ? timeSignature : [timeSignature, 4];
  return Math.round((n * 4 * ppq) / d);
}

/** Ticks in one bar of the Transport's current meter (Tone keeps it as quarters per bar). */
export function barTicks(transport) {
  return Math.round(transport.timeSignature * transport.PPQ);
}

/** Ticks as "BARS:QUARTERS:SIXTEENTHS" (zero-based, like Tone's Transport.position). */
export function ticksToPosition(ticks, perBar, ppq) {
  const bars = Math.floor(ticks / perBar);
  const rest = ticks - bars * perBar;
  const quarters = Math.floor(rest / ppq);
  const sixteenths = (rest - quarters * ppq) / (ppq / 4);
  return `${bars}:${quarters}:${+sixteenths.toFixed(3)}`;
}

/** Tone.Transport's swing for a subdivision `sub` ticks long, in ticks, for a note at `ticks`.
 * Same curve as Tone's Transport._processTick with that swingSubdivision: every second
 * subdivision moves late by up to two thirds of one (an MPC's 16th swing with "16n"); notes
 * on the pairs' grid stay. Each layer applies its own swing this way, so a swung drum groove
 * and a straight song can share the one Transport. */
export function swingTicks(ticks, swing, sub) {
  const pair = 2 * sub;
  if (!swing || ticks % pair === 0) return 0;
  return ((pair / 3) * Math.sin(((ticks % pair) / pair) * Math.PI)) * swing;
}

export function secondsPerTick(bpm, ppq) {
  return 60 / (bpm * ppq);
}

/** The Transport's tick position at the moment the next clock update can still schedule. */
export function safeTicks(transport, margin = 0.12) {
  const ctx = transport.context;
  if (transport.state !== "started") return Math.round(transport.ticks);
  return Math.ceil(transport.getTicksAtTime(ctx.currentTime + ctx.lookAhead + margin));
}

/** The first bar boundary at or after `ticks`. */
export function ceilBar(ticks, perBar) {
  return Math.ceil(ticks / perBar - 1e-9) * perBar || 0;
}

/** Where a live change lands: the next bar boundary that the clock has not reached yet. */
export function nextBar(transport) {
  return ceilBar(safeTicks(transport), barTicks(transport));
}

/** A small deterministic PRNG (mulberry32): the same seed humanises a solo the same way. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit hash of a string, to seed the PRNG from an id. */
export function hashString(text) {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
