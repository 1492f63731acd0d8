/**
 * WASM SIMD kernels (route "wasm"): `wasm/kernels.wasm`, compiled ahead of time from
 * `wasm/kernels.as` (AssemblyScript, f32x4 register-blocked direct convolutions). Same interface and
 * semantics as the typed-array kernels in `kernels.ts`.
 * @module
 */
import type { ConvKernels } from "./kernels.ts";

/** Whether the WASM kernels can run this hidden width (they process 32 channels at a time). */
export function wasmSupportsHidden(hidden: number): boolean {
  return hidden % 32 === 0;
}

interface Exports {
  heapBase(): number;
  conv1Forward(...a: number[]): void;
  conv2Forward(...a: number[]): void;
  conv2Backward(...a: number[]): void;
  foldAndMask(...a: number[]): void;
  conv1Backward(...a: number[]): void;
}

/**
 * Instantiates the WASM kernels on a fresh memory of at least `floats` float32 values.
 * @example
 * ```ts
 * const k = await createWasmKernels();
 * k.ensure(1 << 20);
 * ```
 */
export async function createWasmKernels(floats = 0): Promise<ConvKernels> {
  const url = new URL("./wasm/kernels.wasm", import.meta.url);
  const bytes = url.protocol === "file:"
    ? await Deno.readFile(url)
    : new Uint8Array(await (await fetch(url)).arrayBuffer());
  return kernelsFromModule(new WebAssembly.Module(bytes), floats);
}

/**
 * Synchronous variant of {@link createWasmKernels} (the module is 4 KB, so compiling it on the
 * calling thread is cheap); null when the module is not on the local file system.
 */
export function createWasmKernelsSync(floats = 0): ConvKernels | null {
  const url = new URL("./wasm/kernels.wasm", import.meta.url);
  if (url.protocol !== "file:") return null;
  return kernelsFromModule(new WebAssembly.Module(Deno.readFileSync(url)), floats);
}

function kernelsFromModule(module: WebAssembly.Module, floats: number): ConvKernels {
  const pages = (bytes: number) => Math.ceil(bytes / 65536);
  const memory = new WebAssembly.Memory({ initial: 1 });
  const instance = new WebAssembly.Instance(module, { env: { memory, abort() {} } });
  const x = instance.exports as unknown as Exports;
  // the heap starts after the module's static data; every index is relative to it
  const base = x.heapBase();
  const view = () => new Float32Array(memory.buffer, base);
  const grow = (n: number) => {
    const need = base + n * 4;
    if (memory.buffer.byteLength < need) memory.grow(pages(need - memory.buffer.byteLength));
  };
  grow(floats);
  let heap = view();
  const p = (i: number) => base + 4 * i;
  return {
    get heap() {
      return heap;
    },
    ensure(n: number) {
      if (heap.length >= n) return;
      grow(n);
      heap = view();
    },
    conv1Forward: (xp, xs, w1k, b1, h, hs, rows, cols, C) =>
      x.conv1Forward(p(xp), xs, p(w1k), p(b1), p(h), hs, rows, cols, C),
    conv2Forward: (h, hs, w2k, b2, xres, xs, y, rows, cols, C) =>
      x.conv2Forward(p(h), hs, p(w2k), p(b2), p(xres), xs, p(y), rows, cols, C),
    conv2Backward: (dy, h, w2k, dh, dw2k, H, W, C) =>
      x.conv2Backward(p(dy), p(h), p(w2k), p(dh), p(dw2k), H, W, C),
    foldAndMask: (dh, h, H, W, C) => x.foldAndMask(p(dh), p(h), H, W, C),
    conv1Backward: (dz, xp, dw1k, db1, H, W, C) =>
      x.conv1Backward(p(dz), p(xp), p(dw1k), p(db1), H, W, C),
  };
}
