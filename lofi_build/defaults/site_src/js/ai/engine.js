// The solo network in plain typed arrays: the exported weights and the header's layer graph, one event a step.
//
// The solo generator in plain typed arrays: reads the exported weights (lofi_build/model/export.py
// documents the format) and runs the header's layer graph one event at a time, as the numpy engine does.
import { History, chordIds, rootOf, topsOf } from "./lookback.js";
import { Prng, sample } from "./prng.js";

export const FORMAT = "lofi-weights-1";

let crcTable = null;

export function crc32(bytes) {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

class ModelError extends Error {}

function fail(message) {
  throw new ModelError(message);
}

// Dequantised tensors: {rows, cols, data: Float32Array} for int8 matrices, {size, data} for vectors.
function readTensors(header, buffer) {
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  const out = {};
  for (const [name, t] of Object.entries(header.tensors || {})) {
    const shape = t.shape || [];
    const n = shape.reduce((a, b) => a * b, 1);
    if (!shape.length || !Number.isInteger(n) || n <= 0) fail(`tensor ${name} has a bad shape`);
    if (t.dtype === "int8") {
      const [rows, cols] = shape;
      if (shape.length !== 2 || t.offset + n > bytes.length || t.scales + 4 * rows > bytes.length) {
        fail(`tensor ${name} lies outside the weights file`);
      }
      const q = new Int8Array(buffer, t.offset, n);
      const data = new Float32Array(n);
      for (let r = 0; r < rows; r++) {
        const s = view.getFloat32(t.scales + 4 * r, true);
        const o = r * cols;
        for (let j = 0; j < cols; j++) data[o + j] = q[o + j] * s; // float32(q * s), as numpy rounds it
      }
      out[name] = { rows, cols, data };
    } else if (t.dtype === "float32") {
      if (t.offset + 4 * n > bytes.length) fail(`tensor ${name} lies outside the weights file`);
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = view.getFloat32(t.offset + 4 * i, true);
      out[name] = { size: n, data };
    } else {
      fail(`tensor ${name} has an unknown dtype ${t.dtype}`);
    }
  }
  return out;
}

// The ops of one stage, with their buffers allocated and their shapes checked once.
function compile(stage, header, tensors, sizes) {
  const need = (name) => tensors[name] || fail(`the graph needs a missing tensor ${name}`);
  const size = (name) => sizes.get(name) ?? fail(`the graph reads ${name} before it is made`);
  return (stage || []).map((op) => {
    let o;
    if (op.op === "embedding") {
      const table = need(op.table);
      if (!table.rows) fail(`embedding table ${op.table} is not a matrix`);
      const input = header.inputs[op.in];
      if (!input || input.kind !== "index") fail(`embedding ${op.table} reads ${op.in}, which is not an index input`);
      if (input.size !== table.rows) fail(`input ${op.in} has ${input.size} values, table ${op.table} ${table.rows} rows`);
      o = { kind: 0, in: op.in, table, out: new Float64Array(table.cols) };
    } else if (op.op === "concat") {
      const n = op.in.reduce((a, name) => a + size(name), 0);
      o = { kind: 1, in: op.in, out: new Float64Array(n) };
    } else if (op.op === "lstm") {
      const w = need(op.weights);
      const bias = need(op.bias);
      const units = op.units;
      const inputs = size(op.in);
      if (w.rows !== 4 * units || w.cols !== inputs + units || bias.size !== 4 * units) {
        fail(`lstm ${op.weights} does not fit its input (${inputs}) and units (${units})`);
      }
      o = { kind: 2, in: op.in, w: w.data, bias: bias.data, units, inputs, z: new Float64Array(4 * units),
            xh: new Float64Array(inputs + units), h: new Float64Array(units), c: new Float64Array(units) };
      o.out = o.h;
    } else if (op.op === "dense") {
      const w = need(op.weights);
      const bias = need(op.bias);
      if (w.cols !== size(op.in) || bias.size !== w.rows) fail(`dense ${op.weights} does not fit its input`);
      if (op.activation !== "linear" && op.activation !== "relu") fail(`unknown activation ${op.activation}`);
      o = { kind: 3, in: op.in, w: w.data, bias: bias.data, rows: w.rows, cols: w.cols, relu: op.activation === "relu",
            out: new Float64Array(w.rows) };
    } else {
      fail(`unknown op ${op.op}`);
    }
    o.name = op.out;
    sizes.set(op.out, o.out.length);
    return o;
  });
}

// out[r] = bias[r] + sum_j w[r * cols + j] * x[j]: eight rows at a time share each load of x
// (measured in V8: twice the speed of one dot product a row).
function matvec(w, rows, cols, x, bias, out) {
  const c2 = 2 * cols, c3 = 3 * cols, c4 = 4 * cols, c5 = 5 * cols, c6 = 6 * cols, c7 = 7 * cols;
  let r = 0;
  for (; r + 7 < rows; r += 8) {
    const o = r * cols;
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
    for (let j = 0, k = o; j < cols; j++, k++) {
      const xj = x[j];
      a0 += w[k] * xj;
      a1 += w[k + cols] * xj;
      a2 += w[k + c2] * xj;
      a3 += w[k + c3] * xj;
      a4 += w[k + c4] * xj;
      a5 += w[k + c5] * xj;
      a6 += w[k + c6] * xj;
      a7 += w[k + c7] * xj;
    }
    out[r] = bias[r] + a0;
    out[r + 1] = bias[r + 1] + a1;
    out[r + 2] = bias[r + 2] + a2;
    out[r + 3] = bias[r + 3] + a3;
    out[r + 4] = bias[r + 4] + a4;
    out[r + 5] = bias[r + 5] + a5;
    out[r + 6] = bias[r + 6] + a6;
    out[r + 7] = bias[r + 7] + a7;
  }
  for (; r < rows; r++) {
    let a = 0;
    for (let j = 0, k = r * cols; j < cols; j++, k++) a += w[k] * x[j];
    out[r] = bias[r] + a;
  }
}

function sigmoid(x) {
  return 0.5 * (Math.tanh(0.5 * x) + 1);
}

function run(ops, values, feeds) {
  for (const op of ops) {
    const out = op.out;
    switch (op.kind) {
      case 0: {
        const index = feeds[op.in];
        const { cols, data, rows } = op.table;
        if (!(index >= 0 && index < rows)) fail(`input ${op.in} = ${index} is out of range`);
        for (let j = 0, o = index * cols; j < cols; j++) out[j] = data[o + j];
        break;
      }
      case 1: {
        let at = 0;
        for (const name of op.in) {
          const v = values.get(name) ?? feeds[name];
          out.set(v, at);
          at += v.length;
        }
        break;
      }
      case 2: {
        const { w, bias, units, inputs, z, xh, h, c } = op;
        xh.set(values.get(op.in));  // [x; h]: the fused kernel, one product a step
        xh.set(h, inputs);
        matvec(w, 4 * units, inputs + units, xh, bias, z);
        for (let u = 0; u < units; u++) { // gates i, f, c, o, as Keras orders them
          const cell = sigmoid(z[units + u]) * c[u] + sigmoid(z[u]) * Math.tanh(z[2 * units + u]);
          c[u] = cell;
          h[u] = sigmoid(z[3 * units + u]) * Math.tanh(cell);
        }
        break;
      }
      case 3: {
        const { w, bias, rows, cols, relu } = op;
        matvec(w, rows, cols, values.get(op.in), bias, out);
        if (relu) for (let r = 0; r < rows; r++) if (out[r] < 0) out[r] = 0;
        break;
      }
    }
    values.set(op.name, out);
  }
}

// A model from the header (parsed JSON) and the weights (ArrayBuffer); throws ModelError with a
// plain message when they do not fit together.
/** The model from its header and weights, holding `facts` (manifest.facts: the limits, the site's AI
 * settings and the tables a solo is written with), so whatever runs it reads them from the model. */
export function loadModel(header, buffer, facts) {
  if (!header || header.format !== FORMAT) fail(`unknown weights format ${header && header.format}`);
  if (!facts) fail("no facts block: the model loads with the manifest's facts");
  if (facts.ppq !== header.ppq) fail(`the model's durations are at ${header.ppq} ppq, the site's pieces at ${facts.ppq}`);
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength !== header.bytes) {
    fail(`the weights file has ${buffer && buffer.byteLength} bytes, the header says ${header.bytes}`);
  }
  if (crc32(new Uint8Array(buffer)) !== header.crc32) fail("the weights file is corrupt (checksum mismatch)");
  const tensors = readTensors(header, buffer);
  const sizes = new Map();
  for (const [name, input] of Object.entries(header.inputs || {})) {
    if (input.kind === "vector") sizes.set(name, input.size);
  }
  const graph = header.graph || {};
  const tokenOps = compile(graph.token, header, tensors, sizes);
  const durationOps = compile(graph.duration, header, tensors, sizes);
  const outputs = header.outputs || {};
  if (!sizes.has(outputs.token) || !sizes.has(outputs.duration)) fail("the graph does not make both outputs");
  if (sizes.get(outputs.token) !== header.vocab.length) fail("the token head does not match the vocabulary");
  if (sizes.get(outputs.duration) !== header.durationTicks.length + 1) fail("the duration head does not match the durations");
  return { header, facts, tokenOps, durationOps, values: new Map(), id: header.model };
}

function reset(model) {
  for (const op of [...model.tokenOps, ...model.durationOps]) {
    if (op.kind === 2) {
      op.h.fill(0);
      op.c.fill(0);
    }
  }
  model.values.clear();
}

// The chord vector sounding at `ticks` from [{ticks, durationTicks, vector}], zeros when none.
function chordAt(chords, ticks, zeros) {
  for (const span of chords) {
    if (span.ticks <= ticks && ticks < span.ticks + span.durationTicks) return span.vector;
  }
  return zeros;
}

// What a solo played, for the lookback of a network that has one, on the grid of ticks.
function historyOf(h, chords, total, ticksPerBar) {
  const roots = new Int32Array(total).fill(-1);
  const ids = new Int32Array(total).fill(-1);
  const spanIds = chordIds(chords.map((s) => s.vector));
  for (let i = chords.length - 1; i >= 0; i--) { // the first span holding a tick wins, as chordAt finds it
    const s = chords[i];
    const [from, to] = [Math.max(s.ticks, 0), Math.min(s.ticks + s.durationTicks, total)];
    if (from < to) {
      roots.fill(rootOf(s.vector), from, to);
      ids.fill(spanIds[i], from, to);
    }
  }
  return new History(h.lookback, { length: total, bar: ticksPerBar, tops: topsOf(h), nothing: h.start.token,
                                   roots, chords: ids });
}

// One solo `ticks` long: [{tokenId, token, pitches, durationClass, ticks, durationTicks}].
// options: seed, ticks, temperature and topK (default: the site's, facts.ai), chords (for a network
// with a chord input), ticksPerBar (default 4 quarters), trace (collect the logits of every step).
export function generate(model, options) {
  const h = model.header;
  const { ai, limits } = model.facts;
  const { seed, temperature = ai.temperature, topK = ai.topK } = options;
  const total = options.ticks;
  if (!Number.isInteger(seed)) fail("seed must be an integer");
  if (!Number.isInteger(total) || total <= 0) fail("the solo length must be a positive whole number of ticks");
  if (!(temperature >= 0) || !Number.isFinite(temperature)) fail("temperature must be a number >= 0");
  if (!Number.isInteger(topK) || topK < 0) fail("top-k must be a whole number >= 0");
  const ticksPerBar = options.ticksPerBar || 4 * h.ppq;
  if (!Number.isInteger(ticksPerBar) || ticksPerBar <= 0) fail("ticksPerBar must be a positive whole number");
  if (total > limits.bars.max * ticksPerBar) fail(`a solo is at most ${limits.bars.max} bars long`);
  const chord = h.inputs.chord;
  const chords = (options.chords || []).map((s) => {
    if (!Number.isInteger(s.ticks) || !Number.isInteger(s.durationTicks) || !s.vector ||
        (chord && s.vector.length !== chord.size)) {
      fail(`a chord span needs whole ticks and durationTicks and a vector of ${chord ? chord.size : 36} numbers`);
    }
    return { ticks: s.ticks, durationTicks: s.durationTicks, vector: Float64Array.from(s.vector) };
  });
  reset(model);
  const prng = new Prng(seed);
  const tokenBan = new Set(h.banned.token);
  const durationBan = new Set(h.banned.duration);
  const position = h.inputs.position;
  const zeros = chord ? new Float64Array(chord.size) : null;
  const trace = options.trace ? { token: [], duration: [] } : null;
  const feeds = { token: h.start.token, duration: h.start.duration, next_token: 0 };
  const tokenOut = h.outputs.token;
  const durationOut = h.outputs.duration;
  const history = h.lookback ? historyOf(h, chords, total, ticksPerBar) : null;
  const events = [];
  let elapsed = 0;
  while (elapsed < total) {
    if (position) {
      const inBar = elapsed % ticksPerBar;
      const unit = inBar / position.unitTicks;
      feeds.position = Number.isInteger(unit) && unit < position.size - 1 ? unit : position.size - 1;
    }
    if (chord) feeds.chord = chordAt(chords, elapsed, zeros);
    if (history) history.feed(feeds, elapsed);
    run(model.tokenOps, model.values, feeds);
    const tokenLogits = model.values.get(tokenOut);
    // At temperature 0 the first token is drawn at temperature 1, so solos differ by seed.
    const t = events.length === 0 && temperature <= 0 ? 1 : temperature;
    const token = sample(tokenLogits, prng.random(), t, topK, tokenBan);
    feeds.next_token = token;
    run(model.durationOps, model.values, feeds);
    const durationLogits = model.values.get(durationOut);
    const duration = sample(durationLogits, prng.random(), temperature, 0, durationBan);
    if (trace) {
      trace.token.push(Float32Array.from(tokenLogits));
      trace.duration.push(Float32Array.from(durationLogits));
    }
    const length = Math.min(h.durationTicks[duration - 1], total - elapsed);
    events.push({ tokenId: token, token: h.vocab[token], pitches: h.pitches[token], durationClass: duration,
                  ticks: elapsed, durationTicks: length });
    if (history) history.played(token, duration, elapsed, length);
    elapsed += length;
    feeds.token = token;
    feeds.duration = duration;
  }
  return trace ? { events, trace } : { events };
}

export { ModelError, fail, reset, run };
