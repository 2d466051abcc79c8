// Chord progressions in the browser (`Dm9 G13 | Cmaj9`): parsed, timed, transposed and encoded exactly as lofi_build/music/progression.py.
//
// Python spells chord symbols with music21 (lofi_build/music/chords.py wraps harmony.ChordSymbol). The
// browser has no music21, so this module ports the part of it that chords.py reaches: ChordSymbol's
// figure parser, its figured-bass spelling of the chord kinds, chord-step additions/alterations/omissions,
// inversions and the octave placement, on spelled pitches (letter, accidental, octave). It follows music21
// 10.5 step by step, quirks included, so that every symbol gives the same notes or the same error; each
// quirk is marked "music21 quirk" below. tests/test_js_progression.py compares the two on every library
// progression in 12 keys and on thousands of generated symbols.

// ---------------------------------------------------------------- Python string helpers

// Python's str.split()/strip() whitespace (str.isspace), which is not JavaScript's \s.
const PY_SPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const SPACE_RUN = new RegExp(`[${PY_SPACE}]+`, "u");
const EDGE_SPACE = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "gu");

function pySplit(text) {
  return text.split(SPACE_RUN).filter((s) => s !== "");
}

function pyStrip(text) {
  return text.replace(EDGE_SPACE, "");
}

/** Python's repr() of a string, as the error messages quote symbols. */
export function pyRepr(text) {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0);
    if (ch === "\\" || ch === quote) out += "\\" + ch;
    else if (ch === "\t") out += "\\t";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch !== " " && /[\p{C}\p{Z}]/u.test(ch)) {
      const hex = code.toString(16);
      out += code < 0x100 ? "\\x" + hex.padStart(2, "0") : code < 0x10000 ? "\\u" + hex.padStart(4, "0") : "\\U" + hex.padStart(8, "0");
    } else out += ch;
  }
  return out + quote;
}

// Python int() of a short string (digits, an optional sign, single underscores between digits).
function pyInt(text) {
  if (!/^[+-]?[0-9]+(?:_[0-9]+)*$/.test(text)) return null;
  return parseInt(text.replace(/_/g, ""), 10);
}

// ---------------------------------------------------------------- a fraction (quarters are exact, as in Python)

function gcd(a, b) {
  a = Math.abs(a); b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a || 1;
}

/** An exact rational number; valueOf() gives the float so that plain arithmetic still works. */
export class Frac {
  constructor(num, den = 1) {
    if (den < 0) { num = -num; den = -den; }
    const g = gcd(num, den);
    this.num = num / g;
    this.den = den / g;
  }
  static of(x) {
    if (x instanceof Frac) return x;
    if (Number.isInteger(x)) return new Frac(x, 1);
    // A float quarter such as 4/3: the nearest fraction with a small denominator.
    for (let den = 2; den <= 10080; den++) {
      const num = Math.round(x * den);
      if (Math.abs(num / den - x) < 1e-9) return new Frac(num, den);
    }
    throw new RangeError(`not a musical time: ${x}`);
  }
  add(o) { o = Frac.of(o); return new Frac(this.num * o.den + o.num * this.den, this.den * o.den); }
  sub(o) { o = Frac.of(o); return new Frac(this.num * o.den - o.num * this.den, this.den * o.den); }
  mul(o) { o = Frac.of(o); return new Frac(this.num * o.num, this.den * o.den); }
  div(o) { o = Frac.of(o); return new Frac(this.num * o.den, this.den * o.num); }
  mod(o) { o = Frac.of(o); const q = Math.floor((this.num * o.den) / (this.den * o.num)); return this.sub(o.mul(q)); }
  cmp(o) { o = Frac.of(o); const d = this.num * o.den - o.num * this.den; return d < 0 ? -1 : d > 0 ? 1 : 0; }
  eq(o) { return this.cmp(o) === 0; }
  /** int(): truncation towards zero. */
  trunc() { return Math.trunc(this.num / this.den); }
  /** Python round(): to the nearest integer, halves to even. */
  round() {
    const floor = Math.floor(this.num / this.den);
    const rest = this.sub(floor);
    const c = rest.cmp(new Frac(1, 2));
    return c < 0 ? floor : c > 0 ? floor + 1 : floor % 2 === 0 ? floor : floor + 1;
  }
  valueOf() { return this.num / this.den; }
  toString() { return this.den === 1 ? String(this.num) : `${this.num}/${this.den}`; }
  toJSON() { return [this.num, this.den]; }
}

// ---------------------------------------------------------------- spelled pitches (music21.pitch.Pitch)

const LETTERS = "CDEFGAB";
const STEP_PC = [0, 2, 4, 5, 7, 9, 11];
const MAJOR = [0, 2, 4, 5, 7, 9, 11];

class Pitch {
  constructor(step, alter, octave) {
    this.step = step; // 0..6 for C..B
    this.alter = alter; // semitones
    this.octave = octave;
  }
  static parse(text) {
    // music21 accepts a letter and one kind of accidental, up to four; anything else raises.
    const m = /^([A-Ga-g])(#{0,4}|-{0,4})([0-9]*)$/.exec(text);
    if (!m) throw new ChordError(`not a pitch: ${text}`);
    const acc = m[2];
    return new Pitch(LETTERS.indexOf(m[1].toUpperCase()), acc.startsWith("#") ? acc.length : -acc.length,
      m[3] ? parseInt(m[3], 10) : 4);
  }
  get ps() { return 12 * (this.octave + 1) + STEP_PC[this.step] + this.alter; }
  get dnn() { return this.octave * 7 + this.step + 1; }
  get name() { return LETTERS[this.step] + (this.alter > 0 ? "#".repeat(this.alter) : "-".repeat(-this.alter)); }
  get nameWithOctave() { return this.name + this.octave; }
  copy() { return new Pitch(this.step, this.alter, this.octave); }
  /** Python's Pitch == (same spelling and octave). */
  equals(o) { return this.nameWithOctave === o.nameWithOctave; }
}

// Pitch names music21 gives a pitch space number (Pitch.transpose(int) respells to these).
const PLAIN_SPELLING = [[0, 0], [0, 1], [1, 0], [2, -1], [2, 0], [3, 0], [3, 1], [4, 0], [4, 1], [5, 0], [6, -1], [6, 0]];

function fromPs(ps) {
  const pc = ((ps % 12) + 12) % 12;
  const [step, alter] = PLAIN_SPELLING[pc];
  return new Pitch(step, alter, Math.floor((ps - STEP_PC[step] - alter) / 12) - 1);
}

/** The major scale on ``root`` (music21.scale.MajorScale), degree 1..7 in the root's octave upwards. */
function scaleDegreePitch(root, degree) {
  const k = (((degree - 1) % 7) + 7) % 7;
  const step = (root.step + k) % 7;
  const octave = root.octave + Math.floor((root.step + k) / 7);
  const alter = root.ps + MAJOR[k] - (12 * (octave + 1) + STEP_PC[step]);
  return new Pitch(step, alter, octave);
}

function scaleDegreeOf(root, p) {
  for (let d = 1; d <= 7; d++) if (scaleDegreePitch(root, d).name === p.name) return d;
  return null;
}

// ---------------------------------------------------------------- music21.harmony.ChordSymbol

// music21.harmony.CHORD_TYPES, in its order: kind -> [figured-bass notation, abbreviations].
const CHORD_TYPES = [
  ["major", "1,3,5", ["", "M", "maj"]],
  ["minor", "1,-3,5", ["m", "min"]],
  ["augmented", "1,3,#5", ["+", "aug"]],
  ["diminished", "1,-3,-5", ["dim", "o"]],
  ["dominant-seventh", "1,3,5,-7", ["7", "dom7"]],
  ["major-seventh", "1,3,5,7", ["maj7", "M7"]],
  ["minor-major-seventh", "1,-3,5,7", ["mM7", "m#7", "minmaj7"]],
  ["minor-seventh", "1,-3,5,-7", ["m7", "min7"]],
  ["augmented-major-seventh", "1,3,#5,7", ["+M7", "augmaj7"]],
  ["augmented-seventh", "1,3,#5,-7", ["7+", "+7", "aug7"]],
  ["half-diminished-seventh", "1,-3,-5,-7", ["ø7", "m7b5"]],
  ["diminished-seventh", "1,-3,-5,--7", ["o7", "dim7"]],
  ["seventh-flat-five", "1,3,-5,-7", ["dom7dim5"]],
  ["major-sixth", "1,3,5,6", ["6"]],
  ["minor-sixth", "1,-3,5,6", ["m6", "min6"]],
  ["major-ninth", "1,3,5,7,9", ["M9", "Maj9"]],
  ["dominant-ninth", "1,3,5,-7,9", ["9", "dom9"]],
  ["minor-major-ninth", "1,-3,5,7,9", ["mM9", "minmaj9"]],
  ["minor-ninth", "1,-3,5,-7,9", ["m9", "min9"]],
  ["augmented-major-ninth", "1,3,#5,7,9", ["+M9", "augmaj9"]],
  ["augmented-dominant-ninth", "1,3,#5,-7,9", ["9#5", "+9", "aug9"]],
  ["half-diminished-ninth", "1,-3,-5,-7,9", ["ø9"]],
  ["half-diminished-minor-ninth", "1,-3,-5,-7,-9", ["øb9"]],
  ["diminished-ninth", "1,-3,-5,--7,9", ["o9", "dim9"]],
  ["diminished-minor-ninth", "1,-3,-5,--7,-9", ["ob9", "dimb9"]],
  ["dominant-11th", "1,3,5,-7,9,11", ["11", "dom11"]],
  ["major-11th", "1,3,5,7,9,11", ["M11", "Maj11"]],
  ["minor-major-11th", "1,-3,5,7,9,11", ["mM11", "minmaj11"]],
  ["minor-11th", "1,-3,5,-7,9,11", ["m11", "min11"]],
  ["augmented-major-11th", "1,3,#5,7,9,11", ["+M11", "augmaj11"]],
  ["augmented-11th", "1,3,#5,-7,9,11", ["+11", "aug11"]],
  ["half-diminished-11th", "1,-3,-5,-7,9,11", ["ø11"]],
  ["diminished-11th", "1,-3,-5,--7,9,11", ["o11", "dim11"]],
  ["major-13th", "1,3,5,7,9,11,13", ["M13", "Maj13"]],
  ["dominant-13th", "1,3,5,-7,9,11,13", ["13", "dom13"]],
  ["minor-major-13th", "1,-3,5,7,9,11,13", ["mM13", "minmaj13"]],
  ["minor-13th", "1,-3,5,-7,9,11,13", ["m13", "min13"]],
  ["augmented-major-13th", "1,3,#5,7,9,11,13", ["+M13", "augmaj13"]],
  ["augmented-dominant-13th", "1,3,#5,-7,9,11,13", ["+13", "aug13"]],
  ["half-diminished-13th", "1,-3,-5,-7,9,11,13", ["ø13"]],
  ["suspended-second", "1,2,5", ["sus2"]],
  ["suspended-fourth", "1,4,5", ["sus", "sus4"]],
  ["suspended-fourth-seventh", "1,4,5,-7", ["7sus", "7sus4"]],
  ["Neapolitan", "1,-2,3,-5", ["N6"]],
  ["Italian", "1,#4,-6", ["It+6", "It"]],
  ["French", "1,2,#4,-6", ["Fr+6", "Fr"]],
  ["German", "1,-3,#4,-6", ["Gr+6", "Ger"]],
  ["pedal", "1", ["pedal"]],
  ["power", "1,5", ["power"]],
  ["Tristan", "1,#4,#6,#9", ["tristan"]],
];
const NOTATION = new Map(CHORD_TYPES.map(([kind, notation]) => [kind, notation]));
const ALTER_TYPES = ["add", "alter", "omit", "subtract"];
// music21 quirk: inversionIsValid lists the aliases 'half-diminished' and 'major-minor', never the kinds a
// figure gives ('half-diminished-seventh', 'minor-major-seventh'), so those two take a slash bass as an added note.
const SEVENTHS = new Set(["French", "German", "Italian", "Neapolitan", "Tristan", "augmented-seventh", "diminished-seventh",
  "dominant-seventh", "half-diminished", "major-minor", "major-seventh", "minor-seventh"]);
const NINTHS = new Set(["dominant-ninth", "major-ninth", "minor-ninth"]);
const ELEVENTHS = new Set(["dominant-11th", "major-11th", "minor-11th"]);
const THIRTEENTHS = new Set(["dominant-13th", "major-13th", "minor-13th"]);

class ChordSymbol {
  constructor(figure) {
    this.kind = "";
    this.mods = []; // {type, degree, alter}
    this.root = null;
    this.bass = null;
    this.pitches = [];
    this.parseFigure(figure);
    if (!this.bass) this.bass = this.root; // Harmony.__init__: the bass is the root object itself
    this.updatePitches();
  }

  addMod(type, degree, alter) {
    if (!this.mods.some((m) => m.type === type && m.degree === degree && m.alter === alter)) this.mods.push({ type, degree, alter });
  }

  parseFigure(figure) {
    let prelim = figure.replace(/\s/gu, "");
    let root, st;
    if (prelim.includes(",")) {
      root = prelim.slice(0, prelim.indexOf(","));
      st = prelim.replaceAll(",", "").replaceAll(root, "");
      prelim = prelim.replaceAll(",", "");
    } else {
      const m1 = /^[A-Ga-g][#-]*/.exec(prelim);
      if (!m1) throw new ChordError("no root");
      root = m1[0];
      st = prelim.replace(root, "");
    }
    this.root = Pitch.parse(root);
    const m2 = /\/[A-Ga-g][#-]*/.exec(prelim);
    let remaining = st;
    if (m2) {
      this.bass = Pitch.parse(m2[0].slice(1));
      remaining = st.replaceAll(m2[0], "");
    }
    st = this.kindFromShortHand(remaining);

    let searchStart = 1000;
    for (const t of ALTER_TYPES) {
      const at = remaining.indexOf(t);
      if (at >= 0) searchStart = Math.min(at, searchStart);
    }
    let search = remaining.slice(searchStart);
    let substring = "";
    let i = 0;
    while (search && i < search.length) {
      for (const ch of search) {
        i += 1;
        if (/\p{L}/u.test(ch)) substring += ch;
        if (ALTER_TYPES.includes(substring)) {
          search = this.parseAddAlterSubtract(search, substring);
          substring = "";
          i = 0;
          break;
        }
      }
    }

    st = st.replaceAll(",", "");
    for (const t of ALTER_TYPES) if (st.includes(t)) st = st.slice(0, st.indexOf(t));

    const alterations = st.includes("b") || st.includes("#") ? st.split(/([b#]+[^b#]+)/) : [st];
    const indexes = [];
    const kept = [];
    for (const item of alterations) {
      if (!item) continue;
      const ints = pyInt(item.replaceAll("b", "").replaceAll("#", ""));
      if (ints === null) throw new ChordError(`invalid chord abbreviation ${st}`);
      if (ints > 20) {
        // music21 quirk: a run of digits over 20 ("69") is read digit by digit, a "1" taking the next digit too.
        let skipNext = false;
        let chars = "";
        for (let j = 0; j < item.length; j++) {
          const ch = item[j];
          if (skipNext) { skipNext = false; continue; }
          if (ch === "1") {
            if (j + 1 >= item.length) throw new ChordError("index out of range");
            indexes.push(item[j] + item[j + 1]);
            skipNext = true;
          } else if (ch === "b" || ch === "#") chars += ch;
          else { chars += ch; indexes.push(chars); chars = ""; }
        }
      } else kept.push(item);
    }
    for (const alteration of [...kept, ...indexes]) {
      if (alteration === "") continue;
      const semis = alteration.includes("b") ? -alteration.split("b").length + 1 : alteration.split("#").length - 1;
      const m3 = /[1-9]+/.exec(alteration);
      if (m3) this.addMod("add", parseInt(m3[0], 10), semis);
    }
  }

  parseAddAlterSubtract(remaining, modType) {
    const at = remaining.indexOf(modType);
    if (at < 0) throw new ChordError("substring not found");
    remaining = remaining.slice(at + modType.length);
    let alter = 0;
    let degree = "";
    if (remaining.slice(0, 1) === "b") { alter = -1; remaining = remaining.slice(1); }
    else if (remaining.slice(0, 1) === "#") { alter = 1; remaining = remaining.slice(1); }
    if (/^[0-9]{2}$/.test(remaining.slice(0, 2))) { degree = remaining.slice(0, 2); remaining = remaining.slice(2); }
    else {
      if (remaining.length === 0) throw new ChordError("index out of range"); // music21 quirk: "Cadd" raises IndexError
      if (/^[0-9]$/.test(remaining[0])) { degree = remaining[0]; remaining = remaining.slice(1); }
    }
    if (degree) this.addMod(modType === "omit" ? "subtract" : modType, parseInt(degree, 10), alter);
    return remaining;
  }

  kindFromShortHand(original) {
    let sh = original;
    for (const t of ["add", "alter", "omit", "subtract"]) if (sh.includes(t)) sh = sh.slice(0, sh.indexOf(t));
    if (sh.includes("#")) {
      const at = sh.indexOf("#");
      if (at + 1 >= sh.length) throw new ChordError("index out of range"); // music21 quirk: "C7#" raises IndexError
      if (/[0-9]/.test(sh[at + 1])) sh = sh.slice(0, at);
    }
    const b = sh.indexOf("b");
    if (b >= 0 && b < sh.length - 1 && /[0-9]/.test(sh[b + 1]) && !sh.includes("ob9") && !sh.includes("øb9")) sh = sh.slice(0, b);
    for (const [kind, , abbreviations] of CHORD_TYPES) {
      if (abbreviations.includes(sh)) {
        this.kind = kind;
        return original.slice(sh.length);
      }
    }
    return original;
  }

  inversion() {
    // Chord._findInversion: the generic interval from the bass (octave 1) up to the root (octave 2).
    const d = (this.root.step + 14 - this.bass.step) % 7; // letters apart; 0 is an octave or unison
    return { 0: -1, 5: 1, 3: 2, 1: 3, 6: 4, 4: 5, 2: 6 }[d];
  }

  inversionIsValid(n) {
    const k = this.kind;
    if (n === 5 && (THIRTEENTHS.has(k) || ELEVENTHS.has(k))) return true;
    if (n === 4 && (ELEVENTHS.has(k) || THIRTEENTHS.has(k) || NINTHS.has(k))) return true;
    if (n === 3 && (SEVENTHS.has(k) || NINTHS.has(k) || ELEVENTHS.has(k) || THIRTEENTHS.has(k))) return true;
    return (n === 1 || n === 2) && k !== "pedal";
  }

  updatePitches() {
    const root = this.root;
    const bass = this.bass;
    root.octave = 3;
    bass.octave = 3;
    const notation = NOTATION.get(this.kind) || "";
    this.degrees = notation ? notation.split(",") : [];
    let pitches;
    if (notation) {
      pitches = samplePitches(root, notation);
      pitches.shift(); // the root twice: once as the bass of the figured-bass scale, once as its "1"
    } else {
      pitches = [root];
      if (!pitches.some((p) => p.equals(bass))) pitches.push(bass);
    }
    pitches = this.adjustOctaves(pitches);

    let inversion = null;
    if (root.name !== bass.name) {
      inversion = this.inversion();
      if (!this.inversionIsValid(inversion)) {
        // Not a normal inversion: the bass is an added note an octave down.
        inversion = null;
        bass.octave = 2;
        pitches.push(bass);
      }
    }
    pitches = this.applyMods(pitches);

    if (inversion !== null && inversion !== 0) {
      for (const p of pitches.slice(0, inversion)) {
        p.octave += 1;
        if (inversion > 3) p.octave += 1;
      }
      for (const p of pitches) if (p.dnn < bass.dnn) p.octave += 1;
    }
    while (pitches.some((p) => p.dnn > 30)) for (const p of pitches) p.octave -= 1;
    while (pitches.some((p) => p.dnn < 13)) for (const p of pitches) p.octave += 1;
    pitches = sortDiatonic(pitches);

    // Chord.bass(self.bass(), allow_add=True): a bass whose name is not in the chord is put in front.
    const found = pitches.includes(bass) || pitches.some((p) => p.nameWithOctave === bass.nameWithOctave)
      || pitches.some((p) => p.name === bass.name);
    if (!found) pitches.unshift(bass);
    this.pitches = pitches;
  }

  adjustOctaves(pitches) {
    let raise;
    if (NINTHS.has(this.kind)) raise = [1];
    else if (ELEVENTHS.has(this.kind)) raise = [1, 3];
    else if (THIRTEENTHS.has(this.kind)) raise = [1, 3, 5];
    else return pitches;
    pitches = pitches.slice();
    for (const i of raise) pitches[i] = new Pitch(pitches[i].step, pitches[i].alter, pitches[i].octave + 1);
    return sortDiatonic(pitches);
  }

  applyMods(pitches) {
    const root = this.root;
    const removeFirstEqual = (p) => pitches.splice(pitches.findIndex((q) => q.equals(p)), 1);
    const bare = (degree) => degree.replace(/-/g, "").replace(/#/g, "").replace(/A/g, "");
    const add = (mod) => {
      let p = scaleDegreePitch(root, mod.degree);
      if (mod.alter !== 0) {
        if (mod.degree === 7 && mod.alter > 0 && this.kind) p = fromPs(p.ps - 1);
        p = new Pitch(p.step, p.alter + mod.alter, p.octave);
      }
      if (mod.degree >= 7) p.octave += 1;
      if (this.degrees.includes(String(mod.degree))) {
        // music21 quirk: only a degree 1..7 can be found this way, so "C9b9" keeps its 9 and adds nothing.
        for (let i = 0; i < pitches.length; i++) { // Python list iteration while removing and appending
          if (scaleDegreeOf(root, pitches[i]) === mod.degree) {
            removeFirstEqual(pitches[i]);
            pitches.push(p);
          }
        }
      } else pitches.push(p);
    };
    const subtract = (mod) => {
      if (!this.degrees.length) return;
      let found = false;
      for (let i = 0; i < pitches.length && i < this.degrees.length; i++) {
        if (mod.degree === pyInt(bare(this.degrees[i]))) {
          removeFirstEqual(pitches[i]);
          found = true;
          const at = this.degrees.findIndex((d) => d.includes(String(mod.degree)));
          if (at >= 0) this.degrees.splice(at, 1);
        }
      }
      if (!found) throw new ChordError(`degree not in chord: ${mod.degree}`);
    };
    const alter = (mod) => {
      let found = false;
      for (let i = 0; i < pitches.length && i < this.degrees.length; i++) {
        if (mod.degree === pyInt(bare(this.degrees[i]))) {
          pitches[i].alter += mod.alter;
          found = true;
        }
      }
      if (!found) throw new ChordError(`degree not in chord: ${mod.degree}`);
    };
    for (const mod of this.mods) {
      if (mod.type === "add") add(mod);
      else if (mod.type === "subtract") subtract(mod);
      else if (mod.type === "alter") {
        try { alter(mod); } catch (e) {
          if (!(e instanceof ChordError)) throw e;
          mod.type = "add";
          add(mod);
        }
      }
    }
    return pitches;
  }
}

/** FiguredBassScale.getSamplePitches: each figure's pitch name placed in the octave from the bass up. */
function samplePitches(bass, notation) {
  const names = [];
  for (const figure of notation.split(",")) {
    const m = /^([#-]*)([0-9]+)$/.exec(figure);
    const number = parseInt(m[2], 10);
    const modifier = m[1].startsWith("#") ? m[1].length : -m[1].length;
    const p = scaleDegreePitch(bass, number % 7 === 0 ? 7 : number % 7);
    names.push([p.step, p.alter + modifier]);
  }
  names.push([bass.step, bass.alter]);
  names.reverse();
  const low = bass.ps;
  const high = bass.ps + 11; // a diminished octave above the bass
  const maxOctave = bass.octave + 1;
  const out = [];
  for (const [step, alter] of names) {
    for (let octave = 0; octave <= maxOctave; octave++) {
      const p = new Pitch(step, alter, octave);
      if (p.ps >= low && p.ps <= high) out.push(p);
    }
  }
  return stableSort(out, (a, b) => a.ps - b.ps);
}

function stableSort(list, compare) {
  return list.map((x, i) => [x, i]).sort((a, b) => compare(a[0], b[0]) || a[1] - b[1]).map(([x]) => x);
}

function sortDiatonic(pitches) {
  return stableSort(pitches, (a, b) => a.dnn - b.dnn || a.ps - b.ps);
}

// ---------------------------------------------------------------- lofi_build/music/chords.py

/** A chord symbol that cannot be spelled. */
export class ChordError extends Error {}

// The lowest note of a voiced chord sits in C3..B3: warm, clear of the bass, under the melody.
export const VOICING_FLOOR = 48;
const ACC = "(##|#|bb|b|--|-|♯|♭)";
const ROOT_RE = new RegExp(`^([A-Ga-g])${ACC}?(.*?)(?:/([A-Ga-g])${ACC}?)?$`, "u");
const KIND_ALIASES = new Map(Object.entries({
  maj9: "M9", maj11: "M11", maj13: "M13", "Δ": "maj7", "Δ7": "maj7", "Δ9": "M9",
  "m(maj7)": "mM7", "m(M7)": "mM7", mmaj7: "mM7", mMaj7: "mM7", "-maj7": "mM7",
  "6/9": "6add9", 69: "6add9", "m6/9": "m6add9", m69: "m6add9",
  "9sus4": "7sus4add9", "9sus": "7sus4add9", "m7-5": "m7b5", mi7: "m7", mi9: "m9", mi: "m",
  "13sus4": "7sus4add9add13", "13sus": "7sus4add9add13", "ø": "m7b5", "7alt": "7#9b13",
}));
const ALTERED_13 = /^13((?:[#b+-](?:5|9|11))+)$/;
const NUMERIC_KINDS = new Set(["", "5", "6", "7", "9", "11", "13", "69"]);

function accidental(text) {
  return { b: "-", bb: "--", "♭": "-", "♯": "#" }[text || ""] ?? (text || "");
}

const pitchCache = new Map();

/** MIDI numbers of a chord symbol, lowest first, voiced in a sensible octave (chords.chord_pitches). */
export function chordPitches(symbol) {
  if (typeof symbol !== "string") throw new ChordError(`unknown chord symbol ${symbol}`);
  const stripped = pyStrip(symbol);
  const key = stripped;
  if (pitchCache.has(key)) {
    const hit = pitchCache.get(key);
    if (hit instanceof ChordError) throw new ChordError(`unknown chord symbol ${pyRepr(symbol)}`);
    return hit;
  }
  let result;
  try {
    result = spell(stripped, symbol);
  } catch (e) {
    if (!(e instanceof ChordError)) throw e;
    result = e;
  }
  if (pitchCache.size > 512) pitchCache.clear();
  pitchCache.set(key, result);
  if (result instanceof ChordError) throw new ChordError(`unknown chord symbol ${pyRepr(symbol)}`);
  return result;
}

function spell(stripped, symbol) {
  const bad = () => new ChordError(`unknown chord symbol ${pyRepr(symbol)}`);
  const m = ROOT_RE.exec(stripped);
  if (!m || !stripped) throw bad();
  let [, letter, acc, kind, bassLetter, bassAcc] = m;
  const digits = kind !== "" && /^[0-9]+$/.test(kind);
  if ((digits && !NUMERIC_KINDS.has(kind)) || (kind.startsWith("-") && /^[0-9]$/.test(kind.slice(1, 2)))) throw bad();
  const altered = ALTERED_13.exec(kind);
  if (altered) kind = (altered[1].includes("9") ? "7" : "9") + altered[1] + "add13";
  kind = KIND_ALIASES.get(kind) || kind.replace(/^maj(9|11|13)(?=[#b+-])/, "M$1");
  let text = letter.toUpperCase() + accidental(acc) + kind;
  if (bassLetter) text += "/" + bassLetter.toUpperCase() + accidental(bassAcc);
  let midis;
  try {
    midis = new ChordSymbol(text).pitches.map((p) => p.ps);
  } catch (e) {
    if (e instanceof ChordError || e instanceof RangeError || e instanceof TypeError) throw bad();
    throw e;
  }
  if (new Set(midis).size !== midis.length || midis.length < (kind === "5" || kind === "power" ? 2 : 3)) throw bad();
  const shift = 12 * Math.floor((VOICING_FLOOR - midis[0] + 11) / 12);
  return midis.map((n) => n + shift).sort((a, b) => a - b);
}

// ---------------------------------------------------------------- lofi_build/music/progression.py

export const MOODS = ["bright", "warm", "calm", "dreamy", "hopeful", "nostalgic", "melancholy", "sad", "tense", "energetic"];
export const MODES = ["major", "minor"];
export const VECTOR_SIZE = 36; // root one-hot 12 | pitch-class set 12 | bass one-hot 12
// Root names a lead sheet uses after transposing: flats except F#.
const NAMES = ["C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"];
const STEPS = { C: 0, D: 2, E: 4, F: 5, G: 7, A: 9, B: 11 };
const ALTER = { "": 0, "#": 1, "##": 2, "♯": 1, b: -1, bb: -2, "♭": -1, "-": -1, "--": -2 };

/** A progression that cannot be read; ``bar`` (1-based, or null) and ``symbol`` say where. */
export class ProgressionError extends Error {
  constructor(message, bar = null, symbol = null) {
    super(bar ? `bar ${bar}: ${message}` : message);
    this.name = "ProgressionError";
    this.bar = bar;
    this.symbol = symbol;
  }
}

function splitSymbol(symbol) {
  const m = ROOT_RE.exec(symbol);
  if (!m) throw new ChordError(`unknown chord symbol ${pyRepr(symbol)}`);
  return m.slice(1);
}

function pc(letter, acc) {
  return (((STEPS[letter.toUpperCase()] + (ALTER[acc || ""] ?? 0)) % 12) + 12) % 12;
}

/** One chord symbol: root and bass pitch classes, its pitch-class set and a close voicing. */
export class Chord {
  constructor(symbol, root, pcs, bass, midi) {
    this.symbol = symbol;
    this.root = root;
    this.pcs = pcs;
    this.bass = bass;
    this.midi = midi;
  }
  vector() { return chordVector(this.root, this.pcs, this.bass); }
  transpose(semitones) { return makeChord(transposeSymbol(this.symbol, semitones)); }
  toJSON() { return { symbol: this.symbol, root: this.root, pcs: this.pcs, bass: this.bass, midi: this.midi }; }
}

/** The Chord a symbol names; throws ChordError for an unknown symbol. */
export function makeChord(symbol) {
  const midi = chordPitches(symbol);
  const stripped = pyStrip(symbol);
  const [letter, acc, , bassLetter, bassAcc] = splitSymbol(stripped);
  const root = pc(letter, acc);
  const bass = bassLetter ? pc(bassLetter, bassAcc) : root;
  const pcs = [...new Set(midi.map((n) => n % 12))].sort((a, b) => a - b);
  return new Chord(stripped, root, pcs, bass, midi);
}

export function transposeSymbol(symbol, semitones) {
  const [letter, acc, kind, bassLetter, bassAcc] = splitSymbol(symbol);
  const at = (p) => (((p + semitones) % 12) + 12) % 12;
  let text = NAMES[at(pc(letter, acc))] + kind;
  if (bassLetter) text += "/" + NAMES[at(pc(bassLetter, bassAcc))];
  return text;
}

/** Float32Array(36): root one-hot | pitch-class set | bass one-hot; all zeros when there is no chord. */
export function chordVector(root, pcs, bass) {
  const v = new Float32Array(VECTOR_SIZE);
  if (root === null || root === undefined) return v;
  const mod = (x) => ((x % 12) + 12) % 12;
  v[mod(root)] = 1;
  for (const p of pcs) v[12 + mod(p)] = 1;
  v[24 + mod(bass === null || bass === undefined ? root : bass)] = 1;
  return v;
}

/** A chord sounding from ``start`` to ``end`` (Frac, in quarters). */
export class ChordSpan {
  constructor(start, end, chord) {
    this.start = start;
    this.end = end;
    this.chord = chord;
  }
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
  transpose(semitones) { return new Progression(this.bars.map((bar) => bar.map((c) => c.transpose(semitones)))); }
}

/** Read ``Dm9 G13 | Cmaj9 | Cmaj9 A7b13``: bars split by ``|``, chords in a bar split it evenly. */
export function parseProgression(text) {
  if (typeof text !== "string" || !pyStrip(text)) throw new ProgressionError("empty progression");
  const bars = [];
  text.split("|").forEach((bar, index) => {
    const number = index + 1;
    const symbols = pySplit(bar);
    if (!symbols.length) throw new ProgressionError("empty bar", number);
    const chords = [];
    for (const symbol of symbols) {
      try {
        chords.push(makeChord(symbol));
      } catch (e) {
        if (!(e instanceof ChordError)) throw e;
        throw new ProgressionError(`unknown chord symbol ${pyRepr(symbol)}`, number, symbol);
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
