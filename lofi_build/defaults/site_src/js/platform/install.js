// Offline after one visit: registers the service worker and asks it to cache the site.
//
// Offline after one visit: once the first sound is out, registers the service worker (sw.js),
// asks for persistent storage, and has the worker cache the rest of the site in the background.

/** Returns {start(), check(), state()}; start() is called after the first sound (more calls are no-ops);
 * check() asks a worker that already runs this page whether its cache is complete (a second visit), which
 * downloads nothing. state().status is "ready" once the whole site is cached: the page says it works offline. */
export function createInstaller({ enabled = true, onChange = () => {} } = {}) {
  const status = { status: enabled && "serviceWorker" in navigator ? "idle" : "off", done: 0, failed: 0, total: 0, version: null, persisted: null };
  let started = false;
  let listening = false;
  const listen = () => {
    if (listening) return;
    listening = true;
    navigator.serviceWorker.addEventListener("message", (event) => {
      const d = event.data;
      if (!d || d.type !== "lofi-cache") return;
      Object.assign(status, { version: d.version, done: d.done, failed: d.failed, total: d.total });
      if (d.finished) status.status = d.failed ? "partial" : "ready";
      onChange();
    });
  };
  return {
    state: () => ({ ...status }),
    check() {
      if (status.status === "off" || !navigator.serviceWorker.controller) return;
      listen();
      navigator.serviceWorker.controller.postMessage({ type: "status" });
    },
    start() {
      if (started || status.status === "off") return;
      started = true;
      if (status.status !== "ready") status.status = "installing";
      listen();
      (async () => {
        // updateViaCache "none": the browser checks sw.js past any HTTP cache, whatever the host sends.
        await navigator.serviceWorker.register("sw.js", { scope: "./", updateViaCache: "none" });
        const registration = await navigator.serviceWorker.ready;
        if (status.status !== "ready") status.status = "caching";
        registration.active.postMessage({ type: "warm" });
        if (navigator.storage && navigator.storage.persist) status.persisted = await navigator.storage.persist();
      })().catch((error) => {
        status.status = "error";
        console.warn("lofi: offline use is off:", error.message);
      });
    },
  };
}
