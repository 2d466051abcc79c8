// Voices, what plays a note: kit samplers, drum kits, synth stand-ins and a timing probe.
//
// Voices: what plays a note. A pitched sampler per preset from the sound kit, a drum kit of
// one-shot buffers, synth stand-ins (no kit, or its samples failed to load), and a probe for
// timing tests. Every voice can fall silent at a given time (Pause, Stop, the end of a fade).
import { drumFallback, nearestSample } from "../layers/pieces.js";

const T = () => window.Tone;
const CUT = 0.015; // seconds: how fast silence() stops a ringing source (after the layer's own fade)

// Offline, a note's nodes stay in the graph until something takes them out (Tone disposes an
// ended source only in a live context), and every node in the graph is processed every 128
// samples: a render of minutes would drag thousands of finished notes along. Each note is
// listed with the audio time after which it is certainly silent, and the render, which runs in
// slices (ondemand/offline.js), disposes those its last slice has passed.
const spent = new WeakMap(); // offline context -> [{end, src}]
const AFTER = 0.05; // seconds of margin after a source's last sample

function disposeAfter(context, src, end) {
  if (!context.isOffline) return;
  let list = spent.get(context);
  if (!list) spent.set(context, (list = []));
  list.push({ end: end + AFTER, src });
}

/** Offline: dispose the notes of `context` that are silent for good by audio time `time`;
 * returns how many. */
export function disposeSilent(context, time) {
  const list = spent.get(context) || [];
  const keep = list.filter((e) => e.end > time);
  for (const e of list) if (e.end <= time) e.src.dispose();
  spent.set(context, keep);
  return list.length - keep.length;
}

/** Sources that are sounding or scheduled, so that they can all be stopped at once. */
class Sources {
  constructor() {
    this.set = new Set();
  }

  add(src) {
    this.set.add(src);
    src.onended = () => this.set.delete(src);
    return src;
  }

  stop(time) {
    for (const src of this.set) {
      src.fadeOut = CUT;
      src.stop(time);
    }
    this.set.clear();
  }
}

/**
 * A pitched instrument from the kit: each note its own buffer source, played from the nearest
 * sample so far at the rate that gives its pitch (what Tone.Sampler does), with the
 * instrument's release as an exponential fade. Unlike Tone.Sampler, every note it started
 * can still be stopped after its release has been scheduled.
 */
export class SamplerVoice {
  constructor({ context, destination, release = 1 }) {
    this.context = context;
    this.destination = destination;
    this.release = release;
    this.buffers = new Map(); // sample midi -> ToneAudioBuffer
    this.sources = new Sources();
  }

  /** Samples arrive in the order they are first heard; a note plays from the nearest one so far. */
  add(midi, audioBuffer) {
    this.buffers.set(midi, new (T().ToneAudioBuffer)(audioBuffer));
  }

  get ready() {
    return this.buffers.size > 0;
  }

  play(ev, time, duration) {
    const key = nearestSample(this.buffers, ev.midi);
    if (key === null) return;
    const buffer = this.buffers.get(key);
    const rate = Math.pow(2, (ev.midi - key) / 12);
    const src = new (T().ToneBufferSource)({
      context: this.context, url: buffer, curve: "exponential", fadeIn: 0, fadeOut: this.release, playbackRate: rate,
    }).connect(this.destination);
    src.start(time, 0, buffer.duration / rate, ev.velocity);
    src.stop(time + duration);
    this.sources.add(src);
    // Tone stops the source itself 2 fades after the release fade (an exponential curve).
    disposeAfter(this.context, src, time + Math.min(buffer.duration / rate, duration + 3 * this.release));
  }

  silence(time) {
    this.sources.stop(time);
  }

  dispose() {
    this.silence(this.context.currentTime);
  }
}

const CLOSED_HATS = new Set([42, 44]);
const OPEN_HATS = new Set([46]);

/** A drum kit: one buffer per GM drum note, each hit its own source so hits overlap
 * naturally; a closed hat chokes a ringing open hat, as on a real pair of hi-hats. */
export class DrumKitVoice {
  constructor({ context, destination }) {
    this.context = context;
    this.destination = destination;
    this.buffers = new Map();
    this.open = new Set();
    this.sources = new Sources();
  }

  add(midi, audioBuffer) {
    this.buffers.set(midi, new (T().ToneAudioBuffer)(audioBuffer));
  }

  get ready() {
    return this.buffers.size > 0;
  }

  play(ev, time) {
    const key = this.buffers.has(ev.midi) ? ev.midi : drumFallback(this.buffers, ev.midi);
    if (key === null) return;
    if (CLOSED_HATS.has(key)) {
      for (const src of this.open) src.stop(time);
      this.open.clear();
    }
    const buffer = this.buffers.get(key);
    const src = new (T().ToneBufferSource)({ context: this.context, url: buffer, fadeOut: 0.012 }).connect(this.destination);
    src.start(time, 0, undefined, ev.velocity);
    this.sources.add(src);
    disposeAfter(this.context, src, time + buffer.duration);
    if (OPEN_HATS.has(key)) {
      this.open.add(src);
      const ended = src.onended;
      src.onended = (s) => {
        ended(s);
        this.open.delete(src);
      };
    }
  }

  silence(time) {
    this.sources.stop(time);
    this.open.clear();
  }

  dispose() {
    this.silence(this.context.currentTime);
  }
}

const SYNTH_PRESETS = {
  piano: { oscillator: { type: "triangle" }, envelope: { attack: 0.005, decay: 0.6, sustain: 0.2, release: 1.2 } },
  rhodes: { oscillator: { type: "sine" }, envelope: { attack: 0.01, decay: 0.8, sustain: 0.35, release: 1.4 } },
  guitar: { oscillator: { type: "triangle" }, envelope: { attack: 0.003, decay: 0.4, sustain: 0.1, release: 0.6 } },
  vibraphone: { oscillator: { type: "sine" }, envelope: { attack: 0.002, decay: 1.2, sustain: 0.1, release: 1.5 } },
  musicbox: { oscillator: { type: "sine" }, envelope: { attack: 0.001, decay: 0.5, sustain: 0.0, release: 0.8 } },
  bass: { oscillator: { type: "triangle" }, envelope: { attack: 0.01, decay: 0.3, sustain: 0.6, release: 0.3 } },
};

/** A synth stand-in for a preset the kit lacks (or whose samples did not load). */
export class SynthVoice {
  constructor({ context, destination, preset }) {
    const Tone = T();
    this.synth = new Tone.PolySynth({ context, voice: Tone.Synth, options: SYNTH_PRESETS[preset] || SYNTH_PRESETS.piano }).connect(destination);
    this.synth.volume.value = -10;
    this.ready = true;
  }

  play(ev, time, duration) {
    this.synth.triggerAttackRelease(ev.name, duration, time, ev.velocity);
  }

  silence(time) {
    this.synth.releaseAll(time);
  }

  dispose() {
    this.synth.dispose();
  }
}

/** A drum stand-in made of Tone's drum synths. */
export class DrumSynthVoice {
  constructor({ context, destination }) {
    const Tone = T();
    this.kick = new Tone.MembraneSynth({ context, volume: -6 }).connect(destination);
    this.noise = new Tone.NoiseSynth({ context, volume: -18, envelope: { attack: 0.001, decay: 0.12, sustain: 0 } }).connect(destination);
    this.hat = new Tone.MetalSynth({ context, volume: -30, envelope: { attack: 0.001, decay: 0.05, release: 0.01 } }).connect(destination);
    this.ready = true;
  }

  play(ev, time) {
    // Each synth is monophonic: two hits on one synth at the same instant would be one hit.
    if (ev.midi === 35 || ev.midi === 36) this.kick.triggerAttackRelease("C1", "8n", time, ev.velocity);
    else if (ev.midi >= 37 && ev.midi <= 40) this.noise.triggerAttackRelease("16n", time, ev.velocity);
    else this.hat.triggerAttackRelease("C6", "32n", time, ev.velocity * 0.6);
  }

  silence() {}

  dispose() {
    this.kick.dispose();
    this.noise.dispose();
    this.hat.dispose();
  }
}

/** A probe: an 8-sample click of fixed height at exactly the time a note is scheduled, so an
 * offline render shows where every note landed (the timing test and `lofi.render`). */
export class ProbeVoice {
  constructor({ context, destination, height = 0.25 }) {
    this.context = context;
    this.destination = destination;
    this.height = height;
    this.buffer = T().ToneAudioBuffer.fromArray(new Float32Array(8).fill(1));
    this.ready = true;
  }

  add() {}

  play(ev, time) {
    const src = new (T().ToneBufferSource)({ context: this.context, url: this.buffer, onended: () => {} }).connect(this.destination);
    src.start(time, 0, undefined, this.height);
    disposeAfter(this.context, src, time + this.buffer.duration);
  }

  silence() {}

  dispose() {}
}
