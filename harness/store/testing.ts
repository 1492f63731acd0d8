/**
 * Test support: the same store tests run against SQLite (a temp file) and PostgreSQL (a unique
 * schema per test run, dropped afterwards). PostgreSQL comes from `ISP_BENCH_PG_URL`; in CI
 * (`CI` set) a missing URL makes the PostgreSQL tests fail instead of skipping.
 * @module
 */
import { join } from "node:path";
import { openPostgres } from "./postgres.ts";
import { openSqlite } from "./sqlite.ts";
import type { Db } from "./types.ts";

/** A database opened for one test, with its cleanup. */
export interface TestDb {
  /** The handle. */
  readonly db: Db;
  /** Where it lives: a file path or `postgres URL + schema`, for child processes. */
  readonly url: string;
  /** Schema (PostgreSQL) or undefined. */
  readonly schema?: string;
  /** Closes the handle and removes the database. */
  cleanup(): Promise<void>;
}

/** One engine under test. */
export interface TestBackend {
  /** `sqlite` or `postgres`. */
  readonly name: "sqlite" | "postgres";
  /** True when the tests of this engine must be skipped (PostgreSQL without a URL, outside CI). */
  readonly ignore: boolean;
  /** Opens a fresh, empty database. */
  open(): Promise<TestDb>;
}

/** A schema name unique to this process and call. */
export function uniqueSchema(prefix = "t"): string {
  const rand = crypto.getRandomValues(new Uint32Array(2));
  return `${prefix}_${Deno.pid}_${rand[0].toString(36)}${rand[1].toString(36)}`;
}

let warned = false;

/**
 * The engines to run a store test suite against.
 * @example
 * ```ts
 * for (const b of testBackends()) {
 *   Deno.test({ name: `[${b.name}] round trip`, ignore: b.ignore, fn: async () => {
 *     const { db, cleanup } = await b.open();
 *     try { … } finally { await cleanup(); }
 *   } });
 * }
 * ```
 */
export function testBackends(): TestBackend[] {
  const pgUrl = Deno.env.get("ISP_BENCH_PG_URL");
  const inCi = Boolean(Deno.env.get("CI"));
  if (!pgUrl && !inCi && !warned) {
    warned = true;
    console.error(
      "\n!!! ISP_BENCH_PG_URL is not set: PostgreSQL store tests are IGNORED on this machine.\n" +
        "!!! Set it (see .ci/run) to run them; in CI they fail without it.\n",
    );
  }
  return [
    {
      name: "sqlite",
      ignore: false,
      async open() {
        const dir = await Deno.makeTempDir({ prefix: "isp-bench-store-" });
        const path = join(dir, "results.sqlite");
        const db = openSqlite(path);
        return {
          db,
          url: path,
          async cleanup() {
            await db.close();
            await Deno.remove(dir, { recursive: true });
          },
        };
      },
    },
    {
      name: "postgres",
      ignore: !pgUrl && !inCi,
      async open() {
        if (!pgUrl) throw new Error("ISP_BENCH_PG_URL is not set (required when CI is set)");
        const schema = uniqueSchema();
        const db = await openPostgres(pgUrl, { schema });
        const u = new URL(pgUrl);
        u.searchParams.set("schema", schema);
        return {
          db,
          url: u.toString(),
          schema,
          async cleanup() {
            await db.close();
            const admin = await openPostgres(pgUrl);
            try {
              await admin.run(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
            } finally {
              await admin.close();
            }
          },
        };
      },
    },
  ];
}

/**
 * Runs `fn` on a fresh database of backend `b`, prepared by `setup` (e.g. migrations), and
 * removes the database afterwards, whatever happens.
 * @example
 * ```ts
 * await withTestDb(testBackends()[0], async (db) => { await db.run("SELECT 1"); });
 * ```
 */
export async function withTestDb(
  b: TestBackend,
  fn: (db: Db, url: string) => Promise<void>,
  setup?: (db: Db) => Promise<unknown>,
): Promise<void> {
  const t = await b.open();
  try {
    if (setup) await setup(t.db);
    await fn(t.db, t.url);
  } finally {
    await t.cleanup();
  }
}

/**
 * A `test(name, fn)` for backend `b`: each call registers a Deno test named `[engine] name`
 * (ignored where the engine is) that runs `fn` through {@link withTestDb} with `setup`.
 * @example
 * ```ts
 * for (const b of testBackends()) {
 *   const test = backendTest(b);
 *   test("round trip", async (db) => { … });
 * }
 * ```
 */
export function backendTest(
  b: TestBackend,
  setup?: (db: Db) => Promise<unknown>,
): (name: string, fn: (db: Db, url: string) => Promise<void>) => void {
  return (name, fn) =>
    Deno.test({
      name: `[${b.name}] ${name}`,
      ignore: b.ignore,
      fn: () => withTestDb(b, fn, setup),
    });
}
