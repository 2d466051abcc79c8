// The player's engine: four slots of layers on one Transport, live changes at bar lines, Play/Pause/Stop and its state.
//
// The player's engine: four slots (drums, ambience, quote, music) each holding a layer on one
// Transport, what happens when a choice changes (now when stopped, at the next bar boundary
// while playing, the outgoing layer fading out from that bar), Play/Pause/Stop, and the state
// the API reports. It knows nothing of the page, so the same engine runs in the browser's
// AudioContext and in an offline render. Slots and layer kinds are tables, not branches.
import { AmbienceLayer } from "../layers/ambience-layer.js";
import { createChain, createCrackle, createReverb } from "./effects.js";
import { PAUSE_FADE } from "../layers/layers.js";
import { Mixer } from "./mixer.js";
import { PieceLayer } from "../layers/piece-layer.js";
import { pieceSwing } from "../layers/pieces.js";
import { configureTransport } from "../layers/playback.js";
import { QuoteLayer } from "../layers/quote-layer.js";
import { barTicks, ceilBar, hashString, nextBar, secondsPerTick, ticksToPosition } from "./transport.js";

/** The slots: the choice key the API takes, the manifest sections it chooses from, the
 * effect family it plays through, whether it downloads only after the first sound, and
 * whether its layer sets the Transport's tempo and meter. */
export const SLOTS = {
  drums: { choice: "drums", sections: ["drums"], family: "drums" },
  ambience: { choice: "ambience", sections: ["ambience"], family: "ambience", afterFirstSound: true },
  quote: { choice: "quote", sections: ["quotes"], family: "quote", afterFirstSound: true },
  music: { choice: "track", sections: ["songs", "solos"], family: "music", setsTempo: true },
};
export const CHOICES = Object.fromEntries(Object.entries(SLOTS).map(([slot, s]) => [s.choice, slot]));

/** What each manifest section becomes: a layer class and how that layer behaves. `loop`: the
 * site.loops key it loops over (else the piece's own loop); `keepsPhase`: it joins the
 * Transport's phase rather than starting from its top; `groove`: its swing is the groove's;
 * `swingFromGroove`: it plays with the groove's swing (AI solos are written straight);
 * `siteTempo`: the adjustable solo tempo; `humanise`: gentle timing and velocity nudges;
 * `speaks`: the quote the state reports on. */
const KINDS = {
  songs: { Layer: PieceLayer, kind: "song" },
  solos: { Layer: PieceLayer, kind: "solo", loop: "solos", swingFromGroove: true, siteTempo: true, humanise: true },
  drums: { Layer: PieceLayer, kind: "drums", loop: "drums", keepsPhase: true, groove: true },
  ambience: { Layer: AmbienceLayer, kind: "ambience", loop: "ambience" },
  quotes: { Layer: QuoteLayer, kind: "quote", speaks: true },
};

const HUMANISE = { timing: 0.006, velocity: 0.08 };

class Slot {
  constructor(name, spec) {
    this.name = name;
    this.spec = spec;
    this.id = null;
    this.entry = null;
    this.kind = null;
    this.layer = null;
    this.status = "off"; // off | loading | ready | error
    this.error = null;
    this.progress = { done: 0, total: 0, failed: 0 };
    this.token = 0;
    this.ready = Promise.resolve();
    this.retiring = new Set(); // layers fading out after a live change
    this.tempoEvent = null; // a tempo change waiting for its bar
    this.keepPhase = false; // a hot swap: the new layer starts where the old one is
    this.nameEvent = null; // {id, apply}: renamed at a bar (station/slots.js)
  }
}

export class Engine {
  /**
   * `context`: a Tone context (the page's, or an offline render's). `loader`: the page's Loader.
   * `probe`: notes play as clicks and chains are bypassed (timing tests). `eager`: load every
   * sample before a layer counts as ready (offline rendering), not just its first bar.
   * `humanise`: AI solos get their gentle timing and velocity nudges (on for listeners).
   * `awake`: false defers every download until wake() (or a select or play that wakes it).
   * `reverb`: false leaves the shared reverb out (measuring the layers dry).
   * `origin`: seconds of audio before the context's time 0 (an export's later segment: effects.js).
   */
  constructor({ manifest, context, loader, probe = false, eager = false, humanise = true, awake = true, reverb = true, origin = 0, volumes, soloBpm, onChange = () => {}, onNote = () => {} }) {
    this.manifest = manifest;
    this.context = context;
    this.transport = context.transport;
    this.transport.PPQ = manifest.facts.ppq;
    this.loader = loader;
    this.probe = probe;
    this.eager = eager;
    this.humanise = humanise;
    this.wet = reverb && !probe;
    this.origin = origin;
    // Asleep, choices are taken but nothing downloads until wake(): see main.js (live reload).
    this.awake = awake;
    this._awake = awake ? Promise.resolve() : new Promise((resolve) => (this._wakeUp = resolve));
    this.onChange = onChange;
    this.onNote = onNote;
    this.slots = Object.fromEntries(Object.entries(SLOTS).map(([name, spec]) => [name, new Slot(name, spec)]));
    this.instruments = Object.fromEntries(manifest.instruments.map((i) => [i.id, i]));
    this.soloBpm = clampBpm(soloBpm ?? manifest.site.bpm, manifest.facts.limits.bpm);
    this.mixer = new Mixer(context, volumes, { probe });
    this.startup = { playAt: null, startAt: null, firstNoteAt: null };
  }

  async init() {
    const ctx = this.context;
    // The shared tails (reverb return, crackle bed) have a gate of their own, so that Pause
    // silences them as fast as the layers.
    this.tails = new window.Tone.Gain({ context: ctx, gain: 1 });
    this.tails.connect(this.mixer.fader);
    this.reverb = this.wet ? await createReverb(ctx, this.tails) : null;
    this.chains = {};
    for (const spec of Object.values(SLOTS)) {
      const chain = createChain(spec.family, { context: ctx, reverb: this.reverb && this.reverb.input, probe: this.probe, origin: this.origin });
      chain.output.connect(this.mixer.input(spec.family));
      this.chains[spec.family] = chain;
    }
    if (!this.probe) {
      this.bed = new window.Tone.Gain({ context: ctx, gain: 1 }).connect(this.mixer.input("music"));
      this.crackle = createCrackle(ctx, this.bed);
    }
    configureTransport(this.transport, { bpm: this.manifest.site.bpm, timeSignature: [4, 4] });
    this.transport.on("start", (time, offset) => this._onStart(time, offset));
    this.transport.on("pause", (time) => this._onStop(time));
    this.transport.on("stop", (time) => this._onStop(time));
    return this;
  }

  // -- choices -----------------------------------------------------------------------------

  /** The manifest entry `id` names in a slot's sections, with the section's kind. */
  find(slot, id) {
    for (const section of SLOTS[slot].sections) {
      const entry = this.manifest[section].find((e) => e.id === id);
      if (entry) return { entry, spec: KINDS[section] };
    }
    return null;
  }

  /** Apply `{drums, ambience, quote, track}` (manifest ids or null); resolves once loaded and
   * scheduled. Unknown ids reject before anything changes. */
  async select(choice = {}, { wake = true } = {}) {
    if (wake) this.wake();
    const changes = [];
    for (const [key, id] of Object.entries(choice)) {
      const slot = CHOICES[key];
      if (!slot) throw new Error(`unknown layer '${key}' (one of: ${Object.keys(CHOICES).join(", ")})`);
      if (id !== null && id !== undefined && id !== "" && !this.find(slot, id)) throw new Error(`no ${key} called '${id}'`);
      changes.push(this.slots[slot]);
      changes[changes.length - 1].wanted = id || null;
    }
    // Ambience and quotes wait for the first sound before they download (page weight), so
    // until then a selection of them resolves once queued, not once loaded.
    const deferred = (slot) => !this.awake || (slot.spec.afterFirstSound && !this.loader.gateOpen && !this.eager);
    await Promise.all(changes.map((slot) => {
      const loaded = this._change(slot, slot.wanted);
      return deferred(slot) ? null : loaded;
    }));
    return this.state();
  }

  _change(slot, id, { force = false } = {}) {
    if (slot.id === id && slot.status !== "error" && !force && !slot.nameEvent) return slot.ready;
    this._unname(slot);
    const token = ++slot.token;
    const found = id ? this.find(slot.name, id) : null;
    slot.id = id;
    slot.entry = found ? found.entry : null;
    slot.kind = found ? found.spec : null;
    slot.error = null;
    slot.progress = { done: 0, total: 0, failed: 0 };
    slot.status = id ? "loading" : "off";
    this.onChange();
    slot.ready = (async () => {
      await this._awake;
      if (token !== slot.token) return;
      let layer = null;
      try {
        if (found) layer = await found.spec.Layer.build(found.entry, found.spec, this._env(slot, token));
      } catch (error) {
        if (token !== slot.token) return;
        slot.status = "error";
        slot.error = friendly(slot.name, slot.entry, error);
        layer = null;
      }
      if (token !== slot.token) {
        if (layer) layer.dispose();
        return;
      }
      if (layer && layer.failed && layer.failed.length) {
        slot.status = "error";
        slot.error = `Couldn't load the ${layer.failed.join(", ").toLowerCase()} samples (${this._lastError ? this._lastError.message : "network error"}); a simple synth stands in. Everything else keeps playing.`;
      }
      this._install(slot, layer);
      if (slot.status === "loading") slot.status = "ready";
      this.onChange();
    })();
    return slot.ready;
  }

  /** What a layer kind's build() gets: where to play, what to load with, how to report. */
  _env(slot, token) {
    const live = () => token === slot.token;
    const chain = this.chains[slot.spec.family];
    return {
      context: this.context,
      loader: this.loader,
      piece: (entry) => this.loader.json(entry.url),
      instruments: this.instruments,
      loops: this.manifest.site.loops,
      swing: this.manifest.facts.swing,
      quoteStartTicks: this.manifest.site.quoteStartTicks,
      probe: this.probe,
      eager: this.eager,
      destination: chain.input,
      latency: chain.latency + this.mixer.latency,
      duck: this.mixer.duck,
      humanise: this.humanise ? HUMANISE : null,
      hash: hashString,
      live,
      entryTick: () => this._entryTick(),
      soloBpm: () => this.soloBpm,
      groove: () => this.groove(),
      count: (n) => {
        if (live()) slot.progress.total += n;
      },
      track: (promise) => this._track(slot, token, promise),
      lastError: () => this._lastError,
      onNote: (ev, time, duration) => {
        if (this.startup.firstNoteAt === null && this.startup.playAt !== null) this._firstNote(time);
        this.onNote({ ...ev, family: slot.spec.family, layer: slot.name }, time, duration);
      },
    };
  }

  /** The swing of the groove playing now ({amount, subdivision}), or null without one. */
  groove() {
    for (const slot of Object.values(this.slots)) {
      if (slot.layer && slot.layer.spec.groove) return pieceSwing(slot.layer.piece, this.manifest.facts.swing);
    }
    return null;
  }

  /** Where a layer that is being built now will come in. */
  _entryTick() {
    if (this.transport.state === "started") return nextBar(this.transport);
    return ceilBar(Math.round(this.transport.ticks), barTicks(this.transport));
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

  /** Put a built layer (or nothing) in its slot: at once when stopped or paused, at the next
   * bar boundary while playing (or tick `at`), where the outgoing layer starts its fade. */
  _install(slot, layer, { at = this._entryTick(), phase, fade } = {}) {
    const transport = this.transport;
    const live = transport.state === "started";
    const old = slot.layer;
    slot.layer = layer;
    if (phase === undefined && slot.keepPhase && old && old.parts) phase = old.parts.phaseTicks + at - old.startTick;
    slot.keepPhase = false;
    if (layer) layer.install(at, { live, phase });
    if (slot.spec.setsTempo && layer) this._tempo(slot, layer, live ? at : null);
    if (old) {
      slot.retiring.add(old);
      old.retire(at, { live, fade, onGone: () => slot.retiring.delete(old) });
    }
  }

  /** Drop a slot's renaming at a bar (station/slots.js); `apply`: rename now. */
  _unname(slot, apply = false) {
    const pending = slot.nameEvent;
    slot.nameEvent = null;
    if (!pending) return;
    this.transport.clear(pending.id);
    if (apply) pending.apply();
  }

  /** The tempo-setting slot's layer sets the Transport's tempo and meter, at its bar. */
  _tempo(slot, layer, at) {
    if (slot.tempoEvent !== null) this.transport.clear(slot.tempoEvent);
    slot.tempoEvent = null;
    if (at === null) {
      configureTransport(this.transport, layer);
      return;
    }
    slot.tempoEvent = this.transport.scheduleOnce((time) => {
      slot.tempoEvent = null;
      configureTransport(this.transport, layer, time);
    }, `${at}i`);
  }

  /** Replace the piece a manifest id names (a song, groove or solo, e.g. an edited score under
   * `lofi-build serve`): playing, it comes in at the next bar as a clean change. Resolves to
   * {ticks} (where it takes effect) or {ticks: null} when that piece is not playing. */
  async replacePiece(id, piece) {
    const pieces = Object.keys(KINDS).filter((section) => KINDS[section].Layer === PieceLayer);
    const entry = pieces.map((section) => this.manifest[section].find((e) => e.id === id)).find(Boolean);
    if (!entry) throw new Error(`no song, drum groove or solo called '${id}'`);
    if (!piece || !piece.header || !Array.isArray(piece.tracks) || !piece.lofi) throw new Error("a piece must be Tone.js JSON with header, tracks and lofi");
    // Every engine of the page (offline renders too) reads pieces through the one loader.
    this.loader.put(entry.url, piece);
    entry.title = piece.header.name;
    const slot = Object.values(this.slots).find((s) => s.entry === entry);
    if (!slot) {
      this.onChange();
      return { ticks: null };
    }
    const playing = this.transport.state === "started";
    slot.keepPhase = true; // an edited song goes on from where the old version is at that bar
    const ready = this._change(slot, id, { force: true });
    if (!this.awake) return { ticks: null }; // asleep (under serve, before a gesture): it loads on wake()
    await ready;
    return { ticks: playing && slot.layer && slot.entry === entry ? slot.layer.startTick : null };
  }

  // -- transport ---------------------------------------------------------------------------

  _layers() {
    const out = [];
    for (const slot of Object.values(this.slots)) {
      if (slot.layer) out.push(slot.layer);
      out.push(...slot.retiring);
    }
    return out;
  }

  _onStart(time, offset = 0) {
    // Tone hands over where it starts as seconds at the current tempo; back to ticks. (Asking
    // the TickSource for the ticks at `time` can fail right after a first start.)
    const ticks = Math.round(offset / secondsPerTick(this.transport.bpm.value, this.transport.PPQ));
    if (this._hushed) {
      this._hushed = false;
      this._gate(this.tails, 1, time);
      if (this.bed) this._gate(this.bed, 1, time);
    }
    if (this.crackle) this.crackle.start(time, offset);
    for (const layer of this._layers()) {
      layer.unhush(time);
      layer.onStart(time, ticks);
    }
  }

  _onStop(time) {
    // Anything a Part handed over before the Transport stopped is cut too.
    for (const layer of this._layers()) layer.silence(time);
    if (this.crackle) this.crackle.stop(time);
    this.mixer.duck.release(time);
  }

  /** Silence now (the call's audio time, not the Transport's look-ahead): every layer's gain
   * and the shared tails ramp down over PAUSE_FADE. */
  _hush() {
    const now = this.context.currentTime;
    this._hushed = true;
    for (const layer of this._layers()) layer.hush(now, PAUSE_FADE);
    this._gate(this.tails, 0, now, PAUSE_FADE);
    if (this.bed) this._gate(this.bed, 0, now, PAUSE_FADE);
  }

  _gate(node, value, time, fade = 0) {
    const g = node.gain;
    g.cancelScheduledValues(time);
    if (fade > 0) {
      g.setValueAtTime(g.getValueAtTime(time), time);
      g.linearRampToValueAtTime(value, time + fade);
    } else {
      g.setValueAtTime(value, time);
    }
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
    await Promise.all(Object.values(this.slots).filter((s) => !s.spec.afterFirstSound).map((s) => s.ready));
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
    if (this.transport.state === "started") {
      this._hush();
      this.transport.pause();
    }
    this.onChange();
  }

  /** Back to the top: pending changes take effect now and every layer starts again at 0. */
  stop() {
    this.wantPlay = false;
    if (this.transport.state === "started") this._hush();
    this.transport.stop();
    for (const slot of Object.values(this.slots)) {
      this._unname(slot, true);
      for (const old of [...slot.retiring]) old.dispose();
      slot.retiring.clear();
      if (!slot.layer) continue;
      slot.layer.restart();
      if (slot.spec.setsTempo) this._tempo(slot, slot.layer, null);
    }
    this.onChange();
  }

  setVolume(layer, db) {
    const value = this.mixer.setVolume(layer, db);
    this.onChange();
    return value;
  }

  /** The tempo for AI solos (facts.limits.bpm); songs keep their own. */
  setSoloBpm(bpm) {
    this.soloBpm = clampBpm(bpm, this.manifest.facts.limits.bpm);
    for (const slot of Object.values(this.slots)) {
      const layer = slot.layer;
      if (!layer || !layer.spec.siteTempo) continue;
      layer.bpm = this.soloBpm;
      if (slot.spec.setsTempo) this.transport.bpm.rampTo(this.soloBpm, 0.05);
    }
    this.onChange();
    return this.soloBpm;
  }

  // -- reading back --------------------------------------------------------------------------

  state() {
    const t = this.transport;
    const perBar = barTicks(t);
    const ticks = Math.round(t.ticks);
    const bars = (layer) => (layer && layer.loopTicks ? +(layer.loopTicks / perBar).toFixed(4) : null);
    const layers = {};
    const selected = {};
    const loops = {};
    let track = null;
    let quote = null;
    for (const [name, slot] of Object.entries(this.slots)) {
      const layer = slot.layer;
      selected[slot.spec.choice] = slot.id;
      layers[name] = {
        id: slot.id,
        status: slot.status,
        error: slot.error,
        progress: { ...slot.progress },
        startsAt: layer && layer.startTick !== null ? ticksToPosition(layer.startTick, perBar, t.PPQ) : null,
        startTick: layer ? layer.startTick : null,
        loopBars: bars(layer),
        sounding: !!layer && t.state === "started" && layer.sounding(ticks),
        retiring: slot.retiring.size,
      };
      if (layer && layer.loopTicks) loops[layer.kind] = bars(layer);
      if (layer && slot.spec.setsTempo) track = { id: slot.id, kind: layer.kind, title: slot.entry.title };
      if (layer && layer.spec.speaks) quote = layer;
    }
    for (const kind of ["drums", "ambience", "solo", "song"]) loops[kind] = loops[kind] ?? null;
    return {
      selected,
      track,
      bpm: +t.bpm.value.toFixed(3),
      soloBpm: this.soloBpm,
      timeSignature: Math.round(t.timeSignature),
      transport: { state: t.state, position: ticksToPosition(ticks, perBar, t.PPQ), ticks, seconds: +t.seconds.toFixed(4), bar: Math.floor(ticks / perBar), ppq: t.PPQ },
      loops,
      quoteStart: quote ? ticksToPosition(quote.startTick, perBar, t.PPQ) : null,
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

  dispose() {
    for (const layer of this._layers()) layer.dispose();
    for (const c of Object.values(this.chains || {})) c.dispose();
    if (this.crackle) this.crackle.dispose();
    if (this.reverb) this.reverb.dispose();
    for (const node of [this.tails, this.bed]) if (node) node.dispose();
    this.mixer.dispose();
  }
}

export function clampBpm(bpm, range) {
  const n = Number(bpm);
  if (!Number.isFinite(n)) throw new Error(`tempo must be a number, not ${bpm}`);
  return Math.min(range.max, Math.max(range.min, Math.round(n)));
}

function friendly(name, entry, error) {
  const what = entry ? `“${entry.title}”` : `the ${name}`;
  return `Couldn't load ${what} (${error && error.message ? error.message : "network error"}). Everything else keeps playing.`;
}
