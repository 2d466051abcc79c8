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
//   await lofi.render({bars, ...})    the same engine rendered offline (Tone.Offline)
import { renderOffline, toBase64 } from "./offline.js";

export const API_VERSION = 1;

export function createApi({ engine, loader, manifest, hooks = {} }) {
  const call = (name, ...args) => (hooks[name] ? hooks[name](...args) : undefined);

  const api = {
    version: API_VERSION,
    get manifest() {
      return manifest;
    },

    state() {
      return { ...engine.state(), ...(call("extraState") || {}) };
    },

    async select(choice) {
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

    /** The next (+1) or previous (-1) song or solo: the media keys. */
    async step(direction = 1) {
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

    /** Render offline through the same engine: resolves to {sampleRate, lead, bpm,
     * secondsPerBar, duration, state, channels: [base64 of little-endian Float32 samples]}. */
    async render(options = {}) {
      const out = await renderOffline(manifest, loader, options);
      return { ...out, channels: out.channels.map(toBase64) };
    },
  };
  return api;
}
