// Export what is selected as a 16-bit WAV file, rendered offline with the page's mix.
//
// Export what is selected as a WAV file: the same engine and mix rendered offline (far
// faster than real time), faded at both ends, written by our own 16-bit PCM writer.
import { renderOffline } from "./offline.js";

const FADE_IN = 0.005; // seconds: no click at the first sample
const FADE_OUT = 1.5; // seconds: the loop does not end, so the file fades out

/** 16-bit little-endian PCM WAV of `channels` (Float32Arrays of equal length), samples clipped to [-1, 1]. */
export function encodeWav(channels, sampleRate) {
  const count = channels.length;
  const frames = channels[0].length;
  const dataBytes = frames * count * 2;
  const bytes = new Uint8Array(44 + dataBytes);
  const view = new DataView(bytes.buffer);
  const text = (offset, s) => { for (let i = 0; i < s.length; i++) bytes[offset + i] = s.charCodeAt(i); };
  text(0, "RIFF");
  view.setUint32(4, 36 + dataBytes, true);
  text(8, "WAVE");
  text(12, "fmt ");
  view.setUint32(16, 16, true); // fmt chunk size
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, count, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * count * 2, true); // bytes per second
  view.setUint16(32, count * 2, true); // bytes per frame
  view.setUint16(34, 16, true); // bits per sample
  text(36, "data");
  view.setUint32(40, dataBytes, true);
  const pcm = new Int16Array(bytes.buffer, 44, frames * count);
  for (let c = 0; c < count; c++) {
    const src = channels[c];
    for (let i = 0, j = c; i < frames; i++, j += count) {
      const s = src[i] > 1 ? 1 : src[i] < -1 ? -1 : src[i];
      pcm[j] = Math.round(s < 0 ? s * 32768 : s * 32767);
    }
  }
  return bytes;
}

function fade(channels, sampleRate) {
  const frames = channels[0].length;
  const fadeIn = Math.min(frames, Math.round(FADE_IN * sampleRate));
  const fadeOut = Math.min(frames, Math.round(FADE_OUT * sampleRate));
  for (const data of channels) {
    for (let i = 0; i < fadeIn; i++) data[i] *= i / fadeIn;
    for (let i = 0; i < fadeOut; i++) data[frames - 1 - i] *= i / fadeOut;
  }
}

/**
 * Render the selection (`choice`: drums, ambience, quote, track ids; `volumes`; `bpm` for solos)
 * for `bars` bars, or `seconds` seconds when given, as a 44.1 kHz stereo 16-bit WAV.
 * `onProgress({phase, fraction})`: phase is "loading", "rendering" or "encoding". `signal`: an
 * AbortSignal; a cancelled export resolves to null at once, and its render stops at the end of
 * the slice it is in.
 */
export async function exportWav({ manifest, loader, choice, volumes, bpm, bars, seconds, onProgress = () => {}, signal }) {
  const started = performance.now();
  const sampleRate = 44100;
  onProgress({ phase: "loading", fraction: 0 });
  const rendering = renderOffline(manifest, loader, {
    ...choice, volumes, bpm, bars, seconds, sampleRate, channels: 2, lead: 0, tail: 0, signal,
    onProgress: (fraction) => onProgress({ phase: "rendering", fraction: Math.min(0.95, fraction) }),
  });
  const cancelled = !signal ? null : signal.aborted ? Promise.resolve(null) // cancelled while this module loaded
    : new Promise((resolve) => signal.addEventListener("abort", () => resolve(null), { once: true }));
  const out = await (cancelled ? Promise.race([rendering, cancelled]) : rendering);
  if (!out) return null;
  onProgress({ phase: "encoding", fraction: 0.97 });
  fade(out.channels, out.sampleRate);
  const bytes = encodeWav(out.channels, out.sampleRate);
  onProgress({ phase: "encoding", fraction: 1 });
  return {
    bytes,
    seconds: out.channels[0].length / out.sampleRate,
    renderSeconds: (performance.now() - started) / 1000,
    sampleRate: out.sampleRate,
    channels: out.channels.length,
  };
}

/** Offer `bytes` as a file download named `name`. */
export function download(bytes, name, type = "audio/wav") {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.rel = "noopener";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
