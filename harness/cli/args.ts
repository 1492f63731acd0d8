/**
 * Shared command-line conventions for the small scripts (benches, reports, serve): `--help` /
 * `-h` prints the usage with defaults and exits 0; an unknown option, a missing value or a bad
 * value prints one line naming it and exits 2 — never a stack trace.
 * @module
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";

/** The values `parseArgs` gives for `options` in strict mode. */
export type ParsedValues<O extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; strict: true }>
>["values"];
import { OptionError } from "../errors.ts";

/** What {@link parseCli} needs. */
export interface CliSpec<O extends ParseArgsOptionsConfig> {
  /** Program name for error lines, e.g. `bench:cnn`. */
  readonly name: string;
  /** The full `--help` text (usage line, options with defaults). */
  readonly usage: string;
  /** The options (a `help` flag is added). */
  readonly options: O;
  /** Arguments (default `Deno.args`). */
  readonly args?: readonly string[];
  /** Accept positional arguments (default false). */
  readonly allowPositionals?: boolean;
}

/** Exit used by the helpers (replaceable in tests). */
export interface CliExit {
  /** Writes a line to stdout. */
  out(text: string): void;
  /** Writes a line to stderr. */
  err(text: string): void;
  /** Ends the process. */
  exit(code: number): never;
}

const DEFAULT_EXIT: CliExit = {
  out: (t) => console.log(t),
  err: (t) => console.error(t),
  exit: (code) => Deno.exit(code),
};

/**
 * Parses `spec.args`; prints the usage and exits 0 on `--help`, prints one error line and exits 2
 * on an unknown option or a missing value.
 * @example
 * ```ts
 * const { values } = parseCli({
 *   name: "bench:cnn",
 *   usage: "usage: npx -y deno@2.9.6 task bench:cnn [--steps N (default 10)]",
 *   options: { steps: { type: "string", default: "10" } },
 * });
 * ```
 */
export function parseCli<O extends ParseArgsOptionsConfig>(
  spec: CliSpec<O>,
  exit: CliExit = DEFAULT_EXIT,
): {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
} {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...(spec.args ?? Deno.args)],
      options: { ...spec.options, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: spec.allowPositionals ?? false,
    });
  } catch (e) {
    return cliFail(spec.name, (e as Error).message, exit);
  }
  if ((parsed.values as Record<string, unknown>).help) {
    exit.out(spec.usage.trimEnd());
    return exit.exit(0);
  }
  return parsed as ReturnType<typeof parseCli>;
}

/** Prints `name: message (see --help)` and exits 2. */
export function cliFail(name: string, message: string, exit: CliExit = DEFAULT_EXIT): never {
  exit.err(`${name}: ${message.split("\n")[0]} (see --help)`);
  return exit.exit(2);
}

/**
 * A whole number option within `[min, max]`.
 * @throws {OptionError} naming the option when the value is not such a number
 */
export function intOption(
  value: unknown,
  option: string,
  range: { min?: number; max?: number } = {},
): number {
  const min = range.min ?? 1, max = range.max ?? Number.MAX_SAFE_INTEGER;
  const n = Number(value);
  if (
    typeof value !== "string" || value.trim() === "" || !Number.isInteger(n) || n < min || n > max
  ) {
    const span = range.max === undefined ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new OptionError(option, `expected a whole number ${span}, got '${value}'`);
  }
  return n;
}

/**
 * Runs `main`; an {@link OptionError} becomes one line and exit 2 instead of a stack trace.
 * @example
 * ```ts
 * await runCli("bench:ot", async () => { ... });
 * ```
 */
export async function runCli(
  name: string,
  main: () => Promise<number | void> | number | void,
  exit: CliExit = DEFAULT_EXIT,
): Promise<void> {
  try {
    const code = await main();
    if (typeof code === "number" && code !== 0) exit.exit(code);
  } catch (e) {
    if (e instanceof OptionError) cliFail(name, e.message, exit);
    throw e;
  }
}

/**
 * For a CLI whose `main` returns its exit code: the parsed option values, or the code to return
 * at once: 0 after printing `usage` for `--help`/`-h`, 2 after printing the parse error (unknown
 * option, missing value) and `usage`. Positional arguments are refused.
 * @example
 * ```ts
 * const parsed = parseOrExitCode(args, { out: { type: "string" } }, USAGE);
 * if (typeof parsed === "number") return parsed;
 * console.log(parsed.out);
 * ```
 */
export function parseOrExitCode<O extends ParseArgsOptionsConfig>(
  args: readonly string[],
  options: O,
  usage: string,
): ParsedValues<O & { help: { type: "boolean"; short: "h" } }> | number {
  const all = { ...options, help: { type: "boolean", short: "h" } } as O & {
    help: { type: "boolean"; short: "h" };
  };
  let values;
  try {
    ({ values } = parseArgs({ args: [...args], options: all, strict: true }));
  } catch (e) {
    console.error(`error: ${(e as Error).message}\n\n${usage}`);
    return 2;
  }
  if ((values as { help?: boolean }).help) {
    console.log(usage);
    return 0;
  }
  return values;
}
