import assert from "node:assert/strict";
import { openPostgres } from "../harness/store/postgres.ts";
import { backendTest, testBackends } from "../harness/store/testing.ts";
import type { Db } from "../harness/store/types.ts";
import {
  claimJob,
  completeJob,
  enqueueSubmission,
  failJob,
  getSubmission,
  heartbeat,
  LeaseLostError,
  LimitError,
} from "./queue.ts";
import { migrateAll } from "./testing.ts";
import { createToken } from "./tokens.ts";

const SUMMARY = {
  images: 1,
  psnr: { mean: 30, lo: 29, hi: 31 },
  ssim: { mean: 0.9, lo: 0.8, hi: 1 },
  deltaE2000: { mean: 5, lo: 4, hi: 6 },
  params: 0,
  msPerMegapixel: 0,
};

const enqueue = (db: Db, name: string, now?: Date) =>
  enqueueSubmission(db, {
    team: "t",
    phase: "val",
    kind: "results",
    name,
    bytes: new Uint8Array([1, 2, 3]),
    now,
  });

for (const b of testBackends()) {
  const test = backendTest(b, async (db) => {
    await migrateAll(db);
    await createToken(db, { team: "t", dailyLimit: 100 });
  });

  test("jobs are claimed oldest first, completed once, and persisted", async (db) => {
    const t0 = Date.parse("2026-01-01T10:00:00Z");
    const a = await enqueue(db, "a", new Date(t0));
    const bId = await enqueue(db, "b", new Date(t0 + 1000));
    const j1 = await claimJob(db, { owner: "w1" });
    assert.equal(j1?.submissionId, a);
    assert.equal(j1?.attempts, 1);
    assert.equal((await getSubmission(db, a))?.status, "running");
    const j2 = await claimJob(db, { owner: "w2" });
    assert.equal(j2?.submissionId, bId);
    assert.equal(await claimJob(db, { owner: "w3" }), undefined);
    await db.transaction((tx) => completeJob(tx, j1!, "w1", SUMMARY));
    const done = await getSubmission(db, a);
    assert.equal(done?.status, "done");
    assert.deepEqual(done?.summary, SUMMARY);
    // Completing again (or by another owner) is refused.
    await assert.rejects(
      db.transaction((tx) => completeJob(tx, j1!, "w1", SUMMARY)),
      LeaseLostError,
    );
    await assert.rejects(
      db.transaction((tx) => completeJob(tx, j2!, "w1", SUMMARY)),
      LeaseLostError,
    );
    assert.equal(await failJob(db, j2!, "w2", "x.png: bad"), true);
    assert.equal((await getSubmission(db, bId))?.error, "x.png: bad");
  });

  test("an expired lease is taken over and the old owner can no longer complete", async (db) => {
    const id = await enqueue(db, "a");
    const now = Date.now();
    const j1 = await claimJob(db, { owner: "w1", leaseMs: 1000, nowMs: now });
    assert.ok(j1);
    // Before expiry nobody else gets it; a heartbeat extends it.
    assert.equal(await claimJob(db, { owner: "w2", nowMs: now + 500 }), undefined);
    assert.equal(await heartbeat(db, j1, "w1", 60_000), true);
    assert.equal(await claimJob(db, { owner: "w2", nowMs: now + 5000 }), undefined);
    // After the extended lease runs out, w2 takes over (attempt 2).
    const j2 = await claimJob(db, { owner: "w2", nowMs: Date.now() + 120_000 });
    assert.equal(j2?.id, j1.id);
    assert.equal(j2?.attempts, 2);
    assert.equal(await heartbeat(db, j1, "w1"), false);
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.run(
          "INSERT INTO lb_image_scores (submission_id, image, psnr, ssim, delta_e, psnr_capped) " +
            "VALUES ($1, 'x', 1, 1, 1, 0)",
          [id],
        );
        await completeJob(tx, j1, "w1", SUMMARY);
      }),
      LeaseLostError,
    );
    // The rolled-back transaction left no scores behind.
    const n = await db.get<{ n: number }>(
      "SELECT COUNT(*) AS n FROM lb_image_scores WHERE submission_id = $1",
      [id],
    );
    assert.equal(Number(n?.n), 0);
    await db.transaction((tx) => completeJob(tx, j2!, "w2", SUMMARY));
    assert.equal((await getSubmission(db, id))?.status, "done");
  });

  test("a job whose workers keep dying fails after maxAttempts", async (db) => {
    const id = await enqueue(db, "a");
    let now = Date.now();
    for (let k = 1; k <= 2; k++) {
      const j = await claimJob(db, { owner: `w${k}`, leaseMs: 10, nowMs: now, maxAttempts: 2 });
      assert.equal(j?.attempts, k);
      now += 1000;
    }
    assert.equal(await claimJob(db, { owner: "w3", nowMs: now, maxAttempts: 2 }), undefined);
    const s = await getSubmission(db, id);
    assert.equal(s?.status, "failed");
    assert.match(s?.error ?? "", /lost 2 times/);
  });

  test("daily limits count per team and UTC day", async (db) => {
    await createToken(db, { team: "small", dailyLimit: 2 });
    const sub = (day: string) =>
      enqueueSubmission(db, {
        team: "small",
        phase: "test",
        kind: "results",
        name: "x",
        bytes: new Uint8Array(1),
        now: new Date(`${day}T12:00:00Z`),
      });
    await sub("2026-03-01");
    await sub("2026-03-01");
    await assert.rejects(sub("2026-03-01"), LimitError);
    await sub("2026-03-02");
    const n = await db.get<{ n: number }>(
      "SELECT COUNT(*) AS n FROM lb_submissions WHERE team = 'small'",
    );
    assert.equal(Number(n?.n), 3); // the refused one left nothing behind
  });

  test("concurrent claimers never take the same job", async (db, url) => {
    const ids = new Set<string>();
    for (let i = 0; i < 24; i++) ids.add(await enqueue(db, `s${i}`));
    // Separate connections for PostgreSQL (real concurrency), the one handle for SQLite.
    const handles = b.name === "postgres"
      ? await Promise.all([0, 1, 2, 3].map(() =>
        openPostgres(url.split("?")[0], {
          schema: new URL(url).searchParams.get("schema")!,
        })
      ))
      : [db, db, db, db];
    try {
      const claimed: string[] = [];
      await Promise.all(handles.map(async (h, k) => {
        for (;;) {
          const j = await claimJob(h, { owner: `w${k}` });
          if (!j) break;
          claimed.push(j.submissionId);
        }
      }));
      assert.equal(claimed.length, 24);
      assert.deepEqual(new Set(claimed), ids);
    } finally {
      if (b.name === "postgres") await Promise.all(handles.map((h) => h.close()));
    }
  });
}
