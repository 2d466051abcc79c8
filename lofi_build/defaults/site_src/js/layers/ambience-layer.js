// The ambience layer: a kit loop played seamlessly, restarted every loops.ambience bars.
//
// The ambience layer: a Tone buffer looped seamlessly between the kit's loopStart and loopEnd
// (encoder padding never heard), started again every `loopTicks` (lofi.yaml's loops.ambience
// bars) on the Transport's grid, crossfading into itself.
import { BufferVoice } from "../audio/buffer-voice.js";
import { Layer, loadOneBuffer } from "./layers.js";
import { barTicks, secondsPerTick } from "../audio/transport.js";

const T = () => window.Tone;
const ENTER_FADE = 0.6; // seconds a live change brings the bed in over

export class AmbienceLayer extends Layer {
  static async build(entry, spec, env) {
    const buffer = await loadOneBuffer(entry, env);
    if (buffer === null) return null;
    const layer = new AmbienceLayer({ context: env.context, destination: env.destination, spec });
    layer.entry = entry;
    layer.loopTicks = env.loops[spec.loop] * barTicks(env.context.transport);
    layer.voice = new BufferVoice(env.context, layer.output, {
      url: new (T().ToneAudioBuffer)(buffer), loop: true, loopStart: entry.loopStart, loopEnd: entry.loopEnd,
    });
    layer.repeatId = null;
    return layer;
  }

  /** Seconds into the loop at Transport tick `ticks` (from the last retrigger). */
  offsetAt(ticks, time) {
    const since = ticks - Math.floor(ticks / this.loopTicks) * this.loopTicks;
    const seconds = since * secondsPerTick(this.transport.bpm.getValueAtTime(time), this.transport.PPQ);
    const span = this.entry.loopEnd - this.entry.loopStart;
    return this.entry.loopStart + (seconds % span);
  }

  /** Retriggers are Transport events on the grid of `loopTicks` from bar 0; `live`: the bed
   * comes in at `tick` with a fade (a retrigger there would be one too many). Call outside
   * Transport callbacks (Tone would time a new repeat from "now"). */
  install(tick, { live = false } = {}) {
    this._clearRepeat();
    let first = Math.ceil(tick / this.loopTicks) * this.loopTicks;
    if (live && first === tick) first += this.loopTicks;
    // From silence a quick fade in; over the sound already playing, a crossfade into itself.
    const retrigger = (t) => this.voice.start(t, this.entry.loopStart, this.voice.source ? 0.6 : 0.02);
    this.repeatId = this.transport.scheduleRepeat(retrigger, `${this.loopTicks}i`, `${first}i`);
    if (live) this.at(tick, (time) => this.voice.start(time, this.offsetAt(tick, time), ENTER_FADE));
    this.startTick = tick;
    return this;
  }

  restart() {
    this.voice.stop(this.context.currentTime, 0.02);
    this.install(0);
  }

  stopAt() {
    this._clearRepeat();
    this.clearEvents(); // an entry not reached yet does not happen
  }

  _clearRepeat() {
    if (this.repeatId !== null) this.transport.clear(this.repeatId);
    this.repeatId = null;
  }

  onStart(time, ticks) {
    if (ticks % this.loopTicks !== 0) this.voice.start(time, this.offsetAt(ticks, time), 0.02);
  }

  silence(time) {
    this.voice.stop(time, 0.015);
  }

  sounding() {
    return this.voice.source !== null;
  }

  _dispose() {
    this._clearRepeat();
  }
}
