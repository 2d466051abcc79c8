// The one playback path: any piece's Tone.js JSON scheduled on the shared Transport, one Tone.Part per track.
//
// The one playback path: every piece (song, drum groove, AI solo) is Tone.js JSON scheduled on
// the shared Transport at the build's PPQ, one looping Tone.Part per track, so ticks in the JSON are
// Transport ticks. Swing, humanising and the effect chain's latency are applied per note at
// the audio time the Part hands over, never with timers.
import { layerEvents, pieceLoopTicks } from "./pieces.js";
import { secondsPerTick, swingTicks, prng } from "../audio/transport.js";

const T = () => window.Tone;


/** Set the Transport up for a piece: tempo and meter (swing stays per layer, see swingTicks). */
export function configureTransport(transport, { bpm, timeSignature }, time) {
  if (time === undefined) transport.bpm.value = bpm;
  else transport.bpm.setValueAtTime(bpm, time);
  transport.timeSignature = timeSignature;
}

/**
 * A piece looping every `loopTicks` on the Transport: one Tone.Part per track.
 *
 * `voiceFor(track)` gives the voice that plays a track; `onNote(ev, time, duration)` hears
 * every note as it is scheduled (the visualiser). `swing()` says the swing to play with now
 * ({amount, subdivision}: the piece's own, or for a solo the groove's). `humanise` (AI solos)
 * nudges each note by a seeded amount, the same on every repeat, so loops repeat exactly.
 */
export class PieceParts {
  /**
   * `sliceTicks` (0: off): instead of one looping Part per track made at once, the notes are
   * handed to Tone in non-looping Parts of that many ticks, each made just before it is needed
   * (one slice of margin) and let go once it has played. Tone spends about 30 µs making each
   * note's event, so a track of minutes made at once would hold the main thread for a tenth of
   * a second; in slices it costs a few milliseconds now and then, and only the notes near the
   * play head are held.
   */
  constructor(piece, { context, loopTicks, voiceFor, swing, humanise = null, latency = 0, onNote = null, sliceTicks = 0 }) {
    const Tone = T();
    this.transport = context.transport;
    this.context = context;
    this.loopTicks = loopTicks;
    this.latency = latency;
    this.swing = swing;
    this.onNote = onNote;
    this.sliceTicks = sliceTicks;
    this.humanise = humanise;
    if (sliceTicks) {
      // Nothing is copied now: each slice makes the events of its own notes (_slice).
      const own = pieceLoopTicks(piece);
      this.tracks = piece.tracks.map((track, index) => {
        const notes = track.notes.filter((n) => n.ticks < own);
        if (!notes.every((n, i) => i === 0 || notes[i - 1].ticks <= n.ticks)) notes.sort((a, b) => a.ticks - b.ticks);
        return { voice: voiceFor(track), notes, index, name: track.name };
      });
      this.parts = [];
      return;
    }
    const rnd = humanise ? prng(humanise.seed) : null;
    this.parts = piece.tracks.map((track, index) => {
      const voice = voiceFor(track);
      const events = layerEvents(track, pieceLoopTicks(piece), loopTicks).map((n) => ({
        time: `${n.ticks}i`,
        ticks: n.ticks,
        midi: n.midi,
        name: n.name,
        durationTicks: n.durationTicks,
        velocity: rnd ? Math.min(1, n.velocity * (1 + humanise.velocity * (rnd() * 2 - 1))) : n.velocity,
        // Seconds a note is moved by; drawn in a fixed order so every repeat is the same.
        jitter: rnd ? humanise.timing * (rnd() * 2 - 1) : 0,
        track: track.name,
        index,
      }));
      const part = new Tone.Part({ context, callback: (time, ev) => this._play(voice, ev, time), events });
      part.loop = true;
      part.loopStart = 0;
      part.loopEnd = `${loopTicks}i`;
      return part;
    });
  }

  /** A sliced track's note `i` as the event a Part plays: humanised by a draw of its own (seeded by
   * the piece, the track and the note), so any slice can be made first and every lap is the same. */
  _event(track, i) {
    const n = track.notes[i];
    const h = this.humanise;
    const rnd = h ? prng((h.seed ^ Math.imul(track.index + 1, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0) : null;
    return {
      ticks: n.ticks, midi: n.midi, name: n.name, durationTicks: n.durationTicks,
      velocity: rnd ? Math.min(1, n.velocity * (1 + h.velocity * (rnd() * 2 - 1))) : n.velocity,
      jitter: rnd ? h.timing * (rnd() * 2 - 1) : 0,
      track: track.name, index: track.index, voice: track.voice,
    };
  }

  _play(voice, ev, time, due) {
    // An exception here would stop the Transport's clock for the rest of its update.
    try {
      this._schedule(voice, ev, time, due);
    } catch (error) {
      console.warn("lofi: a note could not be played", error);
    }
  }

  _schedule(voice, ev, time, due) {
    const spt = secondsPerTick(this.transport.bpm.getValueAtTime(time), this.transport.PPQ);
    time += this._lateTicks(ev, time, due) * spt;
    const { amount, sub } = this.swing();
    // No clamping to currentTime: offline, the clock runs ahead of the render, and
    // online a time just past simply plays at once.
    const at = time + swingTicks(ev.ticks, amount, sub) * spt + ev.jitter - this.latency;
    const duration = Math.max(ev.durationTicks * spt, 0.02);
    voice.play(ev, at, duration);
    if (this.onNote) this.onNote(ev, at + this.latency, duration);
  }

  /**
   * Tone hands a looping Part's note over exactly one tick late when its tick, converted to
   * seconds and back at a tempo that is not exact in binary (78 bpm reads back as
   * 77.99999999999999), lands just under a whole tick: the repeat event and the one-off event
   * it schedules each add the same "remainder" of almost a tick. Such a note is put back on its
   * tick; any other time is left as Tone gives it. `due`: the Transport tick a sliced note is
   * due at (a looping Part's is worked out from the loop).
   */
  _lateTicks(ev, time, due) {
    const heard = this.transport.getTicksAtTime(time);
    let late;
    if (due !== undefined) {
      late = heard - due;
    } else {
      const L = this.loopTicks;
      const at = (((this.startTick - this.phaseTicks + ev.ticks) % L) + L) % L;
      late = heard - (at + Math.round((heard - at) / L) * L);
    }
    return late > 0.5 && late < 1.5 ? -late : 0;
  }

  /** Start at Transport tick `atTick`, `phaseTicks` into the loop. */
  start(atTick, phaseTicks = 0) {
    this.startTick = atTick;
    this.phaseTicks = phaseTicks % this.loopTicks;
    if (this.sliceTicks) {
      this.stopTick = Infinity;
      this.slices = new Map(); // slice number -> its Part
      this.scheduled = new Set(); // Transport events that make the next slices
      this._slice(0);
      return this;
    }
    for (const part of this.parts) part.start(`${atTick}i`, `${this.phaseTicks}i`);
    return this;
  }

  /** Slice `k`: the notes due in Transport ticks [k, k + 1) slices after the start, as one Part;
   * when it starts, slice k + 1 is made (a whole slice before it is due) and slice k - 2 let go. */
  _slice(k) {
    if (this.slices.has(k) || this.disposed) return;
    const S = this.sliceTicks;
    const L = this.loopTicks;
    const from = this.startTick + k * S;
    if (from >= this.stopTick) return;
    const events = [];
    // Piece ticks [a, b) of this slice, lap by lap round the loop.
    const a = this.phaseTicks + k * S;
    const b = a + S;
    for (let lap = Math.floor(a / L); lap * L < b; lap++) {
      const lo = Math.max(a - lap * L, 0);
      const hi = Math.min(b - lap * L, L);
      for (const track of this.tracks) {
        for (let i = firstAtOrAfter(track.notes, lo); i < track.notes.length && track.notes[i].ticks < hi; i++) {
          const offset = track.notes[i].ticks + lap * L - a; // ticks into this slice
          events.push({ time: `${offset}i`, ev: this._event(track, i), due: from + offset });
        }
      }
    }
    // A note at or after the stop is dropped here, not by stopping the Part: Tone stops a Part
    // event by event, at about the cost of making it.
    const part = new (T().Part)({
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
    if (this.sliceTicks) {
      this.stopTick = Math.min(this.stopTick, atTick);
      return this;
    }
    for (const part of this.parts) part.stop(`${atTick}i`);
    return this;
  }

  dispose() {
    this.disposed = true;
    for (const id of this.scheduled || []) this.transport.clear(id);
    if (this.scheduled) this.scheduled.clear();
    if (this.slices) this.slices.clear();
    for (const part of this.parts) part.dispose();
    this.parts = [];
  }
}

/** The index of the first note or event at or after piece tick `tick` (sorted by tick). */
function firstAtOrAfter(events, tick) {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (events[mid].ticks < tick) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
