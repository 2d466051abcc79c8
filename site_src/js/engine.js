// The player's engine: the four layer slots (drums, ambience, quote, music) on one Transport,
// what happens when a choice changes (now when stopped, at the next bar boundary while
// playing), Play/Pause/Stop, and the state the API reports. It knows nothing of the page, so
// the same engine runs in the browser's AudioContext and inside Tone.Offline.
import { createChain, createCrackle, createReverb } from "./effects.js";
import { DrumKitVoice, DrumSynthVoice, ProbeVoice, SamplerVoice, SynthVoice } from "./instruments.js";
import { AmbienceLayer, NotesLayer, QuoteLayer } from "./layers.js";
import { Mixer } from "./mixer.js";
import { configureTransport } from "./playback.js";
import { NOW, SOON, pieceLoopTicks, samplePlan } from "./samples.js";
import { PPQ, barTicks, barTicksOf, ceilBar, hashString, nextBar, safeTicks, secondsPerTick, ticksToPosition, transportTimeToTicks } from "./transport.js";

export const SLOTS = ["drums", "ambience", "quote", "music"];
export const CHOICES = { drums: "drums", ambience: "ambience", quote: "quote", track: "music" };
export const SOLO_BPM = { min: 60, max: 100 };
const HUMANISE = { timing: 0.006, velocity: 0.08 };

const LABELS = { drums: "drums", ambience: "ambience", quote: "quote", music: "music" };

class Slot {
  constructor(name) {
    this.name = name;
    this.id = null;
    this.entry = null;
    this.layer = null;
    this.status = "off"; // off | loading | ready | error
    this.error = null;
    this.progress = { done: 0, total: 0, failed: 0 };
    this.token = 0;
    this.ready = Promise.resolve();
    this.retiring = []; // {layer, eventId}: layers on their way out after a live change
    this.pending = []; // Transport event ids of a change not yet reached
  }
}

export class Engine {
  /**
   * `context`: a Tone context (the page's, or Tone.Offline's). `loader`: the page's Loader.
   * `probe`: notes play as clicks and chains are bypassed (timing tests). `eager`: load every
   * sample before a layer counts as ready (offline rendering), not just its first bar.
   * `humanise`: AI solos get their gentle timing and velocity nudges (on for listeners).
   * `awake`: false defers every download until wake() (or a select or play that wakes it).
   */
  constructor({ manifest, context, loader, probe = false, eager = false, humanise = true, awake = true, volumes, soloBpm, onChange = () => {}, onNote = () => {} }) {
    this.manifest = manifest;
    this.context = context;
    this.transport = context.transport;
    this.transport.PPQ = PPQ;
    this.loader = loader;
    this.probe = probe;
    this.eager = eager;
    this.humanise = humanise;
    // Asleep, choices are taken but nothing downloads until wake(): see main.js (live reload).
    this.awake = awake;
    this._awake = awake ? Promise.resolve() : new Promise((resolve) => (this._wakeUp = resolve));
    this.onChange = onChange;
    this.onNote = onNote;
    this.slots = Object.fromEntries(SLOTS.map((s) => [s, new Slot(s)]));
    this.instruments = Object.fromEntries(manifest.instruments.map((i) => [i.id, i]));
    this.soloBpm = clampBpm(soloBpm ?? manifest.site.bpm);
    this.mixer = new Mixer(context, volumes, { probe });
    this.startup = { playAt: null, startAt: null, firstNoteAt: null };
  }

  async init() {
    const ctx = this.context;
    this.reverb = this.probe ? null : await createReverb(ctx, this.mixer.master);
    this.chains = {};
    for (const family of SLOTS) {
      this.chains[family] = createChain(family, { context: ctx, reverb: this.reverb && this.reverb.input, probe: this.probe });
      this.chains[family].output.connect(this.mixer.input(family));
    }
    this.crackle = this.probe ? null : createCrackle(ctx, this.mixer.input("music"));
    configureTransport(this.transport, { bpm: this.manifest.site.bpm, timeSignature: [4, 4] });
    this.transport.on("start", (time, offset) => this._onTransport("start", time, offset));
    this.transport.on("pause", (time) => this._onTransport("pause", time));
    this.transport.on("stop", (time) => this._onTransport("stop", time));
    return this;
  }

  // -- choices -----------------------------------------------------------------------------

  entryFor(slot, id) {
    const m = this.manifest;
    const list = { drums: m.drums, ambience: m.ambience, quote: m.quotes, music: [...m.songs, ...m.solos] }[slot];
    return list.find((e) => e.id === id) || null;
  }

  isSolo(entry) {
    return !!entry && this.manifest.solos.includes(entry);
  }

  /** Apply `{drums, ambience, quote, track}` (manifest ids or null); resolves once loaded and
   * scheduled. Unknown ids reject before anything changes. */
  async select(choice = {}, { wake = true } = {}) {
    if (wake) this.wake();
    const changes = [];
    for (const [key, id] of Object.entries(choice)) {
      const slot = CHOICES[key];
      if (!slot) throw new Error(`unknown layer '${key}' (one of: ${Object.keys(CHOICES).join(", ")})`);
      if (id !== null && id !== undefined && id !== "" && !this.entryFor(slot, id)) throw new Error(`no ${key} called '${id}'`);
      changes.push([slot, id || null]);
    }
    // Ambience and quotes wait for the first sound before they download (page weight), so
    // until then a selection of them resolves once queued, not once loaded.
    const deferred = (slot) => !this.awake || ((slot === "ambience" || slot === "quote") && !this.loader.gateOpen && !this.eager);
    await Promise.all(changes.map(([slot, id]) => {
      const loaded = this._change(slot, id);
      return deferred(slot) ? null : loaded;
    }));
    return this.state();
  }

  _change(name, id) {
    const slot = this.slots[name];
    if (slot.id === id && slot.status !== "error") return slot.ready;
    const token = ++slot.token;
    slot.id = id;
    slot.entry = id ? this.entryFor(name, id) : null;
    slot.error = null;
    slot.progress = { done: 0, total: 0, failed: 0 };
    slot.status = id ? "loading" : "off";
    this.onChange();
    slot.ready = (async () => {
      await this._awake;
      if (token !== slot.token) return;
      let layer = null;
      try {
        if (id) layer = await this._build(name, slot, token);
      } catch (error) {
        if (token !== slot.token) return;
        slot.status = "error";
        slot.error = friendly(name, slot.entry, error);
        layer = null;
      }
      if (token !== slot.token) {
        if (layer) layer.dispose();
        return;
      }
      this._install(slot, layer);
      if (slot.status === "loading") slot.status = "ready";
      this.onChange();
    })();
    return slot.ready;
  }

  /** Where a layer that is being built now will come in. */
  _entryTick() {
    if (this.transport.state === "started") return nextBar(this.transport);
    return ceilBar(Math.round(this.transport.ticks), barTicks(this.transport));
  }

  async _build(name, slot, token) {
    const entry = slot.entry;
    if (name === "drums" || name === "music") return this._buildNotes(name, slot, token);
    const priority = this.eager ? NOW : SOON;
    slot.progress.total = 1;
    const buffer = await this._track(slot, token, this.loader.buffer(entry.url, priority));
    if (buffer === undefined) throw this._lastError;
    const destination = this.chains[name].input;
    if (name === "ambience") {
      const period = this._loopTicks("ambience");
      return new AmbienceLayer({ context: this.context, entry, buffer, periodTicks: period, destination });
    }
    return new QuoteLayer({ context: this.context, entry, buffer, startTick: this.quoteStartTicks(), destination, duck: this.mixer.duck });
  }

  /** Count a file towards the slot's progress; undefined (and `_lastError`) when it failed. */
  async _track(slot, token, promise) {
    try {
      const value = await promise;
      if (token === slot.token) slot.progress.done++;
      return value;
    } catch (error) {
      if (token === slot.token) slot.progress.failed++;
      this._lastError = error;
      return undefined;
    } finally {
      if (token === slot.token) this.onChange();
    }
  }

  _loopTicks(kind, piece) {
    const loops = this.manifest.site.loops;
    const perBar = piece ? barTicksOf(piece.lofi.timeSignature) : barTicks(this.transport);
    if (kind === "drums") return loops.drums * perBar;
    if (kind === "ambience") return loops.ambience * perBar;
    if (kind === "solo") return ((piece && piece.lofi.live && piece.lofi.loopBars) || loops.solos) * perBar; // live solos: their own length
    return pieceLoopTicks(piece); // songs play their own loop_bars
  }

  quoteStartTicks() {
    return transportTimeToTicks(this.manifest.site.quoteStart, [Math.round(this.transport.timeSignature), 4]);
  }

  async _buildNotes(name, slot, token) {
    const entry = slot.entry;
    const piece = await this.loader.json(entry.url);
    if (token !== slot.token) return null;
    const solo = name === "music" && this.isSolo(entry);
    const loopTicks = this._loopTicks(name === "drums" ? "drums" : solo ? "solo" : "song", piece);
    // Drums keep the Transport's phase; a new song or solo starts from its own beginning.
    const at = this._entryTick();
    const fromTick = name === "drums" ? at : 0;
    const plan = samplePlan(piece, this.instruments, { loopTicks, fromTick });
    const gate = this.eager ? Infinity : barTicksOf(piece.lofi.timeSignature);
    const family = name === "drums" ? "drums" : "music";
    const destination = this.chains[family].input;
    const voices = new Map();
    const waits = [];
    const presets = Object.fromEntries(piece.lofi.parts.map((p) => [p.name, p.instrument]));
    const failedInstruments = [];
    for (const preset of new Set(Object.values(presets))) {
      const inst = this.instruments[preset];
      const percussion = piece.tracks.some((t) => presets[t.name] === preset && t.channel === 9);
      if (this.probe) {
        voices.set(preset, new ProbeVoice({ context: this.context, destination }));
        continue;
      }
      if (!inst) {
        voices.set(preset, this._standIn(preset, percussion, destination));
        continue;
      }
      const voice = inst.percussion
        ? new DrumKitVoice({ context: this.context, destination })
        : new SamplerVoice({ context: this.context, destination, release: inst.release });
      voices.set(preset, voice);
      const files = [...(plan.get(preset) || new Map()).values()].sort((a, b) => a.first - b.first);
      slot.progress.total += files.length;
      const now = [];
      for (const f of files) {
        const urgent = f.first < gate;
        const p = this._track(slot, token, this.loader.buffer(f.url, urgent ? NOW : SOON)).then((buffer) => {
          if (buffer !== undefined && token === slot.token) voice.add(f.midi, buffer);
          return buffer !== undefined;
        });
        if (urgent) now.push(p);
      }
      waits.push(Promise.all(now).then((oks) => {
        if (files.length && !voice.ready && (oks.length === 0 || oks.every((ok) => !ok))) failedInstruments.push([preset, percussion, inst]);
      }));
    }
    await Promise.all(waits);
    if (token !== slot.token) {
      voices.forEach((v) => v.dispose());
      return null;
    }
    for (const [preset, percussion, inst] of failedInstruments) {
      voices.get(preset).dispose();
      voices.set(preset, this._standIn(preset, percussion, destination));
      slot.status = "error";
      slot.error = `Couldn't load the ${inst.title.toLowerCase()} samples (${this._lastError ? this._lastError.message : "network error"}); a simple synth stands in. Everything else keeps playing.`;
    }
    const voiceForTrack = (track) => {
      const preset = presets[track.name];
      return { play: (ev, time, duration) => { const v = voices.get(preset); if (v) v.play(ev, time, duration); } };
    };
    const lofi = piece.lofi;
    const layer = new NotesLayer({
      piece, context: this.context, loopTicks, voices, voiceForTrack,
      swing: lofi.swing || 0,
      humanise: solo && this.humanise ? { seed: entry.seed ?? hashString(entry.id), ...HUMANISE } : null,
      latency: this.chains[family].latency,
      onNote: (ev, time, duration) => {
        if (this.startup.firstNoteAt === null && this.startup.playAt !== null) this._firstNote(time);
        this.onNote({ ...ev, family, layer: name }, time, duration);
      },
    });
    layer.kind = name === "drums" ? "drums" : solo ? "solo" : "song";
    layer.bpm = solo ? this.soloBpm : lofi.bpm;
    layer.timeSignature = lofi.timeSignature;
    return layer;
  }

  _standIn(preset, percussion, destination) {
    return percussion
      ? new DrumSynthVoice({ context: this.context, destination })
      : new SynthVoice({ context: this.context, destination, preset });
  }

  /** Put a built layer (or nothing) in its slot: at once when stopped or paused, at the next
   * bar boundary while playing. */
  _install(slot, layer) {
    const transport = this.transport;
    const playing = transport.state === "started";
    const old = slot.layer;
    const at = this._entryTick();
    const name = slot.name;
    slot.layer = layer;
    if (layer) layer.startTick = at;
    if (name === "drums" || name === "music") {
      if (layer) layer.start(at, name === "drums" ? at : 0);
      if (name === "music" && layer) {
        if (playing) {
          slot.pending.push(transport.scheduleOnce((time) => configureTransport(transport, layer, time), `${at}i`));
        } else {
          configureTransport(transport, layer);
        }
      }
      if (old) {
        if (playing) {
          old.stop(at);
          this._retire(slot, old, at);
        } else {
          old.dispose();
        }
      }
      return;
    }
    // Ambience and quote: crossfade at the bar while playing.
    if (!playing) {
      if (old) old.dispose();
      if (layer && name === "ambience") layer.install(Math.round(transport.ticks));
      if (layer && name === "quote") layer.install(this.quoteStartTicks());
      return;
    }
    const quoteStart = this.quoteStartTicks();
    // A quote chosen after its bar has passed speaks once, from the next bar.
    if (layer && name === "quote") layer.install(at > quoteStart ? at : quoteStart);
    if (layer && name === "ambience") layer.install(at, { live: true });
    slot.pending.push(transport.scheduleOnce((time) => {
      if (old) old.retire(time);
      if (layer && name === "ambience") layer.enter(time, at);
    }, `${at}i`));
    if (old) this._retire(slot, old, at);
  }

  /** Dispose of a replaced layer once its last notes have rung out. */
  _retire(slot, layer, at) {
    const entry = { layer };
    entry.eventId = this.transport.scheduleOnce(() => {
      // Off the audio clock's callback: voices may still be releasing, so wait a little more.
      this.context.setTimeout(() => this._dispose(slot, entry), 0.01);
    }, `${at + 2 * barTicks(this.transport)}i`);
    slot.retiring.push(entry);
  }

  _dispose(slot, entry) {
    const i = slot.retiring.indexOf(entry);
    if (i < 0) return;
    slot.retiring.splice(i, 1);
    this.transport.clear(entry.eventId);
    entry.layer.dispose();
  }

  // -- transport ---------------------------------------------------------------------------

  _onTransport(what, time, offset = 0) {
    if (what === "start") {
      // Tone hands over where it starts as seconds at the current tempo; back to ticks. (Asking
      // the TickSource for the ticks at `time` can fail right after a first start.)
      const ticks = Math.round(offset / secondsPerTick(this.transport.bpm.value));
      if (this.crackle) this.crackle.start(time);
      for (const name of ["ambience", "quote"]) {
        const layer = this.slots[name].layer;
        if (layer) layer.onStart(time, ticks);
      }
      return;
    }
    if (this.crackle) this.crackle.stop(time);
    for (const slot of Object.values(this.slots)) {
      for (const layer of [slot.layer, ...slot.retiring.map((r) => r.layer)]) {
        if (!layer) continue;
        if (layer.releaseAll) layer.releaseAll(time);
        if (layer.onStop) layer.onStop(time);
      }
    }
    this.mixer.duck.release(time);
  }

  /** Start (or resume) once the first bar's samples of the music and drums are in. */
  wake() {
    if (this.awake) return;
    this.awake = true;
    this._wakeUp();
  }

  async play() {
    this.wake();
    this.wantPlay = true;
    if (this.transport.state === "started") return;
    this.startup.playAt = performance.now();
    this.startup.firstNoteAt = null;
    await Promise.all([this.slots.music.ready, this.slots.drums.ready]);
    if (!this.wantPlay || this.transport.state === "started") return;
    this.transport.start();
    this.startup.startAt = performance.now();
    // Should the music begin with a rest, the rest of the downloads still go after a while.
    this._gateTimer = setTimeout(() => this.loader.open(), 1500);
    this.onChange();
  }

  /** The first note is scheduled for audio time `time`: note when it sounds and, once it has,
   * let the deferred downloads (ambience, quote, the rest of the samples) begin. */
  _firstNote(time) {
    const ahead = Math.max(0, time - this.context.currentTime);
    this.startup.firstNoteAt = performance.now() + ahead * 1000;
    clearTimeout(this._gateTimer);
    // A timer only decides when downloads start; nothing audible hangs on it.
    setTimeout(() => this.loader.open(), ahead * 1000 + 10);
  }

  pause() {
    this.wantPlay = false;
    if (this.transport.state === "started") this.transport.pause();
    this.onChange();
  }

  /** Back to the top: pending changes take effect now and every layer starts again at 0. */
  stop() {
    this.wantPlay = false;
    this.transport.stop();
    for (const slot of Object.values(this.slots)) {
      for (const id of slot.pending) this.transport.clear(id);
      slot.pending = [];
      for (const entry of [...slot.retiring]) this._dispose(slot, entry);
      const layer = slot.layer;
      if (!layer) continue;
      if (slot.name === "drums" || slot.name === "music") layer.restart(0, 0);
      else if (slot.name === "ambience") { layer.retire(this.context.currentTime, 0.05); layer.install(0); }
      else layer.install(this.quoteStartTicks());
      if (slot.name !== "quote") layer.startTick = 0;
      if (slot.name === "music") configureTransport(this.transport, layer);
    }
    this.onChange();
  }

  setVolume(layer, db) {
    const value = this.mixer.setVolume(layer, db);
    this.onChange();
    return value;
  }

  /** The tempo for AI solos (60-100 bpm); songs keep their own. */
  setSoloBpm(bpm) {
    this.soloBpm = clampBpm(bpm);
    const layer = this.slots.music.layer;
    if (layer && layer.kind === "solo") {
      layer.bpm = this.soloBpm;
      this.transport.bpm.rampTo(this.soloBpm, 0.05);
    }
    this.onChange();
    return this.soloBpm;
  }

  // -- reading back --------------------------------------------------------------------------

  state() {
    const t = this.transport;
    const perBar = barTicks(t);
    const bars = (layer) => (layer ? +(layer.loopTicks / perBar).toFixed(4) : null);
    const music = this.slots.music.layer;
    const quote = this.slots.quote.layer;
    const layers = {};
    for (const [name, slot] of Object.entries(this.slots)) {
      layers[name] = {
        id: slot.id,
        status: slot.status,
        error: slot.error,
        progress: { ...slot.progress },
        startsAt: slot.layer && slot.layer.startTick !== undefined ? ticksToPosition(slot.layer.startTick, perBar) : null,
        startTick: slot.layer && slot.layer.startTick !== undefined ? slot.layer.startTick : null,
        loopBars: bars(slot.layer),
        sounding: sounding(slot, t),
      };
    }
    const ticks = Math.round(t.ticks);
    return {
      selected: {
        drums: this.slots.drums.id, ambience: this.slots.ambience.id, quote: this.slots.quote.id, track: this.slots.music.id,
      },
      track: music ? { id: this.slots.music.id, kind: music.kind, title: this.slots.music.entry.title } : null,
      bpm: +t.bpm.value.toFixed(3),
      soloBpm: this.soloBpm,
      timeSignature: Math.round(t.timeSignature),
      transport: { state: t.state, position: ticksToPosition(ticks, perBar), ticks, seconds: +t.seconds.toFixed(4), bar: Math.floor(ticks / perBar), ppq: t.PPQ },
      loops: {
        drums: bars(this.slots.drums.layer),
        ambience: bars(this.slots.ambience.layer),
        solo: music && music.kind === "solo" ? bars(music) : null,
        song: music && music.kind === "song" ? bars(music) : null,
      },
      quoteStart: quote ? ticksToPosition(quote.startTick, perBar) : null,
      quoteSpeaking: !!(quote && quote.speaking),
      layers,
      volumes: { ...this.mixer.values },
      duckDb: this.mixer.duckDb(),
      samples: {
        loaded: [...this.loader.loaded.keys()],
        failed: [...this.loader.failed.keys()],
        errors: Object.fromEntries(this.loader.failed),
        pending: this.loader.pending(),
        bytes: [...this.loader.loaded.values()].reduce((a, b) => a + b, 0),
      },
      startup: { ...this.startup },
    };
  }

  /** Ticks from which playing would continue (the bar after now when running). */
  get safeTicks() {
    return safeTicks(this.transport);
  }

  dispose() {
    for (const slot of Object.values(this.slots)) {
      if (slot.layer) slot.layer.dispose();
      for (const r of slot.retiring) r.layer.dispose();
    }
    for (const c of Object.values(this.chains || {})) c.dispose();
    if (this.crackle) this.crackle.dispose();
    if (this.reverb) this.reverb.dispose();
    this.mixer.dispose();
  }
}

export function clampBpm(bpm) {
  const n = Number(bpm);
  if (!Number.isFinite(n)) throw new Error(`tempo must be a number, not ${bpm}`);
  return Math.min(SOLO_BPM.max, Math.max(SOLO_BPM.min, Math.round(n)));
}

/** Whether a slot's layer is making sound now (ambience and quote: their source is playing). */
function sounding(slot, transport) {
  const layer = slot.layer;
  if (!layer || transport.state !== "started") return false;
  if (slot.name === "ambience") return layer.playing;
  if (slot.name === "quote") return layer.speaking;
  return Math.round(transport.ticks) >= layer.startTick;
}

function friendly(name, entry, error) {
  const what = entry ? `“${entry.title}”` : `the ${LABELS[name]}`;
  return `Couldn't load ${what} (${error && error.message ? error.message : "network error"}). Everything else keeps playing.`;
}
