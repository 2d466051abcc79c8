// window.lofi: the player's pinned automation API, which the page's own controls call.
//
// window.lofi: the player's test and automation API (pinned). The page's controls call these
// same functions, so automation exercises exactly what a listener does.
//
//   lofi.state()                      selected layers, bpm, Transport state and position, loop
//                                     lengths in bars per layer, the quote's start, samples...
//   await lofi.select({drums, ambience, quote, track})   manifest ids, or null for "none"
//   await lofi.play(); lofi.pause(); lofi.stop()
//   lofi.setVolume(layer, db)         drums | ambience | music | quote | master
//   lofi.setBpm(bpm)                  the AI solos' tempo, 60-100
//   lofi.level()                      the master output's peak level now, dBFS
//   await lofi.replacePiece(id, piece) a song, groove or solo replaced by new Tone.js JSON: while
//                                     it plays, a clean change at the next bar; resolves to
//                                     {ticks} where it takes effect (null when not playing)
//   await lofi.render({bars, ...})    the same engine rendered offline
//   await lofi.exportWav({minutes | seconds | bars})   what is selected, as a 16-bit 44.1 kHz stereo WAV download
//   await lofi.generate({progression, bars, seed, temperature, topK})   a live solo (model in a worker)
//                                     -> {id, title, seed, progression, notes, seconds}; select it by id
//   await lofi.piece(id)              the one note format JSON of a song, solo (live ones too) or groove
//   await lofi.mood(text)             {valence, arousal, mode, progression, bpm, temperature, words}; a text
//                                     with no mood word ("asdfgh") rejects, saying so
//   lofi.station                      plan, start, skip, back, sleep, stop: station mode (state().station)

export const API_VERSION = 1;

export function createApi({ engine, loader, manifest, hooks = {} }) {
  const call = (name, ...args) => (hooks[name] ? hooks[name](...args) : undefined);
  let live = null; // ondemand/live.js, imported on the first live call (never before the first sound)
  let exporting = false;
  const liveApi = () => {
    if (!live) {
      live = import("../ondemand/live.js").then((m) => m.createLive({ engine, loader, manifest, select: (id) => api.select({ track: id }) }));
      live.catch(() => { live = null; }); // a failed download may be tried again
    }
    return live;
  };

  let station = null; // station/station.js, imported when first used; `stationNow` once it is
  let stationNow = null;
  const stationApi = () => {
    station = station || Promise.all([import("../station/station.js"), liveApi()]).then(([m, l]) => (stationNow = m.createStation({
      engine, loader, manifest, generator: l.generator,
      hooks: { changed: () => call("changed"), play: () => api.play(), pause: () => api.pause() },
    })));
    station.catch(() => { station = null; });
    return station;
  };
  const stationOn = () => !!(stationNow && stationNow.on);

  const api = {
    version: API_VERSION,
    get manifest() {
      return manifest;
    },

    state() {
      return { ...engine.state(), station: stationNow ? stationNow.state() : null, ...(call("extraState") || {}) };
    },

    async select(choice) {
      // A track or a groove picked by hand leaves the station.
      if (stationOn() && choice && ("track" in choice || "drums" in choice)) stationNow.stop(choice);
      await engine.select(choice);
      call("changed");
      return api.state();
    },

    /** Start or resume. The page's own context resumes first, inside the user's click (not
     * Tone.start(): while an offline render is being set up, Tone's global context is that one). */
    play() {
      const resumed = engine.context.resume();
      call("gesture");
      return (async () => {
        await resumed;
        if (!engine.slots.music.id) {
          const first = manifest.songs[0] || manifest.solos[0];
          if (first) await engine.select({ track: first.id });
        }
        await engine.play();
        call("started");
        return api.state();
      })();
    },

    async pause() {
      engine.pause();
      call("paused");
      return api.state();
    },

    async stop() {
      engine.stop();
      call("paused");
      return api.state();
    },

    setVolume(layer, db) {
      const value = engine.setVolume(layer, db);
      call("changed");
      return value;
    },

    setBpm(bpm) {
      const value = engine.setSoloBpm(bpm);
      call("changed");
      return value;
    },

    /** The next (+1) or previous (-1) song or solo, or the station's: the media keys. */
    async step(direction = 1) {
      if (stationOn()) {
        await (direction > 0 ? stationNow.skip() : stationNow.back());
        return api.state();
      }
      const all = [...manifest.songs, ...manifest.solos];
      if (!all.length) return api.state();
      const i = all.findIndex((e) => e.id === engine.slots.music.id);
      const next = all[(i + direction + all.length) % all.length];
      return api.select({ track: next.id });
    },

    /** Hot swap (lofi-build serve): `piece` replaces the piece known by manifest id `id`; if it
     * is playing it comes in at the next bar. Resolves to {ticks} (null when not playing). */
    async replacePiece(id, piece) {
      const result = await engine.replacePiece(id, piece);
      call("changed");
      return result;
    },

    level() {
      return engine.mixer.level();
    },

    /** What is selected, mixed as it plays, rendered offline into a WAV file and offered as a download: its
     * length is `minutes` (the deck's picker: facts.limits.exportMinutes), `seconds` or `bars`, or one loop of
     * the track; a bad one rejects with a RangeError saying so. Resolves to {bytes, seconds, renderSeconds,
     * sampleRate, channels, header (base64 of the first 44 bytes)}, or null when cancelled (options.signal)
     * or when another export runs. `segment`: seconds of music per offline render (ondemand/wav.js). */
    async exportWav({ bars, seconds, minutes, onProgress, signal, save = true, segment } = {}) {
      if (stationOn()) throw new Error("Leave the station to export a song or a solo.");
      if (exporting) return null;
      exporting = true;
      let restore = null;
      try {
        const [{ exportWav, download }, { toBase64 }, { widenLookAhead }] = await Promise.all(
          [import("../ondemand/wav.js"), import("../ondemand/offline.js"), import("../ondemand/look-ahead.js")]);
        const state = engine.state();
        const entry = [...manifest.songs, ...manifest.solos].find((e) => e.id === state.selected.track);
        const solo = entry && manifest.solos.includes(entry);
        // While music plays, the render shares the main thread with the Transport's clock, and each segment's
        // set-up holds it longer than the clock looks ahead: from the first set-up that finds the music
        // playing to the end of the export, the clock looks further ahead (ondemand/look-ahead.js).
        const heavy = (fn) => {
          if (!restore && engine.transport.state === "started") restore = widenLookAhead(engine.context);
          return fn();
        };
        const out = await exportWav({
          manifest, loader, choice: state.selected, volumes: state.volumes, bpm: solo ? state.soloBpm : undefined,
          bars, seconds, minutes, fallbackBars: state.loops.solo ?? state.loops.song ?? manifest.site.loops.drums,
          onProgress, signal, segment, heavy,
        });
        if (!out) return null;
        if (save) download(out.blob, `${(entry ? entry.title : manifest.site.title).replace(/[\\/:*?"<>|]+/g, "-")}.wav`);
        return { bytes: out.blob.size, seconds: out.seconds, renderSeconds: out.renderSeconds, sampleRate: out.sampleRate,
                 channels: out.channels, header: toBase64(out.header) };
      } finally {
        if (restore) restore();
        exporting = false;
      }
    },

    /** A new solo over a progression, made by the model in a worker; it joins the AI solos. */
    async generate(options) {
      const out = await (await liveApi()).generate(options);
      call("changed");
      return out;
    },

    async piece(id) {
      if (typeof id === "string" && id.startsWith("st-")) return (await stationApi()).piece(id);
      return (await liveApi()).piece(id);
    },

    async mood(text) {
      return (await liveApi()).mood(text);
    },

    /** The progression library (presets): [{name, progression, mode, moods, description}]. */
    async progressions() {
      return (await liveApi()).library();
    },

    /** Render offline through the same engine: resolves to {sampleRate, lead, bpm,
     * secondsPerBar, duration, state, channels: [base64 of little-endian Float32 samples]}. */
    async render(options = {}) {
      const { renderOffline, toBase64 } = await import("../ondemand/offline.js"); // not needed to play
      let out;
      if (options.station) {
        const { renderChange } = await import("../station/render.js");
        out = await renderChange(await stationApi(), manifest, loader, options);
      } else {
        out = await renderOffline(manifest, loader, options);
      }
      return { ...out, channels: out.channels.map(toBase64) };
    },

    /** Station mode (README): plan({seed, minutes}) -> the program; the rest -> the state. */
    station: Object.fromEntries(["plan", "start", "skip", "back", "sleep", "stop"].map((name) => [name, async (options) => {
      if (name === "stop" && !stationNow) return api.state();
      const out = await (await stationApi())[name](options);
      return name === "plan" ? out : api.state();
    }])),
  };
  return api;
}
