// What the now-playing line says: the chosen track's title and what it plays at, from the moment it is chosen.
//
// It follows the choice, not the layer: the title shows before the first bar has loaded, and the tempo is
// the one the track will play at (a solo's is the slider's), not the Transport's, which is still the last
// track's until the change lands at the next bar.

export const NOTHING = "Pick a song or an AI solo";

/** {id, kind, title, bpm, key, meta} of `state` (lofi.state()); `row(id)`: the track row's data-* ({bpm, key}). */
export function nowPlaying(state, manifest, row = () => null) {
  const id = state.selected.track;
  const song = manifest.songs.find((e) => e.id === id);
  const entry = song || manifest.solos.find((e) => e.id === id);
  const mood = [["drums", "drums"], ["ambience", "ambience"], ["quote", "quotes"]]
    .map(([k, list]) => manifest[list].find((e) => e.id === state.selected[k]))
    .filter(Boolean)
    .map((e) => e.title.toLowerCase());
  if (!entry) return { id: null, kind: null, title: NOTHING, bpm: null, key: null, meta: mood.join(", ") };
  const kind = song ? "song" : "solo";
  const data = row(id) || {};
  const own = Number(data.bpm);
  const bpm = kind === "solo" ? state.soloBpm : Number.isFinite(own) && own > 0 ? own : Math.round(state.bpm);
  const key = data.key || entry.key || null;
  const bits = [kind === "solo" ? "AI solo" : "song", key, `${bpm} bpm`, mood.join(", ")].filter(Boolean);
  return { id, kind, title: entry.title, bpm, key, meta: bits.join(" · ") };
}
