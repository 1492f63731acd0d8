/**
 * Load bench of the leaderboard: the page and the JSON API of one phase under a bounded load on
 * loopback, with autocannon. The server runs as its own process (as `deno task serve` would) on a
 * seeded SQLite store (12 methods × 50 images); the client runs here. Anchors measured in the
 * same run: `/healthz` (the HTTP stack's ceiling on this machine) and the page with its cache
 * disabled (what the per-phase cache buys). A last run loads the page while the server's own
 * worker scores four submissions of 8 images of 512×512.
 *
 * ```sh
 * deno task bench:load [--seconds 10] [--connections 16]
 * ```
 * Target: ≥ 500 requests/s per route with zero errors. Exit code 1 when it is missed.
 * @module
 */
import { join } from "node:path";
import { intOption, parseCli, runCli } from "../harness/cli/args.ts";
import autocannon from "autocannon";
import { bootstrapMean } from "../harness/stats/bootstrap.ts";
import { saveRun } from "../harness/store/results.ts";
import { openSqlite } from "../harness/store/sqlite.ts";
import { makeTinyDataset, migrateAll, predictionZip } from "../leaderboard/testing.ts";
import { createToken } from "../leaderboard/tokens.ts";

const TARGET_RPS = 500;

interface Measured {
  route: string;
  rps: number;
  errors: number;
  non2xx: number;
  p99: number;
  total: number;
}

export async function seed(path: string): Promise<void> {
  const db = openSqlite(path);
  await migrateAll(db);
  for (let m = 0; m < 12; m++) {
    const scores = Array.from({ length: 50 }, (_, i) => ({
      image: `scene${Math.floor(i / 7)}_${i % 7}`,
      psnr: 20 + m * 0.4 + Math.sin(i * 1.7 + m) * 2,
      ssim: 0.6 + m * 0.01 + Math.cos(i) * 0.05,
      deltaE2000: 10 - m * 0.3 + Math.sin(i) * 0.5,
    }));
    const iv = (k: "psnr" | "ssim" | "deltaE2000") => bootstrapMean(scores.map((s) => s[k]));
    const name = `method-${String.fromCharCode(97 + m)}`;
    await saveRun(db, {
      run: {
        method: name,
        phase: "val",
        seed: 0,
        options: {},
        datasetHash: "bench",
        datasetId: "bench",
        params: m * 1000,
        usesTruth: m === 11,
        msPerMegapixel: 5 + m,
      },
      scores,
      aggregate: { psnr: iv("psnr"), ssim: iv("ssim"), deltaE2000: iv("deltaE2000") },
      method: { name, description: `bench method ${m}`, params: m * 1000, usesTruth: m === 11 },
    });
  }
  await db.close();
}

/** Starts `leaderboard/serve.ts` on a free loopback port; resolves with its port and process. */
async function startServer(db: string, cacheTtlMs: number, data?: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "leaderboard/serve.ts",
      "--port",
      "0",
      "--db",
      db,
      ...(data ? ["--data", data] : ["--no-worker"]),
      "--cache-ttl-ms",
      String(cacheTtlMs),
    ],
    cwd: join(import.meta.dirname!, ".."),
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!/:(\d+)\//.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`server exited before listening: ${text}`);
    text += value;
  }
  const port = Number(text.match(/:(\d+)\//)![1]);
  // Keep draining stdout so the child never blocks on a full pipe.
  const drain = (async () => {
    while (!(await reader.read()).done) { /* discard */ }
  })();
  return {
    port,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
      await drain.catch(() => {});
    },
  };
}

async function measure(
  port: number,
  route: string,
  seconds: number,
  connections: number,
): Promise<Measured> {
  const r = await autocannon({
    url: `http://127.0.0.1:${port}${route}`,
    connections,
    duration: seconds,
  });
  return {
    route,
    rps: r.requests.total / seconds,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    p99: r.latency.p99,
    total: r.requests.total,
  };
}

async function main(): Promise<void> {
  const { values } = parseCli({
    name: "bench:load",
    usage: `usage: npx -y deno@2.9.6 task bench:load [options]

Load bench of the leaderboard on loopback (autocannon): the page and JSON API of one phase,
anchored on /healthz in the same run, then the page while four submissions are scored.
Target ≥ ${TARGET_RPS} req/s per route with 0 errors (exit 1 when missed).

Options:
  --seconds N       seconds per route (default 10)
  --connections N   concurrent connections (default 16)
  --help            this text`,
    options: {
      seconds: { type: "string", default: "10" },
      connections: { type: "string", default: "16" },
    },
  });
  const seconds = intOption(values.seconds, "--seconds", { max: 3600 });
  const connections = intOption(values.connections, "--connections", { max: 10000 });
  const dir = await Deno.makeTempDir({ prefix: "lb-load-" });
  const db = join(dir, "bench.sqlite");
  await seed(db);
  const results: Measured[] = [];
  let failed = false;
  try {
    const cached = await startServer(db, 5000);
    try {
      // Warm the cache and check the pages are what we think they are.
      const page = await (await fetch(`http://127.0.0.1:${cached.port}/phase/val`)).text();
      if (!page.includes("method-l")) throw new Error("seeded board not rendered");
      console.log(
        `page size: ${page.length} bytes; ${seconds} s per route, ${connections} connections`,
      );
      for (const route of ["/healthz", "/phase/val", "/api/leaderboard?phase=val"]) {
        results.push(await measure(cached.port, route, seconds, connections));
      }
    } finally {
      await cached.stop();
    }
    const uncached = await startServer(db, 0);
    try {
      const m = await measure(uncached.port, "/phase/val", Math.min(5, seconds), connections);
      results.push({ ...m, route: "/phase/val (cache off)" });
    } finally {
      await uncached.stop();
    }
    // The page while the server's worker scores a submission of 8 images of 512×512 (scoring
    // runs in a worker thread, so the event loop keeps serving).
    const ds = await makeTinyDataset(join(dir, "data"), { size: 512, val: 8 });
    const adminDb = openSqlite(db);
    const token = await createToken(adminDb, { team: "bench", dailyLimit: 1000 });
    await adminDb.close();
    const scoring = await startServer(db, 5000, ds.dir);
    try {
      const base = `http://127.0.0.1:${scoring.port}`;
      await (await fetch(`${base}/phase/val`)).text();
      const zip = predictionZip(ds, "val", 9);
      const post = () =>
        fetch(`${base}/api/submissions?phase=val&name=load`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/zip" },
          body: zip as Uint8Array<ArrayBuffer>,
        }).then((r) => r.json());
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push((await post()).id);
      const m = await measure(scoring.port, "/phase/val", Math.min(5, seconds), connections);
      const states = await Promise.all(
        ids.map((id) => fetch(`${base}/api/submissions/${id}`).then((r) => r.json())),
      );
      const scored = states.filter((x) => x.status !== "queued").length;
      results.push({ ...m, route: `/phase/val (scoring, ${scored}/4 jobs started)` });
    } finally {
      await scoring.stop();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const anchor = results[0].rps;
  console.log(
    "route                                          req/s   vs /healthz   p99 ms   errors  non-2xx",
  );
  for (const r of results) {
    console.log(
      `${r.route.padEnd(44)} ${r.rps.toFixed(0).padStart(7)}   ${
        (r.rps / anchor).toFixed(2).padStart(9)
      }` +
        `   ${String(r.p99).padStart(6)}   ${String(r.errors).padStart(6)}  ${
          String(r.non2xx).padStart(7)
        }`,
    );
  }
  const cachedPage = results[1];
  const uncachedPage = results[3];
  const duringScoring = results[4];
  console.log(`cache speed-up on /phase/val: ×${(cachedPage.rps / uncachedPage.rps).toFixed(1)}`);
  for (const r of [results[1], results[2], duringScoring]) {
    const ok = r.rps >= TARGET_RPS && r.errors === 0 && r.non2xx === 0;
    console.log(
      `${ok ? "PASS" : "FAIL"} ${r.route}: ${
        r.rps.toFixed(0)
      } req/s (target ≥ ${TARGET_RPS}, 0 errors)`,
    );
    failed ||= !ok;
  }
  if (failed) Deno.exitCode = 1;
}

if (import.meta.main) await runCli("bench:load", main);
