// The note visualiser (p5.js): the notes actually played, drawn when they reach the ears.
//
// The note visualiser, drawn with p5.js (vendored, LGPL-2.1, loaded by URL only after the first
// sound so it never delays it). It draws the notes that are actually played, every music part
// and the drums, at the time they reach the ears (audio time less the output latency): a
// scrolling roll with a glowing playhead, at a modest frame rate that costs the main thread
// (where the notes are scheduled) little.
const PALETTE = [[242, 199, 139], [255, 150, 130], [180, 160, 255], [120, 214, 200], [250, 230, 170]];
const DRUM_COLOUR = [255, 236, 210];
const WINDOW = 6; // seconds of notes kept on screen
export const FPS = 20;
const STILL_FPS = 6;

export class Visualizer {
  constructor(container, { context, p5Url, reducedMotion = false, latency = () => 0 }) {
    this.latency = latency;
    this.container = container;
    this.context = context;
    this.p5Url = p5Url;
    this.reducedMotion = reducedMotion;
    this.notes = [];
    this.pulses = [];
    this.parts = new Set();
    this.count = 0;
    this.status = "waiting"; // waiting | loading | running | failed
  }

  /** A note as the scheduler plays it (audio time `time`, `duration` seconds). */
  note(ev, time, duration) {
    this.count++;
    this.parts.add(`${ev.layer}:${ev.track}`);
    if (ev.family === "drums") this.pulses.push({ time, midi: ev.midi, velocity: ev.velocity });
    else this.notes.push({ time, end: time + duration, midi: ev.midi, velocity: ev.velocity, index: ev.index });
    if (this.notes.length > 600) this.notes.splice(0, this.notes.length - 600);
    if (this.pulses.length > 200) this.pulses.splice(0, this.pulses.length - 200);
  }

  /** Fetch p5 (once) and start drawing. */
  load() {
    if (this.status !== "waiting") return this.loading;
    this.status = "loading";
    this.loading = new Promise((resolve, reject) => {
      if (window.p5) return resolve();
      const script = document.createElement("script");
      script.src = this.p5Url;
      script.async = true;
      script.onload = resolve;
      script.onerror = () => reject(new Error("p5.js did not load"));
      document.head.append(script);
    }).then(() => {
      this.sketch = new window.p5((p) => this._sketch(p), this.container);
      this.status = "running";
      this.container.classList.add("is-live");
    }, (error) => {
      this.status = "failed";
      throw error;
    });
    return this.loading;
  }

  setReducedMotion(on) {
    this.reducedMotion = on;
  }

  state() {
    return { status: this.status, notes: this.count, parts: [...this.parts].sort() };
  }

  _sketch(p) {
    this._p = p;
    const size = () => [Math.max(120, this.container.clientWidth), Math.max(90, this.container.clientHeight)];
    p.setup = () => {
      const [w, h] = size();
      p.createCanvas(w, h);
      p.noStroke();
      // Our own clock instead of p5's loop: p5 wakes the main thread on every display frame
      // (60 a second) to decide whether to draw; a timer wakes it only for the frames drawn,
      // and a late one is simply late (a frame skipped), never made up.
      p.noLoop();
      this._frame();
    };
    // Its box, not the window: on a phone it lives in a sheet that opens and closes (page/ui.js).
    const fit = () => {
      const [w, h] = size();
      if (w !== p.width || h !== p.height) p.resizeCanvas(w, h);
    };
    if (typeof ResizeObserver === "function") new ResizeObserver(fit).observe(this.container);
    else p.windowResized = fit;
    p.draw = () => {
      const now = this.context.currentTime - this.latency();
      p.clear();
      if (this.reducedMotion) this._drawKeys(p, now);
      else this._drawRoll(p, now);
    };
  }

  _frame() {
    if (!document.hidden) this._p.redraw();
    this.timer = setTimeout(() => this._frame(), 1000 / (this.reducedMotion ? STILL_FPS : FPS));
  }

  _y(p, midi) {
    const lo = 26;
    const hi = 98;
    const t = (Math.min(hi, Math.max(lo, midi)) - lo) / (hi - lo);
    return p.height * (0.9 - 0.8 * t);
  }

  _drawRoll(p, now) {
    const head = p.width * 0.78;
    const pps = head / (WINDOW * 0.75);
    this.notes = this.notes.filter((n) => n.end > now - WINDOW);
    this.pulses = this.pulses.filter((d) => d.time > now - 1.5);
    // Drums: the kick breathes in the floor, snares and hats tick along the top.
    for (const d of this.pulses) {
      const age = now - d.time;
      if (age < 0) continue;
      const fade = Math.max(0, 1 - age / 0.6);
      if (d.midi === 35 || d.midi === 36) {
        p.fill(255, 170, 110, 60 * fade * d.velocity);
        p.ellipse(head, p.height, p.width * 0.9 * (1 + age), p.height * 0.5);
      } else {
        const x = head - age * pps;
        p.fill(...DRUM_COLOUR, 150 * d.velocity * Math.max(0, 1 - age / 1.5));
        p.rect(x - 1, d.midi === 38 || d.midi === 40 ? 6 : 2, 2, d.midi === 38 || d.midi === 40 ? 10 : 5, 1);
      }
    }
    for (const n of this.notes) {
      if (n.time > now) continue;
      const x0 = head - (now - n.time) * pps;
      const x1 = Math.min(head, head - (now - n.end) * pps);
      const y = this._y(p, n.midi);
      const [r, g, b] = PALETTE[n.index % PALETTE.length];
      const sounding = now < n.end;
      p.fill(r, g, b, (sounding ? 210 : 120) * (0.5 + 0.5 * n.velocity));
      p.rect(x0, y - 3, Math.max(3, x1 - x0), 6, 3);
      if (sounding) {
        p.fill(r, g, b, 60);
        p.ellipse(head, y, 22 + 14 * n.velocity, 22 + 14 * n.velocity);
      }
    }
    p.fill(255, 236, 210, 70);
    p.rect(head, 0, 1.5, p.height);
  }

  _drawKeys(p, now) {
    const lo = 28;
    const hi = 100;
    const w = p.width / (hi - lo);
    for (let m = lo; m < hi; m++) {
      const black = [1, 3, 6, 8, 10].includes(m % 12);
      p.fill(black ? 40 : 70, black ? 34 : 60, black ? 56 : 90, 200);
      p.rect((m - lo) * w + 0.5, black ? 0 : p.height * 0.1, w - 1, p.height * (black ? 0.6 : 0.9), 2);
    }
    for (const n of this.notes) {
      if (n.time > now || n.end < now || n.midi < lo || n.midi >= hi) continue;
      const [r, g, b] = PALETTE[n.index % PALETTE.length];
      p.fill(r, g, b, 230);
      p.rect((n.midi - lo) * w + 0.5, p.height * 0.55, w - 1, p.height * 0.4, 2);
    }
  }
}
