// Transport arithmetic: ticks at PPQ 480, bars in the Transport's meter, Tone's swing curve,
// and "the next bar boundary that is still safely in the future" for live changes.
export const PPQ = 480;

/** Ticks in one bar of a [numerator, denominator] meter (6/8 is three quarters, as in Tone). */
export function barTicksOf(timeSignature) {
  const [n, d] = Array.isArray(timeSignature) ? timeSignature : [timeSignature, 4];
  return Math.round((n * 4 * PPQ) / d);
}

/** Ticks in one bar of the Transport's current meter (Tone keeps it as quarters per bar). */
export function barTicks(transport) {
  return Math.round(transport.timeSignature * PPQ);
}

/** TransportTime "BARS:QUARTERS[:SIXTEENTHS]" as ticks, read the way Tone.js reads it. */
export function transportTimeToTicks(text, timeSignature = [4, 4]) {
  const m = /^\s*(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)(?::(\d+(?:\.\d+)?))?\s*$/.exec(String(text));
  if (!m) throw new Error(`not a TransportTime: ${text}`);
  const [bars, quarters, sixteenths] = [m[1], m[2], m[3] || "0"].map(Number);
  return Math.round(bars * barTicksOf(timeSignature) + quarters * PPQ + (sixteenths * PPQ) / 4);
}

/** Ticks as "BARS:QUARTERS:SIXTEENTHS" (zero-based, like Tone's Transport.position). */
export function ticksToPosition(ticks, perBar) {
  const bars = Math.floor(ticks / perBar);
  const rest = ticks - bars * perBar;
  const quarters = Math.floor(rest / PPQ);
  const sixteenths = (rest - quarters * PPQ) / (PPQ / 4);
  return `${bars}:${quarters}:${+sixteenths.toFixed(3)}`;
}

/** Tone.Transport's swing for an eighth-note subdivision, in ticks, for a note at `ticks`.
 * Same curve as Tone's Transport._processTick: off-beats move late by up to a third of an
 * eighth; notes on the beat stay. Each layer applies its own score's swing this way, so
 * a swung drum groove and a straight song can share the one Transport. */
export function swingTicks(ticks, swing) {
  const eighth = PPQ / 2;
  if (!swing || ticks % PPQ === 0 || ticks % (2 * eighth) === 0) return 0;
  const progress = (ticks % (2 * eighth)) / (2 * eighth);
  return ((2 * eighth) / 3) * Math.sin(progress * Math.PI) * swing;
}

export function secondsPerTick(bpm) {
  return 60 / (bpm * PPQ);
}

/** The Transport's tick position at the moment the next clock update can still schedule. */
export function safeTicks(transport, margin = 0.12) {
  const ctx = transport.context;
  if (transport.state !== "started") return Math.round(transport.ticks);
  return Math.ceil(transport.getTicksAtTime(ctx.currentTime + ctx.lookAhead + margin));
}

/** The first bar boundary at or after `ticks`. */
export function ceilBar(ticks, perBar) {
  return Math.ceil(ticks / perBar - 1e-9) * perBar;
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
