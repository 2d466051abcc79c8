// The lofi sound: one effect chain per layer family (music, drums, ambience, quote), a shared
// dark reverb, tape wobble on the music, and a vinyl crackle bed under it.
import { prng } from "./transport.js";

const T = () => window.Tone;

// Settings per family. `wobble` is tape wow and flutter: a modulated delay around `center`
// seconds (the chain's latency, which the note scheduler takes off so notes still land on
// the grid). Saturation is gentle (see softCurve); `drive` 1 is nearly clean.
export const FAMILY_SETTINGS = {
  music: { highpass: 45, lowpass: 3600, q: 0.6, drive: 1.8, reverb: 0.24, wobble: { center: 0.002, wow: 0.0008, wowHz: 0.55, flutter: 0.00006, flutterHz: 6.5 } },
  drums: { highpass: 35, lowpass: 8000, q: 0.5, drive: 1.5, reverb: 0.07 },
  ambience: { highpass: 40, lowpass: 11000, q: 0.5, drive: 1, reverb: 0 },
  quote: { highpass: 170, lowpass: 5200, q: 0.7, drive: 1.2, reverb: 0.14 },
};

// A WaveShaper holds its last value for any input beyond +-1, so the signal goes in at
// 1 / SHAPER_HEADROOM and the curve spans that much more: +18 dB of overs stay round. The
// saturation is algebraic (u / sqrt(1 + u^2)), close to tanh near full scale but still
// rising at +12 dB, where tanh would already sit flat.
export const SHAPER_HEADROOM = 8;

function softCurve(drive) {
  const g = (u) => u / Math.sqrt(1 + u * u);
  const norm = g(drive);
  return (x) => g(drive * x * SHAPER_HEADROOM) / norm;
}

/**
 * A family's chain: input -> high-pass -> low-pass -> saturation -> (wobble) -> output, with a
 * send into the shared reverb. `probe` bypasses it (timing tests see the scheduler alone).
 */
export function createChain(family, { context, reverb, probe = false }) {
  const Tone = T();
  const s = FAMILY_SETTINGS[family];
  const input = new Tone.Gain({ context });
  const output = new Tone.Gain({ context });
  const nodes = [input, output];
  let latency = 0;
  if (probe) {
    input.connect(output);
    return { input, output, latency, dispose: () => nodes.forEach((n) => n.dispose()) };
  }
  const hp = new Tone.Filter({ context, type: "highpass", frequency: s.highpass, Q: 0.5 });
  const lp = new Tone.Filter({ context, type: "lowpass", frequency: s.lowpass, Q: s.q, rolloff: -12 });
  nodes.push(hp, lp);
  let last = lp;
  input.chain(hp, lp);
  if (s.drive > 1) {
    const into = new Tone.Gain({ context, gain: 1 / SHAPER_HEADROOM });
    const shaper = new Tone.WaveShaper({ context, mapping: softCurve(s.drive), length: 8192 });
    // Keep the level: the curve squashes peaks but leaves quiet material nearly untouched.
    const trim = new Tone.Gain({ context, gain: 0.9 });
    last.chain(into, shaper, trim);
    nodes.push(into, shaper, trim);
    last = trim;
  }
  if (s.wobble) {
    const w = s.wobble;
    const delay = new Tone.Delay({ context, delayTime: 0, maxDelay: 0.01 });
    const wow = new Tone.LFO({ context, frequency: w.wowHz, min: w.center - w.wow, max: w.center + w.wow });
    const flutter = new Tone.LFO({ context, frequency: w.flutterHz, min: -w.flutter, max: w.flutter });
    wow.connect(delay.delayTime);
    flutter.connect(delay.delayTime);
    wow.start(0);
    flutter.start(0);
    last.connect(delay);
    nodes.push(delay, wow, flutter);
    last = delay;
    latency = w.center;
  }
  last.connect(output);
  if (reverb && s.reverb > 0) {
    const send = new Tone.Gain({ context, gain: s.reverb });
    last.connect(send);
    send.connect(reverb);
    nodes.push(send);
  }
  return { input, output, latency, dispose: () => nodes.forEach((n) => n.dispose()) };
}

/** The shared reverb: a generated impulse, darkened, fed by each chain's send. */
export async function createReverb(context, destination) {
  const Tone = T();
  const reverb = new Tone.Reverb({ context, decay: 2.8, preDelay: 0.025, wet: 1 });
  const tone = new Tone.Filter({ context, type: "lowpass", frequency: 2800, rolloff: -12 });
  reverb.chain(tone, destination);
  await reverb.ready;
  return { input: reverb, dispose: () => { reverb.dispose(); tone.dispose(); } };
}

/** A looped vinyl crackle bed, made here from a seeded random sequence (no sample to fetch). */
export function createCrackle(context, destination, { seconds = 3.7, seed = 33 } = {}) {
  const Tone = T();
  const rate = context.sampleRate;
  const n = Math.round(seconds * rate);
  const data = new Float32Array(n);
  const rnd = prng(seed);
  let brown = 0;
  for (let i = 0; i < n; i++) {
    brown = 0.995 * brown + 0.02 * (rnd() * 2 - 1); // faint rumble under the pops
    data[i] = brown * 0.15;
  }
  // Pops: short decaying bursts, a few dozen per second, most of them tiny.
  const pops = Math.round(seconds * 38);
  for (let p = 0; p < pops; p++) {
    const at = Math.floor(rnd() * (n - 400));
    const amp = Math.pow(rnd(), 3) * 0.9 + 0.03;
    const len = 20 + Math.floor(rnd() * 160);
    for (let i = 0; i < len; i++) data[at + i] += amp * (rnd() * 2 - 1) * Math.exp((-6 * i) / len);
  }
  // Fade both ends into each other so the loop point is silent.
  const edge = Math.round(0.02 * rate);
  for (let i = 0; i < edge; i++) {
    data[i] *= i / edge;
    data[n - 1 - i] *= i / edge;
  }
  const buffer = Tone.ToneAudioBuffer.fromArray(data);
  const filter = new Tone.Filter({ context, type: "bandpass", frequency: 2400, Q: 0.5 });
  const level = new Tone.Gain({ context, gain: Tone.dbToGain(-30) });
  filter.chain(level, destination);
  let source = null;
  return {
    start(time) {
      this.stop(time);
      source = new Tone.ToneBufferSource({ context, url: buffer, loop: true, fadeIn: 0.2, fadeOut: 0.2 }).connect(filter);
      source.start(time);
    },
    stop(time) {
      if (source) {
        const s = source;
        source = null;
        s.onended = () => {}; // Tone disposes an ended source once it has an onended
        s.stop(time);
      }
    },
    dispose() {
      if (source) source.dispose();
      filter.dispose();
      level.dispose();
    },
  };
}
