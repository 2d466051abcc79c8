// The station's card on the page: start and leave, now playing with its section, next, skip, back, history, sleep.
//
// Everything goes through window.lofi.station (the API the tests drive), and the card is drawn
// from lofi.state().station whenever the station says something changed ("lofi:station").
const $ = (id) => document.getElementById(id);

const randomSeed = (limits) => Math.floor(Math.random() * Math.min(limits.max - limits.min + 1, 1e6)) + limits.min;

function minutesLeft(endsAt) {
  const ms = endsAt - Date.now();
  if (ms <= 0) return "fading out";
  const m = Math.ceil(ms / 60000);
  return `${m} min left`;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (k === "text") node.textContent = v; else node.setAttribute(k, v);
  node.append(...children);
  return node;
}

/** The card's now-playing part: the track and its section, the next one, back, skip, sleep, history. */
function nowPlaying(box, sleepMinutes) {
  const label = (text) => el("span", { class: "station-label", text });
  box.replaceChildren(
    el("p", {}, label("Now"), " ", el("span", { id: "station-track", class: "station-track" }), " ",
       el("span", { id: "station-section", class: "station-section" })),
    el("p", {}, label("Next"), " ", el("span", { id: "station-next" })),
    el("div", { class: "station-controls", role: "group", "aria-label": "Station" },
       el("button", { type: "button", id: "station-back", text: "⏮ Back" }),
       el("button", { type: "button", id: "station-skip", text: "Skip ⏭" }),
       el("label", { for: "station-sleep", text: "Sleep" }),
       el("select", { id: "station-sleep" }, el("option", { value: "0", text: "Off" }),
          ...sleepMinutes.map((m) => el("option", { value: String(m), text: `${m} min` }))),
       el("output", { id: "station-sleep-left", for: "station-sleep" })),
    el("details", {}, el("summary", { text: "History" }), el("ol", { id: "station-history", class: "station-history" })),
  );
}

/** Wire the card `root` (templates/station.html) to `api`; returns {draw(), say(message, error)}. */
export function mount({ api, manifest, root }) {
  nowPlaying($("station-now"), manifest.facts.station.sleepMinutes);
  // Its stylesheet comes with it: nothing of the station is fetched before the first sound.
  const css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = root.dataset.css;
  document.head.append(css);
  const toggle = $("station-toggle");
  const seedInput = $("station-seed");
  const message = $("station-message");
  const sleep = $("station-sleep");
  let timer = null;

  const say = (text, error = false) => {
    message.textContent = text || "";
    message.classList.toggle("error", !!error);
  };
  const run = (promise) => promise.then(() => say("")).catch((e) => say(e.message, true));

  function draw() {
    const st = api.state().station;
    root.classList.toggle("is-on", !!st);
    toggle.textContent = st ? "Leave the station" : "Start the station";
    toggle.setAttribute("aria-pressed", String(!!st));
    $("station-now").hidden = !st;
    if (!st) return;
    if (document.activeElement !== seedInput) seedInput.value = String(st.seed);
    $("station-track").textContent = st.track ? `${st.track.title}` : "…";
    $("station-track").title = st.track ? `${st.track.kind === "song" ? "Song" : "AI track"} · ${st.track.key || ""} · ${st.track.bpm} bpm` : "";
    $("station-section").textContent = st.section || "";
    $("station-next").textContent = st.next ? `${st.next.title}${st.next.ready ? "" : " (being made…)"}` : "";
    const list = $("station-history");
    list.replaceChildren(...st.history.map((h) => {
      const li = document.createElement("li");
      const again = document.createElement("button");
      again.type = "button";
      again.textContent = h.title;
      again.title = "Play it again (made again from its seed)";
      again.addEventListener("click", () => run(api.station.start({ seed: st.seed, index: h.index })));
      li.append(again);
      return li;
    }));
    if (!sleep.matches(":focus") && !st.sleepEndsAt) sleep.value = "0";
    $("station-sleep-left").textContent = st.sleepEndsAt ? minutesLeft(st.sleepEndsAt) : "";
    clearInterval(timer);
    timer = st.sleepEndsAt ? setInterval(draw, 15000) : null; // the countdown, while a timer runs
    if (st.error) say(st.error, true);
  }

  toggle.addEventListener("click", () => {
    if (api.state().station) {
      run(api.station.stop());
      return;
    }
    const typed = seedInput.value.trim();
    const seed = typed === "" ? randomSeed(manifest.facts.limits.seed) : typed;
    say("Making the first track…");
    run(api.station.start({ seed }));
  });
  $("station-skip").addEventListener("click", () => run(api.station.skip()));
  $("station-back").addEventListener("click", () => run(api.station.back()));
  sleep.addEventListener("change", () => run(api.station.sleep(Number(sleep.value))));
  document.addEventListener("lofi:station", draw);
  draw();
  return { draw, say };
}
