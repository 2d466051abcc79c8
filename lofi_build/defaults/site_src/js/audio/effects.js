// The lofi sound: an effect chain per layer family, a shared dark reverb, tape wobble and a vinyl crackle bed.
//
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

/** A filter's frequency in a context of any rate (renders run at 8 kHz too). */
function belowNyquist(context, hz) {
  return Math.min(hz, context.sampleRate / 2);
}

/**
 * A family's chain: input -> high-pass -> low-pass -> saturation -> (wobble) -> output, with a
 * send into the shared reverb. `probe` bypasses it (timing tests see the scheduler alone).
 * `origin`: seconds of audio before the context's time 0 (a later segment of a long export), so
 * that the wobble is where it would be had the context started then.
 */
export function createChain(family, { context, reverb, probe = false, origin = 0 }) {
  const Tone = T();
  const s = FAMILY_SETTINGS[family];
  const input = new Tone.Gain({ context });
  // Always two channels: summed from whatever notes sound, the input would be mono until the
  // first stereo sample comes in (and again once the last has ended), and the browser resets a
  // filter's state whenever its channel count changes: a click.
  input.channelCount = 2;
  input.channelCountMode = "explicit";
  const output = new Tone.Gain({ context });
  const nodes = [input, output];
  let latency = 0;
  if (probe) {
    input.connect(output);
    return { input, output, latency, dispose: () => nodes.forEach((n) => n.dispose()) };
  }
  // Tone.BiquadFilter, not Tone.Filter: Filter drives its frequency from a signal, which makes
  // the browser work out the coefficients anew for every sample.
  const hp = new Tone.BiquadFilter({ context, type: "highpass", frequency: belowNyquist(context, s.highpass), Q: 0.5 });
  const lp = new Tone.BiquadFilter({ context, type: "lowpass", frequency: belowNyquist(context, s.lowpass), Q: s.q });
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
    // Two sines added to the delay time: center + wow sin(2 pi wowHz t) + flutter sin(...).
    // Plain Web Audio nodes (a Tone.LFO is a dozen of them); both start at time 0, or with
    // `origin`, at the first time their phase is what it would be had they started `origin` earlier.
    const raw = context.rawContext;
    const delay = raw.createDelay(0.01);
    delay.delayTime.value = w.center;
    const wobble = [];
    for (const [hz, depth] of [[w.wowHz, w.wow], [w.flutterHz, w.flutter]]) {
      const osc = raw.createOscillator();
      osc.frequency.value = hz;
      const amount = raw.createGain();
      amount.gain.value = depth;
      osc.connect(amount).connect(delay.delayTime);
      const into = origin % (1 / hz);
      osc.start(into > 0 ? 1 / hz - into : 0);
      wobble.push(osc, amount);
    }
    last.connect(delay);
    const out = new Tone.Gain({ context });
    delay.connect(out.input);
    nodes.push(out, { dispose: () => { wobble[0].stop(); wobble[2].stop(); for (const n of [...wobble, delay]) n.disconnect(); } });
    last = out;
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

/** An AudioBuffer of `context`'s own (Tone's fromArray would use the global context, which is
 * the offline one while a render is being set up). */
function audioBuffer(context, channels, sampleRate = context.sampleRate) {
  const Tone = T();
  const raw = context.rawContext.createBuffer(channels.length, channels[0].length, sampleRate);
  channels.forEach((data, c) => raw.copyToChannel(data, c));
  return new Tone.ToneAudioBuffer(raw);
}

/** A reverb impulse: decaying noise per channel, from a seeded sequence, so that every engine
 * (and every offline render) gets the same room. Tone.Reverb draws it from Math.random. */
export function reverbImpulse(sampleRate, { decay = 2.8, preDelay = 0.025, seed = 91, channels = 2, floorDb = -60 } = {}) {
  const rnd = prng(seed);
  const pre = Math.round(preDelay * sampleRate);
  // The envelope Tone.Reverb gives its noise (exponentialApproachValueAtTime(0, preDelay, decay)),
  // so the room sounds as the mix was levelled with: a time constant of ln(decay + 1) / ln(200).
  const tau = (Math.log(decay + 1) / Math.log(200)) * sampleRate;
  // Tone.Reverb's noise runs on to `decay` seconds, 96 dB down; it ends here once it is
  // `floorDb` down, where nothing in the mix can hear it and the convolution stops paying for it.
  const n = pre + Math.min(Math.round(decay * sampleRate), Math.ceil(tau * Math.log(10) * (-floorDb / 20)));
  const out = [];
  for (let c = 0; c < channels; c++) {
    const data = new Float32Array(n);
    for (let i = pre; i < n; i++) data[i] = (rnd() * 2 - 1) * Math.exp(-(i - pre) / tau);
    out.push(data);
  }
  return out;
}

/** The shared reverb: a generated impulse, darkened, fed by each chain's send. */
export async function createReverb(context, destination) {
  const Tone = T();
  const reverb = new Tone.Convolver({ context, normalize: true });
  reverb.buffer = audioBuffer(context, reverbImpulse(context.sampleRate));
  const tone = new Tone.BiquadFilter({ context, type: "lowpass", frequency: belowNyquist(context, 2800), Q: 1 });
  reverb.chain(tone, destination);
  return { input: reverb, dispose: () => { reverb.dispose(); tone.dispose(); } };
}

// The crackle bed runs at a low rate (it is band-passed around 2.4 kHz anyway) so that a bed
// long enough not to be heard repeating stays small: 24 s at 16 kHz is 1.5 MB of float32.
export const CRACKLE = { seconds: 24, rate: 16000, seed: 33 };

/** The vinyl crackle's samples: a faint rumble and pops, from a seeded random sequence. */
export function crackleSamples({ seconds = CRACKLE.seconds, rate = CRACKLE.rate, seed = CRACKLE.seed } = {}) {
  const n = Math.round(seconds * rate);
  const data = new Float32Array(n);
  const rnd = prng(seed);
  const pole = Math.pow(0.995, 44100 / rate); // the same rumble at any rate
  let brown = 0;
  for (let i = 0; i < n; i++) {
    brown = pole * brown + 0.02 * Math.sqrt(44100 / rate) * (rnd() * 2 - 1); // faint rumble under the pops
    data[i] = brown * 0.15;
  }
  // Pops: short decaying bursts, a few dozen per second, most of them tiny.
  const pops = Math.round(seconds * 38);
  const scale = rate / 44100;
  for (let p = 0; p < pops; p++) {
    const len = Math.max(4, Math.round((20 + Math.floor(rnd() * 160)) * scale));
    const at = Math.floor(rnd() * (n - len));
    const amp = Math.pow(rnd(), 3) * 0.9 + 0.03;
    for (let i = 0; i < len; i++) data[at + i] += amp * (rnd() * 2 - 1) * Math.exp((-6 * i) / len);
  }
  // Fade both ends into each other so the loop point is silent.
  const edge = Math.round(0.02 * rate);
  for (let i = 0; i < edge; i++) {
    data[i] *= i / edge;
    data[n - 1 - i] *= i / edge;
  }
  return data;
}

/** A looped vinyl crackle bed, made here (no sample to fetch); it repeats every 24 s. */
export function createCrackle(context, destination, options = {}) {
  const Tone = T();
  const buffer = audioBuffer(context, [crackleSamples(options)], options.rate ?? CRACKLE.rate);
  const filter = new Tone.BiquadFilter({ context, type: "bandpass", frequency: belowNyquist(context, 2400), Q: 0.5 });
  const level = new Tone.Gain({ context, gain: Tone.dbToGain(-30) });
  filter.chain(level, destination);
  let source = null;
  return {
    /** Start at audio time `time`, `offset` seconds into the music: the bed runs as if it had played from the
     * top (a render that starts mid-music, an export's segment, joins the one before it seamlessly). */
    start(time, offset = 0) {
      this.stop(time);
      source = new Tone.ToneBufferSource({ context, url: buffer, loop: true, fadeIn: 0.2, fadeOut: 0.2 }).connect(filter);
      source.start(time, offset % buffer.duration);
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
