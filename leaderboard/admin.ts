/**
 * Organizer CLI of the leaderboard:
 *
 * ```sh
 * deno run -A leaderboard/admin.ts token create --team lab-x [--daily-limit 5] [--db URL]
 * deno run -A leaderboard/admin.ts token create --admin [--db URL]
 * deno run -A leaderboard/admin.ts token revoke TOKEN [--db URL]
 * deno run -A leaderboard/admin.ts team limit --team lab-x --daily-limit 10 [--db URL]
 * deno run -A leaderboard/admin.ts reveal test [--hide] [--db URL]
 * deno run -A leaderboard/admin.ts submissions [--team lab-x] [--db URL]
 * ```
 * A created token is printed once; only its hash is stored.
 * @module
 */
import { parseArgs } from "node:util";
import { OptionError } from "../harness/errors.ts";
import { migrate } from "../harness/store/migrate.ts";
import { openDb } from "../harness/store/open.ts";
import { RESULTS_MIGRATIONS } from "../harness/store/results.ts";
import type { Db } from "../harness/store/types.ts";
import { listSubmissions, type Phase, setRevealed } from "./queue.ts";
import { LEADERBOARD_MIGRATIONS } from "./schema.ts";
import { createToken, revokeToken, TEAM_NAME } from "./tokens.ts";

const USAGE = `usage: npx -y deno@2.9.6 task admin <command> [--db URL (default out/results.sqlite)]
  token create --team NAME [--daily-limit N]   issue a team token (printed once)
  token create --admin                         issue an organizer token
  token revoke TOKEN                           revoke a token
  team limit --team NAME --daily-limit N       change a team's daily limit
  reveal test [--hide]                         show (or hide) per-image test results
  submissions [--team NAME]                    list submissions`;

/**
 * Runs one admin command against an open, migrated store; returns the text to print.
 * @example
 * ```ts
 * const token = await adminCommand(db, ["token", "create", "--team", "lab-x"]);
 * ```
 */
export async function adminCommand(db: Db, args: string[]): Promise<string> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      team: { type: "string" },
      admin: { type: "boolean", default: false },
      "daily-limit": { type: "string" },
      hide: { type: "boolean", default: false },
    },
  });
  const limit = values["daily-limit"] === undefined ? undefined : Number(values["daily-limit"]);
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
    throw new OptionError("--daily-limit", `'${values["daily-limit"]}' is not a count`);
  }
  const [a, b, c] = positionals;
  if (a === "token" && b === "create") {
    if (values.team !== undefined && !TEAM_NAME.test(values.team)) {
      throw new OptionError("--team", `team names must match ${TEAM_NAME}`);
    }
    if (values.admin) return await createToken(db, { role: "admin", team: values.team });
    if (!values.team) {
      throw new OptionError("--team", `a team name matching ${TEAM_NAME} is required`);
    }
    return await createToken(db, { team: values.team, dailyLimit: limit });
  }
  if (a === "token" && b === "revoke" && c) {
    return (await revokeToken(db, c)) ? "revoked" : "unknown or already revoked token";
  }
  if (a === "team" && b === "limit") {
    if (!values.team || limit === undefined) {
      throw new OptionError("--daily-limit", "needs --team and --daily-limit");
    }
    const r = await db.run("UPDATE lb_teams SET daily_limit = $1 WHERE name = $2", [
      limit,
      values.team,
    ]);
    if (r.changes === 0) throw new OptionError("--team", `unknown team '${values.team}'`);
    return `team ${values.team}: ${limit} submissions per day`;
  }
  if (a === "reveal" && (b === "test" || b === "val")) {
    await setRevealed(db, b as Phase, !values.hide);
    return `phase ${b}: per-image results ${values.hide ? "hidden" : "revealed"}`;
  }
  if (a === "submissions") {
    const list = await listSubmissions(db, { team: values.team });
    return list.map((s) =>
      [s.id, s.team, s.phase, s.kind, s.name, s.status, s.createdAt, s.summary?.psnr.mean ?? ""]
        .join("\t")
    ).join("\n");
  }
  throw new OptionError(positionals.join(" ") || "<command>", `unknown command\n${USAGE}`);
}

async function main(args: string[]): Promise<void> {
  const i = args.indexOf("--db");
  const url = i >= 0 ? args[i + 1] : "out/results.sqlite";
  const rest = i >= 0 ? [...args.slice(0, i), ...args.slice(i + 2)] : args;
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(USAGE);
    return;
  }
  if (rest.length === 0) {
    // No command is a mistake, not a request for help: say what is possible and fail.
    console.error(`admin: a command is required\n${USAGE}`);
    Deno.exitCode = 2;
    return;
  }
  const db = await openDb(url ?? "");
  try {
    await migrate(db, [...RESULTS_MIGRATIONS, ...LEADERBOARD_MIGRATIONS]);
    console.log(await adminCommand(db, rest));
  } catch (e) {
    console.error((e as Error).message);
    Deno.exitCode = 2;
  } finally {
    await db.close();
  }
}

if (import.meta.main) await main(Deno.args);
