// The quote layer: spoken once per pass from the site's quote start, the music ducked under it.
//
// The quote layer: spoken once per pass from the site's quote start (ticks baked into the
// manifest), the music ducked under it.
import { BufferVoice } from "../audio/buffer-voice.js";
import { Layer, loadOneBuffer } from "./layers.js";
import { secondsPerTick } from "../audio/transport.js";

const T = () => window.Tone;

export class QuoteLayer extends Layer {
  static async build(entry, spec, env) {
    const buffer = await loadOneBuffer(entry, env);
    if (buffer === null) return null;
    const layer = new QuoteLayer({ context: env.context, destination: env.destination, spec });
    layer.entry = entry;
    layer.buffer = buffer;
    layer.quoteStart = env.quoteStartTicks;
    layer.duck = env.duck;
    layer.voice = new BufferVoice(env.context, layer.output, { url: new (T().ToneAudioBuffer)(buffer) });
    layer.speakingUntil = 0;
    return layer;
  }

  /** Speaks at the quote start; a quote chosen live after that bar has passed speaks once,
   * from the bar it comes in at. */
  install(tick, { live = false } = {}) {
    this.clearEvents();
    this.startTick = live && tick > this.quoteStart ? tick : this.quoteStart;
    this.at(this.startTick, (time) => this._speak(time, 0));
    return this;
  }

  stopAt(tick) {
    this.clearEvents();
    this.at(tick, (time) => {
      if (this.voice.source) this.duck.release(time);
    });
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
    const offset = (ticks - this.startTick) * secondsPerTick(this.transport.bpm.getValueAtTime(time), this.transport.PPQ);
    if (offset < this.buffer.duration) this._speak(time, offset);
  }

  silence(time) {
    this.voice.stop(time, 0.015);
    this.speakingUntil = 0;
  }

  get speaking() {
    return this.voice.source !== null && this.context.currentTime < this.speakingUntil;
  }

  sounding() {
    return this.speaking;
  }
}
