// The one playback path: any piece's Tone.js JSON scheduled on the shared Transport, one Tone.Part per track.
//
// The one playback path: every piece (song, drum groove, AI solo) is Tone.js JSON scheduled on
// the shared Transport at the build's PPQ, one looping Tone.Part per track, so ticks in the JSON are
// Transport ticks. Swing, a track's lay-back, humanising and the effect chain's latency are applied
// per note at the audio time the Part hands over, never with timers.
import { layerEvents, pieceLoopTicks, trackLayBack } from "./pieces.js";
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
  constructor(piece, options) {
    const { context, loopTicks, swing, latency = 0, onNote = null } = options;
    this.transport = context.transport;
    this.context = context;
    this.loopTicks = loopTicks;
    this.latency = latency;
    this.swing = swing;
    this.onNote = onNote;
    this.parts = this._parts(piece, options);
  }

  /** One looping Part per track (layers/sliced-parts.js makes them a few bars at a time). */
  _parts(piece, { context, loopTicks, voiceFor, humanise = null }) {
    const Tone = T();
    const rnd = humanise ? prng(humanise.seed) : null;
    return piece.tracks.map((track, index) => {
      const voice = voiceFor(track);
      const layBack = trackLayBack(piece, track);
      const events = layerEvents(track, pieceLoopTicks(piece), loopTicks).map((n) => ({
        time: `${n.ticks}i`,
        ticks: n.ticks,
        midi: n.midi,
        name: n.name,
        durationTicks: n.durationTicks,
        velocity: rnd ? Math.min(1, n.velocity * (1 + humanise.velocity * (rnd() * 2 - 1))) : n.velocity,
        // Seconds a note is moved by; drawn in a fixed order so every repeat is the same.
        jitter: rnd ? humanise.timing * (rnd() * 2 - 1) : 0,
        layBack,
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
    const at = time + (swingTicks(ev.ticks, amount, sub) + ev.layBack) * spt + ev.jitter - this.latency;
    const duration = Math.max(ev.durationTicks * spt, 0.02);
    voice.play(ev, at, duration);
    if (this.onNote) this.onNote(ev, at + this.latency, duration);
  }

  /**
   * Tone hands a looping Part's note over exactly one tick late when its tick, converted to
   * seconds and back at a tempo that is not exact in binary (78 bpm reads back as
   * 77.99999999999999), lands just under a whole tick: the repeat event and the one-off event
   * it schedules each add the same "remainder" of almost a tick. Such a note is put back on its
   * tick; any other time is left as Tone gives it. `due`: the tick a note is due at, when known.
   */
  _lateTicks(ev, time, due) {
    const L = this.loopTicks;
    const heard = this.transport.getTicksAtTime(time);
    if (due === undefined) {
      const at = (((this.startTick - this.phaseTicks + ev.ticks) % L) + L) % L;
      due = at + Math.round((heard - at) / L) * L;
    }
    const late = heard - due;
    return late > 0.5 && late < 1.5 ? -late : 0;
  }

  /** Start at Transport tick `atTick`, `phaseTicks` into the loop. */
  start(atTick, phaseTicks = 0) {
    for (const part of this.parts) part.start(`${atTick}i`, `${phaseTicks % this.loopTicks}i`);
    this.startTick = atTick;
    this.phaseTicks = phaseTicks % this.loopTicks;
    return this;
  }

  stop(atTick) {
    for (const part of this.parts) part.stop(`${atTick}i`);
    return this;
  }

  dispose() {
    for (const part of this.parts) part.dispose();
    this.parts = [];
  }
}
