// The background scene's drawing loop, in a worker on an OffscreenCanvas.
//
// The background scene's drawing loop, in a worker on an OffscreenCanvas: the page's main
// thread (where Tone schedules the notes) never waits for a frame, and a late frame is
// skipped, never caught up.
import { STILL_T, drawScene, makeWorld } from "./scenes.js";

let canvas = null;
let ctx = null;
let world = null;
let visual = "none";
let still = false;
let hidden = false;
let fps = 20;
let frames = 0;
let timer = null;
const t0 = performance.now();

/** Draw now; `animated`: a frame of the moving scene (what `frames` counts), not a redraw
 * after a change of scene or size. */
function draw(animated = false) {
  if (!ctx) return;
  drawScene(ctx, world, visual, still ? STILL_T : (performance.now() - t0) / 1000);
  // The page learns the count now and then: a message is a task on the main thread.
  if (animated && ++frames % 10 === 1) postMessage({ frames });
}

function resize({ width, height, dpr }) {
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  world = makeWorld(width, height);
}

function loop() {
  timer = null;
  if (still || hidden) return;
  const began = performance.now();
  draw(true);
  // The next frame is due one interval after this one began; a slow frame delays it, never
  // queues two.
  const interval = 1000 / fps;
  timer = setTimeout(loop, Math.max(interval * 0.25, interval - (performance.now() - began)));
}

function restart() {
  if (timer !== null) clearTimeout(timer);
  timer = null;
  draw();
  if (!still && !hidden) timer = setTimeout(loop, 1000 / fps);
}

onmessage = ({ data }) => {
  if (data.type === "init") {
    canvas = data.canvas;
    ctx = canvas.getContext("2d");
    fps = data.fps;
    visual = data.visual;
    still = data.still;
    resize(data);
    restart();
  } else if (data.type === "resize") {
    resize(data);
    draw();
  } else if (data.type === "show") {
    visual = data.visual;
    draw();
  } else if (data.type === "still") {
    still = data.on;
    restart();
  } else if (data.type === "hidden") {
    hidden = data.on;
    if (!hidden) restart();
  }
};
