// How a transposed progression names its roots: in the key it lands in.
//
// The twin of progression.key_names and Progression.home in lofi_build/music/progression.py; the names and the
// keys are the chord table's `keys`.

const mod12 = (x) => ((x % 12) + 12) % 12;
const intervals = (chord) => new Set(chord.pcs.map((p) => mod12(p - chord.root)));
const minor = (iv) => iv.has(3) && !iv.has(4);

/** The root names of the key on `tonic` (a pitch class): sharps in a sharp key, flats in a flat key, else the mix
 *  (C major, A minor). `keys`: the chord table's. */
export function keyNames(keys, tonic, isMinor) {
  const mode = isMinor ? "minor" : "major";
  for (const spelling of ["sharps", "flats"]) if (keys[spelling][mode].includes(mod12(tonic))) return keys.names[spelling];
  return keys.names.mixed;
}

/** [tonic, minor]: the key chords (a progression's, in order) are spelled in: the first chord's, unless they open on a
 *  ii-V (a minor chord, then a dominant a 4th above it: a minor 7th over a major 3rd or a 4th); then the key that V
 *  leads to, a tone below the first chord, minor where the ii is half-diminished (a flat 5th). */
export function home([first, next]) {
  const a = intervals(first);
  if (next && minor(a) && mod12(next.root - first.root) === 5) {
    const b = intervals(next);
    if (b.has(10) && (b.has(4) || b.has(5))) return [mod12(first.root - 2), a.has(6)];
  }
  return [first.root, minor(a)];
}
