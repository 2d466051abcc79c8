// Export what is selected as a 16-bit WAV file, rendered offline with the page's mix, a segment at a time.
//
// Export what is selected as a WAV file: the same engine and mix rendered offline (far faster than real
// time), faded at both ends, written by our own 16-bit PCM writer. An hour of stereo float32 is 1.3 GB, so
// a long export is rendered a SEGMENT at a time, each on its own OfflineAudioContext started where the
// music is then (as a Transport resumed there), PREROLL seconds early so that the notes and the reverb
// already ringing at its start are in it; where two segments meet they are crossfaded over OVERLAP. Each
// segment is written as 16-bit PCM into the file (a Blob) and let go: memory stays that of one segment.
import { renderOffline, renderPlan } from "./offline.js";

const SAMPLE_RATE = 44100;
const CHANNELS = 2;
const FADE_IN = 0.005; // seconds: no click at the first sample
const FADE_OUT = 1.5; // seconds: the loop does not end, so the file fades out
// Seconds rendered before the music starts. The chains' latency and the solos' humanising move a note
// early, so a note on the downbeat is scheduled a few milliseconds before its beat: with the music at 0 s
// those times were negative and the downbeat's notes were lost ("a note could not be played").
const LEAD = 0.1;
export const SEGMENT = 60; // seconds of music per offline render: 24 MB of float32, plus its pre-roll
const PREROLL = 8; // seconds: longer than the longest note and the reverb's tail that ring into a segment
const OVERLAP = 0.25; // seconds over which one segment hands over to the next

/**
 * The export's length in seconds, from `minutes` (the picker's, within limits.exportMinutes), `seconds` or
 * `bars` (whole bars of `secondsPerBar`); a RangeError saying what is wrong otherwise. Only one of them is read
 * (in that order); none gives `fallback` bars.
 */
export function exportSeconds({ minutes, seconds, bars }, { limits, secondsPerBar, fallback }) {
  const { min, max } = limits.exportMinutes;
  const most = max * 60;
  if (minutes !== undefined) {
    if (typeof minutes !== "number" || !Number.isFinite(minutes)) throw new RangeError(`Length: a number of minutes, ${min} to ${max}.`);
    if (minutes < min || minutes > max) throw new RangeError(`Length: ${min} to ${max} minutes, not ${minutes}.`);
    return minutes * 60;
  }
  if (seconds !== undefined) {
    if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds <= 0 || seconds > most) {
      throw new RangeError(`Length: more than 0 and at most ${most} seconds (${max} minutes), not ${seconds}.`);
    }
    return seconds;
  }
  const n = bars === undefined ? fallback : bars;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`Length: a whole number of bars, at least 1, not ${n}.`);
  if (n * secondsPerBar > most) throw new RangeError(`Length: ${n} bars last longer than the ${max} minutes an export may.`);
  return n * secondsPerBar;
}

/** The 44-byte header of a 16-bit PCM WAV file of `frames` frames. */
export function wavHeader(frames, channels, sampleRate) {
  const dataBytes = frames * channels * 2;
  const bytes = new Uint8Array(44);
  const view = new DataView(bytes.buffer);
  const text = (offset, s) => { for (let i = 0; i < s.length; i++) bytes[offset + i] = s.charCodeAt(i); };
  text(0, "RIFF");
  view.setUint32(4, 36 + dataBytes, true);
  text(8, "WAVE");
  text(12, "fmt ");
  view.setUint32(16, 16, true); // fmt chunk size
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * channels * 2, true); // bytes per second
  view.setUint16(32, channels * 2, true); // bytes per frame
  view.setUint16(34, 16, true); // bits per sample
  text(36, "data");
  view.setUint32(40, dataBytes, true);
  return bytes;
}

/** Frames [from, to) of `channels` as interleaved 16-bit little-endian PCM, each multiplied by `gain(frame)`
 * (the file's fades, by the frame's place in the whole file: `at` is the file frame of `from`), clipped. */
function pcm(channels, from, to, at, gain) {
  const count = channels.length;
  const out = new Int16Array((to - from) * count);
  for (let c = 0; c < count; c++) {
    const src = channels[c];
    for (let i = from, j = c; i < to; i++, j += count) {
      let s = src[i] * gain(at + i - from);
      s = s > 1 ? 1 : s < -1 ? -1 : s;
      out[j] = Math.round(s < 0 ? s * 32768 : s * 32767);
    }
  }
  return new Uint8Array(out.buffer); // little-endian: every platform a browser runs on
}

/**
 * Render the selection (`choice`: drums, ambience, quote, track ids; `volumes`; `bpm` for solos) for the
 * length exportSeconds reads from `minutes`, `seconds` or `bars`, as a 44.1 kHz stereo 16-bit WAV Blob:
 * {blob, header (its first 44 bytes), seconds, renderSeconds, sampleRate, channels}.
 * `onProgress({phase, fraction})`: phase is "loading", "rendering" or "encoding". `signal`: an AbortSignal;
 * a cancelled export resolves to null at once, and its render stops at the end of the slice it is in.
 * `segment`: seconds of music per offline render (SEGMENT; at least OVERLAP). `heavy`: runs each render's
 * set-up (see offline.js).
 */
export async function exportWav({ manifest, loader, choice, volumes, bpm, bars, seconds, minutes, fallbackBars, onProgress = () => {}, signal, segment = SEGMENT, heavy }) {
  const started = performance.now();
  const plan = await renderPlan(manifest, loader, { ...choice, bpm });
  const total = exportSeconds({ minutes, seconds, bars }, { limits: manifest.facts.limits, secondsPerBar: plan.secondsPerBar, fallback: fallbackBars });
  onProgress({ phase: "loading", fraction: 0 });
  const frames = Math.round(total * SAMPLE_RATE);
  const perSegment = Math.max(1, Math.round(segment * SAMPLE_RATE));
  const preroll = Math.round(PREROLL * SAMPLE_RATE);
  const overlap = Math.min(Math.round(OVERLAP * SAMPLE_RATE), preroll);
  const fadeIn = Math.min(frames, Math.round(FADE_IN * SAMPLE_RATE));
  const fadeOut = Math.min(frames, Math.round(FADE_OUT * SAMPLE_RATE));
  const gain = (n) => (n < fadeIn ? n / fadeIn : 1) * (frames - 1 - n < fadeOut ? (frames - 1 - n) / fadeOut : 1);
  const secondsPerTick = 60 / (plan.bpm * manifest.facts.ppq);
  const header = wavHeader(frames, CHANNELS, SAMPLE_RATE);
  // The file grows a segment at a time: a Blob made of a Blob and new bytes refers to the old one, and the
  // browser may keep what it holds on disk, so the page holds one segment's samples at a time.
  let blob = new Blob([header], { type: "audio/wav" });
  let held = null; // the last `overlap` frames of the previous segment, crossfaded into the next
  const cancelled = !signal ? null : signal.aborted ? Promise.resolve(null) // cancelled while this module loaded
    : new Promise((resolve) => signal.addEventListener("abort", () => resolve(null), { once: true }));
  for (let a = 0; a < frames; a += perSegment) {
    const b = Math.min(frames, a + perSegment);
    // The segment starts on a tick (the Transport starts on one), PREROLL before its first frame; its
    // Transport starts between two frames, so that file frame n is exactly render frame n + shift.
    const fromTicks = Math.max(0, Math.floor(((a - preroll) / SAMPLE_RATE) / secondsPerTick));
    const exact = fromTicks * secondsPerTick * SAMPLE_RATE; // its file frame, fractional
    const first = Math.floor(exact);
    const leadFrames = Math.round(LEAD * SAMPLE_RATE);
    const shift = leadFrames - first;
    const rendering = renderOffline(manifest, loader, {
      ...choice, volumes, bpm: plan.bpm, fromTicks, seconds: (b - first + 2) / SAMPLE_RATE, sampleRate: SAMPLE_RATE,
      channels: CHANNELS, lead: (leadFrames + exact - first) / SAMPLE_RATE, origin: first / SAMPLE_RATE, tail: 0, signal, heavy,
      onProgress: (f) => onProgress({ phase: "rendering", fraction: Math.min(0.98, (a + f * (b - a)) / frames) }),
    });
    const out = await (cancelled ? Promise.race([rendering, cancelled]) : rendering);
    if (!out) return null;
    const data = out.channels;
    let from = a;
    if (held) {
      // Over the overlap both renders play the same music (the new one is well into its pre-roll).
      for (let c = 0; c < CHANNELS; c++) {
        for (let i = 0; i < overlap; i++) {
          const t = (i + 0.5) / overlap;
          data[c][a - overlap + i + shift] = held[c][i] * (1 - t) + data[c][a - overlap + i + shift] * t;
        }
      }
      from = a - overlap;
    }
    const keep = b < frames ? overlap : 0;
    blob = new Blob([blob, pcm(data, from + shift, b - keep + shift, from, gain)], { type: "audio/wav" });
    held = keep ? data.map((d) => d.slice(b - keep + shift, b + shift)) : null;
  }
  onProgress({ phase: "encoding", fraction: 1 });
  return {
    blob,
    header,
    seconds: frames / SAMPLE_RATE,
    renderSeconds: (performance.now() - started) / 1000,
    sampleRate: SAMPLE_RATE,
    channels: CHANNELS,
  };
}

/** Offer `blob` as a file download named `name`. */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.rel = "noopener";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
