// The one layer interface every layer kind keeps: its gain, install, retire, restart, hush and unhush.
//
// The one layer interface every layer kind keeps (a piece, the ambience bed, the quote): its
// own output gain, install at a tick, retire at a tick (a short fade from that bar, disposed
// once silent), restart after a Stop, hush and unhush for Pause, and whether it sounds now.
// The kinds live in piece-layer.js, ambience-layer.js and quote-layer.js.
import { NOW, SOON } from "../audio/samples.js";

const T = () => window.Tone;

export const PAUSE_FADE = 0.06; // seconds to silence on Pause and Stop (no click)
export const CHANGE_FADE = 0.4; // seconds an outgoing layer fades over from the change's bar
const GONE = 0.05; // seconds after a fade before the layer is disposed

/** The first steps of a layer built on one kit buffer (the ambience bed, a quote): the load counted,
 * the buffer awaited (now when the build is eager, else soon); null when the build was superseded
 * meanwhile. Throws the loader's error when the buffer could not be had. */
export async function loadOneBuffer(entry, env) {
  env.count(1);
  const buffer = await env.track(env.loader.buffer(entry.url, env.eager ? NOW : SOON));
  if (buffer === undefined) throw env.lastError();
  return env.live() ? buffer : null;
}

export class Layer {
  /** `destination`: the family chain's input this layer's output gain feeds. */
  constructor({ context, destination, spec = {} }) {
    this.context = context;
    this.transport = context.transport;
    this.spec = spec;
    this.kind = spec.kind;
    this.destination = destination;
    this.output = new (T().Gain)({ context, gain: 1 }).connect(destination);

    this.events = new Set(); // this layer's Transport events
    this.disposers = []; // what else goes with it (onDispose)
    this.startTick = null;
    this.retiring = false;
    this.hushed = false;
    this.disposed = false;
  }

  // -- what each kind provides ---------------------------------------------------------------

  /** Take part from Transport tick `tick`. `live`: the Transport is running and this comes in
   * as a change at that bar. */
  install(tick, { live = false } = {}) {
    this.startTick = tick;
    return this;
  }

  /** Stop taking part at `tick` (no new sound from then on). */
  stopAt() {}

  /** Back to its beginning after a Stop (the Transport at 0). */
  restart() {
    this.install(0);
  }

  /** Stop every sound it started, at audio time `time` (after the gain is down). */
  silence() {}

  /** The Transport (re)started at audio time `time`, at tick `ticks`. */
  onStart() {}

  /** Whether it is making sound at Transport tick `ticks` (the Transport running). */
  sounding(ticks) {
    return this.startTick !== null && ticks >= this.startTick;
  }

  // -- shared by every kind --------------------------------------------------------------------

  /** A one-off Transport event owned by this layer (cleared when it is disposed). */
  at(tick, fn) {
    const id = this.transport.scheduleOnce((time) => {
      this.events.delete(id);
      fn(time);
    }, `${tick}i`);
    this.events.add(id);
    return id;
  }

  /** Call `fn` when the layer is disposed (nodes a caller wired around it). */
  onDispose(fn) {
    this.disposers.push(fn);
  }

  clearEvents() {
    for (const id of this.events) this.transport.clear(id);
    this.events.clear();
  }

  /** Ramp the output to silence from audio time `time` over `fade` s, then stop every sound. */
  hush(time, fade = PAUSE_FADE) {
    this.hushed = true;
    const g = this.output.gain;
    g.cancelScheduledValues(time);
    g.setValueAtTime(g.getValueAtTime(time), time);
    g.linearRampToValueAtTime(0, time + fade);
    this.silence(time + fade);
  }

  /** Full level again from audio time `time` (a resume); a retiring layer stays down. */
  unhush(time) {
    // Only after a hush: a layer never paused keeps a gain with no automation at all.
    if (this.retiring || this.disposed || !this.hushed) return;
    this.hushed = false;
    const g = this.output.gain;
    g.cancelScheduledValues(time);
    g.setValueAtTime(1, time);
  }

  /** Leave at `tick`: fade over `fade` seconds (CHANGE_FADE) from that bar's audio time, disposed
   * once silent; `onGone` is called then. Not `live` (stopped or paused): gone at once. */
  retire(tick, { live = true, onGone = () => {}, fade = CHANGE_FADE } = {}) {
    if (!live) {
      this.dispose();
      onGone();
      return;
    }
    this.stopAt(tick);
    this.at(tick, (time) => {
      this.retiring = true;
      this.hush(time, fade);
      const wait = Math.max(0, time - this.context.currentTime) + fade + GONE;
      this.context.setTimeout(() => {
        this.dispose();
        onGone();
      }, wait);
    });
  }

  dispose() {
    if (this.disposed) return;
    this.disposed = true;
    this.clearEvents();
    this.silence(this.context.currentTime);
    this._dispose();
    for (const fn of this.disposers.splice(0)) fn();
    // Offline, the clock runs ahead of the render: a node disconnected now would be missing
    // from audio not rendered yet, so it stays (silent) until the end.
    if (!this.context.isOffline) this.output.dispose();
  }

  /** What a kind frees besides the output gain and its events. */
  _dispose() {}
}
