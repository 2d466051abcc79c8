// A solo's form: whole cycles of its progression in the loop and a written turnaround back into the top.
//
// The rule of lofi_build/music/form.py, step for step; the turnaround's chords and the chords that lead
// back by themselves are its tables (header.solo.form), so the page writes the loop a pool solo plays.
import { home, keyNames } from "./keys.js";
import { Progression, makeChord } from "./progression.js";

const mod12 = (x) => ((x % 12) + 12) % 12;
const intervalsOf = (chord) => new Set(chord.pcs.map((p) => mod12(p - chord.root)));

/** "minor" for a chord with a minor 3rd and no major 3rd, else "major" (form.quality). */
export function quality(chord) {
  const iv = intervalsOf(chord);
  return iv.has(3) && !iv.has(4) ? "minor" : "major";
}

/** Does `chord` resolve into `target` by itself (tables.leadsBack)? */
export function leadsBack(chord, target, tables) {
  const iv = intervalsOf(chord);
  const step = mod12(chord.root - target.root);
  return tables.leadsBack.some(([s, held]) => step === s && held.every((i) => iv.has(i)));
}

/** The last `bars` bars (1 or 2) of the written turnaround into `target`, as bars of Chords. */
export function turnaround(target, bars, tables) {
  const written = tables.turnaround[quality(target)];
  const names = keyNames(tables.keys, ...home([target]));
  return written.slice(written.length - bars).map((bar) =>
    bar.map(([s, kind]) => makeChord(`C${kind}`).transpose(mod12(target.root + s), names)));
}

/** Bars of written turnaround ending a loop of `bars` over a `cycle`-bar progression (0: the last bar turns). */
export function turnaroundBars(cycle, bars, tables) {
  const n = Math.floor(bars / cycle);
  const r = bars % cycle;
  if (r === 0 || (n === 0 && r === 1)) return 0;
  return Math.min(n === 0 ? r - 1 : r, tables.turnaround.major.length);
}

/** The `bars` bars a solo over `progression` plays before it loops (form.loop_progression). */
export function loopProgression(progression, bars, tables) {
  const cycle = progression.bars;
  const first = cycle[0][0];
  const played = Array.from({ length: bars }, (_, i) => cycle[i % cycle.length]);
  const written = turnaroundBars(cycle.length, bars, tables);
  if (written) return new Progression([...played.slice(0, bars - written), ...turnaround(first, written, tables)]);
  const last = played[bars - 1];
  if (!leadsBack(last[last.length - 1], first, tables)) {
    played[bars - 1] = [last[0], turnaround(first, 1, tables)[0].at(-1)];
  }
  return new Progression(played);
}
