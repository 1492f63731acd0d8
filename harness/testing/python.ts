/**
 * Test helper: runs a Python snippet with the Debian interpreter (/usr/bin/python3, where the
 * reference packages numpy, scikit-image, POT, torch and onnx live) and returns its stdout.
 * @module
 */

/** Path of the reference interpreter. */
export const PYTHON = "/usr/bin/python3";

/**
 * Runs `code` with `/usr/bin/python3 -c`, passing `args` as `sys.argv[1:]`; throws with the
 * script's stderr when it fails.
 * @example
 * ```ts
 * const out = await runPython("import numpy; print(numpy.__version__)");
 * ```
 */
export async function runPython(code: string, args: string[] = []): Promise<string> {
  const res = await new Deno.Command(PYTHON, {
    args: ["-c", code, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  if (!res.success) throw new Error(`python failed (${res.code}):\n${dec.decode(res.stderr)}`);
  return dec.decode(res.stdout);
}
