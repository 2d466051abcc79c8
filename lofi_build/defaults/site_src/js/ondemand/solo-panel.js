// The "Make a solo" panel: a progression or a mood, a temperature and Generate.
//
// "Make a solo": a progression (typed, a preset or from a mood in words), a temperature and Generate; the solo
// joins the AI solos and plays from the next bar, its row saying the mood it came from. Every control calls
// window.lofi; every failure is a message in the panel (the music plays on). Export WAV is the deck's
// (ondemand/export-controls.js).
import { chordTableLoaded, loadChordTable, validateProgression } from "../ai/progression.js";
import { readRecipe, soloDefaults } from "./live.js";

const mounted = new WeakMap();

export function mount({ api, manifest, root }) {
  if (!mounted.has(root)) mounted.set(root, new Panel({ api, manifest, root }));
  return mounted.get(root);
}

const q = (root, id) => root.querySelector(`#${id}`);

class Panel {
  constructor({ api, manifest, root }) {
    this.api = api;
    this.manifest = manifest;
    this.root = root;
    this.field = q(root, "solo-progression");
    this.error = q(root, "solo-progression-error");
    this.message = q(root, "solo-message");
    this.temperature = q(root, "solo-temperature");
    this.bars = q(root, "solo-bars");
    this.preset = q(root, "solo-preset");
    this.mood = q(root, "solo-mood");
    this.generateButton = q(root, "solo-generate");
    this.busy = false;
    this.fromMood = null; // {text, progression}: the mood the progression field was filled from
    this.field.addEventListener("input", () => this.validate());
    this.field.addEventListener("keydown", (e) => e.key === "Enter" && (e.preventDefault(), this.generate()));
    this.temperature.addEventListener("input", () => this.showTemperature());
    this.preset.addEventListener("change", () => {
      if (this.preset.value) {
        this.field.value = this.preset.value;
        this.validate();
      }
    });
    this.generateButton.addEventListener("click", () => this.generate());
    q(root, "solo-mood-apply").addEventListener("click", () => this.applyMood());
    this.mood.addEventListener("keydown", (e) => e.key === "Enter" && (e.preventDefault(), this.applyMood()));
    this.mood.addEventListener("input", () => this.mood.removeAttribute("aria-invalid"));
    this.showTemperature();
    // Typed progressions are read with the build's chord table, fetched now that the panel is open.
    this.chords = loadChordTable(new URL(manifest.chords, document.baseURI).href).then(() => this.validate(), (e) => {
      this.say(`The chord table could not be loaded: ${e.message}.`, true);
    });
    this.presets = this.loadPresets();
    this.chords.then(() => { root.dataset.ready = "true"; }); // the controls are live (tests wait for this)
  }

  say(text, error = false) {
    this.message.textContent = text;
    this.message.classList.toggle("error", error);
  }

  showTemperature() {
    const text = Number(this.temperature.value).toFixed(2);
    q(this.root, "solo-temperature-out").textContent = text;
    this.temperature.setAttribute("aria-valuetext", `temperature ${text}`);
  }

  /** Live validation: the first problem, naming the bar and the symbol; null when the progression reads (or
   * before the chord table is here: it validates again then). */
  validate() {
    const problem = chordTableLoaded() ? validateProgression(this.field.value) : null;
    this.error.textContent = problem ? `${problem[0].toUpperCase()}${problem.slice(1)}.` : "";
    if (problem) this.field.setAttribute("aria-invalid", "true");
    else this.field.removeAttribute("aria-invalid");
    return problem;
  }

  async loadPresets() {
    try {
      const library = await this.api.progressions();
      const options = library.map((e) => {
        const option = document.createElement("option");
        option.value = e.progression;
        option.textContent = `${e.name} (${e.mode}): ${e.progression}`;
        return option;
      });
      this.preset.append(...options);
    } catch (e) {
      this.say(`The presets could not be loaded: ${e.message}. You can still type a progression.`, true);
    }
  }

  async generate(extra = {}) {
    if (this.busy) return null;
    await this.chords;
    if (this.validate()) {
      this.say(`Fix the progression first: ${this.error.textContent}`, true);
      this.field.focus();
      return null;
    }
    const bars = Number(this.bars.value);
    this.busy = true;
    this.generateButton.disabled = true;
    this.root.setAttribute("aria-busy", "true");
    this.say("Making your solo…");
    try {
      const solo = await this.api.generate({ progression: this.field.value, bars, temperature: Number(this.temperature.value), ...extra });
      await this.api.select({ track: solo.id });
      if (this.fromMood && this.fromMood.progression === this.field.value) this.noteMood(solo.id, this.fromMood.text);
      const playing = this.api.state().transport.state === "started";
      this.say(`${solo.title} (seed ${solo.seed}, ${solo.notes.length} notes) joins the AI solos${playing ? " and comes in at the next bar" : "; press Play to hear it"}.`);
      return solo;
    } catch (e) {
      this.say(e.message, true);
      return null;
    } finally {
      this.busy = false;
      this.generateButton.disabled = false;
      this.root.removeAttribute("aria-busy");
    }
  }

  /** The solo's row says the words it came from (a row says what its solo is). */
  noteMood(id, text) {
    const meta = document.querySelector(`.track[data-id="${CSS.escape(id)}"] .track-meta`);
    if (!meta || meta.querySelector(".mood")) return;
    const words = document.createElement("span");
    words.className = "mood";
    words.textContent = `“${text.trim()}” · `;
    meta.prepend(words);
  }

  async applyMood() {
    const text = this.mood.value;
    if (!text.trim()) {
      this.say("Type a mood first, such as “a slow rainy sunday”.", true);
      return null;
    }
    try {
      const m = await this.api.mood(text);
      this.mood.removeAttribute("aria-invalid");
      this.fromMood = { text, progression: m.progression };
      this.field.value = m.progression;
      this.temperature.value = String(m.temperature);
      this.showTemperature();
      this.api.setBpm(m.bpm);
      this.validate();
      await this.presets;
      this.preset.value = [...this.preset.options].some((o) => o.value === m.progression) ? m.progression : "";
      const heard = m.words.map((w) => `“${w}”`).join(", ");
      this.say(`Mood from ${heard}: ${m.mode}, valence ${m.valence.toFixed(2)}, energy ${m.arousal.toFixed(2)} → ${m.progression}, ${m.bpm} bpm, temperature ${m.temperature}.`);
      return m;
    } catch (e) {
      // Nothing is filled in: a mood the words do not tell would be a guess.
      this.mood.setAttribute("aria-invalid", "true");
      this.say(`The mood could not be read: ${e.message}.`, true);
      return null;
    }
  }

  /** Make the solo a link describes, and select it. */
  async restore(hash) {
    const r = readRecipe(hash, soloDefaults(this.manifest));
    if (!r) return null;
    const model = this.manifest.model ? this.manifest.model.id : null;
    if (r.model !== model) {
      this.say(`This link's solo was made by model ${r.model}; this site has ${model || "no model"}, so it cannot be made again here.`, true);
      return null;
    }
    this.field.value = r.progression;
    this.bars.value = String(r.bars);
    this.temperature.value = String(r.temperature);
    this.showTemperature();
    return this.generate({ seed: r.seed, topK: r.topK, temperature: r.temperature });
  }
}
