// The background scene behind the page, one per ambience, drawn in a worker where the browser can.
//
// The background scene behind the page, one per ambience (drawn by scenes.js). Where the
// browser has OffscreenCanvas the drawing runs in a worker (scene-worker.js), so the main
// thread, which schedules the music, pays nothing for it; elsewhere it is drawn here at a low
// frame rate that drops further when frames are slow. With prefers-reduced-motion it holds still.
// The drawing code (scenes.js) is the worker's; the page loads it only where it draws itself.

export const FPS = 20; // in the worker
const FALLBACK_FPS = 12; // on the main thread
const SLOW_FRAME_MS = 8; // a main-thread frame slower than this halves the frame rate

export class Backgrounds {
  constructor(canvas, { reducedMotion = false, worker = true } = {}) {
    this.canvas = canvas;
    this.visual = "none";
    this.reducedMotion = reducedMotion;
    this.frames = 0;
    this.mode = "page";
    this._resize = this._resize.bind(this);
    if (worker && canvas.transferControlToOffscreen && typeof Worker !== "undefined") {
      try {
        this._startWorker();
      } catch (error) {
        console.warn("lofi: the scene draws on the page:", error.message);
        this.worker = null;
      }
    }
    if (!this.worker) this._startPage();
    window.addEventListener("resize", this._resize);
    document.addEventListener("visibilitychange", () => this._post({ type: "hidden", on: document.hidden }));
  }

  _size() {
    return { width: window.innerWidth, height: window.innerHeight, dpr: Math.min(window.devicePixelRatio || 1, 1.5) };
  }

  _startWorker() {
    const offscreen = this.canvas.transferControlToOffscreen();
    this.worker = new Worker(new URL("./scene-worker.js", import.meta.url), { type: "module" });
    this.worker.onmessage = ({ data }) => (this.frames = data.frames);
    this.worker.onerror = (e) => console.warn("lofi: the scene worker failed:", e.message);
    this.worker.postMessage({ type: "init", canvas: offscreen, visual: this.visual, still: this.reducedMotion, fps: FPS, ...this._size() }, [offscreen]);
    this.mode = "worker";
  }

  _post(message) {
    if (this.worker) this.worker.postMessage(message);
    else if (message.type === "hidden" && !message.on) this._schedule();
  }

  /** Show the scene for an ambience's `visual` (scenes.js draws its default view for one it does not know). */
  show(visual) {
    const next = visual || "none";
    if (next === this.visual && this.shown) return;
    this.shown = true;
    this.visual = next;
    document.documentElement.dataset.scene = this.visual;
    if (this.worker) this._post({ type: "show", visual: next });
    else this.draw();
  }

  setReducedMotion(on) {
    this.reducedMotion = on;
    if (this.worker) return this._post({ type: "still", on });
    this.draw();
    this._schedule();
  }

  _resize() {
    if (this.worker) return this._post({ type: "resize", ...this._size() });
    if (!this.scenes) return;
    const { width, height, dpr } = this._size();
    this.canvas.width = Math.round(width * dpr);
    this.canvas.height = Math.round(height * dpr);
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.world = this.scenes.makeWorld(width, height);
    this.draw();
  }

  // -- drawing on the page (no OffscreenCanvas) ----------------------------------------------

  _startPage() {
    this.ctx = this.canvas.getContext("2d");
    this.t0 = performance.now();
    this.fps = FALLBACK_FPS;
    this.last = 0;
    this._loop = this._loop.bind(this);
    import("./scenes.js").then((scenes) => {
      this.scenes = scenes;
      this._resize();
      this._schedule();
    }, (error) => console.warn("lofi: no background scene:", error.message));
  }

  draw() {
    if (this.worker || !this.scenes) return;
    const t = this.reducedMotion ? this.scenes.STILL_T : (performance.now() - this.t0) / 1000;
    const began = performance.now();
    this.scenes.drawScene(this.ctx, this.world, this.visual, t);
    // A slow device draws less often rather than holding up the audio scheduling.
    if (performance.now() - began > SLOW_FRAME_MS) this.fps = Math.max(3, this.fps / 2);
  }

  _schedule() {
    if (this.reducedMotion || this.pending || document.hidden) return;
    this.pending = true;
    requestAnimationFrame(this._loop);
  }

  _loop(now) {
    this.pending = false;
    if (this.reducedMotion || document.hidden) return;
    if (now - this.last >= 1000 / this.fps - 2) {
      this.last = now;
      this.draw();
      this.frames++; // frames of the moving scene, as the worker counts them
    }
    this._schedule();
  }
}
