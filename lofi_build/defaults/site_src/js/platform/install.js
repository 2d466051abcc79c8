// Offline after one visit: registers the service worker and asks it to cache the site.
//
// Offline after one visit: once the first sound is out, registers the service worker (sw.js),
// asks for persistent storage, and has the worker cache the rest of the site in the background.

/** Returns {start(), state()}; start() is called after the first sound (more calls are no-ops). */
export function createInstaller({ enabled = true } = {}) {
  const status = { status: enabled && "serviceWorker" in navigator ? "idle" : "off", done: 0, failed: 0, total: 0, version: null, persisted: null };
  let started = false;
  return {
    state: () => ({ ...status }),
    start() {
      if (started || status.status === "off") return;
      started = true;
      status.status = "installing";
      navigator.serviceWorker.addEventListener("message", (event) => {
        const d = event.data;
        if (!d || d.type !== "lofi-cache") return;
        Object.assign(status, { version: d.version, done: d.done, failed: d.failed, total: d.total });
        if (d.finished) status.status = d.failed ? "partial" : "ready";
      });
      (async () => {
        // updateViaCache "none": the browser checks sw.js past any HTTP cache, whatever the host sends.
        await navigator.serviceWorker.register("sw.js", { scope: "./", updateViaCache: "none" });
        const registration = await navigator.serviceWorker.ready;
        status.status = "caching";
        registration.active.postMessage({ type: "warm" });
        if (navigator.storage && navigator.storage.persist) status.persisted = await navigator.storage.persist();
      })().catch((error) => {
        status.status = "error";
        console.warn("lofi: offline use is off:", error.message);
      });
    },
  };
}
