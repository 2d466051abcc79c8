// A station change rendered offline: the end of one track and the start of the next, through the page's own transitions.
//
// The same engine, layers, inserts and transitions as the page (transitions.js: putIn), on an
// offline context (ondemand/offline.js), so a change can be heard and measured (silence, clicks,
// overlap) without waiting for it.
import { Engine } from "../audio/engine.js";
import { barTicksOf, secondsPerTick } from "../audio/transport.js";
import { renderInSlices } from "../ondemand/offline.js";
import { STATION_KINDS, prepare } from "./slots.js";
import { putIn } from "./transitions.js";

/**
 * Options: `station: {seed, index, before, after, skip, only}`: the change from track `index` of program
 * `seed` to the next, `before` bars of the outgoing track (4) and `after` of the incoming one (4);
 * `skip`: the outgoing track's bar at which the listener skips (default: it plays to its end, and the
 * plan's transition is heard); `only`: "out" or "in" renders that side alone (to measure overlap). The
 * rest as lofi.render: ambience, quote, crackle, reverb, humanise, probe, volumes, sampleRate, channels,
 * lead, tail, slice. Resolves to {sampleRate, channels, lead, duration, change (seconds into the render),
 * transition, tracks: [outgoing, incoming] as plan() shows them}.
 */
export async function renderChange(station, manifest, loader, options) {
  const o = options.station || {};
  const seed = station.seedOf(o.seed);
  const { index = 0, before = 4, after = 4, skip = null, only = null } = o;
  for (const [name, v, low] of [["index", index, 0], ["before", before, 1], ["after", after, 1]]) {
    if (!Number.isInteger(v) || v < low) throw new RangeError(`station.${name} must be a whole number from ${low}, not ${v}.`);
  }
  const program = await station.program(seed);
  const [out, inc] = [program.track(index), program.track(index + 1)];
  if (skip !== null && !(Number.isInteger(skip) && skip >= 1 && skip < out.bars)) {
    throw new RangeError(`station.skip is a bar from 1 to ${out.bars - 1} of '${out.title}', not ${skip}.`);
  }
  const [made, next] = await Promise.all([station.piecesOf(out, seed, { keep: false }), station.piecesOf(inc, seed, { keep: false })]);
  const kind = skip === null ? out.transition : station.skipKind(index + 1);
  const { ppq } = manifest.facts;
  const barOf = (piece) => barTicksOf(piece.header.timeSignatures[0].timeSignature, ppq);
  const beatOf = (piece) => barOf(piece) / piece.header.timeSignatures[0].timeSignature[0];
  const changeBar = skip ?? out.bars;
  const shown = Math.min(before, changeBar);
  const phase = (changeBar - shown) * barOf(made.music);
  const at = shown * barOf(made.music);
  const { lead = 0.1, tail = 0.5, sampleRate = 44100, channels = 1 } = options;
  const barSeconds = (track, piece) => (barOf(piece) / ppq) * (60 / track.bpm);
  const change = lead + shown * barSeconds(out, made.music);
  const duration = change + after * barSeconds(inc, next.music) + tail;
  const buffer = await renderInSlices(async (context) => {
    const engine = new Engine({ manifest, context, loader, probe: !!options.probe, humanise: options.humanise ?? true,
                                reverb: options.reverb ?? true, eager: true, volumes: options.volumes });
    await engine.init();
    if (options.crackle === false && engine.bed) engine.bed.gain.value = 0;
    for (const key of ["ambience", "quote"]) if (options[key] !== undefined) await engine.select({ [key]: options[key] });
    const build = async (track, pieces) => {
      const entry = { id: track.id, title: track.title, seed: track.recipe ? track.recipe.seed : 0, station: true, groove: track.groove };
      const layer = async (slot, spec, piece) => (piece ? station.addInsert(await prepare(engine, slot, entry, spec, piece), piece) : null);
      return { entry, layers: { music: await layer("music", STATION_KINDS[track.kind], pieces.music), drums: await layer("drums", STATION_KINDS.drums, pieces.drums) } };
    };
    const from = only === "in" ? null : await build(out, made);
    const to = only === "out" ? null : await build(inc, next);
    const transport = context.transport;
    transport.bpm.setValueAtTime(out.bpm, 0);
    const beats = { out: beatOf(made.music), in: beatOf(next.music) };
    const spt = { out: secondsPerTick(out.bpm, ppq), in: secondsPerTick(inc.bpm, ppq) };
    const none = { entry: { id: "" }, layers: { music: null, drums: null } };
    if (from) putIn(engine, { ...from, spec: STATION_KINDS[out.kind], drumsSpec: STATION_KINDS.drums, at: 0, phase, beats, secondsPerTick: spt });
    // The next track goes in a bar ahead of its change, as on the page.
    transport.scheduleOnce(() => {
      const incoming = to || none;
      putIn(engine, { ...incoming, spec: STATION_KINDS[inc.kind], drumsSpec: STATION_KINDS.drums, at, kind,
                      outgoing: from ? Object.values(from.layers).filter(Boolean) : [], beats, secondsPerTick: spt });
    }, `${at - barOf(made.music)}i`);
    transport.start(lead);
  }, { duration, channels, sampleRate, slice: options.slice, onProgress: options.onProgress, signal: options.signal });
  if (!buffer) return null;
  const data = [];
  for (let c = 0; c < buffer.numberOfChannels; c++) data.push(buffer.getChannelData(c));
  const plain = (t) => ({ id: t.id, title: t.title, kind: t.kind, key: t.key, bpm: t.bpm, bars: t.bars, transition: t.transition });
  return { sampleRate: buffer.sampleRate, channels: data, lead, duration, change, transition: kind, tracks: [plain(out), plain(inc)] };
}

