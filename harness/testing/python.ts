/**
 * Test and bench helper: runs Python with the Debian interpreter (/usr/bin/python3, where the
 * reference packages numpy, scikit-image, POT, torch and onnx live) — a snippet (`runPython`), a
 * script file (`runPythonFile`), or a long-lived process (`spawnPython`) — and compares results
 * (`maxAbsDiff`). Every run that exits non-zero throws with the script's stderr.
 * @module
 */

/** Path of the reference interpreter (not a pyenv shim). */
export const PYTHON = "/usr/bin/python3";

/** Options of a Python run. */
export interface PythonRunOptions {
  /** Text or bytes fed to the script's stdin (default: no stdin). */
  readonly stdin?: string | Uint8Array;
  /** Name used in the error message (default: the script or `python`). */
  readonly label?: string;
}

/**
 * Runs `/usr/bin/python3 <args…>` and returns its stdout as bytes; throws with stderr on failure.
 * @example
 * ```ts
 * const bytes = await runPythonBytes(["-c", "import sys; sys.stdout.buffer.write(b'\\x01')"]);
 * ```
 */
export async function runPythonBytes(
  args: readonly string[],
  opts: PythonRunOptions = {},
): Promise<Uint8Array> {
  const child = new Deno.Command(PYTHON, {
    args: [...args],
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (opts.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(
      typeof opts.stdin === "string" ? new TextEncoder().encode(opts.stdin) : opts.stdin,
    );
    await writer.close();
  }
  const res = await child.output();
  if (!res.success) {
    const label = opts.label ?? "python";
    throw new Error(`${label} failed (${res.code}):\n${new TextDecoder().decode(res.stderr)}`);
  }
  return res.stdout;
}

/**
 * Runs `code` with `/usr/bin/python3 -c`, passing `args` as `sys.argv[1:]`; returns its stdout.
 * @example
 * ```ts
 * const out = await runPython("import numpy; print(numpy.__version__)");
 * ```
 */
export async function runPython(
  code: string,
  args: readonly string[] = [],
  opts: PythonRunOptions = {},
): Promise<string> {
  return new TextDecoder().decode(await runPythonBytes(["-c", code, ...args], opts));
}

/**
 * Runs the script file `script` with `args` as `sys.argv[1:]`; returns its stdout.
 * @example
 * ```ts
 * const out = await runPythonFile(new URL("./ref.py", import.meta.url).pathname, ["--n", "3"]);
 * ```
 */
export async function runPythonFile(
  script: string,
  args: readonly string[] = [],
  opts: PythonRunOptions = {},
): Promise<string> {
  const label = opts.label ?? script.slice(script.lastIndexOf("/") + 1);
  return new TextDecoder().decode(await runPythonBytes([script, ...args], { ...opts, label }));
}

/**
 * Starts `/usr/bin/python3 <args…>` as a long-lived process with piped stdin and stdout (for a
 * request/answer protocol that imports a slow package once); stderr goes to ours.
 * @example
 * ```ts
 * const child = spawnPython(["anchor.py"]);
 * ```
 */
export function spawnPython(args: readonly string[]): Deno.ChildProcess {
  return new Deno.Command(PYTHON, {
    args: [...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
}

/**
 * Largest |a − b| over two equally long arrays; NaN if any difference is NaN, ∞ on a length
 * mismatch (so a `< tol` assertion fails either way).
 * @example
 * ```ts
 * maxAbsDiff([1, 2], [1, 2.5]); // 0.5
 * ```
 */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d)) return NaN;
    if (d > m) m = d;
  }
  return m;
}
