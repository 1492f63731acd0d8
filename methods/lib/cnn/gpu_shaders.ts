/**
 * WGSL compute shaders of the colour CNN's WebGPU path. Layouts are the CPU kernels' (NHWC,
 * channels innermost, padded planes (H+2)×(W+2), `w1k[t][c]`, `w2k[o][k][c]`). Every shader gets
 * the same uniform block and one invocation per output element (`i = gid.x + gid.y·stride`).
 * Reductions (weight gradients) write per-chunk partial sums that a second pass adds in a fixed
 * order, so no atomics are needed and results are deterministic.
 * @module
 */

const HEADER = /* wgsl */ `
struct P { n: u32, H: u32, W: u32, C: u32, count: u32, stride: u32, rows: u32, chunks: u32 }
@group(0) @binding(0) var<uniform> p: P;
fn refl(i: i32, n: i32) -> i32 {
  if (i < 0) { return -i; }
  if (i >= n) { return 2 * n - 2 - i; }
  return i;
}
`;

/**
 * h = ReLU(conv1(x) + b1) at every padded position (border = value at the reflected pixel); one
 * invocation per (padded pixel, channel), so neighbouring invocations write neighbouring floats.
 */
export const CONV1_FORWARD = HEADER + /* wgsl */ `
@group(0) @binding(1) var<storage, read> xpad: array<f32>;
@group(0) @binding(2) var<storage, read> w1k: array<f32>;
@group(0) @binding(3) var<storage, read> b1: array<f32>;
@group(0) @binding(4) var<storage, read_write> hpad: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) {
  let i = g.x + g.y * p.stride;
  if (i >= p.count) { return; }
  let Wp = p.W + 2u; let Hp = p.H + 2u;
  let ch = i % p.C; let pix = i / p.C;
  let img = pix / (Hp * Wp); let q = pix % (Hp * Wp);
  let r = u32(refl(i32(q / Wp) - 1, i32(p.H)));
  let c = u32(refl(i32(q % Wp) - 1, i32(p.W)));
  var a = b1[ch];
  for (var ky = 0u; ky < 3u; ky++) {
    let xb = ((img * Hp + r + ky) * Wp + c) * 3u;
    for (var j = 0u; j < 9u; j++) { a += w1k[(ky * 9u + j) * p.C + ch] * xpad[xb + j]; }
  }
  hpad[i] = max(a, 0.0);
}`;

/** y = x + b2 + conv2(h) per output pixel (the 1×1 head runs on the CPU). */
export const CONV2_FORWARD = HEADER + /* wgsl */ `
@group(0) @binding(1) var<storage, read> xpad: array<f32>;
@group(0) @binding(2) var<storage, read> hpad: array<f32>;
@group(0) @binding(3) var<storage, read> w2k: array<f32>;
@group(0) @binding(4) var<storage, read> b2: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) {
  let i = g.x + g.y * p.stride;
  if (i >= p.count) { return; }
  let Wp = p.W + 2u; let Hp = p.H + 2u; let C = p.C;
  let img = i / (p.H * p.W); let r = (i / p.W) % p.H; let c = i % p.W;
  var a0 = 0.0; var a1 = 0.0; var a2 = 0.0;
  for (var k = 0u; k < 9u; k++) {
    let hb = ((img * Hp + r + k / 3u) * Wp + c + k % 3u) * C;
    for (var ch = 0u; ch < C; ch++) {
      let h = hpad[hb + ch];
      a0 += h * w2k[k * C + ch];
      a1 += h * w2k[(9u + k) * C + ch];
      a2 += h * w2k[(18u + k) * C + ch];
    }
  }
  let xb = ((img * Hp + r + 1u) * Wp + c + 1u) * 3u;
  y[i * 3u] = xpad[xb] + b2[0] + a0;
  y[i * 3u + 1u] = xpad[xb + 1u] + b2[1] + a1;
  y[i * 3u + 2u] = xpad[xb + 2u] + b2[2] + a2;
}`;

/** dh = conv2ᵀ(dy) over every padded position (gather form), per (padded pixel, channel). */
export const CONV2_INPUT_GRAD = HEADER + /* wgsl */ `
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> w2k: array<f32>;
@group(0) @binding(3) var<storage, read_write> dh: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) {
  let i = g.x + g.y * p.stride;
  if (i >= p.count) { return; }
  let Wp = p.W + 2u; let Hp = p.H + 2u; let C = p.C;
  let ch = i % C; let pix = i / C;
  let img = pix / (Hp * Wp); let q = pix % (Hp * Wp);
  let pr = i32(q / Wp); let pc = i32(q % Wp);
  var s = 0.0;
  for (var k = 0u; k < 9u; k++) {
    let rr = pr - i32(k / 3u); let cc = pc - i32(k % 3u);
    if (rr < 0 || rr >= i32(p.H) || cc < 0 || cc >= i32(p.W)) { continue; }
    let db = ((img * p.H + u32(rr)) * p.W + u32(cc)) * 3u;
    s += dy[db] * w2k[k * C + ch] + dy[db + 1u] * w2k[(9u + k) * C + ch] +
      dy[db + 2u] * w2k[(18u + k) * C + ch];
  }
  dh[i] = s;
}`;

/** dz = ReLU mask · (dh folded back from the reflect border), per (interior pixel, channel). */
export const FOLD_MASK = HEADER + /* wgsl */ `
@group(0) @binding(1) var<storage, read> dh: array<f32>;
@group(0) @binding(2) var<storage, read> hpad: array<f32>;
@group(0) @binding(3) var<storage, read_write> dz: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) {
  let i = g.x + g.y * p.stride;
  if (i >= p.count) { return; }
  let Wp = p.W + 2u; let Hp = p.H + 2u; let C = p.C;
  let ch = i % C; let pix = i / C;
  let img = pix / (p.H * p.W); let pr = (pix / p.W) % p.H + 1u; let pc = pix % p.W + 1u;
  // padded rows / columns whose values are copies of this one (reflect padding)
  var rows = array<u32, 3>(pr, pr, pr); var nr = 1u;
  if (pr == 2u) { rows[nr] = 0u; nr++; }
  if (pr == p.H - 1u) { rows[nr] = p.H + 1u; nr++; }
  var cols = array<u32, 3>(pc, pc, pc); var nc = 1u;
  if (pc == 2u) { cols[nc] = 0u; nc++; }
  if (pc == p.W - 1u) { cols[nc] = p.W + 1u; nc++; }
  var s = 0.0;
  for (var a = 0u; a < nr; a++) {
    for (var b = 0u; b < nc; b++) { s += dh[((img * Hp + rows[a]) * Wp + cols[b]) * C + ch]; }
  }
  dz[i] = select(0.0, s, hpad[((img * Hp + pr) * Wp + pc) * C + ch] > 0.0);
}`;

/** Per-chunk partial dW2[o][k][c] = Σ dy[p][o]·h[p+k][c] (chunk = `rows` rows of one image). */
export const CONV2_WEIGHT_GRAD = HEADER + /* wgsl */ `
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> hpad: array<f32>;
@group(0) @binding(3) var<storage, read_write> part: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) {
  let i = g.x + g.y * p.stride;
  if (i >= p.count) { return; }
  let Wp = p.W + 2u; let Hp = p.H + 2u; let C = p.C; let len = 27u * C;
  let chunk = i / len; let e = i % len;
  let o = e / (9u * C); let k = (e / C) % 9u; let ch = e % C;
  let per = (p.H + p.rows - 1u) / p.rows;
  let img = chunk / per; let r0 = (chunk % per) * p.rows; let r1 = min(p.H, r0 + p.rows);
  var s = 0.0;
  for (var r = r0; r < r1; r++) {
    for (var c = 0u; c < p.W; c++) {
      s += dy[((img * p.H + r) * p.W + c) * 3u + o] *
        hpad[((img * Hp + r + k / 3u) * Wp + c + k % 3u) * C + ch];
    }
  }
  part[i] = s;
}`;

/** Per-chunk partial dW1[t][c] = Σ dz[p][c]·x[p+tap t] and (e ≥ 27C) db1[c] = Σ dz[p][c]. */
export const CONV1_WEIGHT_GRAD = HEADER + /* wgsl */ `
@group(0) @binding(1) var<storage, read> dz: array<f32>;
@group(0) @binding(2) var<storage, read> xpad: array<f32>;
@group(0) @binding(3) var<storage, read_write> part: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) {
  let i = g.x + g.y * p.stride;
  if (i >= p.count) { return; }
  let Wp = p.W + 2u; let Hp = p.H + 2u; let C = p.C; let len = 28u * C;
  let chunk = i / len; let e = i % len;
  let t = e / C; let ch = e % C;
  let per = (p.H + p.rows - 1u) / p.rows;
  let img = chunk / per; let r0 = (chunk % per) * p.rows; let r1 = min(p.H, r0 + p.rows);
  let k = t / 3u; let ci = t % 3u;
  var s = 0.0;
  for (var r = r0; r < r1; r++) {
    for (var c = 0u; c < p.W; c++) {
      let z = dz[((img * p.H + r) * p.W + c) * C + ch];
      if (t == 27u) { s += z; } else {
        s += z * xpad[((img * Hp + r + k / 3u) * Wp + c + k % 3u) * 3u + ci];
      }
    }
  }
  part[i] = s;
}`;

/** out[e] = Σ over chunks (in order) of part[chunk·len + e], len = p.count. */
export const REDUCE = HEADER + /* wgsl */ `
@group(0) @binding(1) var<storage, read> part: array<f32>;
@group(0) @binding(2) var<storage, read_write> outv: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) {
  let i = g.x + g.y * p.stride;
  if (i >= p.count) { return; }
  var s = 0.0;
  for (var c = 0u; c < p.chunks; c++) { s += part[c * p.count + i]; }
  outv[i] = s;
}`;
