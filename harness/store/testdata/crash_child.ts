// Child process of the crash test: writes a run inside a transaction, reports "ready" and waits
// to be killed before the transaction commits.
import { openResultsDb, saveRun } from "../results.ts";

const db = await openResultsDb(Deno.args[0]);
await db.transaction(async (tx) => {
  await saveRun(tx, {
    run: {
      id: "crashed",
      method: "m",
      phase: "val",
      seed: 0,
      options: {},
      datasetHash: "h",
      datasetId: "d",
    },
    scores: [{ image: "a", psnr: 20, ssim: 0.5, deltaE2000: 5 }],
    aggregate: {
      psnr: { mean: 20, lo: 20, hi: 20 },
      ssim: { mean: 0.5, lo: 0.5, hi: 0.5 },
      deltaE2000: { mean: 5, lo: 5, hi: 5 },
    },
  });
  console.log("ready");
  await new Promise(() => {}); // never commits
});
