// Chord symbols and progressions (`Dm9 G13 | Cmaj9`) in the browser: read, timed, transposed and encoded.
//
// The grammar is the one lofi_build/music/chords.py spells out, rule for rule; what a chord kind is (its
// spellings, intervals, degrees, which alterations it drops) comes only from the chord table the build
// publishes (manifest.chords). loadChordTable() fetches it once; nothing here reads a symbol before.
import { Frac } from "./frac.js";
import { home, keyNames } from "./keys.js";

export { Frac };

// ---------------------------------------------------------------- the grammar (chords.py)

const SPACE = " \t\n\v\f\r\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";
const SPACE_RUN = new RegExp(`[${SPACE}]+`, "u");
const SPACE_AROUND = new RegExp(`^[${SPACE}]+|[${SPACE}]+$`, "gu");
const ACCIDENTALS = { "##": 2, "#": 1, "♯": 1, bb: -2, b: -1, "♭": -1, "--": -2, "-": -1 };
const NOTE = "([A-Ga-g])(##|#|♯|bb|b|♭|--|-)?";
const SYMBOL = new RegExp(`^${NOTE}(.*?)(?:/${NOTE})?$`, "su");
const CHANGE = "([b#♭♯])(13|11|9|5)|add([b#♭♯]?)(13|11|9|6|4|2)|omit(13|11|9|7|6|5|4|3|2|1)";
const CHANGES = new RegExp(`^(?:${CHANGE})*$`, "u");
const LETTERS = "CDEFGAB";
const STEPS = { C: 0, D: 2, E: 4, F: 5, G: 7, A: 9, B: 11 };
const SIGN = { b: -1, "♭": -1, "#": 1, "♯": 1, "": 0 };

/** A chord symbol the grammar cannot read. */
export class ChordError extends Error {}

let table = null; // the chord table, with its spellings longest first

/** Read symbols with ``data``, the chord table (assets/chords.<hash>.json). */
export function useChordTable(data) {
  const spellings = Object.entries(data.kinds).flatMap(([name, kind]) => kind.spellings.map((s) => [s, name]));
  table = { ...data, spellings: spellings.sort((a, b) => b[0].length - a[0].length) };
}

const loading = new Map(); // URL -> the promise of its table

/** Fetch the chord table at ``url`` (absolute) and read symbols with it; once per URL. */
export function loadChordTable(url) {
  if (!loading.has(url)) {
    const load = fetch(url).then((r) => {
      if (!r.ok) throw new Error(`cannot fetch ${url}: HTTP ${r.status}`);
      return r.json();
    }).then(useChordTable);
    load.catch(() => loading.delete(url)); // a failed download may be tried again
    loading.set(url, load);
  }
  return loading.get(url);
}

export const chordTableLoaded = () => table !== null;

const strip = (text) => text.replace(SPACE_AROUND, "");
const split = (text) => text.split(SPACE_RUN).filter((s) => s !== "");
const pitch = (letter, accidental) => STEPS[letter.toUpperCase()] + (ACCIDENTALS[accidental || ""] || 0);
const unknown = (symbol) => new ChordError(`unknown chord symbol '${symbol}'`);
const mod12 = (x) => ((x % 12) + 12) % 12;

function parts(symbol) {
  const m = SYMBOL.exec(strip(symbol));
  return m ? m.slice(1) : null;
}

function kindOf(rest) {
  for (const [spelling, name] of table.spellings) {
    if (rest.startsWith(spelling) && CHANGES.test(rest.slice(spelling.length))) return [name, rest.slice(spelling.length)];
  }
  return null;
}

function notesOf(kind, changes) {
  // An alteration moves the kind's own note of its degree.
  let notes = kind.spelling.map((d, i) => ({ degree: d.replace(/^[b#]+/, ""), at: kind.intervals[i], own: true }));
  let altered = false;
  for (const [, sign, degree, addSign, addDegree, omit] of changes.matchAll(new RegExp(CHANGE, "gu"))) {
    if (omit) {
      const kept = notes.filter((n) => n.degree !== omit);
      if (kept.length === notes.length) return null;
      notes = kept;
      continue;
    }
    const d = degree || addDegree;
    if (kind.drops.includes(d)) continue;
    if (sign && !altered) {
      altered = true;
      notes = notes.filter((n) => !(n.own && kind.altered_omits.includes(n.degree)));
    }
    const at = table.degrees[d] + SIGN[sign || addSign || ""];
    const own = notes.find((n) => n.own && n.degree === d);
    if (own) own.at = at;
    else notes.push({ degree: d, at, own: false });
  }
  const out = new Map();
  for (const n of notes) if (!out.has(n.at)) out.set(n.at, Number(n.degree));
  return [...out].sort((a, b) => a[0] - b[0]).map(([at, degree]) => [degree, at]);
}

function voice(notes, root, bass) {
  let intervals = notes.map(([, at]) => at);
  if (bass) {
    const letter = LETTERS.indexOf(root[0].toUpperCase());
    const tone = notes.find(([d, at]) => LETTERS[(letter + d - 1) % 7] === bass[0].toUpperCase() && (root[1] + at - bass[1]) % 12 === 0);
    if (tone) { // a chord tone in the bass: the notes under it move up above it
      intervals = intervals.map((i) => (i < tone[1] ? i + 12 * (Math.floor((tone[1] - i) / 12) + 1) : i)).sort((a, b) => a - b);
    } else { // another note: added in the octave below the root's
      const below = bass[1] - root[1] - 12;
      intervals = [below >= 0 ? below - 12 : below, ...intervals];
    }
  }
  const floor = table.floor;
  const shift = 12 * Math.floor((floor - (floor + root[1] + intervals[0]) + 11) / 12);
  return intervals.map((i) => floor + root[1] + i + shift);
}

/** {root, bass, kind, midi, avoid} of a chord symbol (chords.read); throws ChordError when it is unknown. */
export function readChord(symbol) {
  if (!table) throw new Error("the chord table is not loaded: loadChordTable(manifest.chords) first");
  if (typeof symbol !== "string") throw unknown(String(symbol));
  const p = parts(symbol);
  const found = p && kindOf(p[2]);
  const notes = found && notesOf(table.kinds[found[0]], found[1]);
  if (!notes || notes.length < 2) throw unknown(symbol);
  const [letter, accidental, , bassLetter, bassAccidental] = p;
  const root = [letter, pitch(letter, accidental)];
  const bass = bassLetter ? [bassLetter, pitch(bassLetter, bassAccidental)] : null;
  // The kind's avoid notes over the root, less an 11 the changes add (the symbol asks for it).
  const asked = [...found[1].matchAll(new RegExp(CHANGE, "gu"))].some((m) => m[4] === "11" && !m[3]);
  const avoid = table.kinds[found[0]].avoid_notes.filter((i) => !(i === table.degrees["11"] % 12 && asked))
    .map((i) => mod12(root[1] + i)).sort((a, b) => a - b);
  return { root: mod12(root[1]), bass: mod12((bass || root)[1]), kind: found[0], midi: voice(notes, root, bass), avoid };
}

// ---------------------------------------------------------------- progressions (progression.py)

export const VECTOR_SIZE = 36; // root one-hot 12 | pitch-class set 12 | bass one-hot 12

/** A progression that cannot be read; ``bar`` (1-based, or null) and ``symbol`` say where. */
export class ProgressionError extends Error {
  constructor(message, bar = null, symbol = null) {
    super(bar ? `bar ${bar}: ${message}` : message);
    this.name = "ProgressionError";
    this.bar = bar;
    this.symbol = symbol;
  }
}

/** One chord symbol: root and bass pitch classes, its pitch-class set, a close voicing and its avoid notes. */
export class Chord {
  constructor(symbol, root, pcs, bass, midi, avoid = []) {
    this.symbol = symbol;
    this.root = root;
    this.pcs = pcs;
    this.bass = bass;
    this.midi = midi;
    this.avoid = avoid;
  }
  vector() { return chordVector(this.root, this.pcs, this.bass); }
  /** The chord `semitones` up, its root (and bass) named from `names` (a key's; else flats except F#). */
  transpose(semitones, names = table.keys.names.mixed) { return makeChord(transposeSymbol(this.symbol, semitones, names)); }
  toJSON() { const { symbol, root, pcs, bass, midi, avoid } = this; return { symbol, root, pcs, bass, midi, avoid }; }
}

/** The Chord a symbol names; throws ChordError for an unknown symbol. */
export function makeChord(symbol) {
  const { root, bass, midi, avoid } = readChord(symbol);
  const pcs = [...new Set(midi.map((n) => n % 12))].sort((a, b) => a - b);
  return new Chord(strip(symbol), root, pcs, bass, midi, avoid);
}

function transposeSymbol(symbol, semitones, names) {
  const [letter, accidental, kind, bassLetter, bassAccidental] = parts(symbol);
  const name = (l, a) => names[mod12(pitch(l, a) + semitones)];
  return name(letter, accidental) + kind + (bassLetter ? "/" + name(bassLetter, bassAccidental) : "");
}

/** Float32Array(36): root one-hot | pitch-class set | bass one-hot; all zeros when there is no chord. */
export function chordVector(root, pcs, bass) {
  const v = new Float32Array(VECTOR_SIZE);
  if (root === null || root === undefined) return v;
  v[mod12(root)] = 1;
  for (const p of pcs) v[12 + mod12(p)] = 1;
  v[24 + mod12(bass === null || bass === undefined ? root : bass)] = 1;
  return v;
}

/** A chord sounding from ``start`` to ``end`` (Frac, in quarters). */
export class ChordSpan {
  constructor(start, end, chord) { Object.assign(this, { start, end, chord }); }
}

/** Bars of chords; ``text`` is the canonical spelling (``Dm9 G13 | Cmaj9``). */
export class Progression {
  constructor(bars) {
    this.bars = bars;
  }
  get text() { return this.bars.map((bar) => bar.map((c) => c.symbol).join(" ")).join(" | "); }
  toString() { return this.text; }
  /** Chord spans in quarters over ``bars`` bars (the progression repeats; default: its own length). */
  timeline(bars = null, beatsPerBar = 4) {
    bars = bars === null || bars === undefined ? this.bars.length : bars;
    const spans = [];
    for (let i = 0; i < bars; i++) {
      const chords = this.bars[i % this.bars.length];
      const step = new Frac(beatsPerBar, chords.length);
      const start = new Frac(i * beatsPerBar);
      chords.forEach((chord, j) => spans.push(new ChordSpan(start.add(step.mul(j)), start.add(step.mul(j + 1)), chord)));
    }
    return spans;
  }
  /** The progression `semitones` up, its roots named in the key it lands in (keys.js). */
  transpose(semitones) {
    const [tonic, minor] = home(this.bars.flat());
    const names = keyNames(table.keys, tonic + semitones, minor);
    return new Progression(this.bars.map((bar) => bar.map((c) => c.transpose(semitones, names))));
  }
}

/** Read ``Dm9 G13 | Cmaj9 | Cmaj9 A7b13``: bars split by ``|``, chords in a bar split it evenly. */
export function parseProgression(text) {
  if (typeof text !== "string" || !strip(text)) throw new ProgressionError("empty progression");
  const bars = [];
  text.split("|").forEach((bar, index) => {
    const number = index + 1;
    const symbols = split(bar);
    if (!symbols.length) throw new ProgressionError("empty bar", number);
    const chords = [];
    for (const symbol of symbols) {
      try {
        chords.push(makeChord(symbol));
      } catch (e) {
        if (!(e instanceof ChordError)) throw e;
        throw new ProgressionError(e.message, number, symbol);
      }
    }
    bars.push(chords);
  });
  return new Progression(bars);
}

/** The first problem of a typed progression as a message (``bar 2: unknown chord symbol 'Hm7'``), or null. */
export function validateProgression(text) {
  try {
    parseProgression(text);
    return null;
  } catch (e) {
    if (e instanceof ProgressionError) return e.message;
    throw e;
  }
}
