// Boots the player: reads manifest.json, draws the choices and exposes window.lofi.
import { PieceLayer, configureTransport, PPQ } from "./playback.js";
import { createVoice } from "./instruments.js";

const Tone = window.Tone;
const $ = (id) => document.getElementById(id);

const state = {
  manifest: null,
  selected: { drums: null, ambience: null, quote: null, track: null },
  layers: {},
  voices: [],
  bus: null,
  failed: [],
};

function setStatus(text, error = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", error);
}

function findTrack(id) {
  const m = state.manifest;
  return m.songs.find((s) => s.id === id) || m.solos.find((s) => s.id === id) || null;
}

async function loadJSON(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

function disposeLayer(name) {
  const layer = state.layers[name];
  if (layer) layer.dispose();
  delete state.layers[name];
}

async function buildMusic() {
  disposeLayer("music");
  for (const v of state.voices) v.dispose();
  state.voices = [];
  const entry = findTrack(state.selected.track);
  if (!entry) return;
  const song = await loadJSON(entry.url);
  configureTransport(song);
  const presets = Object.fromEntries(song.lofi.parts.map((p) => [p.name, p.instrument]));
  const voiceFor = (track) => {
    const voice = createVoice(track, presets[track.name], state.bus);
    state.voices.push(voice);
    return voice;
  };
  state.layers.music = new PieceLayer(song, voiceFor).start(0);
}

async function select(choice = {}) {
  for (const key of Object.keys(choice)) {
    if (!(key in state.selected)) throw new Error(`unknown layer '${key}'`);
  }
  Object.assign(state.selected, choice);
  if ("track" in choice) await buildMusic();
  renderSelection();
  return api.state();
}

async function play() {
  await Tone.start();
  if (!state.selected.track && state.manifest.songs.length) await select({ track: state.manifest.songs[0].id });
  Tone.getTransport().start("+0.05");
  renderTransport();
}

function pause() {
  Tone.getTransport().pause();
  renderTransport();
}

function stop() {
  Tone.getTransport().stop();
  renderTransport();
}

function setVolume(layer, db) {
  if (layer === "master") Tone.getDestination().volume.value = db;
  else if (layer === "music" && state.bus) state.bus.volume.value = db;
  else throw new Error(`unknown layer '${layer}'`);
}

const api = {
  state() {
    const transport = Tone.getTransport();
    const music = state.layers.music;
    const entry = findTrack(state.selected.track);
    const isSolo = entry && state.manifest.solos.includes(entry);
    return {
      selected: { ...state.selected },
      bpm: transport.bpm.value,
      transport: { state: transport.state, position: transport.position, seconds: transport.seconds, ppq: transport.PPQ },
      loops: { drums: null, ambience: null, solo: isSolo && music ? music.loopBars : null, song: !isSolo && music ? music.loopBars : null },
      quoteStart: null,
      samples: { loaded: [], failed: [...state.failed] },
    };
  },
  select,
  play,
  pause,
  stop,
  setVolume,
};

function renderSelection() {
  for (const li of document.querySelectorAll("#tracks li[data-id]")) {
    const on = li.dataset.id === state.selected.track;
    li.setAttribute("aria-checked", String(on));
    li.tabIndex = on || (!state.selected.track && li === li.parentNode.firstElementChild) ? 0 : -1;
  }
}

function renderTransport() {
  const playing = Tone.getTransport().state === "started";
  $("play").textContent = playing ? "Pause" : "Play";
  $("stop").disabled = Tone.getTransport().state === "stopped";
}

function renderTracks() {
  const list = $("tracks");
  list.replaceChildren();
  const tracks = [...state.manifest.songs, ...state.manifest.solos];
  for (const t of tracks) {
    const li = document.createElement("li");
    li.dataset.id = t.id;
    li.setAttribute("role", "radio");
    li.setAttribute("aria-checked", "false");
    const title = document.createElement("span");
    title.className = "track-title";
    title.textContent = t.title;
    const meta = document.createElement("span");
    meta.className = "track-meta";
    meta.textContent = `${t.bpm} bpm`;
    const midi = document.createElement("a");
    midi.href = t.midi;
    midi.download = `${t.id}.mid`;
    midi.textContent = "MIDI";
    midi.addEventListener("click", (e) => e.stopPropagation());
    li.append(title, meta, midi);
    li.addEventListener("click", () => select({ track: t.id }).catch(fail));
    li.addEventListener("keydown", (e) => {
      if (e.key === " " || e.key === "Enter") {
        e.preventDefault();
        select({ track: t.id }).catch(fail);
      }
    });
    list.append(li);
  }
}

function fail(error) {
  console.warn(error);
  setStatus(`Something went wrong: ${error.message}`, true);
}

async function boot() {
  state.manifest = await loadJSON("manifest.json");
  Tone.getTransport().PPQ = PPQ;
  state.bus = new Tone.Volume(0).toDestination();
  renderTracks();
  renderSelection();
  $("play").disabled = false;
  $("play").addEventListener("click", () => (Tone.getTransport().state === "started" ? pause() : play().catch(fail)));
  $("stop").addEventListener("click", stop);
  Tone.getTransport().scheduleRepeat(() => {
    Tone.getDraw().schedule(() => {
      $("position").textContent = Tone.getTransport().position.split(".")[0];
    }, Tone.now());
  }, "4n");
  $("player").setAttribute("aria-busy", "false");
  window.lofi = api;
  document.dispatchEvent(new CustomEvent("lofi:ready"));
}

boot().catch(fail);
