// An AI station track made in the generator's worker: solos over two related progressions arranged into one piece.
//
// The plan (plan.js) says the sections and what plays in each; this module makes the music with
// makeSolo (the melody material over the track's progression and the B material over the
// related one, each as long as the form plays it, and the home chord for the ending), lays the
// sections out bar by bar from that material (the intro takes the chords without the melody,
// the breakdown plays softer, the outro cadences onto the home chord, struck on each of its last
// bars), adds the drums (drums.js) and writes it all as one piece with lofi.sections, like a song.
import { makeSolo } from "../ai/solo.js";
import { arrangeDrums } from "./drums.js";
import { ENDING_BARS, laidOut } from "./plan.js";
import { trackPiece } from "./track-piece.js";

const SOFT = 0.7; // velocity scale of a soft section (the breakdown)
const ENDING_FADE = 0.8; // each bar of the home chord, this much softer than the one before
const HOME = { major: "maj9", minor: "m9" }; // the chord the outro comes home to, by scale

/** Notes of each track of `piece` by bar: {track name: Map(bar -> [note])}. */
function byBar(piece, barTicks) {
  const out = {};
  for (const t of piece.tracks) {
    const bars = new Map();
    for (const n of t.notes) {
      const bar = Math.floor(n.ticks / barTicks);
      if (!bars.has(bar)) bars.set(bar, []);
      bars.get(bar).push(n);
    }
    out[t.name] = bars;
  }
  return out;
}

/**
 * The track's piece: `model` is the worker's loaded model, `track` a plan entry ({id, index, title, bpm,
 * recipe}) and `groove` the drum score its recipe names. Same model, track and groove: the same notes.
 */
export function makeTrack(model, { track, groove, station }) {
  const { ppq } = model.facts;
  const solo = model.header.solo;
  const meter = solo.meter;
  const beatTicks = (ppq * 4) / meter[1];
  const barTicks = meter[0] * beatTicks;
  const r = track.recipe;
  const make = (progression, bars, seed) => makeSolo(model, { progression, bars, seed, temperature: r.temperature,
                                                               topK: r.topK, bpm: r.bpm, title: track.title }).piece;
  const keyName = solo.keys.find((k) => k.scale === r.key.scale).names[r.key.tonic];
  const material = {
    A: byBar(make(r.progression, r.materialBars.A, r.seed), barTicks),
    B: byBar(make(r.progressionB, r.materialBars.B, r.seed + 1), barTicks),
  };
  const home = make(`${keyName}${HOME[r.key.scale]}`, 1, r.seed + 2);
  for (const part of solo.parts) {
    if (!r.arrangement.every((s) => part.name in s)) throw new Error(`the arrangement does not say when the ${part.name} plays`);
  }
  const notes = Object.fromEntries(solo.parts.map((p) => [p.name, []]));
  let start = 0;
  for (const s of r.arrangement) {
    const end = (start + s.bars) * barTicks;
    const from = s.from;
    const matBars = r.materialBars[s.material];
    const own = s.ending ? s.bars - ENDING_BARS : s.bars;
    for (const part of solo.parts) {
      if (!s[part.name]) continue;
      for (let j = 0; j < own; j++) {
        const bar = (from + j) % matBars;
        for (const n of material[s.material][part.name].get(bar) || []) {
          const ticks = (start + j) * barTicks + n.ticks - bar * barTicks;
          notes[part.name].push([ticks, Math.min(n.durationTicks, end - ticks), n.midi, n.velocity * (s.soft ? SOFT : 1), n.name]);
        }
      }
    }
    if (s.ending) {
      // The home chord's first voicing and bass note, struck again (softer) each bar to the end of the
      // track, so that it still sounds when the next track comes in (a sample rings a few seconds).
      for (let j = own; j < s.bars; j++) {
        const at = (start + j) * barTicks;
        const fading = ENDING_FADE ** (j - own);
        for (const t of home.tracks) {
          if (!s[t.name] || !t.notes.length) continue;
          const first = t.notes[0].ticks;
          for (const n of t.notes) if (n.ticks === first) notes[t.name].push([at, barTicks - beatTicks / 4, n.midi, n.velocity * fading, n.name]);
        }
      }
    }
    start += s.bars;
  }
  const drums = groove ? arrangeDrums(groove, r.arrangement, { barTicks, beatTicks }) : [];
  const names = new Set(solo.parts.map((p) => p.name));
  const tracks = [
    ...solo.parts.map((p, channel) => ({ name: p.name, instrument: p.instrument, gm: p.gm, channel, notes: notes[p.name] })),
    ...drums.map((d) => ({ ...d, name: names.has(d.name) ? `drums ${d.name}` : d.name, notes: d.notes })),
  ];
  const sections = laidOut(r.arrangement).map((s, i) => (r.arrangement[i].filter ? { ...s, filter: true } : s));
  return trackPiece({
    tracks, title: track.title, bpm: r.bpm, meter, ppq, key: { key: keyName, scale: r.key.scale }, bars: start,
    swing: groove ? { amount: groove.lofi.swing || 0, subdivision: groove.lofi.swingSubdivision } : null, sections,
    lofi: {
      station: { id: track.id, index: track.index, seed: station }, seed: r.seed, temperature: r.temperature, topK: r.topK,
      model: model.header.model, progression: r.progression, progressionB: r.progressionB, groove: r.groove,
      layBack: home.lofi.layBack || {}, // the melody behind the beat, as every AI solo's (the site's ai.lay_back)
    },
  });
}
