// Fetching and decoding: one cache of JSON and audio for the page, and a priority queue.
//
// Fetching and decoding: one cache of JSON and audio for the page and a priority queue
// (which samples a piece needs is pieces.js's business).

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

  /** Serve `data` as the JSON of `url` from now on (a piece replaced in place). */
  put(url, data) {
    this.jsonCache.set(url, Promise.resolve(data));
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
