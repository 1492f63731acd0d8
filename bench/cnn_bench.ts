/**
 * Speed of one colour-CNN training step (forward + full loss + backward + AdamW) against PyTorch
 * CPU at the same shapes and thread count, measured side by side in this run
 * (`deno task bench:cnn`). Prints median s/step for torch and each TS route, and the ratios.
 * @module
 */
import { cliFail, intOption, parseCli } from "../harness/cli/args.ts";
import { OptionError } from "../harness/errors.ts";
import { runPythonFile } from "../harness/testing/python.ts";
import { seededRandom } from "../methods/lib/cnn/init.ts";
import { createCnnTrainer } from "../methods/lib/cnn/train.ts";
import { createGpuCnnTrainer } from "../methods/lib/cnn/gpu.ts";

const USAGE = `usage: npx -y deno@2.9.6 task bench:cnn [options]

Times one colour-CNN training step (forward + full loss + backward + AdamW) against PyTorch CPU
at the same shapes, side by side in this run; prints s/step and the ratio ts/torch.

Options:
  --n N          batch size (default 8)
  --crop PX      crop side (default 64)
  --threads N    workers / torch threads (default 2)
  --steps N      timed steps per round (default 10)
  --routes LIST  comma-separated: wasm, js, gpu (default wasm)
  --rounds N     rounds, alternating torch and ours (default 3)
  --help         this text`;

const { values } = parseCli({
  name: "bench:cnn",
  usage: USAGE,
  options: {
    n: { type: "string", default: "8" },
    crop: { type: "string", default: "64" },
    threads: { type: "string", default: "2" },
    steps: { type: "string", default: "10" },
    routes: { type: "string", default: "wasm" },
    rounds: { type: "string", default: "3" },
  },
});
let n = 0, crop = 0, threads = 0, steps = 0, rounds = 0;
let routes: Route[] = [];
try {
  n = intOption(values.n, "--n");
  crop = intOption(values.crop, "--crop", { min: 8 });
  threads = intOption(values.threads, "--threads", { max: 64 });
  steps = intOption(values.steps, "--steps");
  rounds = intOption(values.rounds, "--rounds");
  routes = String(values.routes).split(",").map((r) => r.trim()) as Route[];
  for (const r of routes) {
    if (!["wasm", "js", "gpu"].includes(r)) {
      throw new OptionError("--routes", `unknown route '${r}' (wasm, js, gpu)`);
    }
  }
} catch (e) {
  if (!(e instanceof OptionError)) throw e;
  cliFail("bench:cnn", e.message);
}

const median = (t: number[]) => [...t].sort((a, b) => a - b)[t.length >> 1];

/** Median s/step of the torch anchor with `th` intra-op threads. */
async function torchStep(th: number): Promise<number> {
  const script = new URL("./py/cnn_anchor.py", import.meta.url).pathname;
  const args = [String(n), String(crop), String(crop), String(th), String(steps)];
  return JSON.parse(await runPythonFile(script, args)).median;
}

/** Routes: "wasm" (WASM SIMD kernels over workers), "js" (typed-array loops), "gpu" (WebGPU). */
type Route = "wasm" | "js" | "gpu";

async function tsStep(route: Route): Promise<number> {
  const rand = seededRandom(1);
  const len = n * crop * crop * 3;
  const batch = {
    source: Float32Array.from({ length: len }, () => rand()),
    target: Float32Array.from({ length: len }, () => rand()),
    n,
    h: crop,
    w: crop,
  };
  const t = route === "gpu"
    ? await createGpuCnnTrainer({ seed: 42 })
    : await createCnnTrainer({ seed: 42, kernels: route, workers: threads });
  if (!t) throw new Error("no WebGPU adapter");
  try {
    const k = route === "wasm" ? steps : Math.max(1, steps >> 2);
    for (let i = 0; i < (route === "wasm" ? 3 : 1); i++) await t.step(batch);
    const times: number[] = [];
    for (let i = 0; i < k; i++) {
      const t0 = performance.now();
      await t.step(batch);
      times.push((performance.now() - t0) / 1000);
    }
    return median(times);
  } finally {
    t.close();
  }
}

console.log(
  `batch ${n}×${crop}×${crop}, ${threads} threads, ${steps} timed steps, ${rounds} rounds`,
);
const ratios: Record<string, number[]> = {};
// On a shared (oversubscribed) machine torch's OpenMP threads can be slower than one thread, so
// the anchor is the faster of torch at `threads` and at 1 thread: the conservative comparison.
for (let r = 0; r < rounds; r++) {
  const tN = await torchStep(threads), t1 = threads === 1 ? tN : await torchStep(1);
  const torch = Math.min(tN, t1);
  console.log(
    `round ${r + 1}: torch ${tN.toFixed(3)} s/step at ${threads} threads, ${t1.toFixed(3)} at 1;` +
      ` anchor ${torch.toFixed(3)}`,
  );
  for (const route of routes) {
    const s = await tsStep(route);
    (ratios[route] ??= []).push(s / torch);
    console.log(
      `round ${r + 1}: ts-${route} ${s.toFixed(3)} s/step, ratio ts/torch ${
        (s / torch).toFixed(2)
      }`,
    );
  }
}
for (const [route, r] of Object.entries(ratios)) {
  console.log(`ts-${route}: median ratio ts/torch over ${r.length} rounds ${median(r).toFixed(2)}`);
}
