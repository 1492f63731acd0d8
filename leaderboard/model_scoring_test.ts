import assert from "node:assert/strict";
import { join } from "node:path";
import { decodeRaw } from "../harness/io/raw.ts";
import { openSqlite } from "../harness/store/sqlite.ts";
import { runPython } from "../harness/testing/python.ts";
import { createApp } from "./app.ts";
import { createModelScorer } from "./model_scoring.ts";
import { createThreadedModelScorer } from "./model_thread.ts";
import { getSubmission } from "./queue.ts";
import { makeTinyDataset, migrateAll, targetLevels } from "./testing.ts";
import { createToken } from "./tokens.ts";
import { processOneJob } from "./worker.ts";

/**
 * A linear model built with the `onnx` Python package: a 1×1 conv 4→12 and DepthToSpace(2, DCR)
 * that copies (R, Gr, B) of each Bayer cell into its 2×2 output block.
 */
async function buildModel(path: string): Promise<void> {
  const py = `
import sys, numpy as np, onnx
from onnx import helper, TensorProto, numpy_helper
w = np.zeros((12, 4, 1, 1), np.float32)
src = [0, 1, 3]
for dy in range(2):
    for dx in range(2):
        for c in range(3):
            w[(dy * 2 + dx) * 3 + c, src[c], 0, 0] = 1
g = helper.make_graph(
    [helper.make_node("Conv", ["raw", "w"], ["y"]),
     helper.make_node("DepthToSpace", ["y"], ["rgb"], blocksize=2, mode="DCR")],
    "copy", [helper.make_tensor_value_info("raw", TensorProto.FLOAT, ["N", 4, "H", "W"])],
    [helper.make_tensor_value_info("rgb", TensorProto.FLOAT, ["N", 3, "H2", "W2"])],
    [numpy_helper.from_array(w, "w")])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
m.ir_version = 8
onnx.checker.check_model(m)
onnx.save(m, sys.argv[1])
`;
  await runPython(py, [path]);
}

Deno.test("model submission: ONNX run on val RAWs, scored like a PNG submission", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lb-model-" });
  const db = openSqlite(join(dir, "db.sqlite"));
  try {
    await migrateAll(db);
    const ds = await makeTinyDataset(join(dir, "data"), { val: 3 });
    await buildModel(join(dir, "m.onnx"));
    const token = await createToken(db, { team: "lab-m" });
    const app = await createApp({ db, dataDir: ds.dir });
    const form = new FormData();
    form.append("model", new File([await Deno.readFile(join(dir, "m.onnx"))], "m.onnx"));
    form.append(
      "manifest",
      JSON.stringify({ name: "copy", description: "copies R, Gr, B", input: "raw", params: 48 }),
    );
    const res = await app.request("/api/submissions?phase=val&name=copy", {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    assert.equal(res.status, 202);
    const { id } = await res.json();
    // The threaded scorer, as the server runs it (onnxruntime in a worker thread).
    await processOneJob({ db, dataDir: ds.dir, scoreModel: createThreadedModelScorer() });
    const s = await getSubmission(db, id);
    assert.equal(s?.status, "done", s?.error ?? "");
    assert.equal(s?.kind, "model");
    assert.equal(s?.summary?.params, 48);
    assert.ok(s!.summary!.msPerMegapixel > 0);
    // Expected PSNR by hand: output = (R, Gr, B) of each cell, 8-bit rounded, vs the pattern.
    const scores = await db.all<{ image: string; psnr: number }>(
      "SELECT image, psnr FROM lb_image_scores WHERE submission_id = $1 ORDER BY image",
      [id],
    );
    assert.equal(scores.length, 3);
    for (const [i, name] of ds.val.entries()) {
      const raw = decodeRaw(await Deno.readFile(join(ds.dir, "val/raw", `${name}.npy`)));
      const gt = targetLevels(i, ds.size);
      let se = 0;
      for (let y = 0; y < ds.size; y++) {
        for (let x = 0; x < ds.size; x++) {
          const cell = 4 * ((y >> 1) * raw.width + (x >> 1));
          const v = [raw.data[cell], raw.data[cell + 1], raw.data[cell + 3]];
          for (let c = 0; c < 3; c++) {
            const q = Math.floor(Math.min(1, Math.max(0, v[c])) * 255 + 0.5) / 255;
            se += (q - gt[3 * (y * ds.size + x) + c] / 255) ** 2;
          }
        }
      }
      const expected = 10 * Math.log10(1 / (se / (ds.size * ds.size * 3)));
      assert.equal(scores[i].image, name);
      assert.ok(Math.abs(scores[i].psnr - expected) < 1e-4, `${scores[i].psnr} vs ${expected}`);
    }
    // A broken model fails with a message naming the model file.
    const bad = new FormData();
    bad.append("model", new File([new Uint8Array([1, 2, 3, 4])], "m.onnx"));
    bad.append("manifest", JSON.stringify({ name: "x", description: "", input: "raw" }));
    const r2 = await app.request("/api/submissions?phase=val&name=bad", {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: bad,
    });
    const id2 = (await r2.json()).id;
    await processOneJob({ db, dataDir: ds.dir, scoreModel: createModelScorer() });
    const s2 = await getSubmission(db, id2);
    assert.equal(s2?.status, "failed");
    assert.match(s2?.error ?? "", /model\.onnx/);
  } finally {
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a broken model's error names the team's files, never the server's temp folder", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lb-model-" });
  const db = openSqlite(join(dir, "db.sqlite"));
  try {
    await migrateAll(db);
    const ds = await makeTinyDataset(join(dir, "data"), { val: 2 });
    const token = await createToken(db, { team: "lab-m" });
    const app = await createApp({ db, dataDir: ds.dir });
    const form = new FormData();
    form.append("model", new File([new Uint8Array([8, 1, 18, 0, 7, 7])], "m.onnx"));
    form.append("manifest", JSON.stringify({ name: "broken", params: 1 }));
    const res = await app.request("/api/submissions?phase=val&name=broken", {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    assert.equal(res.status, 202);
    const { id } = await res.json();
    await processOneJob({ db, dataDir: ds.dir, scoreModel: createModelScorer() });
    const s = await getSubmission(db, id);
    assert.equal(s?.status, "failed");
    assert.ok(s?.error, "a message for the team");
    // Was `/tmp/isp-bench-model-…/manifest.json: …` before the temp folder was stripped.
    assert.match(s!.error!, /^manifest\.json: "description" must be a string/);
    assert.doesNotMatch(s!.error!, /isp-bench-model-|\/tmp\//);
  } finally {
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
});
