// The page's controls: the layer choices, the track list and the deck, all calling window.lofi.
//
// The page: step 1 (drums, ambience, quote), step 2 (songs and AI solos, rendered by the
// template; the solos folded to a few with "more"), the deck (now playing, transport, share and
// the offline sign, mixer, tempo, Export WAV; on a phone its bar is pinned and the rest opens as
// a sheet with the mixer button). Every control calls the same window.lofi functions that
// automation calls; the page only reflects state().
import { MIN_DB, MAX_DB, VOLUME_NAMES } from "../audio/mixer.js";
import { nowPlaying } from "./now-playing.js";

const $ = (id) => document.getElementById(id);
const LABELS = { drums: "drums", ambience: "ambience", quote: "quote", music: "music" };
const PICKS = [["drums", "drums"], ["ambience", "ambience"], ["quote", "quotes"]];

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

export function formatDb(db) {
  if (db <= MIN_DB) return "off";
  const rounded = Math.round(db);
  return `${rounded > 0 ? "+" : rounded < 0 ? "−" : ""}${Math.abs(rounded)} dB`;
}

/** A track row's data-* ({bpm, key}, read from the piece by the build), or null. */
function rowData(id) {
  const row = document.querySelector(`.track[data-id="${CSS.escape(id)}"]`);
  return row ? row.dataset : null;
}

export class UI {
  constructor({ api, manifest, position, onError }) {
    this.api = api;
    this.manifest = manifest;
    this.position = position;
    this.onError = onError;
    this.pending = false;
    this.lastStatus = {};
  }

  mount() {
    this._wirePicks();
    this._wireTracks();
    this._wireSolos();
    this._wireTransport();
    this._wireDeck();
    this._wireShare();
    this._wireMixer();
    this._wireKeyboard();
    this._wireExport();
    $("play").disabled = false;
    $("player").setAttribute("aria-busy", "false");
    this.setStatus("");
    // The position changes once a beat: a few looks a second are plenty, and unlike a
    // frame-by-frame loop they do not make the page produce a new frame 60 times a second.
    this._tick();
    setInterval(() => this._tick(), 200);
  }

  fail(error) {
    if (this.onError) this.onError(error);
    this.setStatus(`Something went wrong: ${error.message}`, true);
  }

  setStatus(text, error = false) {
    const status = $("status");
    status.textContent = text;
    status.classList.toggle("error", error);
  }

  // -- step 1 --------------------------------------------------------------------------------

  /** The choices are the page's own (rendered by the template): wire them. */
  _wirePicks() {
    for (const [layer] of PICKS) {
      const select = $(`pick-${layer}`);
      select.addEventListener("change", () => this.api.select({ [layer]: select.value || null }).catch((e) => this.fail(e)));
    }
  }

  // -- step 2 --------------------------------------------------------------------------------

  /** The track list is the page's own (rendered once, by the template): wire its radios. */
  _wireTracks() {
    for (const input of document.querySelectorAll('input[name="track"]')) {
      input.addEventListener("change", () => {
        if (input.checked) this.api.select({ track: input.value }).catch((e) => this.fail(e));
      });
    }
  }

  /** The AI solos: a few rows and the one playing, "more" for the rest (the template marks them `extra`), and
   * a way to "Make a solo" that does not scroll past them all. */
  _wireSolos() {
    const list = $("solos");
    const more = $("solos-more");
    if (more) {
      // Live solos join the list (ondemand/live.js): the count is read each time.
      const label = () => {
        const open = more.getAttribute("aria-expanded") === "true";
        const text = open ? "Show fewer" : `Show all ${list.querySelectorAll(".track").length} AI solos`;
        if (more.textContent !== text) more.textContent = text;
      };
      this._moreLabel = label;
      more.addEventListener("click", () => {
        const open = more.getAttribute("aria-expanded") !== "true";
        more.setAttribute("aria-expanded", String(open));
        list.classList.toggle("is-short", !open);
        label();
      });
      more.setAttribute("aria-expanded", "false");
      list.classList.add("is-short");
      label();
      more.hidden = false;
    }
    const own = $("make-own");
    const panel = $("make-solo");
    if (own && panel) {
      own.addEventListener("click", () => {
        panel.open = true; // its toggle event loads the panel (main.js)
        const reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
        panel.scrollIntoView({ block: "start", behavior: reduce ? "auto" : "smooth" });
        panel.querySelector("summary").focus({ preventScroll: true });
      });
    }
  }

  // -- deck ----------------------------------------------------------------------------------

  _wireTransport() {
    $("play").addEventListener("click", () => this.toggle());
    $("stop").addEventListener("click", () => this.api.stop());
  }

  toggle() {
    const playing = this.api.state().transport.state === "started" || this.starting;
    if (playing) {
      this.starting = false;
      return this.api.pause();
    }
    this.starting = true;
    this.update();
    return this.api.play().catch((e) => this.fail(e)).finally(() => {
      this.starting = false;
      this.update();
    });
  }

  /** On a phone the deck's bar is pinned and the mixer button opens the rest as a sheet (CSS: .is-open);
   * Escape or the button again closes it. On a wide screen the button is not shown and the deck is open. */
  _wireDeck() {
    const deck = $("deck");
    const toggle = $("deck-toggle");
    const show = (open) => {
      deck.classList.toggle("is-open", open);
      toggle.setAttribute("aria-expanded", String(open));
    };
    toggle.addEventListener("click", () => show(toggle.getAttribute("aria-expanded") !== "true"));
    deck.addEventListener("keydown", (e) => {
      if (e.key !== "Escape" || toggle.getAttribute("aria-expanded") !== "true") return;
      show(false);
      toggle.focus();
    });
  }

  /** Share (ondemand/share.js, loaded with the first tap: well within the tap's user activation). */
  _wireShare() {
    $("share").addEventListener("click", () => {
      const now = nowPlaying(this.api.state(), this.manifest, rowData);
      import("../ondemand/share.js").then((m) => m.shareFromDeck(now, this.manifest.site.title)).catch((e) => this.fail(e));
    });
  }

  _wireMixer() {
    for (const layer of VOLUME_NAMES) {
      const input = $(`vol-${layer}`);
      input.min = String(MIN_DB);
      input.max = String(MAX_DB);
      input.addEventListener("input", () => {
        try {
          this.api.setVolume(layer, Number(input.value));
        } catch (e) {
          this.fail(e);
        }
      });
    }
    const tempo = $("tempo"); // its bounds are the facts block's (the template)
    tempo.addEventListener("input", () => this.api.setBpm(Number(tempo.value)));
  }

  /** Export WAV: its controls load with the first export (ondemand/export-controls.js). */
  _wireExport() {
    let controls = null;
    const run = () => {
      if (!controls) {
        controls = import("../ondemand/export-controls.js").then((m) => new m.ExportControls({ api: this.api }).mount());
        controls.catch(() => { controls = null; }); // a failed download may be tried again
      }
      controls.then((c) => c.run()).catch((e) => this.fail(e));
    };
    $("export-wav").addEventListener("click", run);
    $("export-minutes").addEventListener("keydown", (e) => e.key === "Enter" && (e.preventDefault(), run()));
  }

  _wireKeyboard() {
    document.addEventListener("keydown", (e) => {
      if (e.key !== " " || e.repeat || e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target;
      // Space keeps its own meaning on controls that have one.
      if (t.closest && t.closest("input, select, textarea, button, a, summary, [contenteditable]")) return;
      e.preventDefault();
      this.toggle();
    });
  }

  _tick() {
    if (document.hidden) return;
    const text = this.position();
    const out = $("position");
    if (out.textContent !== text) out.textContent = text;
  }

  /** Reflect the engine's state (coalesced to one update per frame). */
  update() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this._render(this.api.state());
    });
  }

  _render(state) {
    const { selected, layers, transport } = state;
    for (const [layer] of PICKS) {
      const select = $(`pick-${layer}`);
      const value = selected[layer] || "";
      if (select.value !== value) select.value = value;
    }
    for (const input of document.querySelectorAll('input[name="track"]')) {
      const on = input.value === selected.track;
      if (input.checked !== on) input.checked = on;
      input.closest(".track").classList.toggle("is-selected", on);
    }
    for (const name of ["drums", "ambience", "quote", "music"]) this._layerStatus(name, layers[name]);
    const playing = transport.state === "started";
    const play = $("play");
    const label = playing || this.starting ? "Pause" : transport.state === "paused" ? "Resume" : "Play";
    if (play.dataset.label !== label) {
      play.dataset.label = label;
      play.querySelector(".label").textContent = label;
      play.setAttribute("aria-pressed", String(playing || !!this.starting));
    }
    $("stop").disabled = transport.state === "stopped";
    document.documentElement.classList.toggle("is-playing", playing);
    const now = nowPlaying(state, this.manifest, rowData);
    if ($("now-title").textContent !== now.title) $("now-title").textContent = now.title;
    const track = state.track;
    if (track) {
      // A hot-swapped score may have a new title: its row says so too.
      const row = document.querySelector(`.track[data-id="${CSS.escape(track.id)}"] .track-title`);
      if (row && row.textContent !== track.title) row.textContent = track.title;
    }
    if ($("now-meta").textContent !== now.meta) $("now-meta").textContent = now.meta;
    if (this._moreLabel) this._moreLabel();
    const offline = state.offline && state.offline.status === "ready" ? "Available offline" : "";
    if ($("offline-sign").textContent !== offline) $("offline-sign").textContent = offline;
    for (const layer of VOLUME_NAMES) {
      const input = $(`vol-${layer}`);
      const db = state.volumes[layer];
      if (document.activeElement !== input && Number(input.value) !== db) input.value = String(db);
      const text = formatDb(db);
      input.setAttribute("aria-valuetext", text);
      $(`vol-${layer}-out`).textContent = text;
    }
    const tempo = $("tempo");
    const solo = now.kind === "solo";
    tempo.disabled = !solo;
    const bpm = state.soloBpm;
    if (document.activeElement !== tempo && Number(tempo.value) !== bpm) tempo.value = String(bpm);
    tempo.setAttribute("aria-valuetext", `${bpm} beats per minute`);
    $("tempo-out").textContent = `${bpm} bpm`;
    $("tempo-note").textContent = solo ? "AI solos play at this tempo." : "Songs keep their own tempo; this sets the AI solos'.";
    const status = $("status");
    if (!status.classList.contains("error")) {
      const hint = transport.state === "stopped" && !state.startup.playAt ? "Ready when you are: press Play (or Space)." : "";
      const text = this.starting && layers.music.status === "loading" ? "Loading the first bar…" : hint;
      if (status.textContent !== text) status.textContent = text;
    }
  }

  _layerStatus(name, layer) {
    const node = $(`status-${name}`);
    if (!node) return;
    const key = JSON.stringify([layer.status, layer.error, layer.progress]);
    if (this.lastStatus[name] === key) return;
    this.lastStatus[name] = key;
    node.classList.toggle("error", layer.status === "error");
    node.setAttribute("role", layer.status === "error" ? "alert" : "status");
    const { done, total, failed } = layer.progress;
    if (layer.status === "error") {
      node.replaceChildren(el("span", { text: layer.error }));
    } else if (layer.status === "loading" || (total && done + failed < total)) {
      const bar = el("progress", { max: String(Math.max(total, 1)), value: String(done), "aria-label": `Loading the ${LABELS[name]}` });
      node.replaceChildren(bar, el("span", { text: total ? ` loading ${done}/${total}` : " loading…" }));
    } else {
      node.replaceChildren();
    }
  }
}
