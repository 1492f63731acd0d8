/**
 * The leaderboard web app: pages per phase with charts, method and submission pages with
 * validation crops, a JSON/CSV API, and the token-protected submission endpoint that queues
 * scoring jobs in the store. Security: strict CSP (scripts from the app only), secure headers,
 * upload size limits, safe zip reading, escaped HTML, and no route that can read hidden targets.
 * @module
 */
import { fileURLToPath as fromFileUrl } from "node:url";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { secureHeaders } from "hono/secure-headers";
import { InputError } from "../harness/errors.ts";
import { readZip, type ZipLimits } from "../harness/io/zip.ts";
import { getRun } from "../harness/store/results.ts";
import type { Db } from "../harness/store/types.ts";
import {
  boardCsv,
  boardJson,
  buildBoard,
  type ResultsSource,
  submissionImageScores,
} from "./board.ts";
import { type BoardCache, createBoardCache, type RenderedBoard } from "./cache.ts";
import { type CropKind, listValImages, renderCrop, runOutput, type ValFiles } from "./crops.ts";
import {
  enqueueSubmission,
  getPayload,
  getSubmission,
  isRevealed,
  LimitError,
  listSubmissions,
  type Phase,
  setRevealed,
  type Submission,
} from "./queue.ts";
import { TEAM_NAME, type TokenOwner, verifyBearer } from "./tokens.ts";
import { apiPage } from "./views/api.ts";
import { leaderboardPage } from "./views/leaderboard.ts";
import { methodPage } from "./views/method.ts";
import { submitPage } from "./views/submit.ts";
import { notFoundPage, wantsHtml } from "./views/not_found.ts";
import { refusedPhases, type ScorablePhases } from "./scorable.ts";

/** Settings of the app. */
export interface AppOptions {
  /** The store (results tables and the leaderboard's own tables, already migrated). */
  db: Db;
  /** Where the harness's method results come from (default: none). */
  results?: ResultsSource;
  /** Dataset folder: public `val/` files feed the crops; targets are never served. */
  dataDir?: string;
  /**
   * The bench's output folder (`--out`, default `out`): the validation predictions it wrote
   * (`<run>/pred/val/<stem>.png`) feed the method pages' output crops.
   */
  outputsDir?: string;
  /** Largest upload in bytes (default 64 MiB). */
  maxUploadBytes?: number;
  /** Limits on the expansion of uploaded zips. */
  zipLimits?: ZipLimits;
  /** Rendered-board cache (default: a 5 s TTL cache); share it with the worker to invalidate. */
  cache?: BoardCache;
  /** Called after a submission was queued (e.g. to wake the in-process worker). */
  onSubmitted?: (id: string) => void;
  /**
   * Phases with targets to score against (`scorablePhases`). When given, submissions to any other
   * phase get a 503 with the reason instead of waiting in the queue forever. Default: all.
   */
  scorable?: ScorablePhases;
}

/** Request variables set by the auth middleware. */
type Env = { Variables: { owner: TokenOwner } };

const PHASES: readonly Phase[] = ["val", "test"];
const NAME = TEAM_NAME;
const CHART_VERSION = "4.6.1";
const STATIC_MAX_AGE = "public, max-age=31536000, immutable";

function phaseOf(v: string | undefined): Phase | undefined {
  return v === undefined
    ? "val"
    : (PHASES as readonly string[]).includes(v)
    ? v as Phase
    : undefined;
}

const EMPTY_RESULTS: ResultsSource = {
  leaderboard: () => Promise.resolve([]),
  perImageScores: () => Promise.resolve([]),
  methodInfo: () => Promise.resolve(undefined),
};

/** The app's static files: fixed names only, read once. */
async function loadStatic(): Promise<Map<string, { body: Uint8Array; type: string }>> {
  const here = (p: string) => new URL(p, import.meta.url);
  const chart = new URL("./chart.umd.min.js", import.meta.resolve("chart.js"));
  const files: [string, URL, string][] = [
    ["chart.umd.min.js", chart, "text/javascript; charset=utf-8"],
    ["page.js", here("./static/page.js"), "text/javascript; charset=utf-8"],
    ["charts.js", here("./static/charts.js"), "text/javascript; charset=utf-8"],
    ["submit.js", here("./static/submit.js"), "text/javascript; charset=utf-8"],
    ["style.css", here("./static/style.css"), "text/css; charset=utf-8"],
  ];
  const out = new Map<string, { body: Uint8Array; type: string }>();
  for (const [name, url, type] of files) {
    out.set(name, { body: await Deno.readFile(fromFileUrl(url)), type });
  }
  return out;
}

/**
 * Creates the app. Migrate the store first (`LEADERBOARD_MIGRATIONS` and the results migrations).
 *
 * @example
 * ```ts
 * const app = await createApp({ db, dataDir: "out/fixtures" });
 * Deno.serve({ port: 8000 }, app.fetch);
 * ```
 */
export async function createApp(opts: AppOptions): Promise<Hono> {
  const { db } = opts;
  const results = opts.results ?? EMPTY_RESULTS;
  const cache = opts.cache ?? createBoardCache();
  const maxUpload = opts.maxUploadBytes ?? 64 * 2 ** 20;
  const statics = await loadStatic();
  const apiDoc = await Deno.readTextFile(fromFileUrl(new URL("./API.md", import.meta.url)));
  let valImages: Promise<Map<string, ValFiles>> | undefined;
  const valList =
    () => (valImages ??= opts.dataDir ? listValImages(opts.dataDir) : Promise.resolve(new Map()));
  const crops = new Map<string, Uint8Array>();

  const rendered = (phase: Phase): Promise<RenderedBoard> =>
    cache.get(phase, async () => {
      const board = await buildBoard(db, results, phase);
      return {
        board,
        html: leaderboardPage(board).toString(),
        json: JSON.stringify(boardJson(board)),
        csv: boardCsv(board),
      };
    });

  const app = new Hono<Env>();
  app.use(
    "*",
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
      xFrameOptions: "DENY",
    }),
  );
  app.onError((err, c) => {
    if (err instanceof InputError) return c.json({ error: err.message }, 400);
    console.error(err);
    return c.json({ error: "internal error" }, 500);
  });
  // Browsers get an HTML page, API clients JSON.
  const notFound = (c: Context, what: string) =>
    wantsHtml(c.req.header("accept"))
      ? c.html(notFoundPage(what).toString(), 404)
      : c.json({ error: what }, 404);
  const refused = refusedPhases(opts.scorable, opts.dataDir);
  app.notFound((c) => notFound(c, "not found"));

  // --- static files: a fixed table, so no request path is ever joined into a file path.
  app.get("/static/:name", (c) => {
    const f = statics.get(c.req.param("name"));
    if (!f) return c.json({ error: "not found" }, 404);
    const immutable = c.req.param("name") === "chart.umd.min.js";
    return c.body(f.body as Uint8Array<ArrayBuffer>, 200, {
      "content-type": f.type,
      "cache-control": immutable ? STATIC_MAX_AGE : "public, max-age=300",
      ...(immutable ? { "x-chartjs-version": CHART_VERSION } : {}),
    });
  });

  // --- pages
  app.get("/", (c) => c.redirect("/phase/val"));
  app.get("/phase/:phase", async (c) => {
    const phase = phaseOf(c.req.param("phase"));
    if (!phase) return notFound(c, "phase must be val or test");
    return c.html((await rendered(phase)).html);
  });
  app.get("/submit", (c) => c.html(submitPage(maxUpload, refused).toString()));
  app.get("/api", (c) => c.html(apiPage(apiDoc).toString()));

  const methodView = async (name: string, phase: Phase) => {
    const { board } = await rendered(phase);
    const entry = board.entries.find((e) => e.method === name && !e.submission);
    const info = await results.methodInfo(name);
    if (!entry && !info) return undefined;
    const revealed = board.revealed;
    const images = revealed ? [...await results.perImageScores(name, phase)] : [];
    let cropImages: string[] = [];
    let hasOutput = false;
    if (phase === "val" && entry?.runId) {
      const vals = await valList();
      cropImages = images.map((s) => s.image).filter((s) => vals.has(s)).slice(0, 4);
      hasOutput = opts.outputsDir !== undefined && cropImages.length > 0 &&
        (await runOutput(db, opts.outputsDir, entry.runId, cropImages[0])) !== undefined;
    }
    const run = entry?.runId ? await getRun(db, entry.runId) : undefined;
    return {
      title: name,
      phase,
      info,
      runOptions: run?.options,
      entry,
      images,
      hidden: !revealed,
      crops: {
        base: `/crops/method/${encodeURIComponent(name)}`,
        images: cropImages,
        output: hasOutput,
      },
    };
  };
  app.get("/method/:name", async (c) => {
    const phase = phaseOf(c.req.query("phase"));
    if (!phase) return c.json({ error: "phase must be val or test" }, 400);
    const v = await methodView(c.req.param("name"), phase);
    if (!v) return notFound(c, `unknown method '${c.req.param("name")}'`);
    return c.html(methodPage(v).toString());
  });

  const submissionView = async (s: Submission) => {
    const revealed = await isRevealed(db, s.phase);
    const images = revealed && s.status === "done" ? await submissionImageScores(db, s.id) : [];
    const { board } = await rendered(s.phase);
    const vals = s.phase === "val" && s.kind === "results" ? await valList() : new Map();
    return {
      title: `${s.team}/${s.name}`,
      phase: s.phase,
      submission: s,
      entry: board.entries.find((e) => e.submission === s.id),
      images,
      hidden: !revealed,
      crops: {
        base: `/crops/submission/${encodeURIComponent(s.id)}`,
        images: images.map((i) => i.image).filter((i) => vals.has(i)).slice(0, 4),
        output: true,
      },
    };
  };
  app.get("/submissions/:id", async (c) => {
    const s = await getSubmission(db, c.req.param("id"));
    if (!s) return notFound(c, "unknown submission");
    return c.html(methodPage(await submissionView(s)).toString());
  });

  // --- crops: validation only; the image name must be in the listing of the public val folders.
  app.get("/crops/:source/:id/:image/:kind", async (c) => {
    const { source, id, image } = c.req.param();
    const kind = c.req.param("kind").replace(/\.png$/, "") as CropKind;
    if (!["input", "output", "target"].includes(kind)) return c.json({ error: "not found" }, 404);
    const files = (await valList()).get(image);
    if (!files) return c.json({ error: "not a validation image" }, 404);
    const key = `${source}\u0000${id}\u0000${image}\u0000${kind}`;
    let png = crops.get(key);
    if (!png) {
      let output: Uint8Array | undefined;
      if (source === "submission") {
        const s = await getSubmission(db, id);
        if (!s || s.phase !== "val" || s.kind !== "results") {
          return c.json({ error: "not found" }, 404);
        }
        if (kind === "output") {
          const payload = await getPayload(db, id);
          const entry = payload &&
            readZip(payload.bytes, "submission.zip", opts.zipLimits).find((e) =>
              /\.(png|jpe?g)$/i.test(e.name) && e.name.split("/").pop()!.replace(/\.[^.]+$/, "") ===
                image
            );
          output = entry?.data;
        }
      } else if (source === "method") {
        const entry = (await rendered("val")).board.entries.find((e) => e.method === id && e.runId);
        if (!entry) return c.json({ error: "unknown method" }, 404);
        if (kind === "output") {
          if (!opts.outputsDir) return c.json({ error: "no stored outputs" }, 404);
          // The run comes from the store and the image from the val listing: no request text
          // reaches the path.
          output = await runOutput(db, opts.outputsDir, entry.runId!, image);
        }
      } else return c.json({ error: "not found" }, 404);
      png = await renderCrop(kind, files, output);
      if (!png) return c.json({ error: "no such crop" }, 404);
      if (crops.size > 256) crops.delete(crops.keys().next().value!);
      crops.set(key, png);
    }
    return c.body(png as Uint8Array<ArrayBuffer>, 200, {
      "content-type": "image/png",
      "cache-control": "public, max-age=3600",
    });
  });

  // --- JSON / CSV API
  app.get("/api/leaderboard", async (c) => {
    const phase = phaseOf(c.req.query("phase"));
    if (!phase) return c.json({ error: "phase must be val or test" }, 400);
    return c.body((await rendered(phase)).json, 200, {
      "content-type": "application/json; charset=utf-8",
    });
  });
  app.get("/api/leaderboard.csv", async (c) => {
    const phase = phaseOf(c.req.query("phase"));
    if (!phase) return c.json({ error: "phase must be val or test" }, 400);
    return c.body((await rendered(phase)).csv, 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="leaderboard-${phase}.csv"`,
    });
  });
  app.get("/api/methods/:name", async (c) => {
    const phase = phaseOf(c.req.query("phase"));
    if (!phase) return c.json({ error: "phase must be val or test" }, 400);
    const v = await methodView(c.req.param("name"), phase);
    if (!v) return c.json({ error: "unknown method" }, 404);
    return c.json({
      method: v.title,
      phase,
      info: v.info ?? null,
      rank: v.entry?.rank ?? null,
      psnr: v.entry?.psnr ?? null,
      ssim: v.entry?.ssim ?? null,
      deltaE2000: v.entry?.deltaE2000 ?? null,
      params: v.entry?.params ?? v.info?.params ?? null,
      revealed: !v.hidden,
      images: v.images,
    });
  });
  const submissionJson = async (s: Submission) => {
    const revealed = await isRevealed(db, s.phase);
    return {
      id: s.id,
      team: s.team,
      phase: s.phase,
      kind: s.kind,
      name: s.name,
      status: s.status,
      error: s.error,
      sizeBytes: s.sizeBytes,
      createdAt: s.createdAt,
      finishedAt: s.finishedAt,
      summary: s.summary,
      images: revealed && s.status === "done" ? await submissionImageScores(db, s.id) : null,
    };
  };
  app.get("/api/submissions/:id", async (c) => {
    const s = await getSubmission(db, c.req.param("id"));
    if (!s) return c.json({ error: "unknown submission" }, 404);
    return c.json(await submissionJson(s));
  });

  // --- authenticated routes: the token is checked before any body is read.
  const auth = (role: "team" | "admin") =>
    createMiddleware<Env>(async (c, next) => {
      const owner = await verifyBearer(db, c.req.header("authorization"));
      if (!owner) {
        c.header("www-authenticate", 'Bearer realm="isp-bench"');
        return c.json({ error: "missing or invalid token" }, 401);
      }
      if (role === "admin" && owner.role !== "admin") {
        return c.json({ error: "organizer token required" }, 403);
      }
      c.set("owner", owner);
      await next();
    });
  app.get("/api/submissions", auth("team"), async (c) => {
    const owner = c.get("owner");
    const phase = c.req.query("phase") ? phaseOf(c.req.query("phase")) : undefined;
    const list = await listSubmissions(db, {
      team: owner.role === "admin" ? undefined : owner.team,
      phase,
    });
    return c.json(await Promise.all(list.map(submissionJson)));
  });
  app.post(
    "/api/submissions",
    auth("team"),
    bodyLimit({
      maxSize: maxUpload,
      onError: (c) => c.json({ error: `upload larger than ${maxUpload} bytes` }, 413),
    }),
    async (c) => {
      const owner = c.get("owner");
      if (!owner.team) return c.json({ error: "this token belongs to no team" }, 403);
      const phase = phaseOf(c.req.query("phase"));
      if (!phase) return c.json({ error: "phase must be val or test" }, 400);
      const why = refused.get(phase);
      if (why) return c.json({ error: `cannot score ${phase} submissions: ${why}` }, 503);
      const name = c.req.query("name") ?? "submission";
      if (!NAME.test(name)) return c.json({ error: `name must match ${NAME}` }, 400);
      const type = c.req.header("content-type") ?? "";
      let bytes: Uint8Array;
      let kind: "results" | "model" = "results";
      let manifest: string | undefined;
      if (type.startsWith("multipart/form-data")) {
        const form = await c.req.parseBody();
        const file = form["file"];
        const model = form["model"];
        if (file instanceof File) bytes = new Uint8Array(await file.arrayBuffer());
        else if (model instanceof File) {
          kind = "model";
          bytes = new Uint8Array(await model.arrayBuffer());
          const m = form["manifest"];
          manifest = m instanceof File ? await m.text() : typeof m === "string" ? m : undefined;
        } else return c.json({ error: "expected a 'file' (zip) or 'model' (onnx) field" }, 400);
      } else if (/^application\/(zip|octet-stream|x-zip-compressed)/.test(type)) {
        bytes = new Uint8Array(await c.req.arrayBuffer());
      } else {
        return c.json({ error: "send multipart/form-data or application/zip" }, 415);
      }
      if (bytes.length === 0) return c.json({ error: "empty upload" }, 400);
      if (kind === "results") {
        // Reject unsafe or bomb archives now, with the reason, rather than in the queue.
        const entries = readZip(bytes, `${name}.zip`, opts.zipLimits);
        if (!entries.some((e) => /\.(png|jpe?g)$/i.test(e.name))) {
          throw new InputError(`${name}.zip`, "no PNG or JPEG images in the archive");
        }
      } else {
        if (!manifest) return c.json({ error: "model submissions need a 'manifest' (JSON)" }, 400);
        try {
          JSON.parse(manifest);
        } catch (e) {
          throw new InputError("manifest.json", `not valid JSON (${(e as Error).message})`);
        }
      }
      let id: string;
      try {
        id = await enqueueSubmission(db, { team: owner.team, phase, kind, name, bytes, manifest });
      } catch (e) {
        if (e instanceof LimitError) return c.json({ error: e.message }, 429);
        throw e;
      }
      opts.onSubmitted?.(id);
      return c.json({ id, status: "queued", url: `/submissions/${id}` }, 202);
    },
  );
  app.post("/api/admin/phases/:phase/reveal", auth("admin"), async (c) => {
    const phase = phaseOf(c.req.param("phase"));
    if (!phase) return c.json({ error: "phase must be val or test" }, 400);
    const hide = c.req.query("hide") === "1";
    await setRevealed(db, phase, !hide);
    cache.invalidate();
    return c.json({ phase, revealed: !hide });
  });
  app.get("/healthz", (c) => c.text("ok"));
  return app as unknown as Hono;
}
