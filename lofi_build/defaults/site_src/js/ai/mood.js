// Mood in words in the browser: VADER valence and energy cues, turned into a progression, tempo and temperature by the mood table.
//
// Mood in words, in the browser: VADER's compound valence (a port of vaderSentiment 3.3.2's
// scoring, MIT, over its vendored lexicons) plus energy cues give valence and arousal, and the mood
// table (content/progressions/moods.yaml, baked into the manifest) turns them into a mode, a
// progression from the library, a tempo and a temperature. lofi_build/music/mood.py computes the
// same with the vaderSentiment package; tests/mood_cases.json is checked on both sides.

// --- VADER (constants and rules as in vaderSentiment/vaderSentiment.py) ---
const B_INCR = 0.293;
const B_DECR = -0.293;
const C_INCR = 0.733;
const N_SCALAR = -0.74;

const NEGATE = new Set([
  "aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt",
  "ain't", "aren't", "can't", "couldn't", "daren't", "didn't", "doesn't",
  "dont", "hadnt", "hasnt", "havent", "isnt", "mightnt", "mustnt", "neither",
  "don't", "hadn't", "hasn't", "haven't", "isn't", "mightn't", "mustn't",
  "neednt", "needn't", "never", "none", "nope", "nor", "not", "nothing", "nowhere",
  "oughtnt", "shant", "shouldnt", "uhuh", "wasnt", "werent",
  "oughtn't", "shan't", "shouldn't", "uh-uh", "wasn't", "weren't",
  "without", "wont", "wouldnt", "won't", "wouldn't", "rarely", "seldom", "despite",
]);

const BOOSTERS = [
  "absolutely", "amazingly", "awfully", "completely", "considerable", "considerably", "decidedly",
  "deeply", "effing", "enormous", "enormously", "entirely", "especially", "exceptional",
  "exceptionally", "extreme", "extremely", "fabulously", "flipping", "flippin", "frackin",
  "fracking", "fricking", "frickin", "frigging", "friggin", "fully", "fuckin", "fucking", "fuggin",
  "fugging", "greatly", "hella", "highly", "hugely", "incredible", "incredibly", "intensely",
  "major", "majorly", "more", "most", "particularly", "purely", "quite", "really", "remarkably",
  "so", "substantially", "thoroughly", "total", "totally", "tremendous", "tremendously", "uber",
  "unbelievably", "unusually", "utter", "utterly", "very",
];
const DAMPENERS = [
  "almost", "barely", "hardly", "just enough", "kind of", "kinda", "kindof", "kind-of", "less",
  "little", "marginal", "marginally", "occasional", "occasionally", "partly", "scarce", "scarcely",
  "slight", "slightly", "somewhat", "sort of", "sorta", "sortof", "sort-of",
];
const BOOSTER_DICT = new Map([...BOOSTERS.map((w) => [w, B_INCR]), ...DAMPENERS.map((w) => [w, B_DECR])]);

const SPECIAL_CASES = new Map(Object.entries({
  "the shit": 3, "the bomb": 3, "bad ass": 1.5, "badass": 1.5, "bus stop": 0.0,
  "yeah right": -2, "kiss of death": -1.5, "to die for": 3, "beating heart": 3.5,
}));

const PUNCTUATION = new Set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~");

/** Python's str.isupper(): at least one cased character and no lower-case one. */
function isUpper(s) {
  return s.toUpperCase() === s && s.toLowerCase() !== s;
}

function strip(token) {
  const chars = [...token];
  let a = 0;
  let b = chars.length;
  while (a < b && PUNCTUATION.has(chars[a])) a++;
  while (b > a && PUNCTUATION.has(chars[b - 1])) b--;
  const stripped = chars.slice(a, b);
  return stripped.length <= 2 ? token : stripped.join("");
}

function splitWords(text) {
  return text.split(/\s+/).filter((w) => w.length > 0);
}

/** "word<TAB>value<TAB>..." lines (vader_lexicon.txt, emoji_utf8_lexicon.txt) as a Map of the first two columns. */
export function parseLexicon(text, numeric = true) {
  const map = new Map();
  for (const line of text.replace(/\n+$/, "").split("\n")) {
    if (!line) continue;
    const [word, value] = line.trim().split("\t");
    map.set(word, numeric ? parseFloat(value) : value);
  }
  return map;
}

function negated(word) {
  return NEGATE.has(word) || word.includes("n't");
}

function scalarIncDec(word, valence, capDiff) {
  const lower = word.toLowerCase();
  if (!BOOSTER_DICT.has(lower)) return 0.0;
  let scalar = BOOSTER_DICT.get(lower);
  if (valence < 0) scalar *= -1;
  if (isUpper(word) && capDiff) scalar += valence > 0 ? C_INCR : -C_INCR;
  return scalar;
}

function negationCheck(valence, lower, startI, i) {
  if (startI === 0) {
    if (negated(lower[i - 1])) valence *= N_SCALAR;
  } else if (startI === 1) {
    if (lower[i - 2] === "never" && (lower[i - 1] === "so" || lower[i - 1] === "this")) valence *= 1.25;
    else if (lower[i - 2] === "without" && lower[i - 1] === "doubt") { /* unchanged */ }
    else if (negated(lower[i - 2])) valence *= N_SCALAR;
  } else if (startI === 2) {
    if ((lower[i - 3] === "never" && (lower[i - 2] === "so" || lower[i - 2] === "this")) || lower[i - 1] === "so" || lower[i - 1] === "this") valence *= 1.25;
    else if (lower[i - 3] === "without" && (lower[i - 2] === "doubt" || lower[i - 1] === "doubt")) { /* unchanged */ }
    else if (negated(lower[i - 3])) valence *= N_SCALAR;
  }
  return valence;
}

function specialIdiomsCheck(valence, lower, i) {
  const sequences = [
    `${lower[i - 1]} ${lower[i]}`,
    `${lower[i - 2]} ${lower[i - 1]} ${lower[i]}`,
    `${lower[i - 2]} ${lower[i - 1]}`,
    `${lower[i - 3]} ${lower[i - 2]} ${lower[i - 1]}`,
    `${lower[i - 3]} ${lower[i - 2]}`,
  ];
  for (const seq of sequences) {
    if (SPECIAL_CASES.has(seq)) { valence = SPECIAL_CASES.get(seq); break; }
  }
  if (lower.length - 1 > i) {
    const zeroOne = `${lower[i]} ${lower[i + 1]}`;
    if (SPECIAL_CASES.has(zeroOne)) valence = SPECIAL_CASES.get(zeroOne);
  }
  if (lower.length - 1 > i + 1) {
    const zeroOneTwo = `${lower[i]} ${lower[i + 1]} ${lower[i + 2]}`;
    if (SPECIAL_CASES.has(zeroOneTwo)) valence = SPECIAL_CASES.get(zeroOneTwo);
  }
  for (const nGram of [sequences[3], sequences[4], sequences[2]]) {
    if (BOOSTER_DICT.has(nGram)) valence += BOOSTER_DICT.get(nGram);
  }
  return valence;
}

function leastCheck(valence, words, lower, lexicon, i) {
  if (i > 1 && !lexicon.has(lower[i - 1]) && lower[i - 1] === "least") {
    if (lower[i - 2] !== "at" && lower[i - 2] !== "very") valence *= N_SCALAR;
  } else if (i > 0 && !lexicon.has(lower[i - 1]) && lower[i - 1] === "least") {
    valence *= N_SCALAR;
  }
  return valence;
}

function wordValence(words, lower, i, capDiff, lexicon) {
  const item = words[i];
  const itemLower = lower[i];
  let valence = 0;
  if (!lexicon.has(itemLower)) return valence;
  valence = lexicon.get(itemLower);
  if (itemLower === "no" && i !== words.length - 1 && lexicon.has(lower[i + 1])) valence = 0.0;
  if ((i > 0 && lower[i - 1] === "no") || (i > 1 && lower[i - 2] === "no")
      || (i > 2 && lower[i - 3] === "no" && (lower[i - 1] === "or" || lower[i - 1] === "nor"))) {
    valence = lexicon.get(itemLower) * N_SCALAR;
  }
  if (isUpper(item) && capDiff) valence += valence > 0 ? C_INCR : -C_INCR;
  for (let startI = 0; startI < 3; startI++) {
    if (i > startI && !lexicon.has(lower[i - (startI + 1)])) {
      let s = scalarIncDec(words[i - (startI + 1)], valence, capDiff);
      if (startI === 1 && s !== 0) s *= 0.95;
      if (startI === 2 && s !== 0) s *= 0.9;
      valence += s;
      valence = negationCheck(valence, lower, startI, i);
      if (startI === 2) valence = specialIdiomsCheck(valence, lower, i);
    }
  }
  return leastCheck(valence, words, lower, lexicon, i);
}

/** Python's round(x, places) for the values we meet (no exact binary ties): nearest, by the exact value. */
export function roundTo(x, places) {
  const r = Number(x.toFixed(places));
  return r === 0 ? 0 : r;
}

/** The text as VADER scores it: each emoji replaced by its description (polarity_scores' first step). */
function withoutEmoji(text, emoji) {
  let out = "";
  let prevSpace = true;
  for (const ch of text) {
    if (emoji.has(ch)) {
      if (!prevSpace) out += " ";
      out += emoji.get(ch);
      prevSpace = false;
    } else {
      out += ch;
      prevSpace = ch === " ";
    }
  }
  return out.trim();
}

/** VADER's compound score of ``text``: -1 (most negative) .. 1, rounded to 4 places. */
export function compound(text, { lexicon, emoji }) {
  text = withoutEmoji(text, emoji);
  const words = splitWords(text).map(strip);
  const lower = words.map((w) => w.toLowerCase());
  const upperCount = words.filter(isUpper).length;
  const capDiff = words.length - upperCount > 0 && words.length - upperCount < words.length;

  let sentiments = [];
  for (let i = 0; i < words.length; i++) {
    if (BOOSTER_DICT.has(lower[i])) { sentiments.push(0); continue; }
    if (i < words.length - 1 && lower[i] === "kind" && lower[i + 1] === "of") { sentiments.push(0); continue; }
    sentiments.push(wordValence(words, lower, i, capDiff, lexicon));
  }
  const bi = lower.indexOf("but");
  if (bi >= 0) {
    // As vaderSentiment does it: each value rescaled where its first equal value sits.
    for (let k = 0; k < sentiments.length; k++) {
      const sentiment = sentiments[k];
      const si = sentiments.indexOf(sentiment);
      if (si < bi) sentiments[si] = sentiment * 0.5;
      else if (si > bi) sentiments[si] = sentiment * 1.5;
    }
  }
  if (sentiments.length === 0) return 0;
  let sum = sentiments.reduce((a, b) => a + b, 0);
  const ep = Math.min((text.match(/!/g) || []).length, 4) * 0.292;
  const qmCount = (text.match(/\?/g) || []).length;
  const qm = qmCount > 1 ? (qmCount <= 3 ? qmCount * 0.18 : 0.96) : 0;
  if (sum > 0) sum += ep + qm;
  else if (sum < 0) sum -= ep + qm;
  let norm = sum / Math.sqrt(sum * sum + 15);
  norm = Math.max(-1, Math.min(1, norm));
  return roundTo(norm, 4);
}

// --- the mood table ---

// What the page and `lofi-build mood` say to a text with no mood word (mood.py's NO_MOOD, word for word).
export const NO_MOOD = "none of these words tells a mood (none is in the mood lexicon): try words such as “rainy”, “calm” or “happy”";

/** The words a mood is read from, lower-cased, each once in the order they come (mood.py's mood_words): VADER's
 * lexicon words (emoji by their descriptions) but its intensifiers and dampeners, which only scale the words
 * beside them, and the table's calm and lively words. "!" and CAPITALS alone tell no mood. */
export function moodWords(text, { lexicon, emoji }, energy) {
  const cues = new Set([...energy.calm_words, ...energy.lively_words]);
  const found = [];
  for (const word of splitWords(withoutEmoji(text, emoji)).map(strip)) {
    const w = word.toLowerCase();
    if (((lexicon.has(w) && !BOOSTER_DICT.has(w)) || cues.has(w)) && !found.includes(w)) found.push(w);
  }
  return found;
}

/** 0 (sleepy) .. 1 (wired) from "!", VADER's intensifiers and dampeners, CAPITALS and strong words. */
export function arousal(text, valence, energy) {
  const words = splitWords(text).map(strip);
  const lower = words.map((w) => w.toLowerCase());
  const boosters = lower.filter((w) => (BOOSTER_DICT.get(w) || 0) > 0).length;
  const dampeners = lower.filter((w) => (BOOSTER_DICT.get(w) || 0) < 0).length;
  const lettered = words.filter((w) => [...w].filter((ch) => /\p{L}/u.test(ch)).length >= 2);
  const capitals = lettered.length ? lettered.filter(isUpper).length / lettered.length : 0;
  const calm = new Set(energy.calm_words);
  const lively = new Set(energy.lively_words);
  const a = energy.base
    + energy.exclamation * Math.min((text.match(/!/g) || []).length, 3)
    + energy.intensifier * (Math.min(boosters, 3) - Math.min(dampeners, 3))
    + energy.capitals * capitals
    + energy.strength * Math.abs(valence)
    + energy.calm_word * lower.filter((w) => calm.has(w)).length
    + energy.lively_word * lower.filter((w) => lively.has(w)).length;
  return roundTo(Math.min(1, Math.max(0, a)), 3);
}

/** 32-bit FNV-1a of the text's UTF-8 bytes, whitespace collapsed (as mood.py computes it). */
export function fnv1a(text) {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(splitWords(text).join(" "))) {
    h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * The mood of ``text``: ``{valence, arousal, mode, progression, name, bpm, temperature, words}`` (``words``:
 * moodWords; empty, the text tells no mood and readMood refuses it).
 * ``table``: the mood table; ``library``: [{name, progression, mode, moods}] in library order;
 * ``lexicons``: {lexicon, emoji} Maps from parseLexicon.
 */
export function chooseMood(text, { table, library, lexicons }) {
  const valence = text.trim() ? compound(text, lexicons) : 0;
  const aro = arousal(text, valence, table.energy);
  const cell = table.cells.find((c) => c.valence[0] <= valence && valence < c.valence[1] && c.arousal[0] <= aro && aro < c.arousal[1]);
  const weights = new Map(cell.moods.map((tag, i) => [tag, 3 - i]));
  let pool = library.filter((e) => e.mode === cell.mode);
  if (pool.length === 0) pool = library.slice();
  let scored = pool.map((e) => [e, e.moods.reduce((s, tag) => s + (weights.get(tag) || 0), 0)]).filter(([, s]) => s > 0);
  if (scored.length === 0) scored = pool.map((e) => [e, 1]);
  // The entry at hash mod total on the integer line of the scores: better matches get more of it.
  let r = fnv1a(text) % scored.reduce((t, [, s]) => t + s, 0);
  let entry = null;
  for (const [e, s] of scored) {
    if (r < s) { entry = e; break; }
    r -= s;
  }
  const { tempo, temperature } = table;
  return {
    valence,
    arousal: aro,
    mode: cell.mode,
    progression: entry.progression,
    name: entry.name,
    bpm: Math.floor(tempo.min + (tempo.max - tempo.min) * aro + 0.5),
    temperature: roundTo(temperature.min + (temperature.max - temperature.min) * aro, 2),
    words: moodWords(text, lexicons, table.energy),
  };
}

/** chooseMood, but a text with no mood word is refused (an Error saying NO_MOOD) rather than read as a neutral
 * mood nobody asked for: the rule of lofi.mood() and of `lofi-build mood` (mood.py's read). */
export function readMood(text, context) {
  const mood = chooseMood(text, context);
  if (mood.words.length === 0) throw new Error(NO_MOOD);
  return mood;
}
