// End-to-end in Debian Chromium, driven by playwright-core under Deno: the leaderboard renders
// its table and charts under the strict CSP, columns sort, and a zip submitted through the form
// is scored and appears on the board.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { openSqlite } from "../harness/store/sqlite.ts";
import { serveLeaderboard } from "./serve.ts";
import { makeTinyDataset, migrateAll, predictionZip, seedMethods } from "./testing.ts";
import { createToken } from "./tokens.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Non-blank pixels of a canvas, counted in the page. */
function drawnPixels(id: string): number {
  // Runs in the page; typed loosely because this module is not compiled with the DOM library.
  // deno-lint-ignore no-explicit-any
  const c = (globalThis as any).document.getElementById(id);
  if (!c) return -1;
  const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) n++;
  return n;
}

Deno.test({
  name: "e2e: leaderboard table and charts render; a submitted zip is scored and listed",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "lb-e2e-" });
    const db = openSqlite(join(dir, "db.sqlite"));
    await migrateAll(db);
    const ds = await makeTinyDataset(join(dir, "data"));
    await seedMethods(db, ds);
    const token = await createToken(db, { team: "lab-x" });
    const server = await serveLeaderboard({ db, dataDir: ds.dir, port: 0, pollMs: 100 });
    const base = `http://127.0.0.1:${server.port}`;
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
      const problems: string[] = [];
      // Errors only: CSP violations and failed loads are errors; Chromium's readback hint for
      // this test's own getImageData calls is a warning.
      page.on("console", (m) => {
        if (m.type() === "error") problems.push(m.text());
      });
      page.on("response", (r) => {
        if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
      });
      page.on("pageerror", (e) => problems.push(e.message));

      await page.goto(`${base}/phase/val`);
      const rows = page.locator("#board tbody tr");
      assert.equal(await rows.count(), 4);
      assert.equal(await rows.nth(1).locator("td").first().textContent(), "=2");
      for (const id of ["chart-params", "chart-runtime", "chart-interval", "chart-distribution"]) {
        await page.waitForFunction(drawnPixels, id);
        const n = await page.evaluate(drawnPixels, id);
        assert.ok(n > 500, `${id}: only ${n} drawn pixels`);
      }
      // The distribution chart switches metric: SSIM of every seeded image is 0.9.
      const before = await page.evaluate(() =>
        (globalThis as unknown as {
          document: { getElementById(id: string): { toDataURL(): string } };
        })
          .document.getElementById("chart-distribution").toDataURL()
      );
      await page.selectOption("#dist-metric", "ssim");
      const yTitle = await page.evaluate(() => {
        // deno-lint-ignore no-explicit-any
        const g = globalThis as any;
        const chart = g.Chart.getChart("chart-distribution");
        return [chart.options.scales.y.title.text, chart.data.datasets[0].data[0].y];
      });
      assert.deepEqual(yTitle, ["per-image SSIM", 0.9]);
      const after = await page.evaluate(() =>
        (globalThis as unknown as {
          document: { getElementById(id: string): { toDataURL(): string } };
        })
          .document.getElementById("chart-distribution").toDataURL()
      );
      assert.notEqual(after, before, "the chart was redrawn");
      await page.selectOption("#dist-metric", "psnr");
      // Sorting by PSNR ascending puts the lowest entry (the escaped XSS name) first.
      await page.locator("#board th", { hasText: "PSNR" }).locator("button").click();
      assert.equal(
        await rows.first().locator("td").nth(1).textContent(),
        "<img src=x onerror=alert(1)>",
      );
      await page.locator("#board th", { hasText: "Rank" }).locator("button").click();
      const order = await rows.evaluateAll((trs) =>
        trs.map((tr) =>
          (tr as unknown as { cells: { textContent: string }[] }).cells[1].textContent
        )
      );
      assert.deepEqual(order, [
        "oracle upper bound",
        "method-a",
        "method-b",
        "<img src=x onerror=alert(1)>",
      ]);
      await page.screenshot({ path: "/tmp/leaderboard-e2e.png", fullPage: true });

      // Submit through the form: every pixel off by 4 levels → PSNR 20·log10(255/4) = 36.09 dB.
      await page.goto(`${base}/submit`);
      await page.fill("#token", token);
      await page.fill("#name", "e2e-run");
      await page.selectOption("#phase", "val");
      await page.setInputFiles("#file", {
        name: "pred.zip",
        mimeType: "application/zip",
        buffer: Buffer.from(predictionZip(ds, "val", 4)),
      });
      await page.click("#send");
      await page.waitForURL(/\/submissions\/[0-9a-f-]{36}$/);
      await page.waitForSelector('#status[data-status="done"]', { timeout: 30_000 });
      const expected = (20 * Math.log10(255 / 4)).toFixed(2);
      assert.equal(await page.locator("#scores td.psnr b").textContent(), expected);
      await page.waitForFunction(drawnPixels, "chart-histogram");
      const crop = page.locator('img[alt="output valscene_0"]');
      await crop.waitFor();
      assert.ok(
        await crop.evaluate((img) =>
          (img as { complete: boolean; naturalWidth: number }).complete &&
          (img as { naturalWidth: number }).naturalWidth > 0
        ),
      );

      await page.goto(`${base}/phase/val`);
      const mine = page.locator("#board tbody tr", { hasText: "lab-x/e2e-run" });
      assert.equal(await mine.count(), 1);
      assert.equal(await mine.locator("td").first().textContent(), "2");
      assert.deepEqual(problems, [], "console errors or CSP violations");
    } finally {
      await browser.close();
      await server.close();
      await db.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
