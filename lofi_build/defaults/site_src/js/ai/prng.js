// The pinned PRNG (xoshiro128** seeded by SplitMix32) and sampling rule, the twin of lofi_build/model/prng.py.
//
// The pinned PRNG and sampling rule, the twin of lofi_build/model/prng.py (read its docstring):
// xoshiro128** seeded by four SplitMix32 outputs; random() = next u32 / 2**32.

function splitmix32(state) {
  state = (state + 0x9e3779b9) >>> 0;
  let z = state;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97) >>> 0;
  return [state, (z ^ (z >>> 15)) >>> 0];
}

function rotl(x, k) {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

export class Prng {
  constructor(seed) {
    if (!Number.isInteger(seed)) throw new TypeError(`seed must be an integer, not ${seed}`);
    // The seed mod 2**32, also for seeds past 2**32 and negative ones (as Python's & 0xFFFFFFFF).
    let state = Number(BigInt.asUintN(32, BigInt(seed)));
    this.s = new Uint32Array(4);
    for (let i = 0; i < 4; i++) {
      const [next, out] = splitmix32(state);
      state = next;
      this.s[i] = out;
    }
  }

  static fromState(words) {
    const prng = Object.create(Prng.prototype);
    prng.s = Uint32Array.from(words);
    return prng;
  }

  nextU32() {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  random() {
    return this.nextU32() / 4294967296;
  }
}

// The candidates (not banned) ordered by logit, highest first, lower index first on ties;
// only the first `keep` of them.
function ranked(logits, banned, keep) {
  const top = [];
  for (let i = 0; i < logits.length; i++) {
    if (banned && banned.has(i)) continue;
    const v = logits[i];
    if (top.length === keep && !(v > logits[top[keep - 1]])) continue;
    let j = top.length < keep ? top.length : keep - 1;
    while (j > 0 && v > logits[top[j - 1]]) {
      top[j] = top[j - 1];
      j--;
    }
    top[j] = i;
  }
  return top;
}

// One index from `logits` (any array of numbers) given u = prng.random(); `banned` a Set or null.
export function sample(logits, u, temperature, topK, banned = null) {
  let allowed = logits.length;
  if (banned) for (const b of banned) if (b >= 0 && b < logits.length) allowed--;
  if (allowed <= 0) throw new Error("every index is banned");
  if (temperature <= 0) return ranked(logits, banned, 1)[0];
  const keep = topK > 0 && topK < allowed ? topK : allowed;
  let order;
  if (keep <= 64) {
    order = ranked(logits, banned, keep);
  } else {
    order = [];
    for (let i = 0; i < logits.length; i++) if (!(banned && banned.has(i))) order.push(i);
    order.sort((a, b) => (logits[b] - logits[a]) || (a - b));
    order.length = keep;
  }
  const max = logits[order[0]];
  const e = new Float64Array(keep);
  let total = 0;
  for (let j = 0; j < keep; j++) {
    e[j] = Math.exp((logits[order[j]] - max) / temperature);
    total += e[j];
  }
  let cum = 0;
  for (let j = 0; j < keep; j++) {
    cum += e[j] / total;
    if (cum > u) return order[j];
  }
  return order[keep - 1];
}
