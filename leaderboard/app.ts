/**
 * The leaderboard web app: pages per phase with charts, method and submission pages with
 * validation crops, a JSON/CSV API, and the token-protected submission endpoint that queues
 * scoring jobs in the store. Security: strict CSP (scripts from the app only), secure headers,
 * upload limits sized to the phase and checked while streaming, zips checked from their central
 * directory only (no inflation on the request thread), every upload attempt charged to the team's
 * quota, per-address request/upload/failed-auth throttling, 405s, escaped HTML, crops of uploads
 * made by the scoring worker only, and no route that can read hidden targets.
 * @module
 */
import { fileURLToPath as fromFileUrl } from "node:url";
import { type Context, Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { secureHeaders } from "hono/secure-headers";
import { InputError } from "../harness/errors.ts";
import type { ZipLimits } from "../harness/io/zip.ts";
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
import { CropTimeoutError, renderCropInThread } from "./crop_thread.ts";
import { type CropKind, listValImages, runOutput, type ValFiles } from "./crops.ts";
import {
  allowedMethods,
  BodyError,
  clientIp,
  createRateLimiter,
  type RateLimitOptions,
} from "./guard.ts";
import {
  chargeUpload,
  enqueueSubmission,
  getCrop,
  getSubmission,
  isRevealed,
  LimitError,
  listSubmissions,
  type Phase,
  setRevealed,
  type Submission,
} from "./queue.ts";
import { type PhaseBudget, phaseBudget, targetDir } from "./scoring.ts";
import { checkUpload, readUpload } from "./upload.ts";
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
  /** Requests per client address (default 600 per minute). */
  requestLimit?: RateLimitOptions;
  /** Upload attempts per client address (default 20 per minute). */
  uploadLimit?: RateLimitOptions;
  /**
   * Failed authentications per client address before its authenticated requests get 429s
   * (default 20 per 10 minutes).
   */
  authFailureLimit?: RateLimitOptions;
  /** Time allowed for an upload's body to arrive, ms (default 120 000). */
  bodyTimeoutMs?: number;
  /**
   * Header holding the client's address, set by the header-deadline front (`front.ts`). Only set
   * this when every request comes through the front, which drops client-sent copies.
   */
  peerHeader?: string;
}

/** Request variables set by the auth middleware. */
type Env = { Variables: { owner: TokenOwner } };

const PHASES: readonly Phase[] = ["val", "test"];
const NAME = TEAM_NAME;
const CHART_VERSION = "4.6.1";
const STATIC_MAX_AGE = "public, max-age=31536000, immutable";

function pngResponse(c: Context, png: Uint8Array): Response {
  return c.body(png as Uint8Array<ArrayBuffer>, 200, {
    "content-type": "image/png",
    "cache-control": "public, max-age=3600",
  });
}

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
  // Rendered crops of the server's own files; failures are cached too, so they do not repeat.
  const crops = new Map<string, Uint8Array | null>();
  const budgets = new Map<Phase, Promise<PhaseBudget | undefined>>();
  const budgetOf = (phase: Phase) => {
    if (!budgets.has(phase)) {
      const dir = opts.dataDir;
      budgets.set(
        phase,
        dir
          ? targetDir(dir, phase).then((gt) => (gt ? phaseBudget(gt) : undefined))
          : Promise.resolve(undefined),
      );
    }
    return budgets.get(phase)!;
  };
  const perIp = createRateLimiter(opts.requestLimit ?? { max: 600, windowMs: 60_000 });
  const uploads = createRateLimiter(opts.uploadLimit ?? { max: 20, windowMs: 60_000 });
  const authFails = createRateLimiter(
    opts.authFailureLimit ?? { max: 20, windowMs: 10 * 60_000 },
  );
  const tooMany = (c: Context, what: string) => {
    c.header("retry-after", "60");
    return c.json({ error: `too many ${what} from this address; try again later` }, 429);
  };

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
  app.use("*", async (c, next) => {
    // /healthz stays exempt: it is what monitoring polls.
    if (c.req.path !== "/healthz" && !perIp.hit(clientIp(c, opts.peerHeader))) {
      return tooMany(c, "requests");
    }
    await next();
  });
  app.onError((err, c) => {
    if (err instanceof BodyError) return c.json({ error: err.message }, err.status);
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
  app.notFound((c) => {
    const allow = allowedMethods(app as unknown as Hono, c.req.path);
    if (allow.length > 0 && !allow.includes(c.req.method)) {
      c.header("allow", allow.join(", "));
      return c.json({ error: `method ${c.req.method} not allowed here` }, 405);
    }
    return notFound(c, "not found");
  });

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
    const vals = s.phase === "val" && s.kind === "results" && s.status === "done"
      ? await valList()
      : new Map();
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
  // Uploaded outputs are never decoded here: the scoring worker stored their crops when (and only
  // when) the submission scored. The server's own files render in a thread with a time limit.
  app.get("/crops/:source/:id/:image/:kind", async (c) => {
    const { source, id, image } = c.req.param();
    const kind = c.req.param("kind").replace(/\.png$/, "") as CropKind;
    if (!["input", "output", "target"].includes(kind)) return c.json({ error: "not found" }, 404);
    const files = (await valList()).get(image);
    if (!files) return c.json({ error: "not a validation image" }, 404);
    let key = `${kind}\u0000${image}`;
    let output: Uint8Array | undefined;
    if (source === "submission") {
      const s = await getSubmission(db, id);
      if (!s || s.phase !== "val" || s.kind !== "results" || s.status !== "done") {
        return c.json({ error: "not found" }, 404);
      }
      if (kind === "output") {
        const png = await getCrop(db, id, image);
        return png ? pngResponse(c, png) : c.json({ error: "no such crop" }, 404);
      }
    } else if (source === "method") {
      const entry = (await rendered("val")).board.entries.find((e) => e.method === id && e.runId);
      if (!entry) return c.json({ error: "unknown method" }, 404);
      if (kind === "output") {
        if (!opts.outputsDir) return c.json({ error: "no stored outputs" }, 404);
        key = `method\u0000${entry.runId}\u0000${image}`;
        // The run comes from the store and the image from the val listing: no request text
        // reaches the path.
        if (!crops.has(key)) output = await runOutput(db, opts.outputsDir, entry.runId!, image);
      }
    } else return c.json({ error: "not found" }, 404);
    if (!crops.has(key)) {
      let png: Uint8Array | undefined;
      try {
        png = await renderCropInThread(kind, files, output);
      } catch (e) {
        console.error(`crop ${kind} ${image}: ${(e as Error).message}`);
        // A slow machine may do better later; a failure would fail again.
        if (e instanceof CropTimeoutError) return c.json({ error: "crop timed out" }, 503);
      }
      if (crops.size > 512) crops.delete(crops.keys().next().value!);
      crops.set(key, png ?? null);
    }
    const png = crops.get(key);
    return png ? pngResponse(c, png) : c.json({ error: "no such crop" }, 404);
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
      const ip = clientIp(c, opts.peerHeader);
      if (authFails.blocked(ip)) return tooMany(c, "failed authentications");
      const owner = await verifyBearer(db, c.req.header("authorization"));
      if (!owner) {
        authFails.hit(ip);
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
  app.post("/api/submissions", auth("team"), async (c) => {
    const owner = c.get("owner");
    if (!owner.team) return c.json({ error: "this token belongs to no team" }, 403);
    if (!uploads.hit(clientIp(c, opts.peerHeader))) return tooMany(c, "uploads");
    const phase = phaseOf(c.req.query("phase"));
    if (!phase) return c.json({ error: "phase must be val or test" }, 400);
    const why = refused.get(phase);
    if (why) return c.json({ error: `cannot score ${phase} submissions: ${why}` }, 503);
    const name = c.req.query("name") ?? "submission";
    if (!NAME.test(name)) return c.json({ error: `name must match ${NAME}` }, 400);
    const type = c.req.header("content-type") ?? "";
    const multipart = type.startsWith("multipart/form-data");
    if (!multipart && !/^application\/(zip|octet-stream|x-zip-compressed)/.test(type)) {
      return c.json({ error: "send multipart/form-data or application/zip" }, 415);
    }
    // Counted before the body is read: rejected and failed uploads use up the quota too.
    try {
      await chargeUpload(db, owner.team);
    } catch (e) {
      if (e instanceof LimitError) return c.json({ error: e.message }, 429);
      throw e;
    }
    const budget = await budgetOf(phase);
    const upload = await readUpload(c.req.raw, {
      multipart,
      maxUploadBytes: maxUpload,
      budget,
      timeoutMs: opts.bodyTimeoutMs ?? 120_000,
    });
    checkUpload(upload, name, budget?.zip ?? opts.zipLimits);
    const id = await enqueueSubmission(db, {
      team: owner.team,
      phase,
      name,
      ...upload,
      charged: true,
    });
    opts.onSubmitted?.(id);
    return c.json({ id, status: "queued", url: `/submissions/${id}` }, 202);
  });

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
