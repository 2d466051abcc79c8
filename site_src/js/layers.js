// The layers a listener stacks: a notes layer (drum groove, song or AI solo: looping Parts
// through voices), the ambience bed (a seamless loop, retriggered every N bars) and the quote
// (once, from a bar on the Transport, with the music ducked under it). All of them take
// their times from the Transport; none uses a timer.
import { PieceLayer } from "./playback.js";
import { secondsPerTick } from "./transport.js";

const T = () => window.Tone;

/** A piece on the Transport with the voices that play it. */
export class NotesLayer {
  constructor({ piece, context, loopTicks, voices, voiceForTrack, swing, humanise, latency, onNote }) {
    this.piece = piece;
    this.context = context;
    this.loopTicks = loopTicks;
    this.voices = voices; // instrument id -> voice (owned here; tracks may share one)
    this.options = { context, loopTicks, voiceFor: voiceForTrack, swing, humanise, latency, onNote };
    this.body = new PieceLayer(piece, this.options);
  }

  start(atTick, phaseTicks) {
    this.body.start(atTick, phaseTicks);
    this.startTick = atTick;
    return this;
  }

  stop(atTick) {
    this.body.stop(atTick);
  }

  /** Back to the beginning after a Stop: fresh Parts from tick `atTick`, loop phase `phase`. */
  restart(atTick, phaseTicks) {
    this.body.dispose();
    this.body = new PieceLayer(this.piece, this.options);
    return this.start(atTick, phaseTicks);
  }

  /** Swap a voice (a synth stand-in for samples that failed) without rebuilding the Parts. */
  replaceVoice(id, voice) {
    const old = this.voices.get(id);
    this.voices.set(id, voice);
    if (old) old.dispose();
  }

  releaseAll(time) {
    for (const v of this.voices.values()) v.releaseAll(time);
  }

  dispose() {
    this.body.dispose();
    for (const v of this.voices.values()) v.dispose();
    this.voices.clear();
  }
}

/** A buffer played by its own source node, faded in and out (ambience and quotes). */
class Voice {
  constructor(context, destination, options) {
    this.context = context;
    this.destination = destination;
    this.options = options;
    this.source = null;
  }

  start(time, offset, fadeIn) {
    this.stop(time, fadeIn);
    const Tone = T();
    const src = new Tone.ToneBufferSource({ context: this.context, fadeIn, fadeOut: 0.1, onended: () => {}, ...this.options });
    src.connect(this.destination);
    src.start(time, offset);
    this.source = src;
    this.startedAt = time;
  }

  stop(time, fade = 0.1) {
    if (!this.source) return;
    this.source.fadeOut = fade;
    this.source.stop(time);
    this.source = null;
  }
}

/**
 * The ambience: a Tone buffer looped seamlessly between the kit's loopStart and loopEnd
 * (encoder padding never heard), and started again every `periodTicks` (lofi.yaml's
 * loops.ambience bars) on the Transport's grid, crossfading into itself.
 */
export class AmbienceLayer {
  constructor({ context, entry, buffer, periodTicks, destination }) {
    this.context = context;
    this.transport = context.transport;
    this.entry = entry;
    this.loopTicks = periodTicks;
    const Tone = T();
    this.voice = new Voice(context, destination, {
      url: new Tone.ToneAudioBuffer(buffer), loop: true, loopStart: entry.loopStart, loopEnd: entry.loopEnd,
    });
    this.eventId = null;
  }

  /** Seconds into the loop at Transport tick `ticks` (from the last retrigger). */
  offsetAt(ticks, time) {
    const since = ticks - Math.floor(ticks / this.loopTicks) * this.loopTicks;
    const seconds = since * secondsPerTick(this.transport.bpm.getValueAtTime(time));
    const span = this.entry.loopEnd - this.entry.loopStart;
    return this.entry.loopStart + (seconds % span);
  }

  /** Take part from tick `fromTick`: retriggers are Transport events on the grid of
   * `loopTicks` from bar 0. `live`: the Transport is running and `enter` brings the sound in
   * at `fromTick`, so a retrigger there would be one too many. Call outside Transport
   * callbacks (Tone would time a new repeat from "now"). */
  install(fromTick, { live = false } = {}) {
    let first = Math.ceil(fromTick / this.loopTicks) * this.loopTicks;
    if (live && first === fromTick) first += this.loopTicks;
    // From silence a quick fade in; over the sound already playing, a crossfade into itself.
    const retrigger = (t) => this.voice.start(t, this.entry.loopStart, this.voice.source ? 0.6 : 0.02);
    this.eventId = this.transport.scheduleRepeat(retrigger, `${this.loopTicks}i`, `${first}i`);
    this.startTick = fromTick;
    return this;
  }

  /** Come in at audio time `time` (Transport tick `ticks`), fading up. */
  enter(time, ticks, fade = 1.2) {
    this.voice.start(time, this.offsetAt(ticks, time), fade);
  }

  onStart(time, ticks) {
    if (ticks % this.loopTicks !== 0) this.voice.start(time, this.offsetAt(ticks, time), 0.08);
  }

  onStop(time) {
    this.voice.stop(time, 0.08);
  }

  get playing() {
    return this.voice.source !== null;
  }

  retire(time, fade = 1.2) {
    if (this.eventId !== null) this.transport.clear(this.eventId);
    this.eventId = null;
    this.voice.stop(time, fade);
  }

  dispose() {
    this.retire(this.context.currentTime, 0.05);
  }
}

/** The quote: once per pass, from `startTick`; the music dips while it speaks. */
export class QuoteLayer {
  constructor({ context, entry, buffer, startTick, destination, duck }) {
    this.context = context;
    this.transport = context.transport;
    this.entry = entry;
    this.buffer = buffer;
    this.startTick = startTick;
    this.duck = duck;
    this.voice = new Voice(context, destination, { url: new (T().ToneAudioBuffer)(buffer) });
    this.eventId = null;
  }

  install(startTick = this.startTick) {
    if (this.eventId !== null) this.transport.clear(this.eventId);
    this.startTick = startTick;
    this.eventId = this.transport.schedule((t) => this._speak(t, 0), `${startTick}i`);
    return this;
  }

  _speak(time, offset) {
    const remaining = this.buffer.duration - offset;
    if (remaining <= 0.05) return;
    this.voice.start(time, offset, offset > 0 ? 0.08 : 0);
    this.speakingUntil = time + remaining;
    this.duck.dip(time, time + remaining);
  }

  /** Resumed (or joined late) in the middle of the quote: carry on from where it would be. */
  onStart(time, ticks) {
    if (ticks <= this.startTick) return;
    const offset = (ticks - this.startTick) * secondsPerTick(this.transport.bpm.getValueAtTime(time));
    if (offset < this.buffer.duration) this._speak(time, offset);
  }

  onStop(time) {
    this.voice.stop(time, 0.08);
    this.duck.release(time);
  }

  get speaking() {
    return this.voice.source !== null && this.context.currentTime < (this.speakingUntil || 0);
  }

  retire(time, fade = 0.4) {
    if (this.eventId !== null) this.transport.clear(this.eventId);
    this.eventId = null;
    if (this.voice.source) this.duck.release(time);
    this.voice.stop(time, fade);
  }

  dispose() {
    this.retire(this.context.currentTime, 0.05);
  }
}
