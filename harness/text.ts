/**
 * Text that is safe to print on a terminal or store in a log: names from archives and uploads may
 * carry ANSI escape sequences, carriage returns or bidirectional overrides that would rewrite what
 * a reader sees. Control characters are shown as visible escapes instead.
 * @module
 */

// C0 (except tab and newline), DEL, C1, and the Unicode bidi embedding/override/isolate marks.
// deno-lint-ignore no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
// deno-lint-ignore no-control-regex
const UNSAFE_ALL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function escape(ch: string): string {
  const c = ch.charCodeAt(0);
  return c <= 0xff ? `\\x${c.toString(16).padStart(2, "0")}` : `\\u${c.toString(16)}`;
}

/**
 * Replaces control characters with visible escapes (`\x1b`, `\u202e`). Tabs and newlines are kept
 * unless `singleLine` is set (for names, which should never break a line).
 *
 * @example
 * ```ts
 * printable("a\x1b[31mb"); // "a\\x1b[31mb"
 * ```
 */
export function printable(text: string, singleLine = false): string {
  return text.replace(singleLine ? UNSAFE_ALL : UNSAFE, escape);
}
