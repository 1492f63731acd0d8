// AssemblyScript source of the WASM SIMD convolution kernels of the colour CNN (compiled by
// build.ts into kernels.wasm; the .as extension keeps Deno's tooling off it). Same semantics as
// the typed-array kernels in ../kernels.ts; every pointer is a byte address in the imported
// memory, tensors are NHWC with channels innermost and C a multiple of 32.
// Blocking: outputs vectorised over channels (f32x4), 8–12 accumulators live in registers, the
// weights (≤14 KB per layer) stay in L1, and weight gradients are accumulated one image row at a
// time so the rows they read stay in cache.

// h = ReLU(conv3x3(x) + b1); 8 vectors (32 channels) per pass over the 27 taps.
export function conv1Forward(
  x: usize, xStride: i32, w1k: usize, b1: usize, h: usize, hStride: i32,
  rows: i32, cols: i32, C: i32,
): void {
  const xs = <usize>xStride * 12;
  const cb = <usize>C << 2;
  const zero = f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const xb = x + <usize>r * xs + <usize>c * 12;
      const hb = h + (<usize>r * <usize>hStride + <usize>c) * cb;
      for (let j: usize = 0; j < cb; j += 128) {
        let a0 = v128.load(b1 + j), a1 = v128.load(b1 + j, 16);
        let a2 = v128.load(b1 + j, 32), a3 = v128.load(b1 + j, 48);
        let a4 = v128.load(b1 + j, 64), a5 = v128.load(b1 + j, 80);
        let a6 = v128.load(b1 + j, 96), a7 = v128.load(b1 + j, 112);
        let wp = w1k + j;
        for (let ky: usize = 0; ky < 3; ky++) {
          const xr = xb + ky * xs;
          for (let t: usize = 0; t < 9; t++) {
            const s = f32x4.splat(load<f32>(xr + t * 4));
            a0 = f32x4.add(a0, f32x4.mul(v128.load(wp), s));
            a1 = f32x4.add(a1, f32x4.mul(v128.load(wp, 16), s));
            a2 = f32x4.add(a2, f32x4.mul(v128.load(wp, 32), s));
            a3 = f32x4.add(a3, f32x4.mul(v128.load(wp, 48), s));
            a4 = f32x4.add(a4, f32x4.mul(v128.load(wp, 64), s));
            a5 = f32x4.add(a5, f32x4.mul(v128.load(wp, 80), s));
            a6 = f32x4.add(a6, f32x4.mul(v128.load(wp, 96), s));
            a7 = f32x4.add(a7, f32x4.mul(v128.load(wp, 112), s));
            wp += cb;
          }
        }
        const o = hb + j;
        v128.store(o, f32x4.max(a0, zero));
        v128.store(o, f32x4.max(a1, zero), 16);
        v128.store(o, f32x4.max(a2, zero), 32);
        v128.store(o, f32x4.max(a3, zero), 48);
        v128.store(o, f32x4.max(a4, zero), 64);
        v128.store(o, f32x4.max(a5, zero), 80);
        v128.store(o, f32x4.max(a6, zero), 96);
        v128.store(o, f32x4.max(a7, zero), 112);
      }
    }
  }
}

@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) +
    (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

// y = xres + b2 + conv3x3(h), two output pixels per pass so each weight load feeds 2 products.
export function conv2Forward(
  h: usize, hStride: i32, w2k: usize, b2: usize, xres: usize, xStride: i32, y: usize,
  rows: i32, cols: i32, C: i32,
): void {
  const cb = <usize>C << 2;
  const os = cb * 9;
  const hs = <usize>hStride * cb;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c += 2) {
      const two = c + 1 < cols;
      let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a02 = f32x4.splat(0);
      let a10 = f32x4.splat(0), a11 = f32x4.splat(0), a12 = f32x4.splat(0);
      const hb = h + <usize>r * hs + <usize>c * cb;
      // the second pixel of an odd row tail reads the first one's data (result discarded)
      const step: usize = two ? cb : 0;
      for (let ky: usize = 0; ky < 3; ky++) {
        for (let kx: usize = 0; kx < 3; kx++) {
          const p0 = hb + ky * hs + kx * cb;
          const p1 = p0 + step;
          const wk = w2k + (ky * 3 + kx) * cb;
          for (let j: usize = 0; j < cb; j += 16) {
            const h0 = v128.load(p0 + j), h1 = v128.load(p1 + j);
            const w0 = v128.load(wk + j), w1 = v128.load(wk + os + j);
            const w2 = v128.load(wk + 2 * os + j);
            a00 = f32x4.add(a00, f32x4.mul(h0, w0));
            a01 = f32x4.add(a01, f32x4.mul(h0, w1));
            a02 = f32x4.add(a02, f32x4.mul(h0, w2));
            a10 = f32x4.add(a10, f32x4.mul(h1, w0));
            a11 = f32x4.add(a11, f32x4.mul(h1, w1));
            a12 = f32x4.add(a12, f32x4.mul(h1, w2));
          }
        }
      }
      const xp = xres + (<usize>r * <usize>xStride + <usize>c) * 12;
      const yp = y + (<usize>r * <usize>cols + <usize>c) * 12;
      store<f32>(yp, load<f32>(xp) + load<f32>(b2) + hsum(a00));
      store<f32>(yp, load<f32>(xp, 4) + load<f32>(b2, 4) + hsum(a01), 4);
      store<f32>(yp, load<f32>(xp, 8) + load<f32>(b2, 8) + hsum(a02), 8);
      if (two) {
        store<f32>(yp, load<f32>(xp, 12) + load<f32>(b2) + hsum(a10), 12);
        store<f32>(yp, load<f32>(xp, 16) + load<f32>(b2, 4) + hsum(a11), 16);
        store<f32>(yp, load<f32>(xp, 20) + load<f32>(b2, 8) + hsum(a12), 20);
      }
    }
  }
}

// dw2k += Σ dy·h (per image row, 12 accumulators), then dh = conv2ᵀ(dy) by gathering over the
// padded plane (8 accumulators per 32 channels), so no read-modify-write of dh.
export function conv2Backward(
  dy: usize, h: usize, w2k: usize, dh: usize, dw2k: usize, H: i32, W: i32, C: i32,
): void {
  const cb = <usize>C << 2;
  const os = cb * 9;
  const Wp = W + 2;
  const hs = <usize>Wp * cb;
  for (let r = 0; r < H; r++) {
    const dyr = dy + <usize>(r * W) * 12;
    for (let k: usize = 0; k < 9; k++) {
      const hr = h + (<usize>r + k / 3) * hs + (k % 3) * cb;
      for (let j: usize = 0; j < cb; j += 64) {
        const g0 = dw2k + k * cb + j, g1 = g0 + os, g2 = g1 + os;
        let a00 = v128.load(g0), a01 = v128.load(g0, 16), a02 = v128.load(g0, 32);
        let a03 = v128.load(g0, 48);
        let a10 = v128.load(g1), a11 = v128.load(g1, 16), a12 = v128.load(g1, 32);
        let a13 = v128.load(g1, 48);
        let a20 = v128.load(g2), a21 = v128.load(g2, 16), a22 = v128.load(g2, 32);
        let a23 = v128.load(g2, 48);
        let hp = hr + j;
        let dp = dyr;
        for (let c = 0; c < W; c++) {
          const d0 = f32x4.splat(load<f32>(dp)), d1 = f32x4.splat(load<f32>(dp, 4));
          const d2 = f32x4.splat(load<f32>(dp, 8));
          const h0 = v128.load(hp), h1 = v128.load(hp, 16), h2 = v128.load(hp, 32);
          const h3 = v128.load(hp, 48);
          a00 = f32x4.add(a00, f32x4.mul(d0, h0));
          a01 = f32x4.add(a01, f32x4.mul(d0, h1));
          a02 = f32x4.add(a02, f32x4.mul(d0, h2));
          a03 = f32x4.add(a03, f32x4.mul(d0, h3));
          a10 = f32x4.add(a10, f32x4.mul(d1, h0));
          a11 = f32x4.add(a11, f32x4.mul(d1, h1));
          a12 = f32x4.add(a12, f32x4.mul(d1, h2));
          a13 = f32x4.add(a13, f32x4.mul(d1, h3));
          a20 = f32x4.add(a20, f32x4.mul(d2, h0));
          a21 = f32x4.add(a21, f32x4.mul(d2, h1));
          a22 = f32x4.add(a22, f32x4.mul(d2, h2));
          a23 = f32x4.add(a23, f32x4.mul(d2, h3));
          hp += cb;
          dp += 12;
        }
        v128.store(g0, a00);
        v128.store(g0, a01, 16);
        v128.store(g0, a02, 32);
        v128.store(g0, a03, 48);
        v128.store(g1, a10);
        v128.store(g1, a11, 16);
        v128.store(g1, a12, 32);
        v128.store(g1, a13, 48);
        v128.store(g2, a20);
        v128.store(g2, a21, 16);
        v128.store(g2, a22, 32);
        v128.store(g2, a23, 48);
      }
    }
  }
  for (let qr = 0; qr < H + 2; qr++) {
    const kyLo = max(0, qr - H + 1), kyHi = min(2, qr);
    for (let qc = 0; qc < Wp; qc++) {
      const kxLo = max(0, qc - W + 1), kxHi = min(2, qc);
      const out = dh + (<usize>qr * <usize>Wp + <usize>qc) * cb;
      for (let j: usize = 0; j < cb; j += 128) {
        let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
        let a4 = f32x4.splat(0), a5 = f32x4.splat(0), a6 = f32x4.splat(0), a7 = f32x4.splat(0);
        for (let ky = kyLo; ky <= kyHi; ky++) {
          for (let kx = kxLo; kx <= kxHi; kx++) {
            const dp = dy + <usize>((qr - ky) * W + qc - kx) * 12;
            const d0 = f32x4.splat(load<f32>(dp)), d1 = f32x4.splat(load<f32>(dp, 4));
            const d2 = f32x4.splat(load<f32>(dp, 8));
            const w0 = w2k + <usize>(ky * 3 + kx) * cb + j, w1 = w0 + os, w2 = w1 + os;
            a0 = f32x4.add(a0, f32x4.add(f32x4.mul(d0, v128.load(w0)),
              f32x4.add(f32x4.mul(d1, v128.load(w1)), f32x4.mul(d2, v128.load(w2)))));
            a1 = f32x4.add(a1, f32x4.add(f32x4.mul(d0, v128.load(w0, 16)),
              f32x4.add(f32x4.mul(d1, v128.load(w1, 16)), f32x4.mul(d2, v128.load(w2, 16)))));
            a2 = f32x4.add(a2, f32x4.add(f32x4.mul(d0, v128.load(w0, 32)),
              f32x4.add(f32x4.mul(d1, v128.load(w1, 32)), f32x4.mul(d2, v128.load(w2, 32)))));
            a3 = f32x4.add(a3, f32x4.add(f32x4.mul(d0, v128.load(w0, 48)),
              f32x4.add(f32x4.mul(d1, v128.load(w1, 48)), f32x4.mul(d2, v128.load(w2, 48)))));
            a4 = f32x4.add(a4, f32x4.add(f32x4.mul(d0, v128.load(w0, 64)),
              f32x4.add(f32x4.mul(d1, v128.load(w1, 64)), f32x4.mul(d2, v128.load(w2, 64)))));
            a5 = f32x4.add(a5, f32x4.add(f32x4.mul(d0, v128.load(w0, 80)),
              f32x4.add(f32x4.mul(d1, v128.load(w1, 80)), f32x4.mul(d2, v128.load(w2, 80)))));
            a6 = f32x4.add(a6, f32x4.add(f32x4.mul(d0, v128.load(w0, 96)),
              f32x4.add(f32x4.mul(d1, v128.load(w1, 96)), f32x4.mul(d2, v128.load(w2, 96)))));
            a7 = f32x4.add(a7, f32x4.add(f32x4.mul(d0, v128.load(w0, 112)),
              f32x4.add(f32x4.mul(d1, v128.load(w1, 112)), f32x4.mul(d2, v128.load(w2, 112)))));
          }
        }
        const o = out + j;
        v128.store(o, a0);
        v128.store(o, a1, 16);
        v128.store(o, a2, 32);
        v128.store(o, a3, 48);
        v128.store(o, a4, 64);
        v128.store(o, a5, 80);
        v128.store(o, a6, 96);
        v128.store(o, a7, 112);
      }
    }
  }
}

@inline function addInto(to: usize, from: usize, bytes: usize): void {
  for (let i: usize = 0; i < bytes; i += 16) {
    v128.store(to + i, f32x4.add(v128.load(to + i), v128.load(from + i)));
  }
}

// Adjoint of the reflect padding (rows first, then columns: the reverse of the fill order),
// then the ReLU mask h > 0 on the interior.
export function foldAndMask(dh: usize, h: usize, H: i32, W: i32, C: i32): void {
  const cb = <usize>C << 2;
  const Wp = <usize>(W + 2);
  const rs = Wp * cb;
  addInto(dh + 2 * rs, dh, rs);
  addInto(dh + <usize>(H - 1) * rs, dh + <usize>(H + 1) * rs, rs);
  const zero = f32x4.splat(0);
  for (let r: usize = 1; r <= <usize>H; r++) {
    const row = dh + r * rs;
    addInto(row + 2 * cb, row, cb);
    addInto(row + <usize>(W - 1) * cb, row + <usize>(W + 1) * cb, cb);
    const hr = h + r * rs;
    for (let i: usize = cb; i < (Wp - 1) * cb; i += 16) {
      const m = f32x4.gt(v128.load(hr + i), zero);
      v128.store(row + i, v128.and(v128.load(row + i), m));
    }
  }
}

// dw1k += Σ dz·x over each image row (12 accumulators: 3 input channels × 16 output channels),
// db1 += Σ dz.
export function conv1Backward(
  dz: usize, x: usize, dw1k: usize, db1: usize, H: i32, W: i32, C: i32,
): void {
  const cb = <usize>C << 2;
  const Wp = <usize>(W + 2);
  for (let r: usize = 0; r < <usize>H; r++) {
    const zr = dz + ((r + 1) * Wp + 1) * cb;
    for (let j: usize = 0; j < cb; j += 16) {
      let s = v128.load(db1 + j);
      for (let c: usize = 0; c < <usize>W; c++) s = f32x4.add(s, v128.load(zr + c * cb + j));
      v128.store(db1 + j, s);
    }
    for (let k: usize = 0; k < 9; k++) {
      const xr = x + ((r + k / 3) * Wp + k % 3) * 12;
      for (let j: usize = 0; j < cb; j += 64) {
        const g0 = dw1k + k * 3 * cb + j, g1 = g0 + cb, g2 = g1 + cb;
        let a00 = v128.load(g0), a01 = v128.load(g0, 16), a02 = v128.load(g0, 32);
        let a03 = v128.load(g0, 48);
        let a10 = v128.load(g1), a11 = v128.load(g1, 16), a12 = v128.load(g1, 32);
        let a13 = v128.load(g1, 48);
        let a20 = v128.load(g2), a21 = v128.load(g2, 16), a22 = v128.load(g2, 32);
        let a23 = v128.load(g2, 48);
        let zp = zr + j;
        let xp = xr;
        for (let c = 0; c < W; c++) {
          const x0 = f32x4.splat(load<f32>(xp)), x1 = f32x4.splat(load<f32>(xp, 4));
          const x2 = f32x4.splat(load<f32>(xp, 8));
          const z0 = v128.load(zp), z1 = v128.load(zp, 16), z2 = v128.load(zp, 32);
          const z3 = v128.load(zp, 48);
          a00 = f32x4.add(a00, f32x4.mul(x0, z0));
          a01 = f32x4.add(a01, f32x4.mul(x0, z1));
          a02 = f32x4.add(a02, f32x4.mul(x0, z2));
          a03 = f32x4.add(a03, f32x4.mul(x0, z3));
          a10 = f32x4.add(a10, f32x4.mul(x1, z0));
          a11 = f32x4.add(a11, f32x4.mul(x1, z1));
          a12 = f32x4.add(a12, f32x4.mul(x1, z2));
          a13 = f32x4.add(a13, f32x4.mul(x1, z3));
          a20 = f32x4.add(a20, f32x4.mul(x2, z0));
          a21 = f32x4.add(a21, f32x4.mul(x2, z1));
          a22 = f32x4.add(a22, f32x4.mul(x2, z2));
          a23 = f32x4.add(a23, f32x4.mul(x2, z3));
          zp += cb;
          xp += 12;
        }
        v128.store(g0, a00);
        v128.store(g0, a01, 16);
        v128.store(g0, a02, 32);
        v128.store(g0, a03, 48);
        v128.store(g1, a10);
        v128.store(g1, a11, 16);
        v128.store(g1, a12, 32);
        v128.store(g1, a13, 48);
        v128.store(g2, a20);
        v128.store(g2, a21, 16);
        v128.store(g2, a22, 32);
        v128.store(g2, a23, 48);
      }
    }
  }
}

// ---- Soft histograms of the loss (same windows and recurrence as ../losses.ts, float64) ----

const KY0: f64 = 0.299, KY1: f64 = 0.587, KY2: f64 = 0.114;
const KU0: f64 = -0.14713, KU1: f64 = -0.28886, KU2: f64 = 0.436;
const KV0: f64 = 0.615, KV1: f64 = -0.51499, KV2: f64 = -0.10001;

// Normalised Gaussian weights of the bins within `radius` of v's nearest bin, written to p (and
// their centred log-derivatives to dl); returns lo << 8 | count. q = ratioStep(bins, sigma).
@inline function ratioStep(bins: i32, sigma: f64): f64 {
  const step = 1.0 / <f64>(bins - 1);
  return Math.exp(-step * step / (sigma * sigma));
}

function softBins(
  v: f64, bins: i32, sigma: f64, radius: i32, q: f64, p: usize, dl: usize,
): i32 {
  const last = bins - 1;
  const step = 1.0 / <f64>last;
  const inv = 1.0 / (sigma * sigma);
  const k0 = <i32>min<f64>(<f64>last, max<f64>(0, Math.round(v * <f64>last)));
  const lo = max(0, k0 - radius);
  const hi = min(last, k0 + radius);
  let d = v - <f64>lo * step;
  let w = Math.exp(-0.5 * d * d * inv);
  let r = Math.exp((d * step - 0.5 * step * step) * inv);
  const n = hi - lo + 1;
  let s: f64 = 0;
  for (let j = 0; j < n; j++) {
    const o = <usize>j << 3;
    store<f64>(p + o, w);
    store<f64>(dl + o, -d * inv);
    s += w;
    w *= r;
    r *= q;
    d -= step;
  }
  const is = 1.0 / s;
  let gbar: f64 = 0;
  for (let j = 0; j < n; j++) {
    const o = <usize>j << 3;
    const pj = load<f64>(p + o) * is;
    store<f64>(p + o, pj);
    gbar += pj * load<f64>(dl + o);
  }
  for (let j = 0; j < n; j++) {
    const o = <usize>j << 3;
    store<f64>(dl + o, load<f64>(dl + o) - gbar);
  }
  return (lo << 8) | n;
}

// hist (f64, bins) += Σ_pixels soft luma bins of img (f32 RGB); `scratch` holds 2 × 64 f64.
export function histYAccumulate(
  img: usize, pixels: i32, hist: usize, bins: i32, sigma: f64, radius: i32, scratch: usize,
): void {
  const rq = ratioStep(bins, sigma);
  const p = scratch, dl = scratch + 512;
  for (let q = 0; q < pixels; q++) {
    const a = img + <usize>q * 12;
    const y = KY0 * <f64>load<f32>(a) + KY1 * <f64>load<f32>(a, 4) + KY2 * <f64>load<f32>(a, 8);
    const ln = softBins(y, bins, sigma, radius, rq, p, dl);
    const lo = ln >> 8, n = ln & 255;
    const h = hist + (<usize>lo << 3);
    for (let j = 0; j < n; j++) {
      const o = <usize>j << 3;
      store<f64>(h + o, load<f64>(h + o) + load<f64>(p + o));
    }
  }
}

// grad (f32 RGB) += d loss / d img for a luma histogram loss with dL/dp_bin = G (f64).
export function histYBackward(
  img: usize, pixels: i32, G: usize, grad: usize, bins: i32, sigma: f64, radius: i32,
  scratch: usize,
): void {
  const rq = ratioStep(bins, sigma);
  const p = scratch, dl = scratch + 512;
  for (let q = 0; q < pixels; q++) {
    const a = img + <usize>q * 12;
    const y = KY0 * <f64>load<f32>(a) + KY1 * <f64>load<f32>(a, 4) + KY2 * <f64>load<f32>(a, 8);
    const ln = softBins(y, bins, sigma, radius, rq, p, dl);
    const lo = ln >> 8, n = ln & 255;
    let dv: f64 = 0;
    const g = G + (<usize>lo << 3);
    for (let j = 0; j < n; j++) {
      const o = <usize>j << 3;
      dv += load<f64>(g + o) * load<f64>(p + o) * load<f64>(dl + o);
    }
    const b = grad + <usize>q * 12;
    store<f32>(b, load<f32>(b) + <f32>(dv * KY0));
    store<f32>(b, load<f32>(b, 4) + <f32>(dv * KY1), 4);
    store<f32>(b, load<f32>(b, 8) + <f32>(dv * KY2), 8);
  }
}

// hist (f64, bins²) += Σ_pixels outer(soft U bins, soft V bins); `scratch` holds 4 × 64 f64.
export function histUVAccumulate(
  img: usize, pixels: i32, hist: usize, bins: i32, sigma: f64, radius: i32, scratch: usize,
): void {
  const rq = ratioStep(bins, sigma);
  const pu = scratch, du = scratch + 512, pv = scratch + 1024, dv = scratch + 1536;
  for (let q = 0; q < pixels; q++) {
    const a = img + <usize>q * 12;
    const r = <f64>load<f32>(a), gg = <f64>load<f32>(a, 4), b = <f64>load<f32>(a, 8);
    const lnu = softBins(KU0 * r + KU1 * gg + KU2 * b + 0.5, bins, sigma, radius, rq, pu, du);
    const lnv = softBins(KV0 * r + KV1 * gg + KV2 * b + 0.5, bins, sigma, radius, rq, pv, dv);
    const nu = lnu & 255, nv = lnv & 255;
    let row = hist + ((<usize>(lnu >> 8) * <usize>bins + <usize>(lnv >> 8)) << 3);
    for (let i = 0; i < nu; i++) {
      const s = f64x2.splat(load<f64>(pu + (<usize>i << 3)));
      let j = 0;
      for (; j + 1 < nv; j += 2) {
        const o = <usize>j << 3;
        v128.store(row + o, f64x2.add(v128.load(row + o), f64x2.mul(s, v128.load(pv + o))));
      }
      if (j < nv) {
        const o = <usize>j << 3;
        store<f64>(row + o, load<f64>(row + o) + f64x2.extract_lane(s, 0) * load<f64>(pv + o));
      }
      row += <usize>bins << 3;
    }
  }
}

// grad (f32 RGB) += d loss / d img for a 2-D chroma histogram loss with dL/dp_bin = G (f64).
export function histUVBackward(
  img: usize, pixels: i32, G: usize, grad: usize, bins: i32, sigma: f64, radius: i32,
  scratch: usize,
): void {
  const rq = ratioStep(bins, sigma);
  const pu = scratch, du = scratch + 512, pv = scratch + 1024, dv = scratch + 1536;
  const sv = scratch + 2048;
  for (let q = 0; q < pixels; q++) {
    const a = img + <usize>q * 12;
    const r = <f64>load<f32>(a), gg = <f64>load<f32>(a, 4), b = <f64>load<f32>(a, 8);
    const lnu = softBins(KU0 * r + KU1 * gg + KU2 * b + 0.5, bins, sigma, radius, rq, pu, du);
    const lnv = softBins(KV0 * r + KV1 * gg + KV2 * b + 0.5, bins, sigma, radius, rq, pv, dv);
    const nu = lnu & 255, nv = lnv & 255;
    // sv (f64, padded to an even count) = Σ_i G[i, ·]·pu_i; gu = Σ_i pu_i·du_i·(G[i, ·]·pv)
    const nv2 = (nv + 1) & ~1;
    store<f64>(pv + (<usize>nv << 3), 0);
    for (let j = 0; j < nv2; j++) store<f64>(sv + (<usize>j << 3), 0);
    let gu: f64 = 0;
    let row = G + ((<usize>(lnu >> 8) * <usize>bins + <usize>(lnv >> 8)) << 3);
    // the padded lane reads one bin past the window: G is padded by 2 values and pv's pad is 0
    for (let i = 0; i < nu; i++) {
      const oi = <usize>i << 3;
      const pi = load<f64>(pu + oi);
      const spi = f64x2.splat(pi);
      let tv = f64x2.splat(0);
      for (let j = 0; j < nv2; j += 2) {
        const o = <usize>j << 3;
        const gij = v128.load(row + o);
        tv = f64x2.add(tv, f64x2.mul(gij, v128.load(pv + o)));
        v128.store(sv + o, f64x2.add(v128.load(sv + o), f64x2.mul(gij, spi)));
      }
      gu += pi * load<f64>(du + oi) * (f64x2.extract_lane(tv, 0) + f64x2.extract_lane(tv, 1));
      row += <usize>bins << 3;
    }
    let gv: f64 = 0;
    for (let j = 0; j < nv; j++) {
      const o = <usize>j << 3;
      gv += load<f64>(pv + o) * load<f64>(dv + o) * load<f64>(sv + o);
    }
    const o = grad + <usize>q * 12;
    store<f32>(o, load<f32>(o) + <f32>(gu * KU0 + gv * KV0));
    store<f32>(o, load<f32>(o, 4) + <f32>(gu * KU1 + gv * KV1), 4);
    store<f32>(o, load<f32>(o, 8) + <f32>(gu * KU2 + gv * KV2), 8);
  }
}

// First byte after the module's static data (the exp tables of Math.exp), 16-byte aligned: the
// host's buffers start here.
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}
