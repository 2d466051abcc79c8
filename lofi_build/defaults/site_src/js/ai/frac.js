// Exact rational numbers for musical time in quarters (4/3 stays 4/3), as Python's fractions.Fraction.

function gcd(a, b) {
  a = Math.abs(a); b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a || 1;
}

/** An exact rational number; valueOf() gives the float so that plain arithmetic still works. */
export class Frac {
  constructor(num, den = 1) {
    if (den < 0) { num = -num; den = -den; }
    const g = gcd(num, den);
    this.num = num / g;
    this.den = den / g;
  }
  static of(x) {
    if (x instanceof Frac) return x;
    if (Number.isInteger(x)) return new Frac(x, 1);
    // A float quarter such as 4/3: the nearest fraction with a small denominator.
    for (let den = 2; den <= 10080; den++) {
      const num = Math.round(x * den);
      if (Math.abs(num / den - x) < 1e-9) return new Frac(num, den);
    }
    throw new RangeError(`not a musical time: ${x}`);
  }
  add(o) { o = Frac.of(o); return new Frac(this.num * o.den + o.num * this.den, this.den * o.den); }
  sub(o) { o = Frac.of(o); return new Frac(this.num * o.den - o.num * this.den, this.den * o.den); }
  mul(o) { o = Frac.of(o); return new Frac(this.num * o.num, this.den * o.den); }
  div(o) { o = Frac.of(o); return new Frac(this.num * o.den, this.den * o.num); }
  mod(o) { o = Frac.of(o); const q = Math.floor((this.num * o.den) / (this.den * o.num)); return this.sub(o.mul(q)); }
  cmp(o) { o = Frac.of(o); const d = this.num * o.den - o.num * this.den; return d < 0 ? -1 : d > 0 ? 1 : 0; }
  eq(o) { return this.cmp(o) === 0; }
  /** int(): truncation towards zero. */
  trunc() { return Math.trunc(this.num / this.den); }
  /** round(): to the nearest integer, halves to even. */
  round() {
    const floor = Math.floor(this.num / this.den);
    const rest = this.sub(floor);
    const c = rest.cmp(new Frac(1, 2));
    return c < 0 ? floor : c > 0 ? floor + 1 : floor % 2 === 0 ? floor : floor + 1;
  }
  valueOf() { return this.num / this.den; }
  toString() { return this.den === 1 ? String(this.num) : `${this.num}/${this.den}`; }
  toJSON() { return [this.num, this.den]; }
}
