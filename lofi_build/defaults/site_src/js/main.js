// Boots the player: the manifest, the engine, the page, the listener's saved choices and window.lofi.
//
// Boots the player: reads manifest.json, builds the engine on the page's own playback context, draws the page,
// restores the listener's choices (link, then localStorage) and exposes window.lofi.
import { createApi } from "./page/api.js";
import { createAudioSession, createContext, outputLatency } from "./platform/audio-session.js";
import { Backgrounds } from "./visuals/backgrounds.js";
import { Engine } from "./audio/engine.js";
import { createInstaller } from "./platform/install.js";
import { createMediaSession } from "./platform/media-session.js";
import { initialChoices, readHash, readSaved, readStation, save } from "./platform/persistence.js";
import { Loader } from "./audio/samples.js";
import { barTicks, ticksToPosition } from "./audio/transport.js";
import { UI } from "./page/ui.js";
import { Visualizer } from "./visuals/visualizer.js";

const $ = (id) => document.getElementById(id);

async function loadManifest() {
  const response = await fetch("manifest.json", { cache: "no-cache" });
  if (!response.ok) throw new Error(`manifest.json: the server answered ${response.status}`);
  return response.json();
}

function reducedMotionQuery() {
  return window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : { matches: false, addEventListener() {} };
}

/** Once the first sound is out and the samples have arrived: p5 and the visualiser, then the
 * other pieces' scores, so a change of song starts quickly. */
function prefetchAfterStart({ loader, manifest, visualizer, installer, then = () => {} }) {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    const whenIdle = (fn, wait = 0) => {
      const check = () => (loader.pending() === 0 || wait > 40 ? fn() : (wait++, setTimeout(check, 100)));
      check();
    };
    whenIdle(() => {
      visualizer.load().catch((e) => console.warn("lofi: the visualiser is off:", e.message));
      for (const entry of [...manifest.songs, ...manifest.drums, ...manifest.solos]) loader.json(entry.url).catch(() => {});
      installer.start();
      then();
    });
  };
}

/** The sample URLs the layers in play may use: the ambience's and quote's files and every sample
 * of the instruments their pieces (read from the pieces themselves) play, fading ones included.
 * Everything else decoded can go. */
function selectionSamples(manifest, engine) {
  const keep = new Set();
  for (const slot of Object.values(engine.slots)) {
    if (slot.entry && slot.entry.url) keep.add(slot.entry.url);
    for (const layer of [slot.layer, ...slot.retiring]) {
      const piece = layer && layer.piece;
      for (const part of (piece && piece.lofi.parts) || []) {
        const inst = manifest.instruments.find((i) => i.id === part.instrument);
        if (inst) for (const url of Object.values(inst.urls)) keep.add(url);
      }
    }
  }
  return keep;
}

async function boot() {
  const link = location.hash; // before the player rewrites it
  const Tone = window.Tone;
  if (!Tone) throw new Error("Tone.js did not load");
  const manifest = await loadManifest();
  // The page's own context, made for playback (see audio-session.js); renders make their own.
  const context = createContext(Tone);
  const motion = reducedMotionQuery();
  const root = $("player");
  const backgrounds = new Backgrounds($("scene"), { reducedMotion: motion.matches });
  const visualizer = new Visualizer($("visualizer"), { context, p5Url: root.dataset.p5, reducedMotion: motion.matches, latency: () => outputLatency(context) });
  motion.addEventListener("change", (e) => {
    backgrounds.setReducedMotion(e.matches);
    visualizer.setReducedMotion(e.matches);
  });
  const loader = new Loader({ decode: (bytes) => context.decodeAudioData(bytes) });
  const saved = readSaved();
  const fromHash = readHash();
  // A station link, or (a bare address) the station playing when the page was left.
  let wantStation = readStation(link) || (link.replace(/^#/, "") === "" && saved.station ? saved.station : null);
  let ui = null;
  let media = null;
  // Under `lofi-build serve` a rebuild can delete the hashed files a page just asked for, so
  // there the first bar downloads on the listener's first move instead of at once.
  const liveReload = !!document.querySelector('script[src*="/__lofi__/"]');
  const engine = new Engine({
    manifest, context, loader, awake: !liveReload,
    volumes: saved.volumes,
    soloBpm: fromHash.bpm ?? saved.soloBpm,
    onChange: () => ui && ui.update(),
    onNote: (ev, time, duration) => visualizer.note(ev, time, duration),
  });
  await engine.init();
  // Not under `lofi-build serve`: a worker there would outlive the session on that origin.
  const installer = createInstaller({ enabled: !liveReload, onChange: () => ui && ui.update() });
  const afterStart = prefetchAfterStart({
    loader, manifest, visualizer, installer,
    then: () => {
      media.withArtwork();
      persist();
      wire();
    },
  });
  const session = createAudioSession({
    context,
    overlay: $("resume"),
    wantsSound: () => engine.transport.state === "started" || !!engine.wantPlay,
  });
  let lastSaved = "";
  let api = null;
  let wire = () => {};
  const persist = () => {
    const s = api ? api.state() : engine.state();
    const live = manifest.solos.find((e) => e.id === s.selected.track && e.hash); // a live solo's recipe
    const station = s.station ? { seed: s.station.seed, index: s.station.index, bar: s.station.bar } : wantStation;
    const data = { selected: s.selected, volumes: s.volumes, soloBpm: s.soloBpm, recipe: live ? live.hash : [], station };
    const text = JSON.stringify(data);
    if (text !== lastSaved) {
      lastSaved = text;
      save(data);
    }
    const keep = selectionSamples(manifest, engine);
    loader.evict((url) => keep.has(url));
    const ambience = manifest.ambience.find((a) => a.id === s.selected.ambience);
    backgrounds.show(ambience ? ambience.visual : "none");
    if (media) media.update(s);
  };
  api = createApi({
    engine, loader, manifest,
    hooks: {
      gesture: () => media.started(),
      started: () => {
        session.playing();
        afterStart();
        persist();
      },
      paused: () => {
        if (engine.transport.state !== "started") {
          media.stopped();
          session.paused();
        }
        persist();
      },
      changed: persist,
      extraState: () => ({ audio: session.state(), decoded: { bytes: loader.decodedBytes(), total: loader.decodedTotal }, visualizer: visualizer.state(), scene: { visual: backgrounds.visual, frames: backgrounds.frames, mode: backgrounds.mode }, offline: installer.state() }),
    },
  });
  // PNG first: lock screens show no SVG.
  const artwork = [
    { src: new URL(root.dataset["icon-512"], location.href).href, sizes: "512x512", type: "image/png" },
    { src: new URL(root.dataset["icon-192"], location.href).href, sizes: "192x192", type: "image/png" },
    { src: new URL(root.dataset.icon, location.href).href, sizes: "any", type: "image/svg+xml" },
  ];
  media = createMediaSession({ api, siteTitle: manifest.site.title, artwork });
  ui = new UI({
    api, manifest,
    position: () => {
      const t = engine.transport;
      const [bar, beat] = ticksToPosition(Math.max(0, Math.round(t.ticks)), barTicks(t), t.PPQ).split(":").map(Number);
      return `bar ${bar + 1} · beat ${beat + 1}`;
    },
    onError: (e) => console.warn("lofi:", e),
  });
  ui.mount();
  // The station's card: wired once the music plays or the listener reaches for it.
  const card = $("station");
  let wired = null;
  wire = () => (wired = wired || (card ? import("./station/panel.js").then((m) => m.mount({ api, manifest, root: card })) : Promise.resolve(null)));
  if (card) card.addEventListener("click", (e) => wired || (e.stopPropagation(), wire().then(() => e.target.click())), true);
  const startStation = (want, play) => api.station.start({ ...want, play })
    .catch((e) => wire().then((panel) => (panel ? panel.say(e.message, true) : ui.fail(e))))
    .finally(() => persist(wantStation = null));
  // "Make a solo": its module, the model and the library load only when the listener opens the panel.
  const panel = $("make-solo");
  const solo = () => import("./ondemand/solo-panel.js").then((m) => m.mount({ api, manifest, root: panel }));
  if (panel) panel.addEventListener("toggle", () => panel.open && solo().catch((e) => ui.fail(e)));
  window.addEventListener("hashchange", () => {
    const station = readStation();
    if (station) {
      wantStation = station;
      startStation(station, engine.transport.state === "started");
      return;
    }
    const choice = initialChoices(manifest, { selected: engine.state().selected }, readHash());
    const bpm = readHash().bpm;
    if (bpm !== undefined) api.setBpm(bpm);
    api.select(choice).catch((e) => ui.fail(e));
  });
  window.lofi = api;
  if (liveReload) {
    for (const type of ["pointerdown", "pointerover", "keydown", "touchstart"]) {
      document.addEventListener(type, () => engine.wake(), { once: true, passive: true });
    }
  }
  installer.check(); // a second visit: the page says at once that it works offline
  // The listener's last choices (or the link's); the first bar of the music loads now.
  const ready = engine.select(initialChoices(manifest, saved, fromHash), { wake: false }).catch((e) => ui.fail(e));
  persist();
  document.dispatchEvent(new CustomEvent("lofi:ready"));
  await ready;
  persist();
  if (wantStation) await startStation(wantStation, false);
  // A link to a live solo makes it again (same model, seed, progression, temperature, top-k: same notes).
  if (panel && new URLSearchParams(link.slice(1)).has("solo")) {
    panel.open = true;
    await solo().then((p) => p.restore(link)).catch((e) => ui.fail(e));
  }
}

boot().catch((error) => {
  console.warn(error);
  const status = $("status");
  if (status) {
    status.textContent = `The player could not start: ${error.message}`;
    status.classList.add("error");
  }
});
