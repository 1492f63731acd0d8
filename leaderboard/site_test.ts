// The site in Debian Chromium (playwright-core): a method keeps its colour when a submission
// arrives, log axes label decades only, the method page's options table fits 1280 px, a result
// zip shows Params "—" and is not plotted, and unknown pages are an HTML 404 for browsers.
import assert from "node:assert/strict";
import { join } from "node:path";
import { chromium, type Page } from "playwright-core";
import { saveRun } from "../harness/store/results.ts";
import { openSqlite } from "../harness/store/sqlite.ts";
import { getMethod, resolveOptions } from "../harness/registry.ts";
import { bootstrapMean } from "../harness/stats/bootstrap.ts";
import { serveLeaderboard } from "./serve.ts";
import { makeTinyDataset, migrateAll, predictionZip, seedMethods } from "./testing.ts";
import { createToken } from "./tokens.ts";

const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"];

// Runs in the page (not compiled with the DOM library, hence the loose types).
// deno-lint-ignore no-explicit-any
type AnyGlobal = any;

/** Colour of each point dataset of a chart, by label. */
function colours(page: Page, id: string): Promise<Record<string, string>> {
  return page.evaluate((id) => {
    const chart = (globalThis as AnyGlobal).Chart.getChart(id);
    return Object.fromEntries(
      chart.data.datasets.map((d: AnyGlobal) => [d.label, d.backgroundColor]),
    );
  }, id);
}

/** Labelled x ticks of a chart with their pixel positions and label widths. */
function xTicks(page: Page, id: string): Promise<{ label: string; x: number; w: number }[]> {
  return page.evaluate((id) => {
    const chart = (globalThis as AnyGlobal).Chart.getChart(id);
    const scale = chart.scales.x;
    const ctx = chart.ctx;
    ctx.font = "12px system-ui, sans-serif";
    return scale.ticks.map((t: AnyGlobal, i: number) => ({
      label: String(t.label ?? ""),
      x: scale.getPixelForTick(i),
      w: ctx.measureText(String(t.label ?? "")).width,
    })).filter((t: { label: string }) => t.label !== "");
  }, id);
}

Deno.test({
  name:
    "site: stable method colours, readable log axes, options table fits 1280 px, zip params, HTML 404",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "lb-site-" });
    const db = openSqlite(join(dir, "db.sqlite"));
    await migrateAll(db);
    const ds = await makeTinyDataset(join(dir, "data"));
    await seedMethods(db, ds);
    // The real reference method's option table: long descriptions and values.
    const sp = getMethod("semantic-pairing");
    const opts = resolveOptions(sp.method, sp.fastProfile, {});
    const scores = ds.val.map((image, i) => ({
      image,
      psnr: 27 + i * 0.1,
      ssim: 0.8,
      deltaE2000: 7,
    }));
    const iv = (k: "psnr" | "ssim" | "deltaE2000") => bootstrapMean(scores.map((s) => s[k]));
    await saveRun(db, {
      run: {
        method: sp.method.name,
        phase: "val",
        seed: 0,
        options: opts,
        datasetHash: "tiny",
        datasetId: "tiny",
        params: sp.method.params ?? 7055,
        usesTruth: false,
        msPerMegapixel: 700,
      },
      scores,
      aggregate: { psnr: iv("psnr"), ssim: iv("ssim"), deltaE2000: iv("deltaE2000") },
      method: {
        name: sp.method.name,
        description: sp.method.description,
        params: sp.method.params ?? 7055,
        usesTruth: false,
        optionSpec: sp.method.options as unknown as Record<string, unknown>,
      },
    });
    const token = await createToken(db, { team: "lab-x" });
    const server = await serveLeaderboard({
      db,
      dataDir: ds.dir,
      port: 0,
      pollMs: 100,
      cacheTtlMs: 0,
    });
    const base = `http://127.0.0.1:${server.port}`;
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));

      await page.goto(`${base}/phase/val`);
      await page.waitForFunction(() => (globalThis as AnyGlobal).Chart?.getChart("chart-params"));
      const before = await colours(page, "chart-params");
      assert.ok(Object.keys(before).length >= 4, JSON.stringify(before));

      // Log axis: labels are decades only and never overlap.
      const ticks = await xTicks(page, "chart-params");
      assert.ok(ticks.length >= 2, JSON.stringify(ticks));
      for (const t of ticks) assert.match(t.label, /^1(,000)*0*$/, `decade label ${t.label}`);
      for (let i = 1; i < ticks.length; i++) {
        const gap = ticks[i].x - ticks[i - 1].x;
        assert.ok(
          gap > (ticks[i].w + ticks[i - 1].w) / 2,
          `ticks overlap: ${JSON.stringify(ticks)}`,
        );
      }

      // A result zip arrives and ranks among the methods.
      const res = await fetch(`${base}/api/submissions?phase=val&name=zip-run`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/zip" },
        body: predictionZip(ds, "val", 4) as Uint8Array<ArrayBuffer>,
      });
      const body = await res.text();
      assert.equal(res.status, 202, body);
      const { id } = JSON.parse(body);
      for (let i = 0; i < 200; i++) {
        const s = await (await fetch(`${base}/api/submissions/${id}`)).json();
        if (s.status === "done") break;
        assert.notEqual(s.status, "failed", s.error);
        await new Promise((r) => setTimeout(r, 100));
      }
      await page.goto(`${base}/phase/val`);
      await page.waitForFunction(() => (globalThis as AnyGlobal).Chart?.getChart("chart-runtime"));
      const row = page.locator("#board tbody tr", { hasText: "lab-x/zip-run" });
      assert.equal(await row.locator("td").nth(5).textContent(), "—");
      const after = await colours(page, "chart-params");
      assert.ok(!("lab-x/zip-run" in after), "a zip (unknown params) is not plotted at 1");
      // Same colour per method before and after the submission changed the ranks.
      for (const [m, c] of Object.entries(before)) assert.equal(after[m], c, m);
      // …and on the interval chart, whose bars follow the rank order.
      const barColours = await page.evaluate(() => {
        const c = (globalThis as AnyGlobal).Chart.getChart("chart-interval");
        return Object.fromEntries(
          c.data.labels.map((l: string, i: number) => [l, c.data.datasets[0].borderColor[i]]),
        );
      });
      for (const [m, c] of Object.entries(before)) {
        const name = m.replace(/ \(upper bound\)$/, "");
        assert.equal(barColours[name], c, `interval bar of ${name}`);
      }

      // The method page fits 1280 px, options table included.
      await page.goto(`${base}/method/semantic-pairing?phase=val`);
      const fit = await page.evaluate(() => {
        const d = (globalThis as AnyGlobal).document;
        const t = d.getElementById("options").getBoundingClientRect();
        return {
          scroll: d.documentElement.scrollWidth,
          client: d.documentElement.clientWidth,
          right: t.right,
        };
      });
      assert.ok(fit.scroll <= fit.client, `page scrolls sideways: ${JSON.stringify(fit)}`);
      assert.ok(fit.right <= 1280, `options table overflows: ${JSON.stringify(fit)}`);
      await page.screenshot({
        path: join(Deno.env.get("SITE_SHOTS") ?? dir, "method-1280.png"),
        fullPage: true,
      });

      // Browsers get an HTML 404; API clients keep JSON.
      for (const path of ["/phase/bogus", "/method/nope"]) {
        const r = await page.goto(`${base}${path}`);
        assert.equal(r!.status(), 404);
        assert.equal(await page.locator("h1").textContent(), "Not found");
        const api = await fetch(`${base}${path}`, { headers: { accept: "application/json" } });
        assert.equal(api.status, 404);
        assert.ok((await api.json()).error);
      }
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await server.close();
      await db.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
