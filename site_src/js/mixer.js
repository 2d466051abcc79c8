// The mixer: a volume per layer (drums, ambience, music, quote) into a master volume, the
// quote's duck on the music, and a level meter on the master for "is it making sound yet".
const T = () => window.Tone;

export const LAYER_NAMES = ["drums", "ambience", "music", "quote"];
export const VOLUME_NAMES = [...LAYER_NAMES, "master"];
export const MIN_DB = -40; // the slider's bottom: silence
export const MAX_DB = 6;
// Starting levels, set from offline renders of the shipped pieces: music around -18 dBFS RMS,
// drums a few dB under it, the ambience a bed well below, the quote above the ducked music.
export const DEFAULT_VOLUMES = { master: -4, drums: -1, ambience: -2, music: -5, quote: 2 };

/** Linear up to 0.8, then a tanh knee towards 1: the odd coinciding peak is rounded, not
 * clipped, with no look-ahead delay (a compressor would move every onset). */
function softClip(x) {
  const a = Math.abs(x);
  return a <= 0.8 ? x : Math.sign(x) * (0.8 + 0.2 * Math.tanh((a - 0.8) / 0.2));
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
    if (probe) {
      this.master.connect(context.destination);
    } else {
      this.limiter = new Tone.WaveShaper({ context, mapping: softClip, length: 4096 });
      this.master.chain(this.limiter, context.destination);
    }
    this.duckGain = new Tone.Gain({ context, gain: 1 });
    this.channels = {};
    for (const name of LAYER_NAMES) this.channels[name] = new Tone.Volume({ context }).connect(this.master);
    this.duckGain.connect(this.channels.music);
    this.values = {};
    for (const name of VOLUME_NAMES) this.setVolume(name, volumes[name] ?? DEFAULT_VOLUMES[name], 0);
    this.analyser = context.rawContext.createAnalyser();
    this.analyser.fftSize = 1024;
    this.master.connect(this.analyser);
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

  /** Peak level of the master output over the analyser's window, in dBFS. */
  level() {
    const data = new Float32Array(this.analyser.fftSize);
    this.analyser.getFloatTimeDomainData(data);
    let peak = 0;
    for (const x of data) peak = Math.max(peak, Math.abs(x));
    return peak > 0 ? 20 * Math.log10(peak) : -Infinity;
  }

  dispose() {
    for (const node of [this.master, this.duckGain, ...Object.values(this.channels)]) node.dispose();
    if (this.limiter) this.limiter.dispose();
  }
}
