// The one playback path: every piece (song, drum groove, AI solo) is Tone.js JSON scheduled on
// the shared Transport at PPQ 480, one looping Tone.Part per track, so ticks in the JSON are
// Transport ticks. Swing, humanising and the effect chain's latency are applied per note at
// the audio time the Part hands over, never with timers.
import { PPQ, secondsPerTick, swingTicks, prng } from "./transport.js";
import { layerEvents, pieceLoopTicks } from "./samples.js";

const T = () => window.Tone;

export { PPQ };

/** Set the Transport up for a piece: tempo and meter (swing stays per layer, see swingTicks). */
export function configureTransport(transport, { bpm, timeSignature }, time) {
  if (time === undefined) transport.bpm.value = bpm;
  else transport.bpm.setValueAtTime(bpm, time);
  transport.timeSignature = timeSignature;
}

/**
 * A piece looping every `loopTicks` on the Transport: one Tone.Part per track.
 *
 * `voiceFor(track, index)` gives the voice that plays a track; `onNote(ev, time, duration)` hears
 * every note as it is scheduled (the visualiser). `humanise` (AI solos) nudges each note by a
 * seeded amount, the same on every repeat, so loops repeat exactly.
 */
export class PieceLayer {
  constructor(piece, { context, loopTicks, voiceFor, swing = 0, humanise = null, latency = 0, onNote = null }) {
    const Tone = T();
    this.piece = piece;
    this.context = context;
    this.transport = context.transport;
    this.loopTicks = loopTicks;
    this.latency = latency;
    const rnd = humanise ? prng(humanise.seed) : null;
    this.parts = piece.tracks.map((track, index) => {
      const voice = voiceFor(track, index);
      const events = layerEvents(track, pieceLoopTicks(piece), loopTicks).map((n) => ({
        time: `${n.ticks}i`,
        ticks: n.ticks,
        midi: n.midi,
        durationTicks: n.durationTicks,
        velocity: rnd ? Math.min(1, n.velocity * (1 + humanise.velocity * (rnd() * 2 - 1))) : n.velocity,
        // Seconds a note is moved by; drawn in a fixed order so every repeat is the same.
        jitter: rnd ? humanise.timing * (rnd() * 2 - 1) : 0,
        swing: swingTicks(n.ticks, swing),
        track: track.name,
        index,
      }));
      const part = new Tone.Part({ context, callback: (time, ev) => this._play(voice, ev, time), events });
      part.loop = true;
      part.loopStart = 0;
      part.loopEnd = `${loopTicks}i`;
      return part;
    });
    this.onNote = onNote;
  }

  _play(voice, ev, time) {
    // An exception here would stop the Transport's clock for the rest of its update.
    try {
      this._schedule(voice, ev, time);
    } catch (error) {
      console.warn("lofi: a note could not be played", error);
    }
  }

  _schedule(voice, ev, time) {
    const spt = secondsPerTick(this.transport.bpm.getValueAtTime(time));
    time -= this._slip(ev, time) * spt;
    // No clamping to currentTime: inside Tone.Offline the clock runs ahead of the render, and
    // online a time just past simply plays at once.
    const at = time + ev.swing * spt + ev.jitter - this.latency;
    const duration = Math.max(ev.durationTicks * spt, 0.02);
    voice.play(ev, at, duration);
    if (this.onNote) this.onNote(ev, at + this.latency, duration);
  }

  /** Whole ticks by which Tone handed a note over late (or early): Tone 15 turns a note's tick
   * into seconds at the tempo of the moment and back, may land at T - 1e-12, floors that to
   * T - 1 and then adds the ~1 tick remainder twice (TransportEvent and TransportRepeatEvent),
   * so at some tempos a note fired a whole tick late. The note's own tick is known: use it. */
  _slip(ev, time) {
    const loop = this.loopTicks;
    let off = this.transport.getTicksAtTime(time) - this.startTick - ((ev.ticks - this.phaseTicks + loop) % loop);
    off -= loop * Math.round(off / loop);
    return Math.round(off);
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
    this.stopTick = atTick;
    return this;
  }

  /** The Parts go; the voices belong to whoever made them (see layers.js). */
  dispose() {
    for (const part of this.parts) part.dispose();
    this.parts = [];
  }
}
