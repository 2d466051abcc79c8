// The listener's choices across reloads (localStorage) and in links (the URL hash).
//
// Choices survive a reload (localStorage) and travel in a link (the URL hash): the hash wins,
// then what was saved, then the defaults; ids that the manifest no longer has are dropped.
const KEY = "lofi-build:player:v1";
const HASH_KEYS = ["track", "drums", "ambience", "quote", "bpm"];

export function readSaved(storage = safeStorage()) {
  try {
    const data = JSON.parse(storage ? storage.getItem(KEY) || "{}" : "{}");
    return data && typeof data === "object" ? data : {};
  } catch {
    return {};
  }
}

/** "#track=a&drums=b&quote=none&bpm=84" -> {track: "a", drums: "b", quote: null, bpm: 84} */
export function readHash(hash = location.hash) {
  const params = new URLSearchParams(String(hash).replace(/^#/, ""));
  const out = {};
  for (const key of HASH_KEYS) {
    if (!params.has(key)) continue;
    const value = params.get(key);
    if (key === "bpm") {
      const n = Number(value);
      if (Number.isFinite(n)) out.bpm = n;
    } else {
      out[key] = value === "none" || value === "" ? null : value;
    }
  }
  return out;
}

/** "#station=SEED&index=I&bar=B": {seed, index, bar} as written (the station checks them), or null. */
export function readStation(hash = location.hash) {
  const params = new URLSearchParams(String(hash).replace(/^#/, ""));
  if (!params.has("station")) return null;
  return { seed: params.get("station"), index: params.get("index") ?? 0, bar: params.get("bar") ?? 0 };
}

export function toHash({ selected, soloBpm, recipe = [], station = null }) {
  // Station mode: the program and where it is, and the ambience and quote the listener keeps.
  const params = new URLSearchParams(station ? { station: station.seed, index: station.index, bar: station.bar } : {});
  for (const key of station ? ["ambience", "quote"] : ["track", "drums", "ambience", "quote"]) params.set(key, selected[key] || "none");
  if (station) return "#" + params.toString();
  params.set("bpm", String(soloBpm));
  for (const [key, value] of recipe) params.set(key, value); // a live solo's recipe (ondemand/live.js)
  return "#" + params.toString();
}

/** The choices to start with: defaults, then what was saved, then the link's. */
export function initialChoices(manifest, saved, fromHash) {
  const lists = { drums: manifest.drums, ambience: manifest.ambience, quote: manifest.quotes, track: [...manifest.songs, ...manifest.solos] };
  const defaults = {
    drums: manifest.drums[0] ? manifest.drums[0].id : null,
    ambience: manifest.ambience[0] ? manifest.ambience[0].id : null,
    quote: null,
    track: manifest.songs[0] ? manifest.songs[0].id : null,
  };
  const out = {};
  for (const key of Object.keys(lists)) {
    out[key] = defaults[key];
    for (const source of [saved.selected || {}, fromHash]) {
      if (!(key in source)) continue;
      const id = source[key];
      if (id === null || lists[key].some((e) => e.id === id)) out[key] = id;
    }
  }
  if (!out.track) out.track = defaults.track; // step 2 always has an answer
  return out;
}

export function save({ selected, volumes, soloBpm, recipe, station = null }, storage = safeStorage()) {
  const hash = toHash({ selected, soloBpm, recipe, station });
  if (location.hash !== hash) history.replaceState(null, "", hash);
  if (!storage) return;
  try {
    storage.setItem(KEY, JSON.stringify({ selected, volumes, soloBpm, station }));
  } catch {
    // Private mode or a full quota: the link still carries the choices.
  }
}

function safeStorage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
