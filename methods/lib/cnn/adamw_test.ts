import assert from "node:assert/strict";
import { runPython } from "../../../harness/testing/python.ts";
import { AdamW } from "./adamw.ts";
import { seededRandom } from "./init.ts";
import { learningRateSchedule } from "./train.ts";

// 30 steps of gradients that change sign and scale from step to step, so the first and second
// moments differ from the plain sign of the gradient (one step of Adam is ≈ lr·sign(g), which
// cannot tell a wrong moment update apart), under a warm-up + cosine learning-rate schedule.
Deno.test("AdamW follows torch.optim.AdamW over 30 steps with varying gradients and lr", async () => {
  const size = 40, steps = 30;
  const r = seededRandom(11);
  const p0 = Float32Array.from({ length: size }, () => 2 * r() - 1);
  const grads = Array.from({ length: steps }, (_, t) => {
    const scale = 10 ** (2 * r() - 1);
    return Float64Array.from(
      { length: size },
      (_, i) => scale * (r() - 0.5 + 0.3 * Math.sin(t + i)),
    );
  });
  const lrAt = learningRateSchedule({ kind: "cosine", lr: 0.05, steps, warmup: 5 });
  const lrs = Array.from({ length: steps }, (_, t) => lrAt(t));
  const opts = { weightDecay: 0.1, betas: [0.8, 0.95] as const, eps: 1e-6 };

  const p = p0.slice();
  const opt = new AdamW(size, { lr: 1, ...opts });
  const ours: number[][] = [];
  for (let t = 0; t < steps; t++) {
    opt.step(p, grads[t], lrs[t]);
    ours.push(Array.from(p));
  }

  const out = await runPython(
    `
import json, sys, torch
d = json.loads(sys.stdin.read())
p = torch.tensor(d["p0"], dtype=torch.float64, requires_grad=True)
opt = torch.optim.AdamW([p], lr=1.0, betas=tuple(d["betas"]), eps=d["eps"],
                        weight_decay=d["wd"])
traj = []
for g, lr in zip(d["grads"], d["lrs"]):
    for group in opt.param_groups:
        group["lr"] = lr
    p.grad = torch.tensor(g, dtype=torch.float64)
    opt.step()
    traj.append(p.detach().tolist())
print(json.dumps(traj))
`,
    [],
    {
      stdin: JSON.stringify({
        p0: Array.from(p0),
        grads: grads.map((g) => Array.from(g)),
        lrs,
        betas: opts.betas,
        eps: opts.eps,
        wd: opts.weightDecay,
      }),
    },
  );
  const ref: number[][] = JSON.parse(out);
  assert.equal(ref.length, steps);
  let moved = 0;
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < size; i++) {
      const e = Math.abs(ours[t][i] - ref[t][i]);
      assert(e < 2e-6, `step ${t + 1}, parameter ${i}: ${ours[t][i]} vs torch ${ref[t][i]}`);
    }
  }
  for (let i = 0; i < size; i++) moved = Math.max(moved, Math.abs(ref[steps - 1][i] - p0[i]));
  assert(moved > 0.2, `the parameters barely moved (${moved}): the test would not see a bug`);
});

Deno.test("learning-rate schedule: constant, warm-up then cosine to 0", () => {
  const c = learningRateSchedule({ kind: "constant", lr: 3e-4, steps: 10 });
  assert.equal(c(0), 3e-4);
  assert.equal(c(9), 3e-4);
  const s = learningRateSchedule({ kind: "cosine", lr: 1, steps: 12, warmup: 2 });
  assert.deepEqual([s(0), s(1)], [0.5, 1]);
  assert(Math.abs(s(2) - 1) < 1e-12);
  assert(Math.abs(s(7) - 0.5) < 1e-12); // halfway through the 10 decay steps
  assert(Math.abs(s(12)) < 1e-12);
});

Deno.test("per-parameter lr multipliers: 0 freezes, ½ halves the update and the decay", () => {
  const p = new Float32Array([2, 2, 2]), g = [3, 3, 3];
  new AdamW(3, { lr: 0.1, weightDecay: 0.5, lrScale: Float32Array.of(1, 0.5, 0) }).step(p, g);
  // first step: p(1 − k·lr·wd) − k·lr·g/(|g| + eps)
  assert(Math.abs(p[0] - (2 * (1 - 0.05) - 0.1)) < 1e-6, `${p[0]}`);
  assert(Math.abs(p[1] - (2 * (1 - 0.025) - 0.05)) < 1e-6, `${p[1]}`);
  assert.equal(p[2], 2);
  assert.throws(() => new AdamW(2, { lrScale: new Float32Array(3) }), RangeError);
});
