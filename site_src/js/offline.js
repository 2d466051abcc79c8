// Rendering offline: the same Engine, layers and voices as the page, inside Tone.Offline, for
// timing tests and for anyone who wants to hear (or measure) N bars without waiting for them.
import { Engine, CHOICES } from "./engine.js";
import { barTicksOf, PPQ } from "./transport.js";

/**
 * Render `bars` bars of a selection; resolves to {sampleRate, lead, bpm, secondsPerBar,
 * channels: [Float32Array...], state}. Options: drums, ambience, quote, track (manifest ids),
 * bars, bpm (overrides the tempo), probe (notes as clicks, chains bypassed), humanise
 * (false: AI solos exactly on the grid), volumes,
 * sampleRate, channels, lead (seconds before bar 1), tail (seconds after the last bar),
 * seconds (render this long instead of `bars` bars), onContext (called with the offline context).
 */
export async function renderOffline(manifest, loader, options = {}) {
  const Tone = window.Tone;
  const { bars = 4, probe = false, humanise = true, volumes, sampleRate = 44100, channels = 1, lead = 0.1, tail = 0.5 } = options;
  const choice = {};
  for (const key of Object.keys(CHOICES)) if (options[key] !== undefined) choice[key] = options[key];
  const all = [...manifest.songs, ...manifest.solos];
  const entry = all.find((e) => e.id === choice.track);
  const solo = entry && manifest.solos.includes(entry);
  const bpm = options.bpm ?? (entry && !solo ? entry.bpm : manifest.site.bpm);
  const meter = entry ? entry.timeSignature : [4, 4];
  const secondsPerBar = (barTicksOf(meter) / PPQ) * (60 / bpm);
  const duration = lead + (options.seconds ?? bars * secondsPerBar) + tail;
  let state = null;
  const buffer = await Tone.Offline(async (context) => {
    if (options.onContext) options.onContext(context);
    const engine = new Engine({ manifest, context, loader, probe, humanise, eager: true, volumes, soloBpm: solo ? bpm : undefined });
    await engine.init();
    await engine.select(choice);
    context.transport.bpm.value = bpm;
    context.transport.start(lead);
    state = engine.state();
  }, duration, channels, sampleRate);
  const data = [];
  for (let c = 0; c < buffer.numberOfChannels; c++) data.push(buffer.getChannelData(c));
  return { sampleRate: buffer.sampleRate, lead, bpm, secondsPerBar, duration, channels: data, state };
}

/** Float32 samples as base64 (little-endian), to hand a render to a test harness. */
export function toBase64(samples) {
  const bytes = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(text);
}
