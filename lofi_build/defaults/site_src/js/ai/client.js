// The page's side of the solo generator: a module worker started on first use, its replies as promises.
//
// The page's side of the generator: starts the module worker on first use and turns its messages
// into promises. Nothing is fetched before the first call.
//
// Messages to the worker (every one carries an `id`, echoed in the reply):
//   {type: "load", header: URL, weights: URL, facts}   absolute URLs (manifest.model, resolved) and
//                                                      manifest.facts, which the worker keeps with the model
//     -> {type: "loaded", model, bytes, ms, vocab, inputs}
//   {type: "generate", seed, ticks, temperature?, topK?, chords?, ticksPerBar?, trace?}
//     -> {type: "done", model, events: [{tokenId, token, pitches, durationClass, ticks,
//         durationTicks}], notes, ms, trace?: {token: [Float32Array], duration: [...]}}
//   {type: "solo", chords: URL, progression, bars, seed, temperature, topK, bpm, title?}
//     (chords: the chord table, absolute (manifest.chords, resolved); solo.js: makeSolo)
//     -> {type: "solo", piece (the one note format), events: [{tokenId, durationClass, steps, onset}], ms}
//   {type: "track", chords: URL, track (a station plan's entry), groove (its drum score), station (the seed)}
//     (station/arrange.js: makeTrack) -> {type: "track", piece (the one note format, with lofi.sections), ms}
//   any failure -> {type: "error", message}

/** The generator of a site: `manifest` is the site's manifest (or {model, facts} taken from one). */
export function createGenerator(manifest, base = document.baseURI) {
  const { model: entry, facts } = manifest;
  let worker = null;
  let next = 0;
  const waiting = new Map();
  let loaded = null;

  function start() {
    if (worker) return worker;
    worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
    worker.onmessage = (event) => {
      const reply = event.data;
      const pending = waiting.get(reply.id);
      if (!pending) return;
      waiting.delete(reply.id);
      if (reply.type === "error") pending.reject(new Error(reply.message));
      else pending.resolve(reply);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      for (const pending of waiting.values()) pending.reject(new Error(event.message || "the generator failed"));
      waiting.clear();
      worker = null;
      loaded = null;
    };
    return worker;
  }

  function send(message) {
    const w = start();
    const id = ++next;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      w.postMessage({ ...message, id });
    });
  }

  function load() {
    if (!entry) return Promise.reject(new Error("this site has no model for live solos"));
    if (!loaded) {
      loaded = send({ type: "load", header: new URL(entry.header, base).href,
                      weights: new URL(entry.weights, base).href, facts });
      loaded.catch(() => { loaded = null; }); // a failed load may be tried again
    }
    return loaded;
  }

  return {
    load,
    async generate(options) {
      await load();
      return send({ ...options, type: "generate" });
    },
    async solo(options) {
      await load();
      return send({ ...options, type: "solo" });
    },
    async track(options) {
      await load();
      return send({ ...options, type: "track" });
    },
    terminate() {
      if (worker) worker.terminate();
      worker = null;
      loaded = null;
    },
  };
}
