// The mixer: a volume per layer into the master and its limiter, the quote's duck and a level meter.
//
// The mixer: a volume per layer (drums, ambience, music, quote) into a master volume and a
// limiter, the quote's duck on the music, and a level meter on the master for "is it making
// sound yet".
const T = () => window.Tone;

export const LAYER_NAMES = ["drums", "ambience", "music", "quote"];
export const VOLUME_NAMES = [...LAYER_NAMES, "master"];
export const MIN_DB = -40; // the slider's bottom: silence
export const MAX_DB = 6;
// Starting levels, set from offline renders of the shipped pieces: music around -18 dBFS RMS,
// drums a few dB under it, the ambience a bed well below, the quote above the ducked music.
export const DEFAULT_VOLUMES = { master: -4, drums: -1, ambience: -2, music: -5, quote: 2 };

// The master limiter: a DynamicsCompressor as a brick-wall-ish limiter (hard knee, ratio 20,
// fastest attack; Web Audio's own 6 ms pre-delay is its only look-ahead), then a soft safety
// knee that rounds what its attack lets through, never above CEILING (-1 dBFS sample peak, so
// the true peak between samples stays under -0.3 dBFS). The shaper's curve spans +-HEADROOM,
// so no input sits flat at the curve's end.
export const LIMITER = { threshold: -4, ratio: 20, attack: 0, release: 0.12 };
const CEILING = 0.891; // -1 dBFS
const KNEE = 0.75; // linear below this
const HEADROOM = 8; // the safety curve covers +18 dB over full scale

/** Web Audio's compressor adds makeup gain (spec: (1 / gain at full scale) ^ 0.6); this undoes
 * it, so that below the threshold the master is exactly what the sliders say. */
export function makeupGain({ threshold, ratio }) {
  const fullScaleDb = threshold - threshold / ratio;
  return Math.pow(10, (0.6 * fullScaleDb) / 20);
}

export function safetyCurve(s) {
  const a = Math.abs(s);
  return a <= KNEE ? s : Math.sign(s) * (KNEE + (CEILING - KNEE) * Math.tanh((a - KNEE) / (CEILING - KNEE)));
}

export const DUCK_DB = -6;

export function clampDb(db) {
  const n = Number(db);
  if (!Number.isFinite(n)) return n === -Infinity ? MIN_DB : null;
  return Math.min(MAX_DB, Math.max(MIN_DB, n));
}

export class Mixer {
  constructor(context, volumes = DEFAULT_VOLUMES, { probe = false } = {}) {
    const Tone = T();
    this.context = context;
    this.master = new Tone.Volume({ context });
    this.limiter = [];
    // Web Audio's compressor delays what it passes by its pre-delay (6 ms, whole samples):
    // the note scheduler takes this off, as it does a chain's latency, so notes stay on the grid.
    this.latency = probe ? 0 : Math.floor(0.006 * context.sampleRate) / context.sampleRate;
    if (probe) {
      this.master.connect(context.destination);
    } else {
      const compressor = new Tone.Compressor({ context, knee: 0, ...LIMITER });
      const unmakeup = new Tone.Gain({ context, gain: makeupGain(LIMITER) });
      const into = new Tone.Gain({ context, gain: 1 / HEADROOM });
      const safety = new Tone.WaveShaper({ context, mapping: (x) => safetyCurve(x * HEADROOM), length: 8192 });
      this.master.chain(compressor, unmakeup, into, safety, context.destination);
      this.limiter = [compressor, unmakeup, into, safety];
    }
    this.duckGain = new Tone.Gain({ context, gain: 1 });
    // Every layer through one gain the sleep timer fades (station/sleep.js), apart from the
    // master slider's.
    this.fader = new Tone.Gain({ context, gain: 1 }).connect(this.master);
    this.channels = {};
    for (const name of LAYER_NAMES) this.channels[name] = new Tone.Volume({ context }).connect(this.fader);
    this.duckGain.connect(this.channels.music);
    this.values = {};
    for (const name of VOLUME_NAMES) this.setVolume(name, volumes[name] ?? DEFAULT_VOLUMES[name], 0);
    this.analyser = context.rawContext.createAnalyser();
    this.analyser.fftSize = 1024;
    (this.limiter.length ? this.limiter[this.limiter.length - 1] : this.master).connect(this.analyser);
    this.duck = {
      dip: (from, until) => {
        const g = this.duckGain.gain;
        g.cancelScheduledValues(from);
        g.setTargetAtTime(T().dbToGain(DUCK_DB), from, 0.08);
        g.setTargetAtTime(1, until, 0.3);
        this.duckUntil = until;
      },
      release: (time) => {
        const g = this.duckGain.gain;
        g.cancelScheduledValues(time);
        g.setTargetAtTime(1, time, 0.1);
        this.duckUntil = 0;
      },
    };
  }

  /** Where a layer family's chain goes: the music goes through the duck first. */
  input(layer) {
    return layer === "music" ? this.duckGain : this.channels[layer];
  }

  setVolume(layer, db, ramp = 0.05) {
    const node = layer === "master" ? this.master : this.channels[layer];
    if (!node) throw new Error(`unknown layer '${layer}' (one of: ${VOLUME_NAMES.join(", ")})`);
    const value = clampDb(db);
    if (value === null) throw new Error(`volume must be a number of dB, not ${db}`);
    this.values[layer] = value;
    if (value <= MIN_DB) {
      node.mute = true;
    } else {
      node.mute = false;
      if (ramp > 0) node.volume.rampTo(value, ramp);
      else node.volume.value = value;
    }
    return value;
  }

  /** The duck's current depth in dB (0 when the quote is not speaking). */
  duckDb() {
    return +T().gainToDb(Math.max(this.duckGain.gain.getValueAtTime(this.context.currentTime), 1e-6)).toFixed(2);
  }

  /** Peak level of the output (after the limiter) over the analyser's window, in dBFS. */
  level() {
    const data = new Float32Array(this.analyser.fftSize);
    this.analyser.getFloatTimeDomainData(data);
    let peak = 0;
    for (const x of data) peak = Math.max(peak, Math.abs(x));
    return peak > 0 ? 20 * Math.log10(peak) : -Infinity;
  }

  dispose() {
    for (const node of [this.master, this.fader, this.duckGain, ...Object.values(this.channels)]) node.dispose();
    for (const node of this.limiter) node.dispose();
  }
}
