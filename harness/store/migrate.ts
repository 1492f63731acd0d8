/**
 * Versioned schema migrations for both engines. Applied ids live in `schema_migrations` with a
 * checksum of their DDL; each migration runs in its own transaction, so a failing step leaves no
 * half-made tables and a re-run picks up where it stopped. Several processes may migrate at once:
 * SQLite serialises them with `BEGIN IMMEDIATE`, PostgreSQL with an advisory lock.
 * @module
 */
import type { Db, Migration } from "./types.ts";
import { splitStatements } from "./sql.ts";

const ID = /^[a-z0-9][a-z0-9_-]*(\/[a-z0-9][a-z0-9_-]*)*\/\d{3}_[a-z0-9_]+$/;

const TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  id TEXT PRIMARY KEY,
  checksum TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;

async function checksum(m: Migration): Promise<string> {
  const bytes = new TextEncoder().encode(`${m.sqlite}\u0000${m.postgres}`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function lock(tx: Db): Promise<void> {
  if (tx.dialect === "postgres") {
    await tx.get(
      "SELECT pg_advisory_xact_lock(hashtext('isp-bench/migrate/' || current_schema()))",
    );
  }
}

/**
 * Applies the migrations not yet recorded, in id order; returns the ids applied now.
 * Migration ids look like `<namespace>/<NNN>_<name>` (e.g. `results/001_init`,
 * `leaderboard/001_submissions`). Statements are separated by `;` (no trigger bodies).
 *
 * @throws {Error} for a malformed or duplicate id, or a migration whose DDL changed after it was
 *   applied (add a new migration instead of editing an applied one)
 * @example
 * ```ts
 * await migrate(db, RESULTS_MIGRATIONS);
 * await migrate(db, [{ id: "leaderboard/001_tokens", sqlite: "CREATE TABLE …", postgres: "…" }]);
 * ```
 */
export async function migrate(db: Db, migrations: readonly Migration[]): Promise<string[]> {
  const seen = new Set<string>();
  for (const m of migrations) {
    if (!ID.test(m.id)) throw new Error(`migration id '${m.id}' is not <namespace>/<NNN>_<name>`);
    if (seen.has(m.id)) throw new Error(`migration id '${m.id}' appears twice`);
    seen.add(m.id);
  }
  await db.transaction(async (tx) => {
    await lock(tx);
    await tx.run(TABLE);
  });
  const applied: string[] = [];
  const sorted = [...migrations].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const m of sorted) {
    const sum = await checksum(m);
    const done = await db.transaction(async (tx) => {
      await lock(tx);
      const row = await tx.get<{ checksum: string }>(
        "SELECT checksum FROM schema_migrations WHERE id = $1",
        [m.id],
      );
      if (row) {
        if (row.checksum !== sum) {
          throw new Error(
            `migration '${m.id}' changed after it was applied; add a new migration instead`,
          );
        }
        return false;
      }
      for (const st of splitStatements(db.dialect === "sqlite" ? m.sqlite : m.postgres)) {
        await tx.run(st);
      }
      await tx.run(
        "INSERT INTO schema_migrations (id, checksum, applied_at) VALUES ($1, $2, $3)",
        [m.id, sum, new Date().toISOString()],
      );
      return true;
    });
    if (done) applied.push(m.id);
  }
  return applied;
}

/**
 * Ids of the migrations recorded in the database, sorted.
 * @example
 * ```ts
 * const ids = await appliedMigrations(db); // ["results/001_init", …]
 * ```
 */
export async function appliedMigrations(db: Db): Promise<string[]> {
  await db.run(TABLE);
  const rows = await db.all<{ id: string }>("SELECT id FROM schema_migrations ORDER BY id");
  return rows.map((r) => r.id);
}
