// A melody's velocities shaped by phrase and metre: the rule of lofi_build/music/dynamics.py, step for step.
//
// Every term is a whole number of MIDI velocity steps, over the numbers in `rule` (header.solo.dynamics), so
// a live solo's melody gets the pool's velocities exactly.

function place(at, bar, ppq) {
  const within = at % bar;
  if (within === 0) return "downbeat";
  if (within * 2 === bar && bar % (2 * ppq) === 0) return "middle";
  if (within % ppq === 0) return "beat";
  return within % Math.floor(ppq / 2) === 0 ? "eighth" : "finer";
}

const samePitches = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

/** A MIDI velocity for each of `notes` ([ticks, durationTicks, pitches] in time order, one per onset), `bar`
 * ticks a bar at `ppq`: dynamics.velocities. */
export function velocities(notes, { bar, ppq, rule }) {
  const phrases = [];
  notes.forEach(([at], i) => {
    if (phrases.length && at - (notes[i - 1][0] + notes[i - 1][1]) < ppq) phrases[phrases.length - 1].push(i);
    else phrases.push([i]);
  });
  const shape = new Array(notes.length).fill(0);
  for (const phrase of phrases) {
    const n = phrase.length;
    const tops = phrase.map((i) => Math.max(...notes[i][2]));
    const lowest = Math.min(...tops);
    const highest = Math.max(...tops);
    phrase.forEach((i, k) => {
      const arc = n > 1 ? Math.floor((rule.arc * 4 * k * (n - 1 - k)) / ((n - 1) ** 2)) : 0;
      const height = highest > lowest ? Math.floor((rule.height * (tops[k] - lowest)) / (highest - lowest)) : 0;
      shape[i] = arc + height;
    });
  }
  return notes.map(([at, duration, pitches], i) => {
    let v = rule.base + rule.metre[place(at, bar, ppq)] + shape[i];
    const nextBeat = (Math.floor(at / ppq) + 1) * ppq;
    if (at % ppq && at + duration > nextBeat && (i + 1 === notes.length || notes[i + 1][0] > nextBeat)) v += rule.syncopation;
    if (duration >= 2 * ppq) v += rule.longer;
    else if (duration >= ppq) v += rule.long;
    else if (duration <= Math.floor(ppq / 4)) v += rule.short;
    if (i && samePitches(notes[i - 1][2], pitches)) v += rule.repeat;
    if (pitches.length > 1) v += rule.chord;
    return Math.max(rule.low, Math.min(rule.high, v));
  });
}
