// Names for generated tracks: a seeded draw of a pattern and its words from the site's word lists (data, not code).
//
// The word lists and patterns are content/station/names.yaml, published by the build in the
// station asset; this module only draws from them, so the same seed names the same tracks.

const SLOT = /\{([a-z_]+)\}/g;

const pick = (rnd, list) => list[Math.floor(rnd() * list.length)];

/** A title drawn with `rnd` (a function returning [0, 1)) from `names` ({patterns, words}) that is not in
 * `taken` (a Set of titles in use); after a few draws that all collide, the last is numbered. Without word
 * lists (a project without names.yaml) the track is numbered: `fallback`. */
export function nameTrack(rnd, names, taken, fallback) {
  if (!names) return fallback;
  let title = fallback;
  for (let tries = 0; tries < 12; tries++) {
    const pattern = pick(rnd, names.patterns);
    const used = new Set();
    title = pattern.replace(SLOT, (_, kind) => {
      // The same kind twice in one title draws two different words where the list has them.
      const list = names.words[kind].filter((w) => !used.has(w));
      const word = pick(rnd, list.length ? list : names.words[kind]);
      used.add(word);
      return word;
    });
    title = title.charAt(0).toUpperCase() + title.slice(1);
    if (!taken.has(title)) return title;
  }
  for (let n = 2; ; n++) if (!taken.has(`${title} ${n}`)) return `${title} ${n}`;
}
