import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";
import { testBackends } from "../harness/store/testing.ts";
import { enqueueSubmission, listSubmissions } from "./queue.ts";
import { makeTinyDataset, migrateAll, predictionZip } from "./testing.ts";
import { createToken } from "./tokens.ts";

const ROOT = join(dirname(fromFileUrl(import.meta.url)), "..");

/** A worker process whose stdout lines are collected as they arrive. */
function spawnWorker(url: string, data: string, owner: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "leaderboard/worker.ts",
      "--db",
      url,
      "--data",
      data,
      "--owner",
      owner,
      "--lease-ms",
      "1500",
      "--poll-ms",
      "100",
      "--delay-per-image-ms",
      "120",
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "inherit",
    env: { NO_COLOR: "1" },
  }).spawn();
  const lines: string[] = [];
  const reading = (async () => {
    let buf = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      buf += chunk;
      const parts = buf.split("\n");
      buf = parts.pop()!;
      lines.push(...parts);
    }
  })();
  return { child, lines, reading };
}

const pg = testBackends().find((b) => b.name === "postgres")!;

Deno.test({
  name: "[postgres] two worker processes: one killed mid-job, no job lost or scored twice",
  ignore: pg.ignore,
  sanitizeResources: false,
  fn: async () => {
    const t = await pg.open();
    const dir = await Deno.makeTempDir({ prefix: "lb-workers-" });
    const workers: ReturnType<typeof spawnWorker>[] = [];
    try {
      await migrateAll(t.db);
      await createToken(t.db, { team: "t", dailyLimit: 100 });
      const ds = await makeTinyDataset(join(dir, "data"));
      const offsets = [1, 2, 3, 4, 5, 6, 7, 8];
      const expected = new Map<string, number>();
      for (const k of offsets) {
        const id = await enqueueSubmission(t.db, {
          team: "t",
          phase: "val",
          kind: "results",
          name: `k${k}`,
          bytes: predictionZip(ds, "val", k),
        });
        expected.set(id, 20 * Math.log10(255 / k));
      }
      workers.push(spawnWorker(t.url, ds.dir, "A"), spawnWorker(t.url, ds.dir, "B"));
      // Kill A while it demonstrably holds a running job.
      let victim: string | undefined;
      for (let i = 0; i < 1200 && !victim; i++) {
        const r = await t.db.get<{ id: string }>(
          "SELECT id FROM lb_jobs WHERE status = 'running' AND lease_owner = 'A'",
        );
        victim = r?.id;
        if (!victim) await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(victim, "worker A never claimed a job");
      workers[0].child.kill("SIGKILL");
      await workers[0].child.status;
      for (let i = 0; i < 600; i++) {
        const open = await t.db.get<{ n: number }>(
          "SELECT COUNT(*) AS n FROM lb_jobs WHERE status <> 'done'",
        );
        if (Number(open?.n) === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const subs = await listSubmissions(t.db);
      assert.equal(subs.length, 8);
      for (const s of subs) {
        assert.equal(s.status, "done", `${s.name}: ${s.error}`);
        assert.ok(Math.abs(s.summary!.psnr.mean - expected.get(s.id)!) < 1e-5, s.name);
      }
      // Exactly one set of per-image scores per submission.
      const counts = await t.db.all<{ submission_id: string; n: number }>(
        "SELECT submission_id, COUNT(*) AS n FROM lb_image_scores GROUP BY submission_id",
      );
      assert.equal(counts.length, 8);
      assert.ok(counts.every((c) => Number(c.n) === ds.val.length));
      // The killed job was taken over by B after A's lease ran out.
      const job = await t.db.get<{ attempts: number; lease_owner: string }>(
        "SELECT attempts, lease_owner FROM lb_jobs WHERE id = $1",
        [victim],
      );
      assert.equal(Number(job?.attempts), 2);
      assert.equal(job?.lease_owner, "B");
      // Each job was reported done once over both processes' logs; A never finished the victim.
      const b = workers[1];
      b.child.kill("SIGTERM");
      await b.child.status;
      await Promise.all(workers.map((w) => w.reading));
      const done = [...workers[0].lines, ...b.lines].filter((l) => l.startsWith("done "));
      assert.equal(done.length, 8);
      assert.equal(new Set(done).size, 8);
      assert.ok(!workers[0].lines.includes(`done ${victim}`));
      assert.ok(b.lines.includes(`claimed ${victim} attempt 2`));
    } finally {
      for (const w of workers) {
        try {
          w.child.kill("SIGKILL");
        } catch {
          // already exited
        }
        await w.child.status;
      }
      await t.cleanup();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
