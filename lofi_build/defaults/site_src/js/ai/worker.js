// The generator's Web Worker: loads the exported weights once, then makes solos off the main thread.
//
// The generator's Web Worker (a module worker): loads the exported weights once, then makes solos
// on request, so generation never runs on the page's main thread. Protocol: see client.js.
import { generate, loadModel } from "./engine.js";
import { loadChordTable } from "./progression.js";
import { makeSolo } from "./solo.js";

let model = null;
let loading = null; // the weights URL being or last loaded

async function fetchBytes(url, as) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot fetch ${url}: HTTP ${response.status}`);
  return as === "json" ? response.json() : response.arrayBuffer();
}

async function load(message) {
  const started = performance.now();
  if (model && loading === message.weights) return { model: model.id, bytes: model.header.bytes, ms: 0 };
  loading = message.weights;
  model = null;
  let header;
  try {
    header = await fetchBytes(message.header, "json");
  } catch (e) {
    throw new Error(e instanceof SyntaxError ? "the model header is not valid JSON" : e.message);
  }
  const buffer = await fetchBytes(message.weights, "buffer");
  model = loadModel(header, buffer, message.facts);
  return { model: model.id, bytes: buffer.byteLength, ms: performance.now() - started,
           vocab: header.vocab.length, inputs: Object.keys(header.inputs) };
}

function solo(message) {
  if (!model) throw new Error("no model loaded: send a load message first");
  const started = performance.now();
  const result = generate(model, message);
  const ms = performance.now() - started;
  const notes = result.events.reduce((n, e) => n + e.pitches.length, 0);
  return { model: model.id, events: result.events, notes, ms, trace: result.trace };
}

self.onmessage = async (event) => {
  const message = event.data || {};
  const { id, type } = message;
  try {
    if (type === "load") {
      self.postMessage({ id, type: "loaded", ...(await load(message)) });
    } else if (type === "generate") {
      self.postMessage({ id, type: "done", ...solo(message) });
    } else if (type === "solo") {
      if (!model) throw new Error("no model loaded: send a load message first");
      await loadChordTable(message.chords);
      const started = performance.now();
      const { piece, events } = makeSolo(model, message);
      self.postMessage({ id, type: "solo", piece, events, ms: performance.now() - started });
    } else if (type === "track") {
      // A station track (station/arrange.js), loaded with the first one asked for.
      if (!model) throw new Error("no model loaded: send a load message first");
      await loadChordTable(message.chords);
      const { makeTrack } = await import("../station/arrange.js");
      const started = performance.now();
      const piece = makeTrack(model, message);
      self.postMessage({ id, type: "track", piece, ms: performance.now() - started });
    } else {
      throw new Error(`unknown message type ${type}`);
    }
  } catch (e) {
    self.postMessage({ id, type: "error", message: e && e.message ? e.message : String(e) });
  }
};
