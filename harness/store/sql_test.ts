import assert from "node:assert/strict";
import { splitStatements, toSqlitePlaceholders } from "./sql.ts";

Deno.test("toSqlitePlaceholders maps $n outside literals only", () => {
  assert.equal(
    toSqlitePlaceholders(`SELECT $1, '$2', "a$3", $10 -- $4\n/* $5 */ FROM t WHERE x = $2`),
    `SELECT ?1, '$2', "a$3", ?10 -- $4\n/* $5 */ FROM t WHERE x = ?2`,
  );
  assert.equal(toSqlitePlaceholders("SELECT 'it''s $1', $1"), "SELECT 'it''s $1', ?1");
});

Deno.test("splitStatements splits at top-level semicolons", () => {
  assert.deepEqual(
    splitStatements("CREATE TABLE a (x TEXT DEFAULT ';');\n-- c; d\nCREATE TABLE b (y TEXT);\n;"),
    ["CREATE TABLE a (x TEXT DEFAULT ';')", "-- c; d\nCREATE TABLE b (y TEXT)"],
  );
  assert.deepEqual(splitStatements("  -- only a comment;\n"), []);
});
