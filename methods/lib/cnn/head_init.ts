/**
 * A closed-form start for the CNN's 1×1 colour head: the Monge–Kantorovich affine map between the
 * colour distributions of source and target crops, treated as Gaussians (mean and covariance). It
 * is the optimal-transport map between those Gaussians, so a short CPU schedule starts from a
 * globally colour-matched rendering and spends its steps on the local, content-dependent part.
 * @module
 */
import type { CnnWeights } from "./weights.ts";

/** An affine colour map `y = A·x + b` (A row-major, out × in). */
export interface ColourMap {
  /** 3×3 matrix, row-major. */
  readonly a: Float64Array;
  /** Offset. */
  readonly b: Float64Array;
}

function moments(px: Float32Array): { mean: Float64Array; cov: Float64Array } {
  const n = px.length / 3;
  const mean = new Float64Array(3);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) mean[c] += px[3 * i + c];
  for (let c = 0; c < 3; c++) mean[c] /= n;
  const cov = new Float64Array(9);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < 3; r++) {
      const dr = px[3 * i + r] - mean[r];
      for (let c = r; c < 3; c++) cov[3 * r + c] += dr * (px[3 * i + c] - mean[c]);
    }
  }
  for (let r = 0; r < 3; r++) {
    for (let c = r; c < 3; c++) cov[3 * c + r] = cov[3 * r + c] /= n;
  }
  return { mean, cov };
}

function mul(x: Float64Array, y: Float64Array): Float64Array {
  const out = new Float64Array(9);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      for (let k = 0; k < 3; k++) out[3 * r + c] += x[3 * r + k] * y[3 * k + c];
    }
  }
  return out;
}

/** f(S) for a symmetric 3×3 S through its eigen-decomposition (cyclic Jacobi rotations). */
function symmetricFunction(s: Float64Array, f: (lambda: number) => number): Float64Array {
  const a = Float64Array.from(s);
  const v = Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1);
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = a[1] * a[1] + a[2] * a[2] + a[5] * a[5];
    if (off < 1e-30) break;
    for (const [p, q] of [[0, 1], [0, 2], [1, 2]]) {
      const apq = a[3 * p + q];
      if (Math.abs(apq) < 1e-300) continue;
      const theta = (a[3 * q + q] - a[3 * p + p]) / (2 * apq);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const sn = t * c;
      for (let k = 0; k < 3; k++) {
        const akp = a[3 * k + p], akq = a[3 * k + q];
        a[3 * k + p] = c * akp - sn * akq;
        a[3 * k + q] = sn * akp + c * akq;
      }
      for (let k = 0; k < 3; k++) {
        const apk = a[3 * p + k], aqk = a[3 * q + k];
        a[3 * p + k] = c * apk - sn * aqk;
        a[3 * q + k] = sn * apk + c * aqk;
      }
      for (let k = 0; k < 3; k++) {
        const vkp = v[3 * k + p], vkq = v[3 * k + q];
        v[3 * k + p] = c * vkp - sn * vkq;
        v[3 * k + q] = sn * vkp + c * vkq;
      }
    }
  }
  const out = new Float64Array(9);
  for (let k = 0; k < 3; k++) {
    const fk = f(a[4 * k]);
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 3; c++) out[3 * r + c] += v[3 * r + k] * fk * v[3 * c + k];
    }
  }
  return out;
}

/**
 * The Monge–Kantorovich map between the colour Gaussians of `source` and `target` pixels
 * (interleaved RGB): `A = Σs^-½ (Σs^½ Σt Σs^½)^½ Σs^-½`, `b = μt − A·μs`. A small ridge keeps
 * near-singular covariances (flat crops) well conditioned.
 * @example
 * ```ts
 * const { a, b } = colourMomentMap(batch.source, batch.target);
 * ```
 */
export function colourMomentMap(
  source: Float32Array,
  target: Float32Array,
  ridge = 1e-6,
): ColourMap {
  const s = moments(source);
  const t = moments(target);
  for (let c = 0; c < 3; c++) {
    s.cov[4 * c] += ridge;
    t.cov[4 * c] += ridge;
  }
  const sHalf = symmetricFunction(s.cov, Math.sqrt);
  const sInvHalf = symmetricFunction(s.cov, (l) => 1 / Math.sqrt(l));
  const middle = symmetricFunction(mul(mul(sHalf, t.cov), sHalf), (l) => Math.sqrt(Math.max(l, 0)));
  const a = mul(mul(sInvHalf, middle), sInvHalf);
  const b = new Float64Array(3);
  for (let r = 0; r < 3; r++) {
    b[r] = t.mean[r] - (a[3 * r] * s.mean[0] + a[3 * r + 1] * s.mean[1] + a[3 * r + 2] * s.mean[2]);
  }
  return { a, b };
}

/**
 * Weights that start as exactly the colour map: the head set to `map`, and the residual branch's
 * last convolution zeroed (a zero-initialised residual, Goyal et al. 2017), since PyTorch's default
 * init adds a random ±0.2 field to every pixel at step 0. The branch still learns from the first
 * step: the gradient of its last convolution does not depend on its own (zero) weights.
 */
export function withColourHead(w: CnnWeights, map: ColourMap): CnnWeights {
  return {
    ...w,
    w2: new Float32Array(w.w2.length),
    b2: new Float32Array(w.b2.length),
    wh: Float32Array.from(map.a),
    bh: Float32Array.from(map.b),
  };
}
