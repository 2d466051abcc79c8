// How one station track gives way to the next at a bar: a crossfade, a tape stop or a vinyl brake; and filtered sections.
//
// Each station layer gets an insert on its output (a low-pass for sections marked `filter`, then
// a delay line). A tape stop or a vinyl brake is that delay's time rising along a curve: what
// comes out slows and falls in pitch until it stops, as a tape or a platter running down (a
// delay whose time grows at rate r plays its input at speed 1 - r). It runs over the outgoing
// track's last beats and ends at the bar where the next one starts, so the two never overlap
// and the gap between them is the stop's quiet tail. A crossfade lowers the outgoing track over
// its last beat while nothing new starts, and the incoming one rises over its first beat.
import { installAt } from "./slots.js";

// Beats before the change a stop starts, and the speed curve it follows (t: 0..1 of the stop).
export const STOPS = {
  "tape-stop": { beats: 2, speed: (t) => 1 - t }, // the motor lets go: speed falls evenly
  "vinyl-brake": { beats: 1, speed: (t) => (1 - t) * (1 - t) }, // a hand on the platter: fast, then slower
};
const CROSSFADE = { outBeats: 1, floor: 0.3, tail: 0.8, inBeats: 1 }; // beats, gain, seconds, beats
const FILTERED = 500; // Hz: a filtered section's low-pass, opening over its last bar
const CURVE_POINTS = 128;

const nyquist = (context) => context.sampleRate / 2;

/** Put the insert between a station layer's output and its chain: output -> (low-pass) -> delay -> chain.
 * Made before the layer sounds, so the rewiring is silent. */
export function addInsert(layer, { filter = false } = {}) {
  const raw = layer.context.rawContext;
  const delay = raw.createDelay(2);
  delay.delayTime.value = 0;
  const nodes = [delay];
  let lowpass = null;
  if (filter) {
    lowpass = raw.createBiquadFilter();
    lowpass.type = "lowpass";
    lowpass.Q.value = 0.5;
    lowpass.frequency.value = nyquist(layer.context);
    lowpass.connect(delay);
    nodes.unshift(lowpass);
  }
  layer.output.disconnect(layer.destination);
  layer.output.connect(nodes[0]);
  delay.connect(layer.destination.input);
  layer.insert = { delay, lowpass };
  // Offline, the clock runs ahead of the render: these stay connected (silent) until the end.
  layer.onDispose(() => {
    if (!layer.context.isOffline) for (const n of nodes) n.disconnect();
  });
  return layer;
}

/** The delay times that play `seconds` of a stop along `speed` (the integral of 1 - speed). */
export function stopCurve(speed, seconds, points = CURVE_POINTS) {
  const curve = new Float32Array(points + 1);
  let lag = 0;
  for (let i = 1; i <= points; i++) {
    const mid = (i - 0.5) / points;
    lag += (1 - speed(mid)) * (seconds / points);
    curve[i] = lag;
  }
  return curve;
}

/** Run `layer` down from audio time `time` over `seconds` (a STOPS kind), silent at the end. */
export function stop(layer, kind, time, seconds) {
  const { speed } = STOPS[kind];
  const d = layer.insert.delay.delayTime;
  d.cancelScheduledValues(time);
  d.setValueCurveAtTime(stopCurve(speed, seconds), time, seconds);
  const g = layer.output.gain;
  g.cancelScheduledValues(time);
  g.setValueAtTime(g.getValueAtTime(time), time + 0.3 * seconds);
  g.linearRampToValueAtTime(0, time + seconds);
}

/**
 * The outgoing `layers` leave at Transport tick `at` by `kind`; returns the fade (seconds) their retirement
 * takes from the bar. Scheduled on the layers themselves (cleared should they go sooner).
 */
export function leave(layers, kind, at, { beatTicks, secondsPerTick }) {
  if (STOPS[kind]) {
    const ticks = STOPS[kind].beats * beatTicks;
    for (const layer of layers) layer.at(at - ticks, (time) => stop(layer, kind, time, ticks * secondsPerTick));
    return 0.05;
  }
  for (const layer of layers) {
    layer.at(at - CROSSFADE.outBeats * beatTicks, (time) => {
      const g = layer.output.gain;
      g.cancelScheduledValues(time);
      g.setValueAtTime(g.getValueAtTime(time), time);
      g.linearRampToValueAtTime(CROSSFADE.floor, time + CROSSFADE.outBeats * beatTicks * secondsPerTick);
    });
  }
  return CROSSFADE.tail;
}

/** The incoming `layers` of a crossfade rise over their first beat from tick `at`. */
export function arrive(layers, kind, at, { beatTicks, secondsPerTick }) {
  if (STOPS[kind]) return;
  for (const layer of layers) {
    layer.at(at, (time) => {
      const g = layer.output.gain;
      g.cancelScheduledValues(time);
      g.setValueAtTime(0, time);
      g.linearRampToValueAtTime(1, time + CROSSFADE.inBeats * beatTicks * secondsPerTick);
    });
  }
}

/** The low-pass of each `filter` section of `piece` (lofi.sections), for a layer that starts its piece at
 * Transport tick `startTick` (its tick 0 there; sections before `from` are past): down at the section's
 * start, opening over its last bar. */
export function filterSections(layer, piece, startTick, { barTicks, from = startTick }) {
  const lp = layer.insert && layer.insert.lowpass;
  if (!lp) return;
  const open = nyquist(layer.context);
  for (const s of piece.lofi.sections || []) {
    if (!s.filter) continue;
    const begin = startTick + s.bar * barTicks;
    const end = begin + s.bars * barTicks;
    if (end <= from) continue;
    layer.at(Math.max(begin, from), (time) => {
      lp.frequency.cancelScheduledValues(time);
      lp.frequency.setValueAtTime(FILTERED, time);
    });
    layer.at(end - barTicks, (time) => {
      lp.frequency.setValueAtTime(FILTERED, time);
      lp.frequency.exponentialRampToValueAtTime(open, time + barTicks * secondsPerTickOf(layer));
    });
  }
}

function secondsPerTickOf(layer) {
  const t = layer.transport;
  return 60 / (t.bpm.value * t.PPQ);
}

/**
 * Put a station track's layers in at Transport tick `at` ({music, drums}: built layers or null), `phase` ticks
 * into their pieces, the outgoing layers (`outgoing`) leaving by `kind` (null: a plain change, as when
 * stopped). `entry`: what the music slot reports; `spec`, `drumsSpec`: their STATION_KINDS; `beats`: {out,
 * in} ticks of a beat; `secondsPerTick`: {out, in}. Used by the page and by offline renders alike.
 */
export function putIn(engine, { entry, spec, drumsSpec, layers, at, phase = 0, kind = null, outgoing = [], beats, secondsPerTick }) {
  let fade;
  if (kind && outgoing.length) {
    fade = leave(outgoing, kind, at, { beatTicks: beats.out, secondsPerTick: secondsPerTick.out });
    arrive(Object.values(layers).filter(Boolean), kind, at, { beatTicks: beats.in, secondsPerTick: secondsPerTick.in });
  }
  installAt(engine, "music", { entry: layers.music ? entry : null, spec, layer: layers.music, at, phase, fade });
  installAt(engine, "drums", { entry: layers.drums ? { id: `${entry.id}:drums`, title: entry.groove || "" } : null,
                              spec: drumsSpec, layer: layers.drums, at, phase, fade });
  const start = at - phase;
  for (const l of Object.values(layers)) if (l) filterSections(l, l.piece, start, { barTicks: beats.in * l.timeSignature[0], from: at });
  return start;
}
