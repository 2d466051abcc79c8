// Rendering offline: the page's engine on Tone's OfflineContext, in slices.
//
// Rendering offline: the same Engine, layers and voices as the page, on Tone's OfflineContext
// rendered in slices (renderInSlices), for timing tests, the WAV export and anyone who wants to
// hear (or measure) N bars without waiting for them. A render may start anywhere in the music
// (fromTicks), as a Transport resumed there would: the WAV export renders long files that way, a
// segment at a time.
import { Engine, CHOICES } from "../audio/engine.js";
import { disposeSilent } from "../audio/instruments.js";
import { pieceBpm, pieceMeter } from "../layers/pieces.js";
import { barTicksOf } from "../audio/transport.js";
import { scheduleSleep } from "../station/sleep.js";

/**
 * Render `bars` bars of a selection; resolves to {sampleRate, lead, bpm, secondsPerBar,
 * channels: [Float32Array...], state}. Options: drums, ambience, quote, track (manifest ids),
 * bars, bpm (overrides the tempo), probe (notes as clicks, chains bypassed), humanise
 * (false: AI solos exactly on the grid), volumes, sampleRate, channels, lead (seconds before
 * bar 1), tail (seconds after the last bar), crackle (false: without the vinyl bed, to hear
 * the layers alone), changes ([{bar, ...choice}]: live changes made a bar before `bar`, which
 * they land on; `changed` in the answer lists the layers' state once each is in), pause
 * (seconds after the start at which Pause is pressed), seconds (render this long instead of
 * `bars` bars), fromTicks (the Transport starts there, at `lead`, as if resumed there: 0 by
 * default), origin (seconds of audio that came before the render's time 0: the tape wobble goes
 * on from there, as in one render from the top), onProgress (called with the fraction rendered), signal (an AbortSignal: the
 * render stops at its next slice and resolves to null), slice (seconds between the render's
 * stops, SLICE by default: where it stops changes nothing in what it renders), sleep (minutes: the
 * sleep timer set at the render's start), heavy (runs the render's set-up, which holds the main
 * thread for a while: the page's Transport may look further ahead meanwhile).
 */
export async function renderOffline(manifest, loader, options = {}) {
  const { bars = 4, probe = false, humanise = true, volumes, sampleRate = 44100, channels = 1, lead = 0.1, tail = 0.5, crackle = true, reverb = true, changes = [], fromTicks = 0, origin = 0 } = options;
  const { choice, solo, bpm, meter, secondsPerBar } = await renderPlan(manifest, loader, options);
  const { ppq } = manifest.facts;
  const duration = lead + (options.seconds ?? bars * secondsPerBar) + tail;
  let state = null;
  const changed = [];
  const buffer = await renderInSlices(async (context) => {
    const engine = new Engine({ manifest, context, loader, probe, humanise, reverb, origin, eager: true, volumes, soloBpm: solo ? bpm : undefined });
    await engine.init();
    if (!crackle && engine.bed) engine.bed.gain.value = 0;
    // One layer at a time, in a fixed order: together, whichever download finished first was
    // scheduled first, and the render changed from run to run.
    for (const key of Object.keys(CHOICES)) if (key in choice) await engine.select({ [key]: choice[key] });
    // One tempo from the top: the layers' own tempo settings leave events at time 0 that
    // would otherwise stay in the tempo's timeline.
    context.transport.bpm.cancelScheduledValues(0);
    context.transport.bpm.setValueAtTime(bpm, 0);
    const perBar = barTicksOf(meter, ppq);
    for (const change of changes) {
      // The clock runs ahead of the render and lets promises settle about once a second of
      // audio, so the change is asked for a whole bar ahead.
      const ask = async () => changed.push((await engine.select(pick(change))).layers);
      context.transport.scheduleOnce(ask, `${Math.round((change.bar - 1) * perBar)}i`);
    }
    if (options.pause !== undefined) context.transport.scheduleOnce(() => engine.pause(), options.pause);
    // The sleep timer, from the render's start (station/sleep.js): fade over facts.station.sleepFade, then Pause.
    if (options.sleep !== undefined) {
      scheduleSleep(engine, options.sleep * 60, { fade: manifest.facts.station.sleepFade, from: 0, onEnd: () => engine.pause() });
    }
    context.transport.start(lead, fromTicks ? `${fromTicks}i` : undefined);
    state = engine.state();
  }, { duration, channels, sampleRate, slice: options.slice, onProgress: options.onProgress, signal: options.signal, heavy: options.heavy });
  if (!buffer) return null;
  const data = [];
  for (let c = 0; c < buffer.numberOfChannels; c++) data.push(buffer.getChannelData(c));
  return { sampleRate: buffer.sampleRate, lead, bpm, secondsPerBar, duration, channels: data, state, changed };
}

/** What a render of `options` plays: the choice, whether its track is an AI solo, and its tempo, meter and
 * seconds per bar (a song's own tempo, a solo's `options.bpm` or the site's). */
export async function renderPlan(manifest, loader, options = {}) {
  const choice = pick(options);
  const entry = [...manifest.songs, ...manifest.solos].find((e) => e.id === choice.track);
  const solo = !!entry && manifest.solos.includes(entry);
  const piece = entry ? await loader.json(entry.url) : null;
  const bpm = options.bpm ?? (piece && !solo ? pieceBpm(piece) : manifest.site.bpm);
  const meter = piece ? pieceMeter(piece) : [4, 4];
  const { ppq } = manifest.facts;
  return { choice, solo, bpm, meter, secondsPerBar: (barTicksOf(meter, ppq) / ppq) * (60 / bpm) };
}

// What Tone.Offline does, but in slices. Tone.Offline runs the Transport's clock over the whole
// render first, so every note's nodes exist before any sound, and standardized-audio-context
// connects them all when the render starts: each is then processed every 128 samples to the
// end, and three minutes took 50 s, growing with the square of the length. Here the render is
// a native OfflineAudioContext under Tone's OfflineContext, suspended every SLICE seconds, where
// the notes that have ended are disposed and the clock runs on, a slice and AHEAD seconds in
// front of the render. Nothing is scheduled for a time the render has reached, so a render is
// the same every time.
const SLICE = 2; // seconds of audio per slice (rounded to whole render quanta)
const AHEAD = 0.5; // seconds the clock keeps in front of the render: more than any note is moved early

export async function renderInSlices(setUp, { duration, channels, sampleRate, slice = SLICE, onProgress, signal, heavy = (fn) => fn() }) {
  const Tone = window.Tone;
  const native = new OfflineAudioContext(channels, duration * sampleRate, sampleRate);
  const context = new Tone.OfflineContext(native);
  const global = Tone.getContext();
  const seconds = native.length / sampleRate;
  const frames = 128 * Math.max(1, Math.round((slice * sampleRate) / 128));
  const step = frames / sampleRate;
  // Tone's own clock loop (OfflineContext._renderClock, Tone 15.5 as vendored), on to `time`.
  const clockTo = (time) => {
    context._duration = Math.min(time, seconds);
    return context._renderClock(true);
  };
  // The set-up and the first slice's clock: the longest stretch the render holds the main thread.
  await heavy(async () => {
    Tone.setContext(context);
    try {
      await setUp(context);
    } finally {
      Tone.setContext(global);
    }
    await clockTo(step + AHEAD);
  });
  if (signal && signal.aborted) return null;
  let stopped, failed;
  const stop = new Promise((resolve, reject) => { stopped = resolve; failed = reject; });
  let rendering;
  // From the start of slice `k`, where the render stands still: the stop at its end is set
  // before the render moves. At that stop, the notes that have ended are disposed and the clock
  // runs on to AHEAD past the next stop; only then does the render move on. The clock never
  // runs while audio renders: a source stopped or a gain automated while the browser renders
  // it can lose a 128-sample block to a lock the audio thread only tries.
  const renderSlice = (k) => {
    const end = ((k + 1) * frames) / sampleRate;
    if (end < seconds) {
      native.suspend(end).then(async () => {
        disposeSilent(context, end);
        await clockTo(end + step + AHEAD);
        if (onProgress) onProgress(end / seconds);
        if (signal && signal.aborted) return stopped(null); // never resumed: the render ends here
        renderSlice(k + 1);
      }).catch(failed);
    }
    if (k === 0) rendering = native.startRendering();
    else native.resume();
  };
  renderSlice(0);
  const rendered = await Promise.race([rendering, stop]);
  if (onProgress && rendered) onProgress(1);
  return rendered;
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
