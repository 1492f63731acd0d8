/**
 * The one seeded PRNG of isp-bench: xoshiro128** seeded through splitmix32, so every random choice
 * is reproducible from a seed (and optionally a stream label such as `"photo:fig"`, giving draws
 * independent of the order in which items are processed). `Math.random` is never used.
 * @module
 */

/** FNV-1a hash of a string, 32-bit. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** One splitmix32 step: a well-mixed 32-bit value from a counter-like state. */
function splitmix32(state: number): number {
  let z = (state + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A seeded xoshiro128** generator with the distributions isp-bench needs. */
export class Rng {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;
  #spare: number | undefined;

  /**
   * Creates a generator for a seed and stream label.
   * @param seed integer seed (any 32-bit value)
   * @param label optional stream label; different labels give independent streams
   * @example
   * ```ts
   * const rng = new Rng(7, "photo:fig");
   * const u = rng.uniform(1.9, 2.4);
   * ```
   */
  constructor(seed: number, label = "") {
    let s = (splitmix32(seed >>> 0) ^ fnv1a(label)) >>> 0;
    // Four splitmix32 outputs fill the state; never all zero because splitmix32 is a bijection.
    s = splitmix32(s);
    this.#s0 = s;
    s = splitmix32(s);
    this.#s1 = s;
    s = splitmix32(s);
    this.#s2 = s;
    s = splitmix32(s);
    this.#s3 = s;
    if ((this.#s0 | this.#s1 | this.#s2 | this.#s3) === 0) this.#s0 = 1;
  }

  /**
   * A generator started from an explicit xoshiro128** state (for checking against the published
   * reference sequence, and for {@link createRng}'s seeding; normal use goes through the
   * constructor).
   */
  static fromState(state: readonly [number, number, number, number]): Rng {
    const rng = new Rng(0);
    [rng.#s0, rng.#s1, rng.#s2, rng.#s3] = state;
    return rng;
  }

  /** Next raw 32-bit unsigned integer (xoshiro128**). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.#s1, 5), 7), 9) >>> 0;
    const t = this.#s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= this.#s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [a, b). */
  uniform(a: number, b: number): number {
    return a + (b - a) * this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.#spare !== undefined) {
      const v = this.#spare;
      this.#spare = undefined;
      return v;
    }
    let u = this.next();
    while (u === 0) u = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    const a = 2 * Math.PI * this.next();
    this.#spare = r * Math.sin(a);
    return r * Math.cos(a);
  }

  /**
   * Poisson-distributed count with mean `lambda`: exact inversion below 64, the normal
   * approximation N(λ, λ) above (continuous; its mean and variance are exact, which is what the
   * noise model needs, and it keeps the cost bounded for bright pixels).
   */
  poisson(lambda: number): number {
    if (lambda <= 0) return 0;
    if (lambda >= 64) return lambda + Math.sqrt(lambda) * this.normal();
    const u = this.next();
    let k = 0;
    let p = Math.exp(-lambda);
    let cdf = p;
    while (u > cdf && k < 1000) {
      k++;
      p *= lambda / k;
      cdf += p;
    }
    return k;
  }

  /** A seeded Fisher–Yates shuffle of a copy of `items`. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = out[i];
      out[i] = out[j];
      out[j] = tmp;
    }
    return out;
  }
}

/**
 * Creates a deterministic generator from an integer seed. Its state is four consecutive
 * splitmix32 outputs of the seed's counter sequence (the seeding this function has always used,
 * so existing seeds keep their streams); `new Rng(seed, label)` is the labelled-stream variant.
 * @example
 * ```ts
 * const rng = createRng(42);
 * const i = rng.int(10); // same value for every run with seed 42
 * ```
 */
export function createRng(seed: number): Rng {
  const base = seed >>> 0;
  const golden = 0x9e3779b9;
  return Rng.fromState([
    splitmix32(base),
    splitmix32((base + golden) >>> 0),
    splitmix32((base + 2 * golden) >>> 0),
    splitmix32((base + 3 * golden) >>> 0),
  ]);
}

/**
 * A seeded uniform source in [0, 1) as a plain function, for code that only needs `rand()`.
 * @example
 * ```ts
 * const rand = uniformSource(1);
 * const u = rand(); // in [0, 1)
 * ```
 */
export function uniformSource(seed: number): () => number {
  const rng = createRng(seed);
  return () => rng.next();
}
