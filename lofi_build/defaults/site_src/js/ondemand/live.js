// Live solos and moods behind window.lofi, loaded on first use.
//
// Live solos and moods behind window.lofi (loaded on first use): a new solo from the model in a worker joins
// the AI solos, any piece as note-format JSON, a mood in words, and the link that makes the same solo again.
import { midiBytes } from "./midi.js";

const RECIPE_KEYS = ["solo", "seed", "temperature", "topk", "bars", "progression"];

/** What a live solo is made with when nobody says: the site's solo length, and its ai.temperature and
 * ai.top_k (manifest.facts.ai), so a live solo is made as the built ones are. */
export function soloDefaults(manifest) {
  return { bars: manifest.site.loops.solos, temperature: manifest.facts.ai.temperature, topK: manifest.facts.ai.topK };
}

/** The live solo a link asks for: {model, seed, temperature, topK, bars, progression}, or null; what the
 * link leaves out is `defaults`' (soloDefaults). */
export function readRecipe(hash, defaults) {
  const params = new URLSearchParams(String(hash).replace(/^#/, ""));
  if (!params.has("solo") || !params.has("progression")) return null;
  const number = (key, fallback) => (params.has(key) ? Number(params.get(key)) : fallback);
  return {
    model: params.get("solo"),
    seed: number("seed", NaN),
    temperature: number("temperature", defaults.temperature),
    topK: number("topk", defaults.topK),
    bars: number("bars", defaults.bars),
    progression: params.get("progression"),
  };
}

/** The hash parameters of a recipe (appended to the player's own). */
export function recipeParams(r) {
  return [["solo", r.model], ["seed", String(r.seed)], ["temperature", String(r.temperature)], ["topk", String(r.topK)],
          ["bars", String(r.bars)], ["progression", r.progression]];
}

export { RECIPE_KEYS };

function fnv(text) {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(text)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}

const randomSeed = () => crypto.getRandomValues(new Uint32Array(1))[0];

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}

/** A new solo's row in the AI solos list, as the page draws the built ones (a radio, a label saying its key and
 * progression, its MIDI file); it is never folded away by the list's "more". */
export function soloRow(entry, select) {
  const list = document.getElementById("solos");
  if (!list) return;
  for (const empty of list.querySelectorAll(".empty")) empty.remove();
  const id = `track-${entry.id}`;
  const input = el("input", { type: "radio", name: "track", id, value: entry.id });
  input.addEventListener("change", () => {
    if (input.checked) select(entry.id).catch((e) => console.warn("lofi:", e));
  });
  const meta = el("span", { class: "track-meta", text: `${entry.key} · ` }, el("span", { class: "chords", text: entry.progression }),
    ` · ${entry.loopBars} bars, seed ${entry.seed}, made here`);
  const label = el("label", { for: id }, el("span", { class: "track-title", text: entry.title }), meta);
  const name = `${entry.title.replace(/[\\/:*?"<>|]+/g, "-")}.mid`;
  const midi = el("a", { class: "midi", href: entry.midi, download: name, "aria-label": `Download the MIDI file of ${entry.title}`, text: "MIDI ↓" });
  list.append(el("div", { class: "track live", "data-id": entry.id, "data-key": entry.key }, input, label, midi));
}

/**
 * The live part of the API over the player's engine, loader and manifest; ``select(id)`` picks a track (the
 * API's), ``onSolo(entry)`` is told of every new solo (default: the page lists it).
 */
export function createLive({ engine, loader, manifest, select = async () => {}, onSolo = (entry) => soloRow(entry, select) }) {
  let generator = null;
  let moodData = null;
  let count = 0;
  const pieces = new Map(); // live id -> piece
  const making = new Map(); // live id -> the promise of its solo

  async function gen() {
    if (!generator) {
      const { createGenerator } = await import("../ai/client.js");
      generator = createGenerator(manifest, document.baseURI);
    }
    return generator;
  }

  async function generate(options = {}) {
    if (!manifest.model) throw new Error("This site has no model for live solos.");
    const { loadChordTable, parseProgression, validateProgression } = await import("../ai/progression.js");
    const chords = new URL(manifest.chords, document.baseURI).href; // the worker reads the progression with it too
    await loadChordTable(chords);
    const d = soloDefaults(manifest);
    const request = {
      progression: options.progression,
      bars: options.bars === undefined ? d.bars : options.bars,
      seed: options.seed === undefined || options.seed === null ? randomSeed() : options.seed,
      temperature: options.temperature === undefined ? d.temperature : options.temperature,
      topK: options.topK === undefined ? d.topK : options.topK,
    };
    const problem = typeof request.progression === "string" ? validateProgression(request.progression) : "a progression is text, such as 'Dm9 G13 | Cmaj9'";
    if (problem) throw new Error(`Progression: ${problem}.`);
    const limit = manifest.facts.limits.bars; // the CLI's --bars and loops.solos allow the same
    if (!Number.isInteger(request.bars) || request.bars < limit.min || request.bars > limit.max) {
      throw new Error(`Bars: a solo is ${limit.min} to ${limit.max} bars long, not ${request.bars}.`);
    }
    const model = manifest.model.id;
    const recipe = { model, ...request, progression: parseProgression(request.progression).text }; // canonical text
    const id = `live-${fnv(JSON.stringify(recipe))}`;
    if (!manifest.solos.some((e) => e.id === id)) {
      if (!making.has(id)) {
        making.set(id, make(id, request, recipe, chords).finally(() => making.delete(id))); // the same request twice: one solo
      }
      await making.get(id);
    }
    const entry = manifest.solos.find((e) => e.id === id);
    const piece = pieces.get(id);
    const bpm = engine.state().soloBpm || manifest.site.bpm;
    return {
      id, title: entry.title, seed: request.seed, progression: piece.lofi.progression,
      notes: piece.tracks[0].notes.map(({ midi, ticks, durationTicks, velocity }) => ({ midi, ticks, durationTicks, velocity })),
      seconds: (request.bars * piece.lofi.timeSignature[0] * 60) / bpm,
    };
  }

  async function make(id, request, recipe, chords) {
    const model = recipe.model;
    const text = recipe.progression;
    let reply;
    try {
      reply = await (await gen()).solo({ ...request, chords, bpm: manifest.site.bpm, title: "" });
    } catch (e) {
      throw new Error(`The solo could not be made: ${e.message}`);
    }
    const piece = reply.piece;
    piece.header.name = `Your solo ${++count} · ${text}`;
    piece.lofi.live = true; // made in this page: it loops at its own length (engine._loopTicks)
    const url = `live:${id}.json`;
    const midi = URL.createObjectURL(new Blob([midiBytes(piece, `${text} · seed ${request.seed} · ${model}`)], { type: "audio/midi" }));
    const entry = {
      id, title: piece.header.name, bpm: piece.lofi.bpm, loopBars: request.bars, timeSignature: piece.lofi.timeSignature,
      swing: 0, instruments: [...new Set(piece.lofi.parts.map((p) => p.instrument))].sort(), url, midi,
      key: `${piece.header.keySignatures[0].key} ${piece.header.keySignatures[0].scale}`, progression: piece.lofi.progression,
      seed: request.seed, temperature: request.temperature, topK: request.topK, live: true,
      recipe,
    };
    entry.hash = recipeParams(entry.recipe); // the player's link carries it while this solo is selected
    loader.jsonCache.set(url, Promise.resolve(piece));
    pieces.set(id, piece);
    manifest.solos.push(entry);
    onSolo(entry);
  }

  async function piece(id) {
    const entry = [...manifest.songs, ...manifest.solos, ...manifest.drums].find((e) => e.id === id);
    if (!entry) throw new Error(`no song, solo or drum groove '${id}'`);
    return JSON.parse(JSON.stringify(await loader.json(entry.url)));
  }

  async function moodContext() {
    if (!moodData) {
      moodData = (async () => {
        if (!manifest.progressions) throw new Error("This site has no progression library.");
        const fetchOk = async (url, as) => {
          const r = await fetch(new URL(url, document.baseURI));
          if (!r.ok) throw new Error(`cannot fetch ${url}: HTTP ${r.status}`);
          return as === "json" ? r.json() : r.text();
        };
        const data = await fetchOk(manifest.progressions, "json");
        return { data, mood: null };
      })();
      moodData.catch(() => { moodData = null; });
    }
    return moodData;
  }

  /** The progression library [{name, progression, mode, moods, description}] (the lazy asset). */
  async function library() {
    return (await moodContext()).data.library;
  }

  async function mood(text) {
    if (typeof text !== "string") throw new Error("a mood is text");
    const ctx = await moodContext();
    if (!ctx.data.mood) throw new Error("This site has no mood table.");
    if (!ctx.mood) {
      const m = await import("../ai/mood.js");
      const get = async (url) => {
        const r = await fetch(new URL(url, document.baseURI));
        if (!r.ok) throw new Error(`cannot fetch ${url}: HTTP ${r.status}`);
        return r.text();
      };
      const [lex, emo] = await Promise.all([get(ctx.data.mood.lexicon), get(ctx.data.mood.emoji)]);
      ctx.mood = { m, lexicons: { lexicon: m.parseLexicon(lex), emoji: m.parseLexicon(emo, false) } };
    }
    // A text with no mood word ("asdfgh", "雨の夜") is refused with a message, as `lofi-build mood` refuses it.
    const r = ctx.mood.m.readMood(text, { table: ctx.data.mood.table, library: ctx.data.library, lexicons: ctx.mood.lexicons });
    return { valence: r.valence, arousal: r.arousal, mode: r.mode, progression: r.progression, bpm: r.bpm,
             temperature: r.temperature, name: r.name, words: r.words };
  }

  return { generate, piece, mood, library, generator: gen };
}
