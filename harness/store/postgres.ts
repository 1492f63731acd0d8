/**
 * The shared engine: a {@link Db} over PostgreSQL through a `pg` connection pool. An optional
 * schema isolates one user (or one test run) of a shared database: every connection of the pool
 * gets it as its `search_path`.
 * @module
 */
// @ts-types="@types/pg"
import pg from "pg";
import type { Db, SqlValue } from "./types.ts";

/** Settings of {@link openPostgres}. */
export interface PostgresOptions {
  /** Schema to create (if missing) and use for every table; default: the server's search_path. */
  schema?: string;
  /** Largest number of pooled connections (default 4). */
  maxConnections?: number;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** int8 and numeric come back as strings by default; the contract wants numbers like SQLite's. */
function typeParser(oid: number, format?: string): (value: string) => unknown {
  if (oid === INT8_OID) {
    return (v) => {
      const n = Number(v);
      return Number.isSafeInteger(n) ? n : BigInt(v);
    };
  }
  if (oid === NUMERIC_OID) return (v) => Number(v);
  // deno-lint-ignore no-explicit-any
  return (pg.types.getTypeParser as any)(oid, format ?? "text");
}

/** Schema names are interpolated into DDL, so only plain identifiers are accepted. */
export function checkSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new RangeError(`invalid schema name '${schema}' (lower-case letters, digits, _)`);
  }
  return schema;
}

/** Booleans travel as 1/0, which PostgreSQL accepts for both INTEGER and BOOLEAN columns, so
 * portable schemas (integer flags, as SQLite stores them) behave the same on both engines. */
function toParams(params: readonly SqlValue[]): unknown[] {
  return params.map((p) =>
    typeof p === "bigint" ? p.toString() : typeof p === "boolean" ? (p ? 1 : 0) : p
  );
}

type Queryable = pg.Pool | pg.PoolClient;

function clientDb(client: pg.PoolClient, depth: number): Db {
  return {
    dialect: "postgres",
    ...queries(client),
    async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
      // Nested transactions become savepoints of the enclosing one.
      const sp = `sp_${depth}`;
      await client.query(`SAVEPOINT ${sp}`);
      try {
        const out = await fn(clientDb(client, depth + 1));
        await client.query(`RELEASE SAVEPOINT ${sp}`);
        return out;
      } catch (e) {
        await client.query(`ROLLBACK TO SAVEPOINT ${sp}`);
        throw e;
      }
    },
    close: () => Promise.reject(new Error("close() inside a transaction")),
  };
}

function queries(q: Queryable): Pick<Db, "run" | "all" | "get"> {
  return {
    async run(sql, params = []) {
      const r = await q.query(sql, toParams(params));
      return { changes: r.rowCount ?? 0 };
    },
    async all<T>(sql: string, params: readonly SqlValue[] = []) {
      return (await q.query(sql, toParams(params))).rows as T[];
    },
    async get<T>(sql: string, params: readonly SqlValue[] = []) {
      return (await q.query(sql, toParams(params))).rows[0] as T | undefined;
    },
  };
}

/**
 * Connects to PostgreSQL (`postgres://user:pass@host:port/db`).
 *
 * @example
 * ```ts
 * const db = await openPostgres(Deno.env.get("ISP_BENCH_PG_URL")!, { schema: "bench" });
 * const rows = await db.all("SELECT 1 AS one");
 * await db.close();
 * ```
 */
export async function openPostgres(url: string, opts: PostgresOptions = {}): Promise<Db> {
  const schema = opts.schema === undefined ? undefined : checkSchemaName(opts.schema);
  const base = { connectionString: url, types: { getTypeParser: typeParser } };
  if (schema) {
    const setup = new pg.Client(base);
    await setup.connect();
    try {
      await setup.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } catch (e) {
      // Two processes creating the same schema at once: the loser sees a unique violation.
      const code = (e as { code?: string }).code;
      if (code !== "23505" && code !== "42P06") throw e;
    } finally {
      await setup.end();
    }
  }
  const pool = new pg.Pool({
    ...base,
    max: opts.maxConnections ?? 4,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  return {
    dialect: "postgres",
    ...queries(pool),
    async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query("BEGIN");
        try {
          const out = await fn(clientDb(client, 1));
          await client.query("COMMIT");
          return out;
        } catch (e) {
          await client.query("ROLLBACK").catch(() => (broken = true));
          throw e;
        }
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
