/**
 * The leaderboard of one phase: the harness's method results plus each team's best scored
 * submission, ranked together on the images they share (the challenge's order, with ranks shared
 * where a paired bootstrap does not separate two entries), and cached per phase.
 * @module
 */
import { csvCell } from "../harness/score.ts";
import { rankWithTies, sceneGroups } from "../harness/stats/bootstrap.ts";
import type { Db, ImageScore, LeaderboardRow } from "../harness/store/types.ts";
import { isRevealed, listSubmissions, type Phase } from "./queue.ts";

/** Description of a harness method, as the method page shows it. */
export interface MethodInfo {
  /** Registry name. */
  readonly name: string;
  /** One paragraph. */
  readonly description: string;
  /** Learned parameters. */
  readonly params: number;
  /** Option values the result was produced with. */
  readonly options: Readonly<Record<string, unknown>>;
  /** True for upper bounds. */
  readonly usesTruth: boolean;
}

/** Where the harness's own results come from (the results tables of the store). */
export interface ResultsSource {
  /** Leaderboard rows of a phase. */
  leaderboard(phase: Phase): Promise<readonly LeaderboardRow[]>;
  /** Per-image scores of a method on a phase. */
  perImageScores(method: string, phase: Phase): Promise<readonly ImageScore[]>;
  /** Description and options of a method, if known. */
  methodInfo(method: string): Promise<MethodInfo | undefined>;
}

/**
 * One row of the board: the leaderboard row's scores and metadata (`params` is 0 for classical
 * methods and null for result zips, whose model is unknown; `msPerMegapixel` 0 when unknown),
 * under a display name.
 */
export interface BoardEntry extends
  Pick<
    LeaderboardRow,
    | "psnr"
    | "ssim"
    | "deltaE2000"
    | "msPerMegapixel"
    | "usesTruth"
    | "createdAt"
  > {
  /** Learned parameters; null when unknown (a zip of results says nothing about its model). */
  readonly params: number | null;
  /** Display name: the method, or `team/name` for a submission. */
  readonly method: string;
  /** Rank; entries not separated by the paired bootstrap share it. */
  readonly rank: number;
  /** True when another entry has the same rank. */
  readonly tied: boolean;
  /** Team of a submission. */
  readonly team?: string;
  /** Submission id (entries from the harness have none). */
  readonly submission?: string;
  /** Harness run the row comes from. */
  readonly runId?: string;
}

/** A phase's board. */
export interface Board {
  /** The phase. */
  readonly phase: Phase;
  /** Per-image results are public (always for `val`; for `test` after the organizer's reveal). */
  readonly revealed: boolean;
  /** Rows in rank order. */
  readonly entries: readonly BoardEntry[];
  /** Per-image PSNR per entry (same order as `entries`); empty when not revealed. */
  readonly perImage: readonly (readonly ImageScore[])[];
}

interface Candidate {
  entry: Omit<BoardEntry, "rank" | "tied">;
  images: readonly ImageScore[];
}

/** Per-image scores of a scored submission. */
export async function submissionImageScores(db: Db, id: string): Promise<ImageScore[]> {
  const rows = await db.all<
    {
      image: string;
      psnr: number;
      ssim: number;
      delta_e: number;
      psnr_capped: number | bigint;
    }
  >(
    "SELECT image, psnr, ssim, delta_e, psnr_capped FROM lb_image_scores WHERE submission_id = $1 " +
      "ORDER BY image",
    [id],
  );
  return rows.map((r) => ({
    image: r.image,
    psnr: Number(r.psnr),
    ssim: Number(r.ssim),
    deltaE2000: Number(r.delta_e),
    ...(Number(r.psnr_capped) ? { psnrCapped: true } : {}),
  }));
}

/**
 * Ranks candidates on the images all of them were scored on. When they share none (or some have
 * no per-image scores), the strict order of means is used and no rank is shared.
 */
function rank(cands: Candidate[]): BoardEntry[] {
  if (cands.length === 0) return [];
  let common = new Set(cands[0].images.map((s) => s.image));
  for (const c of cands.slice(1)) {
    const mine = new Set(c.images.map((s) => s.image));
    common = new Set([...common].filter((x) => mine.has(x)));
  }
  const names = [...common].sort();
  if (names.length === 0) {
    const sorted = [...cands].sort((a, b) =>
      b.entry.psnr.mean - a.entry.psnr.mean || b.entry.ssim.mean - a.entry.ssim.mean ||
      a.entry.deltaE2000.mean - b.entry.deltaE2000.mean
    );
    return sorted.map((c, i) => ({ ...c.entry, rank: i + 1, tied: false }));
  }
  const series = cands.map((c, i) => {
    const by = new Map(c.images.map((s) => [s.image, s]));
    const pick = (k: "psnr" | "ssim" | "deltaE2000") =>
      Float64Array.from(names, (n) => by.get(n)![k]);
    return {
      name: String(i),
      psnr: pick("psnr"),
      ssim: pick("ssim"),
      deltaE2000: pick("deltaE2000"),
    };
  });
  // The harness's own settings (2000 resamples, seed 0), so ranks agree with `leaderboard()`.
  const ranked = rankWithTies(series, { resamples: 2000, seed: 0, groups: sceneGroups(names) });
  const counts = new Map<number, number>();
  for (const r of ranked) counts.set(r.rank, (counts.get(r.rank) ?? 0) + 1);
  return ranked.map((r) => ({
    ...cands[Number(r.name)].entry,
    rank: r.rank,
    tied: (counts.get(r.rank) ?? 0) > 1,
  }));
}

function withTies(rows: readonly LeaderboardRow[], cands: Candidate[]): BoardEntry[] {
  const counts = new Map<number, number>();
  for (const r of rows) counts.set(r.rank, (counts.get(r.rank) ?? 0) + 1);
  return rows.map((r, i) => ({
    ...cands[i].entry,
    rank: r.rank,
    tied: (counts.get(r.rank) ?? 0) > 1,
  }));
}

/**
 * Builds a phase's board from the harness results and the scored submissions (each team's best
 * by mean PSNR).
 */
export async function buildBoard(db: Db, source: ResultsSource, phase: Phase): Promise<Board> {
  const cands: Candidate[] = [];
  const rows = await source.leaderboard(phase);
  for (const row of rows) {
    cands.push({
      entry: {
        method: row.method,
        psnr: row.psnr,
        ssim: row.ssim,
        deltaE2000: row.deltaE2000,
        params: row.params,
        msPerMegapixel: row.msPerMegapixel,
        usesTruth: row.usesTruth,
        createdAt: row.createdAt,
        runId: row.runId,
      },
      images: await source.perImageScores(row.method, phase),
    });
  }
  const best = new Map<string, (typeof subs)[number]>();
  const subs = await listSubmissions(db, { phase, status: "done" });
  for (const s of subs) {
    const b = best.get(s.team);
    if (s.summary && (!b || s.summary.psnr.mean > b.summary!.psnr.mean)) best.set(s.team, s);
  }
  for (const s of best.values()) {
    const sum = s.summary!;
    cands.push({
      entry: {
        method: `${s.team}/${s.name}`,
        psnr: sum.psnr,
        ssim: sum.ssim,
        deltaE2000: sum.deltaE2000,
        params: s.kind === "model" ? sum.params : null,
        msPerMegapixel: sum.msPerMegapixel,
        usesTruth: false,
        createdAt: s.finishedAt ?? s.createdAt,
        team: s.team,
        submission: s.id,
      },
      images: await submissionImageScores(db, s.id),
    });
  }
  // Without submissions the harness ranking (same rule, same images) is used as it is.
  const entries = best.size === 0 ? withTies(rows, cands) : rank(cands);
  const revealed = await isRevealed(db, phase);
  const byName = new Map(cands.map((c) => [c.entry.method, c.images]));
  return {
    phase,
    revealed,
    entries,
    perImage: revealed ? entries.map((e) => byName.get(e.method) ?? []) : [],
  };
}

/** The board as the JSON API returns it. */
export function boardJson(board: Board): unknown[] {
  return board.entries.map((e) => ({
    method: e.method,
    rank: e.rank,
    tied: e.tied,
    psnr: e.psnr,
    ssim: e.ssim,
    deltaE2000: e.deltaE2000,
    params: e.params,
    msPerMegapixel: e.msPerMegapixel,
    usesTruth: e.usesTruth,
    createdAt: e.createdAt,
    ...(e.team ? { team: e.team, submission: e.submission } : {}),
  }));
}

/** A CSV cell, escaped against spreadsheet formulas (see `csvCell`). */
const csvField = csvCell;

/** The board as CSV, one row per entry. */
export function boardCsv(board: Board): string {
  const head = [
    "rank",
    "method",
    "psnr",
    "psnr_lo",
    "psnr_hi",
    "ssim",
    "ssim_lo",
    "ssim_hi",
    "delta_e2000",
    "delta_e2000_lo",
    "delta_e2000_hi",
    "params",
    "ms_per_megapixel",
    "upper_bound",
    "date",
  ];
  const rows = board.entries.map((e) =>
    [
      e.rank,
      e.method,
      e.psnr.mean,
      e.psnr.lo,
      e.psnr.hi,
      e.ssim.mean,
      e.ssim.lo,
      e.ssim.hi,
      e.deltaE2000.mean,
      e.deltaE2000.lo,
      e.deltaE2000.hi,
      e.params ?? "",
      Number.isFinite(e.msPerMegapixel) && e.msPerMegapixel > 0 ? e.msPerMegapixel : "",
      e.usesTruth,
      e.createdAt,
    ].map(csvField).join(",")
  );
  return [head.join(","), ...rows].join("\n") + "\n";
}
