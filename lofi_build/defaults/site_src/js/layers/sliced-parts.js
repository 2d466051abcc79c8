// Long pieces (the station's tracks) handed to Tone a few bars at a time, on the one playback path.
//
// Tone spends about 30 µs making each note's event, so a track of minutes made at once would hold
// the main thread for a tenth of a second. Here the notes go to Tone in non-looping Parts of
// SLICE_BARS, each made a slice before it is due and let go once played: a few milliseconds
// now and then, and only the notes near the play head held. Everything else (swing, humanising,
// latency, the late-tick fix) is PieceParts'.
import { PieceParts } from "./playback.js";
import { pieceBarTicks, pieceLoopTicks, trackLayBack } from "./pieces.js";
import { prng } from "../audio/transport.js";

const SLICE_BARS = 1; // bars of notes handed to Tone at a time

export class SlicedParts extends PieceParts {
  /** Nothing is copied now: each slice makes the events of its own notes. */
  _parts(piece, { voiceFor, humanise = null }) {
    const own = pieceLoopTicks(piece);
    this.sliceTicks = SLICE_BARS * pieceBarTicks(piece);
    this.humanise = humanise;
    this.tracks = piece.tracks.map((track, index) => {
      const notes = track.notes.filter((n) => n.ticks < own);
      if (!notes.every((n, i) => i === 0 || notes[i - 1].ticks <= n.ticks)) notes.sort((a, b) => a.ticks - b.ticks);
      return { voice: voiceFor(track), notes, index, name: track.name, layBack: trackLayBack(piece, track) };
    });
    return [];
  }

  /** Note `i` of `track` as a Part's event, humanised by a draw of its own (seeded by the piece, the track
   * and the note), so that any slice can be made first and every lap sounds the same. */
  _event(track, i) {
    const n = track.notes[i];
    const h = this.humanise;
    const rnd = h ? prng((h.seed ^ Math.imul(track.index + 1, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0) : null;
    return {
      ticks: n.ticks, midi: n.midi, name: n.name, durationTicks: n.durationTicks,
      velocity: rnd ? Math.min(1, n.velocity * (1 + h.velocity * (rnd() * 2 - 1))) : n.velocity,
      jitter: rnd ? h.timing * (rnd() * 2 - 1) : 0,
      layBack: track.layBack, // ticks behind the beat, as PieceParts plays them
      track: track.name, index: track.index, voice: track.voice,
    };
  }

  start(atTick, phaseTicks = 0) {
    this.startTick = atTick;
    this.phaseTicks = phaseTicks % this.loopTicks;
    this.stopTick = Infinity;
    this.slices = new Map(); // slice number -> its Part
    this.scheduled = new Set(); // Transport events that make the next slices
    // Two now: Tone does not fire an event at the very tick it starts from, so slice 0's own
    // event may never come; each later slice's does.
    this._slice(0);
    this._slice(1);
    return this;
  }

  /** Slice `k`: the notes due in Transport ticks [k, k + 1) slices after the start, as one Part; when it
   * starts, slice k + 1 is made (a whole slice before it is due) and slice k - 2 let go. */
  _slice(k) {
    if (this.slices.has(k) || this.disposed) return;
    const S = this.sliceTicks;
    const L = this.loopTicks;
    const from = this.startTick + k * S;
    if (from >= this.stopTick) return;
    const events = [];
    const a = this.phaseTicks + k * S; // piece ticks [a, a + S), lap by lap round the loop
    for (let lap = Math.floor(a / L); lap * L < a + S; lap++) {
      const lo = Math.max(a - lap * L, 0);
      const hi = Math.min(a + S - lap * L, L);
      for (const track of this.tracks) {
        for (let i = firstAtOrAfter(track.notes, lo); i < track.notes.length && track.notes[i].ticks < hi; i++) {
          const offset = track.notes[i].ticks + lap * L - a; // ticks into this slice
          events.push({ time: `${offset}i`, ev: this._event(track, i), due: from + offset });
        }
      }
    }
    // A note at or after the stop is dropped here rather than by stopping the Part: Tone stops a
    // Part event by event, at about the cost of making it.
    const part = new window.Tone.Part({
      context: this.context, events,
      callback: (time, e) => { if (e.due < this.stopTick) this._play(e.ev.voice, e.ev, time, e.due); },
    });
    part.start(`${from}i`);
    this.slices.set(k, part);
    this.parts.push(part);
    const id = this.transport.scheduleOnce(() => {
      this.scheduled.delete(id);
      this._slice(k + 1);
      this._drop(k - 2);
    }, `${from}i`);
    this.scheduled.add(id);
  }

  _drop(k) {
    const part = this.slices.get(k);
    if (!part) return;
    this.slices.delete(k);
    this.parts.splice(this.parts.indexOf(part), 1);
    part.dispose();
  }

  stop(atTick) {
    this.stopTick = Math.min(this.stopTick, atTick);
    return this;
  }

  dispose() {
    this.disposed = true;
    for (const id of this.scheduled || []) this.transport.clear(id);
    super.dispose();
  }
}

/** The index of the first note at or after piece tick `tick` (notes sorted by tick). */
function firstAtOrAfter(notes, tick) {
  let lo = 0;
  let hi = notes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (notes[mid].ticks < tick) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
