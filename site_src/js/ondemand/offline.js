// Rendering offline: the same Engine, layers and voices as the page, inside Tone.Offline, for
// timing tests and for anyone who wants to hear (or measure) N bars without waiting for them.
import { Engine, CHOICES } from "../engine.js";
import { pieceBpm, pieceMeter } from "../pieces.js";
import { barTicksOf, PPQ } from "../transport.js";

/**
 * Render `bars` bars of a selection; resolves to {sampleRate, lead, bpm, secondsPerBar,
 * channels: [Float32Array...], state}. Options: drums, ambience, quote, track (manifest ids),
 * bars, bpm (overrides the tempo), probe (notes as clicks, chains bypassed), humanise
 * (false: AI solos exactly on the grid), volumes, sampleRate, channels, lead (seconds before
 * bar 1), tail (seconds after the last bar), crackle (false: without the vinyl bed, to hear
 * the layers alone), changes ([{bar, ...choice}]: live changes made a bar before `bar`, which
 * they land on; `changed` in the answer lists the layers' state once each is in), pause
 * (seconds after the start at which Pause is pressed), seconds (render this long instead of
 * `bars` bars), onContext (called with the offline context).
 */
export async function renderOffline(manifest, loader, options = {}) {
  const Tone = window.Tone;
  const { bars = 4, probe = false, humanise = true, volumes, sampleRate = 44100, channels = 1, lead = 0.1, tail = 0.5, crackle = true, reverb = true, changes = [] } = options;
  const choice = pick(options);
  const all = [...manifest.songs, ...manifest.solos];
  const entry = all.find((e) => e.id === choice.track);
  const solo = entry && manifest.solos.includes(entry);
  const piece = entry ? await loader.json(entry.url) : null;
  const bpm = options.bpm ?? (piece && !solo ? pieceBpm(piece) : manifest.site.bpm);
  const meter = piece ? pieceMeter(piece) : [4, 4];
  const secondsPerBar = (barTicksOf(meter) / PPQ) * (60 / bpm);
  const duration = lead + (options.seconds ?? bars * secondsPerBar) + tail;
  let state = null;
  const changed = [];
  const buffer = await Tone.Offline(async (context) => {
    if (options.onContext) options.onContext(context);
    const engine = new Engine({ manifest, context, loader, probe, humanise, reverb, eager: true, volumes, soloBpm: solo ? bpm : undefined });
    await engine.init();
    if (!crackle && engine.bed) engine.bed.gain.value = 0;
    // One layer at a time, in a fixed order: together, whichever download finished first was
    // scheduled first, and the render changed from run to run.
    for (const key of Object.keys(CHOICES)) if (key in choice) await engine.select({ [key]: choice[key] });
    // One tempo from the top: the layers' own tempo settings leave events at time 0 that
    // would otherwise stay in the tempo's timeline.
    context.transport.bpm.cancelScheduledValues(0);
    context.transport.bpm.setValueAtTime(bpm, 0);
    const perBar = barTicksOf(meter);
    for (const change of changes) {
      // Tone.Offline runs the clock ahead of the render and lets promises settle about once a
      // second of audio, so the change is asked for a whole bar ahead.
      const ask = async () => changed.push((await engine.select(pick(change))).layers);
      context.transport.scheduleOnce(ask, `${Math.round((change.bar - 1) * perBar)}i`);
    }
    if (options.pause !== undefined) context.transport.scheduleOnce(() => engine.pause(), options.pause);
    context.transport.start(lead);
    state = engine.state();
  }, duration, channels, sampleRate);
  const data = [];
  for (let c = 0; c < buffer.numberOfChannels; c++) data.push(buffer.getChannelData(c));
  return { sampleRate: buffer.sampleRate, lead, bpm, secondsPerBar, duration, channels: data, state, changed };
}

function pick(options) {
  const choice = {};
  for (const key of Object.keys(CHOICES)) if (options[key] !== undefined) choice[key] = options[key];
  return choice;
}

/** Float32 samples as base64 (little-endian), to hand a render to a test harness. */
export function toBase64(samples) {
  const bytes = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(text);
}
