// The background scenes, one per ambience, drawn procedurally on a 2D context.
//
// The background scenes, one per ambience: the view from a window at night, with rain on the
// glass, a fire's glow, wind, a stream, a turning record or fireflies. All ours, all
// procedural, drawn with nothing but a 2D context, so the same code runs in a worker on an
// OffscreenCanvas or, where there is none, on the page.
import { prng } from "../audio/transport.js";

const SKIES = {
  none: ["#1c1633", "#3b2a54", "#9a5b6f", "#e7a07a"],
  rain: ["#10141f", "#1c2436", "#2d3a52", "#46506a"],
  fire: ["#120b0c", "#24130f", "#3a1c12", "#5a2a14"],
  wind: ["#15203a", "#2c3560", "#6a5a8a", "#c98a7e"],
  water: ["#0b1226", "#14204a", "#23346a", "#3d4c80"],
  vinyl: ["#171020", "#2a1a2e", "#4a2a3a", "#7a4a42"],
  night: ["#05081a", "#0b1233", "#16204d", "#26326a"],
};

function rand(seed) {
  const r = prng(seed);
  return (a = 0, b = 1) => a + (b - a) * r();
}

/** Things that do not move: the skyline and its windows, stars, hills. */
export function makeWorld(w, h) {
  const r = rand(7);
  const buildings = [];
  for (let x = -20; x < w + 40; ) {
    const bw = r(40, 110);
    const bh = r(0.12, 0.34) * h;
    const lit = [];
    for (let wy = 12; wy < bh - 14; wy += 16) {
      for (let wx = 8; wx < bw - 10; wx += 14) if (r() < 0.22) lit.push([wx, wy, r(0.4, 1)]);
    }
    buildings.push({ x, w: bw, h: bh, lit });
    x += bw + r(2, 14);
  }
  const stars = Array.from({ length: Math.round((w * h) / 5200) }, () => [r(0, w), r(0, h * 0.62), r(0.4, 1.6), r(0, 6.28)]);
  const drops = Array.from({ length: 70 }, () => ({ x: r(0, w), y: r(0, h), r: r(1.5, 5), v: r(4, 22), wait: r(0, 6) }));
  const streaks = Array.from({ length: 160 }, () => [r(0, w), r(0, h), r(14, 34), r(500, 900)]);
  const embers = Array.from({ length: 46 }, () => [r(0, 1), r(0, 1), r(0.6, 2.2), r(0, 6.28), r(20, 60)]);
  const leaves = Array.from({ length: 26 }, () => [r(0, 1), r(0.1, 0.95), r(3, 7), r(0, 6.28), r(40, 120)]);
  const ripples = Array.from({ length: 9 }, () => [r(0, 1), r(0.72, 0.98), r(0, 4), r(2.5, 4.5)]);
  const flies = Array.from({ length: 22 }, () => [r(0, 1), r(0.55, 0.95), r(0, 6.28), r(0.2, 0.6)]);
  const motes = Array.from({ length: 40 }, () => [r(0, 1), r(0, 1), r(0.5, 1.6), r(0, 6.28)]);
  const clouds = Array.from({ length: 7 }, () => [r(0, 1), r(0.08, 0.4), r(120, 320), r(0.15, 0.35)]);
  const grass = Array.from({ length: Math.round(w / 7) }, (_, i) => [i * 7 + r(-3, 3), r(12, 40), r(0, 6.28)]);
  return { w, h, buildings, stars, drops, streaks, embers, leaves, ripples, flies, motes, clouds, grass };
}

function sky(ctx, w, h, colours, horizon = 0.78) {
  const g = ctx.createLinearGradient(0, 0, 0, h * horizon);
  colours.forEach((c, i) => g.addColorStop(i / (colours.length - 1), c));
  ctx.fillStyle = g;
  ctx.fillRect(0, 0, w, h);
}

function skyline(ctx, world, h, colour = "#0d0b16", windows = "255,196,120", base = 0.86, t = 0) {
  for (const b of world.buildings) {
    const top = h * base - b.h;
    ctx.fillStyle = colour;
    ctx.fillRect(b.x, top, b.w, h - top);
    for (const [wx, wy, a] of b.lit) {
      const flicker = 0.85 + 0.15 * Math.sin(t * 0.3 + wx + wy);
      ctx.fillStyle = `rgba(${windows},${(a * 0.55 * flicker).toFixed(3)})`;
      ctx.fillRect(b.x + wx, top + wy, 6, 8);
    }
  }
}

function glow(ctx, x, y, r, rgb, a) {
  const g = ctx.createRadialGradient(x, y, 0, x, y, r);
  g.addColorStop(0, `rgba(${rgb},${a})`);
  g.addColorStop(1, `rgba(${rgb},0)`);
  ctx.fillStyle = g;
  ctx.fillRect(x - r, y - r, 2 * r, 2 * r);
}

function stars(ctx, world, t, alpha = 1) {
  for (const [x, y, s, p] of world.stars) {
    ctx.fillStyle = `rgba(255,244,220,${(alpha * (0.45 + 0.4 * Math.sin(t * 1.3 + p))).toFixed(3)})`;
    ctx.fillRect(x, y, s, s);
  }
}

function moon(ctx, x, y, r) {
  glow(ctx, x, y, r * 5, "255,236,200", 0.18);
  ctx.fillStyle = "#f6e8cf";
  ctx.beginPath();
  ctx.arc(x, y, r, 0, Math.PI * 2);
  ctx.fill();
}

function clouds(ctx, world, t, w, h, speed, rgb = "200,170,200") {
  for (const [x0, y, size, a] of world.clouds) {
    const x = (((x0 * (w + 2 * size) + t * speed) % (w + 2 * size)) + w + 2 * size) % (w + 2 * size) - size;
    for (let k = 0; k < 3; k++) glow(ctx, x + k * size * 0.45, y * h + (k % 2) * 12, size * 0.6, rgb, a * 0.5);
  }
}

/** The window: a dark frame and sill in front of the view, the room's warmth at the bottom. */
function frame(ctx, w, h, lamp = "255,170,90", lampA = 0.2) {
  glow(ctx, w * 0.12, h * 1.02, Math.max(w, h) * 0.55, lamp, lampA);
  ctx.fillStyle = "rgba(10,8,14,0.92)";
  const bar = Math.max(10, Math.min(w, h) * 0.018);
  ctx.fillRect(w / 2 - bar / 2, 0, bar, h * 0.9);
  ctx.fillRect(0, h * 0.42, w, bar * 0.8);
  ctx.fillRect(0, h * 0.9, w, h * 0.1);
  ctx.fillStyle = "rgba(255,200,150,0.08)";
  ctx.fillRect(0, h * 0.9, w, 2);
}

export const SCENES = {
  none(ctx, world, t) {
    const { w, h } = world;
    sky(ctx, w, h, SKIES.none);
    glow(ctx, w * 0.7, h * 0.7, w * 0.45, "255,170,120", 0.22);
    stars(ctx, world, t, 0.35);
    clouds(ctx, world, t, w, h, 6);
    skyline(ctx, world, h, "#1a1225", "255,200,130", 0.88, t);
    frame(ctx, w, h);
  },
  rain(ctx, world, t) {
    const { w, h } = world;
    sky(ctx, w, h, SKIES.rain);
    skyline(ctx, world, h, "#0b0e16", "255,190,120", 0.88, t);
    // Falling rain beyond the glass.
    ctx.strokeStyle = "rgba(170,190,220,0.22)";
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (const [x0, y0, len, v] of world.streaks) {
      const y = (y0 + t * v) % (h + len) - len;
      const x = (x0 - t * v * 0.12) % w;
      const xx = x < 0 ? x + w : x;
      ctx.moveTo(xx, y);
      ctx.lineTo(xx - len * 0.12, y + len);
    }
    ctx.stroke();
    // Drops on the glass: they sit, then slide.
    for (const d of world.drops) {
      const phase = (t + d.wait) % 8;
      const y = (d.y + Math.max(0, phase - 4) * d.v * 6) % h;
      ctx.fillStyle = "rgba(190,210,240,0.20)";
      ctx.beginPath();
      ctx.ellipse(d.x, y, d.r * 0.8, d.r, 0, 0, Math.PI * 2);
      ctx.fill();
      ctx.fillStyle = "rgba(255,255,255,0.35)";
      ctx.fillRect(d.x - d.r * 0.3, y - d.r * 0.5, 1.2, 1.2);
    }
    frame(ctx, w, h, "255,180,110", 0.14);
  },
  fire(ctx, world, t) {
    const { w, h } = world;
    sky(ctx, w, h, SKIES.fire, 1);
    stars(ctx, world, t, 0.25);
    skyline(ctx, world, h, "#0c0707", "255,170,100", 0.88, t);
    frame(ctx, w, h, "255,140,60", 0.12);
    const flicker = 0.55 + 0.18 * Math.sin(t * 7.1) + 0.12 * Math.sin(t * 12.7 + 1) + 0.08 * Math.sin(t * 3.3);
    glow(ctx, w * 0.5, h * 1.08, Math.max(w, h) * 0.7, "255,120,40", 0.42 * flicker);
    glow(ctx, w * 0.5, h * 1.02, Math.max(w, h) * 0.32, "255,190,90", 0.35 * flicker);
    for (const [x0, y0, s, p, v] of world.embers) {
      const life = ((y0 * h + t * v) % (h * 0.8)) / (h * 0.8);
      const x = w * (0.3 + 0.4 * x0) + Math.sin(t * 1.7 + p) * 18 * life;
      const y = h - life * h * 0.8;
      ctx.fillStyle = `rgba(255,${(150 + 80 * (1 - life)) | 0},80,${(0.8 * (1 - life)).toFixed(3)})`;
      ctx.fillRect(x, y, s, s);
    }
  },
  wind(ctx, world, t) {
    const { w, h } = world;
    sky(ctx, w, h, SKIES.wind);
    stars(ctx, world, t, 0.3);
    clouds(ctx, world, t, w, h, -38, "190,170,220");
    skyline(ctx, world, h, "#141025", "255,205,140", 0.88, t);
    // Grass on the sill's edge, bending with gusts.
    const gust = 0.6 + 0.4 * Math.sin(t * 0.7);
    ctx.strokeStyle = "rgba(40,36,60,0.95)";
    ctx.lineWidth = 2;
    ctx.beginPath();
    for (const [x, len, p] of world.grass) {
      const bend = (Math.sin(t * 2 + p) * 4 + 10) * gust;
      ctx.moveTo(x, h * 0.9);
      ctx.quadraticCurveTo(x - bend * 0.4, h * 0.9 - len * 0.6, x - bend, h * 0.9 - len);
    }
    ctx.stroke();
    for (const [x0, y0, s, p, v] of world.leaves) {
      const x = w - (((x0 * w + t * v * (1 + gust)) % (w + 40)) - 20);
      const y = y0 * h * 0.85 + Math.sin(t * 1.3 + p) * 22;
      ctx.save();
      ctx.translate(x, y);
      ctx.rotate(t * 2 + p);
      ctx.fillStyle = "rgba(226,150,96,0.75)";
      ctx.beginPath();
      ctx.ellipse(0, 0, s, s * 0.45, 0, 0, Math.PI * 2);
      ctx.fill();
      ctx.restore();
    }
    frame(ctx, w, h);
  },
  water(ctx, world, t) {
    const { w, h } = world;
    sky(ctx, w, h, SKIES.water);
    stars(ctx, world, t, 0.8);
    moon(ctx, w * 0.78, h * 0.2, Math.min(w, h) * 0.045);
    skyline(ctx, world, h, "#080c1c", "255,200,140", 0.7, t);
    const top = h * 0.7;
    const g = ctx.createLinearGradient(0, top, 0, h);
    g.addColorStop(0, "#141c3c");
    g.addColorStop(1, "#070a18");
    ctx.fillStyle = g;
    ctx.fillRect(0, top, w, h - top);
    // The moon's path on the water, shimmering.
    for (let y = top + 4; y < h; y += 6) {
      const width = 18 + (y - top) * 0.35;
      const x = w * 0.78 + Math.sin(t * 2 + y * 0.15) * 6;
      ctx.fillStyle = `rgba(246,232,207,${(0.22 * (1 - (y - top) / (h - top))).toFixed(3)})`;
      ctx.fillRect(x - width / 2, y, width, 2);
    }
    for (const [x0, y0, p, period] of world.ripples) {
      const age = ((t + p) % period) / period;
      ctx.strokeStyle = `rgba(200,215,255,${(0.4 * (1 - age)).toFixed(3)})`;
      ctx.lineWidth = 1.2;
      ctx.beginPath();
      ctx.ellipse(x0 * w, y0 * h, 8 + age * 70, (8 + age * 70) * 0.22, 0, 0, Math.PI * 2);
      ctx.stroke();
    }
  },
  vinyl(ctx, world, t) {
    const { w, h } = world;
    sky(ctx, w, h, SKIES.vinyl, 1);
    glow(ctx, w * 0.2, h * 0.25, w * 0.5, "255,180,120", 0.12);
    const r = Math.min(w, h) * 0.42;
    const cx = w * 0.86;
    const cy = h * 0.86;
    ctx.fillStyle = "#0b0a0e";
    ctx.beginPath();
    ctx.arc(cx, cy, r, 0, Math.PI * 2);
    ctx.fill();
    ctx.strokeStyle = "rgba(255,255,255,0.05)";
    for (let rr = r * 0.36; rr < r * 0.98; rr += 4) {
      ctx.beginPath();
      ctx.arc(cx, cy, rr, 0, Math.PI * 2);
      ctx.stroke();
    }
    const a = t * ((33.333 / 60) * Math.PI * 2);
    ctx.save();
    ctx.translate(cx, cy);
    ctx.rotate(a);
    const sheen = ctx.createLinearGradient(-r, 0, r, 0);
    sheen.addColorStop(0.35, "rgba(255,255,255,0)");
    sheen.addColorStop(0.5, "rgba(255,230,210,0.10)");
    sheen.addColorStop(0.65, "rgba(255,255,255,0)");
    ctx.fillStyle = sheen;
    ctx.beginPath();
    ctx.arc(0, 0, r, 0, Math.PI * 2);
    ctx.fill();
    ctx.fillStyle = "#e9a66b";
    ctx.beginPath();
    ctx.arc(0, 0, r * 0.3, 0, Math.PI * 2);
    ctx.fill();
    ctx.fillStyle = "#f5d3a6";
    ctx.fillRect(-r * 0.18, -r * 0.05, r * 0.36, r * 0.035);
    ctx.restore();
    ctx.fillStyle = "#151018";
    ctx.beginPath();
    ctx.arc(cx, cy, r * 0.03, 0, Math.PI * 2);
    ctx.fill();
    for (const [x0, y0, s, p] of world.motes) {
      const x = x0 * w + Math.sin(t * 0.2 + p) * 30;
      const y = (y0 * h - t * 6 + h) % h;
      ctx.fillStyle = `rgba(255,230,200,${(0.25 + 0.2 * Math.sin(t + p)).toFixed(3)})`;
      ctx.fillRect(x, y, s, s);
    }
  },
  night(ctx, world, t) {
    const { w, h } = world;
    sky(ctx, w, h, SKIES.night);
    stars(ctx, world, t, 1);
    moon(ctx, w * 0.2, h * 0.18, Math.min(w, h) * 0.04);
    ctx.fillStyle = "#070a16";
    ctx.beginPath();
    ctx.moveTo(0, h * 0.8);
    for (let x = 0; x <= w; x += 20) ctx.lineTo(x, h * (0.74 + 0.04 * Math.sin(x * 0.006) + 0.02 * Math.sin(x * 0.021)));
    ctx.lineTo(w, h);
    ctx.lineTo(0, h);
    ctx.fill();
    for (const [x0, y0, p, sp] of world.flies) {
      const x = x0 * w + Math.sin(t * sp + p) * 40;
      const y = y0 * h + Math.cos(t * sp * 1.3 + p) * 20;
      const on = 0.5 + 0.5 * Math.sin(t * 2.2 + p * 3);
      glow(ctx, x, y, 10, "214,255,120", 0.35 * on);
      ctx.fillStyle = `rgba(240,255,180,${(0.9 * on).toFixed(3)})`;
      ctx.fillRect(x - 1, y - 1, 2, 2);
    }
    frame(ctx, w, h, "255,180,110", 0.1);
  },
};

/** Draw `visual`'s scene (the default view for an unknown one) at `t` seconds. */
export function drawScene(ctx, world, visual, t) {
  (SCENES[visual] || SCENES.none)(ctx, world, t);
}

/** The moment a still scene (reduced motion) shows: a few seconds in, not time zero. */
export const STILL_T = 4.2;
