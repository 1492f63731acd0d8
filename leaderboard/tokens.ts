/**
 * Organizer-issued bearer tokens. Only the SHA-256 of a token is stored, so a leaked database does
 * not leak credentials; tokens carry 256 random bits, which makes a plain hash (no salt, no slow
 * KDF) sufficient.
 * @module
 */
import type { Db } from "../harness/store/types.ts";

/** Who a token belongs to. */
export interface TokenOwner {
  /** Team name (`undefined` for organizer tokens). */
  readonly team?: string;
  /** `team` may submit; `admin` may also reveal phases and create teams. */
  readonly role: "team" | "admin";
}

/** Options of {@link createToken}. */
export interface CreateTokenOptions {
  /** Team the token submits for (required for role `team`). */
  team?: string;
  /** Role of the token (default `team`). */
  role?: "team" | "admin";
  /** Daily submission limit of a team created on the way (default 5). */
  dailyLimit?: number;
}

/** Hex SHA-256 of a token. */
export async function hashToken(token: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Valid team names: what may appear in URLs and file names without escaping. */
export const TEAM_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * Issues a new token and stores its hash; creates the team when it does not exist yet.
 * Returns the token itself, which is shown once and never stored.
 *
 * @example
 * ```ts
 * const token = await createToken(db, { team: "lab-x" });
 * ```
 */
export async function createToken(db: Db, opts: CreateTokenOptions = {}): Promise<string> {
  const role = opts.role ?? "team";
  // Every token's team is validated, organizer tokens included: names reach pages, URLs and CSV.
  if ((role === "team" || opts.team !== undefined) && (!opts.team || !TEAM_NAME.test(opts.team))) {
    throw new RangeError(`team name '${opts.team ?? ""}' must match ${TEAM_NAME}`);
  }
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const token = "isp_" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  const now = new Date().toISOString();
  await db.transaction(async (tx) => {
    if (opts.team) {
      await tx.run(
        "INSERT INTO lb_teams (name, daily_limit, created_at) VALUES ($1, $2, $3) " +
          "ON CONFLICT (name) DO NOTHING",
        [opts.team, opts.dailyLimit ?? 5, now],
      );
    }
    await tx.run(
      "INSERT INTO lb_tokens (hash, team, role, created_at) VALUES ($1, $2, $3, $4)",
      [await hashToken(token), opts.team ?? null, role, now],
    );
  });
  return token;
}

/** Revokes a token; returns false when it was unknown or already revoked. */
export async function revokeToken(db: Db, token: string): Promise<boolean> {
  const r = await db.run(
    "UPDATE lb_tokens SET revoked_at = $1 WHERE hash = $2 AND revoked_at IS NULL",
    [new Date().toISOString(), await hashToken(token)],
  );
  return r.changes > 0;
}

/** Resolves an `Authorization` header value to the token's owner, or `undefined`. */
export async function verifyBearer(
  db: Db,
  header: string | undefined,
): Promise<TokenOwner | undefined> {
  const m = header?.match(/^Bearer\s+(\S+)\s*$/i);
  if (!m || m[1].length > 200) return undefined;
  const row = await db.get<{ team: string | null; role: string }>(
    "SELECT team, role FROM lb_tokens WHERE hash = $1 AND revoked_at IS NULL",
    [await hashToken(m[1])],
  );
  if (!row) return undefined;
  return row.role === "admin" ? { role: "admin", team: row.team ?? undefined } : {
    role: "team",
    team: row.team ?? undefined,
  };
}
