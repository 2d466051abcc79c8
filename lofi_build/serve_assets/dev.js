// lofi-build serve, the page's end: hot-swaps changed pieces into the playing page (through
// lofi.replacePiece), swaps the stylesheet in place, reloads for anything else, and shows the
// build-error overlay while the last good build keeps playing. Never part of a built site.
const me = document.querySelector('script[src*="/__lofi__/dev.js"]');
// Read by tests and benchmarks: every swap with its wall-clock times (ms since the epoch).
const dev = (window.__lofiDev = { version: me ? me.dataset.build : null, connected: false, swaps: [], failures: 0, css: 0 });
let chain = Promise.resolve(); // messages are handled one after another, in order

function player() {
  if (window.lofi) return Promise.resolve(window.lofi);
  return new Promise((resolve) => document.addEventListener("lofi:ready", () => resolve(window.lofi), { once: true }));
}

function showErrors(diagnostics) {
  let box = document.getElementById("lofi-build-error");
  if (!box) {
    box = document.createElement("div");
    box.id = "lofi-build-error";
    box.setAttribute("role", "alert");
    document.body.prepend(box);
  }
  const title = document.createElement("strong");
  title.textContent = "lofi-build: the last build failed; the page keeps the last good build until the file is fixed.";
  const text = document.createElement("pre");
  text.textContent = diagnostics.join("\n");
  box.replaceChildren(title, text);
}

function clearErrors() {
  const box = document.getElementById("lofi-build-error");
  if (box) box.remove();
}

function swapStylesheet(href) {
  const old = [...document.querySelectorAll('link[rel="stylesheet"]')].find((l) => /\/site\.[0-9a-f]+\.css$/.test(new URL(l.href).pathname));
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = href;
  // The old sheet goes once the new one applies, so the page never shows unstyled.
  link.addEventListener("load", () => { if (old) old.remove(); dev.css++; }, { once: true });
  if (old) old.after(link);
  else document.head.append(link);
}

async function swap(data) {
  clearErrors();
  if (data.css) swapStylesheet(data.css);
  for (const { id, kind, entry, piece } of data.pieces) {
    const received = Date.now();
    const lofi = await player();
    // The page's copy of the manifest entry (key, instruments, MIDI link) as the build has it now.
    const listed = (lofi.manifest[kind] || []).find((e) => e.id === id);
    if (listed) Object.assign(listed, entry);
    const result = await lofi.replacePiece(id, piece);
    const scheduled = Date.now();
    const ticks = result ? result.ticks : null;
    // When the new version sounds: the bar it comes in at, from the Transport's tempo now.
    const t = lofi.state();
    const heard = ticks === null ? null : scheduled + ((ticks - t.transport.ticks) * 60000) / (t.bpm * t.transport.ppq);
    dev.swaps.push({ id, kind, title: piece.header.name, version: data.version, ...data.timing, received, scheduled, heard, ticks });
  }
  dev.version = data.version;
}

// A worker left on this origin by a built copy of the site would serve its own cached files.
if (navigator.serviceWorker) navigator.serviceWorker.getRegistrations().then((all) => all.forEach((r) => r.unregister()));

const source = new EventSource("/__lofi__/events");
const on = (event, handle) => source.addEventListener(event, (e) => {
  const data = JSON.parse(e.data);
  chain = chain.then(() => handle(data)).catch((error) => console.warn("lofi-build serve:", error));
});
on("hello", (data) => {
  // A build this page never heard of (the server restarted, or the page loaded mid-build).
  if (dev.version !== null && data.version && data.version !== dev.version) location.reload();
  dev.connected = true;
});
on("reload", () => location.reload());
on("failed", (data) => {
  dev.failures++;
  showErrors(data.diagnostics);
});
on("swap", swap);
