// Fetching and decoding: one cache of JSON and audio for the page, a priority queue, and the
// choice of which samples a piece needs (and which of them its first bar needs).
import { PPQ } from "./transport.js";

export const NOW = 0; // needed for the first sound (or for a change the listener just made)
export const SOON = 1; // the rest of a piece's samples, ambience, quotes: after the first sound

const CONCURRENCY = 6;

/** Every fetch of the page goes through here: cached, prioritised, counted. */
export class Loader {
  constructor({ decode, fetchImpl } = {}) {
    this.decode = decode;
    this.fetch = fetchImpl || ((url) => fetch(url));
    this.jsonCache = new Map();
    this.jobs = new Map(); // url -> job
    this.queue = [];
    this.running = 0;
    this.gateOpen = false; // SOON waits until the first sound (see open())
    this.loaded = new Map(); // url -> bytes downloaded
    this.decodedTotal = 0; // bytes of float32 ever decoded (evicted ones included)
    this.failed = new Map(); // url -> message
    this.listeners = new Set();
  }

  /** JSON files (pieces) are small and always needed now: fetched at once, cached. */
  json(url) {
    if (!this.jsonCache.has(url)) {
      const p = this._fetch(url).then((r) => r.json());
      p.catch(() => this.jsonCache.delete(url));
      this.jsonCache.set(url, p);
    }
    return this.jsonCache.get(url);
  }

  /** An AudioBuffer for `url`; a later call with a more urgent priority moves it up. */
  buffer(url, priority = NOW) {
    let job = this.jobs.get(url);
    if (!job) {
      job = { url, priority, started: false };
      job.promise = new Promise((resolve, reject) => Object.assign(job, { resolve, reject }));
      job.promise.catch(() => {}); // a failure is reported through `failed`, not as a rejection
      this.jobs.set(url, job);
      this.queue.push(job);
    } else if (priority < job.priority) {
      job.priority = priority;
    }
    this._pump();
    return job.promise;
  }

  has(url) {
    return this.loaded.has(url);
  }

  /** Bytes of decoded audio this loader holds now. */
  decodedBytes() {
    let sum = 0;
    for (const job of this.jobs.values()) sum += job.decoded || 0;
    return sum;
  }

  /** Forget every decoded buffer whose URL `keep(url)` does not want: the layers that play a
   * buffer hold it themselves, so it goes once they do; asking again downloads (from the HTTP
   * cache) and decodes it again. Jobs not finished yet stay. Returns the bytes let go. */
  evict(keep) {
    let freed = 0;
    for (const [url, job] of this.jobs) {
      if (!job.audio || keep(url)) continue;
      this.jobs.delete(url);
      freed += job.decoded;
    }
    return freed;
  }

  /** Let SOON jobs run: called once the first sound is out. */
  open() {
    if (!this.gateOpen) {
      this.gateOpen = true;
      this._pump();
    }
  }

  pending() {
    return this.queue.length + this.running;
  }

  onChange(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  _emit() {
    for (const fn of this.listeners) fn();
  }

  _pump() {
    while (this.running < CONCURRENCY) {
      let best = -1;
      for (let i = 0; i < this.queue.length; i++) {
        const job = this.queue[i];
        if (job.priority > NOW && !this.gateOpen) continue;
        if (best < 0 || job.priority < this.queue[best].priority) best = i;
      }
      if (best < 0) return;
      const [job] = this.queue.splice(best, 1);
      this._run(job);
    }
  }

  async _run(job) {
    this.running++;
    job.started = true;
    try {
      const response = await this._fetch(job.url);
      const bytes = await response.arrayBuffer();
      const audio = await this.decode(bytes);
      this.loaded.set(job.url, bytes.byteLength);
      job.audio = audio;
      job.decoded = audio.length * audio.numberOfChannels * 4;
      this.decodedTotal += job.decoded;
      job.resolve(audio);
    } catch (error) {
      const message = error && error.name === "EncodingError" ? "the file does not decode as audio" : error.message;
      this.failed.set(job.url, message || String(error));
      this.jobs.delete(job.url); // a later request may try again
      job.reject(error);
    } finally {
      this.running--;
      this._emit();
      this._pump();
    }
  }

  async _fetch(url, retries = 1) {
    let response;
    try {
      response = await this.fetch(url);
    } catch (error) {
      if (retries > 0) {
        await new Promise((r) => setTimeout(r, 300));
        return this._fetch(url, retries - 1);
      }
      throw new Error("the network request failed");
    }
    if (!response.ok) throw new Error(`the server answered ${response.status}`);
    return response;
  }
}

/** The sampled note Tone.Sampler would play `midi` from (it prefers the sample above on a tie). */
export function nearestSample(sampled, midi) {
  for (let d = 0; d < 128; d++) {
    if (sampled.has(midi + d)) return midi + d;
    if (sampled.has(midi - d)) return midi - d;
  }
  return null;
}

/**
 * Which files a piece needs, per instrument, with the tick each is first heard at (counted
 * from `fromTick` within the layer's loop of `loopTicks`, wrapping round): samplers need only
 * the samples nearest to the notes played, and the first bar's samples gate the first sound.
 */
export function samplePlan(piece, instrumentsById, { loopTicks, fromTick = 0 }) {
  const parts = Object.fromEntries(piece.lofi.parts.map((p) => [p.name, p.instrument]));
  const phase = ((fromTick % loopTicks) + loopTicks) % loopTicks;
  const plan = new Map(); // instrument id -> Map(sample midi -> {url, midi, first})
  for (const track of piece.tracks) {
    const inst = instrumentsById[parts[track.name]];
    if (!inst) continue;
    const sampled = new Set(inst.notes);
    const byKey = plan.get(inst.id) || new Map();
    plan.set(inst.id, byKey);
    for (const ev of layerEvents(track, pieceLoopTicks(piece), loopTicks)) {
      const key = inst.percussion ? (sampled.has(ev.midi) ? ev.midi : drumFallback(sampled, ev.midi)) : nearestSample(sampled, ev.midi);
      if (key === null) continue;
      const url = inst.urls[inst.percussion ? String(key) : noteName(key)];
      const first = (ev.ticks - phase + loopTicks) % loopTicks;
      const prev = byKey.get(key);
      if (url && (!prev || first < prev.first)) byKey.set(key, { url, midi: key, first });
    }
  }
  return plan;
}

/**
 * A track's notes laid out over a layer loop of `loopTicks`: the piece's own loop
 * (`pieceTicks`) repeats to fill it and is cut where it ends, so a 2-bar groove fills an
 * 8-bar drum loop and a 32-bar solo stops at bar 30 before it starts again.
 */
export function layerEvents(track, pieceTicks, loopTicks) {
  const events = [];
  for (let offset = 0; offset < loopTicks; offset += pieceTicks) {
    for (const n of track.notes) {
      const ticks = n.ticks + offset;
      if (n.ticks < pieceTicks && ticks < loopTicks) events.push({ ...n, ticks, source: n.ticks });
    }
  }
  return events.sort((a, b) => a.ticks - b.ticks || a.midi - b.midi);
}

/** The loop length a piece itself declares, in ticks. */
export function pieceLoopTicks(piece) {
  const [n, d] = piece.lofi.timeSignature;
  return Math.round((piece.lofi.loopBars * n * 4 * PPQ) / d);
}

const NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];
export function noteName(midi) {
  return NAMES[midi % 12] + (Math.floor(midi / 12) - 1);
}

// General MIDI drum notes a kit may lack, and the sound that stands in for each.
const DRUM_ALIASES = {
  35: [36], 36: [35], 37: [38, 39], 38: [40, 37], 39: [38, 37], 40: [38], 41: [45, 43, 47], 43: [45, 41, 47],
  44: [42], 42: [44], 46: [42], 45: [47, 43, 41], 47: [45, 48, 50], 48: [47, 50], 50: [48, 47],
  49: [57, 52, 55, 51], 52: [49, 57], 55: [49, 57], 57: [49, 52], 51: [59, 53], 59: [51], 53: [51, 59],
  54: [42], 56: [37], 69: [42], 70: [42], 75: [37], 76: [37], 77: [37],
};

export function drumFallback(sampled, midi) {
  for (const alt of DRUM_ALIASES[midi] || []) if (sampled.has(alt)) return alt;
  return null;
}
