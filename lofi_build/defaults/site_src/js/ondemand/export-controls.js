// The deck's Export WAV: a length in minutes, Export, a progress bar and Cancel, all through lofi.exportWav.
//
// Loaded on the first Export (page/ui.js), never before the first sound. The length is checked where the
// export is made (ondemand/wav.js, with the facts block's limits): a bad one is a message under the picker
// and nothing starts. Rendering an hour takes a while, so the bar shows how far it got and Cancel stops it
// at the next slice; the music that plays meanwhile plays on.

const $ = (id) => document.getElementById(id);

function clock(seconds) {
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function megabytes(bytes) {
  return `${(bytes / 1e6).toFixed(bytes < 1e8 ? 1 : 0)} MB`;
}

export class ExportControls {
  constructor({ api }) {
    this.api = api;
    this.minutes = $("export-minutes");
    this.button = $("export-wav");
    this.cancel = $("export-cancel");
    this.progress = $("export-progress");
    this.error = $("export-error");
    this.message = $("export-message");
    this.abort = null;
  }

  /** Export and Enter in the picker are the page's own (they load this module): Cancel and the picker here. */
  mount() {
    this.cancel.addEventListener("click", () => this.abort && this.abort.abort());
    this.minutes.addEventListener("input", () => this.showError(""));
    return this;
  }

  say(text, error = false) {
    this.message.textContent = text;
    this.message.classList.toggle("error", error);
  }

  showError(text) {
    this.error.textContent = text;
    if (text) this.minutes.setAttribute("aria-invalid", "true");
    else this.minutes.removeAttribute("aria-invalid");
  }

  /** Export what is selected for the picked number of minutes; resolves when it is saved, cancelled or refused. */
  async run() {
    if (this.abort) return null;
    // An empty field is what a number input holds for text it cannot read ("abc"): NaN, which wav.js refuses.
    const minutes = this.minutes.value.trim() === "" ? NaN : Number(this.minutes.value);
    this.abort = new AbortController();
    this.showError("");
    this.button.disabled = true;
    this.cancel.hidden = false;
    this.progress.hidden = false;
    this.progress.value = 0;
    this.say("Getting the sounds ready…");
    try {
      const out = await this.api.exportWav({ minutes, signal: this.abort.signal, onProgress: (p) => this.showProgress(p) });
      this.say(out ? `Saved ${clock(out.seconds)} of music as a ${megabytes(out.bytes)} WAV (made in ${out.renderSeconds.toFixed(1)} s).` : "Export cancelled.");
      return out;
    } catch (e) {
      if (e instanceof RangeError) {
        this.say("");
        this.showError(e.message);
        this.minutes.focus();
      } else {
        this.say(`The WAV could not be made: ${e.message}`, true);
      }
      return null;
    } finally {
      this.abort = null;
      this.button.disabled = false;
      this.cancel.hidden = true;
      this.progress.hidden = true;
    }
  }

  showProgress({ phase, fraction }) {
    if (!Number.isFinite(fraction)) return; // the render's length is not known yet
    this.progress.value = fraction;
    const percent = Math.round(fraction * 100);
    // The bar says how far (a live region would read every step out): the message changes once.
    this.progress.setAttribute("aria-valuetext", `${phase} ${percent} %`);
    if (phase === "rendering" && this.message.textContent !== "Rendering the WAV…") this.say("Rendering the WAV…");
  }
}
