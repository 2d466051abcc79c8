// Station mode: a seeded program played for hours, each track made ahead in the worker and changed at a bar.
//
// The program is plan.js's; this module plays it on the page's engine. While a track plays, the
// next one is made (AI tracks in the generator's worker, station/arrange.js; a song gets drums
// laid over its sections, drums.js) and its layers built, so it is ready long before it is
// needed; a bar before the current track ends, the next is put in at the bar where it ends, with
// the transition the plan gave it (transitions.js). Skip and back change at the next bar. Only
// the pieces of the recent history, the current track and the next one are kept; any other track
// is made again from its seed when asked for. Nothing here runs unless the listener (or a link,
// or window.lofi.station) starts the station.
import { barTicks, ceilBar, hashString, nextBar, safeTicks, secondsPerTick } from "../audio/transport.js";
import { arrangeDrums, songDrums } from "./drums.js";
import { Program, songFacts } from "./plan.js";
import { scheduleSleep } from "./sleep.js";
import { STATION_KINDS, prepare as prepareLayer } from "./slots.js";
import { STOPS, addInsert, putIn } from "./transitions.js";
import { trackPiece } from "./track-piece.js";

const KEEP_CHANGES = 12; // changes remembered in the state (for the page and the tests)
const ID = /^st-(\d+)-(\d+)-[0-9a-f]+$/;

/** What the listener typed or linked as a seed, checked against facts.limits.seed: the seed or an Error. */
export function readSeed(value, limits) {
  const text = String(value).trim();
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < limits.min || n > limits.max) {
    return new RangeError(`The station's seed must be a whole number from ${limits.min} to ${limits.max}, not '${String(value).slice(0, 40)}'.`);
  }
  return n;
}

/** A whole number from 0 (written as a number or as text, as a link writes it), or a RangeError naming `what`. */
function whole(value, what) {
  const n = typeof value === "number" ? value : /^\s*\d+\s*$/.test(String(value)) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a whole number from 0, not '${String(value).slice(0, 40)}'.`);
  return n;
}

/** A piece's drum tracks (channel 9) and the rest, as two pieces of the same header and sections. */
export function splitPiece(piece) {
  const drums = piece.tracks.filter((t) => t.channel === 9);
  const music = piece.tracks.filter((t) => t.channel !== 9);
  const only = (tracks) => ({
    ...piece, tracks,
    lofi: { ...piece.lofi, parts: piece.lofi.parts.filter((p) => tracks.some((t) => t.name === p.name)) },
  });
  return { music: only(music), drums: drums.length ? only(drums) : null };
}

/**
 * The station over the page's `engine`, `loader` and `manifest`. `generator()` resolves to the worker's client
 * (ai/client.js), `hooks`: {changed() (save and redraw), play(), pause()}.
 */
export function createStation({ engine, loader, manifest, generator, hooks = {} }) {
  const facts = manifest.facts.station;
  const call = (name, ...args) => (hooks[name] ? hooks[name](...args) : undefined);
  const transport = engine.transport;
  let data = null; // what a plan is made from, loaded once
  const programs = new Map(); // seed -> Program
  const pieces = new Map(); // track id -> {music, drums} (the kept ones)
  const making = new Map(); // track id -> promise of its pieces
  let s = null; // the running station (null: off)
  let sleeper = null; // {endsAt, endsAtMs, cancel}
  let lastError = null;

  function notify() {
    call("changed");
    document.dispatchEvent(new CustomEvent("lofi:station"));
  }

  // -- the data a plan is made from --------------------------------------------------------------

  async function context() {
    if (!data) {
      data = (async () => {
        const url = (u) => new URL(u, document.baseURI).href;
        const [{ loadChordTable, parseProgression }, asset, library] = await Promise.all([
          import("../ai/progression.js"), loader.json(manifest.station),
          manifest.progressions ? loader.json(manifest.progressions) : { library: [] },
        ]);
        await loadChordTable(url(manifest.chords));
        const songs = await Promise.all(manifest.songs.map(async (e) => songFacts(e, await loader.json(e.url), asset.keys)));
        const grooves = [];
        for (const e of manifest.drums) {
          const g = await loader.json(e.url);
          // A groove in another metre than the AI tracks' cannot lie under them.
          if (g.header.timeSignatures[0].timeSignature.join("/") === asset.meter.join("/")) grooves.push({ id: e.id, bpm: g.header.tempos[0].bpm });
        }
        const cells = library.mood ? library.mood.table.cells : [{ valence: [-2, 2], arousal: [-1, 2], mode: "major", moods: [] }];
        return {
          facts, ai: manifest.facts.ai, songs, grooves, library: library.library, tonics: asset.tonics, cells,
          names: asset.names, keys: asset.keys, meter: asset.meter, generates: !!manifest.model,
          transpose: (text, semitones) => parseProgression(text).transpose(semitones).text,
        };
      })();
      data.catch(() => { data = null; });
    }
    return data;
  }

  async function program(seed) {
    const ctx = await context();
    if (!programs.has(seed)) programs.set(seed, new Program(seed, ctx));
    return programs.get(seed);
  }

  function seedOf(value) {
    const seed = readSeed(value, manifest.facts.limits.seed);
    if (seed instanceof Error) throw seed;
    return seed;
  }

  /** A track as the API shows it (no recipe, a copy). */
  function shown(t) {
    const out = { id: t.id, title: t.title, kind: t.kind, key: t.key, bpm: t.bpm, bars: t.bars, form: [...t.form],
                  progression: t.progression, seconds: +t.seconds.toFixed(3), index: t.index, start: +t.start.toFixed(3),
                  sections: t.sections.map((x) => ({ ...x })), transition: t.transition, groove: t.groove };
    if (t.recipe) Object.assign(out, { seed: t.recipe.seed, progressionB: t.progressionB, mood: { ...t.mood } });
    return out;
  }

  async function plan({ seed, minutes = 60 } = {}) {
    const n = seedOf(seed);
    if (typeof minutes !== "number" || !(minutes > 0 && minutes <= 48 * 60)) {
      throw new RangeError(`A plan is more than 0 and at most ${48 * 60} minutes long, not ${minutes}.`);
    }
    return (await program(n)).upTo(minutes * 60).map(shown);
  }

  // -- making a track's pieces -------------------------------------------------------------------

  async function groovePiece(id) {
    const entry = manifest.drums.find((e) => e.id === id);
    return entry ? loader.json(entry.url) : null;
  }

  /** {music, drums} of a plan track: an AI track made in the worker and split; a song with drums laid under it. */
  function piecesOf(track, seed, { keep = true } = {}) {
    if (pieces.has(track.id)) return Promise.resolve(pieces.get(track.id));
    if (!making.has(track.id)) {
      const made = (async () => {
        const groove = await groovePiece(track.groove);
        let out;
        if (track.kind === "solo") {
          const { recipe, ...rest } = track;
          const client = await generator();
          const reply = await client.track({ chords: new URL(manifest.chords, document.baseURI).href,
                                             track: { ...rest, recipe }, groove, station: seed });
          out = splitPiece(reply.piece);
          out.ms = reply.ms;
        } else {
          const song = await loader.json(manifest.songs.find((e) => e.id === track.songId).url);
          out = { music: song, drums: groove ? songDrumsPiece(song, groove) : null };
        }
        return out;
      })().finally(() => making.delete(track.id));
      making.set(track.id, made);
    }
    return making.get(track.id).then((out) => {
      if (keep) pieces.set(track.id, out);
      return out;
    });
  }

  /** One pass of a song's sections with the groove under them: none in its intro, outro or breakdown. */
  function songDrumsPiece(song, groove) {
    const { ppq } = manifest.facts;
    const meter = song.header.timeSignatures[0].timeSignature;
    const beatTicks = (ppq * 4) / meter[1];
    const sections = (song.lofi.sections || [{ name: "A", bars: song.lofi.loopBars }]).map((x) => ({ bars: x.bars, drums: songDrums(x.name) }));
    const tracks = arrangeDrums(groove, sections, { barTicks: beatTicks * meter[0], beatTicks });
    return trackPiece({
      tracks, title: `${song.header.name} · ${groove.header.name}`, bpm: song.header.tempos[0].bpm, meter, ppq, key: null,
      bars: song.lofi.loopBars, swing: { amount: groove.lofi.swing || 0, subdivision: groove.lofi.swingSubdivision },
      sections: song.lofi.sections || [],
    });
  }

  const filtered = (piece) => !!piece && (piece.lofi.sections || []).some((x) => x.filter);

  /** The layers of plan track `index` built on the page's engine (not put in yet): {track, entry, layers}. */
  async function prepare(index, token) {
    const p = await program(s.seed);
    const track = p.track(index);
    const made = await piecesOf(track, s.seed);
    const wanted = () => s && s.token === token;
    if (!wanted()) return null;
    const entry = { id: track.id, title: track.title, seed: track.recipe ? track.recipe.seed : hashString(track.id), station: true,
                    groove: track.groove };
    const build = async (slot, spec, piece, named) => {
      if (!piece) return null;
      const layer = await prepareLayer(engine, slot, named, spec, piece, { live: wanted });
      return layer ? addInsert(layer, { filter: filtered(piece) }) : null;
    };
    const [music, drums] = await Promise.all([
      build("music", STATION_KINDS[track.kind], made.music, entry),
      build("drums", STATION_KINDS.drums, made.drums, { id: `${track.id}:drums`, title: track.groove || "", seed: entry.seed }),
    ]);
    if (!wanted()) {
      for (const l of [music, drums]) if (l) l.dispose();
      return null;
    }
    return { index, track, entry, pieces: made, layers: { music, drums }, readyAt: engine.context.currentTime };
  }

  function discard(prepared) {
    if (!prepared) return;
    for (const l of Object.values(prepared.layers)) if (l && l.startTick === null) l.dispose(); // built, never put in
  }

  // -- playing -----------------------------------------------------------------------------------

  /** Ticks of a bar and a beat of a prepared track ({pieces}). */
  const ticksOf = ({ pieces: made }) => {
    const piece = made.music;
    const meter = piece.header.timeSignatures[0].timeSignature;
    return { bar: (meter[0] * 4 * manifest.facts.ppq) / meter[1], beat: (4 * manifest.facts.ppq) / meter[1] };
  };

  function clearEvents() {
    for (const id of s.events) transport.clear(id);
    s.events.clear();
  }

  function at(tick, fn) {
    const id = transport.scheduleOnce(() => {
      s.events.delete(id);
      fn();
    }, `${tick}i`);
    s.events.add(id);
  }

  /** Put `prepared` in at Transport tick `tick`, `phase` ticks into it, leaving the current track by `kind`. */
  function install(prepared, tick, { phase = 0, kind = null } = {}) {
    const live = transport.state === "started";
    const { bar, beat } = ticksOf(prepared);
    const outgoing = s.current ? Object.values(s.current.layers).filter(Boolean) : [];
    const now = engine.context.currentTime;
    const spt = secondsPerTick(transport.bpm.getValueAtTime(now), transport.PPQ);
    const start = putIn(engine, {
      entry: prepared.entry, spec: STATION_KINDS[prepared.track.kind], drumsSpec: STATION_KINDS.drums,
      layers: prepared.layers, at: tick, phase, kind: live ? kind : null, outgoing,
      beats: { out: s.current ? ticksOf(s.current).beat : beat, in: beat },
      secondsPerTick: { out: spt, in: secondsPerTick(prepared.track.bpm, transport.PPQ) },
    });
    // How long before it is heard the track was ready (audio clock): the change's time less the time it was built.
    const heard = live ? now + (tick - transport.getTicksAtTime(now)) * spt : now;
    s.changes.unshift({ index: prepared.index, id: prepared.track.id, tick, transition: live ? kind : null,
                        readyAhead: +(heard - prepared.readyAt).toFixed(2) });
    s.changes.length = Math.min(s.changes.length, KEEP_CHANGES);
    return { ...prepared, start, end: start + prepared.track.bars * bar, bar };
  }

  /** From now on `current` plays: its sections named as they come, the next track made, its change set. */
  function turn(current) {
    const previous = s.current;
    if (previous && previous.index !== current.index) {
      s.history.unshift({ index: previous.index, id: previous.track.id, title: previous.track.title, kind: previous.track.kind });
      s.history.length = Math.min(s.history.length, facts.history);
    }
    s.current = current;
    s.index = current.index;
    if (s.next && s.next.index !== current.index + 1) {
      discard(s.next);
      s.next = null;
    }
    release();
    // Each section's name as it comes, and where a reload would start again.
    const loopBars = current.pieces.music.lofi.loopBars;
    for (let pass = 0; pass * loopBars < current.track.bars; pass++) {
      for (const x of current.pieces.music.lofi.sections || []) {
        const tick = current.start + (pass * loopBars + x.bar) * current.bar;
        if (tick <= Math.round(transport.ticks)) continue;
        at(tick, () => {
          s.section = x.name;
          s.bar = pass * loopBars + x.bar;
          notify();
        });
      }
    }
    const here = sectionAt(current, Math.max(Math.round(transport.ticks), current.start));
    s.section = here ? here.name : null;
    const now = Math.max(Math.round(transport.ticks), current.start);
    s.bar = here ? Math.floor((now - current.start) / (loopBars * current.bar)) * loopBars + here.bar : 0;
    // A bar before the end, the next track is put in at the end; at the end the station turns.
    at(Math.max(current.end - current.bar, Math.round(transport.ticks)), () => {
      if (!s.next || s.next.index !== current.index + 1) {
        s.late = true; // it goes in when it is ready (prepareNext), looping this one meanwhile
        return;
      }
      const next = install(s.next, current.end, { kind: current.track.transition });
      s.next = null;
      at(current.end, () => turn(next));
    });
    notify();
    prepareNext();
  }

  /** The section of `current` playing at Transport tick `tick` (lofi.sections' entry), or null. */
  function sectionAt(current, tick) {
    const sections = current.pieces.music.lofi.sections || [];
    const loop = current.pieces.music.lofi.loopBars * current.bar;
    const rel = (((tick - current.start) % loop) + loop) % loop;
    return sections.filter((x) => x.bar * current.bar <= rel).pop() || null;
  }

  async function prepareNext() {
    const index = s.current.index + 1;
    if (s.next && s.next.index === index) return;
    const token = s.token;
    try {
      const next = await prepare(index, token);
      if (!next || !s || s.token !== token || s.current.index + 1 !== index) {
        discard(next);
        return;
      }
      s.next = next;
      // How long before its change it was ready, on the audio clock (while playing; else not known yet).
      const now = engine.context.currentTime;
      next.readyAhead = transport.state === "started"
        ? +((s.current.end - transport.getTicksAtTime(now)) * secondsPerTick(transport.bpm.getValueAtTime(now), transport.PPQ)).toFixed(2)
        : null;
      lastError = null;
      notify();
      if (s.late) changeSoon(next, "crossfade");
    } catch (error) {
      lastError = `The next track could not be made (${error.message}); this one plays on.`;
      console.warn("lofi:", lastError);
      notify();
    }
  }

  /** Change to `prepared` at the next bar the transition has room for (skip, back, a late track). */
  function changeSoon(prepared, kind) {
    clearEvents();
    s.late = false;
    const live = transport.state === "started";
    let tick;
    if (!live) {
      tick = ceilBar(Math.round(transport.ticks), barTicks(transport));
      kind = null;
    } else {
      tick = nextBar(transport);
      const room = STOPS[kind] ? STOPS[kind].beats * ticksOf(s.current).beat : 0;
      if (tick - safeTicks(transport) < room) tick += barTicks(transport);
    }
    const next = install(prepared, tick, { kind });
    if (s.next === prepared) s.next = null;
    if (live) at(tick, () => turn(next));
    else turn(next);
    return next;
  }

  /** Forget the pieces no one will need soon: neither the recent history, nor the current or next track. */
  function release() {
    const keep = new Set([s.current.track.id, ...s.history.map((h) => h.id)]);
    if (s.next) keep.add(s.next.track.id);
    for (const id of [...pieces.keys()]) if (!keep.has(id)) pieces.delete(id);
  }

  /** How a skip to (or back to) track `index` sounds: the stops the site allows, in turn; else a crossfade. */
  function skipKind(index) {
    const kinds = facts.transitions.filter((k) => STOPS[k]);
    return kinds.length ? kinds[index % kinds.length] : "crossfade";
  }

  async function start({ seed, index = 0, bar = 0, play = true } = {}) {
    const n = seedOf(seed);
    index = whole(index, "The station's track number");
    bar = whole(bar, "The station's bar");
    if (!manifest.model && !manifest.songs.length) throw new Error("This site has neither a model nor songs for a station.");
    const before = s ? s.before : { drums: engine.slots.drums.id, track: engine.slots.music.id };
    if (s) stopStation({ restore: false });
    s = { seed: n, token: Math.random(), events: new Set(), history: [], changes: [], current: null, next: null,
          section: null, bar: 0, late: false, before, index };
    const token = s.token;
    const prepared = await prepare(index, token);
    if (!prepared || !s || s.token !== token) return state();
    const { bar: perBar } = ticksOf(prepared);
    const phase = Math.min(bar, prepared.track.bars - 1) * perBar;
    const live = transport.state === "started";
    const tick = live ? nextBar(transport) : ceilBar(Math.round(transport.ticks), barTicks(transport));
    const current = install(prepared, tick, { phase, kind: live ? "crossfade" : null });
    if (live) at(tick, () => turn(current));
    else turn(current);
    if (play && transport.state !== "started") await call("play");
    return state();
  }

  /** Leave station mode; the listener's own track and drums come back, but for what `except` (a choice the
   * listener is making) names; `restore: false` brings back nothing (a new station starts). */
  function stopStation({ restore = true, except = {} } = {}) {
    if (!s) return;
    clearEvents();
    discard(s.next);
    const before = s.before;
    s = null;
    pieces.clear();
    if (restore) {
      const choice = {};
      if (!("drums" in except)) choice.drums = before.drums && engine.find("drums", before.drums) ? before.drums : null;
      if (!("track" in except)) {
        const track = before.track && engine.find("music", before.track) ? before.track : (manifest.songs[0] || manifest.solos[0] || {}).id;
        if (track) choice.track = track;
      }
      engine.select(choice).catch((e) => console.warn("lofi:", e));
    }
    notify();
  }

  async function skip() {
    if (!s || !s.current) throw new Error("The station is off: start it first.");
    const token = s.token;
    const target = s.current.index + 1;
    const prepared = s.next && s.next.index === target ? s.next : await prepare(target, token);
    if (!prepared || !s || s.token !== token) return state();
    changeSoon(prepared, skipKind(target));
    return state();
  }

  async function back() {
    if (!s || !s.current) throw new Error("The station is off: start it first.");
    const token = s.token;
    const target = Math.max(0, s.current.index - 1);
    const prepared = await prepare(target, token);
    if (!prepared || !s || s.token !== token) return state();
    changeSoon(prepared, skipKind(target + 1));
    return state();
  }

  function sleep(minutes) {
    if (typeof minutes !== "number" || !(minutes >= 0 && minutes <= 720)) {
      throw new RangeError(`The sleep timer takes 0 (off) to 720 minutes, not ${minutes}.`);
    }
    if (sleeper) sleeper.cancel();
    sleeper = null;
    if (minutes > 0) {
      const timer = scheduleSleep(engine, minutes * 60, {
        fade: facts.sleepFade,
        onEnd: () => {
          call("pause");
          // The fader comes back up once the pause has silenced every layer.
          engine.context.setTimeout(() => { if (sleeper === timer) { timer.cancel(); sleeper = null; notify(); } }, 0.25);
        },
      });
      sleeper = Object.assign(timer, { endsAtMs: Date.now() + minutes * 60000 });
    }
    notify();
    return state();
  }

  async function piece(id) {
    const m = ID.exec(String(id));
    if (!m) return null;
    const track = (await program(Number(m[1]))).track(Number(m[2]));
    if (track.id !== id) throw new Error(`no station track '${id}' (this site makes another track there now)`);
    const made = await piecesOf(track, Number(m[1]), { keep: false });
    // One piece, as the worker wrote it: the drums back with the rest.
    const whole = made.drums ? { ...made.music, tracks: [...made.music.tracks, ...made.drums.tracks],
                                 lofi: { ...made.music.lofi, parts: [...made.music.lofi.parts, ...made.drums.lofi.parts] } } : made.music;
    return JSON.parse(JSON.stringify(whole));
  }

  function state() {
    if (!s) return null;
    const cur = s.current;
    const next = cur ? programs.get(s.seed).track(cur.index + 1) : null;
    return {
      seed: s.seed,
      index: s.index,
      track: cur ? { id: cur.track.id, title: cur.track.title, kind: cur.track.kind, key: cur.track.key, bpm: cur.track.bpm } : null,
      section: s.section,
      bar: s.bar,
      next: next ? { id: next.id, title: next.title, kind: next.kind, ready: !!(s.next && s.next.index === next.index),
                     readyAhead: s.next && s.next.index === next.index ? s.next.readyAhead : null } : null,
      sleepEndsAt: sleeper ? sleeper.endsAtMs : null,
      history: s.history.map((h) => ({ ...h })),
      changes: s.changes.map((c) => ({ ...c })),
      kept: pieces.size,
      error: lastError,
    };
  }

  // A Stop sends the Transport back to bar 1 and every layer to its top: the current track starts
  // again from there, so its events are set again from tick 0.
  transport.on("stop", () => {
    if (!s || !s.current) return;
    clearEvents();
    const cur = s.current;
    s.current = null;
    turn({ ...cur, start: 0, end: cur.end - cur.start });
  });

  return { plan, start, stop: (except) => stopStation({ except: except || {} }), skip, back, sleep, piece, state, piecesOf, program,
           seedOf, skipKind, addInsert: (layer, piece) => addInsert(layer, { filter: filtered(piece) }),
           get on() { return !!s; } };
}

