/**
 * Scanning of SQL text shared by both engines: `$n` placeholders and statement boundaries, found
 * outside string literals, quoted identifiers and comments so that data never gets rewritten.
 * @module
 */

/** A piece of SQL text: `code` is scanned, `text` (literals, comments) is copied verbatim. */
interface Token {
  readonly kind: "code" | "text";
  readonly value: string;
}

function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let code = "";
  let i = 0;
  const flush = () => {
    if (code) out.push({ kind: "code", value: code });
    code = "";
  };
  while (i < sql.length) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      // SQL escapes a quote by doubling it, so a literal ends at a lone closing quote.
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === c && sql[j + 1] === c) j += 2;
        else if (sql[j] === c) break;
        else j++;
      }
      flush();
      out.push({ kind: "text", value: sql.slice(i, j + 1) });
      i = j + 1;
    } else if (c === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      const j = end < 0 ? sql.length : end;
      flush();
      out.push({ kind: "text", value: sql.slice(i, j) });
      i = j;
    } else if (c === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      const j = end < 0 ? sql.length : end + 2;
      flush();
      out.push({ kind: "text", value: sql.slice(i, j) });
      i = j;
    } else {
      code += c;
      i++;
    }
  }
  flush();
  return out;
}

/**
 * Rewrites PostgreSQL-style `$1, $2, …` placeholders to SQLite's numbered `?1, ?2, …`, which bind
 * to the same positional parameters.
 *
 * @example
 * ```ts
 * toSqlitePlaceholders("SELECT * FROM runs WHERE id = $1 AND note = '$2'");
 * // "SELECT * FROM runs WHERE id = ?1 AND note = '$2'"
 * ```
 */
export function toSqlitePlaceholders(sql: string): string {
  return tokenize(sql)
    .map((t) => t.kind === "code" ? t.value.replace(/\$(\d+)/g, "?$1") : t.value)
    .join("");
}

/**
 * Splits a script into statements at top-level semicolons; empty statements are dropped.
 * Statements with inner semicolons (trigger bodies) are not supported by migrations.
 *
 * @example
 * ```ts
 * splitStatements("CREATE TABLE a (x TEXT); CREATE TABLE b (y TEXT);"); // two statements
 * ```
 */
export function splitStatements(script: string): string[] {
  const out: string[] = [];
  let current = "";
  for (const t of tokenize(script)) {
    if (t.kind === "text") {
      current += t.value;
      continue;
    }
    const parts = t.value.split(";");
    for (let k = 0; k < parts.length; k++) {
      current += parts[k];
      if (k < parts.length - 1) {
        out.push(current);
        current = "";
      }
    }
  }
  out.push(current);
  return out.filter((s) => stripComments(s).trim() !== "").map((s) => s.trim());
}

function stripComments(sql: string): string {
  return tokenize(sql)
    .filter((t) => t.kind === "code" || !(t.value.startsWith("--") || t.value.startsWith("/*")))
    .map((t) => t.value)
    .join("");
}
