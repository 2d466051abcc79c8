// What the network hears of what it played one and two bars ago: the twin of lofi_build/model/lookback.py (History).
//
// At every onset, for each of the header's lookback.bars, the event sounding that many bars earlier at the same
// place in the bar: its token, its duration class if it was struck right there (else the header's "held" class),
// its degree over the chord it was played over (its top pitch class over the chord's root; the header's rest,
// nothing and noChord classes otherwise) and whether that chord sounds now; and, for the event just played, whether
// it restated each of them (the same token and duration struck there). The constants come from the model's header.

/** The lookback of one solo: `length` twelfths, bars of `bar` twelfths, `roots[t]` the chord root at twelfth t
 *  (-1: none), `chords[t]` which chord sounds there (equal ids: the same chord; -1: none), `tops[token]` a token's
 *  top pitch class (-1: none), `nothing` the token that stands for no event. */
export class History {
  constructor(spec, { length, bar, roots, chords, tops, nothing }) {
    this.spec = spec;
    this.owner = new Int32Array(length).fill(-1); // the event sounding at each twelfth
    this.bar = bar;
    this.roots = roots;
    this.chords = chords;
    this.tops = tops;
    this.nothing = nothing;
    this.events = []; // [token, class, onset, degree]
    this.heard = spec.bars.map(() => [nothing, spec.held]); // the latest onset's lookback: [token, class] a bar
    this.restated = new Float64Array(spec.bars.length); // whether the latest event restated each bar looked back
  }

  degree(token, onset) {
    const top = this.tops[token];
    if (top < 0) return this.spec.rest;
    const root = this.roots[onset];
    return root < 0 ? this.spec.noChord : (((top - root) % 12) + 12) % 12;
  }

  /** Set feeds.restated (of the event just played), and feeds.lookbackK_token, _duration, _degree and
   *  feeds.same_chord for the onset `where`. */
  feed(feeds, where) {
    feeds.restated = Float64Array.from(this.restated);
    feeds.same_chord = new Float64Array(this.spec.bars.length);
    const now = this.chords[where];
    this.spec.bars.forEach((k, b) => {
      const back = where - k * this.bar;
      const i = back >= 0 ? this.owner[back] : -1;
      const [token, cls, onset, degree] = i < 0 ? [this.nothing, this.spec.held, back, this.spec.nothing]
        : this.events[i];
      const heard = onset === back ? cls : this.spec.held;
      feeds[`lookback${k}_token`] = token;
      feeds[`lookback${k}_duration`] = heard;
      feeds[`lookback${k}_degree`] = degree;
      feeds.same_chord[b] = i >= 0 && now >= 0 && this.chords[onset] === now ? 1 : 0;
      this.heard[b] = [token, heard];
    });
  }

  /** Record the event just played at `where`, `steps` twelfths long, and what it restated. */
  played(token, cls, where, steps) {
    this.owner.fill(this.events.length, where, where + steps);
    this.events.push([token, cls, where, this.degree(token, where)]);
    this.heard.forEach(([t, c], b) => { this.restated[b] = t === token && c === cls ? 1 : 0; });
  }
}

/** Each token's top pitch class (-1: a rest or a marker), from the header's pitches. */
export function topsOf(header) {
  return Int32Array.from(header.pitches, (p) => (p.length ? Math.max(...p) % 12 : -1));
}

/** A chord vector's root (its first 12 entries one-hot), -1 for no chord. */
export function rootOf(vector) {
  for (let i = 0; i < 12; i++) if (vector[i] > 0) return i;
  return -1;
}

/** Per chord vector, an id (equal ids: equal vectors; -1: no chord), as lookback.chord_ids numbers them. */
export function chordIds(vectors) {
  const ids = new Map();
  return vectors.map((v) => {
    if (!v.some((x) => x)) return -1;
    const key = Array.from(v).join(",");
    if (!ids.has(key)) ids.set(key, ids.size);
    return ids.get(key);
  });
}
